"""SSD's detection layers (PriorBox, DetectionOutput, DetectionEvaluate, MultiBoxLoss), MobileNet-YOLO's,
and Cascade R-CNN's ScaleRoute."""

from scnn_tools.net.indexmaps import IDENTITY
from .registry import DETECTION, LOSS, fmt_shape, known, product, register


def aspect_ratios(prior):
    """SSD's PriorBoxLayer: 1, then each ratio not seen yet, and its inverse with flip."""
    ratios = [1.0]
    for ar in prior.aspect_ratio:
        if any(abs(ar - r) < 1e-6 for r in ratios):
            continue
        ratios.append(ar)
        if prior.flip:
            ratios.append(1.0 / ar)
    return ratios


def priors_per_position(prior):
    return len(aspect_ratios(prior)) * len(prior.min_size) + len(prior.max_size)


def _prior_shape(ctx):
    ctx.need_bottoms(2, 2)
    prior = ctx.p.prior_box_param
    if not len(prior.min_size):
        ctx.fail("prior_box_param needs min_size")
    if len(prior.max_size) and len(prior.max_size) != len(prior.min_size):
        ctx.fail(f"{len(prior.max_size)} max_size for {len(prior.min_size)} min_size")
    h, w = ctx.bottoms[0][2:4]
    # Boxes as (xmin, ymin, xmax, ymax), then their variances: two channels.
    return [[1, 2, h * w * priors_per_position(prior) * 4]]


def _none(ctx):
    return [{}] * ctx.ntops


def _dims(shape, axes):
    """A blob's legacy num/channels/height (Caffe's LegacyShape: 1 past the last axis); None where unknown."""
    return [None if shape is None else shape[a] if a < len(shape) else 1 for a in axes]


def _fits_priors(ctx, p):
    """The SSD fork's Reshape of DetectionOutput and MultiBoxLoss (weiliu89/caffe, branch ssd,
    src/caffe/layers/detection_output_layer.cpp, multibox_loss_layer.cpp): CHECK_EQ that the priors
    (bottom 2's height / 4) fit the locations' and confidences' channels. A fork PriorBox that makes more
    boxes than SSD's (TextBoxes's offsets, TextBoxes++'s denser_prior_boxes, FaceBoxes's 21 densified anchors
    a position: sfzhang15/FaceBoxes src/caffe/layers/prior_box_layer.cpp) is caught here, where Caffe stops,
    rather than its count of SSD's priors being printed as the net's."""
    (loc_num, loc), (conf_num, conf), (height,) = (_dims(ctx.bottoms[0], (0, 1)), _dims(ctx.bottoms[1], (0, 1)),
                                                   _dims(ctx.bottoms[2], (2,)))
    if known(loc_num, conf_num) and loc_num != conf_num:
        ctx.fail(f"the confidences {fmt_shape(ctx.bottoms[1])} must have the {loc_num} images of the locations "
                 f"{fmt_shape(ctx.bottoms[0])}")
    if not known(height, loc, conf):
        return
    priors, loc_classes = height // 4, 1 if p.share_location else p.num_classes
    need_loc, need_conf = priors * loc_classes * 4, priors * p.num_classes
    if need_loc != loc or need_conf != conf:
        more = need_loc < loc and need_conf < conf
        ctx.fail(f"{priors} priors (bottom 2, {fmt_shape(ctx.bottoms[2])}) need {need_loc} location and "
                 f"{need_conf} confidence channels; the bottoms are {fmt_shape(ctx.bottoms[0])} and "
                 f"{fmt_shape(ctx.bottoms[1])}, and the SSD fork's Caffe stops here"
                 + (" (a fork whose PriorBox makes more boxes, or boxes of more coordinates, than SSD's "
                    "would explain it)" if more else ""))


def _detections(ctx):
    _fits_priors(ctx, ctx.p.detection_output_param)
    return [[1, 1, _survivors(ctx), 7]]


def _survivors(ctx):
    """The rows of a detection output: what survives the confidence threshold and NMS, which the data decides."""
    return ctx.unknown("how many detections survive its confidence threshold and NMS depends on the data: its "
                       "rows are not known before the net runs")


def _multibox_loss(ctx):
    _fits_priors(ctx, ctx.p.multibox_loss_param)
    return _scalars(ctx)


def priors(ctx):
    """SSD's PriorBoxLayer::Forward_cpu: per position, per min_size, the square box, the one of side
    sqrt(min * max), then one per other aspect ratio; corners in image fractions, then the variances."""
    import numpy as np
    q = ctx.p.prior_box_param
    (h, w), image = ctx.bottoms[0][2:4], ctx.bottoms[1][2:4]
    img_h, img_w = (q.img_h, q.img_w) if q.img_h or q.img_w else (q.img_size, q.img_size) if q.img_size else image
    step_h, step_w = (q.step_h, q.step_w) if q.step_h or q.step_w else (q.step, q.step) if q.step else (
        img_h / h, img_w / w)
    sides = []  # (width, height) of each prior at one position, in Caffe's order
    for s, size in enumerate(q.min_size):
        sides.append((size, size))
        if len(q.max_size):
            sides.append((np.sqrt(size * q.max_size[s]),) * 2)
        sides += [(size * np.sqrt(ar), size / np.sqrt(ar)) for ar in aspect_ratios(q) if abs(ar - 1) >= 1e-6]
    sides = np.array(sides, np.float32)
    cy, cx = np.meshgrid((np.arange(h, dtype=np.float32) + q.offset) * np.float32(step_h),
                         (np.arange(w, dtype=np.float32) + q.offset) * np.float32(step_w), indexing="ij")
    cx, cy = cx[:, :, None], cy[:, :, None]
    boxes = np.stack([(cx - sides[:, 0] / 2) / img_w, (cy - sides[:, 1] / 2) / img_h,
                      (cx + sides[:, 0] / 2) / img_w, (cy + sides[:, 1] / 2) / img_h], axis=-1).astype(np.float32)
    if q.clip:
        boxes = np.clip(boxes, 0, 1)
    variance = list(q.variance) or [0.1]
    variances = np.broadcast_to(np.array(variance if len(variance) == 4 else variance[:1] * 4, np.float32),
                                boxes.shape)
    return np.stack([boxes.reshape(-1), variances.reshape(-1)])[None]


def _prior_onnx(ctx, e):
    e.op("Identity", [e.const(priors(ctx), "priors")], e.y())  # a constant of the shapes alone


def _detections_at_most(ctx):
    """How many rows the detections can have: SSD's detection_output_layer.cpp (weiliu89/caffe, branch ssd;
    RefineDet's is the same) keeps per image what NMS leaves of each class but the background, at most
    nms_param.top_k boxes of the num_priors (bottom 2 holds 4 numbers per prior), then at most keep_top_k of
    them when keep_top_k > -1; with none kept at all it writes one row per image."""
    d = ctx.p.detection_output_param
    num = ctx.bottoms[0][0] if ctx.bottoms and ctx.bottoms[0] else None
    priors = ctx.bottoms[2] if len(ctx.bottoms) > 2 and ctx.bottoms[2] and len(ctx.bottoms[2]) > 2 else None
    per_image = None
    if priors is not None and priors[2] is not None and d.HasField("num_classes"):
        boxes = priors[2] // 4
        top_k = d.nms_param.top_k if d.nms_param.HasField("top_k") and d.nms_param.top_k > -1 else boxes
        classes = d.num_classes - (0 <= d.background_label_id < d.num_classes)
        per_image = classes * min(top_k, boxes)
    if d.keep_top_k > -1:
        per_image = d.keep_top_k if per_image is None else min(per_image, d.keep_top_k)
    if num is None or per_image is None:
        return [None]
    return [[1, 1, num * max(per_image, 1), 7]]


def _scale_route_shape(ctx):
    """zhaoweicai/cascade-rcnn src/caffe/layers/scale_route_layer.cpp: top k holds the rows of bottom k
    whose box (bottom 0: rois, channels() 5) has a size between low_scale and high_scale, or the one
    nearest their middle if none has: (rows, channels(), height(), width()), how many rows known only
    when the net runs. Reshape CHECKs as many tops as bottoms and one num() among them."""
    ctx.need_bottoms(1)
    if ctx.ntops != len(ctx.bottoms):
        ctx.fail(f"needs a top per bottom, has {ctx.ntops} for {len(ctx.bottoms)}")
    legacy = []
    for shape in ctx.bottoms:
        if len(shape) > 4:
            ctx.fail(f"reads num(), channels(), height() and width(), at most 4 axes; a bottom is {fmt_shape(shape)}")
        legacy.append(list(shape) + [1] * (4 - len(shape)))
    if known(legacy[0][1]) and legacy[0][1] != 5:
        ctx.fail(f"the rois {fmt_shape(ctx.bottoms[0])} must have 5 channels (image, x1, y1, x2, y2)")
    rows = legacy[0][0]
    for shape in ctx.bottoms[1:]:
        if known(rows, shape[0]) and shape[0] != rows:
            ctx.fail(f"every bottom must have the {rows} rows of the rois; one is {fmt_shape(shape)}")
    rows = ctx.unknown("how many rois fall within its scales depends on the data: its tops' rows are not known "
                       "before the net runs")
    return [[rows] + shape[1:] for shape in legacy]


def _scale_route_deps(ctx):
    # Which rows are kept depends on the boxes; within a row every value stays where it was.
    return [{a: [(k, a, IDENTITY)] for a in range(1, len(ctx.bottoms[k]))} for k in range(ctx.ntops)]


def _detection_onnx(ctx, e):
    """SSD's DetectionOutputLayer::Forward_cpu (weiliu89/caffe, branch ssd, src/caffe/layers/
    detection_output_layer.cpp, with src/caffe/util/bbox_util.cpp), per image: the location predictions
    decoded against the priors (DecodeBBox); per class but the background, the priors scoring above
    confidence_threshold, the top_k best (GetMaxScoreIndex: a stable sort, so ties keep the lower index),
    then greedy NMS (ApplyNMSFast: a box is kept when its Jaccard overlap with every box kept before it is
    <= nms_threshold); where more than keep_top_k survive, the keep_top_k best scores across classes. Rows
    (image, label, score, xmin, ymin, xmax, ymax) by image, label, then score (descending); where no image
    keeps any, one row per image (image, -1, ..., -1). The classes go on NonMaxSuppression's batch axis, so
    that each runs on its own top_k candidates (ONNX's max_output_boxes_per_class caps what NMS keeps,
    Caffe's top_k what it considers)."""
    d = ctx.p.detection_output_param
    nms = d.nms_param
    if not d.HasField("num_classes"):
        e.fail("detection_output_param has no num_classes (Caffe requires it)")
    if nms.eta != 1 and nms.nms_threshold > 0.5:
        e.fail(f"nms_param's eta {nms.eta:g} lowers the overlap threshold as boxes are kept (adaptive NMS), "
               "which ONNX's NonMaxSuppression cannot")
    if d.share_location and d.background_label_id == -1:
        e.fail("background_label_id -1 with share_location: the SSD fork's DecodeBBoxesAll skips the shared "
               "boxes (label -1) as the background, and Caffe stops on it")
    if nms.nms_threshold < 0:
        e.fail(f"nms_threshold {nms.nms_threshold:g} is negative (Caffe refuses it)")
    if len(ctx.bottoms[2]) < 3:
        e.fail(f"reads the priors' count from the height of bottom 2, which is {fmt_shape(ctx.bottoms[2])}")
    # (The shape rule, _fits_priors, has checked the images and the priors against the predictions.)
    num, classes = ctx.bottoms[0][0], d.num_classes
    priors = ctx.bottoms[2][2] // 4
    loc_classes = 1 if d.share_location else classes
    kept = [c for c in range(classes) if c != d.background_label_id]
    empty = [[i] + [-1] * 6 for i in range(num)]
    if not kept or nms.HasField("top_k") and nms.top_k == 0:  # nothing is ever kept
        e.op("Identity", [e.const([[empty]], "no_detections", "float32")], e.y())
        return
    boxes = _decoded(ctx, e, num, priors, loc_classes, kept)
    conf = e.op("Transpose", [e.op("Reshape", [e.x(1), e.ints([num, priors, classes])])], perm=[0, 2, 1])
    rows = [_image_detections(ctx, e, i, boxes[i], conf, priors, kept) for i in range(num)]
    # With nothing kept in any image, Caffe writes one row per image: (image, -1, -1, -1, -1, -1, -1).
    found = e.op("Concat", rows, axis=0) if num > 1 else rows[0]
    count = e.op("Gather", [e.op("Shape", [found]), e.ints([0], "rows")], axis=0)
    none = e.op("Cast", [e.op("Equal", [count, e.ints([0], "zero")])], to=7)  # INT64
    length = e.op("Add", [count, e.op("Mul", [none, e.ints([num], "images")])])
    written = e.op("Slice", [e.op("Concat", [found, e.const(empty, "no_detections", "float32")], axis=0),
                             e.ints([0], "start"), length, e.ints([0], "axis")])
    e.op("Reshape", [written, e.ints([1, 1, -1, 7], "shape")], e.y())


def _halves(e, x, axis):
    """The first two and the last two of x's four coordinates along `axis`: (xmin, ymin), (xmax, ymax)."""
    return tuple(e.op("Slice", [x, e.ints([a], "start"), e.ints([a + 2], "end"), e.ints([axis], "axis")])
                 for a in (0, 2))


def _take(e, x, index, axis):
    """x's slice at `index` along `axis`, that axis dropped."""
    return e.op("Squeeze", [e.op("Gather", [x, e.ints([index], "index")], axis=axis), e.ints([axis], "axes")])


def _decoded(ctx, e, num, priors, loc_classes, kept):
    """bbox_util.cpp DecodeBBox for every prior: per image, (location classes, priors, 4) corners, the
    location classes being the kept ones where share_location is false. GetPriorBBoxes reads the first
    num_priors * 4 values of bottom 2 as the boxes and the next as their variances."""
    from scnn_tools.caffe_pb2 import PriorBoxParameter
    d = ctx.p.detection_output_param
    prior = e.x(2)
    if product(ctx.bottoms[2]) != 2 * priors * 4:
        prior = e.op("Slice", [e.op("Reshape", [prior, e.ints([-1])]), e.ints([0], "start"),
                               e.ints([2 * priors * 4], "end")])
    prior = e.op("Reshape", [prior, e.ints([2, priors, 4])])
    corners = _take(e, prior, 0, 0)                                        # (priors, 4)
    variance = _take(e, prior, 1, 0)
    loc = e.op("Reshape", [e.x(0), e.ints([num, priors, loc_classes, 4])])
    loc = e.op("Transpose", [loc], perm=[0, 2, 1, 3])                      # (num, location classes, priors, 4)
    if loc_classes > 1:
        loc = e.op("Gather", [loc, e.ints(kept, "classes")], axis=1)
    offset = loc if d.variance_encoded_in_target else e.op("Mul", [variance, loc])
    low, high = _halves(e, corners, 1)
    if d.code_type == PriorBoxParameter.CENTER_SIZE:
        size = e.op("Sub", [high, low])
        centre = e.op("Div", [e.op("Add", [low, high]), e.const(2.0, "two")])
        shift, scale = _halves(e, offset, 3)
        centre = e.op("Add", [e.op("Mul", [shift, size]), centre])
        half = e.op("Div", [e.op("Mul", [e.op("Exp", [scale]), size]), e.const(2.0, "two")])
        boxes = e.op("Concat", [e.op("Sub", [centre, half]), e.op("Add", [centre, half])], axis=3)
    elif d.code_type == PriorBoxParameter.CORNER_SIZE:
        size = e.op("Sub", [high, low])
        boxes = e.op("Add", [corners, e.op("Mul", [offset, e.op("Concat", [size, size], axis=1)])])
    else:  # CORNER
        boxes = e.op("Add", [corners, offset])
    if d.clip:  # OpenCV's own field (its DecodeBBox clips to the unit square before NMS)
        boxes = e.op("Clip", [boxes, e.const(0.0, "min"), e.const(1.0, "max")])
    return [_take(e, boxes, i, 0) for i in range(num)]


def _image_detections(ctx, e, i, boxes, conf, priors, kept):
    """The rows one image keeps, (kept, 7), in Caffe's order."""
    import numpy as np
    from scnn_tools.caffe_pb2 import PriorBoxParameter
    d = ctx.p.detection_output_param
    nms = d.nms_param
    scores = e.op("Gather", [_take(e, conf, i, 0), e.ints(kept, "classes")],
                  axis=0)                                                  # (classes kept, priors)
    # GetMaxScoreIndex keeps scores above the threshold only, so never a NaN: as -inf it stays last.
    scores = e.op("Where", [e.op("IsNaN", [scores]), e.const(-np.inf, "nan"), scores])
    top_k = min(nms.top_k, priors) if nms.HasField("top_k") and nms.top_k > -1 else priors
    candidates, chosen = scores, None
    if top_k < priors:
        # The top_k best as GetMaxScoreIndex's stable sort takes them: those above the k-th best score, then
        # the first priors equal to it, in prior order. (TopK's own choice and order among equal scores
        # differ between runtimes, OpenVINO's is not by the lower index; the k-th best value is the same.)
        best, _ = e.op("TopK", [scores, e.ints([top_k], "top_k")], 2, axis=1, largest=1, sorted=1)
        kth = e.op("Slice", [best, e.ints([top_k - 1], "start"), e.ints([top_k], "end"), e.ints([1], "axis")])
        above, tied = e.op("Greater", [scores, kth]), e.op("Equal", [scores, kth])
        room = e.op("Sub", [e.const(float(top_k), "top_k"),
                            e.reduce("ReduceSum", e.op("Cast", [above], to=1), [1])])
        axis = e.op("Squeeze", [e.ints([1], "axis")])  # (CumSum's axis is a 0-d tensor)
        first = e.op("LessOrEqual", [e.op("CumSum", [e.op("Cast", [tied], to=1), axis]), room])
        member = e.op("Or", [above, e.op("And", [tied, first])])  # top_k a class
        where = e.op("Gather", [e.op("NonZero", [member]), e.ints([1], "column")], axis=0)
        chosen = e.op("Reshape", [where, e.ints([len(kept), top_k], "shape")])
        candidates = e.op("GatherElements", [scores, chosen], axis=1)
    if chosen is None:
        boxes = e.op("Expand", [boxes, e.ints([len(kept), priors, 4], "shape")])
    elif d.share_location:
        boxes = e.op("Gather", [e.op("Squeeze", [boxes, e.ints([0], "axes")]), chosen], axis=0)
    else:
        where = e.op("Expand", [e.op("Unsqueeze", [chosen, e.ints([2], "axes")]),
                                e.ints([len(kept), top_k, 4], "shape")])
        boxes = e.op("GatherElements", [boxes, where], axis=1)           # (classes kept, top_k, 4)
    overlap_boxes = boxes
    if d.code_type != PriorBoxParameter.CENTER_SIZE:
        # bbox_util.cpp JaccardOverlap: a box with xmax < xmin or ymax < ymin overlaps nothing, where
        # NonMaxSuppression would take its corners in either order. Such a box is given to NMS as a unit
        # square of its own far off (integer corners near 4e6, exact in float32), which overlaps nothing
        # either; one empty box for all would not do: OpenCV's NMS lets equal empty boxes suppress each other.
        low, high = _halves(e, boxes, 2)
        flipped = e.reduce("ReduceMax", e.op("Cast", [e.op("Less", [high, low])], to=1), [2])
        corner = 4e6 + 2 * np.arange(top_k, dtype=np.float32)[:, None]
        apart = e.const(np.concatenate([corner, corner, corner + 1, corner + 1], axis=1), "apart")
        overlap_boxes = e.op("Where", [e.op("Cast", [flipped], to=9), apart, boxes])
    # NMS takes the candidates by score, equal scores by the lower position (so prior), in all three runtimes.
    inputs = [overlap_boxes, e.op("Unsqueeze", [candidates, e.ints([1], "axes")]), e.ints([top_k], "max_boxes"),
              e.const([nms.nms_threshold], "nms_threshold")]
    if d.HasField("confidence_threshold"):
        inputs.append(e.const([d.confidence_threshold], "confidence_threshold"))
    selected = e.op("NonMaxSuppression", inputs)                          # (kept, 3): class slot, 0, candidate
    slot = _take(e, selected, 0, 1)
    flat = e.op("Add", [e.op("Mul", [slot, e.const(top_k, "top_k")]), _take(e, selected, 2, 1)])
    score = e.op("Gather", [e.op("Reshape", [candidates, e.ints([-1])]), flat], axis=0)
    box = e.op("Gather", [e.op("Reshape", [boxes, e.ints([-1, 4])]), flat], axis=0)
    label = e.op("Gather", [e.const(kept, "labels", "float32"), slot], axis=0)
    if not d.HasField("confidence_threshold"):
        # Caffe's threshold is then -FLT_MAX, which OpenCV's NMS refuses (it takes none below 0): the boxes
        # at or below it that NMS kept (they come last, and suppress nothing above them) are dropped here.
        real = e.op("Greater", [score, e.const(float(np.finfo(np.float32).min), "lowest")])
        where = e.op("Squeeze", [e.op("NonZero", [real]), e.ints([0], "axes")])
        score, box, label = (e.op("Gather", [v, where], axis=0) for v in (score, box, label))
    if d.keep_top_k > -1 and d.keep_top_k < len(kept) * top_k:
        # The keep_top_k best scores (std::sort: an order among equal scores Caffe leaves unspecified), put
        # back in NonMaxSuppression's order, which is already by label, then score.
        count = e.op("Shape", [score])
        k = e.op("Min", [count, e.ints([d.keep_top_k], "keep_top_k")])
        _, best = e.op("TopK", [score, k], 2, axis=0, largest=1, sorted=1)
        order, _ = e.op("TopK", [e.op("Cast", [best], to=1), k], 2, axis=0, largest=0, sorted=1)
        order = e.op("Cast", [order], to=7)
        score, box, label = (e.op("Gather", [v, order], axis=0) for v in (score, box, label))
    image = e.op("Add", [e.op("Mul", [label, e.const(0.0, "zero")]), e.const(float(i), "image")])
    columns = [e.op("Unsqueeze", [v, e.ints([1], "axes")]) for v in (image, label, score)]
    return e.op("Concat", columns + [box], axis=1)


register("PriorBox", DETECTION, shape=_prior_shape, deps=_none, onnx=_prior_onnx)
# How many detections survive is known only when the net runs; their parameters bound it.
register("DetectionOutput", DETECTION, shape=_detections, deps=_none, needs=(), min_bottoms=3,
         at_most=_detections_at_most,
         note="how many detections survive depends on the data", onnx=_detection_onnx)
def _evaluation_shape(ctx):
    return [[1, 1, ctx.unknown("how many detections it evaluates depends on the data: its rows are not known "
                               "before the net runs"), 5]]


register("DetectionEvaluate", DETECTION, shape=_evaluation_shape, deps=_none, needs=(),
         note="how many detections there are depends on the data", no_onnx="an evaluation against ground truth")


def _scalars(ctx):
    return [[]] * ctx.ntops


register("MultiBoxLoss", LOSS, shape=_multibox_loss, deps=_none, needs=(), min_bottoms=4)
# MobileNet-YOLO (eric612/MobileNet-YOLO). src/caffe/layers/yolo_detection_output_layer.cpp and
# yolov3_detection_output_layer.cpp Reshape: (1, 1, 1, 7) at set-up; Forward_cpu reshapes to (1, 1, kept, 7),
# rows [image, label, confidence, x, y, w, h], kept being what survives the confidence threshold and NMS
# (no keep_top_k bounds it), or one row per image where nothing does.
def _yolo_detections(ctx):
    return [[1, 1, _survivors(ctx), 7]]


def _yolov3_detections(ctx):
    groups = ctx.p.yolov3_detection_output_param.mask_group_num
    if len(ctx.bottoms) != groups:  # LayerSetUp: CHECK_EQ(bottom.size(), mask_group_num_)
        ctx.fail(f"has {len(ctx.bottoms)} bottom(s); its mask_group_num says {groups} (one per output scale)")
    return _yolo_detections(ctx)


_YOLO_OUTPUT = dict(deps=_none, needs=(), note="how many detections survive depends on the data",
                    no_onnx="how many detections survive depends on the data, and an exported model has fixed shapes")
register("YoloDetectionOutput", DETECTION, shape=_yolo_detections, **_YOLO_OUTPUT)
register("Yolov3DetectionOutput", DETECTION, shape=_yolov3_detections, **_YOLO_OUTPUT)
# The training losses, LossLayer subclasses (yolov3_layer.cpp, region_loss_layer.cpp): a scalar.
register("Yolov3", LOSS, shape=_scalars, deps=_none, needs=())
register("RegionLoss", LOSS, shape=_scalars, deps=_none, needs=())
register("ScaleRoute", DETECTION, shape=_scale_route_shape, deps=_scale_route_deps,
         note="how many rois fall within the layer's scales depends on the data",
         no_onnx="how many rois fall within its scales depends on the data, and an exported model has fixed shapes")

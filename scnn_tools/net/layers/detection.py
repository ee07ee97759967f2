"""SSD's detection layers (PriorBox, DetectionOutput, DetectionEvaluate, MultiBoxLoss), MobileNet-YOLO's,
and Cascade R-CNN's ScaleRoute."""

from scnn_tools.net.indexmaps import IDENTITY
from .registry import DETECTION, LOSS, fmt_shape, known, register


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
    return [[None] + shape[1:] for shape in legacy]


def _scale_route_deps(ctx):
    # Which rows are kept depends on the boxes; within a row every value stays where it was.
    return [{a: [(k, a, IDENTITY)] for a in range(1, len(ctx.bottoms[k]))} for k in range(ctx.ntops)]


register("PriorBox", DETECTION, shape=_prior_shape, deps=_none, onnx=_prior_onnx)
# How many detections survive is known only when the net runs; their parameters bound it.
register("DetectionOutput", DETECTION, shape=lambda ctx: [[1, 1, None, 7]], deps=_none, needs=(),
         at_most=_detections_at_most,
         note="how many detections survive depends on the data",
         no_onnx="how many detections survive depends on the data, and an exported model has fixed shapes")
register("DetectionEvaluate", DETECTION, shape=lambda ctx: [[1, 1, None, 5]], deps=_none, needs=(),
         note="how many detections there are depends on the data", no_onnx="an evaluation against ground truth")


def _scalars(ctx):
    return [[]] * ctx.ntops


register("MultiBoxLoss", LOSS, shape=_scalars, deps=_none, needs=())
# MobileNet-YOLO (eric612/MobileNet-YOLO). src/caffe/layers/yolo_detection_output_layer.cpp and
# yolov3_detection_output_layer.cpp Reshape: (1, 1, 1, 7) at set-up; Forward_cpu reshapes to (1, 1, kept, 7),
# rows [image, label, confidence, x, y, w, h], kept being what survives the confidence threshold and NMS
# (no keep_top_k bounds it), or one row per image where nothing does.
def _yolo_detections(ctx):
    return [[1, 1, None, 7]]


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

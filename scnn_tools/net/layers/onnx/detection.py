"""The detection operators (onnx/docs/Operators.md): what they keep or where they look depends on the data.

NonMaxSuppression-10/11 (boxes B x N x 4, scores B x C x N, optional max_output_boxes_per_class, iou_threshold,
score_threshold): selected_indices, one (batch, class, box) row per box kept: how many is known only when the
net runs, at most B x C x min(N, max_output_boxes_per_class); with max_output_boxes_per_class 0 or not given
none are kept (0 rows). Indices, no features: no field.

RoiAlign-10/16 (X N x C x H x W, rois R x 4, batch_indices R) and MaxRoiPool-1 (X, rois R x 5): one
C x output_height x output_width (RoiAlign, each default 1) or C x pooled_shape (MaxRoiPool) map per region,
R a count the net computes (a proposal stage), as Caffe's ROIPooling (layers/pool.py). Which positions a region
reads depends on the region's coordinates, so their outputs have no field. None of them learns; as the Caffe
ROI layers, no multiply-adds are counted.
"""

from ..registry import DETECTION, POOLING, fmt_shape, known
from .node import ALREADY, node, register


def _nms_shape(ctx):
    o = node(ctx)
    o.need_inputs(2, 5)
    boxes, scores = o.shape(0), o.shape(1)
    if boxes is not None and (len(boxes) != 3 or boxes[2] not in (4, None)):
        o.fail(f"boxes {fmt_shape(boxes)} are not batches x boxes x 4")
    if scores is not None and len(scores) != 3:
        o.fail(f"scores {fmt_shape(scores)} are not batches x classes x boxes")
    if boxes is not None and scores is not None and any(
            known(a, b) and a != b for a, b in ((boxes[0], scores[0]), (boxes[1], scores[2]))):
        o.fail(f"scores {fmt_shape(scores)} do not score the batches and boxes of boxes {fmt_shape(boxes)}")
    most = _most_per_class(o)
    if most is None:
        o.unknown("how many boxes it keeps is known only when the net runs, and its max_output_boxes_per_class "
                  "(input 2), which would bound that, is not known before then")
    return [[0 if most == 0 else None, 3]]


def _most_per_class(o):
    """max_output_boxes_per_class: 0 where not given, None where not known before the net runs."""
    if not o.present(2):
        return 0
    most = o.ints(2)
    if most is None:
        return None
    if len(most) != 1:
        o.fail(f"max_output_boxes_per_class {most} must be one value")
    return max(most[0], 0)


def _nms_at_most(ctx):
    o = node(ctx)
    boxes, scores, most = o.shape(0), o.shape(1), _most_per_class(o)
    if most is None or boxes is None or scores is None or None in (boxes[0], boxes[1], scores[1]):
        return [None]
    return [[boxes[0] * scores[1] * min(boxes[1], most), 3]]


def _no_field(o):
    # (said by the shape rule: with a count of regions not known, as from a proposal stage, no deps are asked)
    o.unknown("which positions a region reads depends on its coordinates, which the net computes: its outputs have "
              "no field")


def _roi_shape(ctx):
    o = node(ctx)
    if o.op == "RoiAlign":
        o.need_inputs(3, 3)
        size = [o.attr("output_height", 1), o.attr("output_width", 1)]
        if o.attr("mode", "avg") not in ("avg", "max"):
            o.fail(f"mode {o.attr('mode')!r} is neither avg nor max")
    else:
        o.need_inputs(2, 2)
        size = o.attr("pooled_shape", kind=list)
        if size is None or len(size) != 2:
            o.fail(f"pooled_shape {size} must give a height and a width")
    x, rois = o.data(0, "X"), o.shape(1)
    if len(x) != 4:
        o.fail(f"pools regions of N x C x H x W blobs, X is {fmt_shape(x)}")
    corners = 4 if o.op == "RoiAlign" else 5
    if rois is not None and (len(rois) != 2 or rois[1] not in (corners, None)):
        o.fail(f"rois {fmt_shape(rois)} are not regions x {corners}")
    if min(size) < 1:
        o.fail(f"output size {size} must be positive")
    _no_field(o)
    return [[None if rois is None else rois[0], x[1]] + list(size)]


register("onnx.NonMaxSuppression", DETECTION, reads=("center_point_box",), shape=_nms_shape, deps=lambda ctx: [{}],
         needs=(), at_most=_nms_at_most, note="how many boxes it keeps depends on the data", no_onnx=ALREADY,
         not_features={0: "holds the (batch, class, box) indices of the boxes kept"})
register("onnx.RoiAlign", POOLING,
         reads=("coordinate_transformation_mode", "mode", "output_height", "output_width", "sampling_ratio",
                "spatial_scale"), shape=_roi_shape, deps=lambda ctx: [{}], counts=(1, 2), no_onnx=ALREADY)
register("onnx.MaxRoiPool", POOLING, reads=("pooled_shape", "spatial_scale"), shape=_roi_shape, deps=lambda ctx: [{}],
         counts=(1,), no_onnx=ALREADY)

"""The YOLOv2 forks' Region layer: one type name, three forms, which the layer's tops tell apart.

One top: region_param's forks (sokeeffe/caffe_yolo, openvinotoolkit/training_toolbox_caffe and
    BirdeeChen/caffe_yolo_v2, src/caffe/layers/region_layer.cpp): Reshape gives the top the bottom's shape
    (ReshapeLike, or its num, channels, height and width read at set-up), logistic and softmax applied per
    box in the bottom's layout (sokeeffe's, openvino's) or after moving the boxes to the last axis
    (BirdeeChen's flatten): the top's positions are not the same in all, so they have no field here.
Two tops: region_loss_param's (zhangnju/nv_caffe and zhang-xin/caffe, src/caffe/layers/region_layer.cpp):
    LayerSetUp CHECKs bottom[0]->count(1) == side * side * num * (coords + classes + 1); Reshape gives the
    boxes (num, side, side, coords) and the probabilities (num, side, side, classes + 1), of the first image
    only. classes is nv_caffe's num_class, zhang-xin's num_classes.
Three tops: MichalBusta/Ristretto-caffe (also zacniewski/caffe-TE) src/caffe/layers/region_layer.cpp, which
    reads its bottom as (N, H, W, C): Reshape gives top[0] (1, 1, 1, 1) (the training loss), top[1]
    (N, 1, MAX_BOXES = 500, TOP2_OUT = 15) (the boxes kept), top[2] (N, H, W, C) (the activations); a
    second bottom (the ground truth) is read in training only.
A Reshape that reads a top the layer lacks reads past the end of Caffe's vector: no fork runs those.
"""

from .registry import DETECTION, fmt_shape, product, register

_MAX_BOXES, _TOP2_OUT = 500, 15  # Ristretto-caffe region_layer.cpp's #defines


def _shape(ctx):
    ctx.need_bottoms(1, 2)
    bottom = ctx.bottoms[0]
    if ctx.ntops == 1:
        return [list(bottom)]
    if ctx.ntops == 2:
        return _region_loss_tops(ctx)
    if ctx.ntops == 3:
        if len(bottom) < 4:
            ctx.fail(f"with three tops it is Ristretto-caffe's Region, which reads its bottom's axes 1 to 3 "
                     f"(H, W, C); bottom is {fmt_shape(bottom)}")
        if ctx.p.top[2] == ctx.p.bottom[0]:
            ctx.fail("cannot run in place (Ristretto-caffe's region_layer.cpp CHECK_NE(top[2], bottom[0]))")
        return [[1, 1, 1, 1], [bottom[0], 1, _MAX_BOXES, _TOP2_OUT], list(bottom[:4])]
    ctx.fail(f"has {ctx.ntops} tops; the forks' Region layers give one, two (zhangnju/nv_caffe's) or three "
             "(Ristretto-caffe's)")


def _region_loss_tops(ctx):
    q = ctx.p.region_loss_param
    if q.HasField("num_class") and q.HasField("num_classes"):
        ctx.fail("sets both num_class (zhangnju/nv_caffe's) and num_classes (zhang-xin/caffe's)")
    side, num, coords = q.side, q.num, q.coords
    per_box = product(ctx.bottoms[0][1:])
    if per_box is not None:
        if per_box % (side * side * num):
            ctx.fail(f"its bottom's {per_box} values per image are not side * side * num = {side * side * num} "
                     "boxes' (LayerSetUp's CHECK_EQ on bottom[0]->count(1))")
        per_box //= side * side * num
    given = q.num_class if q.HasField("num_class") else q.num_classes if q.HasField("num_classes") else None
    if given is not None and per_box is not None and per_box != coords + given + 1:
        ctx.fail(f"its bottom gives {per_box} values per box; coords + classes + 1 = {coords + given + 1} "
                 "(LayerSetUp's CHECK_EQ on bottom[0]->count(1))")
    # Where the file names no class count, the one a Caffe runs it with is the one the bottom's CHECK allows.
    classes = given if given is not None else None if per_box is None else per_box - coords - 1
    if classes is not None and classes < 1:
        ctx.fail(f"its bottom gives {per_box} values per box, fewer than coords + 2 = {coords + 2}")
    return [[num, side, side, coords], [num, side, side, None if classes is None else classes + 1]]


register("Region", DETECTION, shape=_shape, deps=lambda ctx: [{}] * ctx.ntops,
         no_onnx="the forks' Region layers lay out and decode their boxes each their own way")

"""The forks' Padding and Flip: layers that move positions by a fixed rule and compute nothing.

Each fork spells its parameters its own way, so the fields a layer sets say whose it is:

Padding (padding_param)
  pad_beg, pad_end: DeepLab's (TheLegendAli/DeepLab-Context src/caffe/layers/padding_layer.cpp, V1 type
      PADDING; the same file in Ding-Liu/DeepDenoising). LayerSetUp: both >= 0 (zeros added) or both <= 0
      (a crop), else fatal; Reshape: (num, channels, height + beg + end, width + beg + end), each > 0;
      Forward: top[h, w] = bottom[h - beg, w - beg], zero outside.
  pad, pad_h, pad_w, pad_h_top, pad_h_bottom, pad_w_left, pad_w_right, pad_to_power_of_2: ctensmeyer/caffe
      src/caffe/layers/padding_layer.cpp. Reshape: every side `pad`; where that is 0, pad_h and pad_w; where the
      top is still 0, pad_h_top and pad_h_bottom, and where the left is, pad_w_left and pad_w_right;
      pad_to_power_of_2 pads each of height and width to the next power of 2 (half before, the odd one after).
      Zeros added: top[h, w] = bottom[h - top, w - left].
  pad_t, pad_l, pad_b, pad_r, pad_value, pad_method: sophgo/caffe src/caffe/layers/padding_layer.cpp (CONSTANT
      only; its Reshape pads the last two axes of any blob, its Forward reads 4) and twerdster/caffe's (4 axes;
      CONSTANT, or REPEAT, which copies the nearest edge value; pads >= 0). top[h, w] = bottom[h - t, w - l],
      pad_value outside.
  A layer that sets none is the same in all: its top is its bottom.

Flip (flip_param)
  flip_width, flip_height: happynear/caffe-windows src/caffe/layers/flip_layer.cpp (also sunnyxiaohu/caffe-syn,
      zhanglaplace/Caffe-ZF): width flipped by default, height where asked; top[h, w] =
      bottom[H - 1 - h, W - 1 - w] along the flipped axes.
  axis: shihengcan/caffe-2017 src/caffe/layers/flip_layer.cpp: axis `axis` (default 0, the batch) of the 4
      legacy axes turned back to front.
  Both keep the bottom's shape (ReshapeLike). Without either field the forks part on what is flipped (width,
  or the batch): the width's field is unknown, with a warning.
"""

from scnn_tools.caffe_pb2 import PaddingParameter
from scnn_tools.net.indexmaps import IDENTITY, shifted
from .registry import RESHAPE, fmt_shape, legacy_shape, register

_DEEPLAB = ("pad_beg", "pad_end")
_CTENSMEYER = ("pad", "pad_h", "pad_w", "pad_h_top", "pad_h_bottom", "pad_w_left", "pad_w_right",
               "pad_to_power_of_2")
_SIDES = ("pad_t", "pad_l", "pad_b", "pad_r", "pad_value", "pad_method")


def _dialect(ctx, q, groups):
    found = [group for group in groups if any(q.HasField(f) for f in group)]
    if len(found) > 1:
        ctx.fail("sets fields of different forks' " + ctx.node.type + " (" +
                 " and ".join(", ".join(f for f in group if q.HasField(f)) for group in found) +
                 "), which no one Caffe reads together")
    return found[0] if found else None


def _power_of_2(n):
    return None if n is None else 1 << max(n - 1, 0).bit_length()


def _split(total):
    return total // 2, total - total // 2


def _pads(ctx):
    """((before, after) for the height, the same for the width), the axes they pad, whether the pad copies
    the nearest edge value (twerdster's REPEAT) rather than a constant, and the 4-axis shape it pads."""
    return ctx.once("padding", _parse)


def _parse(ctx):
    q = ctx.p.padding_param
    dialect = _dialect(ctx, q, (_DEEPLAB, _CTENSMEYER, _SIDES))
    ctx.need_bottoms(1, 1)
    if dialect is _SIDES:
        shape = ctx.image("pads")  # (sophgo's Reshape takes any blob, but its Forward reads 4 axes)
        if q.pad_method == PaddingParameter.WRAP:
            ctx.fail("pad_method WRAP: no fork's Padding implements it")
        repeat = q.pad_method == PaddingParameter.REPEAT
        if repeat and min(q.pad_t, q.pad_l, q.pad_b, q.pad_r) < 0:
            ctx.fail("pad_method REPEAT is twerdster/caffe's, which pads by non-negative amounts only")
        return ((q.pad_t, q.pad_b), (q.pad_l, q.pad_r)), (2, 3), repeat, list(shape)
    legacy = legacy_shape(ctx)  # (num, channels, height, width), as Reshape reads them
    if dialect is _DEEPLAB:
        beg, end = q.pad_beg, q.pad_end
        if (beg < 0 < end) or (end < 0 < beg):
            ctx.fail(f"pad_beg {beg} and pad_end {end}: DeepLab's Padding pads both or crops both (\"Padding "
                     "must either be both positive or negative\")")
        return ((beg, end), (beg, end)), (2, 3), False, legacy
    top = bottom = left = right = q.pad
    if top == 0:
        top, bottom, left, right = q.pad_h, q.pad_h, q.pad_w, q.pad_w
    if top == 0:
        top, bottom = q.pad_h_top, q.pad_h_bottom
    if left == 0:
        left, right = q.pad_w_left, q.pad_w_right
    if q.pad_to_power_of_2:
        (top, bottom), (left, right) = ((None, None) if n is None else _split(_power_of_2(n) - n)
                                        for n in legacy[2:])
    return ((top, bottom), (left, right)), (2, 3), False, legacy


def _padding_shape(ctx):
    pads, axes, _, shape = _pads(ctx)
    shape = list(shape)
    for axis, (before, after) in zip(axes, pads):
        if shape[axis] is None or before is None:
            shape[axis] = None
            continue
        if shape[axis] + before + after <= 0:
            ctx.fail(f"pads {before} and {after} leave {shape[axis] + before + after} of the {shape[axis]} "
                     f"positions along axis {axis}")
        shape[axis] += before + after
    return [shape]


def _padding_deps(ctx):
    pads, axes, repeat, shape = _pads(ctx)
    if len(shape) != len(ctx.bottoms[0]):
        return [{}]  # (a blob of fewer than 4 axes, given Caffe's legacy ones: its axes move)
    deps = {a: [(0, a, IDENTITY)] for a in range(len(ctx.tops[0])) if a not in axes}
    for axis, (before, _) in zip(axes, pads):
        # Top o reads bottom o - before; REPEAT reads the nearest edge instead beyond the bottom, which no
        # window describes: that field is left unknown.
        if before is not None and not repeat:
            deps[axis] = [(0, axis, shifted(-before))]
    return [deps]


def _padding_onnx(ctx, e):
    pads, axes, repeat, shape = _pads(ctx)
    rank = len(shape)
    x = e.x()
    if rank != len(ctx.bottoms[0]):
        x = e.op("Reshape", [x, e.ints(shape)])
    crops = [(axis, max(-before, 0), min(shape[axis] + after, shape[axis])) for axis, (before, after)
             in zip(axes, pads) if before < 0 or after < 0]
    if crops:  # (a negative pad removes positions: ONNX's Pad would too, but not every runtime takes it)
        x = e.op("Slice", [x, e.ints([lo for _, lo, _ in crops], "starts"), e.ints([hi for _, _, hi in crops], "ends"),
                           e.ints([a for a, _, _ in crops], "axes")])
    begins, ends = [0] * rank, [0] * rank
    for axis, (before, after) in zip(axes, pads):
        begins[axis], ends[axis] = max(before, 0), max(after, 0)
    if repeat:
        e.op("Pad", [x, e.ints(begins + ends, "pads")], e.y(), mode="edge")
    else:
        value = e.const(ctx.p.padding_param.pad_value, "pad_value")
        e.op("Pad", [x, e.ints(begins + ends, "pads"), value], e.y(), mode="constant")


def _flipped(ctx):
    """The flipped axes of the 4 legacy ones, and those that one of the forks would flip where the layer
    does not say which fork's it is."""
    q = ctx.p.flip_param
    dialect = _dialect(ctx, q, (("flip_width", "flip_height"), ("axis",)))
    ctx.need_bottoms(1, 1)
    legacy_shape(ctx)
    if dialect == ("axis",):
        if len(ctx.bottoms[0]) != 4:
            ctx.fail(f"flip_param.axis is shihengcan/caffe-2017's, which reads 4 axes; bottom is "
                     f"{fmt_shape(ctx.bottoms[0])}")
        return {q.axis} & {0, 1, 2, 3}
    flipped = {a for a, on in ((3, q.flip_width), (2, q.flip_height)) if on}
    return flipped if dialect else flipped | {0}


def _flip_deps(ctx):
    # A flipped axis is read back to front, which no window describes: its field is left unknown.
    flipped = _flipped(ctx)
    return [{a: [(0, a, IDENTITY)] for a in range(len(ctx.bottoms[0])) if a not in flipped}]


def _flip_onnx(ctx, e):
    q = ctx.p.flip_param
    if not (q.HasField("flip_width") or q.HasField("flip_height") or q.HasField("axis")):
        e.fail("without flip_param the forks' Flip layers turn different axes (happynear/caffe-windows the "
               "width, shihengcan/caffe-2017 the batch)")
    axes = sorted(a for a in _flipped(ctx) if a < len(ctx.bottoms[0]))
    if not axes:
        e.op("Identity", [e.x()], e.y())
        return
    e.op("Slice", [e.x(), e.ints([-1] * len(axes), "starts"), e.ints([-(2 ** 63)] * len(axes), "ends"),
                   e.ints(axes, "axes"), e.ints([-1] * len(axes), "steps")], e.y())


def _flip_ambiguous(layer):
    q = layer.flip_param
    if not (q.HasField("flip_width") or q.HasField("flip_height") or q.HasField("axis")):
        return ("without flip_param's fields the forks part on what it turns (happynear/caffe-windows the "
                "width, shihengcan/caffe-2017 the batch): the width's field is unknown")
    return None


register("Padding", RESHAPE, shape=_padding_shape, deps=_padding_deps, onnx=_padding_onnx)
def _flip_shape(ctx):
    _flipped(ctx)  # (its checks)
    return [list(ctx.bottoms[0])]


register("Flip", RESHAPE, shape=_flip_shape, deps=_flip_deps,
         onnx=_flip_onnx, ambiguous=_flip_ambiguous)

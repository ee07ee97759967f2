"""Operators that move positions without weighing them (onnx/docs/Operators.md): the modes of Pad-11/13/18/19
(whose shapes shape.py gives), DepthToSpace-1/11/13, SpaceToDepth-1/13.

DepthToSpace (blocksize b; mode DCR or CRD change the channel order only): N x C/b^2 x Hb x Wb, output y
reads input y // b. SpaceToDepth: N x Cb^2 x H/b x W/b, output y reads inputs yb .. yb + b - 1. Fields are kept
over all channels: where the two follow each other, each output channel reads one position of the block, but
a position's field is what any of its channels reads (the whole block).
"""

from scnn_tools.net.indexmaps import IDENTITY, Nearest, Resampled, Window, shifted
from ..registry import RESHAPE, fmt_shape
from .node import ALREADY, node, register

_PAD_MODES = ("constant", "reflect", "edge", "wrap")


# ------------------------------------------------------------------ Pad's modes
def padded(o, axis, begin, end, n, mode):
    """The map of one axis of Pad (shape.py): output i reads input i - begin; in constant mode a padded position
    reads nothing, which is read on along the unbounded plane (a shift), as a convolution's padding is. reflect
    mirrors about the end positions (not repeated), edge repeats them, wrap (19) reads around the axis, each
    over what the negative pads keep (onnxruntime 1.32, run on 4 positions with pads (3, -2): edge repeats
    input 0, wrap alternates inputs 1 and 0; a reflect pad beyond what is kept, less one, it refuses). None
    where the size is not known."""
    if mode not in _PAD_MODES or (mode == "wrap" and o.opset < 19):
        o.fail(f"mode {mode!r} is none of constant, reflect, edge" + (", wrap" if o.opset >= 19 else ""))
    if mode == "constant" or (begin <= 0 and end <= 0):
        return shifted(-begin)
    if n is None:
        return None
    lo, hi = max(0, -begin), n - 1 - max(0, -end)
    if hi < lo or (mode == "reflect" and max(begin, end) > hi - lo):
        o.fail(f"{mode} pads {begin} and {end} reach beyond the {hi - lo + 1} positions axis {axis} keeps"
               + (f" (at most {hi - lo})" if mode == "reflect" else ""))
    rows = [(lo + _mirror(i - begin - lo, hi - lo + 1, mode),) for i in range(n + begin + end)]
    return Resampled(rows, -begin, 1, "floor")  # (beyond its ends: read on, shifted)


def _mirror(i, n, mode):
    if mode == "edge":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    period = 2 * (n - 1) if n > 1 else 1
    i %= period
    return i if i < n else period - i


# ------------------------------------------------------------------ DepthToSpace, SpaceToDepth
def _block(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "input")
    if len(x) != 4:
        o.fail(f"rearranges N x C x H x W blobs, input is {fmt_shape(x)}")
    b = o.attr("blocksize", kind=int)
    if b is None or b < 1:
        o.fail("needs a positive blocksize")
    if o.op == "DepthToSpace" and o.attr("mode", "DCR") not in ("DCR", "CRD"):
        o.fail(f"mode {o.attr('mode')!r} is neither DCR nor CRD")
    return x, b


def _depth_to_space_shape(ctx):
    (n, c, h, w), b = _block(ctx)
    if c is not None and c % (b * b):
        node(ctx).fail(f"{c} channels are not a multiple of blocksize^2 = {b * b}")
    return [[n, None if c is None else c // (b * b), None if h is None else h * b, None if w is None else w * b]]


def _space_to_depth_shape(ctx):
    (n, c, h, w), b = _block(ctx)
    if (h is not None and h % b) or (w is not None and w % b):
        node(ctx).fail(f"blocksize {b} does not divide the {h} x {w} map")
    return [[n, None if c is None else c * b * b, None if h is None else h // b, None if w is None else w // b]]


def _depth_to_space_deps(ctx):
    b = _block(ctx)[1]
    return [{0: [(0, 0, IDENTITY)], 2: [(0, 2, Nearest(b))], 3: [(0, 3, Nearest(b))]}]


def _space_to_depth_deps(ctx):
    b = _block(ctx)[1]
    return [{0: [(0, 0, IDENTITY)], 2: [(0, 2, Window(b, 0, b))], 3: [(0, 3, Window(b, 0, b))]}]


register("onnx.DepthToSpace", RESHAPE, reads=("blocksize", "mode"), shape=_depth_to_space_shape,
         deps=_depth_to_space_deps, no_onnx=ALREADY)
register("onnx.SpaceToDepth", RESHAPE, reads=("blocksize", "mode"), shape=_space_to_depth_shape,
         deps=_space_to_depth_deps, no_onnx=ALREADY)

"""Operators that broadcast or repeat a blob along its axes (onnx/docs/Operators.md, Changelog.md).

Expand-8/13: the input broadcast with the `shape` input (numpy's rule both ways: a 1 in `shape` keeps the
input's size). Tile-6/13: output axis i is input axis i times repeats[i].

Fields: an axis a size-1 input is broadcast along reads its position 0 (Whole(1), as Add's); a tiled axis,
whose positions wrap around, has no field (as Caffe's Tile); the others read their own position.

CumSum-11/14 (x, axis): x's shape; along `axis` output i sums inputs 0..i (exclusive: 0..i-1; reverse: from
the end), a prefix no window says: that axis has no field, the others read their own position.
Range-11 (start, limit, delta, each a scalar): max(ceil((limit - start) / delta), 0) values; a Range that is
a layer reads a value the net computes, so that length is not known before it runs; made from no position of
its inputs, it has no field. Neither learns or multiplies.
"""

from scnn_tools.net.indexmaps import IDENTITY
from ..registry import ELEMENTWISE, RESHAPE, RESIZE, fmt_shape
from .elementwise import broadcast, broadcast_deps
from .node import ALREADY, node, register


def canonical(o, axis, rank, what="axis"):
    """`axis` counted from the front (a negative one from the end), failing where it is not one of `rank`."""
    if axis is None or not -rank <= axis < rank:
        o.fail(f"{what} {axis} is out of range for {rank} axes")
    return axis % rank


def moved(mapping):
    """deps of one top from data input 0: {top axis: bottom axis} read position by position."""
    return [{t: [(0, b, IDENTITY)] for t, b in mapping.items()}]


def _expand_shape(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    x, target = o.data(0, "input"), o.ints(1)
    if target is None:
        return o.not_known("shape (input 1)", [None])
    if any(d < 1 for d in target):
        o.fail(f"shape {target} has a dim below 1")  # (a 0 would make an empty tensor, which no net runs)
    return [broadcast(o, [x, target])]


def _repeats(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    x, repeats = o.data(0, "input"), o.ints(1)
    if repeats is not None and (len(repeats) != len(x) or any(r < 1 for r in repeats)):
        o.fail(f"repeats {repeats} must be one positive count per axis of {fmt_shape(x)}")
    return x, repeats


def _tile_shape(ctx):
    x, repeats = _repeats(ctx)
    if repeats is None:
        return node(ctx).not_known("repeats (input 1)", [None])
    return [[None if d is None else d * r for d, r in zip(x, repeats)]]


def _tile_deps(ctx):
    x, repeats = _repeats(ctx)
    tiled = [a for a in range(len(x)) if repeats[a] != 1]
    if tiled:
        node(ctx).unknown(f"axis {', '.join(map(str, tiled))} repeats its input (repeats {repeats}): a position "
                          "there reads one of several input positions, which no field says, so it has none")
    return moved({a: a for a in range(len(x)) if repeats[a] == 1})


def _cumsum_axis(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    x, axis = o.data(0, "x"), o.ints(1)
    if axis is not None and len(axis) != 1:
        o.fail(f"axis {axis} must be one value")
    return x, None if axis is None else canonical(o, axis[0], len(x))


def _cumsum_shape(ctx):
    return [list(_cumsum_axis(ctx)[0])]


def _cumsum_deps(ctx):
    x, axis = _cumsum_axis(ctx)
    if axis is None:
        return node(ctx).unknown("its axis (input 1) is not known before the net runs: no axis has a field", [{}])
    node(ctx).unknown(f"along axis {axis} each position sums those before it, which no field says: it has none")
    return moved({a: a for a in range(len(x)) if a != axis})


def _range_shape(ctx):
    # (a Range of constants or of shapes is folded or kept as an expression by the reader: one that is a layer
    # reads a value the net computes, so its length is not known before it runs)
    o = node(ctx)
    o.need_inputs(3, 3)
    return o.not_known("start, limit or delta", [[None]])


register("onnx.Expand", RESHAPE, shape=_expand_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Tile", RESIZE, shape=_tile_shape, deps=_tile_deps, no_onnx=ALREADY)
register("onnx.CumSum", ELEMENTWISE, reads=("exclusive", "reverse"), shape=_cumsum_shape, deps=_cumsum_deps,
         no_onnx=ALREADY)
register("onnx.Range", RESHAPE, reads=("stash_type",), shape=_range_shape, deps=lambda ctx: [{}], no_onnx=ALREADY)

"""Operators that move, add, drop or repeat whole axes (onnx/docs/Operators.md, Changelog.md).

Transpose-1/13/21: output axis i is input axis perm[i] (perm defaults to the axes reversed). Squeeze-1/11 and
Unsqueeze-1/11 take `axes` as an attribute, Squeeze-13/21 and Unsqueeze-13/21 as input 1; Squeeze without
axes drops every axis of size 1, Unsqueeze's axes index the output (rank + len(axes)). Expand-8/13: the input
broadcast with the `shape` input (numpy's rule both ways: a 1 in `shape` keeps the input's size). Tile-6/13:
output axis i is input axis i times repeats[i].

Fields follow the axes: an axis that is kept, wherever it goes, reads its own position; an axis a size-1
input is broadcast along reads position 0 (Whole(1)); a new axis of size 1 reads none; a tiled axis, whose
positions wrap around, has no field (as Caffe's Tile).
"""

from scnn_tools.net.indexmaps import IDENTITY
from ..registry import RESHAPE, RESIZE, fmt_shape, register
from .elementwise import broadcast, broadcast_deps
from .node import ALREADY, node


def canonical(o, axis, rank, what="axis"):
    """`axis` counted from the front (a negative one from the end), failing where it is not one of `rank`."""
    if axis is None or not -rank <= axis < rank:
        o.fail(f"{what} {axis} is out of range for {rank} axes")
    return axis % rank


def canonical_axes(o, axes, rank, what="axes"):
    """Each of `axes` counted from the front, failing on one out of range or given twice."""
    out = [canonical(o, a, rank, what) for a in axes]
    if len(set(out)) != len(out):
        o.fail(f"{what} {list(axes)} names an axis twice")
    return out


def axes_input(o, since):
    """(given, axes) of an operator that reads `axes` as an attribute before opset `since` and as input 1
    from it; axes None where the input's value is not known before the net runs."""
    if o.opset < since:
        axes = o.attr("axes")
        return axes is not None, axes
    if not o.present(1):
        return False, None
    return True, o.ints(1)


def moved(mapping):
    """deps of one top from data input 0: {top axis: bottom axis} read position by position."""
    return [{t: [(0, b, IDENTITY)] for t, b in mapping.items()}]


def _perm(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    rank = len(o.data(0, "data"))
    perm = o.attr("perm", list(range(rank))[::-1])
    if sorted(perm) != list(range(rank)):
        o.fail(f"perm {list(perm)} is not a permutation of the {rank} axes of {fmt_shape(o.data(0))}")
    return perm


def _transpose_shape(ctx):
    x = ctx.bottoms[0]
    return [[x[a] for a in _perm(ctx)]]


def _squeezed(ctx):
    """The input axes Squeeze keeps, or None where which it drops is not known."""
    o = node(ctx)
    o.need_inputs(1, 2)
    x = o.data(0, "data")
    given, axes = axes_input(o, 13)
    if given and axes is None:
        return None
    if not given:
        return None if None in x else [a for a, d in enumerate(x) if d != 1]
    dropped = canonical_axes(o, axes, len(x))
    for a in dropped:
        if x[a] is not None and x[a] != 1:
            o.fail(f"cannot squeeze axis {a} of {fmt_shape(x)}: its size is not 1")
    return [a for a in range(len(x)) if a not in dropped]


def _squeeze_shape(ctx):
    kept = _squeezed(ctx)
    return [None if kept is None else [ctx.bottoms[0][a] for a in kept]]


def _unsqueezed(ctx):
    """{output axis: input axis} of Unsqueeze and its output rank, or None where the axes are not known."""
    o = node(ctx)
    o.need_inputs(1, 1 if o.opset < 13 else 2)
    x = o.data(0, "data")
    given, axes = axes_input(o, 13)
    if not given:
        o.fail("needs axes")
    if axes is None:
        return None
    rank = len(x) + len(axes)
    new = canonical_axes(o, axes, rank)
    kept = [a for a in range(rank) if a not in new]
    return dict(zip(kept, range(len(x)))), rank


def _unsqueeze_shape(ctx):
    found = _unsqueezed(ctx)
    if found is None:
        return [None]
    mapping, rank = found
    x = ctx.bottoms[0]
    return [[x[mapping[a]] if a in mapping else 1 for a in range(rank)]]


def _expand_shape(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    x, target = o.data(0, "input"), o.ints(1)
    if target is None:
        return [None]
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
        return [None]
    return [[None if d is None else d * r for d, r in zip(x, repeats)]]


def _tile_deps(ctx):
    x, repeats = _repeats(ctx)
    return moved({a: a for a in range(len(x)) if repeats[a] == 1})


register("onnx.Transpose", RESHAPE, shape=_transpose_shape, deps=lambda ctx: moved(dict(enumerate(_perm(ctx)))),
         no_onnx=ALREADY)
register("onnx.Squeeze", RESHAPE, shape=_squeeze_shape, deps=lambda ctx: moved(dict(enumerate(_squeezed(ctx)))),
         no_onnx=ALREADY)
register("onnx.Unsqueeze", RESHAPE, shape=_unsqueeze_shape, deps=lambda ctx: moved(_unsqueezed(ctx)[0]),
         no_onnx=ALREADY)
register("onnx.Expand", RESHAPE, shape=_expand_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Tile", RESIZE, shape=_tile_shape, deps=_tile_deps, no_onnx=ALREADY)

"""Concat-4/11/13 (onnx/docs/Operators.md): inputs of one rank that agree on every axis but `axis`
(negative from opset 11: counts from the end), laid end to end along it."""

from scnn_tools.net.indexmaps import IDENTITY, Piece
from ..registry import MERGE, fmt_shape
from .elementwise import _arithmetic_params
from .node import ALREADY, node, register


def _axis(ctx, inputs=None):
    """(the axis, the shapes of the inputs laid end to end: every input, or those at positions `inputs`)."""
    o = node(ctx)
    o.need_inputs(1)
    shapes = [o.shape(i) for i in (range(o.n) if inputs is None else inputs)]
    if any(s is None for s in shapes):
        return None, shapes
    rank = len(shapes[0])
    axis = o.attr("axis", kind=int)
    if axis is None or not -rank <= axis < rank:
        o.fail(f"axis {axis} is out of range for {rank}-axis inputs")
    axis %= rank
    for s in shapes:
        if len(s) != rank or any(a != axis and x is not None and y is not None and x != y
                                 for a, (x, y) in enumerate(zip(shapes[0], s))):
            o.fail(f"inputs must agree on every axis but {axis}: {fmt_shape(shapes[0])} and {fmt_shape(s)}")
    return axis, shapes


def _shape(ctx, inputs=None):
    axis, shapes = _axis(ctx, inputs)
    if axis is None:
        return [None]
    out = list(shapes[0])
    sizes = [s[axis] for s in shapes]
    out[axis] = None if None in sizes else sum(sizes)
    return [out]


def _deps(ctx, inputs=None):
    o = node(ctx)
    axis, shapes = _axis(ctx, inputs)
    deps = {a: [] for a in range(len(shapes[0]))}
    start = 0
    for i, (position, shape) in enumerate(zip(range(o.n) if inputs is None else inputs, shapes)):
        b = o.bottom(position)
        if b is not None:
            for a in deps:
                deps[a].append((b, a, Piece(start, shape[a], i == 0, i == len(shapes) - 1) if a == axis
                                else IDENTITY))
        start += shape[axis]
    return [deps]


# A learnt tensor laid beside the data is a parameter: ViT's class token (torchvision's vit_b_32 arrives as
# Concat(expand, patches), the exporter having folded the token's Expand into a 1 x 1 x 768 initializer).
register("onnx.Concat", MERGE, reads=("axis",), shape=_shape, deps=_deps, params=_arithmetic_params, no_onnx=ALREADY)

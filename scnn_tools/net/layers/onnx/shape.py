"""Operators that rearrange a blob's axes (onnx/docs/Operators.md): Flatten-13, Reshape-14."""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import RESHAPE, fmt_shape, product, register
from .node import ALREADY, node


def _flatten_axis(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "input")
    axis = o.attr("axis", 1)
    if not -len(x) <= axis <= len(x):
        o.fail(f"axis {axis} is out of range for {fmt_shape(x)}")
    return x, axis + len(x) if axis < 0 else axis


def _flatten_shape(ctx):
    # Flatten-13: (d_0 x ... x d_(axis-1), d_axis x ... x d_n); axis 0 gives (1, all).
    x, axis = _flatten_axis(ctx)
    return [[product(x[:axis]), product(x[axis:])]]


def _flatten_deps(ctx):
    x, axis = _flatten_axis(ctx)
    deps = {}
    if axis == 1:
        deps[0] = [(0, 0, IDENTITY)]
    if axis == len(x) - 1:
        deps[1] = [(0, axis, IDENTITY)]
    return [deps]


def _reshape_shape(ctx):
    # Reshape-14: 0 copies the input's dim at that position (unless allowzero), one -1 is inferred.
    o = node(ctx)
    o.need_inputs(2, 2)
    x, target = o.data(0, "data"), o.ints(1)
    if target is None:
        return [None]  # (the target shape is computed from values not known before the net runs)
    allowzero = o.attr("allowzero", 0)
    out = []
    for i, d in enumerate(target):
        if d == 0 and not allowzero:
            if i >= len(x):
                o.fail(f"shape {target}: dim {i} is 0 (copy) but the data {fmt_shape(x)} has no axis {i}")
            d = x[i]
        elif d < -1:
            o.fail(f"shape {target}: dim {d} is invalid")
        out.append(d)
    if out.count(-1) > 1:
        o.fail(f"shape {target}: at most one dim may be -1")
    whole = product(x)
    if -1 in out:
        i = out.index(-1)
        rest = product(d for j, d in enumerate(out) if j != i)
        if whole is None or rest is None:
            out[i] = None
        elif rest == 0 or whole % rest:
            o.fail(f"cannot infer dim {i} of {target}: {whole} elements do not split by {rest} (data {fmt_shape(x)})")
        else:
            out[i] = whole // rest
    elif whole is not None and product(out) is not None and product(out) != whole:
        o.fail(f"the data {fmt_shape(x)} has {whole} elements, the shape {target} {product(out)}")
    return [out]


def _reshape_deps(ctx):
    # Axes kept at the start and at the end map to themselves; positions of the axes in between may come
    # from anywhere in the input's axes in between (space mixed: each reads them whole).
    x, top = ctx.bottoms[0], ctx.tops[0]
    lead = 0
    while lead < min(len(x), len(top)) and x[lead] == top[lead]:
        lead += 1
    trail = 0
    while trail < min(len(x), len(top)) - lead and x[-1 - trail] == top[-1 - trail]:
        trail += 1
    deps = {a: [(0, a, IDENTITY)] for a in range(lead)}
    deps.update({len(top) - 1 - i: [(0, len(x) - 1 - i, IDENTITY)] for i in range(trail)})
    mixed = [b for b in range(lead, len(x) - trail) if b >= 2]
    for a in range(max(lead, 2), len(top) - trail):
        deps[a] = [(0, b, Whole(x[b])) for b in mixed]
    return [deps]


register("onnx.Flatten", RESHAPE, shape=_flatten_shape, deps=_flatten_deps, no_onnx=ALREADY)
register("onnx.Reshape", RESHAPE, shape=_reshape_shape, deps=_reshape_deps, no_onnx=ALREADY)

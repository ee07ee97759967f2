"""Trilu-14, GatherElements-11/13 and ScatterElements-11/13/16/18 (onnx/docs/Operators.md).

GatherND-11/12/13 (data of rank r, indices of rank q, batch_dims b): the last axis of indices (k long) names a
position in data's axes b..b+k-1; the output is data.shape[:b] + indices.shape[b:-1] + data.shape[b+k:]
(swin_v2's position-bias table, gathered by constant indices). The batch axes and data's axes after the
named ones read their own positions; the axes indices give read where their values say: no field.

Trilu keeps the upper (or lower) triangle of the last two axes, from diagonal k, and zeroes the rest: the
output has the input's shape and each value is its own input's or 0, so it reads its own position.

GatherElements (data, indices of data's rank): the output has indices' shape; out[i][j][k] is data at indices'
value in place of the position along `axis` (default 0) and at the same position along every other axis. Along
`axis` where each output reads depends on the indices' values: that axis has no field; the others read their own
positions of data and of indices.

ScatterElements (data, indices, updates of indices' shape, all of one rank): data's shape, with each update
written (or combined, by `reduction`) where its index says along `axis`, at its own position along the other
axes. Along `axis` which update lands where is the indices' values: no field there; along an axis where updates
are as long as data each output reads its own position of both (a shorter one writes only some of them, which
no field says).
"""

from scnn_tools.net.indexmaps import IDENTITY
from ..registry import ELEMENTWISE, RESHAPE, fmt_shape, known
from .axes import canonical
from .node import ALREADY, node, register


def _trilu_shape(ctx):
    o = node(ctx)
    o.need_inputs(1, 2)
    x, k = o.data(0, "input"), o.shape(1)
    if len(x) < 2 or (k is not None and k not in ([], [1])):
        o.fail(f"keeps a triangle of the last two axes from one diagonal k: input {fmt_shape(x)} has fewer than two "
               f"axes, or k {fmt_shape(k)} is not one value")
    return [list(x)]


def _elements(ctx, n, what):
    """(the shapes of the first n inputs, axis), or None where one is unknown; the shapes must share a rank."""
    o = node(ctx)
    shapes = o.known_shapes(n, n)
    if shapes is None:
        return None
    if len({len(s) for s in shapes}) != 1 or not shapes[0]:
        o.fail(f"{what} of one rank (at least 1), not " + ", ".join(fmt_shape(s) for s in shapes))
    return shapes, canonical(o, o.attr("axis", 0), len(shapes[0]))


def _gather_shape(ctx):
    g = _elements(ctx, 2, "reads data and indices")
    return [None if g is None else list(g[0][1])]


def _unknown_along(o, axis):
    o.unknown(f"where each output reads along axis {axis} is the indices' values, known only when the net runs: "
              "that axis has no field")


def _gather_deps(ctx):
    o = node(ctx)
    (data, idx), axis = _elements(ctx, 2, "")
    _unknown_along(o, axis)
    deps = {}
    for a in range(len(idx)):
        if a != axis:
            deps[a] = [(o.bottom(i), a, IDENTITY) for i in (0, 1) if o.is_data(i)]
    return [deps]


def _scatter_shape(ctx):
    o = node(ctx)
    g = _elements(ctx, 3, "reads data, indices and updates")
    if g is None:
        return [o.shape(0)]
    (data, idx, updates), _ = g
    if list(idx) != list(updates) or any(known(i, d) and i > d for i, d in zip(idx, data)):
        o.fail(f"updates {fmt_shape(updates)} are not indices' shape {fmt_shape(idx)}, at most data's "
               f"{fmt_shape(data)}")
    return [list(data)]


def _scatter_deps(ctx):
    o = node(ctx)
    (data, _, updates), axis = _elements(ctx, 3, "")
    _unknown_along(o, axis)
    deps = {}
    for a in range(len(data)):
        if a == axis:
            continue
        if updates[a] != data[a]:
            o.unknown(f"updates {fmt_shape(updates)} write only some positions of data's axis {a}, which no field "
                      "says: that axis has none")
            continue
        deps[a] = [(o.bottom(i), a, IDENTITY) for i in (0, 1, 2) if o.is_data(i)]
    return [deps]


def _gather_nd(ctx):
    """(data's shape, indices', b, k, the output's shape), or None where data's or indices' is unknown."""
    o = node(ctx)
    shapes = o.known_shapes(2, 2)
    if shapes is None:
        return None
    (data, idx), b = shapes, o.attr("batch_dims", 0)
    k = idx[-1] if idx else None
    if not idx or k is None or b < 0 or b >= len(idx) or not 1 <= k <= len(data) - b or any(
            known(i, d) and i != d for i, d in zip(idx[:b], data[:b])):
        o.fail(f"indices {fmt_shape(idx)} do not index data {fmt_shape(data)} with batch_dims {b}")
    return data, idx, b, k, list(data[:b]) + list(idx[b:-1]) + list(data[b + k:])


def _gather_nd_deps(ctx):
    o = node(ctx)
    data, idx, b, k, _ = _gather_nd(ctx)
    picked = len(idx) - 1 - b  # (the output axes indices give, after the batch axes)
    deps = {a: [(o.bottom(i), a, IDENTITY) for i in (0, 1) if o.is_data(i)] for a in range(b)}
    if o.is_data(0):
        deps.update({b + picked + j: [(o.bottom(0), b + k + j, IDENTITY)] for j in range(len(data) - b - k)})
    if picked:
        o.unknown(f"where the outputs along the indices' axes read data is the indices' values: those axes have "
                  "no field")
    return [deps]


register("onnx.GatherND", RESHAPE, reads=("batch_dims",), shape=lambda ctx: [(_gather_nd(ctx) or [None])[-1]],
         deps=_gather_nd_deps, no_onnx=ALREADY)
register("onnx.Trilu", ELEMENTWISE, reads=("upper",), shape=_trilu_shape, no_onnx=ALREADY)
register("onnx.GatherElements", RESHAPE, reads=("axis",), shape=_gather_shape, deps=_gather_deps, no_onnx=ALREADY)
# Scatter-9 (deprecated at 11): ScatterElements under its first name, the same inputs and axis.
register("onnx.Scatter", RESHAPE, reads=("axis",), shape=_scatter_shape, deps=_scatter_deps, no_onnx=ALREADY)
register("onnx.ScatterElements", RESHAPE, reads=("axis", "reduction"), shape=_scatter_shape, deps=_scatter_deps,
         no_onnx=ALREADY)

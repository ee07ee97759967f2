"""Gather-1/11/13 on data (onnx/docs/Operators.md): data of rank r, indices of rank q; the output is
data.shape[:axis] + indices.shape + data.shape[axis + 1:] (axis default 0, negative from the end; indices
from -size to size - 1, negative ones counted from the end from Gather-11). Exporters write it to pick one
position (PyTorch's x[:, 0], the class token; a fused projection's q, k and v) and as an embedding lookup
(the table an initializer, the indices data).

Fields: the axes before and after `axis` read their own positions. Constant indices: one scalar index drops
the axis (with its field); a 1-D run start, start + step, ... (step >= 1) is a window of 1 at stride step;
other index patterns leave the axis without a field. Data indices: where each output reads along `axis`
depends on their values, so the indices' own axes get no field. Learnt: a table (input 0) that is not data,
as Caffe's Embed learns its table; no multiply-adds (a lookup).
"""

from scnn_tools.net.indexmaps import IDENTITY, Window
from ..registry import RESHAPE, fmt_shape
from .axes import canonical
from .node import ALREADY, node, register


def _geometry(ctx):
    """(data shape, indices shape, axis, the constant indices or None)."""
    o = node(ctx)
    o.need_inputs(2, 2)
    x, idx = o.shape(0), o.shape(1)
    if x is None or idx is None:
        return None
    if not x:
        o.fail("gathers from a blob of at least one axis, data is a scalar")
    axis = canonical(o, o.attr("axis", 0), len(x))
    values = None if o.is_data(1) else o.ints(1)
    if values is not None and x[axis] is not None:
        if any(not -x[axis] <= v < x[axis] for v in values):
            o.fail(f"indices {values} are out of range for axis {axis} of {fmt_shape(x)}")
        values = [v % x[axis] for v in values]
    return x, idx, axis, values


def _shape(ctx):
    g = _geometry(ctx)
    if g is None:
        return [None]
    x, idx, axis, _ = g
    return [list(x[:axis]) + list(idx) + list(x[axis + 1:])]


def _run(values):
    """(start, step) where the indices are start, start + step, ... with step >= 1 (a single index: step 1)."""
    step = values[1] - values[0] if len(values) > 1 else 1
    if step < 1 or any(b - a != step for a, b in zip(values, values[1:])):
        return None
    return values[0], step


def _deps(ctx):
    o = node(ctx)
    x, idx, axis, values = _geometry(ctx)
    deps = {}
    if o.is_data(0):
        data = o.bottom(0)
        deps.update({a: [(data, a, IDENTITY)] for a in range(axis)})
        deps.update({a + len(idx) - 1: [(data, a, IDENTITY)] for a in range(axis + 1, len(x))})
        run = _run(values) if values and len(idx) == 1 else None
        if run is not None:
            deps[axis] = [(data, axis, Window(run[1], -run[0], 1))]
        elif idx and (o.is_data(1) or values is None):
            o.unknown(f"its indices are not known before the net runs: which position of axis {axis} each output "
                      "reads depends on their values, so the axes they give have no field")
        elif idx:
            o.unknown(f"its indices {values} are no evenly spaced run: the axes they give have no field")
    return [deps]


register("onnx.Gather", RESHAPE, reads=("axis",), shape=_shape, deps=_deps, params=lambda ctx: node(ctx).weights(0),
         no_onnx=ALREADY)

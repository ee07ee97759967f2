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

ScatterND-11/13/16/18 (data, indices, updates): data's shape, the slices indices[..., :] name (indices of rank
q, its last axis k <= rank r of data) replaced by updates, whose shape is indices.shape[:-1] + data.shape[k:]
(or combined with them by `reduction`). Where every input is a constant the reader folds it (Swin
Transformer's shifted-window mask, onnxfold.py). As a layer: which positions take an update depends on the
indices, so no axis has a field but those after the k indexed ones, which every write keeps in place.
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
            shown = ", ".join(map(str, values[:8])) + (f", ... ({len(values)} in all)" if len(values) > 8 else "")
            o.unknown(f"its indices [{shown}] are no evenly spaced run along one axis: the axes they give have no "
                      "field")
    return [deps]


register("onnx.Gather", RESHAPE, reads=("axis",), shape=_shape, deps=_deps, params=lambda ctx: node(ctx).weights(0),
         no_onnx=ALREADY)


def _scatter(ctx):
    o = node(ctx)
    o.need_inputs(3, 3)
    x, idx, updates = o.shape(0), o.shape(1), o.shape(2)
    if x is None or idx is None or updates is None:
        return None
    k = idx[-1] if idx else None
    if k is None or not 1 <= k <= len(x) or list(updates) != list(idx[:-1]) + list(x[k:]):
        o.fail(f"updates {fmt_shape(updates)} are not indices {fmt_shape(idx)}[:-1] + data {fmt_shape(x)}[k:] "
               "with k the indices' last axis, at most data's rank")
    return x, k


def _scatter_shape(ctx):
    g = _scatter(ctx)
    return [None if g is None else list(g[0])]


def _scatter_deps(ctx):
    o = node(ctx)
    x, k = _scatter(ctx)
    axes = "axis 0" if k == 1 else f"axes 0..{k - 1}"
    o.unknown(f"which positions along {axes} take an update depends on the indices' values: no field there")
    deps = {}
    for a in range(k, len(x)):
        deps[a] = [(o.bottom(i), a - k + len(o.shape(1)) - 1 if i == 2 else a, IDENTITY)
                   for i in (0, 2) if o.is_data(i)]
    return [deps]


register("onnx.ScatterND", RESHAPE, reads=("reduction",), shape=_scatter_shape, deps=_scatter_deps, no_onnx=ALREADY)


# GridSample-16/20 (onnx/docs/Operators.md; RAFT's correlation lookup and warping, spatial transformers):
# X (N, C, D1..Dr) sampled at the grid (N, D1_out..Dr_out, r) of normalised coordinates, giving
# (N, C, D1_out..Dr_out). Which positions of X an output reads are the grid's values, known only when the
# net runs: the batch and channel axes read their own, the spatial axes have no field. No weights; the
# interpolation is no multiply-add (as Resize's).
def _grid(ctx):
    """(X's shape, the grid's), or None where one is unknown."""
    o = node(ctx)
    shapes = o.known_shapes(2, 2)
    if shapes and not _samples(*shapes):
        o.fail(f"samples X (N, C, spatial...) at a grid (N, spatial..., {max(len(shapes[0]) - 2, 1)}); "
               f"X is {fmt_shape(shapes[0])}, the grid {fmt_shape(shapes[1])}")
    return shapes


def _samples(x, grid):
    r = len(x) - 2
    return r >= 1 and len(grid) == len(x) and grid[-1] in (None, r) and (None in (x[0], grid[0]) or x[0] == grid[0])


def _grid_shape(ctx):
    g = _grid(ctx)
    return [None if g is None else [g[0][0], g[0][1], *g[1][1:-1]]]


def _grid_deps(ctx):
    o = node(ctx)
    deps = {0: [(o.bottom(i), 0, IDENTITY) for i in (0, 1) if o.is_data(i)], 1: []}
    if o.is_data(0):
        deps[1].append((o.bottom(0), 1, IDENTITY))
    o.unknown("where each output reads X depends on the grid's values: the spatial axes have no field")
    return [deps]


register("onnx.GridSample", RESHAPE, reads=("align_corners", "mode", "padding_mode"), shape=_grid_shape,
         deps=_grid_deps, no_onnx=ALREADY)

"""Operators that move positions without weighing them (onnx/docs/Operators.md): Pad-11/13/18/19, Slice-1/10/11/13,
Split-2/11/13/18, DepthToSpace-1/11/13, SpaceToDepth-1/13.

Pad: `pads` (an attribute before 11, an input from 11) is [x1_begin, x2_begin, ..., x1_end, ...] over the
axes (all, or from 18 the `axes` input); negative values crop. Output i reads input i - begin: in constant
mode a padded position reads nothing, which scnn-tools, as for a convolution's padding, reads on along the
unbounded plane (DESIGN.md), so that Pad then a VALID window is the padded window; reflect mirrors about the
end positions (which are not repeated), edge repeats them, wrap (19) reads around the axis.
Slice: per axis, negative starts / ends count from the end, then starts are clamped to [0, dim] and ends
to [0, dim] (positive step) or [0, dim - 1] and [-1, dim - 1] (negative); out = ceil((end - start) / step)
(none if negative). Output o reads start + o * step; a negative step flips the axis, whose field is left
unknown. Split: along `axis` (default 0), the `split` sizes (attribute before 13, input from 13), else
equal parts: the dim divided by the number of outputs, or from 18 `num_outputs` parts of ceil(dim / n),
the last what remains.
DepthToSpace (blocksize b; mode DCR or CRD change the channel order only): N x C/b^2 x Hb x Wb, output y
reads input y // b. SpaceToDepth: N x Cb^2 x H/b x W/b, output y reads inputs yb .. yb + b - 1.
"""

from scnn_tools.net.indexmaps import IDENTITY, Nearest, Resampled, Window, shifted
from ..registry import RESHAPE, RESIZE, SPLIT, fmt_shape, register
from .node import ALREADY, node

_PAD_MODES = ("constant", "reflect", "edge", "wrap")


def axes_of(o, axes, x, what="data"):
    """Distinct axes of a blob of shape x (negative ones count from the end), made non-negative."""
    rank = len(x)
    if any(not -rank <= a < rank for a in axes) or len({a % rank for a in axes}) != len(axes):
        o.fail(f"axes {list(axes)} are not distinct axes of {what} {fmt_shape(x)}")
    return [a % rank for a in axes]


# ------------------------------------------------------------------ Pad
def _pad_plan(ctx):
    return ctx.once("onnx.pad", _pad)


def _pad(ctx):
    """(X's shape, {axis: (begin, end)}) or (X's shape, None) where the pads are not known."""
    o = node(ctx)
    x = o.data(0, "data")
    rank = len(x)
    if o.opset < 11:
        o.need_inputs(1, 1)
        pads = o.attr("pads")
        if pads is None:
            o.fail("needs its pads attribute")
    else:
        o.need_inputs(2, 4)
        pads = o.ints(1)
        if pads is None:
            return x, None
    axes = list(range(rank))
    if o.opset >= 18 and o.present(3):
        axes = o.ints(3)
        if axes is None:
            return x, None
        axes = axes_of(o, axes, x)
    if len(pads) != 2 * len(axes):
        o.fail(f"pads {list(pads)} has {len(pads)} values for {len(axes)} axes (a begin and an end each)")
    mode = o.attr("mode", "constant")
    if mode not in _PAD_MODES or (mode == "wrap" and o.opset < 19):
        o.fail(f"mode {mode!r} is none of constant, reflect, edge" + (", wrap" if o.opset >= 19 else ""))
    plan = {}
    for i, a in enumerate(axes):
        begin, end = pads[i], pads[len(axes) + i]
        n = x[a]
        if n is not None and n + begin + end < 0:
            o.fail(f"pads {list(pads)} crop more than the {n} positions of axis {a}")
        kept = None if n is None else n - max(0, -begin) - max(0, -end)  # (the modes read what the crops keep)
        if kept is not None and mode != "constant" and max(begin, end) > 0 and (
                kept < 1 or (mode == "reflect" and max(begin, end) > kept - 1)):
            o.fail(f"{mode} pads {begin} and {end} reach beyond the {kept} positions axis {a} keeps"
                   + (f" (at most {kept - 1})" if mode == "reflect" else ""))
        plan[a] = (begin, end)
    return x, plan


def _pad_shape(ctx):
    x, plan = _pad_plan(ctx)
    if plan is None:
        return [[None] * len(x)]
    return [[None if d is None else d + sum(plan[a]) if a in plan else d for a, d in enumerate(x)]]


def _reflected(i, lo, hi, mode):
    """The input position output i - begin = i reads, the crops keeping inputs lo..hi (onnxruntime 1.32 pads
    what the negative pads leave: run on 4 positions with pads (3, -2), edge repeats input 0 and wrap
    alternates inputs 1 and 0)."""
    return lo + _mirror(i - lo, hi - lo + 1, mode)


def _mirror(i, n, mode):
    if mode == "edge":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    period = 2 * (n - 1) if n > 1 else 1
    i %= period
    return i if i < n else period - i


def _pad_deps(ctx):
    x, plan = _pad_plan(ctx)
    if plan is None:
        return [{}]
    mode = node(ctx).attr("mode", "constant")
    deps = {}
    for a, n in enumerate(x):
        begin, end = plan.get(a, (0, 0))
        if mode == "constant" or (begin <= 0 and end <= 0):
            deps[a] = [(0, a, shifted(-begin))]
        elif n is not None:
            lo, hi = max(0, -begin), n - 1 - max(0, -end)
            rows = [(_reflected(o - begin, lo, hi, mode),) for o in range(n + begin + end)]
            deps[a] = [(0, a, Resampled(rows, -begin, 1, "floor"))]  # (beyond its ends: read on, shifted)
    return [deps]


# ------------------------------------------------------------------ Slice
def _slice_plan(ctx):
    return ctx.once("onnx.slice", _slice)


def _slice(ctx):
    """(X's shape, {axis: (start, step, out)} with out None where the dim is not known), or None plan."""
    o = node(ctx)
    x = o.data(0, "data")
    if o.opset < 10:
        o.need_inputs(1, 1)
        starts, ends, axes, steps = o.attr("starts"), o.attr("ends"), o.attr("axes"), None
        if starts is None or ends is None:
            o.fail("needs its starts and ends attributes")
    else:
        o.need_inputs(3, 5)
        starts, ends = o.ints(1), o.ints(2)
        axes = o.ints(3) if o.present(3) else None
        steps = o.ints(4) if o.present(4) else None
        if starts is None or ends is None or (o.present(3) and axes is None) or (o.present(4) and steps is None):
            return x, None
    axes = list(range(len(starts))) if axes is None else list(axes)
    steps = [1] * len(starts) if steps is None else steps
    if not len(starts) == len(ends) == len(axes) == len(steps):
        o.fail(f"starts {list(starts)}, ends {list(ends)}, axes {axes} and steps {steps} differ in length")
    axes = axes_of(o, axes, x)
    if 0 in steps:
        o.fail(f"steps {steps} has a 0")
    plan = {}
    for a, start, end, step in zip(axes, starts, ends, steps):
        n = x[a]
        if n is None:
            plan[a] = (None, step, None)
            continue
        start, end = (v + n if v < 0 else v for v in (start, end))
        if step > 0:
            start, end = min(max(start, 0), n), min(max(end, 0), n)
        else:
            start, end = min(max(start, 0), n - 1), min(max(end, -1), n - 1)
        plan[a] = (start, step, max(0, -((start - end) // step)))
    return x, plan


def _slice_shape(ctx):
    x, plan = _slice_plan(ctx)
    if plan is None:
        return [[None] * len(x)]
    return [[plan[a][2] if a in plan else d for a, d in enumerate(x)]]


def _slice_deps(ctx):
    x, plan = _slice_plan(ctx)
    if plan is None:
        return [{}]
    deps = {}
    for a in range(len(x)):
        start, step, _ = plan.get(a, (0, 1, None))
        if start is not None and step > 0:
            deps[a] = [(0, a, Window(step, -start, 1) if step > 1 else shifted(start))]
    return [deps]


# ------------------------------------------------------------------ Split
def _split_plan(ctx):
    return ctx.once("onnx.split", _split)


def _split(ctx):
    """(axis, [(start, size)] per output; None where not known)."""
    o = node(ctx)
    x = o.data(0, "input")
    rank = len(x)
    axis = o.attr("axis", 0)
    if not -rank <= axis < rank:
        o.fail(f"axis {axis} is out of range for input {fmt_shape(x)}")
    axis %= rank
    n, k = x[axis], ctx.ntops
    if o.opset < 13:
        o.need_inputs(1, 1)
        split = o.attr("split")
    else:
        o.need_inputs(1, 2)
        split = o.ints(1) if o.present(1) else None
        if o.present(1) and split is None:
            return axis, None
    if split is None:
        parts = o.attr("num_outputs") if o.opset >= 18 else None
        if o.opset >= 18 and parts is None:
            o.fail("needs split or num_outputs")
        if parts is not None and parts != k:
            o.fail(f"num_outputs {parts} but {k} outputs")
        if n is None:
            return axis, None
        if parts is None:
            if n % k:
                o.fail(f"{n} positions along axis {axis} do not split into {k} equal parts")
            split = [n // k] * k
        else:
            size = -(-n // k)
            split = [size] * (k - 1) + [n - size * (k - 1)]
            if split[-1] < 0:
                o.fail(f"{n} positions along axis {axis} do not make {k} parts of {size}")
    if len(split) != k or any(s < 0 for s in split) or (n is not None and sum(split) != n):
        o.fail(f"split {list(split)} does not cut the {n} positions of axis {axis} into {k} outputs")
    starts = [sum(split[:i]) for i in range(k)]
    return axis, list(zip(starts, split))


def _split_shape(ctx):
    x = ctx.bottoms[0]
    axis, parts = _split_plan(ctx)
    tops = []
    for i in range(ctx.ntops):
        top = list(x)
        top[axis] = None if parts is None else parts[i][1]
        tops.append(top)
    return tops


def _split_deps(ctx):
    axis, parts = _split_plan(ctx)
    rank = len(ctx.bottoms[0])
    if parts is None:
        return [{a: [(0, a, IDENTITY)] for a in range(rank) if a != axis}] * ctx.ntops
    return [{a: [(0, a, shifted(start) if a == axis else IDENTITY)] for a in range(rank)} for start, _ in parts]


# ------------------------------------------------------------------ DepthToSpace, SpaceToDepth
def _block(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "input")
    if len(x) != 4:
        o.fail(f"rearranges N x C x H x W blobs, input is {fmt_shape(x)}")
    b = o.attr("blocksize")
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


register("onnx.Pad", RESIZE, shape=_pad_shape, deps=_pad_deps, no_onnx=ALREADY)
register("onnx.Slice", RESIZE, shape=_slice_shape, deps=_slice_deps, no_onnx=ALREADY)
register("onnx.Split", SPLIT, shape=_split_shape, deps=_split_deps, no_onnx=ALREADY)
register("onnx.DepthToSpace", RESHAPE, shape=_depth_to_space_shape, deps=_depth_to_space_deps, no_onnx=ALREADY)
register("onnx.SpaceToDepth", RESHAPE, shape=_space_to_depth_shape, deps=_space_to_depth_deps, no_onnx=ALREADY)

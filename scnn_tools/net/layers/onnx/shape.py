"""Operators that rearrange a blob's axes or cut it (onnx/docs/Operators.md): Flatten-13, Reshape-14,
Transpose-13, Squeeze-13 / Unsqueeze-13 (axes an attribute before opset 13), Slice-13 (attributes in Slice-1),
Split-18 (split an attribute before opset 13, num_outputs from 18), Pad-18 (pads an attribute in Pad-2), and
the reductions ReduceMean / ReduceMax / ReduceMin / ReduceSum (axes an input from ReduceSum-13 and the others'
opset 18, an attribute before; none: every axis, unless noop_with_empty_axes; keepdims default 1), each output
position reading the whole of every reduced axis."""

from scnn_tools.net.indexmaps import IDENTITY, Whole, Window, shifted
from ..registry import RESHAPE, SPLIT, fmt_shape, product
from .node import ALREADY, node, register
from .spatial import padded
from . import unpooled


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
    merged = [a for a in range(2, len(x)) if x[a] != 1 and not (a == axis == len(x) - 1)]
    if merged:
        # (a 1 x 1 map flattened, a classifier's, loses no field worth a word)
        node(ctx).unknown(f"it merges axis {', '.join(map(str, merged))} with others: an output axis that holds "
                          "several input axes has no field")
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
        return o.not_known("shape (input 1)", [None])
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
    if ctx.node.onnx.unpool is not None:
        found = unpooled.deps(ctx)  # (PyTorch's unpooling, whose flat axes this Reshape ends)
        if found is not None:
            return found
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
    if len([b for b in mixed if x[b] != 1]) > 1:
        node(ctx).unknown(f"it folds axes {', '.join(map(str, mixed))} of the input together: an output axis that "
                          "holds several input axes (h and w flattened) has no field")
    return [deps]


def _axes_of(o, rank, position, what="axes"):
    """An axes list given as input `position` (opset 13 on) or as the attribute (before): canonical, checked;
    None where not given, or not known before the net runs."""
    axes = o.ints(position) if position is not None and o.present(position) else o.attr(what, kind=list)
    if axes is None:
        return None
    if any(not -rank <= a < rank for a in axes) or len({a % rank for a in axes}) != len(axes):
        o.fail(f"{what} {list(axes)} are not distinct axes of a {rank}-axis blob")
    return [a % rank for a in axes]


def _transpose_perm(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "data")
    perm = o.attr("perm", list(range(len(x)))[::-1])
    if sorted(perm) != list(range(len(x))):
        o.fail(f"perm {perm} is not a permutation of {len(x)} axes")
    return x, perm


def _transpose_shape(ctx):
    x, perm = _transpose_perm(ctx)
    return [[x[p] for p in perm]]


def _transpose_deps(ctx):
    _, perm = _transpose_perm(ctx)
    return [{a: [(0, p, IDENTITY)] for a, p in enumerate(perm)}]


def _squeezed(ctx):
    """(kept input axes, in order) of a Squeeze: the axes given (each of size 1), or every axis of size 1.

    A size nobody knows (a dynamic axis, a count), which the shapes run at stand-ins: an axis given is 1 by the
    model's word (it fails otherwise), so it goes; without axes, whether it goes turns on its value."""
    o = node(ctx)
    x = o.data(0, "data")
    axes = _axes_of(o, len(x), 1)
    if axes is None and o.present(1):
        return o.not_known("axes (input 1)")
    unsure = [a for a, d in enumerate(x) if d is None or ctx.stand_in(o.bottom(0), a)]
    if axes is None:
        if unsure:
            return o.unknown(f"it drops every axis of size 1 (no axes given), and whether axis {unsure[0]} is 1 "
                             "depends on a size not known before the net runs")
        axes = [a for a, d in enumerate(x) if d == 1]
    if any(x[a] != 1 and a not in unsure for a in axes):
        o.fail(f"squeezes axes {axes} of {fmt_shape(x)}, which are not all of size 1")
    return [a for a in range(len(x)) if a not in axes]


def _squeeze_shape(ctx):
    kept = _squeezed(ctx)
    return [None if kept is None else [ctx.bottoms[0][a] for a in kept]]


def _squeeze_deps(ctx):
    return [{t: [(0, a, IDENTITY)] for t, a in enumerate(_squeezed(ctx))}]


def _unsqueezed(ctx):
    """The output axes that are new, or None where not known."""
    o = node(ctx)
    x = o.data(0, "data")
    axes = o.ints(1) if o.present(1) else o.attr("axes", kind=list)
    if axes is None:
        return o.not_known("axes (input 1)") if o.present(1) else o.fail("needs its axes")
    rank = len(x) + len(axes)
    if any(not -rank <= a < rank for a in axes) or len({a % rank for a in axes}) != len(axes):
        o.fail(f"axes {axes} are not distinct axes of the {rank}-axis output")
    return sorted(a % rank for a in axes)


def _unsqueeze_shape(ctx):
    new = _unsqueezed(ctx)
    if new is None:
        return [None]
    rest = iter(ctx.bottoms[0])
    return [[1 if a in new else next(rest) for a in range(len(ctx.bottoms[0]) + len(new))]]


def _unsqueeze_deps(ctx):
    kept = [a for a in range(len(ctx.tops[0])) if a not in _unsqueezed(ctx)]
    return [{t: [(0, a, IDENTITY)] for a, t in enumerate(kept)}]


def _slices(ctx):
    """Per axis of the data: (start, step, size) after numpy's clamping, which the spec follows; None where
    the starts or ends are not known before the net runs."""
    o = node(ctx)
    x = o.data(0, "data")
    if o.opset < 10:
        starts, ends = o.attr("starts", kind=list), o.attr("ends", kind=list)
        axes, steps = o.attr("axes", kind=list), None
    else:
        o.need_inputs(3, 5)
        starts, ends = o.ints(1), o.ints(2)
        axes = _axes_of(o, len(x), 3) if o.present(3) else None
        steps = o.ints(4) if o.present(4) else None
        if (o.present(3) and axes is None) or (o.present(4) and steps is None):
            return o.not_known("axes or steps")
    if starts is None or ends is None:
        return o.not_known("starts or ends")
    axes = list(range(len(starts))) if axes is None else [a % len(x) for a in axes]
    steps = steps or [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps) or 0 in steps:
        o.fail(f"starts {starts}, ends {ends}, axes {axes} and steps {steps} must be as many, steps not 0")
    out = [(0, 1, d) for d in x]
    for start, end, axis, step in zip(starts, ends, axes, steps):
        if x[axis] is None:
            out[axis] = (None, step, None)
            continue
        r = range(*slice(start, end, step).indices(x[axis]))
        out[axis] = (r.start, step, len(r))
    return out


def _slice_shape(ctx):
    cuts = _slices(ctx)
    return [None if cuts is None else [size for _, _, size in cuts]]


def _slice_deps(ctx):
    # A positive step reads every step-th position from start: a window; a negative one reads back to front,
    # which no window describes (left unknown).
    deps = {}
    for a, (start, step, _) in enumerate(_slices(ctx)):
        if step > 0:
            deps[a] = [(0, a, Window(step, -start, 1))]
        else:
            node(ctx).unknown(f"axis {a} is read back to front (step {step}), which no field says: it has none")
    return [deps]


def _split_sizes(ctx):
    o = node(ctx)
    x = o.data(0, "input")
    axis = o.attr("axis", 0)
    if not -len(x) <= axis < len(x):
        o.fail(f"axis {axis} is out of range for {fmt_shape(x)}")
    axis %= len(x)
    sizes = o.ints(1) if o.present(1) else o.attr("split", kind=list)
    if sizes is None and o.present(1):
        return axis, o.not_known("split (input 1)")
    if sizes is None:
        n = o.attr("num_outputs", ctx.ntops)
        if x[axis] is None:
            return axis, None
        if o.opset < 18 and x[axis] % n:
            # Split-2..13: "split to equal sized parts" (onnxruntime: "not evenly splittable").
            o.fail(f"splits axis {axis} of {fmt_shape(x)} into {n} equal parts without a split: it does not divide")
        # Split-18: the last piece is smaller where the axis does not divide (ceil(size / n) each before it).
        each = -(-x[axis] // n)
        sizes = [min(each, max(0, x[axis] - each * k)) for k in range(n)]
    if len(sizes) != ctx.ntops or (x[axis] is not None and sum(sizes) != x[axis]) or min(sizes) < 0:
        o.fail(f"split {sizes} does not cut axis {axis} of {fmt_shape(x)} into {ctx.ntops} outputs")
    return axis, sizes


def _split_shape(ctx):
    axis, sizes = _split_sizes(ctx)
    x = ctx.bottoms[0]
    if sizes is None:
        return [None] * ctx.ntops
    return [list(x[:axis]) + [n] + list(x[axis + 1:]) for n in sizes]


def _split_deps(ctx):
    axis, sizes = _split_sizes(ctx)
    out, start = [], 0
    for n in sizes:
        deps = {a: [(0, a, IDENTITY)] for a in range(len(ctx.bottoms[0]))}
        deps[axis] = [(0, axis, shifted(start))]
        out.append(deps)
        start += n
    return out


def _pads(ctx):
    """Per axis (begin, end) padding (negative: cropped), or None where not known before the net runs."""
    o = node(ctx)
    x = o.data(0, "data")
    pads = o.attr("pads", kind=list) if o.opset < 11 else o.ints(1)
    if pads is None:
        return o.not_known("pads")
    axes = _axes_of(o, len(x), 3) if o.present(3) else list(range(len(x)))
    if axes is None:
        return o.not_known("axes (input 3)")
    if len(pads) != 2 * len(axes):
        o.fail(f"pads {pads} are not a begin and an end for each of {len(axes)} axes")
    out = [(0, 0)] * len(x)
    for i, a in enumerate(axes):
        out[a] = (pads[i], pads[len(axes) + i])
    return out


def _pad_shape(ctx):
    pads, x = _pads(ctx), ctx.bottoms[0]
    if pads is None:
        return [None]
    out = [None if d is None else d + b + e for d, (b, e) in zip(x, pads)]
    if any(d is not None and d < 0 for d in out):
        node(ctx).fail(f"pads {pads} crop {fmt_shape(x)} below nothing")
    return [out]


def _pad_deps(ctx):
    # Output o reads input o - begin in constant mode (padding beyond), mirrored, repeated or wrapped positions
    # in the others (spatial.padded).
    o, x = node(ctx), ctx.bottoms[0]
    maps = [padded(o, a, b, e, x[a], o.attr("mode", "constant")) for a, (b, e) in enumerate(_pads(ctx))]
    return [{a: [(0, a, m)] for a, m in enumerate(maps) if m is not None}]


REDUCE = ("axes", "keepdims", "noop_with_empty_axes")  # (every reduction's attributes)


def _reduced(ctx):
    """(reduced axes, keepdims), or None where the axes are not known before the net runs."""
    o = node(ctx)
    x = o.data(0, "data")
    position = 1 if o.opset >= (13 if o.op == "ReduceSum" else 18) else None
    axes = _axes_of(o, len(x), position)
    if axes is None and position is not None and o.present(1):
        return o.not_known("axes (input 1)")
    if not axes:
        axes = [] if o.attr("noop_with_empty_axes", 0) else list(range(len(x)))
    return axes, o.attr("keepdims", 1)


def _reduce_shape(ctx):
    r = _reduced(ctx)
    if r is None:
        return [None]
    axes, keep = r
    x = ctx.bottoms[0]
    return [[1 if a in axes else d for a, d in enumerate(x)] if keep else [d for a, d in enumerate(x) if a not in axes]]


def _reduce_deps(ctx):
    axes, keep = _reduced(ctx)
    x, deps, t = ctx.bottoms[0], {}, 0
    for a, d in enumerate(x):
        if a in axes and not keep:
            continue
        deps[t] = [(0, a, Whole(d) if a in axes else IDENTITY)]
        t += 1
    return [deps]


register("onnx.Flatten", RESHAPE, reads=("axis",), shape=_flatten_shape, deps=_flatten_deps, no_onnx=ALREADY)
register("onnx.Reshape", RESHAPE, reads=("allowzero", "consumed_inputs"), shape=_reshape_shape, deps=_reshape_deps,
         no_onnx=ALREADY)
register("onnx.Transpose", RESHAPE, reads=("perm",), shape=_transpose_shape, deps=_transpose_deps, no_onnx=ALREADY)
register("onnx.Squeeze", RESHAPE, reads=("axes",), shape=_squeeze_shape, deps=_squeeze_deps, no_onnx=ALREADY)
register("onnx.Unsqueeze", RESHAPE, reads=("axes",), shape=_unsqueeze_shape, deps=_unsqueeze_deps, no_onnx=ALREADY)
register("onnx.Slice", SPLIT, reads=("axes", "ends", "starts"), shape=_slice_shape, deps=_slice_deps, no_onnx=ALREADY)
register("onnx.Split", SPLIT, reads=("axis", "num_outputs", "split"), shape=_split_shape, deps=_split_deps,
         no_onnx=ALREADY)
register("onnx.Pad", RESHAPE, reads=("mode", "pads", "value"), shape=_pad_shape, deps=_pad_deps, no_onnx=ALREADY)
register("onnx.ReduceMean", RESHAPE, reads=REDUCE, shape=_reduce_shape, deps=_reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceMax", RESHAPE, reads=REDUCE, shape=_reduce_shape, deps=_reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceMin", RESHAPE, reads=REDUCE, shape=_reduce_shape, deps=_reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceSum", RESHAPE, reads=REDUCE, shape=_reduce_shape, deps=_reduce_deps, no_onnx=ALREADY)

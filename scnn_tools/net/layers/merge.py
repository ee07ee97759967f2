"""Layers that merge blobs (Eltwise, Concat) or split them (Slice, Split, Silence)."""

from scnn_tools.net.indexmaps import IDENTITY, Piece, shifted
from .registry import MERGE, SPLIT, fmt_shape, register


def _eltwise_shape(ctx):
    ctx.need_bottoms(2)
    first = ctx.bottoms[0]
    for b, shape in enumerate(ctx.bottoms[1:], 1):
        if len(shape) != len(first) or any(x is not None and y is not None and x != y
                                           for x, y in zip(first, shape)):
            ctx.fail(f"bottoms must have one shape: '{ctx.p.bottom[0]}' is {fmt_shape(first)}, "
                     f"'{ctx.p.bottom[b]}' is {fmt_shape(shape)}")
    coeff = ctx.p.eltwise_param.coeff
    if len(coeff) and len(coeff) != len(ctx.bottoms):
        ctx.fail(f"{len(coeff)} coefficients for {len(ctx.bottoms)} bottoms")
    return [list(first)]


def _concat_axis(ctx):
    c = ctx.p.concat_param
    ctx.need_bottoms(1)
    if c.HasField("concat_dim"):
        return _legacy_axis(ctx, c.concat_dim, "concat_dim")  # the legacy field, which Caffe prefers when given
    return ctx.axis(c.axis)


def _concat_shape(ctx):
    axis = _concat_axis(ctx)
    first = ctx.bottoms[0]
    total = 0
    for b, shape in enumerate(ctx.bottoms):
        if len(shape) != len(first) or any(i != axis and x is not None and y is not None and x != y
                                           for i, (x, y) in enumerate(zip(first, shape))):
            ctx.fail(f"bottoms must agree on every axis but {axis}: '{ctx.p.bottom[0]}' is {fmt_shape(first)}, "
                     f"'{ctx.p.bottom[b]}' is {fmt_shape(shape)}")
        total = None if total is None or shape[axis] is None else total + shape[axis]
    out = list(first)
    out[axis] = total
    return [out]


def _concat_deps(ctx):
    axis = _concat_axis(ctx)
    rank = len(ctx.bottoms[0])
    deps = {a: [(b, a, IDENTITY) for b in range(len(ctx.bottoms))] for a in range(rank) if a != axis}
    start, n = 0, len(ctx.bottoms)
    deps[axis] = []
    for b, shape in enumerate(ctx.bottoms):
        deps[axis].append((b, axis, Piece(start, shape[axis], b == 0, b == n - 1)))
        start += shape[axis]
    return [deps]


def _slice_axis(ctx):
    s = ctx.p.slice_param
    ctx.need_bottoms(1, 1)
    if s.HasField("slice_dim"):
        return _legacy_axis(ctx, s.slice_dim, "slice_dim")
    return ctx.axis(s.axis)


def _legacy_axis(ctx, axis, field):
    """Caffe's CHECK on concat_dim and slice_dim: 0 <= axis < the bottom's axes (no counting from the end)."""
    rank = len(ctx.bottoms[0])
    if axis >= rank:
        ctx.fail(f"{field} {axis} out of range for a {rank}-axis blob {fmt_shape(ctx.bottoms[0])}")
    return axis


def _slice_bounds(ctx):
    axis = _slice_axis(ctx)
    size = ctx.bottoms[0][axis]
    points = list(ctx.p.slice_param.slice_point)
    n = ctx.ntops
    if points:
        if len(points) != n - 1:
            ctx.fail(f"{len(points)} slice points for {n} tops (need {n - 1})")
        if any(b <= a for a, b in zip(points, points[1:])) or points[0] <= 0 or points[-1] >= size:
            ctx.fail(f"slice points {points} must increase strictly within (0, {size})")
        edges = [0] + points + [size]
    else:
        if size % n:
            ctx.fail(f"cannot split axis {axis} of size {size} into {n} equal parts")
        edges = [i * size // n for i in range(n + 1)]
    return axis, list(zip(edges, edges[1:]))


def _slice_shape(ctx):
    axis, bounds = _slice_bounds(ctx)
    out = []
    for lo, hi in bounds:
        shape = list(ctx.bottoms[0])
        shape[axis] = hi - lo
        out.append(shape)
    return out


def _slice_deps(ctx):
    axis, bounds = _slice_bounds(ctx)
    rank = len(ctx.bottoms[0])
    return [{a: [(0, a, shifted(lo) if a == axis else IDENTITY)] for a in range(rank)} for lo, _ in bounds]


def _split_shape(ctx):
    ctx.need_bottoms(1, 1)
    return [list(ctx.bottoms[0])] * ctx.ntops


def _no_tops(ctx):
    return []


def _eltwise_onnx(ctx, e):
    from scnn_tools.caffe_pb2 import EltwiseParameter
    q = ctx.p.eltwise_param
    xs = [e.x(i) for i in range(len(ctx.bottoms))]
    if q.operation == EltwiseParameter.SUM:
        if len(q.coeff) and any(c != 1 for c in q.coeff):
            xs = [x if c == 1 else e.op("Mul", [x, e.const(c, "coeff")]) for x, c in zip(xs, q.coeff)]
        e.op("Sum", xs, e.y())
    elif q.operation == EltwiseParameter.MAX:
        e.op("Max", xs, e.y())
    else:
        product = xs[0]
        for x in xs[1:-1]:
            product = e.op("Mul", [product, x])
        e.op("Mul", [product, xs[-1]], e.y())


def _concat_onnx(ctx, e):
    e.op("Concat", [e.x(i) for i in range(len(ctx.bottoms))], e.y(), axis=_concat_axis(ctx))


def _slice_onnx(ctx, e):
    axis, bounds = _slice_bounds(ctx)
    if len(bounds) == 1:
        e.op("Identity", [e.x()], e.y())
        return
    e.op("Split", [e.x(), e.ints([hi - lo for lo, hi in bounds], "split")], [e.y(i) for i in range(len(bounds))],
         axis=axis)


def _split_onnx(ctx, e):
    for i in range(ctx.ntops):
        e.op("Identity", [e.x()], e.y(i))


register("Eltwise", MERGE, shape=_eltwise_shape, onnx=_eltwise_onnx)
register("Concat", MERGE, shape=_concat_shape, deps=_concat_deps, onnx=_concat_onnx)
register("Slice", SPLIT, shape=_slice_shape, deps=_slice_deps, onnx=_slice_onnx)
register("Split", SPLIT, shape=_split_shape, onnx=_split_onnx)
register("Silence", SPLIT, shape=_no_tops, onnx=lambda ctx, e: None)  # (nothing to compute)

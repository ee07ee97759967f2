"""Layers that rearrange axes: Reshape, Flatten, Permute, the forks' ShuffleChannel, Reverse and Transpose, and the
reductions ArgMax, Reduction."""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from .registry import RESHAPE, fmt_shape, known, legacy_shape, product, register


def _reshape_range(ctx):
    r = ctx.p.reshape_param
    shape = ctx.bottoms[0]
    n = len(shape)
    start = r.axis + n + 1 if r.axis < 0 else r.axis
    if not 0 <= start <= n:
        ctx.fail(f"axis {r.axis} is out of range for {fmt_shape(shape)}")
    end = n if r.num_axes == -1 else start + r.num_axes
    if r.num_axes < -1 or end > n:
        ctx.fail(f"num_axes {r.num_axes} is out of range for {fmt_shape(shape)} from axis {start}")
    return start, end


def _reshape_shape(ctx):
    ctx.need_bottoms(1, 1)
    shape = ctx.bottoms[0]
    start, end = _reshape_range(ctx)
    dims = list(ctx.p.reshape_param.shape.dim)
    out, infer = [], None
    for i, d in enumerate(dims):
        if d == 0:
            if start + i >= len(shape):
                ctx.fail(f"dim {i} is 0 (copy) but the bottom {fmt_shape(shape)} has no axis {start + i}")
            out.append(shape[start + i])
        elif d == -1:
            if infer is not None:
                ctx.fail("at most one dim may be -1")
            infer = i
            out.append(None)
        elif d < -1:
            ctx.fail(f"dim {d} is invalid")
        else:
            out.append(d)
    whole = product(shape[start:end])
    if infer is not None and whole is not None:
        rest = product(d for j, d in enumerate(out) if j != infer)
        if rest is None or rest == 0 or whole % rest:
            ctx.fail(f"cannot infer dim {infer}: {whole} elements do not split by {rest} (bottom {fmt_shape(shape)})")
        out[infer] = whole // rest
    elif whole is not None and product(out) is not None and product(out) != whole:
        ctx.fail(f"{fmt_shape(shape)} has {whole} elements in axes {start}..{end - 1}, "
                 f"the new shape {fmt_shape(out)} has {product(out)}")
    return [list(shape[:start]) + out + list(shape[end:])]


def _reshape_deps(ctx):
    shape = ctx.bottoms[0]
    top = ctx.tops[0]
    start, end = _reshape_range(ctx)
    new_end = len(top) - (len(shape) - end)
    deps = {a: [(0, a, IDENTITY)] for a in range(start)}
    deps.update({new_end + i: [(0, end + i, IDENTITY)] for i in range(len(shape) - end)})
    if top[start:new_end] == shape[start:end]:
        deps.update({a: [(0, a, IDENTITY)] for a in range(start, end)})
    elif len(top) == 4 and new_end > 2:
        # Space is mixed: every new spatial position may hold any old one.
        for a in range(max(start, 2), new_end):
            deps[a] = [(0, b, Whole(shape[b])) for b in range(start, end) if b >= 2]
    return [deps]


def _flatten_range(ctx):
    ctx.need_bottoms(1, 1)
    f = ctx.p.flatten_param
    start = ctx.axis(f.axis)
    end = ctx.axis(f.end_axis, what="end_axis")
    if end < start:
        ctx.fail(f"end_axis {f.end_axis} comes before axis {f.axis}")
    return start, end


def _flatten_shape(ctx):
    start, end = _flatten_range(ctx)
    shape = ctx.bottoms[0]
    return [list(shape[:start]) + [product(shape[start:end + 1])] + list(shape[end + 1:])]


def _flatten_deps(ctx):
    start, end = _flatten_range(ctx)
    rank = len(ctx.bottoms[0])
    deps = {a: [(0, a, IDENTITY)] for a in range(start)}
    deps.update({start + 1 + i: [(0, end + 1 + i, IDENTITY)] for i in range(rank - end - 1)})
    if start == end:
        deps[start] = [(0, start, IDENTITY)]
    return [deps]


def _permute_order(ctx):
    ctx.need_bottoms(1, 1)
    rank = len(ctx.bottoms[0])
    order = []
    for a in ctx.p.permute_param.order:
        if a >= rank or a in order:
            ctx.fail(f"order {list(ctx.p.permute_param.order)} is not a permutation of {rank} axes")
        order.append(a)
    return order + [a for a in range(rank) if a not in order]


def _permute_shape(ctx):
    shape = ctx.bottoms[0]
    return [[shape[a] for a in _permute_order(ctx)]]


def _permute_deps(ctx):
    return [{i: [(0, a, IDENTITY)] for i, a in enumerate(_permute_order(ctx))}]


def _transpose_order(ctx):
    """senlinuc/caffe_ocr src/caffe/layers/transpose_layer.cpp: top axis i is bottom axis transpose_param.dim(i)
    (Reshape CHECKs one dim per axis; Forward_cpu copies each value so), never in place; None where the layer
    gives no dim, which is not caffe_ocr's (its CHECK fails) and which other forks' Transpose layers (a matrix
    transpose, a transpose of weights) read otherwise."""
    ctx.need_bottoms(1, 1)
    dims, rank = list(ctx.p.transpose_param.dim), len(ctx.bottoms[0])
    if not dims:
        return ctx.unknown(_transpose_ambiguous(ctx.p), warned=True)
    if ctx.p.top[0] == ctx.p.bottom[0]:
        ctx.fail("cannot run in place (transpose_layer.cpp CHECK_NE(bottom[0], top[0]))")
    if sorted(dims) != list(range(rank)):
        ctx.fail(f"transpose_param dim {dims} is not a permutation of the {rank} axes of {fmt_shape(ctx.bottoms[0])}")
    return dims


def _transpose_shape(ctx):
    order = _transpose_order(ctx)
    return [None if order is None else [ctx.bottoms[0][a] for a in order]]


def _transpose_deps(ctx):
    order = _transpose_order(ctx)
    return [{} if order is None else {i: [(0, a, IDENTITY)] for i, a in enumerate(order)}]


def _transpose_onnx(ctx, e):
    e.op("Transpose", [e.x()], e.y(), perm=_transpose_order(ctx))


def _transpose_ambiguous(layer):
    if not layer.transpose_param.dim:
        return ("without transpose_param's dims it is not senlinuc/caffe_ocr's Transpose (which needs one per axis), "
                "and other forks' Transpose layers compute other things: its top is unknown")
    return None


def _argmax_shape(ctx):
    ctx.need_bottoms(1, 1)
    m = ctx.p.argmax_param
    shape = ctx.bottoms[0]
    if m.HasField("axis"):
        axis = ctx.axis(m.axis)
        if shape[axis] is not None and m.top_k > shape[axis]:
            ctx.fail(f"top_k {m.top_k} exceeds axis {axis} of size {shape[axis]}")
        out = list(shape)
        out[axis] = m.top_k
        return [out]
    # Without an axis Caffe ranks everything after the batch axis: N x (1, or 2 with the values) x top_k,
    # padded with 1s to the bottom's axes (ArgMaxLayer::Reshape keeps at least three).
    return [[shape[0], 2 if m.out_max_val else 1, m.top_k] + [1] * (len(shape) - 3)]


def _argmax_deps(ctx):
    m = ctx.p.argmax_param
    if not m.HasField("axis"):
        return [{0: [(0, 0, IDENTITY)]}]
    axis = ctx.axis(m.axis)
    return [{a: [(0, a, IDENTITY)] for a in range(len(ctx.bottoms[0])) if a != axis}]


def _reduction_shape(ctx):
    ctx.need_bottoms(1, 1)
    axis = ctx.axis(ctx.p.reduction_param.axis)
    return [list(ctx.bottoms[0][:axis])]


def _reduction_deps(ctx):
    axis = ctx.axis(ctx.p.reduction_param.axis)
    return [{a: [(0, a, IDENTITY)] for a in range(axis)}]


def _parameter_shape(ctx):
    return [list(ctx.p.parameter_param.shape.dim)]


def _shuffle_groups(ctx):
    """farmingyard/ShuffleNet shuffle_channel_layer.cpp: Reshape gives the top (num, channels, height,
    width); Forward moves channel i * C/group + j to j * group + i, and fails unless group divides C."""
    ctx.need_bottoms(1, 1)
    top = legacy_shape(ctx)
    group, channels = ctx.p.shuffle_channel_param.group, top[1]
    if group < 1:
        ctx.fail("group must be positive")
    if channels is not None and channels % group:
        ctx.fail(f"group {group} does not divide the {channels} channels of {fmt_shape(ctx.bottoms[0])}")
    return top, group


def _shuffle_deps(ctx):
    # Positions stay where they are; the channel axis is permuted, which no window describes.
    return [{a: [(0, a, IDENTITY)] for a in range(len(ctx.bottoms[0])) if a != 1}]


def _shuffle_onnx(ctx, e):
    (n, c, h, w), group = _shuffle_groups(ctx)
    grouped = e.op("Reshape", [e.x(), e.ints([n, group, c // group, h * w])])
    swapped = e.op("Transpose", [grouped], perm=[0, 2, 1, 3])
    e.op("Reshape", [swapped, e.ints([n, c, h, w])], e.y())


def _reverse_axis(ctx):
    """The reversed axis, or None for the two-bottom form.

    With one bottom this is senlinuc/caffe_ocr's Reverse (src/caffe/layers/reverse_layer.cpp, also in
    tonghe90/textspotter): a NeuronLayer whose top has the bottom's shape, the order along
    reverse_param.axis (default 0; CHECK_GE 0, CHECK_LT num_axes) reversed, never in place. The
    two-bottom form (cont, x) is textspotter's earlier sequence Reverse (sequence_layers.hpp): the top has
    x's shape, T = cont.num() and N = cont.channels() must be x's, and each sequence, cut where cont is
    not 1, is reversed on its own: where depends on the data."""
    ctx.need_bottoms(1, 2)
    if len(ctx.bottoms) == 2:
        cont, x = ctx.bottoms
        if len(cont) > 4 or len(x) > 4:
            ctx.fail(f"reads num() and channels(), which allow at most 4 axes: cont {fmt_shape(cont)}, "
                     f"x {fmt_shape(x)}")
        if any(a != b for a, b in zip(legacy_shape(ctx)[:2], (list(x) + [1, 1])[:2]) if known(a, b)):
            ctx.fail(f"x {fmt_shape(x)} must have the num and channels (T, N) of cont {fmt_shape(cont)}")
        return None
    if ctx.p.top[0] == ctx.p.bottom[0]:
        ctx.fail("cannot run in place (reverse_layer.cpp CHECK_NE(top[0], bottom[0]))")
    axis, rank = ctx.p.reverse_param.axis, len(ctx.bottoms[0])
    if not 0 <= axis < rank:
        ctx.fail(f"axis {axis} must be from 0 to {rank - 1} for {fmt_shape(ctx.bottoms[0])}")
    return axis


def _reverse_deps(ctx):
    # The reversed axis is read back to front, which no window describes: its field is left unknown. The
    # sequence form reverses axis 0 where cont says, and textspotter's sequence Reverse (which a prototxt
    # cannot tell from caffe_ocr's) ignores reverse_param and reverses axis 0: axis 0 is never kept.
    axis = _reverse_axis(ctx)
    x = len(ctx.bottoms) - 1
    return [{a: [(x, a, IDENTITY)] for a in range(len(ctx.bottoms[x])) if a not in (0, axis)}]


def _reverse_onnx(ctx, e):
    axis = _reverse_axis(ctx)
    if axis is None:
        e.fail("the two-bottom Reverse cuts its sequences where the cont input says, which is data")
    if axis != 0:
        e.fail(f"axis {axis}: caffe_ocr's Reverse turns that axis, textspotter's sequence Reverse axis 0, and "
               "the prototxt does not tell which Caffe it is for")
    # A slice from the last index down past the first, step -1.
    e.op("Slice", [e.x(), e.ints([-1], "starts"), e.ints([-(2 ** 63)], "ends"), e.ints([axis], "axes"),
                   e.ints([-1], "steps")], e.y())


def _reshape_onnx(ctx, e):
    e.op("Reshape", [e.x(), e.ints(ctx.tops[0])], e.y())  # the model has fixed shapes: the engine's own


def _permute_onnx(ctx, e):
    e.op("Transpose", [e.x()], e.y(), perm=_permute_order(ctx))


def _argmax_onnx(ctx, e):
    """Caffe's indices are floats; with out_max_val and an axis it gives the values instead, and without
    an axis, per item, the indices (and values) of the top_k over everything after the batch axis."""
    m = ctx.p.argmax_param
    k = e.ints([m.top_k], "k")
    if m.HasField("axis"):
        axis = ctx.axis(m.axis)
        values, indices = e.op("TopK", [e.x(), k], 2, axis=axis)
        e.op("Identity" if m.out_max_val else "Cast", [values if m.out_max_val else indices], e.y(),
             **({} if m.out_max_val else {"to": 1}))
        return
    half = list(ctx.tops[0])
    half[1] = 1
    values, indices = e.op("TopK", [e.op("Flatten", [e.x()], axis=1), k], 2, axis=1)
    indices = e.op("Reshape", [e.op("Cast", [indices], to=1), e.ints(half)])
    if m.out_max_val:
        e.op("Concat", [indices, e.op("Reshape", [values, e.ints(half)])], e.y(), axis=1)
    else:
        e.op("Identity", [indices], e.y())


def _reduction_onnx(ctx, e):
    from scnn_tools.caffe_pb2 import ReductionParameter as R
    q = ctx.p.reduction_param
    axes = list(range(ctx.axis(q.axis), len(ctx.bottoms[0])))
    # ASUM is not ReduceL1: OpenVINO (2026.4) ignores ReduceL1's axes attribute before opset 18 and sums
    # the whole blob (openvinotoolkit/openvino#38238); ReduceSum's axes are an input from opset 13.
    x = e.op("Abs", [e.x()]) if q.operation == R.ASUM else e.x()
    op = {R.SUM: "ReduceSum", R.ASUM: "ReduceSum", R.SUMSQ: "ReduceSumSquare", R.MEAN: "ReduceMean"}[q.operation]
    reduced = e.reduce(op, x, axes, keepdims=0)
    if q.coeff != 1:
        reduced = e.op("Mul", [reduced, e.const(q.coeff, "coeff")])
    e.op("Identity", [reduced], e.y())


register("Reshape", RESHAPE, shape=_reshape_shape, deps=_reshape_deps, onnx=_reshape_onnx)
register("Flatten", RESHAPE, shape=_flatten_shape, deps=_flatten_deps, onnx=_reshape_onnx)
register("Permute", RESHAPE, shape=_permute_shape, deps=_permute_deps, onnx=_permute_onnx)
register("Transpose", RESHAPE, shape=_transpose_shape, deps=_transpose_deps, onnx=_transpose_onnx,
         ambiguous=_transpose_ambiguous)
register("ArgMax", RESHAPE, shape=_argmax_shape, deps=_argmax_deps, onnx=_argmax_onnx,
         not_features={0: "holds the indices of the largest scores"})
register("ShuffleChannel", RESHAPE, shape=lambda ctx: [_shuffle_groups(ctx)[0]], deps=_shuffle_deps,
         onnx=_shuffle_onnx)
register("Reverse", RESHAPE, shape=lambda ctx: [list(ctx.bottoms[_reverse_axis(ctx) is None])],
         deps=_reverse_deps, onnx=_reverse_onnx)
register("Reduction", RESHAPE, shape=_reduction_shape, deps=_reduction_deps, onnx=_reduction_onnx)
def _parameter_onnx(ctx, e):
    blob, = e.weights([None])  # Caffe fills a Parameter's blob with nothing: zeros, until weights load
    e.op("Identity", [e.const(blob, "blob")], e.y())


register("Parameter", RESHAPE, onnx=_parameter_onnx, shape=_parameter_shape, deps=lambda ctx: [{}], min_bottoms=0,
         params=lambda ctx: [list(ctx.p.parameter_param.shape.dim)])

"""Elementwise operators: activations, normalisations and the broadcasting arithmetic (onnx/docs/Operators.md).

Softmax-1/11/13 and LRN-13 keep the shape; Softmax reads its whole axis (every axis from `axis` before
opset 13), LRN `size` channels around each. PRelu-16's slope is learnt. Unary activations keep their input's
shape (Relu-14, LeakyRelu-16, Sigmoid-13, Tanh-13, HardSigmoid-6,
HardSwish-14, Clip-13 whose min and max are inputs from opset 11, Identity-16, Dropout-13 whose optional
mask has the output's shape). BatchNormalization-15: Y has X's shape; scale and B are learnt, input_mean
and input_var are running statistics (not learnt, as Caffe's BatchNorm's are not). In training mode
(training_mode 1; before opset 14, the node that also outputs its statistics) Y is normalised by the batch's own
mean and variance per channel: each value reads its channel's whole batch and plane (onnx's
test_batchnorm_*_training_mode cases, which onnxruntime's probe confirms), and the statistics' outputs read
their channel. Add/Sub/Mul/Div-14, Sum/Max/Min/Mean-13: multidirectional (numpy) broadcasting
(onnx/docs/Broadcasting.md); a size-1 axis is read whole along the output's axis; an initializer of more
than one value among their inputs is a learnt weight (Caffe's Scale and Bias are exported so). As in the
Caffe rules, none of them counts multiply-adds.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole, Window
from ..registry import ACTIVATION, ELEMENTWISE, MERGE, NORMALISATION, REGULARISATION, fmt_shape, pointwise
from .node import ALREADY, NUMPY_ONLY, node, register


def _unary(ctx):
    o = node(ctx)
    o.need_inputs(1)
    return [list(o.data(0, "X"))] * ctx.ntops


def broadcast(o, shapes):
    """The multidirectional broadcast of `shapes` (None for a shape not known: the result is not known)."""
    if any(s is None for s in shapes):
        return None
    if all(s == shapes[0] for s in shapes):
        return list(shapes[0])  # (most often nothing broadcasts: a residual sum)
    rank = max(len(s) for s in shapes)
    out = []
    for a in range(rank):
        dims = [s[a - rank + len(s)] for s in shapes if a - rank + len(s) >= 0]
        sizes = {d for d in dims if d is not None and d != 1}
        if len(sizes) > 1:
            o.fail("shapes " + ", ".join(fmt_shape(s) for s in shapes) + " do not broadcast together")
        out.append(sizes.pop() if sizes else None if None in dims else 1)
    return out


def _broadcast_shape(ctx):
    o = node(ctx)
    o.need_inputs(2 if o.op in ("Add", "Sub", "Mul", "Div") else 1)
    return [broadcast(o, [o.shape(i) for i in range(o.n)])]


def broadcast_deps(ctx):
    """Each output position reads the same position of every data input of that size, and position 0 of
    one that broadcasts a size-1 axis."""
    o = node(ctx)
    top = ctx.tops[0]
    inputs = [(b, ctx.bottoms[b]) for b in map(o.bottom, range(o.n)) if b is not None]
    deps = {}
    for a in range(len(top)):
        for b, shape in inputs:
            ba = a - len(top) + len(shape)
            if ba >= 0:
                m = IDENTITY if shape[ba] == top[a] else Whole(1)
                deps.setdefault(a, []).append((b, ba, m))
    return [deps]


def _batchnorm_shape(ctx):
    o = node(ctx)
    o.need_inputs(5, 5)
    x = o.data(0, "X")
    if len(x) < 2:
        o.fail(f"normalises N x C x ... blobs, X is {fmt_shape(x)}")
    for i, what in ((1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")):
        shape = o.shape(i)
        if shape is not None and x[1] is not None and list(shape) != [x[1]]:
            o.fail(f"{what} {fmt_shape(shape)} is not one value per channel of X {fmt_shape(x)}")
    return [list(x)] + [[x[1]]] * (ctx.ntops - 1)  # (training mode's running mean and variance)


def _batchnorm_deps(ctx):
    o, x = node(ctx), ctx.bottoms[0]
    deps = pointwise(ctx)
    # (the attribute's value converted only where the node names it: every exported BatchNormalization is read)
    named = o.opset >= 14 and "training_mode" in o.attribute_names
    training = (named and o.attr("training_mode", 0)) if o.opset >= 14 else ctx.ntops > 1
    if training:
        y = deps[0]
        for a, d in enumerate(x):
            if a != 1:
                y[a] = [(0, a, Whole(d))] + [item for item in y.get(a, ()) if item[0] != 0]
        for stats in deps[1:]:  # (the running ones read input_mean or input_var too, where those are blobs)
            stats[0] = [(0, 1, IDENTITY)] + stats.get(0, [])
    return deps


def _arithmetic_params(ctx):
    """The weights among the inputs (a per-channel scale or shift, a layer scale): initializers, not
    scalars (OnnxNode.learnt)."""
    o = node(ctx)
    return o.weights(*(i for i in range(o.n) if o.learnt(i)))


def _softmax_axes(ctx, opset=None):
    """The axes Softmax normalises over: Softmax-13 the one `axis` (default -1); before opset 13 the input is
    coerced to 2-D at `axis` (default 1), so every axis from it on. `opset`: the Softmax's version where not the
    node's own (com.microsoft's QLinearSoftmax says it in an attribute)."""
    o = node(ctx)
    x = ctx.bottoms[0]
    first = (o.opset if opset is None else opset) < 13
    axis = o.attr("axis", 1 if first else -1)
    if not -len(x) <= axis < len(x):
        o.fail(f"axis {axis} is out of range for {fmt_shape(x)}")
    axis %= len(x)
    return range(axis, len(x)) if first else [axis]


def _softmax_deps(ctx, opset=None):
    deps = pointwise(ctx)[0]
    for a in _softmax_axes(ctx, opset):
        deps[a] = [(0, a, Whole(ctx.bottoms[0][a]))]
    return [deps] * ctx.ntops


def _lrn_deps(ctx):
    # LRN-13: each value is divided by a sum over channels c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2).
    size = node(ctx).attr("size", kind=int)
    if size is None or size < 1:
        node(ctx).fail(f"size {size} must be given, and positive")
    deps = pointwise(ctx)[0]
    deps[1] = [(0, 1, Window(1, (size - 1) // 2, size))]
    return [deps]


def _prelu_shape(ctx):
    # PRelu-16: slope broadcasts to X unidirectionally: Y has X's shape.
    o = node(ctx)
    o.need_inputs(2, 2)
    x, slope = o.data(0, "X"), o.shape(1)
    if slope is not None and broadcast(o, [x, slope]) != list(x):
        o.fail(f"slope {fmt_shape(slope)} does not broadcast to X {fmt_shape(x)}")
    return [list(x)]


def _prelu_deps(ctx):
    return [{a: [(0, a, IDENTITY)] for a in range(len(ctx.bottoms[0]))}]


def _learnt(*positions):
    """The learnable parameters: the inputs at `positions` that are initializers or constants."""
    return lambda ctx: node(ctx).weights(*positions)


register("onnx.Relu", ACTIVATION, reads=("consumed_inputs",), shape=_unary, no_onnx=ALREADY)
register("onnx.LeakyRelu", ACTIVATION, reads=("alpha", "consumed_inputs"), shape=_unary, no_onnx=ALREADY)
register("onnx.Sigmoid", ACTIVATION, reads=("consumed_inputs",), shape=_unary, no_onnx=ALREADY)
register("onnx.Tanh", ACTIVATION, reads=("consumed_inputs",), shape=_unary, no_onnx=ALREADY)
register("onnx.HardSigmoid", ACTIVATION, reads=("alpha", "beta", "consumed_inputs"), shape=_unary, no_onnx=ALREADY)
register("onnx.HardSwish", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Clip", ACTIVATION, reads=("consumed_inputs", "max", "min"), shape=_unary, no_onnx=ALREADY)
register("onnx.Identity", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Dropout", REGULARISATION, reads=("consumed_inputs", "is_test", "ratio", "seed"), shape=_unary,
         no_onnx=ALREADY)
register("onnx.Softmax", ELEMENTWISE, reads=("axis",), shape=_unary, deps=_softmax_deps, no_onnx=ALREADY)
register("onnx.LRN", NORMALISATION, reads=("alpha", "beta", "bias", "size"), shape=_unary, deps=_lrn_deps,
         no_onnx=ALREADY)
# A learnt slope, one per channel or shared, as Caffe's PReLU learns it.
register("onnx.PRelu", ACTIVATION, reads=("consumed_inputs",), shape=_prelu_shape, deps=_prelu_deps, params=_learnt(1),
         no_onnx=ALREADY)
register("onnx.BatchNormalization", NORMALISATION,
         reads=("consumed_inputs", "epsilon", "is_test", "momentum", "training_mode"), defaults={"spatial": 1},
         shape=_batchnorm_shape, deps=_batchnorm_deps, params=_learnt(1, 2), no_onnx=ALREADY)
register("onnx.Add", MERGE, reads=("axis", "consumed_inputs"), defaults=NUMPY_ONLY, shape=_broadcast_shape,
         deps=broadcast_deps, params=_arithmetic_params, no_onnx=ALREADY)
register("onnx.Sub", MERGE, reads=("axis", "consumed_inputs"), defaults=NUMPY_ONLY, shape=_broadcast_shape,
         deps=broadcast_deps, params=_arithmetic_params, no_onnx=ALREADY)
register("onnx.Mul", MERGE, reads=("axis", "consumed_inputs"), defaults=NUMPY_ONLY, shape=_broadcast_shape,
         deps=broadcast_deps, params=_arithmetic_params, no_onnx=ALREADY)
register("onnx.Div", MERGE, reads=("axis", "consumed_inputs"), defaults=NUMPY_ONLY, shape=_broadcast_shape,
         deps=broadcast_deps, params=_arithmetic_params, no_onnx=ALREADY)
register("onnx.Sum", MERGE, reads=("consumed_inputs",), shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Max", MERGE, reads=("consumed_inputs",), shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Min", MERGE, reads=("consumed_inputs",), shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Mean", MERGE, reads=("consumed_inputs",), shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)

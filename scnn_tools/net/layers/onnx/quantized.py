"""The operators onnxruntime's quantizer writes (onnx/docs/Operators.md).

QuantizeLinear-10/13/19/21/23 and DequantizeLinear (same versions): y = saturate(x / scale + zero_point), and
back: Y has x's shape. The scale (and the zero point, of its shape) is a scalar (per tensor), a 1-D tensor of x's
`axis` size (per axis, default axis 1), or x's shape with ceil(D / block_size) along `axis` (blocked, from
opset 21). Each output reads its own input position, and the scale value that covers it.

DynamicQuantizeLinear-11: y_scale = (max(0, max(x)) - min(0, min(x))) / 255 and y_zero_point from min(x), both
scalars; y = saturate(round(x / y_scale) + y_zero_point) has x's shape. Every y therefore reads the whole of x
(through its minimum and maximum), as a training-mode BatchNormalization reads its whole plane.

ConvInteger-10 (x, w, x_zero_point, w_zero_point) and QLinearConv-10 (x, x_scale, x_zero_point, w, w_scale,
w_zero_point, y_scale, y_zero_point, B) convolve as Conv does (conv.py: same attributes, output size and
field); their learnt blobs are w and B, and each output value sums C/group x kernel products, as Conv's.
The scales and zero points are the quantization's bookkeeping, not learnt weights (torch's quantized modules
do not count them as parameters either).

MatMulInteger-10 (A, B, a_zero_point, b_zero_point) and QLinearMatMul-10/21 (a, a_scale, a_zero_point, b,
b_scale, b_zero_point, y_scale, y_zero_point) multiply as MatMul (inner.py).

onnxruntime's quantizer in its QOperator format also writes operators of its own domain (microsoft/onnxruntime
docs/ContribOperators.md, com.microsoft opset 1): QLinearAdd and QLinearMul (A, A_scale, A_zero_point, B,
B_scale, B_zero_point, C_scale, C_zero_point) add or multiply A and B with numpy's broadcasting, as Add and Mul;
QLinearSigmoid and QLinearLeakyRelu (X, X_scale, X_zero_point, Y_scale, Y_zero_point) keep X's shape, value by
value. Their scales and zero points are scalars (per tensor). QLinearGlobalAveragePool (X, x_scale,
x_zero_point, y_scale, y_zero_point) averages each channel's whole plane, as GlobalAveragePool, with its
channels last where channels_last is 1. QGemm multiplies as Gemm (inner.py). The quantizer's other operators
of that domain: QLinearAveragePool (X, x_scale, x_zero_point, y_scale, y_zero_point) averages windows as
AveragePool (kernel_shape, strides, pads, auto_pad, ceil_mode, count_include_pad; no dilations), over the axes
between N and C where channels_last is 1; QLinearConcat (Y_scale, Y_zero_point, then X, its scale and zero point
for each input) lays the Xs end to end as Concat; QLinearSoftmax (X, X_scale, x_zero_point, y_scale,
y_zero_point) normalises as the Softmax of its `opset` attribute; QLinearWhere (condition, X, x_scale,
x_zero_point, Y, y_scale, y_zero_point, z_scale, z_zero_point) chooses as Where, the three broadcasting.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import ACTIVATION, CONVOLUTION, ELEMENTWISE, INNER_PRODUCT, MERGE, POOLING, fmt_shape
from . import conv, inner, merge
from .axes import canonical
from .elementwise import _arithmetic_params as arithmetic_params, _softmax_deps, broadcast, broadcast_deps
from .node import ALREADY, node, register


def _quantize(ctx):
    """(x's shape, axis, block size) once the scale and zero point are checked against x."""
    o = node(ctx)
    o.need_inputs(2, 3)
    x = o.data(0, "x")
    axis, block = o.attr("axis", 1), o.attr("block_size", 0)
    # (the axis matters only to a scale per axis or per block: a per-tensor one may leave it out of range)
    axis = axis % len(x) if -len(x) <= axis < len(x) else None
    for i, what in ((1, "scale"), (2, "zero point")):
        s = o.shape(i)
        if s is None or not s or None in s or None in x or (len(s) == 1 and s[0] == 1 and not block):
            continue
        if axis is None:
            canonical(o, o.attr("axis", 1), len(x))
        want = [-(-d // block) if a == axis else d for a, d in enumerate(x)] if block else [x[axis]]
        if list(s) != want:
            o.fail(f"{what} {fmt_shape(s)} is neither a scalar nor {fmt_shape(want)} for x {fmt_shape(x)}"
                   f" (axis {axis}, block_size {block})")
    return x, axis, block


def _quantize_shape(ctx):
    return [list(_quantize(ctx)[0])]


def _quantize_deps(ctx):
    o = node(ctx)
    x, axis, block = _quantize(ctx)
    deps = {a: [(o.bottom(0), a, IDENTITY)] for a in range(len(x))}
    for i in (1, 2):
        if not o.is_data(i):
            continue
        s = o.shape(i)
        if len(s) == 1 and not block and axis is not None:
            deps[axis].append((o.bottom(i), 0, IDENTITY if s[0] == x[axis] else Whole(1)))
        elif block and len(s) == len(x):
            for a in range(len(x)):
                if a != axis:
                    deps[a].append((o.bottom(i), a, IDENTITY))
            o.unknown(f"its {'scale' if i == 1 else 'zero point'} is a blob read in blocks of {block} along axis "
                      f"{axis}, which no field says: that axis has none")
            deps.pop(axis, None)
    return [deps]


def _dynamic_shape(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    if ctx.ntops > 3:
        o.fail(f"makes {ctx.ntops} outputs (y, y_scale, y_zero_point)")
    return [list(o.data(0, "x")), [], []][:ctx.ntops]


def _dynamic_deps(ctx):
    x = ctx.bottoms[0]
    return [{a: [(0, a, Whole(d))] for a, d in enumerate(x)}, {}, {}][:ctx.ntops]


QUANTIZE = ("axis", "block_size", "output_dtype", "precision", "saturate")
register("onnx.QuantizeLinear", ACTIVATION, reads=QUANTIZE, shape=_quantize_shape, deps=_quantize_deps,
         no_onnx=ALREADY)
register("onnx.DequantizeLinear", ACTIVATION, reads=("axis", "block_size", "output_dtype"), shape=_quantize_shape,
         deps=_quantize_deps,
         no_onnx=ALREADY)
register("onnx.DynamicQuantizeLinear", ACTIVATION, shape=_dynamic_shape, deps=_dynamic_deps, no_onnx=ALREADY,
         not_features={1: "holds the scale", 2: "holds the zero point"})

CONV = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")
register("onnx.ConvInteger", CONVOLUTION, reads=CONV, shape=conv._shape, deps=conv._deps, params=conv._params,
         macc=conv._macc, no_onnx=ALREADY)
register("onnx.QLinearConv", CONVOLUTION, reads=CONV, shape=conv._shape, deps=conv._deps, params=conv._params,
         macc=conv._macc, no_onnx=ALREADY)
register("onnx.MatMulInteger", INNER_PRODUCT, shape=inner._matmul_shape, deps=inner._matmul_deps,
         params=inner._matmul_params, macc=inner._matmul_macc, no_onnx=ALREADY)
register("onnx.QLinearMatMul", INNER_PRODUCT, shape=inner._matmul_shape, deps=inner._matmul_deps,
         params=inner._matmul_params, macc=inner._matmul_macc, no_onnx=ALREADY)


def _qlinear_binary_shape(ctx):
    o = node(ctx)
    o.need_inputs(7, 8)
    return [broadcast(o, [o.shape(0), o.shape(3)])]


def _qlinear_unary_shape(ctx):
    o = node(ctx)
    o.need_inputs(4, 5)
    return [list(o.data(0, "X"))]


register("onnx.com.microsoft.QLinearAdd", MERGE, shape=_qlinear_binary_shape, deps=broadcast_deps,
         params=arithmetic_params, no_onnx=ALREADY)
register("onnx.com.microsoft.QLinearMul", MERGE, shape=_qlinear_binary_shape, deps=broadcast_deps,
         params=arithmetic_params, no_onnx=ALREADY)
register("onnx.com.microsoft.QLinearSigmoid", ACTIVATION, shape=_qlinear_unary_shape, no_onnx=ALREADY)
register("onnx.com.microsoft.QLinearLeakyRelu", ACTIVATION, reads=("alpha",), shape=_qlinear_unary_shape,
         no_onnx=ALREADY)


def _global_pool(ctx):
    """(X's shape, its channel axis)."""
    o = node(ctx)
    o.need_inputs(5, 5)
    x = o.spatial("pools")
    return x, len(x) - 1 if o.attr("channels_last", 0) else 1


def _global_pool_shape(ctx):
    x, c = _global_pool(ctx)
    return [[d if a in (0, c) else 1 for a, d in enumerate(x)]]


def _global_pool_deps(ctx):
    x, c = _global_pool(ctx)
    return [{a: [(0, a, IDENTITY if a in (0, c) else Whole(d))] for a, d in enumerate(x)}]


register("onnx.com.microsoft.QLinearGlobalAveragePool", POOLING, reads=("channels_last",), shape=_global_pool_shape,
         deps=_global_pool_deps, no_onnx=ALREADY)
register("onnx.com.microsoft.QGemm", INNER_PRODUCT, reads=("alpha", "transA", "transB"), shape=inner._shape,
         deps=inner._deps, params=inner._params, macc=inner._macc, no_onnx=ALREADY)


def _average_pool(ctx):
    """(X's shape, its first spatial axis, each spatial axis's conv.Axis)."""
    o = node(ctx)
    o.need_inputs(5, 5)
    x = o.spatial("pools")
    first = 1 if o.attr("channels_last", 0) else 2
    kernel = o.attr("kernel_shape", kind=list)
    if kernel is None or len(kernel) != len(x) - 2:
        o.fail(f"kernel_shape {kernel} does not give one size per spatial axis of X {fmt_shape(x)}")
    return x, first, conv.windows(o, x[first:first + len(kernel)], kernel, ceil=bool(o.attr("ceil_mode", 0)))


def _average_pool_shape(ctx):
    x, first, axes = ctx.once("onnx.qpool", _average_pool)
    out = list(x)
    out[first:first + len(axes)] = [a.out for a in axes]
    return [out]


def _average_pool_deps(ctx):
    x, first, axes = ctx.once("onnx.qpool", _average_pool)
    deps = {a: [(0, a, IDENTITY)] for a in range(len(x))}
    deps.update({first + i: [(0, first + i, a.window)] for i, a in enumerate(axes)})
    return [deps]


register("onnx.com.microsoft.QLinearAveragePool", POOLING,
         reads=("auto_pad", "ceil_mode", "channels_last", "count_include_pad", "kernel_shape", "pads", "strides"),
         shape=_average_pool_shape, deps=_average_pool_deps, no_onnx=ALREADY)


def _concat_inputs(ctx):
    o = node(ctx)
    if o.n < 5 or (o.n - 2) % 3:
        o.fail(f"has {o.n} inputs, not Y_scale, Y_zero_point and a tensor, scale and zero point for each input")
    return range(2, o.n, 3)


def _concat_params(ctx):
    o = node(ctx)
    return o.weights(*(i for i in _concat_inputs(ctx) if o.learnt(i)))


register("onnx.com.microsoft.QLinearConcat", MERGE, reads=("axis",),
         shape=lambda ctx: merge._shape(ctx, _concat_inputs(ctx)),
         deps=lambda ctx: merge._deps(ctx, _concat_inputs(ctx)), params=_concat_params, no_onnx=ALREADY)


def _softmax_opset(ctx):
    opset = node(ctx).attr("opset", kind=int)
    if opset is None:
        node(ctx).fail("has no opset attribute, which says how its axis reads")
    return opset


register("onnx.com.microsoft.QLinearSoftmax", ELEMENTWISE, reads=("axis", "opset"), shape=_qlinear_unary_shape,
         deps=lambda ctx: _softmax_deps(ctx, _softmax_opset(ctx)), no_onnx=ALREADY)


def _qlinear_where_shape(ctx):
    o = node(ctx)
    o.need_inputs(9, 9)
    return [broadcast(o, [o.shape(0), o.shape(1), o.shape(4)])]


register("onnx.com.microsoft.QLinearWhere", MERGE, shape=_qlinear_where_shape, deps=broadcast_deps, no_onnx=ALREADY)

"""Elementwise activations, math, comparisons and logic on data (onnx/docs/Operators.md, Changelog.md).

One input, the output of its shape, each position reading its own: Elu-6/22, Selu-6/22, Celu-12,
Softplus-1/22, Softsign-1/22, Gelu-20, Mish-18/22, ThresholdedRelu-10/22, Erf-9/13, Exp, Log, Sqrt, Neg,
Abs, Reciprocal, Floor, Ceil (-6/13), Round-11/22, Sign-9/13, Not-1, IsNaN-9/13/20, IsInf-10/20, and
Cast-6/9/13/19/21 (the element type changes, the shape does not). As Caffe's ELU, AbsVal, Exp, Log and
Power, none of them learns or multiplies.

Pow-7/12/13/15, Equal, Greater, Less, GreaterOrEqual, LessOrEqual, And, Or, Xor (-7 on), Mod-10/13 (fmod
picks C's or Python's sign), Where-9/16 (condition, X, Y): numpy broadcasting of every input, as Add
(elementwise.py); an exponent, a threshold, a divisor or a mask among the inputs is no weight.

CastLike-15/19/21 (input, target_type): input's shape, in target_type's element type; target_type's values
are never read, so no field flows from it (PyTorch's dynamo exporter writes it around every constant). Its
input is often a constant cast like a blob (onnx's own function bodies, as LayerNormalization's, do so): the
output is that constant's shape, and no position of the net reaches it.
"""

from ..registry import ACTIVATION, ELEMENTWISE, MERGE
from .elementwise import _unary as unary, broadcast, broadcast_deps
from .axes import moved
from .node import ALREADY, NUMPY_ONLY, node, register


def _cast_like_shape(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    shape = o.shape(0)
    return [None if shape is None else list(shape)]


def _cast_like_deps(ctx):
    if not node(ctx).is_data(0):
        return [{}]  # (bottom 0 is then target_type, whose values are not read)
    return moved({a: a for a in range(len(ctx.tops[0]))})


def _broadcast_shape(ctx):
    o = node(ctx)
    n = 3 if o.op == "Where" else 2
    o.need_inputs(n, n)
    return [broadcast(o, [o.shape(i) for i in range(o.n)])]


# The binary ops of opset 1 (axis, broadcast) on: numpy broadcasting.
_BINARY = dict(reads=("axis",), defaults=NUMPY_ONLY, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)

register("onnx.Elu", ACTIVATION, reads=("alpha", "consumed_inputs"), shape=unary, no_onnx=ALREADY)
register("onnx.Selu", ACTIVATION, reads=("alpha", "consumed_inputs", "gamma"), shape=unary, no_onnx=ALREADY)
register("onnx.Celu", ACTIVATION, reads=("alpha",), shape=unary, no_onnx=ALREADY)
register("onnx.Softplus", ACTIVATION, shape=unary, no_onnx=ALREADY)
register("onnx.Softsign", ACTIVATION, shape=unary, no_onnx=ALREADY)
register("onnx.Gelu", ACTIVATION, reads=("approximate",), shape=unary, no_onnx=ALREADY)
register("onnx.Mish", ACTIVATION, shape=unary, no_onnx=ALREADY)
register("onnx.ThresholdedRelu", ACTIVATION, reads=("alpha",), shape=unary, no_onnx=ALREADY)
register("onnx.Erf", ELEMENTWISE, shape=unary, no_onnx=ALREADY)
register("onnx.Exp", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Log", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Sqrt", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Neg", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Abs", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Reciprocal", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Floor", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Ceil", ELEMENTWISE, reads=("consumed_inputs",), shape=unary, no_onnx=ALREADY)
register("onnx.Round", ELEMENTWISE, shape=unary, no_onnx=ALREADY)
register("onnx.Sign", ELEMENTWISE, shape=unary, no_onnx=ALREADY)
register("onnx.IsNaN", ELEMENTWISE, shape=unary, no_onnx=ALREADY)
register("onnx.IsInf", ELEMENTWISE, reads=("detect_negative", "detect_positive"), shape=unary, no_onnx=ALREADY)
register("onnx.Cast", ELEMENTWISE, reads=("round_mode", "saturate", "to"), shape=unary, no_onnx=ALREADY)
register("onnx.Not", ELEMENTWISE, shape=unary, no_onnx=ALREADY)
register("onnx.Pow", MERGE, **_BINARY)
register("onnx.Equal", MERGE, **_BINARY)
register("onnx.Greater", MERGE, **_BINARY)
register("onnx.Less", MERGE, **_BINARY)
register("onnx.GreaterOrEqual", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.LessOrEqual", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.And", MERGE, **_BINARY)
register("onnx.Or", MERGE, **_BINARY)
register("onnx.Xor", MERGE, **_BINARY)
register("onnx.Where", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Mod", MERGE, reads=("fmod",), shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.CastLike", ELEMENTWISE, reads=("round_mode", "saturate"), shape=_cast_like_shape, deps=_cast_like_deps,
         no_onnx=ALREADY)

"""Elementwise activations, math, comparisons and logic on data (onnx/docs/Operators.md, Changelog.md).

One input, the output of its shape, each position reading its own: Elu-6/22, Selu-6/22, Celu-12,
Softplus-1/22, Softsign-1/22, Gelu-20, Mish-18/22, ThresholdedRelu-10/22, Erf-9/13, Exp, Log, Sqrt, Neg,
Abs, Reciprocal, Floor, Ceil (-6/13), Round-11/22, Sign-9/13, Not-1, IsNaN-9/13/20, IsInf-10/20, and
Cast-6/9/13/19/21 (the element type changes, the shape does not). As Caffe's ELU, AbsVal, Exp, Log and
Power, none of them learns or multiplies.

PRelu-7/9/16: Y has X's shape; slope broadcasts to X one way (numpy's rule) and is learnt (Caffe's PReLU
learns its slopes, one shared slope included). Pow-7/12/13/15, Equal, Greater, Less, GreaterOrEqual,
LessOrEqual, And, Or, Xor (-7 on), Where-9/16 (condition, X, Y): numpy broadcasting of every input, as Add
(elementwise.py); an exponent, a threshold or a mask among the inputs is no weight.
"""

from ..registry import ACTIVATION, ELEMENTWISE, MERGE, fmt_shape, register
from .elementwise import broadcast, broadcast_deps
from .node import ALREADY, node


def _unary(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    return [list(o.data(0))]


def _broadcast_shape(ctx):
    o = node(ctx)
    n = 3 if o.op == "Where" else 2
    o.need_inputs(n, n)
    return [broadcast(o, [o.shape(i) for i in range(o.n)])]


def _prelu_shape(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    x, slope = o.data(0, "X"), o.shape(1)
    if slope is not None and broadcast(o, [x, slope]) != list(x):
        o.fail(f"slope {fmt_shape(slope)} does not broadcast to X {fmt_shape(x)}")
    return [list(x)]


def _slope(ctx):
    o = node(ctx)
    return [] if o.is_data(1) else [o.shape(1)]


register("onnx.Elu", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Selu", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Celu", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Softplus", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Softsign", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Gelu", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.Mish", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.ThresholdedRelu", ACTIVATION, shape=_unary, no_onnx=ALREADY)
register("onnx.PRelu", ACTIVATION, shape=_prelu_shape, deps=broadcast_deps, params=_slope, no_onnx=ALREADY)
register("onnx.Erf", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Exp", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Log", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Sqrt", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Neg", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Abs", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Reciprocal", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Floor", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Ceil", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Round", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Sign", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.IsNaN", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.IsInf", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Cast", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Not", ELEMENTWISE, shape=_unary, no_onnx=ALREADY)
register("onnx.Pow", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Equal", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Greater", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Less", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.GreaterOrEqual", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.LessOrEqual", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.And", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Or", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Xor", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)
register("onnx.Where", MERGE, shape=_broadcast_shape, deps=broadcast_deps, no_onnx=ALREADY)

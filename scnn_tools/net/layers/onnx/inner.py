"""Gemm-13 (onnx/docs/Operators.md): Y = alpha * A' B' + beta * C, A' = A (M x K) or its transpose (transA),
B' = B (K x N) or its transpose (transB), C broadcast to M x N. As Caffe's InnerProduct, each row of A (an
image) costs K x N multiply-adds, and the weights B and the bias C (where initializers) are learnt."""

from ..registry import INNER_PRODUCT, fmt_shape, known, register
from scnn_tools.net.indexmaps import IDENTITY
from .node import ALREADY, node


def _geometry(ctx):
    o = node(ctx)
    o.need_inputs(2, 3)
    a, b = o.shape(0), o.shape(1)
    if a is None or b is None:
        return None
    if len(a) != 2 or len(b) != 2:
        o.fail(f"multiplies 2-axis matrices, A is {fmt_shape(a)} and B {fmt_shape(b)}")
    m, k = a[::-1] if o.attr("transA", 0) else a
    kb, n = b[::-1] if o.attr("transB", 0) else b
    if known(k, kb) and k != kb:
        o.fail(f"A {fmt_shape(a)} and B {fmt_shape(b)} do not multiply (transA {o.attr('transA', 0)}, "
               f"transB {o.attr('transB', 0)})")
    return m, k, n


def _shape(ctx):
    g = _geometry(ctx)
    return [None if g is None else [g[0], g[2]]]


def _deps(ctx):
    o = node(ctx)
    # Each output row reads its own row of A (A's axis 0 unless transposed) and everything else whole.
    if o.is_data(0) and not o.attr("transA", 0):
        return [{0: [(o.bottom(0), 0, IDENTITY)]}]
    return [{}]


def _params(ctx):
    o = node(ctx)
    return [o.shape(i) for i in (1, 2) if o.present(i) and not o.is_data(i)]


def _macc(ctx, tops):
    g = _geometry(ctx)
    if g is None or node(ctx).attr("transA", 0) or not known(g[1], g[2]):
        return None  # (per image needs A's rows to be the images)
    return g[1] * g[2]


register("onnx.Gemm", INNER_PRODUCT, shape=_shape, deps=_deps, params=_params, macc=_macc, no_onnx=ALREADY)

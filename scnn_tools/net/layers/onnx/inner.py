"""Gemm-13 and MatMul-13 (onnx/docs/Operators.md). Gemm: Y = alpha * A' B' + beta * C, A' = A (M x K) or its transpose (transA),
B' = B (K x N) or its transpose (transB), C broadcast to M x N. As Caffe's InnerProduct, each row of A (an
image) costs K x N multiply-adds, and the weights B and the bias C (where initializers) are learnt."""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import INNER_PRODUCT, fmt_shape, known, product, register
from .elementwise import broadcast
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
    return node(ctx).weights(1, 2)


def _macc(ctx, tops):
    g = _geometry(ctx)
    if g is None or node(ctx).attr("transA", 0) or not known(g[1], g[2]):
        return None  # (per image needs A's rows to be the images)
    return g[1] * g[2]


register("onnx.Gemm", INNER_PRODUCT, shape=_shape, deps=_deps, params=_params, macc=_macc, no_onnx=ALREADY)


# MatMul-13: numpy's matmul. A 1-D A is a row (1 x K), a 1-D B a column (K x 1), that axis then dropped; the
# axes before the last two broadcast. Each output value sums K products; per image (the output's axis 0, as
# Caffe's InnerProduct counts per item of it) that is K times the values after axis 0. B, where an
# initializer, is learnt.
def _matmul(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    a, b = o.shape(0), o.shape(1)
    if a is None or b is None:
        return None
    if not a or not b:
        o.fail(f"multiplies blobs of at least one axis, A is {fmt_shape(a)} and B {fmt_shape(b)}")
    a2, b2 = ([1] + list(a) if len(a) == 1 else list(a)), (list(b) + [1] if len(b) == 1 else list(b))
    if known(a2[-1], b2[-2]) and a2[-1] != b2[-2]:
        o.fail(f"A {fmt_shape(a)} and B {fmt_shape(b)} do not multiply")
    out = broadcast(o, [a2[:-2], b2[:-2]]) + [a2[-2], b2[-1]]
    if len(a) == 1:
        del out[-2]
    if len(b) == 1:
        del out[-1]
    return a2[-1], out


def _matmul_shape(ctx):
    g = _matmul(ctx)
    return [None if g is None else g[1]]


def _matmul_deps(ctx):
    # The batch axes read their own positions (a broadcast size-1 axis its one position), the row axis A's
    # rows; the last axis mixes a whole row of A with a column of B: no position of its own.
    o = node(ctx)
    top = ctx.tops[0]
    deps = {}
    for i in (0, 1):
        b = o.bottom(i)
        if b is None:
            continue
        shape = ctx.bottoms[b]
        for k in range(len(shape) - 2):
            t = len(top) - len(shape) + k
            deps.setdefault(t, []).append((b, k, IDENTITY if shape[k] == top[t] else Whole(1)))
        if i == 0 and len(shape) >= 2 and len(o.shape(1)) >= 2:
            deps.setdefault(len(top) - 2, []).append((b, len(shape) - 2, IDENTITY))
    return [deps]


def _matmul_params(ctx):
    o = node(ctx)
    return o.weights(*(i for i in (0, 1) if o.learnt(i)))


def _matmul_macc(ctx, tops):
    g = _matmul(ctx)
    if g is None or not tops or not tops[0]:
        return None
    k = g[0]
    values = product(tops[0][1:]) if len(tops[0]) > 1 else 1
    return None if not known(k, values) else k * values


register("onnx.MatMul", INNER_PRODUCT, shape=_matmul_shape, deps=_matmul_deps, params=_matmul_params,
         macc=_matmul_macc, no_onnx=ALREADY)

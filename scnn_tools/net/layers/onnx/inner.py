"""Gemm-13 and MatMul-13 (onnx/docs/Operators.md). Gemm: Y = alpha * A' B' + beta * C, A' = A (M x K) or its
transpose (transA), B' = B (K x N) or its transpose (transB), C broadcast to M x N. As Caffe's InnerProduct,
each row of A (an image) costs K x N multiply-adds, and the weights B and the bias C (where initializers) are learnt."""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import INNER_PRODUCT, fmt_shape, known, product
from .elementwise import broadcast
from .node import ALREADY, node, register


# Where Gemm-13 and com.microsoft's QGemm (onnxruntime docs/ContribOperators.md: A, a_scale, a_zero_point, B,
# b_scale, b_zero_point, C, y_scale, y_zero_point, with Gemm's alpha, transA, transB) have A, B and C, and how many
# inputs each takes.
GEMMS = {"Gemm": (0, 1, 2, 2, 3), "QGemm": (0, 3, 6, 6, 9)}


def _geometry(ctx):
    o = node(ctx)
    a_at, b_at, _, low, high = GEMMS[o.op]
    o.need_inputs(low, high)
    a, b = o.shape(a_at), o.shape(b_at)
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
    return o.weights(*GEMMS[o.op][1:3])


def _macc(ctx, tops):
    g = _geometry(ctx)
    if g is None or node(ctx).attr("transA", 0) or not known(g[1], g[2]):
        return None  # (per image needs A's rows to be the images)
    return g[1] * g[2]


register("onnx.Gemm", INNER_PRODUCT, reads=("alpha", "beta", "broadcast", "transA", "transB"), shape=_shape, deps=_deps,
         params=_params, macc=_macc, no_onnx=ALREADY)


# MatMul-13: numpy's matmul. A 1-D A is a row (1 x K), a 1-D B a column (K x 1), that axis then dropped; the
# axes before the last two broadcast. Each output value sums K products; per image (the output's axis 0, as
# Caffe's InnerProduct counts per item of it) that is K times the values after axis 0. An operand that is no
# data blob is learnt. MatMulInteger-10 and QLinearMatMul-10/21 multiply as MatMul; OPERANDS gives where A and B
# are among their inputs and how many inputs each takes (the scales and zero points sit between).
OPERANDS = {"MatMul": (0, 1, 2, 2), "MatMulInteger": (0, 1, 2, 4), "QLinearMatMul": (0, 3, 8, 8)}


def _matmul(ctx):
    o = node(ctx)
    a_at, b_at, low, high = OPERANDS[o.op]
    o.need_inputs(low, high)
    a, b = o.shape(a_at), o.shape(b_at)
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
    # Output position m reads row m of A and the whole of B's K axis, position n column n of B and the whole
    # of A's K axis (each value sums a whole row times a whole column: A's K is read whole along the output's
    # column axis, B's along its row axis, or along the input's own axis where the other input is 1-D and
    # that axis is gone); the batch axes read their own positions (a broadcast size-1 axis its one position).
    o = node(ctx)
    operands = OPERANDS[o.op][:2]
    a, b = (o.shape(i) for i in operands)
    k, out = _matmul(ctx)
    batch = len(out) - (len(a) > 1) - (len(b) > 1)
    row = batch if len(a) > 1 else None
    col = len(out) - 1 if len(b) > 1 else None
    deps = {t: [] for t in range(len(out))}
    for i, shape, own, across in ((0, a, row, col), (1, b, col, row)):
        bottom = o.bottom(operands[i])
        if bottom is None:
            continue
        n = len(shape)
        first = max(n - 2, 0)  # (its batch axes are those before)
        for t, ba in ((t, t - batch + first) for t in range(batch)):
            if ba >= 0:
                deps[t].append((bottom, ba, IDENTITY if shape[ba] == out[t] else Whole(1)))
        own_axis, k_axis = (n - 2, n - 1) if i == 0 else (n - 1, first)
        if own is not None:
            deps[own].append((bottom, own_axis, IDENTITY))
        target = across if across is not None else own
        if target is not None:
            deps[target].append((bottom, k_axis, Whole(k)))
    return [deps]


def _matmul_params(ctx):
    # Any operand that is no data blob, as Gemm's and Conv's weights: the legacy exporter's MultiheadAttention
    # slices its in_proj_weight (a Slice the reader folds), which is no initializer any more but still learnt.
    o = node(ctx)
    return o.weights(*OPERANDS[o.op][:2])


def _matmul_macc(ctx, tops):
    g = _matmul(ctx)
    if g is None or not tops or not tops[0]:
        return None
    k = g[0]
    values = product(tops[0][1:]) if len(tops[0]) > 1 else 1
    return None if not known(k, values) else k * values


register("onnx.MatMul", INNER_PRODUCT, shape=_matmul_shape, deps=_matmul_deps, params=_matmul_params, macc=_matmul_macc,
         no_onnx=ALREADY)

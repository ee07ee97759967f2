"""MatMul-1/9/13 (onnx/docs/Operators.md: "behaves like numpy.matmul"): A (..., M, K) times B (..., K, N) is
(..., M, N), the axes before the last two broadcast both ways (numpy's rule); a 1-D A is one row (its M
dropped from the output), a 1-D B one column (its N dropped).

Fields: output position m reads row m of A and the whole of B's K axis, position n column n of B and the
whole of A's K axis (an output holds the products of a whole row and a whole column); the broadcast axes as
Add's. Learnt: an input that is an initializer or a constant (a Linear layer's weights), not a computed
blob. Multiply-adds: K for every output value (as Caffe's InnerProduct and Gemm count), two blobs multiplied
(attention) as much as a blob and a weight.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import INNER_PRODUCT, fmt_shape, known, product, register
from .elementwise import broadcast
from .node import ALREADY, node


def _geometry(ctx):
    """(A, B, K, output), or None where an input's shape is not known."""
    o = node(ctx)
    o.need_inputs(2, 2)
    a, b = o.shape(0), o.shape(1)
    if a is None or b is None:
        return None
    if not a or not b:
        o.fail(f"multiplies blobs of at least one axis, A is {fmt_shape(a)} and B {fmt_shape(b)}")
    k, kb = a[-1], b[0] if len(b) == 1 else b[-2]
    if known(k, kb) and k != kb:
        o.fail(f"A {fmt_shape(a)} has {k} columns, B {fmt_shape(b)} {kb} rows")
    out = broadcast(o, [a[:-2], b[:-2]]) + a[-2:-1] + b[-1:] * (len(b) > 1)
    return a, b, k if k is not None else kb, out


def _shape(ctx):
    g = _geometry(ctx)
    return [None if g is None else g[3]]


def _deps(ctx):
    o = node(ctx)
    a, b, k, out = _geometry(ctx)
    batch = len(out) - (len(a) > 1) - (len(b) > 1)
    row = batch if len(a) > 1 else None
    col = len(out) - 1 if len(b) > 1 else None
    deps = {t: [] for t in range(len(out))}
    # (own axis and K axis of each input; its K is read whole along the other input's output axis, or
    # along its own where the other is 1-D)
    for i, shape, own, across in ((0, a, row, col), (1, b, col, row)):
        bottom = o.bottom(i)
        if bottom is None:
            continue
        n = len(shape)
        first = max(n - 2, 0)  # (its batch axes are those before)
        for t in range(batch):
            ba = t - batch + first
            if ba >= 0:
                deps[t].append((bottom, ba, IDENTITY if shape[ba] == out[t] else Whole(1)))
        own_axis, k_axis = (n - 2, n - 1) if i == 0 else (n - 1, max(n - 2, 0))
        if own is not None:
            deps[own].append((bottom, own_axis, IDENTITY))
        target = across if across is not None else own
        if target is not None:
            deps[target].append((bottom, k_axis, Whole(k)))
    return [deps]


def _params(ctx):
    o = node(ctx)
    return [o.shape(i) for i in (0, 1) if not o.is_data(i)]


def _macc(ctx, tops):
    # Per item of the output's first axis, as every rule counts (the engine shares that axis among the
    # images); a single value (two vectors) counts per item of the first bottom, which has K.
    a, b, k, out = _geometry(ctx)
    if not out:
        return 1
    values = product(out[1:])
    return None if not known(values, k) else values * k


register("onnx.MatMul", INNER_PRODUCT, shape=_shape, deps=_deps, params=_params, macc=_macc, no_onnx=ALREADY)

"""RMSNormalization-23, RotaryEmbedding-23 and Attention-23 (onnx/docs/Operators.md): the transformer operators
of opset 23.

RMSNormalization (X, scale): X divided by the root mean square over axes `axis` (default -1) to the last, times
scale, which broadcasts to X and is learnt: as LayerNormalization without B or a mean (norm.py's fields).

RotaryEmbedding (X, cos_cache, sin_cache, position_ids): X of (batch, num_heads, seq, head_size) or (batch,
seq, hidden) with the num_heads attribute; Y has X's shape. Each feature of the first rotary_embedding_dim
(default head_size) is rotated with its partner half a rotary dim away (or its neighbour, `interleaved`), which
no window says: the feature axis has no field; the others read their own position. The caches are
computed tables, not weights; elementwise products are not counted (as Caffe's rules do not).

Attention: Q (batch, q_num_heads, q_seq, head_size), K (batch, kv_num_heads, kv_seq, head_size), V (batch,
kv_num_heads, kv_seq, v_head_size), or 3-D (batch, seq, heads x size) with the q_num_heads and kv_num_heads
attributes; past_key / past_value (batch, kv_num_heads, past_seq, ...) put total_seq = past_seq + kv_seq keys
before each query. Y is (batch, q_num_heads, q_seq, v_head_size), 3-D (batch, q_seq, q_num_heads x
v_head_size); present_key / present_value (batch, kv_num_heads, total_seq, head_size / v_head_size);
qk_matmul_output (batch, q_num_heads, q_seq, total_seq). Attention-24's nonpad_kv_seqlen and Attention-25's
left_window_size / right_window_size mask keys out, changing no shape. Its multiply-adds are its two products, as MatMul
counts them: Q K^T, head_size per score, and the scores times V, total_seq per output value: per batch item
q_num_heads x q_seq x total_seq x (head_size + v_head_size). Fields: each output reads its own batch item; a
query reads every key (or those a mask or is_causal leave it) and a grouped head its group's key head, which
per-axis fields do not say: only the batch axis has one.
"""

from scnn_tools.net.indexmaps import IDENTITY
from ..registry import ELEMENTWISE, INNER_PRODUCT, NORMALISATION, fmt_shape, known
from .axes import canonical
from .elementwise import _learnt as learnt, broadcast, broadcast_deps
from .node import ALREADY, node, register
from .norm import _over


# ------------------------------------------------------------------ RMSNormalization
def _rms_axis(ctx):
    o = node(ctx)
    o.need_inputs(2, 2)
    x = o.data(0, "X")
    scale = o.shape(1)
    if scale is not None and broadcast(o, [x, scale]) != list(x):
        o.fail(f"scale {fmt_shape(scale)} does not broadcast to X {fmt_shape(x)}")
    return x, canonical(o, o.attr("axis", -1), len(x))


def _rms_shape(ctx):
    return [list(_rms_axis(ctx)[0])]


def _rms_deps(ctx):
    x, axis = _rms_axis(ctx)
    return [_over(ctx, range(axis, len(x)), broadcast_deps(ctx)[0])]


register("onnx.RMSNormalization", NORMALISATION, reads=("axis", "epsilon", "stash_type"), shape=_rms_shape,
         deps=_rms_deps, params=learnt(1), no_onnx=ALREADY)


# ------------------------------------------------------------------ RotaryEmbedding
def _rotary_shape(ctx):
    o = node(ctx)
    o.need_inputs(3, 4)
    x = o.data(0, "X")
    heads = o.attr("num_heads", 0)
    if len(x) not in (3, 4) or (len(x) == 3 and (heads < 1 or (known(x[2]) and x[2] % heads))):
        o.fail(f"rotates (batch, heads, seq, head_size) or (batch, seq, hidden) with num_heads dividing hidden, "
               f"X is {fmt_shape(x)} with num_heads {heads}")
    return [list(x)]


def _rotary_deps(ctx):
    x = ctx.bottoms[0]
    node(ctx).unknown("each feature is rotated with its partner half a rotary dimension away (or its neighbour), "
                      "which no window says: the feature axis has no field")
    return [{a: [(0, a, IDENTITY)] for a in range(len(x) - 1)}]


register("onnx.RotaryEmbedding", ELEMENTWISE, reads=("interleaved", "num_heads", "rotary_embedding_dim"),
         shape=_rotary_shape, deps=_rotary_deps, no_onnx=ALREADY)


# ------------------------------------------------------------------ Attention
def _geometry(ctx):
    return ctx.once("onnx.attention", _attention)


def _heads(o, shape, heads, what):
    """(batch, heads, seq, size) of a 4-D input, or of a 3-D one split into `heads` heads."""
    if len(shape) == 4:
        return list(shape)
    if len(shape) != 3 or not heads or heads < 1 or (known(shape[2]) and shape[2] % heads):
        o.fail(f"{what} {fmt_shape(shape)} is neither 4-D nor 3-D with its heads given (q_num_heads, kv_num_heads)")
    return [shape[0], heads, shape[1], None if shape[2] is None else shape[2] // heads]


def _attention(ctx):
    """(3-D or not, batch, q heads, q seq, head size, kv heads, total seq, v head size), or None where Q, K or V
    is unknown."""
    o = node(ctx)
    shapes = o.known_shapes(3, 7)
    if shapes is None:
        return None
    q, k, v = shapes
    flat = len(q) == 3
    if len({len(q), len(k), len(v)}) != 1:
        o.fail(f"Q {fmt_shape(q)}, K {fmt_shape(k)} and V {fmt_shape(v)} are not all 3-D or all 4-D")
    qh, kvh = o.attr("q_num_heads", 0), o.attr("kv_num_heads", 0)
    q4, k4, v4 = _heads(o, q, qh, "Q"), _heads(o, k, kvh, "K"), _heads(o, v, kvh, "V")
    past = o.shape(4)
    past_seq = 0 if past is None else past[2] if len(past) == 4 else o.fail(f"past_key {fmt_shape(past)} is not 4-D")
    total = None if past_seq is None or k4[2] is None else past_seq + k4[2]
    groups_ok = not known(q4[1], k4[1]) or (k4[1] and q4[1] % k4[1] == 0)
    if not groups_ok or any(known(a, b) and a != b for a, b in ((q4[0], k4[0]), (k4[0], v4[0]), (q4[3], k4[3]),
                                                                  (k4[1], v4[1]), (k4[2], v4[2]))):
        o.fail(f"Q {fmt_shape(q)}, K {fmt_shape(k)} and V {fmt_shape(v)} do not attend together (batch, heads "
               "in groups, head size and key length must agree)")
    return flat, q4[0], q4[1], q4[2], q4[3], k4[1], total, v4[3]


def _attention_shape(ctx):
    o = node(ctx)
    g = _geometry(ctx)
    if ctx.ntops > 4:
        o.fail(f"makes {ctx.ntops} outputs")
    if g is None:
        return [None] * ctx.ntops
    flat, batch, qh, qs, hd, kvh, total, vhd = g
    y = [batch, qs, None if not known(qh, vhd) else qh * vhd] if flat else [batch, qh, qs, vhd]
    return [y, [batch, kvh, total, hd], [batch, kvh, total, vhd], [batch, qh, qs, total]][:ctx.ntops]


def _attention_deps(ctx):
    o = node(ctx)
    o.unknown("a query reads every key its mask leaves it, and a grouped head its group's key head, which "
              "per-axis fields do not say: only the batch axis has a field")
    batch = [(o.bottom(i), 0, IDENTITY) for i in (0, 1, 2) if o.is_data(i)]
    return [{0: batch}] * ctx.ntops


def _attention_macc(ctx, tops):
    g = _geometry(ctx)
    if g is None:
        return None
    _, _, qh, qs, hd, _, total, vhd = g
    return qh * qs * total * (hd + vhd) if known(qh, qs, total, hd, vhd) else None


register("onnx.Attention", INNER_PRODUCT,
         reads=("is_causal", "kv_num_heads", "left_window_size", "q_num_heads", "qk_matmul_output_mode",
                "right_window_size", "scale", "softcap", "softmax_precision"),
         shape=_attention_shape, deps=_attention_deps, macc=_attention_macc, no_onnx=ALREADY)

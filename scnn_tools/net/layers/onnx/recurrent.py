"""RNN, GRU and LSTM (onnx/docs/Operators.md, RNN-7/14/22, GRU-7/14/22, LSTM-7/14/22).

Inputs X, W, R, B, sequence_lens, initial_h (LSTM also initial_c, P); G gates a step (RNN 1, GRU 3, LSTM 4),
num_directions 2 where `direction` is bidirectional, else 1. With layout 0 (the default) X is
[seq_length, batch_size, input_size], Y [seq_length, num_directions, batch_size, hidden_size] and Y_h (LSTM's
Y_c too) [num_directions, batch_size, hidden_size]; layout 1 (from opset 14) puts batch_size first: X
[batch_size, seq_length, input_size], Y [batch_size, seq_length, num_directions, hidden_size], Y_h
[batch_size, num_directions, hidden_size]. W is [num_directions, G x hidden_size, input_size], R
[num_directions, G x hidden_size, hidden_size], B [num_directions, 2 x G x hidden_size], P [num_directions,
3 x hidden_size]: the learnt blobs. hidden_size is the attribute, or W's rows / G.

Multiply-adds, from the spec's equations: each step of each direction multiplies X_t by W^T and H_(t-1) by R^T
for every gate: G x hidden_size x (input_size + hidden_size) per batch item (GRU's linear_before_reset moves
where r_t is applied, not the product's size); the Hadamard products (the peepholes P, the gates on C_(t-1)) are
not counted, as Caffe's LSTM rule counts only its inner products (misc.py). Fields: each output reads its own
batch item; along the sequence a step reads every step before it (after it, in reverse), which no window
says: that axis has none, nor have the feature axes (every output reads every input feature).
"""

from scnn_tools.net.indexmaps import IDENTITY
from ..registry import RECURRENT, fmt_shape, known
from .node import ALREADY, node, register

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def _geometry(ctx):
    return ctx.once("onnx.recurrent", _recurrent)


def _recurrent(ctx):
    """(layout, seq_length, batch_size, input_size, num_directions, hidden_size)."""
    o = node(ctx)
    o.need_inputs(3, 8 if o.op == "LSTM" else 6)
    g = GATES[o.op]
    x = o.data(0, "X")
    if len(x) != 3:
        o.fail(f"reads a 3-axis sequence X, not {fmt_shape(x)}")
    layout = o.attr("layout", 0)
    direction = o.attr("direction", "forward")
    if layout not in (0, 1) or direction not in ("forward", "reverse", "bidirectional"):
        o.fail(f"layout {layout} or direction {direction!r} is not one the spec defines")
    seq, batch = (x[0], x[1]) if layout == 0 else (x[1], x[0])
    dirs = 2 if direction == "bidirectional" else 1
    w, r = o.shape(1), o.shape(2)
    hidden = o.attr("hidden_size")
    if hidden is None and w is not None and known(w[1]) and w[1] % g == 0:
        hidden = w[1] // g
    want = {1: [dirs, None if hidden is None else g * hidden, x[2]],
            2: [dirs, None if hidden is None else g * hidden, hidden],
            3: [dirs, None if hidden is None else 2 * g * hidden],
            7: [dirs, None if hidden is None else 3 * hidden]}
    for i, shape in want.items():
        got = o.shape(i)
        if got is not None and (len(got) != len(shape) or any(known(a, b) and a != b for a, b in zip(got, shape))):
            o.fail(f"input {i} {fmt_shape(got)} is not {fmt_shape(shape)} for X {fmt_shape(x)} with "
                   f"{dirs} direction(s) of {g} gate(s)")
    return layout, seq, batch, x[2], dirs, hidden


def _shape(ctx):
    layout, seq, batch, _, dirs, hidden = _geometry(ctx)
    if ctx.ntops > (3 if node(ctx).op == "LSTM" else 2):
        node(ctx).fail(f"makes {ctx.ntops} outputs")
    y = [seq, dirs, batch, hidden] if layout == 0 else [batch, seq, dirs, hidden]
    state = [dirs, batch, hidden] if layout == 0 else [batch, dirs, hidden]
    return [y] + [state] * (ctx.ntops - 1)


def _deps(ctx):
    o = node(ctx)
    layout = _geometry(ctx)[0]
    # (the batch axis of X, of initial_h and initial_c where blobs, and of Y and the states)
    reads = [(o.bottom(0), 1 - layout)] + [(o.bottom(i), 1 - layout) for i in (5, 6) if o.is_data(i)]
    y_axis, state_axis = (2, 1) if layout == 0 else (0, 0)
    return [{y_axis if t == 0 else state_axis: [(b, a, IDENTITY) for b, a in reads]} for t in range(ctx.ntops)]


def _params(ctx):
    o = node(ctx)
    return o.weights(1, 2, 3, *((7,) if o.op == "LSTM" else ()))


def _macc(ctx, tops):
    o = node(ctx)
    _, seq, batch, inputs, dirs, hidden = _geometry(ctx)
    if not known(seq, batch, inputs, hidden) or not tops or not tops[0] or not known(tops[0][0]) or not tops[0][0]:
        return None
    total = seq * batch * dirs * GATES[o.op] * hidden * (inputs + hidden)
    return total // tops[0][0]  # (per item of Y's first axis: seq_length, or batch_size with layout 1)


# (RNN-1's output_sequence says whether Y is written, not its shape)
COMMON = ("activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout",
          "output_sequence")
register("onnx.RNN", RECURRENT, reads=COMMON, shape=_shape, deps=_deps, params=_params, macc=_macc, no_onnx=ALREADY)
register("onnx.GRU", RECURRENT, reads=COMMON + ("linear_before_reset",), shape=_shape, deps=_deps, params=_params,
         macc=_macc, no_onnx=ALREADY)
register("onnx.LSTM", RECURRENT, reads=COMMON + ("input_forget",), shape=_shape, deps=_deps, params=_params,
         macc=_macc, no_onnx=ALREADY)

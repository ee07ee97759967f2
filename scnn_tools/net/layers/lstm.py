"""The forks' "Lstm" (not BVLC's LSTM): one type name and one lstm_param message, two arithmetics.

junhyukoh/caffe-lstm src/caffe/layers/lstm_layer.cpp: N = lstm_param.batch_size, I = count / num,
T = num / N (CHECK num % N == 0), top (T * N, H) = (num, H). senlinuc/caffe_ocr
src/caffe/layers/lstm_layer_Junhyuk.cpp (its copy, rewritten for (T, N, I) blobs): T = shape(0),
N = shape(1), I = shape(2) (a fatal CHECK where the blob has no axis 2), top (T, N, H); batch_size unread.
Both: blobs W_x (4H, I), W_h (4H, H), b (4H), and per step a (N x I) by (I x 4H) and an (N x H) by
(H x 4H) product.

A blob of fewer than 3 axes only junhyukoh's runs. On one of 3 or more they part, and the type's own rule
leaves the top unknown: engine/forks.py reads every Lstm of the file by the fork whose arithmetic runs the
file (caffe_ocr's CRNN files concatenate the two directions on axis 2, which junhyukoh's 2-axis tops lack),
and leaves it unknown, with a warning naming both, where both run it.
"""

from .registry import RECURRENT, alternative, product, register

_NO_ONNX = "not written yet: the forks' Lstm reads a sequence-continuation input ONNX's LSTM lacks"


def _hidden(ctx):
    ctx.need_bottoms(1, 2)
    h = ctx.p.lstm_param.num_output
    if h < 1:
        ctx.fail("lstm_param needs num_output greater than 0")
    return h


def _junhyukoh(ctx):
    """(T * N, I): the rows its products run over, and the input size."""
    shape, n = ctx.bottoms[0], ctx.p.lstm_param.batch_size
    if n < 1:
        ctx.fail("lstm_param.batch_size must be positive (junhyukoh/caffe-lstm divides by it)")
    if shape and shape[0] is not None and shape[0] % n:
        ctx.fail(f"its bottom's {shape[0]} items are not a multiple of batch_size {n} (\"Input size should be "
                 "multiple of batch size\")")
    return shape[0] if shape else 1, product(shape[1:])


def _caffe_ocr(ctx):
    shape = ctx.bottoms[0]
    if len(shape) < 3:
        ctx.fail(f"caffe_ocr's Lstm reads its bottom's axis 2 (T x N x I), which {len(shape)}-axis blobs lack")
    return shape[0], shape[1], shape[2]


def _shape(ctx):
    _hidden(ctx)
    if len(ctx.bottoms[0]) >= 3:
        return [None] * ctx.ntops  # the forks part: engine/forks.py chooses where the file says
    return _junhyukoh_shape(ctx)


def _junhyukoh_shape(ctx):
    h = _hidden(ctx)
    return [[_junhyukoh(ctx)[0], h]]


def _caffe_ocr_shape(ctx):
    h = _hidden(ctx)
    t, n, _ = _caffe_ocr(ctx)
    return [[t, n, h]]


def _params(input_size):
    def params(ctx):
        h = _hidden(ctx)
        return [[4 * h, input_size(ctx)], [4 * h, h], [4 * h]]
    return params


def _macc(rows_and_input):
    def macc(ctx, tops):
        # Per item of the first axis, as every rule counts: its rows' input and hidden products.
        h = _hidden(ctx)
        first, rows, i = rows_and_input(ctx)
        if None in (first, rows, i):
            return None
        total = rows * 4 * h * (i + h)
        return total // first if total % first == 0 else total / first
    return macc


def _junhyukoh_rows(ctx):
    rows, i = _junhyukoh(ctx)
    return rows, rows, i


def _caffe_ocr_rows(ctx):
    t, n, i = _caffe_ocr(ctx)
    return t, None if None in (t, n) else t * n, i


def _none(ctx):
    return [{}] * ctx.ntops  # a sequence, not positions of the image


def _lstm_rows(ctx):
    return _junhyukoh_rows(ctx) if len(ctx.bottoms[0]) < 3 else (None, None, None)


register("Lstm", RECURRENT, shape=_shape, deps=_none, params=_params(lambda ctx: _lstm_rows(ctx)[2]),
         macc=_macc(_lstm_rows), no_onnx=_NO_ONNX)
register("Lstm.junhyukoh", RECURRENT, shape=_junhyukoh_shape, deps=_none,
         params=_params(lambda ctx: _junhyukoh(ctx)[1]), macc=_macc(_junhyukoh_rows), no_onnx=_NO_ONNX)
register("Lstm.caffe_ocr", RECURRENT, shape=_caffe_ocr_shape, deps=_none,
         params=_params(lambda ctx: _caffe_ocr(ctx)[2]), macc=_macc(_caffe_ocr_rows), no_onnx=_NO_ONNX)
alternative("Lstm", "Lstm.junhyukoh", "junhyukoh/caffe-lstm's lstm_layer.cpp (top T*N x H)")
alternative("Lstm", "Lstm.caffe_ocr", "senlinuc/caffe_ocr's lstm_layer_Junhyuk.cpp (top T x N x H)")

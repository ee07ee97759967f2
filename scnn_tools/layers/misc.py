"""Losses, metrics, outputs, recurrent and Python layers."""

from . import register


def _none(ctx):
    return [{}] * ctx.ntops


def _loss_shape(ctx):
    ctx.need_bottoms(1)
    # A loss is a scalar; SoftmaxWithLoss may also return the probabilities.
    # A loss layer without a top gets one from Caffe; it is nobody's bottom.
    return ([[]] + [list(ctx.bottoms[0])] * (ctx.ntops - 1))[:ctx.ntops]


def _accuracy_shape(ctx):
    ctx.need_bottoms(2)
    shape = ctx.bottoms[0]
    axis = ctx.axis(ctx.p.accuracy_param.axis)
    return ([[]] + [[shape[axis]]] * (ctx.ntops - 1))[:ctx.ntops]


def _recurrent_shape(ctx):
    ctx.need_bottoms(2)
    t, n = ctx.bottoms[0][:2]
    return [[t, n, ctx.p.recurrent_param.num_output]] + [None] * (ctx.ntops - 1)


def _input_size(ctx):
    size = 1
    for d in ctx.bottoms[0][2:]:
        size = None if size is None or d is None else size * d
    return size


def _lstm_params(ctx):
    h, i = ctx.p.recurrent_param.num_output, _input_size(ctx)
    return [[4 * h, i], [4 * h], [4 * h, h]]


def _rnn_params(ctx):
    h, i = ctx.p.recurrent_param.num_output, _input_size(ctx)
    return [[h, i], [h], [h, h], [h, h], [h]]


def _python_shape(ctx):
    # A Python layer's shapes are decided by its code; --input NAME=... can supply them.
    return [None] * ctx.ntops


register("SoftmaxWithLoss SigmoidCrossEntropyLoss EuclideanLoss HingeLoss InfogainLoss "
         "MultinomialLogisticLoss ContrastiveLoss SmoothL1Loss", "loss", shape=_loss_shape, deps=_none)
register("Accuracy", "metric", shape=_accuracy_shape, deps=_none)
register("SegAccuracy", "metric", shape=lambda ctx: [[1, 1, 1, 3]] * ctx.ntops, deps=_none)
register("HDF5Output MatWrite", "output", shape=lambda ctx: [None] * ctx.ntops, deps=_none)
register("LSTM", "recurrent", shape=_recurrent_shape, deps=_none, params=_lstm_params)
register("RNN", "recurrent", shape=_recurrent_shape, deps=_none, params=_rnn_params)
register("BatchReindex", "reshape", shape=lambda ctx: [[ctx.bottoms[1][0]] + list(ctx.bottoms[0][1:])],
         deps=_none)
register("Filter", "reshape", shape=lambda ctx: [[None] + list(b[1:]) for b in ctx.bottoms[:ctx.ntops]],
         deps=_none)
register("Python", "python", shape=_python_shape, deps=_none)

"""Losses, metrics, outputs, recurrent and Python layers."""

from scnn_tools.net.indexmaps import IDENTITY
from .registry import LOSS, METRIC, OUTPUT, PYTHON, RECURRENT, RESHAPE, fmt_shape, param_str_int, product, register


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


def _recurrent(ctx, recurrent_blobs):
    """(hidden size, input size, static input size: False without one, None if unknown): Caffe's
    RecurrentLayer reads x, cont, then a static input where there are more bottoms than those and the
    exposed hidden state's."""
    ctx.need_bottoms(2)
    exposed = recurrent_blobs if ctx.p.recurrent_param.expose_hidden else 0
    static = product(ctx.bottoms[2][1:]) if len(ctx.bottoms) > 2 + exposed else False
    return ctx.p.recurrent_param.num_output, product(ctx.bottoms[0][2:]), static


def _recurrent_shape(recurrent_blobs):
    def shape(ctx):
        h = _recurrent(ctx, recurrent_blobs)[0]  # (first: it checks the bottoms)
        t, n = ctx.bottoms[0][:2]
        # expose_hidden adds a top per recurrent blob (h_T, and c_T for LSTM), each 1 x N x H.
        return [[t, n, h]] + [[1, n, h]] * (ctx.ntops - 1)
    return shape


def _lstm_params(ctx):
    h, i, static = _recurrent(ctx, 2)
    return [[4 * h, i], [4 * h], [4 * h, h]] + ([[4 * h, static]] if static is not False else [])


def _rnn_params(ctx):
    h, i, static = _recurrent(ctx, 1)
    return [[h, i], [h], [h, h], [h, h], [h]] + ([[h, static]] if static is not False else [])


def _recurrent_macc(recurrent_blobs, gates, outputs):
    """The unrolled net's inner products (lstm_layer.cpp, rnn_layer.cpp FillUnrolledNet), per timestep (the
    first axis, as every rule counts): x_transform over all T x N inputs, each step's hidden transform of
    h_(t-1) and, for RNN, its output transform of h_t, and the static input's transform once per sequence.
    `gates`: rows per hidden unit (LSTM's i, f, o, g); `outputs`: output transforms per step."""
    def macc(ctx, tops):
        h, i, static = _recurrent(ctx, recurrent_blobs)
        t, n = ctx.bottoms[0][:2]
        if None in (i, t, n, static):
            return None
        total = t * n * gates * h * (i + h) + t * n * outputs * h * h + n * gates * h * (static or 0)
        return total // t if total % t == 0 else total / t
    return macc


_PYTHON = "a Python layer's shapes are decided by its code"


def _python_shape(ctx):
    # --input NAME=... can supply them.
    return [ctx.unknown(_PYTHON)] * ctx.ntops if ctx.ntops else []


_LOSS = dict(shape=_loss_shape, deps=_none, needs=(0,))
register("SoftmaxWithLoss", LOSS, **_LOSS)
register("SigmoidCrossEntropyLoss", LOSS, **_LOSS)
register("EuclideanLoss", LOSS, **_LOSS)
register("HingeLoss", LOSS, **_LOSS)
register("InfogainLoss", LOSS, **_LOSS)
register("MultinomialLogisticLoss", LOSS, **_LOSS)
register("ContrastiveLoss", LOSS, **_LOSS)
register("SmoothL1Loss", LOSS, **_LOSS)
# chuanqi305/FocalLoss focal_loss_layer.cpp Reshape: LossLayer's scalar, and a second top like bottom[0] (the
# softmax probabilities), as SoftmaxWithLoss; multibox_focal_loss_layer.cpp: LossLayer's scalar.
register("FocalLoss", LOSS, **_LOSS)
register("MultiBoxFocalLoss", LOSS, **_LOSS)
# silver-rush/Weighted_Softmax_Loss weighted_softmax_loss_layer.cpp Reshape: SoftmaxWithLoss's (a scalar, and
# the probabilities like bottom[0] as a second top).
register("WeightedSoftmaxWithLoss", LOSS, **_LOSS)
# NVIDIA/caffe src/caffe/layers/l1_loss_layer.cpp (DetectNet's bounding-box loss): LossLayer's scalar.
register("L1Loss", LOSS, **_LOSS)


def _center_loss_params(ctx):
    """ydwen/caffe-face src/caffe/layers/center_loss_layer.cpp LayerSetUp: one learnt centre per class,
    num_output x K, K the bottom's count from `axis` on; the top is LossLayer's scalar."""
    ctx.need_bottoms(2, 2)
    q = ctx.p.center_loss_param
    if not q.num_output:
        ctx.fail("center_loss_param needs num_output")
    return [[q.num_output, product(ctx.bottoms[0][ctx.axis(q.axis):])]]


# (A second top, which Caffe's LossLayer allows, is not written by center_loss_layer.cpp's Forward_cpu.)
def _center_loss_shape(ctx):
    if ctx.ntops < 2:
        return [[]] * ctx.ntops
    return [[]] + [ctx.unknown("its Forward_cpu writes no second top (center_loss_layer.cpp): what it holds is "
                               "unknown")] * (ctx.ntops - 1)


register("CenterLoss", LOSS, shape=_center_loss_shape, deps=_none, needs=(0,), params=_center_loss_params)
register("Accuracy", METRIC, shape=_accuracy_shape, deps=_none, needs=(0,))
register("SegAccuracy", METRIC, shape=lambda ctx: [[1, 1, 1, 3]] * ctx.ntops, deps=_none, needs=())
def _writer_shape(ctx):
    # (Caffe's HDF5Output takes no top, ExactNumTopBlobs 0; MatWrite's forks' write none)
    if not ctx.ntops:
        return []
    return [ctx.unknown("it writes files as the net runs and computes no top: what its tops hold is unknown")] * \
        ctx.ntops


register("HDF5Output", OUTPUT, shape=_writer_shape, deps=_none)
register("MatWrite", OUTPUT, shape=_writer_shape, deps=_none)
_RECURRENT_NO_ONNX = "not written yet: Caffe's recurrent layers read a sequence-continuation input ONNX's lack"
register("LSTM", RECURRENT, shape=_recurrent_shape(2), deps=_none, params=_lstm_params, macc=_recurrent_macc(2, 4, 0),
         no_onnx=_RECURRENT_NO_ONNX)
register("RNN", RECURRENT, shape=_recurrent_shape(1), deps=_none, params=_rnn_params, macc=_recurrent_macc(1, 1, 1),
         no_onnx=_RECURRENT_NO_ONNX)


def _batch_reindex_onnx(ctx, e):
    e.op("Gather", [e.x(0), e.op("Cast", [e.x(1)], to=7)], e.y(), axis=0)  # the indices are floats in Caffe


register("BatchReindex", RESHAPE, shape=lambda ctx: [[ctx.bottoms[1][0]] + list(ctx.bottoms[0][1:])],
         deps=_none, onnx=_batch_reindex_onnx)


def _filter_shape(ctx):
    if ctx.p.HasField("filter_param"):
        return _kept_shape(ctx)
    # BVLC filter_layer.cpp Reshape: each top keeps the items of its bottom whose selector (the last bottom) is
    # not 0, which only the data says.
    count = ctx.unknown("how many items it keeps depends on the data (those whose selector, its last bottom, is "
                        "not 0): its tops' first axis is not known before the net runs")
    return [[count] + list(b[1:]) for b in ctx.bottoms[:ctx.ntops]]


def _kept(ctx):
    """yihui-he/caffe-pro (channel-pruning's Caffe) src/caffe/layers/filter_layer.cpp, read where a layer carries
    filter_param (its field): a top per bottom (LayerSetUp's CHECK_EQ), each its bottom with num_output
    positions along filter_param.axis, those its selector blob (one value per position of bottom 0 along the
    axis, set to 1 at set-up and filled by the pruning) marks not 0. (axis, num_output)."""
    q = ctx.p.filter_param
    if ctx.ntops != len(ctx.bottoms):
        ctx.fail(f"needs a top per bottom (filter_layer.cpp CHECK_EQ), has {ctx.ntops} for {len(ctx.bottoms)}")
    if q.num_output < 1:
        ctx.fail("filter_param needs num_output, how many positions it keeps")
    axis = ctx.axis(q.axis)
    for b in ctx.bottoms:
        if len(b) <= axis or b[axis] != ctx.bottoms[0][axis]:
            ctx.fail(f"every bottom needs bottom 0's {ctx.bottoms[0][axis]} positions along axis {axis} (Reshape's "
                     f"CHECK against the selector), one is {fmt_shape(b)}")
    if q.num_output > ctx.bottoms[0][axis]:
        ctx.fail(f"keeps {q.num_output} of the {ctx.bottoms[0][axis]} positions along axis {axis}")
    return axis, q.num_output


def _kept_shape(ctx):
    axis, n = _kept(ctx)
    return [b[:axis] + [n] + b[axis + 1:] for b in map(list, ctx.bottoms)]


def _filter_deps(ctx):
    if not ctx.p.HasField("filter_param"):
        return _none(ctx)
    # Every position keeps its place but along the axis, where which ones are kept is in the selector blob.
    axis, _ = _kept(ctx)
    if axis >= 2:
        ctx.unknown(f"which positions along axis {axis} it keeps is in its selector blob, a weight: that axis "
                    "has no field")
    return [{a: [(t, a, IDENTITY)] for a in range(len(b)) if a != axis} for t, b in enumerate(ctx.bottoms)]


# The selector is no learnt parameter: a mask the pruning writes (the file's lr_mult 0), and filter_layer.cu's
# Backward gives it no gradient; its values decide which channels pass, as BatchNorm's statistics are read.
register("Filter", RESHAPE, shape=_filter_shape, deps=_filter_deps,
         no_onnx="how many items it keeps depends on the data, and an exported model has fixed shapes")
register("Python", PYTHON, shape=_python_shape, deps=_none, needs=(), min_bottoms=0, note=_PYTHON)


# Python layer classes met in real files, by module and class.
def _anchor_targets(ctx):
    n, a2, h, w = ctx.bottoms[0]  # rpn_cls_score: two scores per anchor
    a = a2 // 2
    return [[1, 1, a * h, w], [1, 4 * a, h, w], [1, 4 * a, h, w], [1, 4 * a, h, w]][:ctx.ntops]


_SAMPLED = "how many ROIs are sampled is set by the solver's configuration"


def _proposal_targets(ctx):
    k = param_str_int(ctx.p, "num_classes")
    k4 = 4 * k if k else ctx.unknown("its param_str names no num_classes, which sizes its box targets")
    # How many ROIs are sampled is the solver configuration's (cfg.TRAIN.BATCH_SIZE).
    n = ctx.unknown(_SAMPLED)
    return [[n, 5], [n], [n, k4], [n, k4], [n, k4]][:ctx.ntops]


_PROPOSALS = "how many proposals survive depends on the data"


def _proposals(ctx):
    n = ctx.unknown(_PROPOSALS)
    return [[n, 5], [n, 1]][:ctx.ntops]


register("Python.spatial_dropout.SpatialDropoutLayer", PYTHON, needs=(0,))
register("Python.rpn.proposal_layer.ProposalLayer", PYTHON, deps=_none, needs=(), shape=_proposals, note=_PROPOSALS)
register("Python.rpn.anchor_target_layer.AnchorTargetLayer", PYTHON, deps=_none, needs=(0,),
         shape=_anchor_targets)
register("Python.rpn.proposal_target_layer.ProposalTargetLayer", PYTHON, deps=_none, needs=(),
         shape=_proposal_targets, note=_SAMPLED)

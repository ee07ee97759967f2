"""Layers that keep the shape of their first bottom and work position by position
(activations, normalisations, Dropout, Scale...). Most may run in place."""

from scnn_tools.caffe_pb2 import FillerParameter, LRNParameter
from scnn_tools.net.indexmaps import IDENTITY, Whole, Window
from .registry import (ACTIVATION, ELEMENTWISE, NORMALISATION, REGULARISATION, fmt_shape, legacy_shape, pointwise,
                       register)


def _channels(ctx):
    shape = ctx.bottoms[0]
    return shape[1] if len(shape) > 1 else 1


def _per_channel(shared_field=None):
    def params(ctx):
        shared = shared_field(ctx) if shared_field else False
        return [[1 if shared else _channels(ctx)]]
    return params


def _bn_params(ctx):
    # PSPNet's and SegNet's BN learn a scale and a shift per channel; the running
    # mean and variance they also store are statistics, not learned.
    c = _channels(ctx)
    return [[1, c, 1, 1], [1, c, 1, 1]]


def _scale_axes(ctx, param):
    shape = ctx.bottoms[0]
    axis = ctx.axis(param.axis)
    if len(ctx.bottoms) > 1:
        other = ctx.bottoms[1]
        # Caffe's ScaleLayer and BiasLayer: the second bottom is exactly the first's axes from `axis` on.
        if list(shape[axis:axis + len(other)]) != list(other):
            ctx.fail(f"the second bottom {fmt_shape(other)} must equal the first bottom {fmt_shape(shape)}'s "
                     f"axes from {axis} on")
        return axis, len(other)
    n = len(shape) - axis if param.num_axes == -1 else param.num_axes
    if n < 0 or axis + n > len(shape):
        ctx.fail(f"num_axes {param.num_axes} is out of range")
    return axis, n


def _scale_params(ctx):
    s = ctx.p.scale_param
    axis, n = _scale_axes(ctx, s)
    blob = list(ctx.bottoms[0][axis:axis + n])
    out = [] if len(ctx.bottoms) > 1 else [blob]
    return out + ([blob] if s.bias_term else [])


def _bias_params(ctx):
    axis, n = _scale_axes(ctx, ctx.p.bias_param)
    return [] if len(ctx.bottoms) > 1 else [list(ctx.bottoms[0][axis:axis + n])]


def _broadcast_deps(param_of):
    """Scale/Bias: the second bottom, if any, is repeated over the first's axes before `axis`."""
    def deps(ctx):
        shape = ctx.bottoms[0]
        out = {a: [(0, a, IDENTITY)] for a in range(len(shape))}
        if len(ctx.bottoms) > 1:
            axis, n = _scale_axes(ctx, param_of(ctx))
            for i in range(n):
                out[axis + i].append((1, i, IDENTITY))
        return [out] * ctx.ntops
    return deps


def _over_space(ctx, spatial):
    """Positions read the whole of each spatial axis where `spatial`, else their own position."""
    shape = ctx.bottoms[0]
    deps = pointwise(ctx)[0]
    if spatial:
        for a in range(2, len(shape)):
            deps[a] = [(0, a, Whole(shape[a]))]
    return [deps] * ctx.ntops


def _lrn_deps(ctx):
    r = ctx.p.lrn_param
    if r.norm_region != LRNParameter.WITHIN_CHANNEL:
        return pointwise(ctx)
    k = r.local_size
    deps = pointwise(ctx)[0]
    for a in (2, 3):
        deps[a] = [(0, a, Window(1, (k - 1) // 2, k))]
    return [deps]


def _softmax_deps(ctx):
    axis = ctx.axis(ctx.p.softmax_param.axis)
    deps = pointwise(ctx)[0]
    if axis >= 2:
        deps[axis] = [(0, axis, Whole(ctx.bottoms[0][axis]))]
    return [deps] * ctx.ntops


def _unary(op, **attrs_of):
    """One ONNX operator; attrs_of: {attribute: function of the layer's parameters}."""
    def onnx(ctx, e):
        e.op(op, [e.x()], e.y(), **{k: f(ctx.p) for k, f in attrs_of.items()})
    return onnx


def _relu_onnx(ctx, e):
    slope = ctx.p.relu_param.negative_slope
    if slope:
        e.op("LeakyRelu", [e.x()], e.y(), alpha=slope)
    else:
        e.op("Relu", [e.x()], e.y())


def _relu6_onnx(ctx, e):
    """The forks' ReLU6, a NeuronLayer (eric612/MobileNet-YOLO include/caffe/layers/relu6_layer.hpp):
    min(max(0, x), 6); NVIDIA's Caffe adds relu_param's negative_slope times min(x, 0)."""
    slope = ctx.p.relu_param.negative_slope
    clipped = e.op("Clip", [e.x(), e.const(0.0, "min"), e.const(6.0, "max")], None if slope else e.y())
    if slope:
        leak = e.op("Mul", [e.op("Min", [e.x(), e.const(0.0, "zero")]), e.const(slope, "slope")])
        e.op("Add", [clipped, leak], e.y())


def _affine(e, x, scale, shift):
    """shift + scale * x, skipping what is the identity."""
    if scale != 1:
        x = e.op("Mul", [x, e.const(scale, "scale")])
    if shift:
        x = e.op("Add", [x, e.const(shift, "shift")])
    return x


def _power_onnx(ctx, e):
    q = ctx.p.power_param
    x = _affine(e, e.x(), q.scale, q.shift)
    if q.power != 1:
        x = e.op("Pow", [x, e.const(q.power, "power")])
    e.op("Identity", [x], e.y())


def _exp_onnx(ctx, e):
    import math
    q = ctx.p.exp_param
    ln_base = 1.0 if q.base == -1 else math.log(q.base)  # base^(shift + scale x) = exp(ln(base) (shift + scale x))
    e.op("Exp", [_affine(e, e.x(), q.scale * ln_base, q.shift * ln_base)], e.y())


def _log_onnx(ctx, e):
    import math
    q = ctx.p.log_param
    log = e.op("Log", [_affine(e, e.x(), q.scale, q.shift)])
    if q.base == -1:
        e.op("Identity", [log], e.y())
    else:
        e.op("Div", [log, e.const(math.log(q.base), "ln_base")], e.y())


def _threshold_onnx(ctx, e):
    above = e.op("Greater", [e.x(), e.const(ctx.p.threshold_param.threshold, "threshold")])
    e.op("Cast", [above], e.y(), to=1)


def _clip_onnx(ctx, e):
    q = ctx.p.clip_param
    e.op("Clip", [e.x(), e.const(q.min, "min"), e.const(q.max, "max")], e.y())


def _swish_onnx(ctx, e):
    sig = e.op("Sigmoid", [_affine(e, e.x(), ctx.p.swish_param.beta, 0)])
    e.op("Mul", [e.x(), sig], e.y())


def _channel_shape(ctx, values):
    """Per-channel values shaped to broadcast over an N x C x ... blob."""
    return values.reshape([-1] + [1] * (len(ctx.bottoms[0]) - 2))


def _prelu_onnx(ctx, e):
    from scnn_tools.caffe_pb2 import FillerParameter
    q = ctx.p.prelu_param
    filler = q.filler if q.HasField("filler") else FillerParameter(type="constant", value=0.25)
    slope, = e.weights([filler])
    e.op("PRelu", [e.x(), e.const(_channel_shape(ctx, slope), "slope")], e.y())


# Without a .caffemodel, the running statistics are those of a unit normal, as a trained net could have
# them. Caffe fills them (and BatchNorm's scale factor) with 0, which divides by sqrt(eps) at every
# normalisation: a deep net's outputs overflow (MobileNet, PeleeNet, PSPNet), and nothing can be checked.
_ONE = FillerParameter(type="constant", value=1)
_STATISTICS = [FillerParameter(type="constant", value=0), _ONE]


def _scale_bias(q):
    """NVIDIA/caffe's BatchNorm learns a scale and a bias too where the file asks (batch_norm_layer.cpp
    LayerSetUp: scale_bias, or either filler given); BVLC's knows none of these fields."""
    return q.scale_bias or q.HasField("scale_filler") or q.HasField("bias_filler")


def _batchnorm_params(ctx):
    c = _channels(ctx)
    return [[c], [c]] if _scale_bias(ctx.p.batch_norm_param) else []


def _batchnorm_onnx(ctx, e):
    q = ctx.p.batch_norm_param
    if q.HasField("use_global_stats") and not q.use_global_stats:
        e.fail("use_global_stats is false: it normalises by each batch's own statistics")
    c = _channels(ctx)
    fillers, shapes, eps = _STATISTICS + [_ONE], [[c], [c], [1]], q.eps
    if _scale_bias(q):
        # NVIDIA's blobs 3 and 4 (scale 1 and bias 0 unless a filler says), and its eps at least 1e-5.
        fillers += [q.scale_filler if q.HasField("scale_filler") else _ONE,
                    q.bias_filler if q.HasField("bias_filler") else _STATISTICS[0]]
        shapes, eps = shapes + [[c], [c]], max(q.eps, 1e-5)
    mean, var, factor, *learnt = e.weights(fillers, shapes=shapes)
    f = 0.0 if factor[0] == 0 else 1.0 / factor[0]  # Caffe: a zero factor zeroes the statistics
    scale, bias = learnt or _ones_zeros(c)
    e.op("BatchNormalization", [e.x(), e.const(scale, "scale"), e.const(bias, "bias"), e.const(mean * f, "mean"),
                                e.const(var * f, "var")], e.y(), epsilon=eps)


def _ones_zeros(c):
    import numpy as np
    return np.ones(c, np.float32), np.zeros(c, np.float32)


def _bn_onnx(ctx, e):
    """PSPNet's BN: slope, bias, mean, variance (each 1 x C x 1 x 1) and eps; SegNet's, at bn_mode
    INFERENCE, a scale and shift only."""
    q = ctx.p.bn_param
    c = _channels(ctx)
    segnet = q.HasField("bn_mode") or q.HasField("scale_filler") or q.HasField("shift_filler")
    if segnet:
        if q.bn_mode != q.INFERENCE:
            e.fail("SegNet's BN in LEARN mode normalises by each batch's statistics; run its "
                   "compute_bn_statistics step (bn_mode: INFERENCE) first")
        scale, shift = e.weights([q.scale_filler, q.shift_filler], shapes=[[1, c, 1, 1]] * 2)
        scaled = e.op("Mul", [e.x(), e.const(_channel_shape(ctx, scale), "scale")])
        e.op("Add", [scaled, e.const(_channel_shape(ctx, shift), "shift")], e.y())
        return
    slope, bias, mean, var = e.weights([q.slope_filler, q.bias_filler] + _STATISTICS, shapes=[[1, c, 1, 1]] * 4)
    e.op("BatchNormalization", [e.x()] + [e.const(a.reshape(c), n) for a, n in
                                           ((slope, "slope"), (bias, "bias"), (mean, "mean"), (var, "var"))],
         e.y(), epsilon=q.eps)


def _broadcast(ctx, values, axis, n):
    """A blob over axes axis..axis+n-1 of the first bottom, shaped to broadcast over it."""
    return values.reshape(list(ctx.bottoms[0][axis:axis + n]) + [1] * (len(ctx.bottoms[0]) - axis - n))


def _scale_onnx(ctx, e):
    from scnn_tools.caffe_pb2 import FillerParameter
    q = ctx.p.scale_param
    axis, n = _scale_axes(ctx, q)
    one = FillerParameter(type="constant", value=1)
    arrays = e.weights(([] if len(ctx.bottoms) > 1 else [q.filler if q.HasField("filler") else one]) +
                       [q.bias_filler])
    if len(ctx.bottoms) > 1:
        trailing = list(ctx.bottoms[0][axis:axis + n]) + [1] * (len(ctx.bottoms[0]) - axis - n)
        factor = e.op("Reshape", [e.x(1), e.ints(trailing)])
    else:
        factor = e.const(_broadcast(ctx, arrays.pop(0), axis, n), "scale")
    if arrays:
        scaled = e.op("Mul", [e.x(), factor])
        e.op("Add", [scaled, e.const(_broadcast(ctx, arrays[0], axis, n), "bias")], e.y())
    else:
        e.op("Mul", [e.x(), factor], e.y())


def _bias_onnx(ctx, e):
    q = ctx.p.bias_param
    axis, n = _scale_axes(ctx, q)
    if len(ctx.bottoms) > 1:
        trailing = list(ctx.bottoms[0][axis:axis + n]) + [1] * (len(ctx.bottoms[0]) - axis - n)
        e.op("Add", [e.x(), e.op("Reshape", [e.x(1), e.ints(trailing)])], e.y())
    else:
        bias, = e.weights([q.filler])
        e.op("Add", [e.x(), e.const(_broadcast(ctx, bias, axis, n), "bias")], e.y())


def _lrn_onnx(ctx, e):
    r = ctx.p.lrn_param
    if r.local_size % 2 == 0:
        e.fail("local_size must be odd (Caffe refuses even sizes)")
    if r.norm_region == LRNParameter.ACROSS_CHANNELS:
        # Caffe: x / (k + alpha / n * sum of squares over n channels)^beta, which is ONNX's LRN.
        e.op("LRN", [e.x()], e.y(), size=r.local_size, alpha=r.alpha, beta=r.beta, bias=r.k)
        return
    # WITHIN_CHANNEL, as Caffe builds it: x * (1 + alpha * average of squares over a k x k window)^-beta,
    # the window padded by (k - 1) / 2 and its divisor counting the padding.
    k, pad = r.local_size, (r.local_size - 1) // 2
    square = e.op("Mul", [e.x(), e.x()])
    mean = e.op("AveragePool", [square], kernel_shape=[k, k], pads=[pad] * 4, count_include_pad=1)
    base = _affine(e, mean, r.alpha, 1.0)
    e.op("Mul", [e.x(), e.op("Pow", [base, e.const(-r.beta, "power")])], e.y())


def _lrn_fixed_onnx(ctx, e):
    """tianchenwang/caffe src/caffe/layers/lrn_fixed_layer.cpp CrossChannelForward_cpu: x * (2 + alpha * sum of
    squares over local_size channels)^-beta, alpha not divided by the size as LRN's is: ONNX's LRN with bias 2
    and alpha times the size. Within a channel it runs LRN's own composition, which is not checked here."""
    r = ctx.p.lrn_param
    if r.local_size % 2 == 0:
        e.fail("local_size must be odd (lrn_fixed_layer.cpp refuses even sizes)")
    if r.norm_region != LRNParameter.ACROSS_CHANNELS:
        e.fail("WITHIN_CHANNEL is not written yet for LRN_FIXED")
    e.op("LRN", [e.x()], e.y(), size=r.local_size, alpha=r.alpha * r.local_size, beta=r.beta, bias=2.0)


def _dropout_fixed_onnx(ctx, e):
    """tianchenwang/caffe src/caffe/layers/dropout_fixed_layer.cpp Forward_cpu: at test time the input times
    1 - dropout_ratio (its training pass drops without rescaling)."""
    e.op("Mul", [e.x(), e.const(1.0 - ctx.p.dropout_param.dropout_ratio, "keep")], e.y())


def _mvn_shape(ctx):
    return [legacy_shape(ctx)] * ctx.ntops  # mvn_layer.cpp Reshape


def _mvn_onnx(ctx, e):
    q = ctx.p.mvn_param
    x = e.x() if len(ctx.bottoms[0]) == 4 else e.op("Reshape", [e.x(), e.ints(ctx.tops[0])])
    axes = [1, 2, 3] if q.across_channels else [2, 3]
    mean = e.reduce("ReduceMean", x, axes)
    centred = e.op("Sub", [x, mean])
    if not q.normalize_variance:
        e.op("Identity", [centred], e.y())
        return
    # Caffe: (x - E x) / (sqrt(E x^2 - (E x)^2) + eps)
    second = e.reduce("ReduceMean", e.op("Mul", [x, x]), axes)
    var = e.op("Sub", [second, e.op("Mul", [mean, mean])])
    std = e.op("Add", [e.op("Sqrt", [var]), e.const(q.eps, "eps")])
    e.op("Div", [centred, std], e.y())


def _softmax_onnx(ctx, e):
    e.op("Softmax", [e.x()], e.y(), axis=ctx.axis(ctx.p.softmax_param.axis))


def _normalize_onnx(ctx, e):
    """SSD's Normalize: x / sqrt(sum of squares + eps), over the channels (or a whole item), times a scale."""
    from scnn_tools.caffe_pb2 import FillerParameter
    q = ctx.p.norm_param
    scale, = e.weights([q.scale_filler if q.HasField("scale_filler") else FillerParameter(type="constant", value=1)])
    axes = list(range(1, len(ctx.bottoms[0]))) if q.across_spatial else [1]
    sumsq = e.reduce("ReduceSum", e.op("Mul", [e.x(), e.x()]), axes)
    norm = e.op("Sqrt", [e.op("Add", [sumsq, e.const(q.eps, "eps")])])
    normed = e.op("Div", [e.x(), norm])
    e.op("Mul", [normed, e.const(scale.reshape(-1) if q.channel_shared else _channel_shape(ctx, scale), "scale")],
         e.y())


register("AbsVal", ELEMENTWISE, onnx=_unary("Abs"))
register("BNLL", ELEMENTWISE, onnx=_unary("Softplus"))
register("Power", ELEMENTWISE, onnx=_power_onnx)
register("Exp", ELEMENTWISE, onnx=_exp_onnx)
register("Log", ELEMENTWISE, onnx=_log_onnx)
register("Threshold", ELEMENTWISE, onnx=_threshold_onnx)
# A net's activation and normalisation convention (splice --reduce-to copies it after the reduction).
register("ReLU", ACTIVATION, onnx=_relu_onnx)
register("ReLU6", ACTIVATION, onnx=_relu6_onnx)
register("ELU", ACTIVATION, onnx=_unary("Elu", alpha=lambda p: p.elu_param.alpha))
register("Sigmoid", ACTIVATION, onnx=_unary("Sigmoid"))
register("TanH", ACTIVATION, onnx=_unary("Tanh"))
register("Clip", ACTIVATION, onnx=_clip_onnx)
register("Swish", ACTIVATION, onnx=_swish_onnx)
register("PReLU", ACTIVATION, params=_per_channel(lambda ctx: ctx.p.prelu_param.channel_shared),
         onnx=_prelu_onnx)
register("BatchNorm", NORMALISATION, params=_batchnorm_params, onnx=_batchnorm_onnx)
register("BN", NORMALISATION, params=_bn_params, onnx=_bn_onnx)
# A regularisation, the identity at test time: not part of a net's normalisation and activation convention.
register("Dropout", REGULARISATION, onnx=_unary("Identity"))
# Not the identity at test time (it scales), so not a regularisation in splice's sense.
register("DropoutFixed", ELEMENTWISE, onnx=_dropout_fixed_onnx)


def _checked_shape(param_of):
    def shape(ctx):
        ctx.need_bottoms(1, 2)
        _scale_axes(ctx, param_of(ctx))
        return [list(ctx.bottoms[0])] * ctx.ntops
    return shape


register("Scale", ELEMENTWISE, shape=_checked_shape(lambda ctx: ctx.p.scale_param),
         deps=_broadcast_deps(lambda ctx: ctx.p.scale_param), params=_scale_params, onnx=_scale_onnx)
register("Bias", ELEMENTWISE, shape=_checked_shape(lambda ctx: ctx.p.bias_param),
         deps=_broadcast_deps(lambda ctx: ctx.p.bias_param), params=_bias_params, onnx=_bias_onnx)


def _axpy_shape(ctx):
    """hujie-frank/SENet src/caffe/layers/axpy_layer.cpp (bottoms a, x, y; top a * x + y): Reshape checks
    that a and x agree on num and channels, that a 4-axis a is 1x1, and that x and y have one shape;
    the top has x's."""
    ctx.need_bottoms(3, 3)
    a, x, y = ctx.bottoms
    if len(a) < 2 or len(x) < 2 or list(a[:2]) != list(x[:2]):
        ctx.fail(f"the scale {fmt_shape(a)} must have the num and channels of x {fmt_shape(x)}")
    if len(a) == 4 and list(a[2:]) != [1, 1]:
        ctx.fail(f"the scale {fmt_shape(a)} must be 1x1")
    if list(x) != list(y):
        ctx.fail(f"x {fmt_shape(x)} and y {fmt_shape(y)} must have one shape")
    return [list(x)]


def _axpy_deps(ctx):
    # x and y position by position; the scale is one value per channel, read by every position.
    a = ctx.bottoms[0]
    deps = {i: [(1, i, IDENTITY), (2, i, IDENTITY)] for i in range(len(ctx.bottoms[1]))}
    for i in range(min(len(a), len(deps))):
        deps[i].append((0, i, IDENTITY if i < 2 else Whole(a[i])))
    return [deps]


def _axpy_onnx(ctx, e):
    n, c = ctx.bottoms[0][:2]
    scale = e.op("Reshape", [e.x(0), e.ints([n, c] + [1] * (len(ctx.bottoms[1]) - 2))])
    e.op("Add", [e.op("Mul", [scale, e.x(1)]), e.x(2)], e.y())


def _meanfield_shape(ctx):
    """CRF-as-RNN (torrvision/caffe src/caffe/layers/multi_stage_meanfield.cpp LayerSetUp): bottoms the unary
    terms, the first iteration's input (a copy of them) and the RGB image, all read at the unary's height and
    width; the top has the unary's shape; more than one iteration (CHECK_GT(num_iterations_, 1))."""
    ctx.need_bottoms(3, 3)
    unary, start, image = ctx.bottoms
    if len(unary) != 4 or list(start) != list(unary):
        ctx.fail(f"the first iteration's input {fmt_shape(start)} must have the unary terms' shape {fmt_shape(unary)}")
    if len(image) != 4 or list(image[2:]) != list(unary[2:]) or image[0] != unary[0]:
        ctx.fail(f"the image {fmt_shape(image)} must be N x C x H x W at the unary terms' {fmt_shape(unary)}")
    if ctx.p.multi_stage_meanfield_param.num_iterations < 2:
        ctx.fail("num_iterations must be greater than 1")
    return [list(unary)]


def _meanfield_deps(ctx):
    # Every iteration filters the whole map (Gaussian spatial and bilateral kernels on a permutohedral
    # lattice) and mixes every class: each output reads every position of every bottom.
    return [{axis: [(b, axis, Whole(shape[axis])) for b, shape in enumerate(ctx.bottoms)] for axis in range(4)}]


def _meanfield_params(ctx):
    c = ctx.bottoms[0][1]
    return [[1, 1, c, c]] * 3  # spatial and bilateral kernel weights, and the compatibility matrix


def _meanfield_macc(ctx, tops):
    # meanfield_iteration.cpp Forward_cpu: three C x C by C x (H*W) products per iteration (the two kernels'
    # weighting and the compatibility transform); the lattice filtering itself is not a product of weights.
    n, c, h, w = ctx.bottoms[0]
    return ctx.p.multi_stage_meanfield_param.num_iterations * 3 * c * c * h * w


register("MultiStageMeanfield", ELEMENTWISE, shape=_meanfield_shape, deps=_meanfield_deps, params=_meanfield_params,
         macc=_meanfield_macc, no_onnx="its permutohedral-lattice filtering has no ONNX operator")
register("Axpy", ELEMENTWISE, shape=_axpy_shape, deps=_axpy_deps, onnx=_axpy_onnx)
register("LRN", ELEMENTWISE, deps=_lrn_deps, onnx=_lrn_onnx)
register("LRNFixed", ELEMENTWISE, deps=_lrn_deps, onnx=_lrn_fixed_onnx)
register("MVN", ELEMENTWISE, shape=_mvn_shape, deps=lambda ctx: _over_space(ctx, True), onnx=_mvn_onnx)
register("Softmax", ELEMENTWISE, deps=_softmax_deps, onnx=_softmax_onnx)
# Two forks register Normalize. SSD's (weiliu89/caffe ssd, normalize_layer.cpp: norm_param) keeps its bottom's
# shape, learns a scale and normalises over the channels or the whole item; happynear/caffe-windows's (branch ms,
# normalize_layer.cpp: normalize_param) learns nothing, normalises each position over the channels and reshapes
# its top to the legacy (num, channels, height, width), with an optional second top num x 1 x height x width,
# the norms. A layer with neither message fits both, which part on parameters, field and (below 4 axes) shape.
def _normalize_fork(p):
    return "ssd" if p.HasField("norm_param") else "happynear" if p.HasField("normalize_param") else None


def _normalize_shape(ctx):
    fork = _normalize_fork(ctx.p)
    if fork == "ssd" or (fork is None and len(ctx.bottoms[0]) == 4):
        return [list(ctx.bottoms[0])]
    if fork is None:
        return ctx.unknown(_normalize_ambiguous(ctx.p), [None] * ctx.ntops, warned=True)
    if ctx.p.normalize_param.normalize_type not in ("L1", "L2"):
        ctx.fail(f"normalize_type '{ctx.p.normalize_param.normalize_type}': happynear's Normalize knows L1 and L2")
    top = legacy_shape(ctx)
    return [top, [top[0], 1] + top[2:]][:ctx.ntops]


def _normalize_deps(ctx):
    fork = _normalize_fork(ctx.p)
    if fork == "ssd":
        return _over_space(ctx, ctx.p.norm_param.across_spatial)
    deps = pointwise(ctx)
    if fork is None:  # (each position's own in happynear's, the whole item in SSD's by default)
        deps = [{a: d for a, d in top.items() if a < 2} for top in deps]
    return deps


def _normalize_params(ctx):
    fork = _normalize_fork(ctx.p)
    if fork == "ssd":
        return _per_channel(lambda ctx: ctx.p.norm_param.channel_shared)(ctx)
    return [] if fork == "happynear" else [[ctx.unknown(_normalize_ambiguous(ctx.p), warned=True)]]


def _normalize_ambiguous(layer):
    if _normalize_fork(layer) is None:
        return ("without norm_param (weiliu89/caffe ssd: a learnt scale, over the whole item by default) or "
                "normalize_param (happynear/caffe-windows: nothing learnt, each position over its channels), its "
                "parameters and field are unknown")
    return None


def _any_normalize_onnx(ctx, e):
    fork = _normalize_fork(ctx.p)
    if fork is None:
        e.fail(_normalize_ambiguous(ctx.p))
    if fork == "ssd":
        return _normalize_onnx(ctx, e)
    # happynear's Forward_cpu: each position's norm over the channels plus 1e-6 (L2: sum of squares, then sqrt).
    x = e.x()
    if len(ctx.bottoms[0]) < 4:
        x = e.op("Reshape", [x, e.ints(ctx.tops[0], "shape")])
    l2 = ctx.p.normalize_param.normalize_type == "L2"
    total = e.reduce("ReduceSum", e.op("Mul", [x, x]) if l2 else e.op("Abs", [x]), [1])
    norm = e.op("Add", [total, e.const(1e-6, "eps")])
    norm = e.op("Sqrt", [norm]) if l2 else norm
    e.op("Div", [x, norm], e.y())
    if ctx.ntops == 2:
        e.op("Identity", [norm], e.y(1))


register("Normalize", ELEMENTWISE, shape=_normalize_shape, deps=_normalize_deps, params=_normalize_params,
         onnx=_any_normalize_onnx, ambiguous=_normalize_ambiguous)

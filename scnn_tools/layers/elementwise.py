"""Layers that keep the shape of their first bottom and work position by position
(activations, normalisations, Dropout, Scale...). Most may run in place."""

from ..caffe_pb2 import LRNParameter
from ..fields import IDENTITY, Whole, Window
from . import fmt_shape, pointwise, register


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


register("AbsVal BNLL Power Exp Log Threshold", "elementwise")
# A net's activation and normalisation convention (splice --reduce-to copies it after the reduction).
register("ReLU ELU Sigmoid TanH Clip Swish", "activation")
register("PReLU", "activation", params=_per_channel(lambda ctx: ctx.p.prelu_param.channel_shared))
register("BatchNorm", "normalisation")
register("BN", "normalisation", params=_bn_params)
# A regularisation, the identity at test time: not part of a net's normalisation and activation convention.
register("Dropout", "regularisation")
def _checked_shape(param_of):
    def shape(ctx):
        ctx.need_bottoms(1, 2)
        _scale_axes(ctx, param_of(ctx))
        return [list(ctx.bottoms[0])] * ctx.ntops
    return shape


register("Scale", "elementwise", shape=_checked_shape(lambda ctx: ctx.p.scale_param),
         deps=_broadcast_deps(lambda ctx: ctx.p.scale_param), params=_scale_params)
register("Bias", "elementwise", shape=_checked_shape(lambda ctx: ctx.p.bias_param),
         deps=_broadcast_deps(lambda ctx: ctx.p.bias_param), params=_bias_params)
register("LRN", "elementwise", deps=_lrn_deps)
register("MVN", "elementwise", deps=lambda ctx: _over_space(ctx, True))
register("Softmax", "elementwise", deps=_softmax_deps)
register("Normalize", "elementwise", deps=lambda ctx: _over_space(ctx, ctx.p.norm_param.across_spatial),
         params=_per_channel(lambda ctx: ctx.p.norm_param.channel_shared))

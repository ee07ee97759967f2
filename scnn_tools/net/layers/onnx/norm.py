"""Normalisations over axes (onnx/docs/Operators.md, Changelog.md).

InstanceNormalization-1/6/22: statistics per image and channel over the spatial axes (2 on); scale and B one
value per channel. LayerNormalization-17: over axes `axis` (default -1) to the last; Scale and the optional
B broadcast to X one way (numpy's rule); the optional outputs Mean and InvStdDev are X's shape with the
normalised axes 1. GroupNormalization-18/21: over a group of C / num_groups channels and the spatial axes;
scale and bias one value per group at opset 18, per channel from 21. LogSoftmax and Hardmax-1/11 coerce
the input to 2-D at `axis` (default 1) and normalise over axes `axis` to the last; from opset 13 over
`axis` (default -1) alone, as Softmax. MeanVarianceNormalization-9/13 over `axes` (default [0, 2, 3]),
LpNormalization-1/22 along `axis` (default -1): the output has the input's shape.

Fields follow Caffe's MVN and Softmax: every position reads the whole of each axis it is normalised over
(the mean reads the whole plane), and its own position elsewhere. Whatever axis that is: a transposed
model's spatial axes are not at 2 and 3. The scales and shifts are learnt parameters (as BatchNorm's); as in
the Caffe rules, no multiply-adds are counted.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import ELEMENTWISE, NORMALISATION, fmt_shape, known
from .axes import canonical
from .elementwise import _learnt as learnt, _softmax_deps as softmax_deps, _unary as unary, broadcast, broadcast_deps
from .node import ALREADY, node, register


def _over(ctx, axes, deps=None):
    """deps of a top reading data input 0 whole along `axes` and position by position elsewhere; `deps`, the
    other inputs' (numpy-aligned) reads, are kept."""
    x = ctx.bottoms[0]
    deps = deps or {}
    for a, d in enumerate(x):
        deps[a] = [(0, a, Whole(d) if a in axes else IDENTITY)] + [item for item in deps.get(a, ()) if item[0] != 0]
    return deps


def _per_channel(ctx, x, size):
    """{1: the reads of the inputs after X that hold one value per channel (or per group) and are blobs}."""
    o = node(ctx)
    items = [(o.bottom(i), 0, IDENTITY if size == x[1] else Whole(size)) for i in range(1, o.n) if o.is_data(i)]
    return {1: items} if items else {}


# ------------------------------------------------------------------ InstanceNormalization, GroupNormalization
def _image(o, what="input"):
    x = o.data(0, what)
    if len(x) < 3:
        o.fail(f"normalises N x C x spatial blobs, {what} is {fmt_shape(x)}")
    return x


def _check_sizes(o, x, size, names):
    for i, what in names:
        shape = o.shape(i)
        if shape is not None and known(size) and list(shape) != [size]:
            o.fail(f"{what} {fmt_shape(shape)} is not {size} values for X {fmt_shape(x)}")


def _instance_shape(ctx):
    o = node(ctx)
    o.need_inputs(3, 3)
    x = _image(o)
    _check_sizes(o, x, x[1], ((1, "scale"), (2, "B")))
    return [list(x)]


def _instance_deps(ctx):
    x = ctx.bottoms[0]
    return [_over(ctx, range(2, len(x)), _per_channel(ctx, x, x[1]))]


def _groups(ctx):
    o = node(ctx)
    o.need_inputs(3, 3)
    x = _image(o, "X")
    groups = o.attr("num_groups")
    if groups is None or groups < 1 or (known(x[1]) and x[1] % groups):
        o.fail(f"num_groups {groups} does not divide the {x[1]} channels of X {fmt_shape(x)}")
    size = groups if o.opset < 21 else x[1]
    _check_sizes(o, x, size, ((1, "scale"), (2, "bias")))
    return x, groups, size


def _group_shape(ctx):
    return [list(_groups(ctx)[0])]


def _group_deps(ctx):
    x, groups, size = _groups(ctx)
    deps = _over(ctx, range(2, len(x)), _per_channel(ctx, x, size))
    if groups == 1:
        deps[1][0] = (0, 1, Whole(x[1]))
    elif groups != x[1]:
        del deps[1]
        node(ctx).unknown(f"a channel is normalised over its group of {x[1] // groups} channels, which no field "
                          "says: the channel axis has none")
    return [deps]


# ------------------------------------------------------------------ LayerNormalization
def _layer_axis(ctx):
    o = node(ctx)
    o.need_inputs(2, 3)
    x = o.data(0, "X")
    axis = canonical(o, o.attr("axis", -1), len(x))
    for i, what in ((1, "Scale"), (2, "B")):
        shape = o.shape(i)
        if shape is not None and broadcast(o, [x, shape]) != list(x):
            o.fail(f"{what} {fmt_shape(shape)} does not broadcast to X {fmt_shape(x)}")
    return x, axis


def _layer_shape(ctx):
    x, axis = _layer_axis(ctx)
    stats = list(x[:axis]) + [1] * (len(x) - axis)
    return [list(x)] + [stats] * (ctx.ntops - 1)


def _layer_deps(ctx):
    x, axis = _layer_axis(ctx)
    normalised = range(axis, len(x))
    return [_over(ctx, normalised, broadcast_deps(ctx)[0])] + [_over(ctx, normalised)] * (ctx.ntops - 1)


# ------------------------------------------------------------------ MeanVarianceNormalization, LpNormalization
def _mvn_axes(ctx):
    # MeanVarianceNormalization-9/13: over `axes`, default [0, 2, 3] (per channel, across the batch).
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "X")
    axes = o.attr("axes", [0, 2, 3])
    return [canonical(o, a, len(x), "axes") for a in axes]


def _lp_axis(ctx):
    # LpNormalization-1/22: along `axis` (default -1), p 1 or 2.
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "input")
    if o.attr("p", 2) not in (1, 2):
        o.fail(f"p {o.attr('p')} is neither 1 nor 2")
    return [canonical(o, o.attr("axis", -1), len(x))]


def _checked(axes_of):
    """The input's shape, once the node's axes are checked."""
    def shape(ctx):
        axes_of(ctx)
        return [list(ctx.bottoms[0])]
    return shape


STATISTICS = {1: "holds the mean", 2: "holds the inverse standard deviation"}

register("onnx.InstanceNormalization", NORMALISATION, reads=("consumed_inputs", "epsilon"), shape=_instance_shape,
         deps=_instance_deps, params=learnt(1, 2), no_onnx=ALREADY)
register("onnx.GroupNormalization", NORMALISATION, reads=("epsilon", "num_groups", "stash_type"), shape=_group_shape,
         deps=_group_deps, params=learnt(1, 2), no_onnx=ALREADY)
register("onnx.LayerNormalization", NORMALISATION, reads=("axis", "epsilon", "stash_type"), shape=_layer_shape,
         deps=_layer_deps, params=learnt(1, 2), no_onnx=ALREADY, not_features=STATISTICS)
# Softmax's rules (elementwise.py): LogSoftmax and Hardmax normalise over the same axes at every opset.
register("onnx.MeanVarianceNormalization", NORMALISATION, reads=("axes",), shape=_checked(_mvn_axes),
         deps=lambda ctx: [_over(ctx, _mvn_axes(ctx))], no_onnx=ALREADY)
register("onnx.LpNormalization", NORMALISATION, reads=("axis", "p"), shape=_checked(_lp_axis),
         deps=lambda ctx: [_over(ctx, _lp_axis(ctx))], no_onnx=ALREADY)
register("onnx.LogSoftmax", ELEMENTWISE, reads=("axis",), shape=unary, deps=softmax_deps, no_onnx=ALREADY)
register("onnx.Hardmax", ELEMENTWISE, reads=("axis",), shape=unary, deps=softmax_deps, no_onnx=ALREADY)

"""Convolution and Deconvolution, as Caffe's BaseConvolutionLayer reads them."""

from scnn_tools.net.indexmaps import Window, transposed
from .registry import CONVOLUTION, fmt_shape, known, product, register


def geometry(ctx):
    """Per spatial axis: (kernel, stride, pad, dilation), and the channel axis."""
    return ctx.once("convolution", _geometry)


def _geometry(ctx):
    c = ctx.p.convolution_param
    ctx.need_bottoms(1)
    shape = ctx.bottoms[0]
    axis = ctx.axis(c.axis, what="channel axis")
    n = len(shape) - axis - 1
    if n < 1:
        ctx.fail(f"needs spatial axes after channel axis {axis}, bottom is {fmt_shape(shape)}")

    def per_axis(values, h, w, has_hw, name, default):
        if has_hw:
            if n != 2:
                ctx.fail(f"{name}_h/{name}_w are for 2-D convolution only")
            if len(values):
                ctx.fail(f"give either {name} or {name}_h/{name}_w, not both")
            return [h, w]
        if not len(values):
            if default is None:
                ctx.fail(f"{name} is required")
            return [default] * n
        if len(values) == 1:
            return [values[0]] * n
        if len(values) != n:
            ctx.fail(f"{name} has {len(values)} values for {n} spatial axes")
        return list(values)

    kernel = per_axis(c.kernel_size, c.kernel_h, c.kernel_w, c.HasField("kernel_h") or c.HasField("kernel_w"),
                      "kernel_size", None)
    stride = per_axis(c.stride, c.stride_h, c.stride_w, c.HasField("stride_h") or c.HasField("stride_w"),
                      "stride", 1)
    pad = per_axis(c.pad, c.pad_h, c.pad_w, c.HasField("pad_h") or c.HasField("pad_w"), "pad", 0)
    if len(c.dilation) not in (0, 1, n):
        ctx.fail(f"dilation has {len(c.dilation)} values for {n} spatial axes")
    hole = _hole(ctx, n)
    if len(c.dilation) and hole:
        ctx.fail("give either dilation or hole (DeepLab v1's name for it), not both")
    dilation = list(c.dilation) * (n if len(c.dilation) == 1 else 1) or hole or [1] * n
    if any(k < 1 for k in kernel) or any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        ctx.fail(f"kernel {kernel}, stride {stride} and dilation {dilation} must be positive")
    return axis, list(zip(kernel, stride, pad, dilation))


def _hole(ctx, n):
    """DeepLab v1's dilation: hole for both axes, or hole_h and hole_w (deeplab-public's
    conv_layer.cpp and im2col_layer.cpp LayerSetUp)."""
    c = ctx.p.convolution_param
    has_hw = c.HasField("hole_h") or c.HasField("hole_w")
    if not (has_hw or c.HasField("hole")):
        return None
    if n != 2:
        ctx.fail("hole (DeepLab v1's dilation) is for 2-D convolution only")
    if has_hw and c.HasField("hole"):
        ctx.fail("give either hole or hole_h and hole_w, not both")
    return [c.hole_h, c.hole_w] if has_hw else [c.hole] * 2


def _channels(ctx, axis):
    """(input channels, output channels, group)."""
    c = ctx.p.convolution_param
    cin = ctx.bottoms[0][axis]
    if ctx.p.type == "ConvolutionDepthwise":
        # farmingyard/caffe-mobilenet conv_dw_layer.cpp: one kernel per channel, whatever num_output and
        # group say (Reshape makes the top bottom[0]->channels() wide, LayerSetUp weights C x 1 x kh x kw).
        return cin, cin, cin
    if not c.num_output and ctx.p.type != "Im2col":
        ctx.fail("num_output is required")
    g = c.group
    if g < 1 or c.num_output % g or (cin is not None and cin % g):
        ctx.fail(f"group {g} must divide both the input channels ({cin}) and num_output ({c.num_output})")
    return cin, c.num_output, g


def _conv_shape(ctx):
    axis, geo = geometry(ctx)
    cout = ctx.p.convolution_param.num_output if ctx.p.type == "Im2col" else _channels(ctx, axis)[1]
    shapes = []
    for b, shape in enumerate(ctx.bottoms):
        if b and shape != ctx.bottoms[0]:
            ctx.fail(f"all bottoms must have one shape: {fmt_shape(ctx.bottoms[0])} and {fmt_shape(shape)}")
        out = list(shape[:axis]) + [cout]
        for size, (k, s, p, d) in zip(shape[axis + 1:], geo):
            if size is None:
                out.append(None)
                continue
            extent = d * (k - 1) + 1
            n = _trunc_div(size + 2 * p - extent, s) + 1
            if n < 1:  # Caffe: Blob::Reshape's "shape[i] >= 0", or an empty blob it cannot allocate
                ctx.fail(f"kernel extent {extent} with stride {s} does not fit input {size} with pad {p}: "
                         f"{n} outputs (bottom {fmt_shape(shape)})")
            out.append(n)
        shapes.append(out)
    return shapes


def _depthwise_shape(ctx):
    ctx.image("convolves", 1, 1)  # conv_dw_layer.hpp: exactly one bottom and top, N x C x H x W
    if ctx.ntops != 1:
        ctx.fail(f"makes exactly one top, has {ctx.ntops}")
    if geometry(ctx)[0] != 1:
        ctx.fail("convolves channels on axis 1 only (conv_dw_layer.cpp ignores axis)")
    return _conv_shape(ctx)


def _deconv_shape(ctx):
    axis, geo = geometry(ctx)
    _channels(ctx, axis)
    shapes = []
    for shape in ctx.bottoms:
        out = list(shape[:axis]) + [ctx.p.convolution_param.num_output]
        for size, (k, s, p, d) in zip(shape[axis + 1:], geo):
            if size is None:
                out.append(None)
                continue
            size_out = s * (size - 1) + d * (k - 1) + 1 - 2 * p
            if size_out < 1:
                ctx.fail(f"output size {size_out} from input {size}: the pad {p} is too large")
            out.append(size_out)
        shapes.append(out)
    return shapes


def _deps(index_map):
    def deps(ctx):
        axis, geo = geometry(ctx)
        out = []
        for b in range(len(ctx.bottoms)):
            d = {a: [(b, a, index_map(*g))] for a, g in zip(range(axis + 1, len(ctx.bottoms[b])), geo)}
            d.update({a: [(b, a, Window(1, 0, 1))] for a in range(axis)})
            out.append(d)
        return out
    return deps


def _params(ctx):
    axis, geo = geometry(ctx)
    cin, cout, g = _channels(ctx, axis)
    kernel = [k for k, _, _, _ in geo]
    weights = [cout, None if cin is None else cin // g, *kernel]
    if ctx.p.type == "Deconvolution":
        weights = [cin, cout // g, *kernel]
    return [weights] + ([[cout]] if ctx.p.convolution_param.bias_term else [])


def _conv_macc(ctx, tops):
    axis, geo = geometry(ctx)
    cin, cout, g = _channels(ctx, axis)
    per_output = product([k for k, _, _, _ in geo]) * _div(cin, g)
    # Caffe runs the convolution once per position of the axes before the channel axis (num_ =
    # count(0, channel_axis)): per image, that is every axis after the batch.
    return sum(_mul(per_output, product(t[min(axis, 1):])) for t in tops)


def _deconv_macc(ctx, tops):
    # Every input position is scattered through the whole kernel into every output channel.
    axis, geo = geometry(ctx)
    cin, cout, g = _channels(ctx, axis)
    per_input = product([k for k, _, _, _ in geo]) * cout // g
    return sum(_mul(per_input, product(b[min(axis, 1):])) for b in ctx.bottoms)



def _trunc_div(a, b):
    """C++'s integer division, which truncates toward zero: (1 - 2) / 2 is 0, so Caffe
    gives a 2x2 stride-2 convolution of a 1x1 input one output."""
    q = abs(a) // b
    return q if a >= 0 else -q


def _div(a, b):
    return None if a is None else a // b


def _mul(a, b):
    return None if not known(a, b) else a * b


def _im2col_shape(ctx):
    axis, geo = geometry(ctx)
    out = _conv_shape(ctx)[0]
    out[axis] = _mul(ctx.bottoms[0][axis], product([k for k, _, _, _ in geo]))
    return [out]


def _onnx(ctx, e):
    """Conv or ConvTranspose per bottom (Caffe runs each bottom through the same weights)."""
    axis, geo = geometry(ctx)
    if axis != 1 or len(ctx.bottoms[0]) < 3:
        e.fail(f"ONNX convolves N x C x spatial blobs, this one has its channels on axis {axis}")
    c = ctx.p.convolution_param
    group = _channels(ctx, axis)[2]
    arrays = e.weights([c.weight_filler, c.bias_filler])
    weights = [e.const(arrays[0], "weight")] + ([e.const(arrays[1], "bias")] if len(arrays) > 1 else [])
    kernel, stride, pad, dilation = (list(v) for v in zip(*geo))
    deconv = ctx.p.type == "Deconvolution"
    for b, shape in enumerate(ctx.bottoms):
        ends = pad
        if not deconv:
            # C++ truncation gives one output where the kernel overhangs the padded input: ONNX needs that
            # overhang as padding at the end.
            ends = [max(p, (n - 1) * s + d * (k - 1) + 1 - size - p)
                    for size, n, k, s, p, d in zip(shape[2:], ctx.tops[b][2:], kernel, stride, pad, dilation)]
        e.op("ConvTranspose" if deconv else "Conv", [e.x(b)] + weights, e.y(b), kernel_shape=kernel,
             strides=stride, pads=pad + ends, dilations=dilation, group=group)


register("Im2col", CONVOLUTION, shape=_im2col_shape, deps=_deps(lambda k, s, p, d: Window(s, p, k, d)),
         no_onnx="ONNX has no operator that lays patches out as columns")
register("Convolution", CONVOLUTION, shape=_conv_shape, deps=_deps(lambda k, s, p, d: Window(s, p, k, d)),
         params=_params, macc=_conv_macc, onnx=_onnx)
# yonghenglh6/DepthwiseConvolution depthwise_conv_layer.cpp: a BaseConvolutionLayer with Caffe's own output
# shape and group semantics (only its GPU kernel is depthwise-specific), so a Convolution in every rule.
register("DepthwiseConvolution", CONVOLUTION, shape=_conv_shape,
         deps=_deps(lambda k, s, p, d: Window(s, p, k, d)), params=_params, macc=_conv_macc, onnx=_onnx)
register("ConvolutionDepthwise", CONVOLUTION, shape=_depthwise_shape,
         deps=_deps(lambda k, s, p, d: Window(s, p, k, d)), params=_params, macc=_conv_macc, onnx=_onnx)
register("Deconvolution", CONVOLUTION, shape=_deconv_shape,
         deps=_deps(lambda k, s, p, d: transposed(s, p, k, d)),
         params=_params, macc=_deconv_macc, onnx=_onnx)

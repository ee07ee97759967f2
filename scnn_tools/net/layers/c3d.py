"""C3D's 3-D layers (facebook/C3D): Convolution3D, Deconvolution3D and Pooling3D on N x C x L x H x W blobs.

Two spellings reach here. C3D v1.0 (C3D-v1.0/src/caffe/layers/convolution3d_layer.cpp,
deconvolution3d_layer.cpp, pool3d_layer.cpp) writes V1 files, `type: CONVOLUTION3D` with
`convolution_param { kernel_size kernel_depth pad temporal_pad stride temporal_stride }` (and
`pooling_param` for POOLING3D); C3D v1.1 (C3D-v1.1/src/caffe/layers/, the same files) writes V2 files,
`type: "Convolution3D"` with `convolution3d_param` (`pooling3d_param`) of the same fields. Both read one
square kernel, stride and pad for H and W, and kernel_depth, temporal_stride and temporal_pad for L.
"""

from scnn_tools.net.indexmaps import IDENTITY, Transposed, Window
from .conv import _trunc_div
from .pool import _emit
from .registry import CONVOLUTION, POOLING, fmt_shape, product, register

# Fields of BVLC's ConvolutionParameter / PoolingParameter C3D's layers do not read: a file that gives
# them means something C3D does not do.
_NOT_C3D = ("kernel_h", "kernel_w", "stride_h", "stride_w", "pad_h", "pad_w", "dilation", "global_pooling")


def _volume(ctx):
    ctx.need_bottoms(1, 1)  # (CHECK_EQ(bottom.size(), 1) in every C3D layer's set-up)
    shape = ctx.bottoms[0]
    if len(shape) != 5:
        ctx.fail(f"reads N x C x L x H x W blobs, bottom is {fmt_shape(shape)}")
    return shape


def _single(ctx, q, name, default):
    """One value of a field that is repeated in BVLC's message but single in C3D's."""
    value = getattr(q, name)
    if isinstance(value, int):
        return value if q.HasField(name) else default
    if len(value) > 1:
        ctx.fail(f"{name} has {len(value)} values; C3D reads one, for both H and W")
    return value[0] if len(value) else default


def _c3d_param(ctx, own):
    """The layer's C3D v1.1 message (`own`) if it has one, else the C3D v1.0 fields of the BVLC one."""
    if ctx.p.HasField(own):
        return getattr(ctx.p, own)
    q = ctx.p.pooling_param if own == "pooling3d_param" else ctx.p.convolution_param
    given = [f.name for f, _ in q.ListFields() if f.name in _NOT_C3D]
    if given:
        ctx.fail(f"C3D reads kernel_size, stride and pad for both H and W; it has no {', '.join(given)}")
    return q


def _axes(ctx, q):
    """[(kernel, stride, pad)] for L, H, W."""
    kernel, depth = _single(ctx, q, "kernel_size", 0), q.kernel_depth
    if kernel < 1 or depth < 1:
        ctx.fail(f"needs kernel_size and kernel_depth (has {kernel} and {depth})")
    stride, tstride = _single(ctx, q, "stride", 1), q.temporal_stride
    if stride < 1 or tstride < 1:
        ctx.fail(f"stride {stride} and temporal_stride {tstride} must be positive")
    tpad = getattr(q, "temporal_pad", 0)  # (pooling has no temporal pad)
    return [(depth, tstride, tpad)] + [(kernel, stride, _single(ctx, q, "pad", 0))] * 2


def _conv(ctx):
    """(num_output, bias_term, per-axis geometry) of a Convolution3D or Deconvolution3D."""
    def parse(ctx):
        _volume(ctx)
        q = _c3d_param(ctx, "convolution3d_param")
        if q.num_output < 1:
            ctx.fail("num_output is required")
        bias = q.bias_term
        if ctx.p.type == "Deconvolution3D" and ctx.p.HasField("convolution3d_param"):
            # C3D v1.1 deconvolution3d_layer.cpp reads bias_term from convolution_param(), not from
            # convolution3d_param() as everything else: default true.
            bias = ctx.p.convolution_param.bias_term
        return q.num_output, bias, _axes(ctx, q)
    return ctx.once("c3d", parse)


def _conv_shape(ctx):
    n, c, *sizes = ctx.bottoms[0]
    num_output, _, axes = _conv(ctx)
    out = [n, num_output]
    for size, (k, s, p) in zip(sizes, axes):
        # convolution3d_layer.cpp: (size + 2 * pad - kernel) / stride + 1, C++ int division.
        m = None if size is None else _trunc_div(size + 2 * p - k, s) + 1
        if m is not None and m < 1:
            ctx.fail(f"kernel {k} with stride {s} does not fit input {size} with pad {p}")
        out.append(m)
    return [out]


def _deconv_shape(ctx):
    n, c, *sizes = ctx.bottoms[0]
    num_output, _, axes = _conv(ctx)
    out = [n, num_output]
    for size, (k, s, p) in zip(sizes, axes):
        # deconvolution3d_layer.cpp: (size - 1) * stride - 2 * pad + kernel.
        m = None if size is None else (size - 1) * s - 2 * p + k
        if m is not None and m < 1:
            ctx.fail(f"output size {m} from input {size}: the pad {p} is too large")
        out.append(m)
    return [out]


def _params(ctx):
    num_output, bias, axes = _conv(ctx)
    c = ctx.bottoms[0][1]
    kernel = [k for k, _, _ in axes]
    # C3D ignores group (filter_group only splits the work): full weights, (num_output, C, kd, k, k) for
    # convolution, (C, num_output, kd, k, k) for deconvolution; the bias blob is (1, 1, 1, 1, num_output).
    weights = [c, num_output] if ctx.p.type == "Deconvolution3D" else [num_output, c]
    return [weights + kernel] + ([[1, 1, 1, 1, num_output]] if bias else [])


def _macc(ctx, tops):
    num_output, _, axes = _conv(ctx)
    c = ctx.bottoms[0][1]
    per = product([c, num_output] + [k for k, _, _ in axes])
    # Convolution: per output position; deconvolution scatters every input position through the kernel.
    positions = ctx.bottoms[0][2:] if ctx.p.type == "Deconvolution3D" else tops[0][2:]
    n = product(positions)
    return None if per is None or n is None else per * n


def _conv_deps(transposed):
    def deps(ctx):
        _, _, axes = _conv(ctx)
        maps = [Transposed(s, p, k) if transposed and s > 1 else
                Window(1, k - 1 - p, k) if transposed else Window(s, p, k) for k, s, p in axes]
        return [{0: [(0, 0, IDENTITY)], **{a: [(0, a, m)] for a, m in zip((2, 3, 4), maps)}}]
    return deps


def _conv_onnx(ctx, e):
    num_output, _, axes = _conv(ctx)
    q = _c3d_param(ctx, "convolution3d_param")
    arrays = e.weights([q.weight_filler, q.bias_filler])
    inputs = [e.x(), e.const(arrays[0], "weight")] + ([e.const(arrays[1].reshape(-1), "bias")] if len(arrays) > 1
                                                      else [])
    kernel, stride, pad = (list(v) for v in zip(*axes))
    if ctx.p.type == "Deconvolution3D":
        e.op("ConvTranspose", inputs, e.y(), kernel_shape=kernel, strides=stride, pads=pad + pad)
        return
    # C++ truncation gives an output where the kernel overhangs the padded input: ONNX needs it as end padding.
    ends = [max(p, (m - 1) * s + k - size - p)
            for size, m, (k, s, p) in zip(ctx.bottoms[0][2:], ctx.tops[0][2:], axes)]
    e.op("Conv", inputs, e.y(), kernel_shape=kernel, strides=stride, pads=pad + ends)


def _pool(ctx):
    def parse(ctx):
        _volume(ctx)
        q = _c3d_param(ctx, "pooling3d_param")
        axes = _axes(ctx, q)
        if q.pad and q.pool != q.AVE:
            ctx.fail("C3D pads average pooling only (pool3d_layer.cpp: \"Padding implemented only for average "
                     "pooling\")")
        if q.pool == q.STOCHASTIC:
            ctx.fail("C3D's Pooling3D does not implement STOCHASTIC pooling")
        return q.pool == q.MAX, axes
    return ctx.once("c3d", parse)


def _pool_shape(ctx):
    n, c, *sizes = ctx.bottoms[0]
    _, axes = _pool(ctx)
    out = [n, c]
    for size, (k, s, p) in zip(sizes, axes):
        # pool3d_layer.cpp: ceil((size + 2 * pad - kernel) / stride) + 1 (no pad along L), and no rule that
        # drops a last window starting in the padding (BVLC's has one).
        m = None if size is None else -(-(size + 2 * p - k) // s) + 1
        if m is not None and m < 1:
            ctx.fail(f"kernel {k} with stride {s} gives {m} outputs from input {size}")
        out.append(m)
    return [out]


def _pool_deps(ctx):
    _, axes = _pool(ctx)
    return [{0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)],
             **{a: [(0, a, Window(s, p, k))] for a, (k, s, p) in zip((2, 3, 4), axes)}}]


def _pool_onnx(ctx, e):
    is_max, axes = _pool(ctx)
    kernel, stride, pad = (list(v) for v in zip(*axes))
    _emit(e, e.x(), [e.y()], ctx.bottoms[0], ctx.tops[0][2:], kernel, stride, pad, is_max)


register("Convolution3D", CONVOLUTION, shape=_conv_shape, deps=_conv_deps(False), params=_params, macc=_macc,
         onnx=_conv_onnx)
register("Deconvolution3D", CONVOLUTION, shape=_deconv_shape, deps=_conv_deps(True), params=_params, macc=_macc,
         onnx=_conv_onnx)
register("Pooling3D", POOLING, shape=_pool_shape, deps=_pool_deps, onnx=_pool_onnx)

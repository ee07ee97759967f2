"""MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (onnx/docs/Operators.md).

MaxPool-1/8/10/11/12 and AveragePool-1/7/10/11/19: kernel_shape (required), strides, pads, auto_pad;
ceil_mode from opset 10, dilations from MaxPool-10 and AveragePool-19; count_include_pad changes values
only. MaxPool's optional second output (Indices) has the first one's shape. The output size is conv.py's.
GlobalAveragePool-1 / GlobalMaxPool-1: N x C x 1 x ... x 1, each output reading its whole channel.

MaxUnpool-9/11 (X, I, optional output_shape): writes each value of X where I, a MaxPool's Indices, says it
came from; the rest is 0 (SegNet's unpooling as PyTorch exports MaxUnpool2d). Size per spatial axis
(in - 1) * stride + kernel - pad_begin - pad_end (onnx/reference/ops/op_max_unpool.py), or output_shape
where given. Fields: which window position a value goes to depends on I, so an output position may take the
value of any input whose window covers it: the transposed window (indexmaps.transposed), read in X and in I
alike, as Caffe's Upsample (SegNet) reads its mask.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole, transposed
from ..registry import POOLING, fmt_shape
from .conv import window_deps, windows
from .node import ALREADY, node, register


def _geometry(ctx):
    return ctx.once("onnx.pool", _pool)


def _pool(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.spatial("pools")
    kernel = o.attr("kernel_shape", kind=list)
    if kernel is None or len(kernel) != len(x) - 2:
        o.fail(f"kernel_shape {kernel} does not give one size per spatial axis of X {fmt_shape(x)}")
    return x, windows(o, x[2:], kernel, ceil=bool(o.attr("ceil_mode", 0)))


def _shape(ctx):
    x, axes = _geometry(ctx)
    if ctx.ntops > (2 if node(ctx).op == "MaxPool" else 1):
        node(ctx).fail(f"makes {ctx.ntops} outputs")
    return [list(x[:2]) + [a.out for a in axes]] * ctx.ntops


def _deps(ctx):
    return [{0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)], **window_deps(_geometry(ctx)[1])}] * ctx.ntops


def _global_shape(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.spatial("pools")
    return [list(x[:2]) + [1] * (len(x) - 2)]


def _global_deps(ctx):
    x = ctx.bottoms[0]
    deps = {0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)]}
    deps.update({a: [(0, a, Whole(x[a]))] for a in range(2, len(x))})
    return [deps]


def _unpool(ctx):
    o = node(ctx)
    o.need_inputs(2, 3)
    x = o.spatial("unpools")
    n = len(x) - 2
    kernel = o.attr("kernel_shape", kind=list)
    if kernel is None or len(kernel) != n:
        o.fail(f"kernel_shape {kernel} does not give one size per spatial axis of X {fmt_shape(x)}")
    strides, pads = o.per_axis("strides", n, 1), o.attr("pads", [0] * 2 * n)
    if len(pads) != 2 * n:
        o.fail(f"pads {pads} are not a begin and an end for each of {n} spatial axes")
    indices = o.shape(1)
    if indices is not None and list(indices) != list(x):
        o.fail(f"I {fmt_shape(indices)} is not the shape of X {fmt_shape(x)}")
    return x, kernel, strides, pads


def _unpool_shape(ctx):
    o = node(ctx)
    x, kernel, strides, pads = _unpool(ctx)
    n = len(kernel)
    if o.present(2):
        wanted = o.ints(2)
        if wanted is None:
            return o.not_known("output_shape (input 2)", [list(x[:2]) + [None] * n])
        if len(wanted) != len(x):
            o.fail(f"output_shape {wanted} does not give one size per axis of X {fmt_shape(x)}")
        return [wanted]
    return [list(x[:2]) + [None if d is None else (d - 1) * s + k - b - e
                           for d, k, s, b, e in zip(x[2:], kernel, strides, pads[:n], pads[n:])]]


def _unpool_deps(ctx):
    o = node(ctx)
    x, kernel, strides, pads = _unpool(ctx)
    deps = {}
    for i in (0, 1):
        b = o.bottom(i)
        if b is None:
            continue
        for a in range(len(x)):
            m = IDENTITY if a < 2 else transposed(strides[a - 2], pads[a - 2], kernel[a - 2])
            deps.setdefault(a, []).append((b, a, m))
    return [deps]


register("onnx.MaxPool", POOLING,
         reads=("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"), shape=_shape,
         deps=_deps, no_onnx=ALREADY, not_features={1: "holds the positions of the maxima"})
register("onnx.AveragePool", POOLING,
         reads=("auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"),
         shape=_shape, deps=_deps, no_onnx=ALREADY)
# LpPool-18/22: the p-norm of each window, whose geometry (kernel_shape, strides, pads, auto_pad, dilations,
# ceil_mode) is AveragePool's.
register("onnx.LpPool", POOLING, reads=("auto_pad", "ceil_mode", "dilations", "kernel_shape", "p", "pads", "strides"),
         shape=_shape, deps=_deps, no_onnx=ALREADY)
register("onnx.GlobalAveragePool", POOLING, shape=_global_shape, deps=_global_deps, no_onnx=ALREADY)
register("onnx.GlobalMaxPool", POOLING, shape=_global_shape, deps=_global_deps, no_onnx=ALREADY)
# GlobalLpPool-2: the p-norm of each whole channel, GlobalAveragePool's geometry.
register("onnx.GlobalLpPool", POOLING, reads=("p",), shape=_global_shape, deps=_global_deps, no_onnx=ALREADY)
register("onnx.MaxUnpool", POOLING, reads=("kernel_shape", "pads", "strides"), shape=_unpool_shape, deps=_unpool_deps,
         no_onnx=ALREADY)

"""ConvTranspose-1/11/22 (onnx/docs/Operators.md).

X is N x C x spatial, W is C x M/group x kernel, Y has M = W[1] * group channels. Per spatial axis the
full output is stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1, less pads[begin] and
pads[end]. auto_pad SAME_UPPER / SAME_LOWER ask for in * stride outputs and `output_shape` for its own
(spatial sizes only; a full N x C x ... shape is taken by its last axes, as onnxruntime does); both make
the padding total = full - out, split in two: SAME_UPPER puts the odd one at the end, SAME_LOWER and an
output_shape under NOTSET at the beginning (the spec's equations; onnxruntime 1.32 pads the same on every
case, checked by running it with one-hot inputs). Input i's tap t lands on output i * stride - begin +
t * dilation: Caffe's Deconvolution map (indexmaps.transposed).
"""

from scnn_tools.net.indexmaps import IDENTITY, transposed
from ..registry import CONVOLUTION, fmt_shape, known, product, register
from .conv import _params, kernel_of
from .node import ALREADY, node


class _Axis:
    __slots__ = ("k", "s", "d", "begin", "out")

    def __init__(self, k, s, d, begin, out):
        self.k, self.s, self.d, self.begin, self.out = k, s, d, begin, out


def _geometry(ctx):
    return ctx.once("onnx.convtranspose", _convtranspose)


def _convtranspose(ctx):
    o = node(ctx)
    x, w, kernel = kernel_of(o)
    n = len(x) - 2
    group = o.attr("group", 1)
    if group < 1 or (w is not None and known(x[1]) and x[1] != w[0]) or (known(x[1]) and x[1] % group):
        o.fail(f"X has {x[1]} channels, the weights {fmt_shape(w)} read {w and w[0]} in groups of {group}")
    cout = w[1] * group if w is not None else None
    b = o.shape(2)
    if b is not None and known(cout) and list(b) != [cout]:
        o.fail(f"the bias {fmt_shape(b)} is not one value per output channel ({cout})")
    strides, dilations = o.per_axis("strides", n, 1), o.per_axis("dilations", n, 1)
    extra = o.per_axis("output_padding", n, 0)
    pads = o.attr("pads", [0] * 2 * n)
    auto = o.attr("auto_pad", "NOTSET")
    wanted = o.attr("output_shape")
    if len(pads) != 2 * n:
        o.fail(f"pads {list(pads)} has {len(pads)} values for {n} spatial axes (begin and end of each)")
    if auto not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
        o.fail(f"auto_pad {auto!r} is none of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
    if wanted is not None:
        if len(wanted) not in (n, n + 2):
            o.fail(f"output_shape {list(wanted)} gives no size per spatial axis of X {fmt_shape(x)}")
        wanted = list(wanted[-n:])
    if any(v < 1 for v in list(kernel) + strides + dilations) or any(v < 0 for v in list(pads) + extra):
        o.fail(f"kernel {list(kernel)}, strides {strides} and dilations {dilations} must be positive, pads "
               f"{list(pads)} and output_padding {extra} not negative")
    axes = []
    for i, (size, k, s, d, e) in enumerate(zip(x[2:], kernel, strides, dilations, extra)):
        if size is None:
            axes.append(_Axis(k, s, d, pads[i] if wanted is None and auto in ("NOTSET", "VALID") else None, None))
            continue
        full = s * (size - 1) + e + (k - 1) * d + 1
        if wanted is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
            out = wanted[i] if wanted is not None else size * s
            total = full - out
            if total < 0:
                o.fail(f"output size {out} along spatial axis {i} is more than the {full} positions the "
                       f"transposed kernel reaches")
            begin = total // 2 if auto == "SAME_UPPER" else total - total // 2
        else:
            begin, end = (0, 0) if auto == "VALID" else (pads[i], pads[n + i])
            out = full - begin - end
        if out < 1:
            o.fail(f"pads {list(pads)} leave no output along spatial axis {i}")
        axes.append(_Axis(k, s, d, begin, out))
    return x, w, cout, axes


def _shape(ctx):
    x, _, cout, axes = _geometry(ctx)
    return [[x[0], cout] + [a.out for a in axes]]


def _deps(ctx):
    axes = _geometry(ctx)[3]
    deps = {0: [(0, 0, IDENTITY)]}
    deps.update({2 + i: [(0, 2 + i, transposed(a.s, a.begin, a.k, a.d))] for i, a in enumerate(axes)
                 if a.begin is not None})
    return [deps]


def _macc(ctx, tops):
    # As Caffe's Deconvolution: every input value is scattered through its kernel into M/group channels,
    # C x spatial x kernel x M/group = W's size per input position.
    x, w, _, _ = _geometry(ctx)
    return product([product(w) if w is not None else None] + list(x[2:]))


register("onnx.ConvTranspose", CONVOLUTION, shape=_shape, deps=_deps, params=_params, macc=_macc,
         no_onnx=ALREADY)

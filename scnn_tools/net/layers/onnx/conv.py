"""Conv and ConvTranspose, and the window geometry Conv and the pooling operators share.

onnx/docs/Operators.md, Conv-1/11 and MaxPool/AveragePool: `pads` is [x1_begin, x2_begin, ..., x1_end,
x2_end, ...]; auto_pad SAME_UPPER / SAME_LOWER give ceil(in / stride) outputs with the total padding
(out - 1) * stride + (kernel - 1) * dilation + 1 - in split in two, the odd one at the end (UPPER) or at
the beginning (LOWER); VALID pads nothing; NOTSET (the default) uses `pads`. The output size is
floor((in + pad_begin + pad_end - (kernel - 1) * dilation - 1) / stride) + 1, or with ceil_mode (pooling)
the ceiling, less a last window that would start in the end padding.
"""

from scnn_tools.net.indexmaps import IDENTITY, Transposed, Window
from ..registry import CONVOLUTION, fmt_shape, known, product
from .node import ALREADY, node, register


class Axis:
    """One spatial axis of a window: kernel, stride, dilation, padding at each end, and the output size."""

    __slots__ = ("k", "s", "d", "begin", "end", "out")

    def __init__(self, k, s, d, begin, end, out):
        self.k, self.s, self.d, self.begin, self.end, self.out = k, s, d, begin, end, out

    @property
    def window(self):
        return Window(self.s, self.begin, self.k, self.d)


def windows(o, sizes, kernel, ceil=False):
    """Per spatial axis of sizes (None where unknown): its Axis (begin/end/out None where they depend on an
    unknown size)."""
    n = len(sizes)
    strides, dilations = o.per_axis("strides", n, 1), o.per_axis("dilations", n, 1)
    auto = o.attr("auto_pad", "NOTSET")
    pads = o.attr("pads", [0] * 2 * n)
    if len(pads) != 2 * n:
        o.fail(f"pads {list(pads)} has {len(pads)} values for {n} spatial axes (begin and end of each)")
    if min(*kernel, *strides, *dilations) < 1 or min(pads) < 0:
        o.fail(f"kernel {list(kernel)}, strides {strides} and dilations {dilations} must be positive and "
               f"pads {list(pads)} not negative")
    if auto not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
        o.fail(f"auto_pad {auto!r} is none of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
    if auto != "NOTSET" and ceil:
        o.fail("ceil_mode with auto_pad: the spec defines no output size for both")
    same = auto in ("SAME_UPPER", "SAME_LOWER")
    axes = []
    for i, (size, k, s, d) in enumerate(zip(sizes, kernel, strides, dilations)):
        extent = (k - 1) * d + 1
        begin, end = (0, 0) if auto == "VALID" else (pads[i], pads[n + i])
        if size is None:
            axes.append(Axis(k, s, d, None if same else begin, None, None))
            continue
        if same:
            out = -(-size // s)
            total = max(0, (out - 1) * s + extent - size)
            begin = total // 2 if auto == "SAME_UPPER" else total - total // 2
            end = total - begin
        else:
            span = size + begin + end - extent
            out = (-(-span // s) if ceil else span // s) + 1
            if ceil and (out - 1) * s >= size + begin:
                out -= 1  # the last window would start in the end padding
        if out < 1:
            o.fail(f"a window of {extent} (kernel {k}, dilation {d}) does not fit input {size} with pads "
                   f"{begin} and {end}")
        axes.append(Axis(k, s, d, begin, end, out))
    return axes


def window_deps(axes):
    """{2 + i: [(0, 2 + i, axis i's window)]}, axes alike (a square kernel's) reading through one map: the field
    walks, which ask whether h and w are read alike, then see it at once."""
    deps, maps = {}, {}
    for i, a in enumerate(axes):
        key = (a.s, a.begin, a.k, a.d)
        if key not in maps:
            maps[key] = a.window
        deps[2 + i] = [(0, 2 + i, maps[key])]
    return deps


def _geometry(ctx):
    return ctx.once("onnx.conv", _conv)


# Where each convolution-like operator (Conv-11, ConvInteger-10, QLinearConv-10, DeformConv-19, ConvTranspose-11)
# has its weight W and bias B, and how many inputs it takes: the quantized ones' scales and zero points sit
# between, and they convolve as Conv does (onnx/docs/Operators.md).
CONVOLVERS = {"Conv": (1, 2, 2, 3), "ConvTranspose": (1, 2, 2, 3), "ConvInteger": (1, None, 2, 4),
              "QLinearConv": (3, 8, 8, 9), "DeformConv": (1, 3, 3, 5)}


def _inputs(o):
    """(X's shape, W's (None where unknown), the kernel, group) of a convolution-like node."""
    w_at, _, low, high = CONVOLVERS[o.op]
    o.need_inputs(low, high)
    x, w = o.spatial("convolves"), o.shape(w_at)
    n = len(x) - 2
    kernel = o.attr("kernel_shape", kind=list) or (w[2:] if w is not None else None)
    if kernel is None or len(kernel) != n or (w is not None and (len(w) != n + 2 or list(w[2:]) != list(kernel))):
        o.fail(f"kernel_shape {kernel} and weights {fmt_shape(w)} do not fit X {fmt_shape(x)}")
    return x, w, kernel, o.attr("group", 1)


def _conv(ctx):
    o = node(ctx)
    x, w, kernel, group = _inputs(o)
    cout = w[0] if w is not None else None
    cin = x[1]
    if group < 1 or (cout is not None and cout % group) or (w is not None and cin is not None and cin != w[1] * group):
        o.fail(f"X has {cin} channels, the weights {fmt_shape(w)} read {w and w[1]} per group of {group}")
    b_at = CONVOLVERS[o.op][1]
    b = o.shape(b_at) if b_at is not None else None
    if b is not None and cout is not None and list(b) != [cout]:
        o.fail(f"the bias {fmt_shape(b)} is not one value per output channel ({cout})")
    return x, w, cout, group, windows(o, x[2:], kernel)


def _shape(ctx):
    x, _, cout, _, axes = _geometry(ctx)
    return [[x[0], cout] + [a.out for a in axes]]


def _deps(ctx):
    return [{0: [(0, 0, IDENTITY)], **window_deps(_geometry(ctx)[4])}]


def _params(ctx):
    o = node(ctx)
    return o.weights(*(i for i in CONVOLVERS[o.op][:2] if i is not None))


def _macc(ctx, tops):
    x, w, _, group, _ = _geometry(ctx)
    # Every output value sums C/group x kernel products (the Caffe rule's per-output count).
    per_output = product(w[1:]) if w is not None else None
    total = product(tops[0][1:])
    return None if not known(per_output, total) else per_output * total


register("onnx.Conv", CONVOLUTION, reads=("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"),
         shape=_shape, deps=_deps, params=_params, macc=_macc, no_onnx=ALREADY)


# ConvTranspose-11 (onnx/docs/Operators.md): W is C x M/group x kernel; output position o reads input i where
# o = i * stride - pad_begin + t * dilation. The output size is stride * (in - 1) + output_padding +
# (kernel - 1) * dilation + 1 - pad_begin - pad_end; with output_shape (pads then ignored) or auto_pad SAME_*
# (output in * stride) the total padding is what that size leaves, its smaller half at the beginning for
# SAME_UPPER and at the end otherwise (onnx's reference ConvTranspose, and onnxruntime 1.32, place an odd
# total so).
def _transposed(ctx):
    return ctx.once("onnx.convtranspose", _transposed_geometry)


def _transposed_geometry(ctx):
    o = node(ctx)
    x, w, kernel, group = _inputs(o)
    n = len(x) - 2
    if group < 1 or (w is not None and known(x[1]) and x[1] != w[0]) or (known(x[1]) and x[1] % group):
        o.fail(f"X has {x[1]} channels, the weights {fmt_shape(w)} read {w and w[0]} in {group} group(s)")
    cout = None if w is None else w[1] * group
    strides, dilations = o.per_axis("strides", n, 1), o.per_axis("dilations", n, 1)
    extra = o.per_axis("output_padding", n, 0)
    auto = o.attr("auto_pad", "NOTSET")
    pads = o.attr("pads", [0] * 2 * n) if auto in ("NOTSET", "VALID") else None
    if auto == "VALID":
        pads = [0] * 2 * n
    if pads is not None and len(pads) != 2 * n:
        o.fail(f"pads {list(pads)} has {len(pads)} values for {n} spatial axes (begin and end of each)")
    wanted = o.attr("output_shape", kind=list)
    if wanted is not None:
        wanted = list(wanted)[-n:] if len(wanted) in (n, n + 2) else o.fail(f"output_shape {wanted} is not "
                                                                             f"{n} spatial sizes")
    axes = []
    for i, (size, k, s, d, e) in enumerate(zip(x[2:], kernel, strides, dilations, extra)):
        if min(k, s, d) < 1 or e < 0 or (pads is not None and min(pads) < 0):
            o.fail(f"kernel {list(kernel)}, strides {strides}, dilations {dilations} must be positive, "
                   f"output_padding {extra} and pads {pads} not negative")
        extent = (k - 1) * d + 1
        if size is None:
            axes.append(Axis(k, s, d, pads[i] if pads is not None and wanted is None else None, None, None))
            continue
        full = s * (size - 1) + e + extent
        if wanted is not None or pads is None:
            out = wanted[i] if wanted is not None else size * s
            total = full - out
            begin = total // 2 if auto == "SAME_UPPER" else total - total // 2
            end = total - begin
        else:
            begin, end = pads[i], pads[n + i]
            out = full - begin - end
        if out < 1:
            o.fail(f"output size {out} from input {size} (kernel {k}, stride {s}, pads {begin} and {end})")
        axes.append(Axis(k, s, d, begin, end, out))
    return x, w, cout, group, axes


def _transposed_shape(ctx):
    x, _, cout, _, axes = _transposed(ctx)
    return [[x[0], cout] + [a.out for a in axes]]


def _transposed_deps(ctx):
    axes = _transposed(ctx)[4]
    deps = {0: [(0, 0, IDENTITY)]}
    deps.update({2 + i: [(0, 2 + i, Window(1, (a.k - 1) * a.d - a.begin, a.k, a.d) if a.s == 1
                          else Transposed(a.s, a.begin, a.k, a.d))] for i, a in enumerate(axes)})
    return [deps]


def _transposed_macc(ctx, tops):
    # As Caffe's Deconvolution: every input value is scattered through the kernel into M/group channels.
    x, w, _, _, _ = _transposed(ctx)
    per_input = product(w[1:]) if w is not None else None
    total = product(x[1:])
    return None if not known(per_input, total) else per_input * total


register("onnx.ConvTranspose", CONVOLUTION,
         reads=("auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"),
         shape=_transposed_shape, deps=_transposed_deps, params=_params, macc=_transposed_macc, no_onnx=ALREADY)

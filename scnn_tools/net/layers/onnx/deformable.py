"""DeformConv-19/22 and Col2Im-18 (onnx/docs/Operators.md).

DeformConv (X, W, offset, B, mask): a convolution (conv.py's output size, W (oC, C/group, kernel), B one value per
output channel) whose kernel taps are moved by `offset` (N, offset_group x prod(kernel) x r, output spatial)
and weighted by `mask` (N, offset_group x prod(kernel), output spatial), read by linear interpolation. Which
input positions an output reads are the offsets' values, known only when the net runs: the spatial axes have
no field (the batch axis reads its own). Its learnt blobs and multiply-adds are Conv's (each output value sums
C/group x kernel products), as torchvision's DeformConv2d counts its weight and bias; the bilinear sampling and
the mask are not counted, as Resize's interpolation is not.

Col2Im (input (N, C x prod(block_shape), L), image_shape, block_shape): PyTorch's fold, which sums the L
blocks (enumerated in lexicographic order of their positions, a convolution's output grid with `strides`,
`pads`, `dilations`) back into an (N, C, image_shape...) image. Output channel c reads the prod(block_shape)
input rows of its blocks, c x prod(block) to (c + 1) x prod(block) - 1; the image axes come from one axis of
block positions, L, which no per-axis field can say: they have none.
"""

from scnn_tools.net.indexmaps import IDENTITY, Window
from ..registry import CONVOLUTION, RESHAPE, fmt_shape, known, product
from . import conv
from .node import ALREADY, node, register


def _deform_deps(ctx):
    o = node(ctx)
    x, _, _, _, axes = conv._geometry(ctx)
    offset = o.shape(2)
    want = [x[0], o.attr("offset_group", 1) * product([a.k for a in axes]) * len(axes)] + [a.out for a in axes]
    if offset is not None and (len(offset) != len(want) or any(known(a, b) and a != b for a, b in zip(offset, want))):
        o.fail(f"offset {fmt_shape(offset)} is not (N, offset_group x kernel x {len(axes)}, output spatial) "
               f"{fmt_shape(want)}")
    o.unknown("its offsets, values known only when the net runs, move every kernel tap: the spatial axes have no "
              "field")
    return [{0: [(o.bottom(i), 0, IDENTITY) for i in (0, 2, 4) if o.is_data(i)]}]


register("onnx.DeformConv", CONVOLUTION,
         reads=("dilations", "group", "kernel_shape", "offset_group", "pads", "strides"), shape=conv._shape,
         deps=_deform_deps, params=conv._params, macc=conv._macc, no_onnx=ALREADY)


def _col2im(ctx):
    """(input shape, image sizes, block sizes), or None where the sizes are not known before the net runs."""
    o = node(ctx)
    o.need_inputs(3, 3)
    x = o.data(0, "input")
    image, block = o.ints(1), o.ints(2)
    if len(x) != 3:
        o.fail(f"rearranges (N, C x blocks, L) blobs, input is {fmt_shape(x)}")
    if image is None or block is None:
        return x, None, None
    n = len(image)
    strides, dilations = o.per_axis("strides", n, 1), o.per_axis("dilations", n, 1)
    pads = o.attr("pads", [0] * 2 * n)
    if len(block) != n or len(pads) != 2 * n or min(block + strides + dilations) < 1 or min(pads) < 0:
        o.fail(f"image_shape {image}, block_shape {block}, pads {pads}, strides {strides} and dilations {dilations} "
               "do not describe the same spatial axes")
    blocks = [(i + pads[a] + pads[n + a] - d * (k - 1) - 1) // s + 1
              for a, (i, k, s, d) in enumerate(zip(image, block, strides, dilations))]
    size = product(block)
    if min(blocks) < 1 or (known(x[1]) and x[1] % size) or (known(x[2]) and x[2] != product(blocks)):
        o.fail(f"input {fmt_shape(x)} is not (N, C x {size}, {product(blocks)} blocks) for image_shape {image}, "
               f"block_shape {block}")
    return x, image, block


def _col2im_shape(ctx):
    x, image, block = _col2im(ctx)
    if image is None:
        return node(ctx).not_known("image_shape or block_shape", [None])
    return [[x[0], None if x[1] is None else x[1] // product(block)] + image]


def _col2im_deps(ctx):
    _, image, block = _col2im(ctx)
    size = product(block)
    node(ctx).unknown("its image axes are summed from one axis of block positions (L), which no per-axis field "
                      "says: they have none")
    return [{0: [(0, 0, IDENTITY)], 1: [(0, 1, Window(size, 0, size))]}]


register("onnx.Col2Im", RESHAPE, reads=("dilations", "pads", "strides"), shape=_col2im_shape, deps=_col2im_deps,
         no_onnx=ALREADY)

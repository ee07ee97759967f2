"""The fields of PyTorch's max_unpool2d as torch.onnx writes it: a Reshape back from a flat ScatterND, which
the reader (netfile/onnxunpool.py) has found and given the blobs it unpools as field bottoms.

What the nodes prove: the flat indices J, position by position beside the flat values X, are the pooling's
Indices I, which number the pooled input x (N x C x H x W) row by row, ((n * C + c) * H + y) * W + x
(MaxPool, storage_order 0), less each plane's first index where the model subtracts it, plus the constant it
adds. The value of pooled position (n, c, i, j) lands at flat J = (n * C + c) * Ho * Wo + y * Wo + x of the
output, that is at its own (y, x), the maximum's, in (n, c), exactly where

    W = Wo, every row a window reaches is below Ho, and the constant is (n * C + c) * Ho * Wo
    (less (n * C + c) * H * W where the plane's start is not subtracted).

Then each output position holds the value of a pooled position whose window holds it, or 0: the field of
MaxUnpool (layers/onnx/pool.py), the transposed window, read in X and in I. Otherwise the positions land
elsewhere (torch writes y * W + x and reads it against Wo) and the field is unknown, said so.
"""

from scnn_tools.net.indexmaps import IDENTITY, transposed
from scnn_tools.netfile.onnxfile import attributes
from .node import node


def deps(ctx):
    """The Reshape's deps where the numbers bear the unpooling out, else None (having said why)."""
    unpool = ctx.node.onnx.unpool
    first = len(ctx.p.bottom)  # (the field bottoms come after the node's own: net/graph.py)
    x, indices, pooled = ctx.bottoms[first:first + 3]
    a = attributes(unpool.pool)
    why = _refuted(a, unpool, x, indices, pooled, ctx.tops[0])
    if why:
        node(ctx).unknown(f"it ends an unpooling written as a flat ScatterND (PyTorch's max_unpool2d), but {why}: "
                          "where each value lands is not its own position, so its output has no field")
        return None
    k, s, begin = a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])[:2]
    deps = {}
    for b in (first, first + 1):
        for axis in range(4):
            deps.setdefault(axis, []).append(
                (b, axis, IDENTITY if axis < 2 else transposed(s[axis - 2], begin[axis - 2], k[axis - 2])))
    return [deps]


def _refuted(a, unpool, x, indices, pooled, out):
    """Why the numbers do not make it an unpooling, or None where they do."""
    if a.get("auto_pad", "NOTSET") != "NOTSET" or a.get("dilations", [1, 1]) != [1, 1] or a.get("storage_order", 0):
        return "its pooling pads by auto_pad, dilates or numbers its indices by columns"
    k, s, pads = a.get("kernel_shape"), a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])
    if len(out) != 4 or len(x) != 4 or list(x) != list(indices) or len(pooled) != 4 or not \
            (k and len(k) == len(s) == 2 and len(pads) == 4):
        return "its blobs are not N x C x H x W alike"
    n, c, h, w = x
    if list(out[:2]) != [n, c] or list(pooled[:2]) != [n, c]:
        return f"its output {list(out)} does not keep the {n} x {c} items and channels it unpools"
    height, width = pooled[2:]
    if width != out[3]:
        return f"the indices count rows of {width} positions and its output's rows have {out[3]}"
    reached = min(height - 1, (h - 1) * s[0] - pads[0] + k[0] - 1)
    if reached > out[2] - 1:
        return f"a window reaches row {reached}, beyond its output's {out[2]} rows"
    import numpy as np
    planes = np.arange(n * c, dtype=np.int64).reshape(n, c, 1, 1)
    want = planes * (out[2] * out[3]) - (0 if unpool.plane else planes * (height * width))
    got = np.zeros(1, np.int64)
    if unpool.offset is not None:
        from scnn_tools.netfile import onnxfold
        got = onnxfold.to_array(unpool.offset)
    try:
        got = np.broadcast_to(got, (n, c, h, w))
    except ValueError:
        return f"the constant it adds to the indices, of shape {list(got.shape)}, is not one per plane"
    if not (got == np.broadcast_to(want, (n, c, h, w))).all():
        return "the constant it adds to the indices is not each plane's first position in its output"
    return None

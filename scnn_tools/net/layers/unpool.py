"""Unpooling, as DeconvNet's Caffe computes it, where the file's parameters say it is that fork's.

HyeonwooNoh/caffe (DeconvNet's Caffe, V1 type UNPOOLING) src/caffe/layers/unpooling_layer.cpp, whose
LayerSetUp requires `unpooling_param` to give the top's size (unpool_size, or unpool_h and unpool_w) and
refuses a pad: a layer that gives that size is read as this fork's. Other forks register an Unpooling that
reads other parameters (one only `unpooling_param.kernel_size`, growing by it, another Zeiler's switches
without a size): a layer without the size is theirs, and its top's height and width are unknown.
"""

from scnn_tools.caffe_pb2 import UnpoolingParameter
from scnn_tools.net.indexmaps import IDENTITY, transposed
from .registry import RESIZE, register
from .resize import scatter_by_mask


def _geometry(ctx):
    """((kernel_h, kernel_w), (stride_h, stride_w), (top_h, top_w)), as LayerSetUp's CHECKs allow them."""
    return ctx.once("unpooling", _parse)


def _pair(ctx, q, name, both):
    h, w = f"{name}_h", f"{name}_w"
    if q.HasField(both) and (q.HasField(h) or q.HasField(w)):
        ctx.fail(f"give either {both} or {h} and {w}, not both")
    if q.HasField(h) != q.HasField(w):
        ctx.fail(f"{h} and {w} go together")
    return (getattr(q, h), getattr(q, w)) if q.HasField(h) else (getattr(q, both), getattr(q, both))


def _parse(ctx):
    q = ctx.p.unpooling_param
    ctx.image("unpools", 1, 2 if q.unpool == UnpoolingParameter.MAX else 1)
    if not (q.HasField("kernel_size") or q.HasField("kernel_h")):
        ctx.fail("unpooling_param needs kernel_size (or kernel_h and kernel_w)")
    kernel = _pair(ctx, q, "kernel", "kernel_size")
    stride = _pair(ctx, q, "stride", "stride")
    if _pair(ctx, q, "pad", "pad") != (0, 0):
        ctx.fail("HyeonwooNoh/caffe's Unpooling takes no pad (\"currently, only zero padding is allowed\")")
    if min(kernel) < 1 or min(stride) < 1:
        ctx.fail(f"kernel {kernel} and stride {stride} must be positive")
    return kernel, stride, _pair(ctx, q, "unpool", "unpool_size")


def _sized(q):
    return q.HasField("unpool_size") or q.HasField("unpool_h") or q.HasField("unpool_w")


def _shape(ctx):
    """Reshape: (num, channels, unpooled_height, unpooled_width), the size LayerSetUp read."""
    q = ctx.p.unpooling_param
    if not _sized(q):
        shape = ctx.image("unpools", 1, 2)
        return [list(shape[:2]) + [ctx.unknown(_ambiguous(ctx.p), warned=True)] * 2]
    _, _, size = _geometry(ctx)
    if min(size) < 1:
        ctx.fail(f"unpool_size (or unpool_h and unpool_w) must be positive, is {size}")
    return [list(ctx.bottoms[0][:2]) + list(size)]


def _deps(ctx):
    # Forward_cpu: bottom p lands in the top window p * stride + [0, kernel): where the mask says (MAX with a
    # mask, which the pooling that wrote it kept inside that window), or spread over it (AVE, TILE). MAX
    # without a mask writes the window's first position, clamped to the top: kept where nothing is clamped.
    q = ctx.p.unpooling_param
    deps = {0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)]}
    if not _sized(q):
        return [deps]
    kernel, stride, size = _geometry(ctx)
    masked = q.unpool == UnpoolingParameter.MAX and len(ctx.bottoms) == 2
    for a, k, s, n in zip((2, 3), kernel, stride, size):
        height = ctx.bottoms[0][a]
        if q.unpool == UnpoolingParameter.MAX and not masked:
            if height is not None and (height - 1) * s <= n - 1:
                deps[a] = [(0, a, transposed(s, 0, 1))]
            continue
        deps[a] = [(b, a, transposed(s, 0, k)) for b in range(2 if masked else 1)]
    return [deps]


def _onnx(ctx, e):
    q = ctx.p.unpooling_param
    if q.unpool != UnpoolingParameter.MAX or len(ctx.bottoms) != 2:
        e.fail("not written yet: only MAX unpooling with a mask (DeconvNet's) has an ONNX form here")
    scatter_by_mask(e, ctx.tops[0])


def _ambiguous(layer):
    if not _sized(layer.unpooling_param):
        return ("without unpool_size (or unpool_h and unpool_w) it is not HyeonwooNoh/caffe's Unpooling, whose "
                "LayerSetUp requires them, and the other forks' Unpooling layers size their tops otherwise: its "
                "top's height and width are unknown")
    return None


register("Unpooling", RESIZE, shape=_shape, deps=_deps, onnx=_onnx, ambiguous=_ambiguous)

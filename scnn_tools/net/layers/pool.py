"""Pooling (with Caffe's rounding rules), ROI pooling and spatial pyramid pooling."""

from scnn_tools.caffe_pb2 import PoolingParameter
from scnn_tools.net.indexmaps import IDENTITY, Whole, Window
from .registry import POOLING, fmt_shape, product, register, alternative


def _geometry(ctx):
    """(kernel_h, kernel_w), (stride_h, stride_w), (pad_h, pad_w), global."""
    return ctx.once("pooling", _parse)


def _parse(ctx):
    q = ctx.p.pooling_param
    shape = ctx.image("pools")
    if q.global_pooling:
        if q.HasField("kernel_size") or q.HasField("kernel_h") or q.HasField("kernel_w"):
            ctx.fail("global_pooling takes no kernel size")
        kernel = (shape[2], shape[3])
    elif q.HasField("kernel_size"):
        if q.HasField("kernel_h") or q.HasField("kernel_w"):
            ctx.fail("give either kernel_size or kernel_h/kernel_w, not both")
        kernel = (q.kernel_size, q.kernel_size)
    elif q.HasField("kernel_h") and q.HasField("kernel_w"):
        kernel = (q.kernel_h, q.kernel_w)
    else:
        ctx.fail("kernel_size (or kernel_h and kernel_w) is required")
    if q.HasField("pad_h") or q.HasField("pad_w"):
        pad = (q.pad_h, q.pad_w)
    else:
        pad = (q.pad, q.pad)
    if q.HasField("stride_h") or q.HasField("stride_w"):
        stride = (q.stride_h, q.stride_w)
    else:
        stride = (q.stride, q.stride)
    if q.global_pooling and (pad != (0, 0) or stride != (1, 1)):
        ctx.fail("global pooling takes no pad and stride 1")
    if min(stride) < 1 or (None not in kernel and min(kernel) < 1):
        ctx.fail(f"kernel {kernel} and stride {stride} must be positive")
    if None not in kernel and (pad[0] >= kernel[0] or pad[1] >= kernel[1]):
        ctx.fail(f"pad {pad} must be smaller than the kernel {kernel}")
    return kernel, stride, pad, q.global_pooling


def _rounds_up(q):
    """BVLC's round_mode, or the forks' ceil_mode (BVLC pull request 3057) where the file gives it."""
    if q.HasField("ceil_mode"):
        return q.ceil_mode
    return q.round_mode == PoolingParameter.CEIL


def _pool_size(size, k, s, p, ceil, padded):
    # Caffe's PoolingLayer::Reshape: ceil (default) or floor of the float
    # quotient, which may be negative (a kernel larger than the input: ceil(-0.5)
    # is 0, one window clipped to the input), then, where either axis is padded
    # (`if (pad_h_ || pad_w_)`, so on an unpadded axis too), drop a last window
    # that would start inside the bottom-right padding or beyond.
    span = size + 2 * p - k
    out = (-(-span // s) if ceil else span // s) + 1
    if padded and (out - 1) * s >= size + p:
        out -= 1
    return out


def _shape(ctx):
    kernel, stride, pad, _ = _geometry(ctx)
    shape = ctx.bottoms[0]
    ceil = _rounds_up(ctx.p.pooling_param)
    out = list(shape[:2])
    for size, k, s, p in zip(shape[2:], kernel, stride, pad):
        if size is None:
            out.append(None)
            continue
        n = _pool_size(size, k, s, p, ceil, any(pad))
        if n < 1:  # Caffe: Blob::Reshape's "shape[i] >= 0", or an empty blob its forward pass cannot allocate
            ctx.fail(f"kernel {k} with stride {s} and pad {p} gives {n} outputs from input {size} "
                     f"(bottom {fmt_shape(shape)}); Caffe cannot run a blob with no positions")
        out.append(n)
    # A second top (SegNet/ENet) carries the positions of the maxima.
    return _with_mask(ctx, out)


def _with_mask(ctx, out):
    """The pooled top, the mask beside it, and unknown tops for any more (no Pooling writes a third)."""
    if ctx.ntops <= 2:
        return [out] * ctx.ntops
    return [out] * 2 + [ctx.unknown("a Pooling writes its output and the positions of the maxima, no third top: "
                                    "what the tops after its second hold is unknown")] * (ctx.ntops - 2)


def _darknet_shape(ctx):
    """ChenYingpeng/darknet2caffe caffe_layers/pooling_layer/pooling_layer.cpp, which its README has the user
    copy over BVLC's (the Caffe of ChenYingpeng/caffe-yolov3): Reshape rounds up as BVLC did before
    round_mode (which it ignores), then, "for darknet yolov3 tiny maxpool layer stride=1,size =2", adds one
    to the height and to the width where kernel_h - stride_h is odd (C++'s %: a negative difference never
    is), before BVLC's drop of a last window that starts in the padding. Forward clips each window to the
    input, so the added row and column pool what is left of their windows: darknet's "same" pooling."""
    kernel, stride, pad, _ = _geometry(ctx)
    shape = ctx.bottoms[0]
    grow = kernel[0] is not None and kernel[0] > stride[0] and (kernel[0] - stride[0]) % 2 == 1
    out = list(shape[:2])
    for size, k, s, p in zip(shape[2:], kernel, stride, pad):
        if size is None:
            out.append(None)
            continue
        n = -(-(size + 2 * p - k) // s) + 1 + grow
        if any(pad) and (n - 1) * s >= size + p:
            n -= 1
        if n < 1:
            ctx.fail(f"kernel {k} with stride {s} and pad {p} gives {n} outputs from input {size} "
                     f"(bottom {fmt_shape(shape)})")
        out.append(n)
    return _with_mask(ctx, out)


def _darknet_deps(ctx):
    # Every window is o * stride - pad + [0, kernel), clipped to the input: with a global kernel too, whose
    # added second position reads all but the first row and column (so no Whole map).
    kernel, stride, pad, _ = _geometry(ctx)
    maps = [Window(s, p, k) for k, s, p in zip(kernel, stride, pad)]
    spatial = {0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)], 2: [(0, 2, maps[0])], 3: [(0, 3, maps[1])]}
    return [spatial] * ctx.ntops


def _deps(ctx):
    kernel, stride, pad, glob = _geometry(ctx)
    shape = ctx.bottoms[0]
    maps = {a: (Whole(shape[a]) if glob else Window(s, p, k)) for a, k, s, p in zip((2, 3), kernel, stride, pad)}
    spatial = {0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)], 2: [(0, 2, maps[2])], 3: [(0, 3, maps[3])]}
    return [spatial] * ctx.ntops


def _roi_shape(ctx):
    ctx.need_bottoms(2)
    r = ctx.p.roi_pooling_param
    if not (r.pooled_h and r.pooled_w):
        ctx.fail("roi_pooling_param needs pooled_h and pooled_w")
    data, rois = ctx.bottoms[:2]
    return [[rois[0], data[1], r.pooled_h, r.pooled_w]]


def _roi_onnx(ctx, e):
    """rbgirshick/caffe-fast-rcnn src/caffe/layers/roi_pooling_layer.cpp Forward_cpu is ONNX's MaxRoiPool to
    the rounding: the batch index truncated, round() of each scaled corner (half away from zero), the ROI at
    least 1 x 1, bins from floor and ceil of float multiples of roi / pooled, clipped to the map, and an empty
    bin 0. onnxruntime and OpenVINO compute it so, half-way corners and empty bins included (the export
    tests); OpenCV 5.1's ONNX importer has no MaxRoiPool."""
    r = ctx.p.roi_pooling_param
    rois = ctx.bottoms[1]
    count = product(rois[1:])
    if count < 5:
        e.fail(f"its ROIs {fmt_shape(rois)} hold {count} values each, Caffe reads 5 (batch index, x1, y1, x2, y2)")
    boxes = e.op("Reshape", [e.x(1), e.ints([rois[0], count], "per_roi")])
    if count > 5:  # Caffe steps by the whole item and reads its first five values
        boxes = e.op("Slice", [boxes, e.ints([0], "starts"), e.ints([5], "ends"), e.ints([1], "axes")])
    e.op("MaxRoiPool", [e.x(), boxes], e.y(), pooled_shape=[r.pooled_h, r.pooled_w], spatial_scale=r.spatial_scale)


def _psroi_shape(ctx):
    """R-FCN's PSROIPoolingLayer::Reshape (daijifeng001/caffe-rfcn src/caffe/layers/psroi_pooling_layer.cpp):
    (ROIs, output_dim, group_size, group_size), the bottom holding output_dim * group_size^2 channels."""
    ctx.need_bottoms(2, 2)
    q = ctx.p.psroi_pooling_param
    if q.output_dim < 1 or q.group_size < 1:
        ctx.fail("psroi_pooling_param needs output_dim and group_size greater than 0")
    data, rois = ctx.bottoms
    if data[1] is not None and data[1] != q.output_dim * q.group_size ** 2:
        ctx.fail(f"its bottom has {data[1]} channels; output_dim {q.output_dim} with group_size {q.group_size} "
                 f"reads {q.output_dim * q.group_size ** 2} (input channel number does not match layer parameters)")
    return [[rois[0], q.output_dim, q.group_size, q.group_size]]


def _roi_align_shape(ctx):
    """ROIAlignLayer::Reshape of the Mask R-CNN forks (jasjeetIM/Mask-RCNN external/caffe
    src/caffe/layers/roi_align_layer.cpp, roi_align_param) and of zuokai/roialign's roi_align_layer.cpp, which
    reads roi_pooling_param: (ROIs, channels, pooled_h, pooled_w), as ROIPooling."""
    ctx.need_bottoms(2, 2)
    q = ctx.p.roi_align_param if ctx.p.HasField("roi_align_param") else ctx.p.roi_pooling_param
    if not (q.pooled_h and q.pooled_w):
        ctx.fail("roi_align_param (or roi_pooling_param) needs pooled_h and pooled_w")
    data, rois = ctx.bottoms
    return [[rois[0], data[1], q.pooled_h, q.pooled_w]]


def _no_deps(ctx):
    # Which positions an ROI reads depends on the ROI, that is on the data.
    return [{}] * ctx.ntops


def _spp_shape(ctx):
    ctx.need_bottoms(1)
    n, c = ctx.bottoms[0][:2]
    height = ctx.p.spp_param.pyramid_height
    bins = sum(4 ** i for i in range(height))
    return [[n, None if c is None else c * bins]]


def _onnx(ctx, e):
    kernel, stride, pad, _ = _geometry(ctx)
    q = ctx.p.pooling_param
    if q.pool == PoolingParameter.STOCHASTIC:
        e.fail("stochastic pooling has no ONNX form")
    _emit(e, e.x(), [e.y(i) for i in range(min(ctx.ntops, 2))], ctx.bottoms[0], ctx.tops[0][2:], kernel, stride, pad,
          q.pool == PoolingParameter.MAX)


def _emit(e, x, outputs, shape, out_hw, kernel, stride, pad, is_max):
    """MaxPool or AveragePool with pads that give Caffe's count of windows and, for AVE, its divisors:
    a window counts the declared padding but not what ceil rounding adds beyond it. A second output is
    MAX's mask, as Caffe writes it (h * W + w in each plane, as a float)."""
    lower = [(n - 1) * s + k - size - p for size, n, k, s, p in zip(shape[2:], out_hw, kernel, stride, pad)]
    if any(low >= k for low, k in zip(lower, kernel)):
        e.fail("its last window lies wholly outside the input (Caffe pools it to -FLT_MAX or divides by a "
               "negative count)")
    attrs = dict(kernel_shape=list(kernel), strides=list(stride))
    if is_max:
        ends = [max(low, min(p, low + s - 1)) for low, p, s in zip(lower, pad, stride)]
        if len(outputs) > 1:
            _, indices = e.op("MaxPool", [x], [outputs[0], e.fresh("indices")], pads=list(pad) + ends, **attrs)
            plane = e.op("Mod", [indices, e.ints([shape[2] * shape[3]], "plane")])  # ONNX counts over the blob
            e.op("Cast", [plane], outputs[1], to=1)
        else:
            e.op("MaxPool", [x], outputs[0], pads=list(pad) + ends, **attrs)
        return
    if all(low <= p for low, p in zip(lower, pad)):
        ends = [max(low, min(p, low + s - 1)) for low, p, s in zip(lower, pad, stride)]
        e.op("AveragePool", [x], outputs[0], pads=list(pad) + ends, count_include_pad=1, **attrs)
        return
    padded = x
    if any(pad):
        padded = e.op("Pad", [x, e.ints([0, 0, *pad, 0, 0, *pad], "pads")], mode="constant")
    extra = [max(0, low - p) for low, p in zip(lower, pad)]
    e.op("AveragePool", [padded], outputs[0], pads=[0] * len(pad) + extra, count_include_pad=0, **attrs)


def _spp_levels(ctx):
    """Caffe's SPPLayer::GetPoolingParam per level: 2^l bins, kernel ceil(size / bins), pad half the remainder."""
    h, w = ctx.bottoms[0][2:4]
    levels = []
    for level in range(ctx.p.spp_param.pyramid_height):
        bins = 2 ** level
        kernel = [-(-h // bins), -(-w // bins)]
        pad = [(kernel[0] * bins - h + 1) // 2, (kernel[1] * bins - w + 1) // 2]
        out = [_pool_size(size, k, k, p, True, any(pad)) for size, k, p in zip((h, w), kernel, pad)]
        levels.append((kernel, pad, out))
    return levels


def _spp_onnx(ctx, e):
    from scnn_tools.caffe_pb2 import SPPParameter
    q = ctx.p.spp_param
    if q.pool == SPPParameter.STOCHASTIC:
        e.fail("stochastic pooling has no ONNX form")
    shape = ctx.bottoms[0]
    parts = []
    for kernel, pad, out in _spp_levels(ctx):
        pooled = e.fresh("level")
        _emit(e, e.x(), [pooled], shape, out, kernel, kernel, pad, q.pool == SPPParameter.MAX)
        parts.append(e.op("Flatten", [pooled], axis=1))
    e.op("Concat" if len(parts) > 1 else "Identity", parts, e.y(), **({"axis": 1} if len(parts) > 1 else {}))


_MASK = {1: "holds the positions of its maxima (a pooling mask, which an Upsample reads as indices)"}
register("Pooling", POOLING, shape=_shape, deps=_deps, onnx=_onnx,
         not_features=_MASK)
register("Pooling.darknet2caffe", POOLING, shape=_darknet_shape, deps=_darknet_deps, onnx=_onnx,
         not_features=_MASK)
alternative("Pooling", "Pooling.darknet2caffe", "ChenYingpeng/darknet2caffe's pooling_layer.cpp (one more row and "
            "column where kernel - stride is odd: darknet's stride-1 'same' max pooling)")
register("ROIPooling", POOLING, shape=_roi_shape, deps=_no_deps, counts=(1,), onnx=_roi_onnx)
register("PSROIPooling", POOLING, shape=_psroi_shape, deps=_no_deps, counts=(1,),
         no_onnx="ONNX has no position-sensitive ROI pooling")
register("ROIAlign", POOLING, shape=_roi_align_shape, deps=_no_deps, counts=(1,),
         no_onnx="not written yet: ONNX's RoiAlign averages its samples, the Caffe forks' ROIAlign differ from it "
                 "and among themselves")
register("SPP", POOLING, shape=_spp_shape, deps=_no_deps, onnx=_spp_onnx)

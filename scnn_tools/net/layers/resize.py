"""Layers that change the spatial size: Interp (PSPNet/DeepLab), Upsample (SegNet/ENet and
nearest-neighbour forks), Crop, Tile, the YOLO forks' Reorg, FlowNet 2's Downsample,
RCF's AutoCrop and the ReNet forks' BilinearInterpolation."""

from scnn_tools.net.indexmaps import IDENTITY, Nearest, Table, Window, interp_map, shifted
from .registry import RESIZE, fmt_shape, known, legacy_shape, register


def _interp_sizes(ctx):
    """((height_in_eff, height_out), (width_in_eff, width_out)) and pad_beg, as InterpLayer::Reshape."""
    q = ctx.p.interp_param
    shape = ctx.image("interpolates", 1, 2)
    if q.pad_beg > 0 or q.pad_end > 0:
        ctx.fail("pad_beg and pad_end may only crop (be <= 0)")
    zoom = q.zoom_factor if q.HasField("zoom_factor") else None
    shrink = q.shrink_factor if q.HasField("shrink_factor") else None
    if (zoom is not None and zoom < 1) or (shrink is not None and shrink < 1):
        ctx.fail(f"zoom_factor and shrink_factor must be positive (got {zoom}, {shrink})")
    # InterpLayer::Reshape's order: one factor alone wins over height and width, which win over both factors.
    explicit = (q.height, q.width) if q.HasField("height") and q.HasField("width") else None
    if (zoom is None) != (shrink is None):
        explicit = None
    elif explicit is None and zoom is None:
        if len(ctx.bottoms) != 2:
            ctx.fail("interp_param needs zoom_factor, shrink_factor, or height and width (or a second bottom)")
        explicit = tuple(ctx.bottoms[1][2:4])
    sizes = []
    for axis, n in enumerate(shape[2:4]):
        n_in = n + q.pad_beg + q.pad_end
        if explicit is not None:
            n_out = explicit[axis]
        else:
            n_out = n_in if shrink is None else (n_in - 1) // shrink + 1  # shrink first, then zoom
            n_out = n_out if zoom is None else n_out + (n_out - 1) * (zoom - 1)
        if n_in < 1 or n_out < 1:
            ctx.fail(f"impossible size along axis {axis + 2}: {n_in} in, {n_out} out")
        sizes.append((n_in, n_out))
    return sizes, q.pad_beg


def _interp_shape(ctx):
    sizes, _ = _interp_sizes(ctx)
    return [list(ctx.bottoms[0][:2]) + [n_out for _, n_out in sizes]]


def _interp_deps(ctx):
    sizes, pad_beg = _interp_sizes(ctx)
    deps = {0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)]}
    for axis, (n_in, n_out) in enumerate(sizes, 2):
        deps[axis] = [(0, axis, interp_map(n_in, n_out, pad_beg))]
    return [deps]


_SEGNET_ONLY = ("scale_h", "scale_w", "pad_out_h", "pad_out_w", "upsample_h", "upsample_w")


def _upsample_scales(ctx):
    """SegNet's unpooling has two bottoms (caffe-segnet upsample_layer.hpp: ExactNumBottomBlobs 2). With
    one, the type is the YOLO forks' nearest upsampling (eric612/MobileNet-YOLO and the darknet2caffe ports,
    src/caffe/layers/upsample_layer.cpp), whose UpsampleParameter has `scale` alone, default 1."""
    u = ctx.p.upsample_param
    if len(ctx.bottoms) == 1:
        given = [f for f in _SEGNET_ONLY if u.HasField(f)]
        if given:
            ctx.fail(f"{', '.join(given)} belong to SegNet's unpooling, which reads a pooling mask as its second "
                     "bottom; the one-bottom Upsample of the YOLO forks reads scale only")
        scale = u.scale if u.HasField("scale") else 1
        return scale, scale
    return (u.scale_h if u.HasField("scale_h") else u.scale), (u.scale_w if u.HasField("scale_w") else u.scale)


def _upsample_shape(ctx):
    u = ctx.p.upsample_param
    shape = ctx.image("upsamples", 1, 2)
    if len(ctx.bottoms) == 2 and ctx.bottoms[1] != shape:
        ctx.fail(f"the pooling mask {fmt_shape(ctx.bottoms[1])} must have the shape of the data {fmt_shape(shape)}")
    sh, sw = _upsample_scales(ctx)
    if sh < 1 or sw < 1:
        ctx.fail("scale must be positive")
    if u.upsample_h and u.upsample_w:
        h, w = u.upsample_h, u.upsample_w
        # Unpooling can only put each value back inside its pooling window.
        if not (shape[2] - 1) * sh < h <= shape[2] * sh or not (shape[3] - 1) * sw < w <= shape[3] * sw:
            ctx.fail(f"upsample_h/w {h}x{w} cannot come from {shape[2]}x{shape[3]} at scale {sh}x{sw}")
    else:
        h, w = shape[2] * sh - int(u.pad_out_h), shape[3] * sw - int(u.pad_out_w)
    return [[shape[0], shape[1], h, w]]


def _upsample_deps(ctx):
    sh, sw = _upsample_scales(ctx)
    deps = {0: [], 1: [], 2: [], 3: []}
    for b in range(len(ctx.bottoms)):  # the mask, too, says where each value came from
        deps[0].append((b, 0, IDENTITY))
        deps[1].append((b, 1, IDENTITY))
        deps[2].append((b, 2, Nearest(sh)))
        deps[3].append((b, 3, Nearest(sw)))
    return [deps]


def _crop_geometry(ctx):
    ctx.need_bottoms(2, 2)
    c = ctx.p.crop_param
    data, ref = ctx.bottoms
    axis = ctx.axis(c.axis)
    n = len(data) - axis
    offsets = list(c.offset)
    if len(offsets) == 1:
        offsets *= n
    elif not offsets:
        offsets = [0] * n
    elif len(offsets) != n:
        ctx.fail(f"{len(offsets)} offsets for {n} cropped axes")
    if len(ref) != len(data):
        ctx.fail(f"the reference {fmt_shape(ref)} must have as many axes as the data {fmt_shape(data)}")
    for a, off in zip(range(axis, len(data)), offsets):
        if ref[a] + off > data[a]:
            ctx.fail(f"axis {a}: offset {off} + size {ref[a]} exceeds {data[a]} "
                     f"(data {fmt_shape(data)}, reference {fmt_shape(ref)})")
    return axis, offsets


def _crop_shape(ctx):
    axis, _ = _crop_geometry(ctx)
    data, ref = ctx.bottoms
    return [list(data[:axis]) + list(ref[axis:])]


def _crop_deps(ctx):
    axis, offsets = _crop_geometry(ctx)
    rank = len(ctx.bottoms[0])
    # Only the data is read; the reference gives nothing but a size.
    return [{a: [(0, a, shifted(offsets[a - axis]) if a >= axis else IDENTITY)] for a in range(rank)}]


def _tile_shape(ctx):
    ctx.need_bottoms(1, 1)
    t = ctx.p.tile_param
    axis = ctx.axis(t.axis)
    if t.tiles < 1:
        ctx.fail("tiles must be positive")
    out = list(ctx.bottoms[0])
    out[axis] = out[axis] * t.tiles
    return [out]


def _tile_deps(ctx):
    axis = ctx.axis(ctx.p.tile_param.axis)
    return [{a: [(0, a, IDENTITY)] for a in range(len(ctx.bottoms[0])) if a != axis}]


def _reorg_geometry(ctx):
    """(stride, reverse) of eric612/MobileNet-YOLO's Reorg (include/caffe/layers/reorg_layer.hpp, darknet's
    reorg_cpu), which needs a stride; its loops cover the bottom only where the sizes divide."""
    q = ctx.p.reorg_param
    n, c, h, w = ctx.image("reorganises", 1, 1)
    if not q.HasField("stride") or q.stride < 1:
        ctx.fail("reorg_param needs a positive stride")
    s = q.stride
    if not q.reverse and (h is not None and h % s or w is not None and w % s):
        ctx.fail(f"stride {s} does not divide the {h}x{w} map")
    if c is not None and c % (s * s):
        ctx.fail(f"stride {s}: its {s * s} channel blocks do not divide the {c} channels")
    return s, q.reverse


def _reorg_shape(ctx):
    s, reverse = _reorg_geometry(ctx)
    n, c, h, w = ctx.bottoms[0]
    return [[n, c // (s * s), h * s, w * s] if reverse else [n, c * s * s, h // s, w // s]]


def _reorg_rows(c, h, s):
    """The bottom rows each top row reads in darknet's order. The non-reverse reorg_cpu (forward 0) writes
    top[(k, j, i) as a C x H x W index] = bottom[(k % C', j * s + a, i * s + b) as a C' x Hs x Ws index],
    C' = C / s^2, k / C' = a * s + b. Top row ht of top channel ct is row K = ct * H / s + ht of the top's
    memory; as a C x H x W index it is channel K / (s * H), row (K / s) % H, and column blocks of the row
    K % s; the bottom index it reads lies on row ((j * s + a) * s + K % s) % H of the bottom."""
    blocks, ht_count = c // (s * s), h // s
    rows = [set() for _ in range(ht_count)]
    for ct in range(c * s * s):
        for ht in range(ht_count):
            k_row = ct * ht_count + ht
            a = k_row // (s * h) // blocks // s
            rows[ht].add((((k_row // s) % h * s + a) * s + k_row % s) % h)
    return rows


def _reorg_deps(ctx):
    s, reverse = _reorg_geometry(ctx)
    n, c, h, w = ctx.bottoms[0]
    deps = {0: [(0, 0, IDENTITY)]}
    if reverse:  # (reorg_cpu, forward 1: plain depth to space, each top row from bottom row h2 / s)
        deps.update({2: [(0, 2, Nearest(s))], 3: [(0, 3, Nearest(s))]})
    else:  # columns i * s + b: a stride-s window of s; rows wrap, listed per top row
        centre = ((s - 1) / 2, s)
        deps.update({2: [(0, 2, Table(_reorg_rows(c, h, s), s, centre))], 3: [(0, 3, Window(s, 0, s))]})
    return [deps]


def _reorg_onnx(ctx, e):
    """Darknet's order: the bottom's memory read as C/s^2 x Hs x Ws, space to depth, read as the top's shape."""
    s, reverse = _reorg_geometry(ctx)
    n, c, h, w = ctx.bottoms[0]
    if reverse:
        e.op("DepthToSpace", [e.x()], e.y(), blocksize=s, mode="DCR")
        return
    spread = e.op("Reshape", [e.x(), e.ints([n, c // (s * s), h * s, w * s])])
    e.op("Reshape", [e.op("SpaceToDepth", [spread], blocksize=s), e.ints(ctx.tops[0])], e.y())


def _tiling(ctx):
    """tianchenwang/caffe (the highway-driving lane and car detector's fork) src/caffe/layers/tiling_layer.cpp:
    tile_dim t > 0 (LayerSetUp), the channels a multiple of t^2 (Reshape)."""
    n, c, h, w = ctx.image("tiles", 1, 1)
    t = ctx.p.tiling_param.tile_dim
    if t < 1:
        ctx.fail("tiling_param needs a positive tile_dim")
    if c is not None and c % (t * t):
        ctx.fail(f"tile_dim {t}: the {c} channels are not a multiple of {t * t}")
    return t


def _tiling_shape(ctx):
    t = _tiling(ctx)
    n, c, h, w = ctx.bottoms[0]
    return [[n, None if c is None else c // (t * t), None if h is None else h * t, None if w is None else w * t]]


def _tiling_deps(ctx):
    # Forward_cpu: top (c, oy + ty, ox + tx) = bottom (c * t^2 + ty * t + tx, iy, ix): each top position from
    # the bottom position it lies over, as a nearest-neighbour upsampling.
    t = _tiling(ctx)
    return [{0: [(0, 0, IDENTITY)], 2: [(0, 2, Nearest(t))], 3: [(0, 3, Nearest(t))]}]


def _tiling_onnx(ctx, e):
    e.op("DepthToSpace", [e.x()], e.y(), blocksize=_tiling(ctx), mode="CRD")  # (channel c * t^2 + ty * t + tx)


def _auto_crop_shape(ctx):
    """yun-liu/rcf src/caffe/layers/auto_crop_layer.cpp (FCN's first Crop): Reshape gives (num(),
    channels()) of bottom 0 and (height(), width()) of bottom 1; LayerSetUp finds the offset from the
    layers' coord_maps back to where the bottoms' paths meet, and CHECKs it is not negative, so bottom 0
    must be at least bottom 1's size (Forward copies without looking)."""
    ctx.need_bottoms(2, 2)
    data, ref = ctx.bottoms
    if len(ref) > 4:
        ctx.fail(f"reads the reference's height() and width(), at most 4 axes; it is {fmt_shape(ref)}")
    top = legacy_shape(ctx)[:2] + (list(ref) + [1, 1, 1])[2:4]
    for a, name in ((2, "height"), (3, "width")):
        have = (list(data) + [1, 1, 1])[a]
        if known(have, top[a]) and have < top[a]:
            ctx.fail(f"the data {fmt_shape(data)} is smaller in {name} than the reference {fmt_shape(ref)}")
    return [top]


def _auto_crop_deps(ctx):
    # The offset comes from a walk over other layers, which a layer's own rule does not see: the cropped
    # axes' fields are left unknown.
    return [{a: [(0, a, IDENTITY)] for a in range(min(len(ctx.bottoms[0]), 2))}]


# yun-liu/rcf include/caffe/layers/*.hpp: the layers whose coord_map() keeps positions (NeuronLayer's
# subclasses there, and these); any other layer's is NOT_IMPLEMENTED, which aborts the net.
_KEEPS_POSITIONS = {"AbsVal", "BNLL", "Dropout", "ELU", "Exp", "Log", "Power", "PReLU", "ReLU", "Sigmoid", "TanH",
                    "Threshold", "Concat", "Eltwise", "LRN", "MVN", "Slice", "Softmax", "Split"}


def _compose(left, right):
    """DiagonalAffineMap::compose: left after right, per axis (scale, shift)."""
    return [(a * c, a * d + b) for (a, b), (c, d) in zip(left, right)]


def _auto_crop_offsets(e, node):
    """AutoCropLayer::LayerSetUp (yun-liu/rcf src/caffe/layers/auto_crop_layer.cpp), in float as it computes:
    walk back from each bottom through each blob's first writer and its first bottom to where the walks meet,
    compose the layers' coord_maps (util/coords.hpp: a filter's is (stride, (extent - 1) / 2 - pad), inverted
    for convolution and pooling), and take the map from bottom 0 to bottom 1, which must be a shift by a whole
    non-negative number of positions: (crop_h, crop_w)."""
    import numpy as np
    from .conv import geometry
    from .pool import _geometry as pool_geometry
    f = np.float32
    graph = e.graph
    writer = {}
    for b in graph.blobs:
        writer.setdefault(b.name, b.producer)  # in place, a layer writes the same blob: its first writer is kept

    def back(name):
        layer = writer.get(name)
        if layer is None or not graph.nodes[layer].bottoms:
            return None
        return graph.blobs[graph.nodes[layer].bottoms[0]].name

    def coord_map(layer):
        n = graph.nodes[layer]
        ctx = e.shapes.contexts.get(layer)
        if n.type in _KEEPS_POSITIONS:
            return [(f(1), f(0))] * 2
        if n.type in ("Convolution", "Deconvolution", "Pooling"):
            if ctx is None:
                e.fail(f"the offset is walked back through layer '{n.name}' ({n.type}), whose shapes are not known")
            if n.type == "Pooling":
                kernel, stride, pad, _ = pool_geometry(ctx)
                filters = list(zip(kernel, stride, pad))
            else:
                filters = [(d * (k - 1) + 1, s, p) for k, s, p, d in geometry(ctx)[1]]
            maps = [(f(s), f(k - 1) / f(2) - f(p)) for k, s, p in filters]
            return maps if n.type == "Deconvolution" else [(f(1) / a, -b / a) for a, b in maps]
        if n.type == "AutoCrop":
            return [(f(1), f(-c)) for c in _auto_crop_offsets(e, n)]
        why = ("rcf's Crop::coord_map reads the offsets of axes 0 and 1 (num and channels), not its crop's"
               if n.type == "Crop" else "its coord_map() is NOT_IMPLEMENTED, so Caffe aborts")
        e.fail(f"the offset is walked back through layer '{n.name}' ({n.type}): {why}")

    names = [graph.blobs[b].name for b in node.bottoms]
    path, name = {names[0]}, names[0]
    while (name := back(name)) is not None:
        path.add(name)
    meet = names[1]
    while meet not in path:
        meet = back(meet)
        if meet is None:
            e.fail(f"'{names[0]}' and '{names[1]}' come from no common blob (Caffe: \"Cannot align apparently "
                   "disconnected blobs\")")
    maps = []
    for name in names:
        m = [(f(1), f(0))] * 2
        while name != meet:
            m = _compose(m, coord_map(writer[name]))
            name = back(name)
        maps.append(m)
    inverse = [(f(1) / c, -d / c) for c, d in maps[0]]
    crop = _compose(maps[1], inverse)  # bottom 0 -> bottom 1
    if any(a != 1 or b > 0 or b != np.round(b) for a, b in crop):
        e.fail(f"the coord_maps give bottom 1 = {' and '.join(f'{a:g} x {b:+g}' for a, b in crop)} of bottom 0, "
               "where AutoCrop needs x minus a whole non-negative offset (Caffe's CHECKs fail)")
    return [int(-b) for _, b in crop]


def _bilinear_shape(ctx):
    """stephenyan1231/caffe-public (branch recurrent_2d) src/caffe/layers/interpolation_layers.cpp Reshape:
    (N, C, H * interpolation_factor, W * interpolation_factor). With a second bottom the forks part:
    caffe-public ignores it, stephenyan1231/caffe-hybridnet reads the size from its values (data) and a
    third fork's interpolation_layer.cpp from its shape, so the top's height and width are unknown."""
    shape = ctx.image("interpolates", 1, 2)
    if len(ctx.bottoms) == 2:
        return [list(shape[:2]) + [ctx.unknown(_bilinear_ambiguous(ctx.p), warned=True)] * 2]
    f = ctx.p.bilinear_interpolation_param.interpolation_factor
    if f < 1:
        ctx.fail(f"interpolation_factor must be positive (got {f})")
    return [list(shape[:2]) + [None if n is None else n * f for n in shape[2:]]]


def _bilinear_ambiguous(layer):
    if len(layer.bottom) == 2:
        return ("with a second bottom the forks part (stephenyan1231/caffe-public ignores it, caffe-hybridnet reads "
                "the size from its values, a third fork from its shape): its top's height and width are unknown")
    return None


def _bilinear_deps(ctx):
    # Forward_cpu: top h reads bottom (in - 1) * h / (out - 1) and the next row, corners aligned, as Interp.
    bottom, top = ctx.bottoms[0], ctx.tops[0]
    deps = {0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)]}
    for a in (2, 3):
        if known(bottom[a], top[a]):
            deps[a] = [(0, a, interp_map(bottom[a], top[a]))]
    return [deps]


def _downsample_shape(ctx):
    """lmb-freiburg/flownet2 src/caffe/layers/downsample_layer.cpp Reshape: (num(), channels()) of bottom 0
    and (height(), width()) of bottom 1 or, alone, downsample_param's top_height and top_width, each
    CHECK_GE 1."""
    ctx.need_bottoms(1, 2)
    top = legacy_shape(ctx)[:2]
    if len(ctx.bottoms) == 2:
        size = ctx.bottoms[1]
        if len(size) > 4:
            ctx.fail(f"reads the size bottom's height() and width(), at most 4 axes; it is {fmt_shape(size)}")
        return [top + (list(size) + [1, 1, 1])[2:4]]
    q = ctx.p.downsample_param
    if q.top_height < 1 or q.top_width < 1:
        ctx.fail(f"downsample_param needs top_height and top_width of at least 1 (has {q.top_height}, {q.top_width})")
    return [top + [q.top_height, q.top_width]]


def _downsample_deps(ctx):
    # Where the size is kept the top shares the bottom's data; else each value is a NaN-skipping tent
    # average around a rounded float position, which no map here follows: those axes are left unknown.
    bottom, top = ctx.bottoms[0], ctx.tops[0]
    return [{a: [(0, a, IDENTITY)] for a in range(min(len(bottom), 4))
             if a < 2 or (known(bottom[a], top[a]) and bottom[a] == top[a] and list(bottom[2:4]) == top[2:4])}]


def _interp_onnx(ctx, e):
    """Caffe's Interp crops by pad_beg/pad_end (<= 0), then resizes bilinearly with the corners aligned."""
    sizes, pad_beg = _interp_sizes(ctx)
    shape = ctx.bottoms[0]
    x = e.x()
    if any(n_in != n for (n_in, _), n in zip(sizes, shape[2:4])):
        start = -pad_beg
        x = e.op("Slice", [x, e.ints([start, start], "starts"), e.ints([start + n_in for n_in, _ in sizes], "ends"),
                           e.ints([2, 3], "axes")])
    e.op("Resize", [x, "", "", e.ints(ctx.tops[0], "sizes")], e.y(), mode="linear",
         coordinate_transformation_mode="align_corners")


def _upsample_onnx(ctx, e):
    """SegNet's Upsample puts each value where its pooling mask says; with one bottom, the
    nearest-neighbour forks repeat each value scale x scale times."""
    top = ctx.tops[0]
    if len(ctx.bottoms) == 1:
        e.op("Resize", [e.x(), "", "", e.ints(top, "sizes")], e.y(), mode="nearest",
             coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        return
    scatter_by_mask(e, top)


def scatter_by_mask(e, top):
    """Bottom 0's values put where bottom 1, a pooling mask, says: per plane, top[mask[i]] = bottom[i], the
    rest 0.

    caffe-segnet upsample_layer.cpp Forward_cpu (and HyeonwooNoh/caffe's MAX unpooling with a mask): the
    mask a flat index into the top's plane, whatever size the top has (upsample_h/w, pad_out_h): a scatter
    along the flattened planes is that loop. Not MaxUnpool: it insists on the size its kernel and strides
    give (24 from 12, where SegNet's upsample_h says 23), and OpenCV's runs one image, OpenVINO has none."""
    n, c, h, w = top
    planes = e.ints([n, c, -1], "planes")
    indices = e.op("Reshape", [e.op("Cast", [e.x(1)], to=7), planes])
    values = e.op("Reshape", [e.x(), planes])
    zeros = e.op("ConstantOfShape", [e.ints([n, c, h * w], "top_planes")])
    scattered = e.op("ScatterElements", [zeros, indices, values], axis=2)
    e.op("Reshape", [scattered, e.ints(top, "top")], e.y())


def _crop_onnx(ctx, e):
    axis, offsets = _crop_geometry(ctx)
    ref = ctx.bottoms[1]
    axes = list(range(axis, len(ref)))
    e.op("Slice", [e.x(), e.ints(offsets, "starts"), e.ints([o + ref[a] for o, a in zip(offsets, axes)], "ends"),
                   e.ints(axes, "axes")], e.y())


def _auto_crop_onnx(ctx, e):
    data, ref = ctx.bottoms
    offsets = _auto_crop_offsets(e, ctx.node)
    size = ctx.tops[0][2:4]
    if len(data) != 4 or any(o + n > d for o, n, d in zip(offsets, size, data[2:4])):
        e.fail(f"its offsets {offsets} and size {size} read past the data {fmt_shape(data)} (Caffe's Forward does "
               "not check)")
    e.op("Slice", [e.x(), e.ints(offsets, "starts"), e.ints([o + n for o, n in zip(offsets, size)], "ends"),
                   e.ints([2, 3], "axes")], e.y())


def _bilinear_onnx(ctx, e):
    if 1 in ctx.tops[0][2:]:
        e.fail("its top is 1 high or wide, where Forward_cpu divides 0 by 0 ((in - 1) * h / (out - 1))")
    e.op("Resize", [e.x(), "", "", e.ints(ctx.tops[0], "sizes")], e.y(), mode="linear",
         coordinate_transformation_mode="align_corners")


def _tile_onnx(ctx, e):
    axis = ctx.axis(ctx.p.tile_param.axis)
    repeats = [ctx.p.tile_param.tiles if a == axis else 1 for a in range(len(ctx.bottoms[0]))]
    e.op("Tile", [e.x(), e.ints(repeats, "repeats")], e.y())


register("Interp", RESIZE, shape=_interp_shape, deps=_interp_deps, onnx=_interp_onnx)
register("Upsample", RESIZE, shape=_upsample_shape, deps=_upsample_deps, onnx=_upsample_onnx)
register("Crop", RESIZE, shape=_crop_shape, deps=_crop_deps, onnx=_crop_onnx)
register("Reorg", RESIZE, shape=_reorg_shape, deps=_reorg_deps, onnx=_reorg_onnx)
register("Tiling", RESIZE, shape=_tiling_shape, deps=_tiling_deps, onnx=_tiling_onnx)
register("Tile", RESIZE, shape=_tile_shape, deps=_tile_deps, onnx=_tile_onnx)
register("BilinearInterpolation", RESIZE, shape=_bilinear_shape, deps=_bilinear_deps, onnx=_bilinear_onnx,
         note="with a second bottom, the forks take its size from different places", ambiguous=_bilinear_ambiguous)
register("Downsample", RESIZE, shape=_downsample_shape, deps=_downsample_deps,
         no_onnx="not written yet: FlowNet 2's Downsample runs on the GPU only (its Forward_cpu is NOT_IMPLEMENTED), "
                 "a tent average around rounded positions that skips NaNs")
register("AutoCrop", RESIZE, shape=_auto_crop_shape, deps=_auto_crop_deps, onnx=_auto_crop_onnx)

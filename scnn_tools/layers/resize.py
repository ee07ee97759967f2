"""Layers that change the spatial size: Interp (PSPNet/DeepLab), Upsample (SegNet/ENet and
nearest-neighbour forks), Crop, Tile."""

from ..fields import IDENTITY, Nearest, interp_map, shifted
from . import fmt_shape, register


def _interp_sizes(ctx):
    """(height_in_eff, width_in_eff, height_out, width_out, pad_beg), as InterpLayer::Reshape."""
    ctx.need_bottoms(1, 2)
    q = ctx.p.interp_param
    shape = ctx.bottoms[0]
    if len(shape) != 4:
        ctx.fail(f"interpolates 4-axis blobs only, bottom is {fmt_shape(shape)}")
    if q.pad_beg > 0 or q.pad_end > 0:
        ctx.fail("pad_beg and pad_end may only crop (be <= 0)")
    h_in = shape[2] + q.pad_beg + q.pad_end
    w_in = shape[3] + q.pad_beg + q.pad_end
    zoom, shrink = q.HasField("zoom_factor"), q.HasField("shrink_factor")
    if q.HasField("height") and q.HasField("width"):
        h_out, w_out = q.height, q.width
    elif shrink and not zoom:
        h_out, w_out = (h_in - 1) // q.shrink_factor + 1, (w_in - 1) // q.shrink_factor + 1
    elif zoom and not shrink:
        h_out, w_out = h_in + (h_in - 1) * (q.zoom_factor - 1), w_in + (w_in - 1) * (q.zoom_factor - 1)
    elif zoom and shrink:
        h_out, w_out = (h_in - 1) // q.shrink_factor + 1, (w_in - 1) // q.shrink_factor + 1
        h_out, w_out = h_out + (h_out - 1) * (q.zoom_factor - 1), w_out + (w_out - 1) * (q.zoom_factor - 1)
    elif len(ctx.bottoms) == 2:
        h_out, w_out = ctx.bottoms[1][2], ctx.bottoms[1][3]
    else:
        ctx.fail("interp_param needs zoom_factor, shrink_factor, or height and width (or a second bottom)")
    if (zoom and q.zoom_factor < 1) or (shrink and q.shrink_factor < 1) or h_in < 1 or w_in < 1 \
            or h_out < 1 or w_out < 1:
        ctx.fail(f"impossible sizes: {h_in}x{w_in} in, {h_out}x{w_out} out")
    return h_in, w_in, h_out, w_out, q.pad_beg


def _interp_shape(ctx):
    _, _, h_out, w_out, _ = _interp_sizes(ctx)
    n, c = ctx.bottoms[0][:2]
    return [[n, c, h_out, w_out]]


def _interp_deps(ctx):
    h_in, w_in, h_out, w_out, pad_beg = _interp_sizes(ctx)
    return [{0: [(0, 0, IDENTITY)], 1: [(0, 1, IDENTITY)],
             2: [(0, 2, interp_map(h_in, h_out, pad_beg))], 3: [(0, 3, interp_map(w_in, w_out, pad_beg))]}]


def _upsample_scales(ctx):
    u = ctx.p.upsample_param
    return (u.scale_h if u.HasField("scale_h") else u.scale), (u.scale_w if u.HasField("scale_w") else u.scale)


def _upsample_shape(ctx):
    ctx.need_bottoms(1, 2)
    u = ctx.p.upsample_param
    shape = ctx.bottoms[0]
    if len(shape) != 4:
        ctx.fail(f"upsamples 4-axis blobs only, bottom is {fmt_shape(shape)}")
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


register("Interp", "resize", shape=_interp_shape, deps=_interp_deps)
register("Upsample", "resize", shape=_upsample_shape, deps=_upsample_deps)
register("Crop", "resize", shape=_crop_shape, deps=_crop_deps)
register("Tile", "resize", shape=_tile_shape, deps=_tile_deps)

"""The effective receptive field (Luo et al., 2016) of the centre feature of a blob.

The net is linearised with uniform weights: every layer that combines positions
takes the mean of the positions its kernel covers (padding reads zeros),
bilinear interpolation keeps its own weights, activations and normalisations
are the identity, a merge adds its paths, and a concatenation along channels
weighs each part by its share of the channels. The gradient of the centre
feature with respect to the image is then propagated back exactly, layer by
layer, on the real graph: residual paths, dilation, crops and upsampling
included, through the same index maps the receptive fields are computed from.
Channels play no part once weights are uniform, so each blob is one H x W map.
"""

from scnn_tools.errors import InputError, option
from scnn_tools.output import field_text
from scnn_tools.net.indexmaps import Interp, Piece, Whole, Window

# The largest array the propagation may hold (a map, or one axis's layer matrix): 400 MB of floats.
MAX_CELLS = 50_000_000


def effective_field(analysis, blob_name):
    """(gradient over the image as an H x W numpy array summing to 1, centre (y, x), box (y0, y1, x0, x1))."""
    graph = analysis.graph
    target = graph.blob(blob_name)
    if target is None:
        raise InputError(f"the net has no blob '{blob_name}'", analysis.netfile.source)
    axes = _axes(analysis, target.id)
    if axes is None:
        raise analysis.no_field(target.id)
    _check_sizes(analysis)
    import numpy as np
    shape = analysis.shapes.blobs[target.id]
    ch, cw = (shape[axes[0]] - 1) // 2, (shape[axes[1]] - 1) // 2
    grads = {target.id: np.zeros((shape[axes[0]], shape[axes[1]]))}
    grads[target.id][ch, cw] = 1.0
    for node in reversed(graph.nodes):
        node_deps = analysis.deps.get(node.index)
        if not node_deps:
            continue
        for top, per_axis in zip(node.tops, node_deps):
            g = grads.pop(top, None)
            if g is None:
                continue
            top_axes = _axes(analysis, top)
            for b, bottom in enumerate(node.bottoms):
                bottom_axes = _axes(analysis, bottom)
                if bottom_axes is None:
                    continue
                maps = [_map_from(per_axis.get(top_axes[i], ()), b, bottom_axes[i]) for i in (0, 1)]
                if None in maps:
                    continue
                weight = _share(per_axis, top_axes, b)
                bottom_shape = analysis.shapes.blobs[bottom]
                contribution = _back(g, maps, (bottom_shape[bottom_axes[0]], bottom_shape[bottom_axes[1]]))
                if bottom in grads:
                    grads[bottom] += weight * contribution
                else:
                    grads[bottom] = weight * contribution
    image = grads.get(analysis.image)
    if image is None or image.sum() <= 0:
        raise InputError(f"the centre feature of '{blob_name}' does not depend on the image through a path "
                         "the linearised net can follow", analysis.netfile.source)
    box = analysis.box(target.id, ch, cw)
    h, w = box["h"], box["w"]
    return image / image.sum(), (h.centre, w.centre), (h.lo, h.hi, w.lo, w.hi)


def _check_sizes(analysis):
    """Refuse, before allocating, a net whose maps or layer matrices would not fit in memory."""
    for node in analysis.graph.nodes:
        for top, per_axis in zip(node.tops, analysis.deps.get(node.index) or ()):
            top_axes = _axes(analysis, top)
            if top_axes is None:
                continue
            shape = analysis.shapes.blobs[top]
            cells = shape[top_axes[0]] * shape[top_axes[1]]
            for a in top_axes:
                for b, ba, index_map in per_axis.get(a, ()):
                    if not _strided(index_map):
                        cells = max(cells, shape[a] * analysis.shapes.blobs[node.bottoms[b]][ba])
            if cells > MAX_CELLS:
                h, w = shape[top_axes[0]], shape[top_axes[1]]
                raise InputError(f"the effective field needs arrays of {cells:,} numbers ({cells * 8 / 2 ** 30:.1f} "
                                 f"GiB) at layer '{node.name}' ({h}x{w}), more than the {MAX_CELLS:,} it allows: "
                                 f"use a smaller {option('input_shape')}", analysis.netfile.source, node.line)


def radii(erf, centre, fractions=(0.5, 0.9)):
    """Smallest radius (Euclidean, from `centre`) holding each fraction of the mass."""
    import numpy as np
    ys, xs = np.indices(erf.shape)
    dist = np.hypot(ys - centre[0], xs - centre[1]).ravel()
    order = np.argsort(dist, kind="stable")
    mass = np.cumsum(erf.ravel()[order])
    return [float(dist[order][min(np.searchsorted(mass, f - 1e-12), len(order) - 1)]) for f in fractions]


def _axes(analysis, blob_id):
    t = analysis.traced[blob_id]
    if t is None:
        return None
    found = {image_axis: a for a, (image_axis, _) in t.axes.items()}
    return (found["h"], found["w"]) if set(found) == {"h", "w"} else None


def _map_from(items, bottom, axis):
    for b, ba, index_map in items:
        if b == bottom and ba == axis:
            return index_map
    return None


def _share(per_axis, spatial, bottom):
    """A channel concatenation gives each part its share of the channels."""
    weight = 1.0
    for a, items in per_axis.items():
        if a in spatial:
            continue
        pieces = [m for _, _, m in items if isinstance(m, Piece)]
        if pieces:
            total = sum(p.size for p in pieces)
            weight *= next((m.size for b, _, m in items if b == bottom), 0) / total
    return weight


def _back(g, maps, bottom_size):
    """The transpose of the linearised layer, applied to a top gradient g (h x w)."""
    out = _back_axis(g, maps[0], bottom_size[0], axis=0)
    return _back_axis(out, maps[1], bottom_size[1], axis=1)


def _strided(index_map):
    """Propagated by strided slices; anything else as a dense n_top x n_bottom matrix."""
    return isinstance(index_map, Window) and index_map.s > 0


def _back_axis(g, index_map, n_bottom, axis):
    import numpy as np

    n_top = g.shape[axis]
    shape = list(g.shape)
    shape[axis] = n_bottom
    out = np.zeros(shape)
    if _strided(index_map):
        s, p, k, d = index_map.s, index_map.p, index_map.k, index_map.d
        for t in range(k):
            offset = t * d - p  # top o reads bottom s*o + offset, real for o in [lo, hi]
            lo = max(0, -(offset // s))
            hi = min(n_top - 1, (n_bottom - 1 - offset) // s)
            if hi < lo:
                continue
            src = [slice(None)] * 2
            dst = [slice(None)] * 2
            src[axis] = slice(lo, hi + 1)
            dst[axis] = slice(s * lo + offset, s * hi + offset + 1, s)
            out[tuple(dst)] += g[tuple(src)] / k
        return out
    # Anything else: the layer as a small matrix, top positions by bottom positions.
    matrix = np.zeros((n_top, n_bottom))
    for o in range(n_top):
        for i, w in _weights(index_map, o):
            if 0 <= i < n_bottom:
                matrix[o, i] += w
    return np.tensordot(g, matrix, axes=([axis], [0])) if axis == 1 else matrix.T @ g


def _weights(index_map, o):
    if isinstance(index_map, Interp):
        i, rest = divmod(o * index_map.num, index_map.den)
        frac = rest / index_map.den
        base = i + index_map.off
        return [(base, 1 - frac)] + ([(base + 1, frac)] if rest else [])
    if isinstance(index_map, Whole):
        return [(i, 1 / index_map.n) for i in range(index_map.n)]
    taps = list(index_map.taps(o))
    k = getattr(index_map, "k", len(taps)) or 1
    return [(i, 1 / k) for i in taps]


def boxes(erf, centre, fractions=(0.5, 0.9)):
    """Per fraction, the smallest square around `centre` holding it: ((y0, y1), (x0, x1)) inside the image."""
    import numpy as np
    ys, xs = np.indices(erf.shape)
    dist = np.maximum(abs(ys - centre[0]), abs(xs - centre[1])).ravel()
    order = np.argsort(dist, kind="stable")
    mass = np.cumsum(erf.ravel()[order])
    out = []
    for f in fractions:
        r = float(dist[order][min(np.searchsorted(mass, f - 1e-12), len(order) - 1)])
        rows = np.nonzero(abs(np.arange(erf.shape[0]) - centre[0]) <= r)[0]
        cols = np.nonzero(abs(np.arange(erf.shape[1]) - centre[1]) <= r)[0]
        out.append(((int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))))
    return out


def report(analysis, blob_name):
    """The effective field of `blob_name`'s centre feature: the dict `scnn-tools erf --format json` prints
    (blob, image, centre, radius, box, theoretical: the centre feature's box on the unbounded plane, global:
    per axis [h, w], as analyze's rf says), and under `field` the map itself (numpy, summing to 1)."""
    field, centre, box = effective_field(analysis, blob_name)
    r50, r90 = radii(field, centre)
    b50, b90 = boxes(field, centre)

    def square(ys, xs):
        return {"y": list(ys), "x": list(xs)}
    return {"blob": blob_name, "image": list(field.shape), "centre": list(centre), "radius": {"50": r50, "90": r90},
            "box": {"50": square(*b50), "90": square(*b90)},
            "theoretical": square((box[0], box[1]), (box[2], box[3])),
            "global": analysis.global_axes(analysis.graph.blob(blob_name).id), "field": field}


def sentence(result):
    """The result in words, as `scnn-tools erf` prints it."""
    (cy, cx), t = result["centre"], result["theoretical"]
    return (f"{result['blob']}: effective receptive field of the centre feature, centred at ({cy:g}, {cx:g}): "
            f"50% of its mass within {result['radius']['50']:.1f} px, 90% within {result['radius']['90']:.1f} px; "
            f"theoretical field {_theoretical(result)}")


def _theoretical(result):
    t = result["theoretical"]
    return field_text([t["y"][1] - t["y"][0] + 1, t["x"][1] - t["x"][0] + 1], result["global"], square=True)


def check_output(path):
    """A file the map can be saved to (.npy) or drawn into (.png, .svg, .pdf), refused before any work."""
    if not str(path).lower().endswith(".npy"):
        from scnn_tools.views.plot import check_output as check_figure
        check_figure(path)


def write(result, path, title, log=False):
    """Save the map of `report` as numpy's .npy, or draw it with the theoretical box (`log`: on a log scale)
    and return the matplotlib Figure drawn."""
    if str(path).lower().endswith(".npy"):
        import numpy as np

        from scnn_tools.output import replacing
        with replacing(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, result["field"])
        return
    from scnn_tools.views.plot import erf_figure
    t, radius = result["theoretical"], result["radius"]
    return erf_figure(result["field"], result["centre"], (*t["y"], *t["x"]), (radius["50"], radius["90"]), path,
                      title, log=log, size=_theoretical(result))

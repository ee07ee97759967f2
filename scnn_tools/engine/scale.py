"""Spatial scale and overlap of a feature map, in two models.

exact (the default): the number of input-image pixels that can change the
feature at the centre of the map (holes count as holes; padding is no pixel:
the sets are fields.compute's real ones, in which a read beyond any map's
ends is zero padding, so a feature that sees all of a 224x224 image has area
50176, whatever its box on the unbounded plane), its square
root as a width, and the share of those pixels the next feature along w sees
too (also in the image). Per axis the sets are exact; `exact` gives their
product, which is the 2-D count wherever the dependency set is a product of
per-axis sets (every chain, and merges of branches nested or alike along an
axis); products.py says where it is not, and counts those in 2-D or leaves
them a bound.

blog: the original spatial-scale code's S and P (shared/reference/
spatial_scale), a recurrence over the layer kinds it knows: 3x3 stride 1,
2x2 stride 2, 3x3 stride 2, 7x7 stride 2 as the first layer, 1x1 stride 1
or 2, and 3x3 dilation 2. Layers that keep positions pass S and P through;
where paths merge, the path with the largest S is followed (the main path
of a residual block). Anything else is outside the model: null, with a
warning. The layer kinds are recognised from the index maps the layer rules
give, not from type names.
"""

from math import sqrt

from scnn_tools.errors import warning
from scnn_tools.net.indexmaps import Window
from scnn_tools.net.intervals import clip_to, common, count


def exact(traced, real, shape, extent):
    """{'area', 'width', 'overlap'} of a blob traced on both h and w, else None.

    `real`: the blob's real sets (fields.compute's real walk: padding beyond a
    map's ends reads no pixel; exact inside the image, which they are cut
    to), which area and overlap count; `extent`: the
    image's {'h': height, 'w': width}. A map of one position along w has no
    next feature: its overlap is the one on the unbounded plane, cut to the
    image, as the plane's continuation would have it.
    """
    axes = {image_axis: (a, f) for a, (image_axis, f) in traced.axes.items()}
    if set(axes) != {"h", "w"}:
        return None
    (ah, _), (aw, fw) = axes["h"], axes["w"]
    sets = {image_axis: f for a, (image_axis, f) in real.axes.items()}
    ch, cw = (shape[ah] - 1) // 2, (shape[aw] - 1) // 2
    last_h, last_w = extent["h"] - 1, extent["w"] - 1
    set_h = clip_to(sets["h"].at(ch), last_h)
    # (h and w share one field where the net treats them alike: a square map's centre is then one set)
    if sets["w"] is sets["h"] and (cw, last_w) == (ch, last_h):
        set_w = set_h
        area = count(set_h) ** 2
    else:
        set_w = clip_to(sets["w"].at(cw), last_w)
        area = count(set_h) * count(set_w)
    if shape[aw] > 1:
        here, there = set_w, clip_to(sets["w"].at(cw + 1), last_w)
    else:
        here, there = clip_to(fw.at(cw), last_w), clip_to(fw.at(cw + 1), last_w)
    overlap = common(here, there) / count(here) if here else 0.0
    return {"area": area, "width": sqrt(area), "overlap": overlap}


def _kind(map_h, map_w, s_in, p_in):
    """The blog's layer kind of a pair of index maps, as a function (S, P) -> (S', P')."""
    if not (isinstance(map_h, Window) and isinstance(map_w, Window)):
        return None
    geo = (map_h.k, map_h.s, map_h.d)
    if geo != (map_w.k, map_w.s, map_w.d):
        return None
    q = 1 - p_in
    if geo == (1, 1, 1):
        return s_in, p_in
    if geo == (3, 1, 1):
        return s_in * (1 + 2 * q) ** 2, (2 - p_in) / (3 - 2 * p_in)
    if geo == (2, 2, 1):
        return s_in * (1 + q) ** 2, p_in / (2 - p_in)
    if geo == (3, 2, 1):
        return s_in * (1 + 2 * q) ** 2, 1 / (3 - 2 * p_in)
    if geo == (7, 2, 1) and s_in == 1 and p_in == 0:
        return 49, 5 / 7
    if geo == (1, 2, 1):
        return s_in, max(2 * p_in - 1, 0)
    if geo == (3, 1, 2):
        excess = max(p_in - 0.5, 0)
        s_out = 9 * s_in - 24 * excess * s_in
        if p_in < 0.5:
            return s_out, 15 * p_in / 9
        return s_out, (6 + 3 * q - (14 + 4 * q) * excess) / (9 - 24 * excess)
    return None


def blog(graph, deps, traced, image, sources=None):
    """(S, P) per blob id where the blog model covers the path from the image; and warnings. sources:
    fields.keeping's, the tops that keep a bottom's positions, and so its (S, P)."""
    state = {image: (1, 0)} if image is not None else {}
    warnings = []
    sources = sources or {}
    for node in graph.nodes:
        node_deps = deps.get(node.index)
        if not node_deps:
            continue
        kept_from = sources.get(node.index)
        if kept_from is not None:
            for top, source in zip(node.tops, kept_from):
                if traced[top] is not None and source in state:
                    state[top] = state[source]
            continue
        for top, per_axis in zip(node.tops, node_deps):
            t = traced[top]
            if t is None:
                continue
            axes = {image_axis: a for a, (image_axis, _) in t.axes.items()}
            if len(axes) != 2:
                continue  # (a field along one image axis only: h and w are the image's two)
            maps = {}
            for which in ("h", "w"):
                for b, _, index_map in per_axis.get(axes[which], ()):
                    maps.setdefault(b, {})[which] = index_map
            results, uncovered, broken = [], False, None
            for b, pair in maps.items():
                source = state.get(node.bottoms[b])
                if source is None or len(pair) != 2:
                    uncovered = uncovered or traced[node.bottoms[b]] is not None
                    continue
                result = _kind(pair["h"], pair["w"], *source)
                if result is None:
                    uncovered = True
                elif result[0] <= 0 or not 0 <= result[1] <= 1:
                    broken = broken or result  # the formula left the range it was fitted on
                else:
                    results.append(result)
            # (the first layer on a path that the model leaves, where there is something to say)
            first = (broken or uncovered) and all(state.get(b) is not None or traced[b] is None for b in node.bottoms)
            if broken and first:
                warnings.append(warning("blog-model-out-of-range",
                                        f"at layer '{node.name}' ({node.type}) the blog's spatial-scale formulas give "
                                        f"area {broken[0]:.6g} and overlap {broken[1]:.3g}, outside what an area and an "
                                        "overlap can be (its dilated-kernel fit breaks down): blog values are null from "
                                        "here on", node.name, node.line))
            elif results and not uncovered:
                state[top] = max(results, key=lambda r: r[0])
            elif uncovered and first:
                warnings.append(warning("blog-model-uncovered",
                                        f"layer '{node.name}' ({node.type}) is not a layer kind of the blog's "
                                        "spatial-scale model: blog values are null from here on", node.name,
                                        node.line))
    return state, warnings


def blog_values(s, p):
    return {"area": s, "width": sqrt(s) if s >= 0 else None, "overlap": p}

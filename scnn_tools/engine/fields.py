"""Receptive fields, exactly, on any graph: per blob axis, the set of input
pixels each position depends on.

Along one axis, the field of a blob maps every position o (on the unbounded
plane: padding and borders do not clip) to a set of input-image indices,
kept as sorted disjoint inclusive intervals so that dilation holes stay holes.
A layer says, through an index map (indexmaps.py), which bottom positions
each top position reads; the field of the top is the union of the bottoms' sets at those
positions. Bounding box, jump, centre, exact area and overlap all follow.

How a field is kept so that this stays exact and cheap on multi-resolution
nets (a part per lattice and rate, views through stride-1 windows) is
parts.py's; the position-dependent shapes are runs.py's. Fields are exact
over the positions something reads (`needed`: the real ones and what padded
readers tap) and extended beyond, where paths growing at different rates
would otherwise multiply runs nobody looks at.

A second walk (`compute(real=True)`) keeps the sets a pixel can actually
change: a reader of positions beyond a bottom's ends gets nothing there
(Caffe's zero padding), so those sets are the unbounded ones only in the
interior; near the ends they are a few more runs. Everything cut to the image
is measured on them; sizes, jumps, starts and paddings stay the plane's.

This module walks the graph (`compute`): `combine` and `pieces` give a top's
field from its bottoms' and the layer's index maps, with the centre (Caffe's
coord_map, exactly: ints and Fractions) and whether merged paths are aligned;
`summary` says what the report prints of one axis.
"""

from fractions import Fraction

from scnn_tools.errors import warning
from scnn_tools.net.indexmaps import IDENTITY, Piece, Whole, Window, reads_everything
from scnn_tools.net.intervals import clip, count, shift, union
from scnn_tools.output import number
from .parts import (Affine, Field, assembled, box_formulas, box_of, formulas, in_image, inside, seen_through, settled,
                    united)
from .runs import TooMuchWork, View, crossings, runs_budget, value, within


# The work a walk may spend on joining fields that read their inputs in different ways (runs.py's
# _union_lin, pairs of interval ends): no corpus net, committed ONNX model or zoo model needs more than
# 13,000 units but Keras's NASNets, 56,000 (Mobile: 160 million, unfinished, before the real sets were trimmed
# to the image, parts.in_image) and 92,000 (Large).
WORK_BASE = 2_000_000
WORK_PER_LAYER = 20_000


# -------------------------------------------------------------------- fields
def image_field():
    return Field((((0, 1, (1, 1)), Affine(((0, 0),), 1)),))


def _through(centre, index_map):
    """The centre (a, b) of a top after an index map, exactly (ints, or Fractions where not whole)."""
    a, b = centre
    alpha, beta = index_map.centre
    return _whole(a + b * alpha), _whole(b * beta)


def _whole(x):
    """A Fraction that is whole as an int: chains of ints stay cheap."""
    return int(x) if x.__class__ is Fraction and x.denominator == 1 else x


def _translates(sets):
    """(base, jump) where the sets of positions 0, 1, ... are translates of each other, else None."""
    sets = iter(sets)
    first, second = next(sets, None), next(sets, None)
    if not first or not second:
        return None  # (a position that reads no input, as a sparse deconvolution leaves, is no translate)
    jump = second[0][0] - first[0][0]
    if second != shift(first, jump) or any(s != shift(first, jump * i) for i, s in enumerate(sets, 2)):
        return None
    return first, jump


def _keeps(m):
    return m is IDENTITY or (isinstance(m, Window) and m.s == 1 and m.p == 0 and m.k == 1)


def combine(deps, lo, hi):
    """The field of a top axis from its dependencies [(field, index map), ...], exact over lo..hi."""
    if len(deps) == 1 and _keeps(deps[0][1]):
        return deps[0][0]  # in-place and shape-keeping layers: the very same field
    centre = _through(deps[0][0].centre, deps[0][1])
    glob, aligned = False, True
    for k, (f, m) in enumerate(deps):
        glob = glob or f.glob or isinstance(m, Whole)
        aligned = aligned and f.aligned and (k == 0 or _through(f.centre, m) == centre)
    seen = seen_through(deps, lo, hi)
    if seen is not None:
        return Field(None, None, glob, aligned, centre, seen)
    return assembled(deps, lo, hi, glob, aligned, centre)


def pieces(parts, size, lo, hi):
    """A Concat along this axis: [(field, start, size), ...] in order, exact over lo..hi.

    Where the concatenated positions form one translation-invariant pattern
    (a slice put back together, the rows of an SCNN block that all see the
    same set), that pattern also defines the positions beyond the ends;
    elsewhere the first and last pieces read on.
    """
    glob = all(f.glob for f, _, _ in parts)
    centre = _through(parts[0][0].centre, Piece(parts[0][1], parts[0][2], False, False))
    aligned = all(f.aligned for f, _, _ in parts) and all(
        _through(f.centre, Piece(start, n, False, False)) == centre for f, start, n in parts[1:])
    pattern = _translates(f.at(o) for f, _, n in parts for o in range(n))
    if pattern is not None:
        base, jump = pattern
        return Field(settled([((0, 1, (jump, 1)), Affine(base, jump))], lo, hi), None, glob, aligned, centre)
    last = len(parts) - 1
    deps = [(f, Piece(start, n, k == 0, k == last)) for k, (f, start, n) in enumerate(parts)]
    return assembled(deps, lo, hi, glob, aligned, centre)


def global_by_coverage(field, size, extent):
    """True where every real position sees the whole input extent and no position differs from another."""
    if field.glob:
        return True
    if size < 2:
        return False
    parts = field.parts
    if len(parts) == 1 and isinstance(parts[0][1], Affine) and parts[0][1].jump:
        return False  # (every position's set moves with it: no two are the same)
    first = field.at(0)
    if not first or first[0][0] > 0 or first[-1][1] < extent - 1:
        return False
    if len(parts) == 1:
        shape = parts[0][1]
        if isinstance(shape, Affine):
            return True  # (one set, at every position)
        own = shape.at(0)
        return all(value(f, qa) == own and (qa == qb or all(a1 == b1 == 0 for _, a1, _, b1 in f))
                   for qa, qb, _, _, f in formulas(shape, 0, size - 1))
    # Several parts: their union is the same everywhere only where its box is; then each position's set.
    if any(a0 + a1 * qa != first[0][0] or b0 + b1 * qa != first[-1][1] or (qa != qb and (a1 or b1))
           for qa, qb, _, _, a0, a1, b0, b1 in box_formulas(field, size)):
        return False
    return all(field.at(o) == first for o in range(1, size))


# ---------------------------------------------------------------- the walk
class Traced:
    """Where one blob's positions come from: image axis -> (blob axis, field)."""

    __slots__ = ("axes",)

    def __init__(self, axes):
        self.axes = axes


def needed(graph, blob_shapes, deps, image, axes, sources=None):
    """(blob, axis) -> (lo, hi): the positions whose sets anything asks for, for every blob axis a field can be
    along (the image's h and w, and each axis that reads one); no other axis has an entry.

    That is the real positions (and position 1, which jump and overlap look
    at) and every position a reader's needed positions tap, padding included.
    Fields are exact there and free elsewhere, which keeps them small. A top
    that keeps a bottom (`sources`: keeping's) has that bottom's very field: what
    its readers ask is asked of the blob it keeps, and it asks nothing.
    """
    sources = sources or {}
    kept_as = {}  # (a kept top -> the blob whose field it has)
    along = {(image, axes[0]), (image, axes[1])}
    for node in graph.nodes:
        kept_from = sources.get(node.index)
        if kept_from is not None:
            for top, source in zip(node.tops, kept_from):
                kept_as[top] = kept_as.get(source, source)
            continue
        for top, per_axis in zip(node.tops, deps.get(node.index) or ()):
            for a, items in per_axis.items():
                for b, ba, _ in items:
                    bottom = node.bottoms[b]
                    if (kept_as.get(bottom, bottom), ba) in along:
                        along.add((top, a))
                        break
    need = {}
    for node in reversed(graph.nodes):
        if node.index in sources:
            continue
        for top, per_axis in zip(node.tops, deps.get(node.index) or ()):
            for a, items in per_axis.items():
                if (top, a) not in along:
                    continue  # (no field can be along it: the channels)
                lo, hi = need[top, a] = _wanted(need, top, a, blob_shapes[top][a])
                for b, ba, index_map in items:
                    bottom = node.bottoms[b]
                    key = (kept_as.get(bottom, bottom), ba)
                    span = (lo, hi) if index_map is IDENTITY else index_map.span(lo, hi)
                    if span is not None and key in along:
                        old = need.get(key)
                        # (as min and max of the two spans, without the calls: every blob axis of a net comes here)
                        need[key] = span if old is None else (old[0] if old[0] < span[0] else span[0],
                                                              old[1] if old[1] > span[1] else span[1])
    return need


def keeping(graph, blob_shapes, deps):
    """node index -> its tops' sources: the bottom blob each top keeps, where every top of the node reads one
    bottom position for position, axis for axis, and has its shape (activations, normalisations, Dropout, a
    Split's copies, in place or not). Such a top's fields and scales are its source's own."""
    out = {}
    for node in graph.nodes:
        node_deps = deps.get(node.index)
        sources = [_source(node, top, per_axis, blob_shapes) for top, per_axis in zip(node.tops, node_deps or ())]
        if sources and None not in sources:
            out[node.index] = sources
    return out


def _source(node, top, per_axis, blob_shapes):
    shape, source = blob_shapes[top], None
    if not per_axis or len(per_axis) != len(shape):
        return None
    for a, items in per_axis.items():
        if len(items) != 1:
            return None
        b, ba, m = items[0]
        if ba != a or not _keeps(m) or (source is not None and node.bottoms[b] != source):
            return None
        source = node.bottoms[b]
    return source if blob_shapes[source] == shape else None


def _as_plane(node, node_deps, traced, blob_shapes, extent):
    """Every real top position of a node reads each bottom's field as it is (`_as_is`): then, where its
    bottoms' real fields are the plane's, so are its tops'."""
    last = None
    for top, per_axis in zip(node.tops, node_deps):
        for a, items in per_axis.items():
            size = blob_shapes[top][a]
            for b, ba, m in items:
                n = blob_shapes[node.bottoms[b]][ba]
                if m is IDENTITY:  # (most maps of most layers: position o reads o, whatever its field)
                    if size > n:
                        return False
                    continue
                t = traced[node.bottoms[b]]
                found = t.axes.get(ba) if t is not None else None
                if found is None:
                    continue  # (no field to read: the channels)
                f, e = found[1], extent[found[0]]
                if last is not None and last[0] is f and last[1:4] == (size, n, e) and _same_map(m, last[4]):
                    continue  # (a square window on a square map: as the other axis was read)
                if not _as_is(f, m, size, n, e):
                    return False
                last = f, size, n, e, m
    return True


def _read(f, m, size, n, extent, cuts):
    """The bottom field `f` (of n positions) as the real positions of a top of `size` read it through `m`.

    Real sets are kept exact inside the image only: a pixel beyond the image's
    ends is no pixel, so what a field holds there is never counted. Most
    reads beyond a map's ends need nothing done: those positions reach only
    such pixels, or (a window of contiguous taps, which reads the end along
    with what lies beyond it) only pixels the end reaches too. Then the very
    same field is read, views stay views, and a net without cuts costs one
    look per padded layer. Else a contiguous window reads the field clamped
    to its ends (the end repeated: still a view's monotone base), and any
    other map a copy empty beyond the ends.
    """
    if _as_is(f, m, size, n, extent):
        return f
    lo, hi = m.span(0, size - 1) or (0, 0)
    key = (f, n, _contiguous(m, size, n, lo, hi))
    found = cuts.get(key)
    if found is None:
        found = cuts[key] = inside(f, n, key[2])
    return found


def _as_is(f, m, size, n, extent):
    """The real positions of a top of `size` read the bottom field `f` (of n positions) through `m` as it is:
    they read no position beyond its ends, or nothing there that changes what they read in the image."""
    lo, hi = m.span(0, size - 1) or (0, 0)
    if lo >= 0 and hi <= n - 1:
        return True
    return lo >= -64 and hi <= n + 63 and _unchanged(f.parts, m, size, n, extent - 1, lo, hi,
                                                     _contiguous(m, size, n, lo, hi))


def _contiguous(m, size, n, lo, hi):
    """A window of contiguous taps whose first and last positions read the bottom's ends along with what lies
    beyond them."""
    return m.__class__ is Window and m.s >= 1 and (m.d == 1 or m.k == 1) and \
        (lo >= 0 or m.taps(0)[-1] >= 0) and (hi <= n - 1 or m.taps(size - 1)[0] <= n - 1)


def _unchanged(parts, m, size, n, last, lo, hi, contiguous):
    """Reading the field as it is gives every real top position, in the image, what its real taps give.
    Asked of each part on its own lattice (its sets' union is the field's; spread into pixels, a lattice's
    sets are long): where each part's reads beyond the ends add nothing, the union's add nothing."""
    for (c, g, _), shape in parts:
        low, high = -(c // g), (last - c) // g  # (the image, in the lattice's coordinates)
        if contiguous and shape.__class__ is Affine and len(shape.base) == 1 and \
                _ends_hold(*shape.base[0], shape.jump, n, lo, hi, low, high):
            continue
        beyond = [clip(shape.at(i), low, high) for i in range(lo, 0)], [clip(shape.at(i), low, high)
                                                                          for i in range(n, hi + 1)]
        if not any(beyond[0]) and not any(beyond[1]):
            continue
        if contiguous and _within_end(beyond[0], clip(shape.at(0), low, high)) and \
                _within_end(beyond[1], clip(shape.at(n - 1), low, high)):
            continue
        if not (m.__class__ is Window and m.s >= 1 and _read_along(shape, m, size, n, low, high)):
            return False
    return True


def _ends_hold(p, q, j, n, lo, hi, low, high):
    """The sets [p + j*o, q + j*o] at positions lo..-1 and n..hi lie, in the image (low..high), within position
    0's and n - 1's: with j >= 0 those beyond the start are position 0's moved back, so they do wherever
    position 0's reaches the image's first pixel, or they miss the image; likewise beyond the end."""
    start = lo >= 0 or j == 0 or p <= low or q - j < low
    return j >= 0 and start and (hi <= n - 1 or j == 0 or q + j * (n - 1) >= high or p + j * n > high)


def _read_along(shape, m, size, n, low, high):
    """Each real top position that reads beyond the bottom's ends reads there, in the image, only what its
    real taps reach too (a dilated window over a field that grows towards the image's edge)."""
    first, final = (m.p - 1) // m.s, (n - 1 + m.p - (m.k - 1) * m.d) // m.s + 1  # (beyond: o <= first, >= final)
    edge = [o for o in range(size) if o <= first or o >= final]
    if len(edge) > 64:
        return False
    for o in edge:
        taps = m.taps(o)
        beyond = [clip(shape.at(i), low, high) for i in taps if not 0 <= i < n]
        if not _within_end(beyond, union([clip(shape.at(i), low, high) for i in taps if 0 <= i < n])):
            return False
    return True


def _within_end(beyond, end):
    """Every set beyond lies within `end` (sets cut to the image)."""
    if len(end) == 1:
        (lo, hi), = end
        return all(lo <= s[0][0] and s[-1][1] <= hi for s in beyond if s)
    return all(count(union([s, end])) == count(end) for s in beyond if s)


def _wanted(need, blob, axis, size):
    lo, hi = need.get((blob, axis), (0, 1))
    return min(lo, 0), max(hi, size - 1, 1)


def compute(graph, blob_shapes, deps, image, axes, warnings, plane=None, need=None, sources=None):
    """Fields of every blob that traces back to the image input (blob id `image`), along its `axes` (h, w).

    `deps[node.index]` is what the node's type rule says it reads (None when
    its shapes are unknown). Returns a list over blob ids of Traced or None;
    merges of paths on different grids are added to `warnings`.

    plane: this walk's answer without `plane`; given, the walk is the real
    one: the sets a pixel can actually change, exact inside the image at
    each blob's real positions: a reader of a bottom's positions beyond its
    ends reads zero padding there, not the unbounded plane's continuation
    (`_read`). A top whose bottoms are all read as the plane's is the plane's
    own field. What is cut to the image (clipped boxes, area, overlap,
    global) is measured on these; sizes, jumps, starts and paddings on the
    unbounded fields. need: `needed`'s answer, filled in where it is empty;
    sources: `keeping`'s (worked out here where not given).
    """
    real = plane is not None
    traced = [None] * len(blob_shapes)
    shape = None if image is None else blob_shapes[image]
    if shape is None or len(shape) not in (4, 5) or None in (shape[axes[0]], shape[axes[1]]):
        return traced  # no image, or one of unknown size (a drawing needs none): nothing traces back to one
    # An image is N x C x H x W (or N x H x W x C), or a clip N x C x L x H x W (C3D): fields are along H
    # and W; a clip's L has none.
    h, w = axes
    extent = {"h": shape[h], "w": shape[w]}
    # (one field for both axes: layers that treat h and w alike then give both axes one field, worked out once)
    first = image_field()
    traced[image] = plane[image] if real else Traced({h: ("h", first), w: ("w", first)})
    sources = keeping(graph, blob_shapes, deps) if sources is None else sources
    need = {} if need is None else need
    if not need:
        need.update(needed(graph, blob_shapes, deps, image, axes, sources))
    mixed, costly = {}, None
    runs_budget(WORK_BASE + WORK_PER_LAYER * len(graph.nodes))
    cuts = {}  # (field, bottom size, clamped) -> the field a reader sees, for the real sets
    # Blobs computed from the image: one of these without a field along an axis a reader reads is one
    # whose field there is unknown (its rule left the axis out), not one that does not vary with the image.
    reaches = [False] * len(blob_shapes)
    reaches[image] = True
    for node in graph.nodes:
        for b in node.bottoms:
            if reaches[b]:
                for top in node.tops:
                    reaches[top] = True
                break
        node_deps = deps.get(node.index)
        if not node_deps:
            continue
        kept_from = sources.get(node.index)
        if kept_from is not None:
            for top, source in zip(node.tops, kept_from):
                traced[top] = traced[source]
            continue
        if real and all(traced[b] is plane[b] for b in node.bottoms) and \
                _as_plane(node, node_deps, traced, blob_shapes, extent):
            for top in node.tops:
                traced[top] = plane[top]
            continue
        try:
            for top, per_axis in zip(node.tops, node_deps):
                out, twin = {}, None
                for a, items in per_axis.items():
                    wanted = need.get((top, a))
                    if wanted is None:
                        continue  # (no field can be along it: the channels)
                    size = blob_shapes[top][a]
                    reads = _reads(traced, node, items, blob_shapes)
                    if len(reads) == 1:
                        _, _, t, n, m = reads[0]
                        if t is None:
                            continue  # (no field to read: the channels)
                        if n == size and _keeps(m):
                            # An in-place or shape-keeping map: the top's field is the bottom's own, which was found
                            # global or not at this very size where it was made (real or plane alike).
                            out[a] = t
                            continue
                    lo, hi = wanted
                    if twin is not None and _twins(twin[0], ((size, lo, hi), reads), extent):
                        # (a square window on a square map: this axis reads what the other read, the same way)
                        image_axis, field = reads[0][2][0], twin[1]
                        same = plane[top].axes.get(a) if real and plane[top] is not None else None
                        out[a] = same if same is not None and same[1] is field else (image_axis, field)
                        if twin[2] is not None:
                            mixed[node.index][1][image_axis] = twin[2]
                        continue
                    found, whole, unknown, shared = [], False, False, real
                    for bottom, ba, t, n, index_map in reads:
                        if t is not None:
                            image_axis, f = t
                            if real:
                                f = _read(f, index_map, size, n, extent[image_axis], cuts)
                                shared = shared and f is plane[bottom].axes[ba][1]
                            found.append(((image_axis, f), index_map))
                            if not isinstance(index_map, Piece):
                                whole = whole or reads_everything(index_map, size, n)
                        elif reaches[bottom]:
                            unknown = True
                    if unknown or not found or len({image_axis for (image_axis, _), _ in found}) != 1:
                        continue
                    image_axis = found[0][0][0]
                    if shared:
                        out[a] = plane[top].axes[a]
                        twin = ((size, lo, hi), reads), out[a][1], None
                        continue
                    if isinstance(found[0][1], Piece):
                        if len(found) != len(items):
                            continue  # part of the concatenation does not come from the image
                        field = pieces([(f, m.start, m.size) for (_, f), m in found], size, lo, hi)
                    else:
                        field = combine([(f, m) for (_, f), m in found], lo, hi)
                    if real and all(field is not f for (_, f), _ in found):  # (a bottom's own is trimmed already)
                        field = in_image(field, extent[image_axis])  # (what it holds beyond the image is no pixel)
                    if not real and not field.glob and (whole or global_by_coverage(field, size, extent[image_axis])):
                        field = field.globally()  # so that everything computed from it is global too
                    out[a] = (image_axis, field)
                    twin = ((size, lo, hi), reads), field, None
                    if not real and len(found) > 1 and not field.aligned:  # (aligned: one centre, so one grid)
                        grids = [_through(f.centre, m)[1] for (_, f), m in found]
                        if any(g != grids[0] for g in grids[1:]):
                            twin = twin[0], field, sorted(set(grids))
                            mixed.setdefault(node.index, (node, {}))[1][image_axis] = twin[2]
                if out:
                    # (a top whose every axis is the plane's is the plane's own, so that its readers may take the
                    # node-level shortcut above)
                    same = real and plane[top] is not None and out.keys() == plane[top].axes.keys() and all(
                        out[a] is plane[top].axes[a] for a in out)
                    traced[top] = plane[top] if same else Traced(out)
        except TooMuchWork:
            # (what this node's tops would have had is left unknown, and so is what is read from them)
            costly = costly or node
            for top in node.tops:
                traced[top] = None
    if costly is not None:
        warnings.append(warning(
            "fields-too-costly", f"from layer '{costly.name}' ({costly.type}) on, receptive fields are left unknown: "
            "the paths that join there read their inputs in so many different ways that working the fields out "
            "exactly would take more than a net of this size should (shapes, parameters and costs are complete)",
            layer=costly.name, line=costly.line))
    for node, axes in mixed.values():
        first = node.bottoms[0]
        along = "; ".join(f"{axis}: {', '.join(number(float(g)) for g in grids)}"
                          for axis, grids in sorted(axes.items()))
        warnings.append(warning(
            "different-grids", f"layer '{node.name}' merges paths whose features lie on different grids (jumps "
            f"{along}): its jump and start are those of its first bottom '{graph.blobs[first].name}'",
            layer=node.name, line=node.line))
    return traced


def _reads(traced, node, items, blob_shapes):
    """What the walk reads for one top axis: per item (bottom, bottom axis, its field's (image axis, field) or
    None, the bottom's size along that axis, the index map)."""
    out = []
    for b, ba, m in items:
        bottom = node.bottoms[b]
        t = traced[bottom]
        out.append((bottom, ba, t.axes.get(ba) if t is not None else None, blob_shapes[bottom][ba], m))
    return out


def _twins(one, other, extent):
    """Two top axes, each ((size, lo, hi), _reads'), read the very same fields, each along its own image axis
    of one extent, through equal maps over equal sizes: their fields are the same."""
    (wanted, reads), (other_wanted, other_reads) = one, other
    if wanted != other_wanted or len(reads) != len(other_reads) or reads[0][2] is None or other_reads[0][2] is None:
        return False
    axis, other_axis = reads[0][2][0], other_reads[0][2][0]
    for (bottom, _, t, n, m), (other_bottom, _, u, other_n, other_m) in zip(reads, other_reads):
        if bottom != other_bottom or n != other_n or (t is None) != (u is None) or not _same_map(m, other_m):
            return False
        if t is not None and (t[1] is not u[1] or t[0] != axis or u[0] != other_axis):
            return False
    return extent[axis] == extent[other_axis]


def _same_map(m, other):
    return m is other or (m.__class__ is other.__class__ and
                          all(getattr(m, s, None) == getattr(other, s, None) for s in m.__slots__))


def summary(field, size, extent, real):
    """What a report says of one axis (the JSON's `rf`), as (said, clipped, global): `said` the plane's size,
    jump, start, padding, uniform and aligned (remembered on the field, which the blobs of shape-keeping
    layers share: read it, do not change it); clipped and global, the real sets'.

    jump and start are the scale and offset of Caffe's coord_map: feature o
    lies at start + jump*o on the input. None where no position of the blob
    depends on the image; padding is None where feature 0 depends on no input
    pixel (a sparse deconvolution). `real` is the same axis's field of real
    sets (compute's `real`): the box in the image and whether the whole image
    is seen are the pixels that can change a feature, not the plane's.
    """
    said = field.said.get((size, extent), field)
    if said is field:
        measured = _measured(field, size, extent)
        said = field.said[size, extent] = None if measured is None else _said(field, size, extent, *measured)
    if said is None:
        return None
    return (said, *_in_image(real, size, extent, said, real is field))


def _in_image(real, size, extent, said, shared):
    """(clipped, global) of the real sets, remembered as the plane's are. Where they are the plane's own
    and each is one interval, the box in the image is the plane's box cut to it, already measured."""
    found = real.said.get((size, extent, "real"))
    if found is None:
        clipped = said["clipped"] if shared and _one_interval(real, size) else _widest(real, size, extent)
        found = real.said[size, extent, "real"] = (clipped, said["global"] and covers(real, size, extent))
    return found


def _one_interval(field, size):
    """Every real position's set of a field on the pixels' own lattice is one interval (or none)."""
    if len(field.parts) != 1 or field.parts[0][0][1] != 1:
        return False
    shape = field.parts[0][1]
    if isinstance(shape, Affine):
        return len(shape.base) <= 1  # (translates of its base, which is one interval or several)
    return all(f is None or len(f) <= 1 for _, _, _, _, f in formulas(shape, 0, size - 1))


def _widest(real, size, extent):
    """The widest box of what a real position's real set holds in the image.

    The real sets are exact in the image only: what lies beyond it is the
    plane's, which is no pixel. Where a set is one interval, the box cut to
    the image is the box of what lies in it; where it has holes, the interval
    nearest each edge of the image decides, and which interval that is
    changes only where one crosses an edge (`_splits`).
    """
    if len(real.parts) > 1:
        return _widest_union(real, size, extent)
    (c, g, _), shape = real.parts[0]
    memo, key = _memo(shape, c, g, size, extent)
    key = ("in image", key)
    found = memo.get(key)
    if found is None:
        low, high = -(c // g), (extent - 1 - c) // g  # (the image, in the lattice's coordinates)
        found = 0
        for qa, qb, _, _, f in formulas(shape, 0, size - 1):
            if f and len(f) == 1:
                (a0, a1, b0, b1), = f
                found = max(found, _clipped(a0, a1, b0, b1, qa, qb, low, high, g))
                continue
            for u, v, first, last in _splits(f or (), qa, qb, low, high):
                found = max(found, _clipped(first[0], first[1], last[2], last[3], u, v, low, high, g))
        memo[key] = found
    return found


def _splits(f, qa, qb, low, high):
    """(q_first, q_last, first, last): stretches of qa..qb over which the same intervals of a formula meet
    low..high, first and last of them."""
    starts = [qa] + crossings([e for a0, a1, b0, b1 in f for e in ((a0, a1, high), (b0, b1, low))], qa, qb)
    for u, v in zip(starts, [x - 1 for x in starts[1:]] + [qb]):
        meet = [i for i in f if i[0] + i[1] * u <= high and i[2] + i[3] * u >= low]
        if meet:
            yield u, v, meet[0], meet[-1]


def _widest_union(real, size, extent):
    """_widest for a union of parts. The box of the union cut to the image is no narrower than the box of
    what the union holds in it: where a position whose cut box is widest holds as wide a box, that is the
    answer. Else each part is cut to the image first (`within`), so that the box of the union is the box
    of what it holds in the image."""
    last = extent - 1
    measured = _measured(real, size, extent)
    if measured is None:
        return 0
    bound = measured[1]
    for o in _widest_positions(real, size, extent, bound):
        s = clip(real.at(o), 0, last)
        if s and s[-1][1] - s[0][0] + 1 == bound:
            return bound
    parts = []
    for (c, g, rate), shape in real.parts:
        parts.append(((c, g, rate), within(shape, -(c // g), (last - c) // g, 0, size - 1)))
    box = united([(box_of(Field(((key, shape),))), IDENTITY) for key, shape in parts], 0, size - 1, hulled=True)
    measured = _measure(Field(tuple(parts), box), size, extent)
    return 0 if measured is None else measured[1]


def _widest_positions(field, size, extent, width, most=4):
    """A few positions whose box, cut to the image, is `width` wide."""
    found = []
    for qa, qb, r, t, a0, a1, b0, b1 in box_formulas(field, size):
        qs = {qa, qb}.union(crossings(((a0, a1, 0), (b0, b1, extent - 1)), qa - 1, qb))
        for q in sorted(qs):
            if min(b0 + b1 * q, extent - 1) - max(a0 + a1 * q, 0) + 1 == width:
                found.append(r + q * t)
                if len(found) == most:
                    return found
    return found


def covers(real, size, extent):
    """Every real position's real set holds the whole image axis, 0..extent-1 (what lies beyond it is no
    pixel). Where one part's sets do at every position, in closed form, so does their union."""
    if any(g == 1 and _covering(shape, size, extent) for (_, g, _), shape in real.parts):
        return True
    whole = ((0, extent - 1),)
    return all(clip(real.at(o), 0, extent - 1) == whole for o in range(size))


def _covering(shape, size, extent):
    """One interval of each formula holds 0..extent-1 at its first and last q, so at every q between (its
    ends move linearly), and the formulas place every position 0..size-1."""
    def holds(a0, a1, b0, b1, q):
        return a0 + a1 * q <= 0 and b0 + b1 * q >= extent - 1

    placed = 0
    for qa, qb, _, _, f in formulas(shape, 0, size - 1):
        if f is not None:
            if not any(holds(*i, qa) and holds(*i, qb) for i in f):
                return False
            placed += qb - qa + 1
    return placed == size


def _said(field, size, extent, width, clipped, lo, uniform):
    start, jump = field.centre
    return {
        "size": width,
        "clipped": clipped,
        "jump": int(jump) if jump == int(jump) else float(jump),
        "start": float(start),
        "padding": None if lo is None else -lo,
        "uniform": uniform,
        "aligned": field.aligned,
        "global": global_by_coverage(field, size, extent),
    }


def _measured(field, size, extent):
    """(size, clipped, low end of position 0, uniform) of the boxes of the real positions, or None where no
    position reads input; remembered with the box's base, which the blobs of a chain of views share."""
    if field.box is not None:
        c, g, shape = 0, 1, field.box
    else:
        (c, g, _), shape = field.parts[0]
    memo, key = _memo(shape, c, g, size, extent)
    found = memo.get(key, memo)
    if found is memo:
        found = memo[key] = _measure(field, size, extent)
    return found


def _memo(shape, c, g, size, extent):
    """Where what is measured of a shape is remembered, and under which key: views share their base's."""
    if isinstance(shape, Affine):
        return {}, None
    if isinstance(shape, View):
        return shape.base.said, (shape.a, shape.b, c, g, size, extent)
    return shape.said, (0, 0, c, g, size, extent)


def _measure(field, size, extent):
    formulas = box_formulas(field, size)  # (positions reading no input are not placed)
    if not formulas:
        return None
    # Neighbouring phases with one formula over q's that follow each other are one stretch of q.
    widths, clipped, placed, last = set(), 0, 0, None
    for qa, qb, _, _, a0, a1, b0, b1 in formulas + [(0, -1, 0, 1, None, None, None, None)]:
        placed += qb - qa + 1
        if last is not None:
            if last[2:] == (a0, a1, b0, b1) and qa <= last[1] + 1 and qb >= last[0] - 1:
                last = (min(last[0], qa), max(last[1], qb)) + last[2:]
                continue
            qa0, qb0, x0, x1, y0, y1 = last
            widths.add(y0 - x0 + 1 + (y1 - x1) * qa0)
            widths.add(y0 - x0 + 1 + (y1 - x1) * qb0)
            if clipped < extent:  # (no box clipped to the image is wider than it)
                clipped = max(clipped, _clipped(x0, x1, y0, y1, qa0, qb0, 0, extent - 1))
        last = (qa, qb, a0, a1, b0, b1)
    shape = field.parts[0][1]
    uniform = (len(field.parts) == 1 and isinstance(shape, Affine)) or (
        placed == size and len(widths) == 1 and _steady(field, formulas, size))
    first = field.ends(0)
    return max(widths), clipped, first and first[0], uniform


def _clipped(a0, a1, b0, b1, qa, qb, low, high, g=1):
    """The largest width of the boxes [a0 + a1*q, b0 + b1*q], q in qa..qb, cut to low..high, on a lattice
    of step g (the width of the box of its points).

    The cut width is concave in q: its largest value is at an end or where
    an edge of the box meets an edge of the image.
    """
    qs = [qa, qb]
    for c, slope, edge in ((a0, a1, low), (b0, b1, high)):
        if slope:
            q = (edge - c) // slope
            qs += [x for x in (q, q + 1) if qa <= x <= qb]
    widest = 0
    for q in qs:
        width = g * (min(b0 + b1 * q, high) - max(a0 + a1 * q, low)) + 1
        if width > widest:
            widest = width
    return widest


def _steady(field, formulas, size):
    """The boxes of the real positions step by one constant amount."""
    if size < 2:
        return True
    lo0, lo1 = field.ends(0)[0], field.ends(1)[0]
    step = lo1 - lo0
    return all(a0 + a1 * q == lo0 + step * (r + q * t) for qa, qb, r, t, a0, a1, _, _ in formulas for q in (qa, qb))

"""Receptive fields, exactly, on any graph: per blob axis, the set of input
pixels each position depends on.

Along one axis, the field of a blob maps every position o (on the unbounded
plane: padding and borders do not clip) to a set of input-image indices,
kept as sorted disjoint inclusive intervals so that dilation holes stay holes.
A layer says, through an index map (indexmaps.py), which bottom positions
each top position reads; the field of the top is the union of the bottoms' sets at those
positions. Bounding box, jump, centre, exact area and overlap all follow.

Most blobs are translation-invariant: set(o) = set(0) + jump * o with an
integer jump. Those are `Affine` and cost O(kernel) per layer whatever the
map size. Concats along space, crops of upsampled maps, deconvolutions and
interpolations make the field depend on position: those are `runs.Runs`,
periodic runs of positions, whose cost grows with the runs, not the map.
They are exact over the positions something reads (`needed`: the real ones
and what padded readers tap) and extended beyond, where paths growing at
different rates would otherwise multiply runs nobody looks at. A field that
turns out to be affine after all is turned back into one.

This module keeps the affine fields and the walk over the graph; runs.py the
position-dependent ones. It asks runs.py for exactly this: `Runs` (a field
as runs, with `at(o)` and `over(lo, hi)`), `from_affine` (an affine field as
runs), `compose` (a top's runs from its bottoms' runs and index maps), and
its two shortcuts `translated` and `hull` (with `monotone`, which says when
`hull` applies).
"""

from scnn_tools.errors import warning
from scnn_tools.net.indexmaps import IDENTITY, Piece, Whole, Window, reads_everything
from scnn_tools.net.intervals import shift, union
from scnn_tools.output import number
from .runs import Interval, Runs, compose, from_affine, hull, monotone, translated, value



# -------------------------------------------------------------------- fields
class Affine:
    """set(o) = base + jump*o.

    Besides the sets, every field keeps `centre` = (a, b): the input position
    a + b*o at the centre of the kernels that position o is computed with, as
    Caffe's coord_map does. Merged paths are aligned when their centres are.
    """

    __slots__ = ("base", "jump", "glob", "aligned", "centre")

    def __init__(self, base, jump, glob=False, aligned=True, centre=(0, 1)):
        self.base, self.jump, self.glob, self.aligned, self.centre = base, jump, glob, aligned, centre

    def at(self, o):
        return shift(self.base, self.jump * o) if o else self.base


def image_field():
    return Affine(((0, 0),), 1, centre=(0, 1))


def globally(field):
    """A copy of `field` marked global (fields are shared between blobs, never changed)."""
    if isinstance(field, Affine):
        return Affine(field.base, field.jump, True, field.aligned, field.centre)
    return Runs(field.runs, True, field.aligned, field.centre)


def _through(centre, index_map):
    a, b = centre
    alpha, beta = index_map.centre
    # Rounded so that equal centres reached along different paths compare equal.
    return round(a + b * alpha, 9), round(b * beta, 9)


def _runs(field):
    return field if isinstance(field, Runs) else from_affine(field.base, field.jump)


def _simple(field):
    """Runs that are one affine pattern over the whole line, as an Affine."""
    if len(field.runs) == 1 and field.runs[0].period == 1:
        (formula,) = field.runs[0].phases
        jumps = {a1 for _, a1, _, _ in formula} | {b1 for _, _, _, b1 in formula}
        if len(jumps) == 1:
            return Affine(tuple((a0, b0) for a0, _, b0, _ in formula), jumps.pop(), field.glob, field.aligned,
                          field.centre)
    return field


def _translates(sets):
    """(base, jump) where the sets of positions 0, 1, ... are translates of each other, else None."""
    if len(sets) < 2 or not all(sets):
        return None  # (a position that reads no input, as a sparse deconvolution leaves, is no translate)
    jump = sets[1][0][0] - sets[0][0][0]
    if all(s == shift(sets[0], jump * i) for i, s in enumerate(sets)):
        return sets[0], jump
    return None


def combine(deps, lo, hi):
    """The field of a top axis from its dependencies [(field, index map), ...], exact over lo..hi."""
    if len(deps) == 1 and deps[0][1] is IDENTITY:
        return deps[0][0]  # in-place and shape-keeping layers: the very same field
    glob = any(f.glob for f, _ in deps) or any(isinstance(m, Whole) for _, m in deps)
    centres = {_through(f.centre, m) for f, m in deps}
    aligned = all(f.aligned for f, _ in deps) and len(centres) == 1
    centre = _through(deps[0][0].centre, deps[0][1])
    if all(isinstance(f, Affine) and m.affine is not None for f, m in deps):
        parts = [m.affine(f.base, f.jump) for f, m in deps]
        if len({j for _, j in parts}) == 1:
            return Affine(union(b for b, _ in parts), parts[0][1], glob, aligned, centre)
    if len(deps) == 1 and isinstance(deps[0][0], Runs) and isinstance(deps[0][1], Window) and deps[0][1].s > 0:
        field, m = deps[0]
        if m.k == 1 and m.s == 1:
            return translated(field, -m.p, lo, hi, glob, aligned, centre)  # a crop, a slice, a 1x1
        if m.k > 1 and monotone(field, *m.span(lo, hi), m.d):
            last = Window(m.s, m.p - (m.k - 1) * m.d, 1)
            return _simple(hull(field, Window(m.s, m.p, 1), last, lo, hi, glob, aligned, centre))
    return _simple(compose([(_runs(f), m) for f, m in deps], lo, hi, glob, aligned, centre))


def pieces(parts, size, lo, hi):
    """A Concat along this axis: [(field, start, size), ...] in order, exact over lo..hi.

    Where the concatenated positions form one translation-invariant pattern
    (a slice put back together, the rows of an SCNN block that all see the
    same set), that pattern also defines the positions beyond the ends;
    elsewhere the first and last pieces read on.
    """
    glob = all(f.glob for f, _, _ in parts)
    centres = {_through(f.centre, Piece(start, n, False, False)) for f, start, n in parts}
    aligned = all(f.aligned for f, _, _ in parts) and len(centres) == 1
    centre = _through(parts[0][0].centre, Piece(parts[0][1], parts[0][2], False, False))
    real = []
    for f, start, n in parts:
        real.extend(f.at(o) for o in range(n))
    pattern = _translates(real)
    if pattern is not None:
        return Affine(pattern[0], pattern[1], glob, aligned, centre)
    last = len(parts) - 1
    deps = [(_runs(f), Piece(start, n, k == 0, k == last)) for k, (f, start, n) in enumerate(parts)]
    return _simple(compose(deps, lo, hi, glob, aligned, centre))


def _over(field, size):
    """(q_first, q_last, phase, period, formula) covering the real positions 0..size-1."""
    if isinstance(field, Affine):
        return [(0, size - 1, 0, 1, tuple(Interval(a, field.jump, b, field.jump) for a, b in field.base))]
    return list(field.over(0, size - 1))


def global_by_coverage(field, size, extent):
    """True where every real position sees the whole input extent and no position differs from another."""
    if field.glob:
        return True
    if size < 2:
        return False
    first = field.at(0)
    if not first or first[0][0] > 0 or first[-1][1] < extent - 1:
        return False
    if isinstance(field, Affine):
        return field.jump == 0
    return all(value(f, qa) == first and (qa == qb or all(a1 == b1 == 0 for _, a1, _, b1 in f))
               for qa, qb, _, _, f in _over(field, size))


# ---------------------------------------------------------------- the walk
class Traced:
    """Where one blob's positions come from: image axis -> (blob axis, field)."""

    __slots__ = ("axes",)

    def __init__(self, axes):
        self.axes = axes


def needed(graph, blob_shapes, deps):
    """(blob, axis) -> (lo, hi): the positions whose sets anything asks for.

    That is the real positions (and position 1, which jump and overlap look
    at) and every position a reader's needed positions tap, padding included.
    Fields are exact there and free elsewhere, which keeps them small.
    """
    need = {}
    for node in reversed(graph.nodes):
        for top, per_axis in zip(node.tops, deps.get(node.index) or ()):
            for a, items in per_axis.items():
                lo, hi = _wanted(need, top, a, blob_shapes[top][a])
                for b, ba, index_map in items:
                    span = index_map.span(lo, hi)
                    if span is not None:
                        key = (node.bottoms[b], ba)
                        old = need.get(key, span)
                        need[key] = (min(old[0], span[0]), max(old[1], span[1]))
    return need


def _wanted(need, blob, axis, size):
    lo, hi = need.get((blob, axis), (0, 1))
    return min(lo, 0), max(hi, size - 1, 1)


def compute(graph, blob_shapes, deps, image, warnings):
    """Fields of every blob that traces back to the image input (blob id `image`).

    `deps[node.index]` is what the node's type rule says it reads (None when
    its shapes are unknown). Returns a list over blob ids of Traced or None;
    merges of paths on different grids are added to `warnings`.
    """
    traced = [None] * len(blob_shapes)
    shape = None if image is None else blob_shapes[image]
    if shape is None or len(shape) not in (4, 5) or None in shape[-2:]:
        return traced  # no image, or one of unknown size (a drawing needs none): nothing traces back to one
    # An image is N x C x H x W, or a clip N x C x L x H x W (C3D): fields are along H and W, the last two
    # axes; a clip's L has none.
    h, w = len(shape) - 2, len(shape) - 1
    extent = {"h": shape[h], "w": shape[w]}
    traced[image] = Traced({h: ("h", image_field()), w: ("w", image_field())})
    need = needed(graph, blob_shapes, deps)
    mixed = {}
    # Blobs computed from the image: one of these without a field along an axis a reader reads is one
    # whose field there is unknown (its rule left the axis out), not one that does not vary with the image.
    reaches = [False] * len(blob_shapes)
    reaches[image] = True
    for node in graph.nodes:
        if any(reaches[b] for b in node.bottoms):
            for top in node.tops:
                reaches[top] = True
        node_deps = deps.get(node.index)
        if not node_deps:
            continue
        for top, per_axis in zip(node.tops, node_deps):
            out = {}
            for a, items in per_axis.items():
                found, whole, unknown = [], False, False
                for b, ba, index_map in items:
                    t = traced[node.bottoms[b]]
                    if t is not None and ba in t.axes:
                        found.append((t.axes[ba], index_map))
                        if not isinstance(index_map, Piece):
                            whole = whole or reads_everything(index_map, blob_shapes[top][a],
                                                              blob_shapes[node.bottoms[b]][ba])
                    elif reaches[node.bottoms[b]]:
                        unknown = True
                if unknown or not found or len({image_axis for (image_axis, _), _ in found}) != 1:
                    continue
                image_axis = found[0][0][0]
                size = blob_shapes[top][a]
                lo, hi = _wanted(need, top, a, size)
                if isinstance(found[0][1], Piece):
                    if len(found) != len(items):
                        continue  # part of the concatenation does not come from the image
                    field = pieces([(f, m.start, m.size) for (_, f), m in found], size, lo, hi)
                else:
                    field = combine([(f, m) for (_, f), m in found], lo, hi)
                if not field.glob and (whole or global_by_coverage(field, size, extent[image_axis])):
                    field = globally(field)  # so that everything computed from it is global too
                out[a] = (image_axis, field)
                grids = sorted({_through(f.centre, m)[1] for (_, f), m in found})
                if len(grids) > 1:
                    mixed.setdefault(node.index, (node, {}))[1][image_axis] = grids
            if out:
                traced[top] = Traced(out)
    for node, axes in mixed.values():
        first = node.bottoms[0]
        along = "; ".join(f"{axis}: {', '.join(number(g) for g in grids)}" for axis, grids in sorted(axes.items()))
        warnings.append(warning(
            "different-grids", f"layer '{node.name}' merges paths whose features lie on different grids (jumps "
            f"{along}): its jump and start are those of its first bottom '{graph.blobs[first].name}'",
            layer=node.name, line=node.line))
    return traced


def summary(field, size, extent):
    """What a report says of one axis (the JSON's `rf`): size, clipped, jump, start, padding, uniform, aligned,
    global.

    jump and start are the scale and offset of Caffe's coord_map: feature o
    lies at start + jump*o on the input. None where no position of the blob
    depends on the image; padding is None where feature 0 depends on no input
    pixel (a sparse deconvolution).
    """
    formulas = [p for p in _over(field, size) if p[4]]  # (positions reading no input are not placed)
    if not formulas:
        return None
    first = field.at(0)
    lo = first[0][0] if first else None
    widths, clipped, placed = set(), 0, 0
    for qa, qb, _, _, f in formulas:
        a0, a1, b0, b1 = f[0].lo, f[0].lo_slope, f[-1].hi, f[-1].hi_slope
        widths.update(b0 - a0 + 1 + (b1 - a1) * q for q in (qa, qb))
        clipped = max(clipped, _clipped(a0, a1, b0, b1, qa, qb, extent))
        placed += qb - qa + 1
    uniform = isinstance(field, Affine) or (placed == size and len(widths) == 1 and _steady(field, size))
    start, jump = field.centre
    return {
        "size": max(widths),
        "clipped": clipped,
        "jump": int(jump) if jump == int(jump) else jump,
        "start": float(start),
        "padding": None if lo is None else -lo,
        "uniform": uniform,
        "aligned": field.aligned,
        "global": global_by_coverage(field, size, extent),
    }


def _clipped(a0, a1, b0, b1, qa, qb, extent):
    """The largest width of the boxes [a0 + a1*q, b0 + b1*q], q in qa..qb, clipped to 0..extent-1.

    The clipped width is concave in q: its largest value is at an end or where
    an edge of the box meets an edge of the image.
    """
    qs = {qa, qb}
    for c, slope, edge in ((a0, a1, 0), (b0, b1, extent - 1)):
        if slope:
            q = (edge - c) // slope
            qs.update(x for x in (q, q + 1) if qa <= x <= qb)
    return max(max(0, min(b0 + b1 * q, extent - 1) - max(a0 + a1 * q, 0) + 1) for q in qs)


def _steady(field, size):
    """The boxes of the real positions step by one constant amount."""
    if size < 2:
        return True
    lo0, lo1 = field.at(0)[0][0], field.at(1)[0][0]
    step = lo1 - lo0
    return all(f[0].lo + f[0].lo_slope * q == lo0 + step * (r + q * t)
               for qa, qb, r, t, f in _over(field, size) for q in (qa, qb))


"""Receptive fields, exactly, on any graph: per blob axis, the set of input
pixels each position depends on.

Along one axis, the field of a blob maps every position o (on the unbounded
plane: padding and borders do not clip) to a set of input-image indices,
kept as sorted disjoint inclusive intervals so that dilation holes stay holes.
A layer says, through an index map (indexmaps.py), which bottom positions
each top position reads; the field of the top is the union of the bottoms' sets at those
positions. Bounding box, jump, centre, exact area and overlap all follow.

A `Field` is a union of parts, never formed where forming it would cost:
- Each part lies on a lattice c + g*Z of input indices and is kept in its
  coordinates (index x = c + g*y). A net that shrinks its image by an
  integral factor (ICNet's 1025 -> 513, a 1x1 stride-2 layer on the image)
  reads every other pixel, and from there on a set of a thousand single
  pixels is one interval of the lattice.
- Parts move at different rates (input pixels per position, the product of
  the index maps' rates along the path): PSPNet's pyramid branches, whose
  interpolations are not aligned with the main path, or a branch at another
  lattice, stay apart; their union, which on the unbounded plane keeps
  crossing and opening holes, is formed only for the few positions whose
  exact set is asked (`at`). Parts of one lattice and rate are merged.
- Within a part, most blobs are translation-invariant: set(o) = set(0) +
  jump * o with an integer jump. Those are `Affine` and cost O(kernel) per
  layer whatever the map size. Concats along space, crops of upsampled maps,
  deconvolutions and interpolations make the field depend on position: those
  are runs.Runs, periodic runs of positions, whose cost grows with the runs,
  not the map, or runs.View, a window over such runs that costs nothing.
  They are exact over the positions something reads (`needed`: the real ones
  and what padded readers tap) and extended beyond. A part that turns out to
  be affine after all is turned back into one.
A field of several parts also keeps its `box`, the bounding box of the union
at every position, as a field of single intervals composed like a part: the
report's sizes, paddings and uniformity read it.

This module keeps the parts and the walk over the graph; runs.py the
position-dependent shapes. It asks runs.py for exactly this: `Runs` (a field
as runs, with `at(o)` and `over(lo, hi)`), `View`, `viewed` and `joined`
(stride-1 windows and their unions as views), `from_affine` and
`materialize` (any shape as runs), and `compose` (a top's runs from its
bottoms' runs and index maps).
"""

from fractions import Fraction
from math import gcd

from scnn_tools.errors import warning
from scnn_tools.net.indexmaps import IDENTITY, Piece, Whole, Window, reads_everything
from scnn_tools.net.intervals import shift, union
from scnn_tools.output import number
from .runs import Interval, Run, Runs, View, boxes, compose, joined, materialize, merged, value, verified, viewed

MAX_PARTS = 8  # beyond this many rates on one lattice, parts are merged (exactly, if at some cost)


# -------------------------------------------------------------------- fields
class Affine:
    """A part's shape where set(o) = base + jump*o (in its lattice's coordinates)."""

    __slots__ = ("base", "jump")

    def __init__(self, base, jump):
        self.base, self.jump = base, jump

    def at(self, o):
        if not o:
            return self.base
        k = self.jump * o
        if len(self.base) == 1:
            (a, b), = self.base
            return ((a + k, b + k),)
        return shift(self.base, k)


class Field:
    """The field of one blob axis: `parts`, ((c, g, rate), shape) sorted by key, whose union is the set.

    Besides the sets, every field keeps `centre` = (a, b): the input position
    a + b*o at the centre of the kernels that position o is computed with, as
    Caffe's coord_map does. Merged paths are aligned when their centres are.
    `box` is the field of the union's bounding boxes where there are several
    parts (input coordinates), else None: the one part is its own box.

    A field `seen` as (source, a, b) is its source seen through a stride-1
    window: every part (and the box) is the source's, its set at o the union
    of the source's at o + a .. o + b. Its parts are formed only when asked:
    a chain of such windows (SCNN's message passing) costs nothing per layer
    however many parts the source has.
    """

    __slots__ = ("_parts", "_box", "seen", "glob", "aligned", "centre", "said", "sets")

    def __init__(self, parts, box=None, glob=False, aligned=True, centre=(0, 1), seen=None):
        self._parts, self._box, self.seen = parts, box, seen
        self.glob, self.aligned, self.centre = glob, aligned, centre
        self.said = {}  # summary's answers, by (size, extent): a field is shared by the blobs of in-place layers
        self.sets = {}  # at's answers for views of this field, by (a, b, o): the blobs of a chain share views

    @property
    def parts(self):
        if self._parts is None:
            self._look()
        return self._parts

    @property
    def box(self):
        if self._parts is None:
            self._look()
        return self._box

    def _look(self):
        source, a, b = self.seen
        self._parts = tuple((key, _through_window(shape, a, b)) for key, shape in source.parts)
        self._box = None if source.box is None else _through_window(source.box, a, b)

    def at(self, o):
        if self.seen is None:
            return self._at(o)
        source, a, b = self.seen
        found = source.sets.get((a, b, o))
        if found is None:
            found = source.sets[a, b, o] = self._at(o)
        return found

    def _at(self, o):
        if len(self.parts) == 1:
            (c, g, _), shape = self.parts[0]
            return _spread(shape.at(o), c, g)
        items = []
        for (c, g, _), shape in self.parts:
            items += shape.at(o) if g == 1 else _spread(shape.at(o), c, g)
        items.sort()
        out = []
        for a, b in items:
            if out and a <= out[-1][1] + 1:
                if b > out[-1][1]:
                    out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
        return tuple(out)

    def ends(self, o):
        """(lo, hi) of the set at o, or None where it is empty."""
        if self.box is not None:
            s = self.box.at(o)
        else:
            (c, g, _), shape = self.parts[0]
            s = shape.at(o)
            s = ((c + g * s[0][0], c + g * s[-1][1]),) if s else s
        return (s[0][0], s[-1][1]) if s else None


def _spread(s, c, g):
    """An interval set of lattice (c, g) in input indices."""
    if g == 1:
        return s
    return tuple((c + g * y, c + g * y) for a, b in s for y in range(a, b + 1))


def _through_window(shape, a, b):
    """A shape seen through the window a..b (the union of its sets at o + a .. o + b), where `_viewable` says
    that is exact."""
    if a == b == 0:
        return shape
    if isinstance(shape, Affine):
        j = shape.jump
        if a == b:
            return Affine(shift(shape.base, j * a), j)
        return Affine(((shape.base[0][0] + j * a, shape.base[-1][1] + j * b),), j)
    if isinstance(shape, View):
        return shape.base if shape.a + a == shape.b + b == 0 else View(shape.base, shape.a + a, shape.b + b)
    return View(shape, a, b)


def _viewable(shape, lo, hi, boxes):
    """Whether windows over a shape read one stretch each over positions lo..hi (`_through_window`)."""
    if isinstance(shape, Affine):
        # (a box of translated boxes is the hull whatever the jump, which is never negative)
        return len(shape.base) == 1 and (boxes or shape.jump <= shape.base[0][1] - shape.base[0][0] + 1)
    base, a, b = (shape.base, shape.a, shape.b) if isinstance(shape, View) else (shape, 0, 0)
    return verified(base, lo + a, hi + b, None if boxes else 1)


def _seen(deps, lo, hi):
    """(source, a, b) where every dependency is one source seen through stride-1 windows whose stretches
    join, and the source's parts allow it, else None."""
    source, ranges = None, []
    for f, m in deps:
        if m.__class__ is not Window or m.s != 1:
            return None
        s, a, b = f.seen or (f, 0, 0)
        if source is None:
            source = s
        elif s is not source:
            return None
        if m.k > 1 and m.d > b - a + 1:
            return None  # (the taps' stretches leave gaps: the parts' own rules decide)
        ranges.append((a - m.p, b - m.p + (m.k - 1) * m.d))
    ranges.sort()
    a, b = ranges[0]
    for x, y in ranges[1:]:
        if x > b + 1:
            return None
        b = max(b, y)
    if a != b and not (all(_viewable(shape, lo + a, hi + b, False) for _, shape in source.parts) and
                       (source.box is None or _viewable(source.box, lo + a, hi + b, True))):
        return None
    return source, a, b


def _rate(num, den):
    if num == 0:
        return 0, 1
    k = gcd(num, den)
    return num // k, den // k


def _moved(key, index_map):
    """A part's key after an index map: the same lattice, the rate times the map's."""
    m0, delta = index_map.period
    if m0 == delta:
        return key
    c, g, (num, den) = key
    return c, g, _rate(num * delta, den * m0)


def image_field():
    return Field((((0, 1, (1, 1)), Affine(((0, 0),), 1)),))


def globally(field):
    """A copy of `field` marked global (fields are shared between blobs, never changed)."""
    return Field(field._parts, field._box, True, field.aligned, field.centre, field.seen)


def _through(centre, index_map):
    """The centre (a, b) of a top after an index map, exactly (ints, or Fractions where not whole)."""
    a, b = centre
    alpha, beta = index_map.centre
    return _whole(a + b * alpha), _whole(b * beta)


def _whole(x):
    """A Fraction that is whole as an int: chains of ints stay cheap."""
    return int(x) if x.__class__ is Fraction and x.denominator == 1 else x


def _simple(shape):
    """Runs that are one affine pattern over the whole line, as an Affine."""
    if isinstance(shape, Runs) and len(shape.runs) == 1 and shape.runs[0].period == 1:
        (formula,) = shape.runs[0].phases
        jumps = {a1 for _, a1, _, _ in formula} | {b1 for _, _, _, b1 in formula}
        if len(jumps) == 1:
            return Affine(tuple((a0, b0) for a0, _, b0, _ in formula), jumps.pop())
    return shape


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


def _shape(items, lo, hi, hulled=False):
    """One part's shape, exact over lo..hi, from [(bottom shape, index map), ...] of one key.

    hulled: the box of the union is asked (a box field), not the union.
    """
    if all(isinstance(s, Affine) and m.affine is not None for s, m in items):
        moved = [m.affine(s.base, s.jump) for s, m in items]
        if len({j for _, j in moved}) == 1:
            base = union(b for b, _ in moved)
            return Affine(((base[0][0], base[-1][1]),) if hulled and base else base, moved[0][1])
    if all(isinstance(m, Window) and not isinstance(s, Affine) for s, m in items):
        views = [viewed(s, m.s, m.p, m.k, m.d, lo, hi, hulled) for s, m in items]
        if None not in views:
            view = views[0] if len(views) == 1 else joined(views, lo, hi, hulled)
            if view is not None:
                return view.base if view.a == view.b == 0 else view
    runs = compose([(materialize(s, *(m.span(lo, hi) or (lo, lo))), m) for s, m in items], lo, hi)
    return _simple(_hull_runs(runs) if hulled else runs)


def _factored(key, shape):
    """An affine part of single indices that all lie on a coarser lattice, on that lattice."""
    if not isinstance(shape, Affine) or not shape.base or any(a != b for a, b in shape.base):
        return key, shape
    a0 = shape.base[0][0]
    h = gcd(shape.jump, *(a - a0 for a, _ in shape.base))
    if h <= 1:
        return key, shape
    c, g, rate = key
    r = a0 % h
    return (c + g * r, g * h, rate), Affine(tuple(((a - r) // h,) * 2 for a, _ in shape.base), shape.jump // h)


def _settled(parts, lo, hi):
    """Parts on their lattices, one per key, at most MAX_PARTS per lattice, sorted."""
    if len(parts) <= MAX_PARTS and not any(isinstance(s, Affine) for _, s in parts) and \
            len({k for k, _ in parts}) == len(parts):
        return tuple(sorted(parts, key=lambda p: p[0]))  # (nothing to factor or to merge)
    by_key = {}
    for key, shape in parts:
        key, shape = _factored(key, shape)
        by_key.setdefault(key, []).append(shape)
    by_lattice = {}
    for key, shapes in by_key.items():
        by_lattice.setdefault(key[:2], []).append((key, shapes))
    out = []
    for keyed in by_lattice.values():
        if len(keyed) > MAX_PARTS:  # many rates on one lattice: one part (exact; no longer cheap)
            keyed = [(keyed[0][0], [s for _, shapes in keyed for s in shapes])]
        for key, shapes in keyed:
            out.append((key, shapes[0] if len(shapes) == 1 else _shape([(s, IDENTITY) for s in shapes], lo, hi)))
    return tuple(sorted(out, key=lambda p: p[0]))


def _box(field):
    """The field of bounding boxes of `field`, in input coordinates."""
    if field.box is None:
        (c, g, _), shape = field.parts[0]
        return _hulled(_stretched(shape, c, g))
    return field.box


def _stretched(shape, c, g):
    """A shape of lattice (c, g) with every interval's ends in input indices (its box; not its set)."""
    if g == 1:
        return shape
    if isinstance(shape, Affine):
        return Affine(tuple((c + g * a, c + g * b) for a, b in shape.base), g * shape.jump)
    if isinstance(shape, View):
        return View(_stretched(shape.base, c, g), shape.a, shape.b)
    return Runs([Run(start, t, tuple(None if f is None else tuple(Interval(c + g * a0, g * a1, c + g * b0, g * b1)
                                                                  for a0, a1, b0, b1 in f) for f in phases))
                 for start, t, phases in shape.runs], shape.lo, shape.hi)


def _hulled(shape):
    """The shape of the bounding boxes of a shape's sets."""
    if isinstance(shape, Affine):
        return Affine(((shape.base[0][0], shape.base[-1][1]),), shape.jump) if len(shape.base) > 1 else shape
    if isinstance(shape, View):
        return View(_hulled(shape.base), shape.a, shape.b) if shape.a == shape.b else shape
    return _hull_runs(shape)


def _hull_runs(runs):
    if all(f is None or len(f) <= 1 for r in runs.runs for f in r.phases):
        return runs
    out = [Run(start, t, tuple(f if not f else (Interval(f[0].lo, f[0].lo_slope, f[-1].hi, f[-1].hi_slope),)
                               for f in phases)) for start, t, phases in runs.runs]
    if runs.lo is not None and runs.hi is not None and (len(out) == 1 or runs.lo < out[1].start):
        out[0] = out[0]._replace(start=runs.lo)  # (merged() wants a first start: where the runs are exact)
        out = merged(out, runs.hi)
        out[0] = out[0]._replace(start=None)
    return Runs(out, runs.lo, runs.hi)


def _field(parts, box_items, lo, hi, glob, aligned, centre):
    parts = _settled(parts, lo, hi)
    box = _shape(box_items(), lo, hi, hulled=True) if len(parts) > 1 else None
    return Field(parts, box, glob, aligned, centre)


def _keeps(m):
    return m is IDENTITY or (isinstance(m, Window) and m.s == 1 and m.p == 0 and m.k == 1)


def combine(deps, lo, hi):
    """The field of a top axis from its dependencies [(field, index map), ...], exact over lo..hi."""
    if len(deps) == 1 and _keeps(deps[0][1]):
        return deps[0][0]  # in-place and shape-keeping layers: the very same field
    glob = any(f.glob for f, _ in deps) or any(isinstance(m, Whole) for _, m in deps)
    centre = _through(deps[0][0].centre, deps[0][1])
    aligned = all(f.aligned for f, _ in deps) and all(_through(f.centre, m) == centre for f, m in deps[1:])
    seen = _seen(deps, lo, hi)
    if seen is not None:
        return Field(None, None, glob, aligned, centre, seen)
    groups = {}
    for f, m in deps:
        for key, shape in f.parts:
            groups.setdefault(_moved(key, m), []).append((shape, m))
    parts = [(key, _shape(items, lo, hi)) for key, items in groups.items()]
    return _field(parts, lambda: [(_box(f), m) for f, m in deps], lo, hi, glob, aligned, centre)


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
        return Field(_settled([((0, 1, (jump, 1)), Affine(base, jump))], lo, hi), None, glob, aligned, centre)
    last = len(parts) - 1
    maps = [Piece(start, n, k == 0, k == last) for k, (_, start, n) in enumerate(parts)]
    groups = {}
    for (f, _, _), m in zip(parts, maps):
        for key, shape in f.parts:
            groups.setdefault(key, []).append((shape, m))
    found = [(key, _simple(compose([(materialize(s, *(m.span(lo, hi) or (lo, lo))), m) for s, m in items], lo, hi)))
             for key, items in groups.items()]
    return _field(found, lambda: [(_box(f), m) for (f, _, _), m in zip(parts, maps)], lo, hi, glob, aligned, centre)


def _formulas(shape, lo, hi):
    """(q_first, q_last, phase, period, formula) covering positions lo..hi of a shape."""
    if isinstance(shape, Affine):
        return [(lo, hi, 0, 1, tuple(Interval(a, shape.jump, b, shape.jump) for a, b in shape.base))]
    return list(shape.over(lo, hi))


def _boxes(field, size):
    """(q_first, q_last, phase, period, lo, lo_slope, hi, hi_slope) of the boxes of the real positions, in
    input indices; positions that read nothing are left out."""
    if field.box is not None:
        c, g, shape = 0, 1, field.box
    else:
        (c, g, _), shape = field.parts[0]
    if isinstance(shape, Affine):
        found = [(0, size - 1, 0, 1, shape.base[0][0], shape.jump, shape.base[-1][1], shape.jump)] if shape.base else []
    else:
        found = boxes(shape, 0, size - 1)
    if g == 1:
        return found
    return [(qa, qb, r, t, c + g * a0, g * a1, c + g * b0, g * b1) for qa, qb, r, t, a0, a1, b0, b1 in found]


def global_by_coverage(field, size, extent):
    """True where every real position sees the whole input extent and no position differs from another."""
    if field.glob:
        return True
    if size < 2:
        return False
    first = field.at(0)
    if not first or first[0][0] > 0 or first[-1][1] < extent - 1:
        return False
    if len(field.parts) == 1:
        shape = field.parts[0][1]
        if isinstance(shape, Affine):
            return shape.jump == 0
        own = shape.at(0)
        return all(value(f, qa) == own and (qa == qb or all(a1 == b1 == 0 for _, a1, _, b1 in f))
                   for qa, qb, _, _, f in _formulas(shape, 0, size - 1))
    # Several parts: their union is the same everywhere only where its box is; then each position's set.
    if any(a0 + a1 * qa != first[0][0] or b0 + b1 * qa != first[-1][1] or (qa != qb and (a1 or b1))
           for qa, qb, _, _, a0, a1, b0, b1 in _boxes(field, size)):
        return False
    return all(field.at(o) == first for o in range(1, size))


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
                grids = [_through(f.centre, m)[1] for (_, f), m in found]
                if any(g != grids[0] for g in grids[1:]):
                    mixed.setdefault(node.index, (node, {}))[1][image_axis] = sorted(set(grids))
            if out:
                traced[top] = Traced(out)
    for node, axes in mixed.values():
        first = node.bottoms[0]
        along = "; ".join(f"{axis}: {', '.join(number(float(g)) for g in grids)}"
                          for axis, grids in sorted(axes.items()))
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
    said = field.said.get((size, extent), field)
    if said is field:
        measured = _measured(field, size, extent)
        said = field.said[size, extent] = None if measured is None else _said(field, size, extent, *measured)
    return None if said is None else dict(said)


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
    memo, key = ({}, None) if isinstance(shape, Affine) else (
        (shape.base.said, (shape.a, shape.b, c, g, size, extent)) if isinstance(shape, View) else
        (shape.said, (0, 0, c, g, size, extent)))
    found = memo.get(key, memo)
    if found is memo:
        found = memo[key] = _measure(field, size, extent)
    return found


def _measure(field, size, extent):
    formulas = _boxes(field, size)  # (positions reading no input are not placed)
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
                clipped = max(clipped, _clipped(x0, x1, y0, y1, qa0, qb0, extent))
        last = (qa, qb, a0, a1, b0, b1)
    shape = field.parts[0][1]
    uniform = (len(field.parts) == 1 and isinstance(shape, Affine)) or (
        placed == size and len(widths) == 1 and _steady(field, formulas, size))
    first = field.ends(0)
    return max(widths), clipped, first and first[0], uniform


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


def _steady(field, formulas, size):
    """The boxes of the real positions step by one constant amount."""
    if size < 2:
        return True
    lo0, lo1 = field.ends(0)[0], field.ends(1)[0]
    step = lo1 - lo0
    return all(a0 + a1 * q == lo0 + step * (r + q * t) for qa, qb, r, t, a0, a1, _, _ in formulas for q in (qa, qb))

"""A field as parts: what one blob axis's receptive field is made of (fields.py walks the graph).

A `Field` is the union of its parts, each keyed (c, g, rate):
- A part lies on the lattice c + g*Z of input indices and is kept in its
  coordinates (index x = c + g*y). A net that shrinks its image by an
  integral factor (ICNet's 1025 -> 513, a 1x1 stride-2 layer on the image)
  reads every other pixel, and from there on a set of a thousand single
  pixels is one interval of the lattice (`factored`).
- Parts that move at different rates (input pixels per position, the product
  of the index maps' rates along the path: PSPNet's pyramid branches, whose
  interpolations are not aligned with the main path) or lie on different
  lattices stay apart. Their union, which on the unbounded plane keeps
  crossing and opening holes, is formed only at the few positions whose
  exact set is asked (`Field.at`). Parts of one key are united (`united`),
  and at most MAX_PARTS rates are kept per lattice.
- A part's shape is an `Affine` (set(o) = base + jump*o: most blobs, O(kernel)
  per layer whatever the map size), a runs.Runs (periodic runs of positions,
  where concats along space, crops of upsampled maps, deconvolutions and
  interpolations make the field depend on position) or a runs.View (a window
  over such runs, which costs nothing).
A field of several parts also keeps its `box`, the bounding box of the union
at every position, as a shape of single intervals in input indices, composed
like a part: the report's sizes, paddings and uniformity read it.

A field may also be its source `seen` through stride-1 windows (SCNN's
message passing: shifts, 1x9 windows, their sums): its parts are formed only
when something reads them, so such a chain costs nothing per layer however
many parts its source has.
"""

from math import gcd, inf

from scnn_tools.net.indexmaps import IDENTITY, Window
from scnn_tools.net.intervals import shift, union
from .runs import (Interval, Run, Runs, View, boxes, compose, cut, joined, materialize, merged, trimmed, verified,
                   viewed)

MAX_PARTS = 8  # beyond this many rates on one lattice, parts are united (exactly, if at some cost)


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

    __slots__ = ("_parts", "_box", "seen", "glob", "aligned", "centre", "said", "sets", "spans")

    def __init__(self, parts, box=None, glob=False, aligned=True, centre=(0, 1), seen=None):
        self._parts, self._box, self.seen = parts, box, seen
        self.glob, self.aligned, self.centre = glob, aligned, centre
        self.said = {}  # summary's answers, by (size, extent): a field is shared by the blobs of in-place layers
        self.sets = {}  # at's answers for views of this field, by (a, b, o): the blobs of a chain share views
        self.spans = []  # positions over which every part may be seen through windows (seen_through)

    def globally(self):
        """A copy marked global (fields are shared between blobs, never changed)."""
        return Field(self._parts, self._box, True, self.aligned, self.centre, self.seen)

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
        return union([_spread(shape.at(o), c, g) for (c, g, _), shape in self.parts])

    def ends(self, o):
        """(lo, hi) of the set at o, or None where it is empty."""
        if self.box is not None:
            s = self.box.at(o)
        else:
            (c, g, _), shape = self.parts[0]
            s = shape.at(o)
            s = ((c + g * s[0][0], c + g * s[-1][1]),) if s else s
        return (s[0][0], s[-1][1]) if s else None


def inside(field, n, clamped=False):
    """The field as a reader of a map of n positions sees it: its own sets at 0..n-1, none beyond (padding);
    clamped, the ends' own beyond them (for readers that read an end along with what lies beyond it)."""
    parts = tuple((key, cut(shape, n, clamped)) for key, shape in field.parts)
    box = None if field.box is None else cut(field.box, n, clamped)
    return Field(parts, box, field.glob, field.aligned, field.centre)


def _spread(s, c, g):
    """An interval set of lattice (c, g) in input indices."""
    if g == 1:
        return s
    if len(s) == 1:  # (zip makes the points' pairs without a Python step each: ICNet's sets hold thousands)
        points = range(c + g * s[0][0], c + g * s[0][1] + 1, g)
        return tuple(zip(points, points))
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
    """The span of positions, covering lo..hi, over which windows over a shape read one stretch each
    (`_through_window`), or None."""
    if isinstance(shape, Affine):
        # (a box of translated boxes is the hull whatever the jump, which is never negative)
        ok = len(shape.base) == 1 and (boxes or shape.jump <= shape.base[0][1] - shape.base[0][0] + 1)
        return (lo - inf, hi + inf) if ok else None
    base, a, b = (shape.base, shape.a, shape.b) if isinstance(shape, View) else (shape, 0, 0)
    span = verified(base, lo + a, hi + b, None if boxes else 1)
    return None if span is None else (span[0] - a, span[1] - b)


def seen_through(deps, lo, hi):
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
    if a != b and not any(x <= lo + a and hi + b <= y for x, y in source.spans):
        # Every part, and the box, verified: the span where all of them hold is the source's.
        spans = [_viewable(shape, lo + a, hi + b, False) for _, shape in source.parts]
        if source.box is not None:
            spans.append(_viewable(source.box, lo + a, hi + b, True))
        if None in spans:
            return None
        x, y = max(x for x, _ in spans), min(y for _, y in spans)
        for known in [k for k in source.spans if k[0] <= y and x <= k[1]]:  # (spans that overlap join)
            source.spans.remove(known)
            x, y = min(x, known[0]), max(y, known[1])
        source.spans.append((x, y))
    return source, a, b


def _rate(num, den):
    if num == 0:
        return 0, 1
    k = gcd(num, den)
    return num // k, den // k


def moved(key, index_map):
    """A part's key after an index map: the same lattice, the rate times the map's."""
    m0, delta = index_map.period
    if m0 == delta:
        return key
    c, g, (num, den) = key
    return c, g, _rate(num * delta, den * m0)


def simple(shape):
    """Runs that are one affine pattern over the whole line, as an Affine."""
    if isinstance(shape, Runs) and len(shape.runs) == 1 and shape.runs[0].period == 1:
        (formula,) = shape.runs[0].phases
        jumps = {a1 for _, a1, _, _ in formula} | {b1 for _, _, _, b1 in formula}
        if len(jumps) == 1:
            return Affine(tuple((a0, b0) for a0, _, b0, _ in formula), jumps.pop())
    return shape


def united(items, lo, hi, hulled=False):
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
    return simple(_hull_runs(runs) if hulled else runs)


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


def settled(parts, lo, hi):
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
            out.append((key, shapes[0] if len(shapes) == 1 else united([(s, IDENTITY) for s in shapes], lo, hi)))
    return tuple(sorted(out, key=lambda p: p[0]))


def box_of(field):
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


def assembled(deps, lo, hi, glob, aligned, centre):
    """The Field of a top from [(bottom field, index map), ...], exact over lo..hi: each key's parts united,
    and where that leaves several parts, the bottoms' boxes united into its box."""
    groups = {}
    for f, m in deps:
        for key, shape in f.parts:
            groups.setdefault(moved(key, m), []).append((shape, m))
    parts = settled([(key, united(items, lo, hi)) for key, items in groups.items()], lo, hi)
    box = united([(box_of(f), m) for f, m in deps], lo, hi, hulled=True) if len(parts) > 1 else None
    return Field(parts, box, glob, aligned, centre)


def in_image(field, extent):
    """A field of real sets with what its runs hold beyond the image (0..extent-1) dropped where that costs no
    cut (runs.trimmed), or the very same field. What lies beyond the image is no pixel, and real sets are
    measured only inside it; the box stays a box of what each set holds there."""
    if field.seen is not None:
        return field  # (a view's parts are its source's, trimmed where it was made)
    parts = tuple((key, _trimmed(shape, -(key[0] // key[1]), (extent - 1 - key[0]) // key[1]))
                  for key, shape in field.parts)
    box = None if field.box is None else _trimmed(field.box, 0, extent - 1)
    if box is field.box and all(s is old for (_, s), (_, old) in zip(parts, field.parts)):
        return field
    return Field(parts, box, field.glob, field.aligned, field.centre)


def _trimmed(shape, low, high):
    return simple(trimmed(shape, low, high)) if isinstance(shape, Runs) else shape


def kept(field):
    """How many intervals a field keeps, its parts' and its box's (a view's are its base's): what the work of
    reading it grows with."""
    def count(shape):
        if isinstance(shape, View):
            return count(shape.base)
        if isinstance(shape, Runs):
            return sum(len(f or ()) for run in shape.runs for f in run.phases)
        return len(shape.base)
    return sum(count(s) for _, s in field.parts) + (0 if field.box is None else count(field.box))


def formulas(shape, lo, hi):
    """(q_first, q_last, phase, period, formula) covering positions lo..hi of a shape."""
    if isinstance(shape, Affine):
        return [(lo, hi, 0, 1, tuple(Interval(a, shape.jump, b, shape.jump) for a, b in shape.base))]
    return list(shape.over(lo, hi))


def box_formulas(field, size):
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

"""Position-dependent fields, kept per run of positions instead of per position.

A field along one axis gives every position o of the unbounded line a set of
input indices (sorted disjoint intervals). `Runs` splits the line into runs.
A run has a period T; position o = r + q*T (r = o mod T, the phase) has the
set [(a0 + a1*q, b0 + b1*q), ...] of phase r's formula. Every endpoint has
its own slope: a row of an SCNN block, whose box grows at one end only as
messages pass, is one run, and so is a deconvolution's alternating pattern.

A layer's field is composed from its bottoms' runs and index maps: the line
is cut where some tap crosses a bottom run boundary, so that between cuts
every tap reads one formula; the union of the taps' interval formulas is
exact between the points where two endpoints cross, which are computed;
adjacent runs that are one formula are merged back. The work is per run,
phase and tap, never per position, so long chains on large maps stay cheap.
A composition is exact over the positions asked for (lo..hi, kept as the
Runs' own lo and hi); its first and last runs are extended over the rest of
the line.

Chains of stride-1 windows (SCNN's message passing, crops, slices, 1x1
layers) are not composed at all: a `View` reads its base through a window,
set(o) = the union of base(o + a) .. base(o + b), which is what any number
of such windows, shifts and unions of them give. It costs nothing to form
however many runs its base has. A view that is not a shift (a < b) exists
only over bases whose sets are single intervals that never move left and
touch their neighbours (`verified`), so that set(o) is simply
[low end of base(o + a), high end of base(o + b)].
"""

from bisect import bisect_right
from collections import namedtuple
from math import gcd

from scnn_tools.net.intervals import union

MAX_PERIOD = 4096  # runs whose periods would combine beyond this are left apart

# One run: from position `start` (None: from -infinity) to the next run's start,
# with `period` T and `phases`, one formula per phase r (None where the run holds
# no position o = r mod T). A formula is a tuple of Intervals.
Run = namedtuple("Run", "start period phases")
# One interval of a formula: [lo + lo_slope*q, hi + hi_slope*q] at position r + q*T.
Interval = namedtuple("Interval", "lo lo_slope hi hi_slope")


def lcm(a, b):
    return a * b // gcd(a, b)


def value(formula, q):
    if len(formula) == 1:
        (a0, a1, b0, b1), = formula
        return ((a0 + a1 * q, b0 + b1 * q),)
    return tuple((a0 + a1 * q, b0 + b1 * q) for a0, a1, b0, b1 in formula)


class Runs:
    """runs: [Run(start, period, phases)], sorted; the first starts at -infinity (None).

    Exact over positions lo..hi (None: everywhere); `checked` remembers what
    `verified` found, so that a long chain of views asks once per base, and
    `said` what the report measured of its views.
    """

    __slots__ = ("runs", "bounds", "lo", "hi", "checked", "said")

    def __init__(self, runs, lo=None, hi=None):
        self.runs = runs
        self.bounds = [r.start for r in runs[1:]]
        self.lo, self.hi = lo, hi
        self.checked = {}
        self.said = {}  # what fields.summary measured of views of these runs

    def run_of(self, o):
        return bisect_right(self.bounds, o)

    def at(self, o):
        _, t, phases = self.runs[self.run_of(o)]
        q, r = divmod(o, t)
        return value(phases[r], q)

    def low(self, o):
        """The low end of the set at o (of its first interval)."""
        _, t, phases = self.runs[bisect_right(self.bounds, o)]
        a0, a1, _, _ = phases[o % t][0]
        return a0 + a1 * (o // t)

    def high(self, o):
        """The high end of the set at o (of its last interval)."""
        _, t, phases = self.runs[bisect_right(self.bounds, o)]
        _, _, b0, b1 = phases[o % t][-1]
        return b0 + b1 * (o // t)

    def end(self, k):
        """The last position of run k (None: +infinity)."""
        return self.bounds[k] - 1 if k < len(self.bounds) else None

    def over(self, lo, hi):
        """(q_first, q_last, r, T, formula) for every phase of every run that holds positions in [lo, hi]."""
        k = self.run_of(lo)
        while k < len(self.runs):
            start, t, phases = self.runs[k]
            a = lo if start is None else max(lo, start)
            end = self.end(k)
            b = hi if end is None else min(hi, end)
            if a > b:
                break
            for r, f in enumerate(phases):
                qa, qb = -((r - a) // t), (b - r) // t
                if qa <= qb:
                    yield qa, qb, r, t, f
            k += 1


def from_affine(base, jump):
    return Runs([Run(None, 1, (tuple(Interval(a, jump, b, jump) for a, b in base),))])


class View:
    """set(o) = the union of base(o + a) .. base(o + b), base a Runs (see the module's docstring)."""

    __slots__ = ("base", "a", "b")

    def __init__(self, base, a, b):
        self.base, self.a, self.b = base, a, b

    def at(self, o):
        if self.a == self.b:
            return self.base.at(o + self.a)
        return ((self.base.low(o + self.a), self.base.high(o + self.b)),)

    def over(self, lo, hi):
        """As Runs.over (formulas in q of each phase of the stretches between the base's runs)."""
        for qa, qb, r, t, fa, fb in self._pairs(lo, hi):
            if fa is None or fb is None or self.a == self.b:
                yield qa, qb, r, t, fa if fb is not None else None
            else:
                yield qa, qb, r, t, (Interval(fa[0].lo, fa[0].lo_slope, fb[-1].hi, fb[-1].hi_slope),)

    def _pairs(self, lo, hi):
        """(q_first, q_last, r, T, formula at o + a, formula at o + b) over the positions lo..hi."""
        base, a, b = self.base, self.a, self.b
        cuts = sorted({c - x for c in base.bounds for x in {a, b} if lo < c - x <= hi})
        for u, v in zip([lo] + cuts, [c - 1 for c in cuts] + [hi]):
            ra, rb = base.runs[base.run_of(u + a)], base.runs[base.run_of(u + b)]
            t = lcm(ra.period, rb.period)
            if t > v - u + 1:  # fewer positions than phases: each on its own
                for o in range(u, v + 1):
                    yield o, o, 0, 1, _shifted(ra, o + a, None), _shifted(rb, o + b, None)
                continue
            for r in range(t):
                qa, qb = -((r - u) // t), (v - r) // t
                if qa <= qb:
                    yield qa, qb, r, t, _shifted(ra, r + a, t), _shifted(rb, r + b, t)


def _shifted(run, x, t):
    """The formula, in q, of the positions x + q*t of a run (t a multiple of its period; None: x alone)."""
    _, p, phases = run
    dq, r0 = divmod(x, p)
    f = phases[r0]
    if f is None:
        return None
    if t is None:
        return tuple(Interval(a0 + a1 * dq, 0, b0 + b1 * dq, 0) for a0, a1, b0, b1 in f)
    m = t // p
    return tuple(Interval(a0 + a1 * dq, a1 * m, b0 + b1 * dq, b1 * m) for a0, a1, b0, b1 in f)


def boxes(shape, lo, hi):
    """[(q_first, q_last, r, T, lo0, lo1, hi0, hi1)]: the boxes [lo0 + lo1*q, hi0 + hi1*q] of the positions
    r + q*T in lo..hi of a Runs or View; positions that read nothing are left out."""
    if not isinstance(shape, View) or shape.a == shape.b:
        return [(qa, qb, r, t, f[0][0], f[0][1], f[-1][2], f[-1][3]) for qa, qb, r, t, f in shape.over(lo, hi) if f]
    base, a, b = shape.base, shape.a, shape.b
    out = []
    cuts = sorted({c - x for c in base.bounds for x in (a, b) if lo < c - x <= hi})
    for u, v in zip([lo] + cuts, [c - 1 for c in cuts] + [hi]):
        (_, ta, pa), (_, tb, pb) = base.runs[base.run_of(u + a)], base.runs[base.run_of(u + b)]
        t = lcm(ta, tb)
        if t > v - u + 1:  # fewer positions than phases: each on its own
            out.extend((o, o, 0, 1, x, 0, y, 0) for o in range(u, v + 1) for ((x, y),) in (shape.at(o),))
            continue
        for r in range(t):
            qa, qb = -((r - u) // t), (v - r) // t
            if qa > qb:
                continue
            da, ra = divmod(r + a, ta)
            db, rb = divmod(r + b, tb)
            fa, fb = pa[ra], pb[rb]
            if fa and fb:
                (a0, a1, _, _), (_, _, b0, b1) = fa[0], fb[-1]
                out.append((qa, qb, r, t, a0 + a1 * da, a1 * (t // ta), b0 + b1 * db, b1 * (t // tb)))
    return out


def viewed(shape, s, p, k, d, lo, hi, boxes=False):
    """The View of a stride-1 window (s = 1, pad p, k taps, dilation d) over a Runs or View, exact over lo..hi,
    or None where the window's taps do not read one contiguous stretch of a verified base.

    boxes: the shapes are boxes (a field's `box`), whose union over the taps is
    asked only as a box: ends that never move left are enough.
    """
    if s != 1:
        return None
    base, a, b = (shape.base, shape.a, shape.b) if isinstance(shape, View) else (shape, 0, 0)
    a2, b2 = a - p, b - p + (k - 1) * d
    if a2 == b2:
        return View(base, a2, b2)  # a shift: exact whatever the base
    # The taps' stretches [o + a, o + b] follow each other without gaps, or the base's sets d apart touch.
    step = None if boxes else 1 if k == 1 or d <= b - a + 1 else d
    return View(base, a2, b2) if verified(base, lo + a2, hi + b2, step) is not None else None


def joined(views, lo, hi, boxes=False):
    """One View for the union of Views of one base whose stretches overlap or touch, else None."""
    base = views[0].base
    if any(v.base is not base for v in views):
        return None
    views = sorted(views, key=lambda v: v.a)
    a, b = views[0].a, views[0].b
    for v in views[1:]:
        if v.a > b + 1:
            return None
        b = max(b, v.b)
    if a == b:
        return View(base, a, b)
    return View(base, a, b) if verified(base, lo + a, hi + b, None if boxes else 1) is not None else None


def verified(base, lo, hi, d):
    """`monotone` over lo..hi: the span it is known to hold over that covers lo..hi, or None.

    Remembered per base: spans found to hold (joined where they overlap by d)
    and spans found not to. A long chain of views over one base asks it once
    over all the base is exact on, or, where that fails, over spans twice as
    wide as asked, so that it asks a few times in all.
    """
    holds, fails = base.checked.setdefault(d, ([], []))
    for a, b in holds:
        if a <= lo and hi <= b:
            return a, b
    if any(lo <= a and b <= hi for a, b in fails):
        return None
    width = hi - lo + 1
    tries = [(lo - width, hi + width), (lo, hi)]
    if base.lo is not None:
        tries = [(base.lo, base.hi)] + [(max(a, base.lo), min(b, base.hi)) for a, b in tries]
    for a, b in tries:
        if not (a <= lo and hi <= b) or any(a <= x and y <= b for x, y in fails):
            continue
        if monotone(base, a, b, d):
            for x, y in [s for s in holds if min(b, s[1]) - max(a, s[0]) + 1 >= (d or 1)]:
                holds.remove((x, y))
                a, b = min(a, x), max(b, y)
            holds.append((a, b))
            return a, b
        fails.append((a, b))
    return None


def materialize(shape, lo, hi):
    """A Runs, a View or an affine field's Runs as Runs exact over lo..hi."""
    if isinstance(shape, Runs):
        return shape
    if not isinstance(shape, View):
        return from_affine(shape.base, shape.jump)
    if shape.a == shape.b:
        return translated(shape.base, shape.a, lo, hi)
    return ends(translated(shape.base, shape.a, lo, hi), translated(shape.base, shape.b, lo, hi), lo, hi)


def cut(shape, n, clamped=False):
    """A Runs, View or affine shape as Caffe's readers see it: positions 0..n-1 as they are, every other one
    empty. A position beyond a map's ends is zero padding, which no input pixel changes; the unbounded plane's
    continuation of the pattern there is what rf.size means, never what a pixel can reach.

    clamped: every position beyond an end has the end's set instead, which
    is the same to a reader whose taps reach beyond an end only along with
    the end itself, and keeps a monotone shape monotone (views stay views).
    """
    runs = materialize(shape, 0, n - 1)
    kept = [Run(0 if start is None else max(start, 0), t, phases)
            for k, (start, t, phases) in enumerate(runs.runs)
            if (start is None or start < n) and (runs.end(k) is None or runs.end(k) >= 0)]
    if clamped:
        first, last = (tuple(Interval(a, 0, b, 0) for a, b in runs.at(o)) for o in (0, n - 1))
    else:
        first = last = ()
    return Runs([Run(None, 1, (first,))] + kept + [Run(n, 1, (last,))])


def within(shape, low, high, lo, hi):
    """The Runs of a shape's sets cut to low..high, exact over positions lo..hi.

    Over a run's positions an interval's ends move linearly, so what the cut
    leaves changes only where an end passes low or high (`crossings`): the
    positions are split there, and between splits each phase's formula is
    cut once.
    """
    runs = materialize(shape, lo, hi)
    out = []
    for k, (start, t, phases) in enumerate(runs.runs):
        a = lo if start is None else max(lo, start)
        b = hi if runs.end(k) is None else min(hi, runs.end(k))
        if a > b:
            continue
        cuts = {a}
        for r, f in enumerate(phases):
            qa, qb = -((r - a) // t), (b - r) // t
            if f and qa <= qb:
                edges = [(c0, c1, e) for a0, a1, b0, b1 in f for c0, c1 in ((a0, a1), (b0, b1)) for e in (low, high)]
                cuts.update(r + q * t for q in crossings(edges, qa, qb))
        cuts = sorted(cuts)
        for u, v in zip(cuts, [x - 1 for x in cuts[1:]] + [b]):
            out.append(Run(u, t, tuple(None if f is None else _cut_formula(f, (u - r + t - 1) // t, low, high)
                                       for r, f in enumerate(phases))))
    if not out:
        return Runs([Run(None, 1, ((),))], lo, hi)
    out = merged(out, hi)
    out[0] = out[0]._replace(start=None)
    return Runs(out, lo, hi)


def _cut_formula(f, q, low, high):
    """A formula cut to low..high, as it is at q and up to the next crossing."""
    out = []
    for a0, a1, b0, b1 in f:
        x, y = a0 + a1 * q, b0 + b1 * q
        if y < low or x > high:
            continue
        out.append(Interval(*((low, 0) if x < low else (a0, a1)), *((high, 0) if y > high else (b0, b1))))
    return tuple(out)


def trimmed(runs, low, high):
    """The Runs with what their sets hold beyond low..high dropped wherever that needs no new cut, or the very
    same Runs where nothing is dropped; the sets in low..high are unchanged over positions lo..hi.

    The real walk keeps sets exact in the image only, and what they hold
    beyond it is no pixel: left there, intervals beyond the image's ends
    (whatever padding, crops and strides leave near the map's ends) multiply
    with every join. An interval that lies beyond an edge at every position
    of its run goes; an end that lies beyond an edge at every position
    becomes the edge. Ends move linearly, so a run's first and last
    positions decide; an end that crosses an edge inside its run stays as it
    is, so that no run is cut. The runs that then read alike are merged.
    """
    if low > high:
        return runs  # (a lattice with no index in the image: nothing there to keep apart from the rest)
    out, changed = [], False
    for k, (start, t, phases) in enumerate(runs.runs):
        a = runs.lo if start is None else start if runs.lo is None else max(start, runs.lo)
        end = runs.end(k)
        b = runs.hi if end is None else end if runs.hi is None else min(end, runs.hi)
        if a is not None and b is not None and a > b:
            out.append(Run(start, t, phases))  # (no position asked: whatever it holds is never read)
            continue
        new = []
        for r, f in enumerate(phases):
            qa = None if a is None else -((r - a) // t)
            qb = None if b is None else (b - r) // t
            g = f if not f or (qa is not None and qb is not None and qa > qb) else _trimmed(f, qa, qb, low, high)
            changed = changed or g is not f
            new.append(g)
        out.append(Run(start, t, tuple(new)))
    if not changed:
        return runs
    if runs.lo is not None and runs.hi is not None and (len(out) == 1 or runs.lo < out[1].start):
        out[0] = out[0]._replace(start=runs.lo)  # (merged() wants a first start: where the runs are exact)
        out = merged(out, runs.hi)
        out[0] = out[0]._replace(start=None)
    return Runs(out, runs.lo, runs.hi)


def _trimmed(f, qa, qb, low, high):
    """A formula over q in qa..qb (None: unbounded) with what lies beyond low..high at every q dropped, or f."""
    out = []
    for i in f:
        a0, a1, b0, b1 = i
        if _beyond(b0, b1, qa, qb, low, -1) or _beyond(a0, a1, qa, qb, high, 1):
            continue
        # (an end becomes the edge only where the other end stays inside it: never an empty interval)
        if _beyond(a0, a1, qa, qb, low, -1) and _beyond(b0, b1, qa, qb, low - 1, 1):
            i = Interval(low, 0, b0, b1)
        if _beyond(b0, b1, qa, qb, high, 1) and _beyond(a0, a1, qa, qb, high + 1, -1):
            i = Interval(i.lo, i.lo_slope, high, 0)
        out.append(i)
    out = tuple(out)
    return f if out == f else out


def _beyond(c0, c1, qa, qb, edge, side):
    """c0 + c1*q lies beyond edge (side -1: below it, 1: above it) at every q in qa..qb (None: unbounded).
    It moves linearly: the q where it comes nearest the edge decides."""
    if c1 == 0:
        return (c0 - edge) * side > 0
    q = qb if c1 * side < 0 else qa  # (nearest: the end it moves towards the edge at)
    return q is not None and (c0 + c1 * q - edge) * side > 0


def crossings(edges, qa, qb):
    """The q in qa+1..qb, sorted, at which some end c0 + c1*q passes its edge (edges: (c0, c1, edge))."""
    cuts = set()
    for c0, c1, edge in edges:
        if c1:
            q = (edge - c0) // c1
            cuts.update(x for x in (q, q + 1) if qa < x <= qb)
    return sorted(cuts)


# ------------------------------------------------------------ composition
def compose(deps, lo, hi):
    """The Runs of a top axis from [(bottom Runs, index map), ...], exact over positions lo..hi.

    Nothing reads the top outside lo..hi (fields.needed), so the first and
    last runs are simply extended over the rest of the line: the far
    positions, where differently growing paths keep crossing, cost nothing.
    """
    cuts = set()
    for field, m in deps:
        cuts.update(m.edges())
        for c in field.bounds:
            cuts.update(m.enter(c))
    cuts = sorted(c for c in cuts if lo < c <= hi)
    runs = []
    for u, v in zip([lo] + cuts, [c - 1 for c in cuts] + [hi]):
        runs.extend(_stretch(deps, u, v))
    runs = merged(runs, hi)
    if any(r.period > 1 for r in runs):
        runs = merged(_lines(runs, hi), hi)
    runs[0] = runs[0]._replace(start=None)
    return Runs(runs, lo, hi)


def translated(field, offset, lo, hi):
    """The Runs of top o = bottom o + offset (a crop, a slice), over lo..hi; runs outside are dropped."""
    runs = []
    for k, (start, t, phases) in enumerate(field.runs):
        end = field.end(k)
        if (end is not None and end - offset < lo) or (start is not None and start - offset > hi):
            continue
        new = []
        for r in range(t):  # top phase r, q reads bottom phase (r + offset) % t at q + (r + offset) // t
            dq, r0 = divmod(r + offset, t)
            f = phases[r0]
            new.append(None if f is None else tuple(Interval(a0 + a1 * dq, a1, b0 + b1 * dq, b1)
                                                    for a0, a1, b0, b1 in f))
        runs.append(Run(None if start is None else start - offset, t, tuple(new)))
    runs[0] = runs[0]._replace(start=None)
    return Runs(runs, lo, hi)


def ends(a, b, lo, hi):
    """The Runs whose set at o is [low end of a's, high end of b's], exact over lo..hi."""
    cuts = sorted({c for c in a.bounds + b.bounds if lo < c <= hi})
    runs = []
    for u, v in zip([lo] + cuts, [c - 1 for c in cuts] + [hi]):
        ra, rb = a.runs[a.run_of(u)], b.runs[b.run_of(u)]
        t = lcm(ra.period, rb.period)
        if t > v - u + 1:  # fewer positions than phases: each on its own, merged() joins them
            runs.extend(Run(o, 1, ((Interval(a.at(o)[0][0], 0, b.at(o)[-1][1], 0),),)) for o in range(u, v + 1))
            continue
        pa, pb = _reperiod(ra, t).phases, _reperiod(rb, t).phases
        runs.append(Run(u, t, tuple(None if fa is None or fb is None else
                                    (Interval(fa[0].lo, fa[0].lo_slope, fb[-1].hi, fb[-1].hi_slope),)
                                    for fa, fb in zip(pa, pb))))
    runs = merged(runs, hi)
    runs[0] = runs[0]._replace(start=None)
    return Runs(runs, lo, hi)


def monotone(field, lo, hi, d):
    """Every set over lo..hi is one interval, neither end ever decreases, and sets d apart overlap or touch
    (d None: whether they do is not asked)."""
    def ends(o):
        s = field.at(o)
        return (s[0][0], s[-1][1], len(s)) if s else (None, None, 0)  # (an empty set: no interval at all)

    steps = ((1, lambda x0, y0, x1, y1: x1 >= x0 and y1 >= y0),)
    if d is not None:
        steps += ((d, lambda x0, y0, x1, y1: x1 <= y0 + 1),)
    for k, (start, t, phases) in enumerate(field.runs):
        a = lo if start is None else max(lo, start)
        end = field.end(k)
        b = hi if end is None else min(hi, end)
        if a > b:
            continue
        if any(f is not None and len(f) != 1 for f in phases):
            return False
        # Pairs (o, o + j) inside the run: the difference of two linear formulas, checked at its ends.
        for j, ok in steps:
            for r in range(t):
                qa, qb = -((r - a) // t), (b - j - r) // t
                if qa > qb:
                    continue
                (a0, a1, b0, b1), = phases[r]
                r2, dq = (r + j) % t, (r + j) // t
                (c0, c1, d0, d1), = phases[r2]
                for q in (qa, qb):
                    if not ok(a0 + a1 * q, b0 + b1 * q, c0 + c1 * (q + dq), d0 + d1 * (q + dq)):
                        return False
        # Pairs across the boundary into the next run: few, checked one by one.
        if end is not None and end < hi:
            for o in range(max(a, end - (d or 1) + 1), end + 1):
                x = ends(o)
                for j, _ in steps:
                    if o + j <= hi:
                        y = ends(o + j)
                        if y[2] != 1 or (j == 1 and (y[0] < x[0] or y[1] < x[1])) or (j == d and y[0] > x[1] + 1):
                            return False
    return True


def _lines(runs, last_end):
    """Periodic runs that are cheaper as lines of period 1, as those lines.

    A run of period T costs T formulas in every layer that reads it; where
    its positions form fewer than T/2 lines (the staircase Interp leaves next
    to a path growing at another rate), they replace it. The scan stops as
    soon as that many lines are found, and skips runs longer than 16 periods,
    so a truly periodic run costs little.
    """
    out = []
    for k, (start, t, phases) in enumerate(runs):
        end = last_end if k + 1 == len(runs) else runs[k + 1].start - 1
        # (Long runs of a short period are what deconvolutions leave: truly periodic, not worth a scan.)
        lines = None if t == 1 or end - start + 1 > 16 * t else _fit_lines(start, end, t, phases, t // 2)
        out.extend(lines or [Run(start, t, phases)])
    return out


def _fit_lines(start, end, t, phases, limit):
    """The positions start..end as at most `limit` runs of period 1, or None."""
    lines = []
    o0 = prev = slopes = None
    for o in range(start, end + 1):
        f = phases[o % t]
        q = o // t
        cur = tuple(x for a0, a1, b0, b1 in f for x in (a0 + a1 * q, b0 + b1 * q))
        if prev is not None and len(cur) == len(prev):
            step = tuple(c - p for c, p in zip(cur, prev))
            if slopes is None or step == slopes:
                slopes, prev = step, cur
                continue
        if prev is not None:
            lines.append((o0, first, slopes))
            if len(lines) >= limit:
                return None
        o0, first, prev, slopes = o, cur, cur, None
    lines.append((o0, first, slopes))
    out = []
    for o0, first, slopes in lines:
        slopes = slopes or (0,) * len(first)
        out.append(Run(o0, 1, (tuple(Interval(first[i] - slopes[i] * o0, slopes[i],
                                              first[i + 1] - slopes[i + 1] * o0, slopes[i + 1])
                                     for i in range(0, len(first), 2)),)))
    return out


def _period(deps, u, v):
    """A period T over which every tap of the stretch [u, v] reads the same bottom phase."""
    t = 1
    for field, m in deps:
        m0, delta = m.period
        for o in range(u, min(u + m0, v + 1)):
            for i in m.taps(o):
                p = field.runs[field.run_of(i)].period
                t = lcm(t, m0 * p // gcd(p, delta))
    return t


def _stretch(deps, u, v):
    """Runs of the positions u..v, between which no tap changes bottom run."""
    active = [(f, m) for f, m in deps if m.reads(u, v)]
    t = _period(active, u, v)
    if t > v - u + 1:
        # Fewer positions than phases: each position on its own, to be joined into lines by merged().
        return [Run(o, 1, (_union_lin(_items(active, o, 1, o), o, o)[0][1],)) for o in range(u, v + 1)]
    per_phase = []
    for r in range(t):
        qlo, qhi = -((r - u) // t), (v - r) // t
        per_phase.append(_union_lin(_items(active, r + qlo * t, t, qlo), qlo, qhi))
    # Cut the stretch wherever one phase's formula changes; each piece is a run.
    starts = sorted({u}.union(*({r + q * t for q, _ in parts[1:]} for r, parts in enumerate(per_phase))))
    runs = []
    for k, s in enumerate(starts):
        end = v if k + 1 == len(starts) else starts[k + 1] - 1
        phases = []
        for r, parts in enumerate(per_phase):
            q = -((r - s) // t)
            if q > (end - r) // t:
                phases.append(None)  # no position of this phase in a short run
            else:
                phases.append(parts[bisect_right([p[0] for p in parts[1:]], q)][1])
        runs.append(Run(s, t, tuple(phases)))
    return runs


def _items(active, o, t, qref):
    """The taps' intervals (lo, lo_slope, hi, hi_slope), in q, for the positions o + (q - qref)*t of one phase."""
    items = []
    for field, m in active:
        m0, delta = m.period
        di = t // m0 * delta if t % m0 == 0 else 0  # (t = 1, one position: the slopes are never used)
        for i in m.taps(o):
            _, p, phases = field.runs[field.run_of(i)]
            qb, pb = divmod(i, p)
            g = di // p
            for a0, a1, b0, b1 in phases[pb]:
                items.append((a0 + a1 * (qb - g * qref), a1 * g, b0 + b1 * (qb - g * qref), b1 * g))
    return items


class TooMuchWork(Exception):
    """A walk spent the work it was given (runs_budget) on joins whose ends cross."""


_left = [float("inf")]
_given = [float("inf")]


def runs_budget(units):
    """How much crossing-end work (pairs of interval ends) the joins of one walk may do from here on."""
    _left[0] = _given[0] = units


def runs_spent():
    """The crossing-end work done since the last runs_budget (what a test measures a walk by: no clock)."""
    return _given[0] - _left[0]


def _union_lin(items, qlo, qhi):
    """The union of the intervals (lo, lo_slope, hi, hi_slope) over q in [qlo, qhi]: [(first q, formula), ...]."""
    if not items:
        return [(qlo, ())]
    slopes = {ls for _, ls, _, _ in items} | {hs for _, _, _, hs in items}
    if len(slopes) == 1:  # every endpoint moves alike: the union moves with them
        (sigma,) = slopes
        return [(qlo, tuple(Interval(a, sigma, b, sigma) for a, b in union([((lo, hi),) for lo, _, hi, _ in items])))]
    ends = {(lo, ls) for lo, ls, _, _ in items} | {(hi + 1, hs) for _, _, hi, hs in items}
    _left[0] -= len(ends) * len(ends)  # (the pairs below)
    if _left[0] < 0:
        raise TooMuchWork
    splits = set()
    ends = sorted(ends)
    for x, (f0, f1) in enumerate(ends):
        for g0, g1 in ends[x + 1:]:
            d0, d1 = f0 - g0, f1 - g1
            if d1 == 0:
                continue
            if d1 < 0:
                d0, d1 = -d0, -d1
            n = -d0  # f - g changes sign around q = n / d1
            splits.update(s for s in (-((-n) // d1), n // d1 + 1) if qlo < s <= qhi)
    starts = [qlo] + sorted(splits)
    out = []
    for k, s in enumerate(starts):
        e = qhi if k + 1 == len(starts) else starts[k + 1] - 1
        q1, q2 = s, min(s + 1, e)
        u1 = union([((lo + ls * q1, hi + hs * q1),) for lo, ls, hi, hs in items])
        if q2 == q1:  # one q: the slopes are never used
            out.append((s, tuple(Interval(a, 0, b, 0) for a, b in u1)))
            continue
        u2 = union([((lo + ls * q2, hi + hs * q2),) for lo, ls, hi, hs in items])
        assert len(u1) == len(u2), "the union changed shape between crossings"
        out.append((s, tuple(Interval(a - (c - a) * q1, c - a, b - (d - b) * q1, d - b)
                             for (a, b), (c, d) in zip(u1, u2))))
    return out


# ----------------------------------------------------------------- merging
def _reperiod(run, t):
    start, t0, phases = run
    if t == t0:
        return run
    m = t // t0
    out = []
    for r in range(t):
        f = phases[r % t0]
        j = r // t0
        out.append(None if f is None else tuple(Interval(a0 + a1 * j, a1 * m, b0 + b1 * j, b1 * m)
                                                for a0, a1, b0, b1 in f))
    return Run(start, t, tuple(out))


def _qrange(start, end, r, t):
    return -((r - start) // t), (end - r) // t


def _merge(a, end_a, b, end_b):
    """One run for two adjacent ones, or None where no single formula per phase fits both."""
    t = lcm(a.period, b.period)
    if t > MAX_PERIOD:
        return None
    a, b = _reperiod(a, t), _reperiod(b, t)
    phases = []
    for r in range(t):
        fa, fb = a.phases[r], b.phases[r]
        if fa is None or fb is None:
            phases.append(fb if fa is None else fa)
            continue
        qa = _qrange(a.start, end_a, r, t)
        qb = _qrange(b.start, end_b, r, t)
        na, nb = qa[1] - qa[0] + 1, qb[1] - qb[0] + 1
        if na <= 0 or nb <= 0:
            phases.append(fb if na <= 0 else fa)
            continue
        if len(fa) != len(fb):
            return None
        if na >= 2 and nb >= 2:
            if fa != fb:
                return None
            phases.append(fa)
        elif na >= 2 or nb >= 2:
            f, q = (fa, qb[0]) if na >= 2 else (fb, qa[0])
            if value(f, q) != value(fb if na >= 2 else fa, q):
                return None
            phases.append(f)
        else:
            x, y = qa[0], qb[0]
            va, vb = value(fa, x), value(fb, y)
            f = []
            for (a0, b0), (a1, b1) in zip(va, vb):
                da, db = a1 - a0, b1 - b0
                if da % (y - x) or db % (y - x):
                    return None
                sa, sb = da // (y - x), db // (y - x)
                f.append(Interval(a0 - sa * x, sa, b0 - sb * x, sb))
            phases.append(tuple(f))
    return Run(a.start, t, tuple(phases))


def _reduce(run):
    """The run with the smallest period that describes it."""
    start, t, phases = run
    if t == 1 or None in phases:
        return run
    for d in range(1, t):
        if t % d:
            continue
        m = t // d
        ok = True
        for r in range(t):
            base, f = phases[r % d], phases[r]
            j = r // d
            if len(base) != len(f) or any(a1 % m or b1 % m for _, a1, _, b1 in base):
                ok = False
                break
            if f != tuple(Interval(a0 + a1 // m * j, a1, b0 + b1 // m * j, b1) for a0, a1, b0, b1 in base):
                ok = False
                break
        if ok:
            return Run(start, d, tuple(tuple(Interval(a0, a1 // m, b0, b1 // m) for a0, a1, b0, b1 in phases[r])
                                       for r in range(d)))
    return run


def merged(runs, last_end):
    """Adjacent runs joined where one formula per phase describes both (runs end at last_end)."""
    out = []
    for k, run in enumerate(runs):
        end = runs[k + 1].start - 1 if k + 1 < len(runs) else last_end
        if out:
            prev, prev_end = out[-1]
            m = _merge(prev, prev_end, run, end)
            if m is not None:
                out[-1] = (m, end)
                continue
        out.append((run, end))
    return [_reduce(r) for r, _ in out]

"""Index maps: which bottom positions a layer's top position reads, along one axis.

The layer rules (layers/) describe every type through these maps; the field
engine (fields.py, runs.py) composes them into receptive fields and the
effective-field code (effective_field.py) walks them backwards. They know
nothing of either.
"""

from fractions import Fraction
from math import gcd

from .intervals import shift, union


def exact(num, den=1):
    """num / den as an int where it is whole, else as a Fraction: centres stay exact along any path."""
    return num // den if num % den == 0 else Fraction(num, den)


class IndexMap:
    """Which bottom positions each top position reads, along one axis.

    What fields.py and runs.py ask of a map: `taps(o)`, the bottom positions
    top position o reads; `centre` (alpha, beta), where the kernel centre of o
    lies (alpha + beta*o, Caffe's coord_map; exact: ints or Fractions); `span(lo, hi)`, the bottom
    positions top positions lo..hi read (None for none); `period` (m0, delta),
    the bottom index advancing by delta when o advances by m0; `enter(c)`, the
    top positions at which some tap reaches bottom index c; `edges()`, where
    the map starts or stops reading; `reads(u, v)`, whether it reads anything
    for top positions u..v (between edges); and `affine(base, jump)`, the
    (base, jump) of the top's field where the bottom's is translation-invariant
    (None for maps that make fields depend on position).
    """

    __slots__ = ()

    def edges(self):
        return ()

    def reads(self, u, v):
        return True


class Window(IndexMap):
    """Top position o reads bottom positions o*s - p + t*d, t = 0..k-1 (convolution, pooling)."""

    __slots__ = ("s", "p", "k", "d", "centre")

    def __init__(self, s, p, k, d=1):
        self.s, self.p, self.k, self.d = s, p, k, d
        self.centre = (exact((k - 1) * d - 2 * p, 2), s)

    def taps(self, o):
        start = o * self.s - self.p
        return range(start, start + (self.k - 1) * self.d + 1, self.d)

    @property
    def period(self):
        return 1, self.s

    def enter(self, c):
        s = self.s
        return [-((t * self.d - c - self.p) // s) for t in range(self.k)] if s else ()

    def span(self, lo, hi):
        return lo * self.s - self.p, hi * self.s - self.p + (self.k - 1) * self.d

    def affine(self, base, jump):
        s, p, k, d = self.s, self.p, self.k, self.d
        if len(base) == 1 and jump * d <= base[0][1] - base[0][0] + 1:
            lo, hi = base[0]  # the taps' sets touch or overlap: one interval
            return ((lo - jump * p, hi + jump * ((k - 1) * d - p)),), jump * s
        return union(shift(base, jump * (t * d - p)) for t in range(k)), jump * s


IDENTITY = Window(1, 0, 1)


def shifted(offset):
    """Top position o reads bottom position o + offset (crop, slice)."""
    return IDENTITY if offset == 0 else Window(1, -offset, 1)


class Transposed(IndexMap):
    """Deconvolution: top o reads bottom i where o = i*s - p + t*d."""

    __slots__ = ("s", "p", "k", "d", "centre")

    def __init__(self, s, p, k, d=1):
        self.s, self.p, self.k, self.d = s, p, k, d
        self.centre = (exact(2 * p - (k - 1) * d, 2 * s), exact(1, s))

    def taps(self, o):
        s = self.s
        return [(o + self.p - t * self.d) // s for t in range(self.k) if (o + self.p - t * self.d) % s == 0]

    @property
    def period(self):
        return self.s, 1

    def enter(self, c):
        return [c * self.s - self.p + t * self.d for t in range(self.k)]

    def span(self, lo, hi):
        s = self.s
        return -((-(lo + self.p - (self.k - 1) * self.d)) // s), (hi + self.p) // s

    affine = None


def transposed(s, p, k, d=1):
    """The map of a transposed convolution (Caffe's Deconvolution, ONNX's ConvTranspose) with begin padding p:
    at stride 1 it is a plain window, flipped (which composes as an affine map)."""
    return Window(1, (k - 1) * d - p, k, d) if s == 1 else Transposed(s, p, k, d)


class Interp(IndexMap):
    """Bilinear, corners aligned: top o reads floor(o*num/den) and, unless that is whole, the next one."""

    __slots__ = ("num", "den", "off", "centre")

    def __init__(self, num, den, off):
        self.num, self.den, self.off = num, den, off
        self.centre = (off, exact(num, den))

    def taps(self, o):
        i, rest = divmod(o * self.num, self.den)
        return (i + self.off,) if not rest else (i + self.off, i + 1 + self.off)

    @property
    def period(self):
        g = gcd(self.num, self.den)
        return self.den // g, self.num // g

    def enter(self, c):
        return [-((-(c - self.off - t) * self.den) // self.num) for t in (0, 1)]

    def span(self, lo, hi):
        return lo * self.num // self.den + self.off, self.taps(hi)[-1]

    affine = None


class Nearest(IndexMap):
    """Top o reads bottom floor(o / scale) (unpooling, nearest-neighbour upsampling)."""

    __slots__ = ("scale", "centre")

    def __init__(self, scale):
        self.scale = scale
        self.centre = (exact(1 - scale, 2 * scale), exact(1, scale))

    def taps(self, o):
        return (o // self.scale,)

    @property
    def period(self):
        return self.scale, 1

    def enter(self, c):
        return (c * self.scale,)

    def span(self, lo, hi):
        return lo // self.scale, hi // self.scale

    affine = None


class Whole(IndexMap):
    """Every top position reads every real bottom position 0..n-1 (global pooling)."""

    __slots__ = ("n", "centre")

    def __init__(self, n):
        self.n = n
        self.centre = (exact(n - 1, 2), 1)  # Caffe's coord_map: a kernel of n at stride 1

    def taps(self, o):
        return range(self.n)

    period = (1, 0)

    def enter(self, c):
        return ()

    def span(self, lo, hi):
        return 0, self.n - 1

    def affine(self, base, jump):
        return Window(0, 0, self.n).affine(base, jump)[0] if jump else base, 0


class Piece(IndexMap):
    """One bottom of a Concat along this axis: top positions start..start+size-1.

    Positions beyond the ends of the top read on into the first and last
    pieces, which is what a padded consumer of the concatenation sees.
    """

    __slots__ = ("start", "size", "first", "last", "centre")

    def __init__(self, start, size, first, last):
        self.start, self.size, self.first, self.last = start, size, first, last
        self.centre = (-start, 1)

    period = (1, 1)

    def _inside(self, o):
        return (self.first or o >= self.start) and (self.last or o < self.start + self.size)

    def taps(self, o):
        return (o - self.start,) if self._inside(o) else ()

    def enter(self, c):
        return (c + self.start,) if self._inside(c + self.start) else ()

    def edges(self):
        return ([] if self.first else [self.start]) + ([] if self.last else [self.start + self.size])

    def reads(self, u, v):
        return self._inside(u)  # (its edges cut the line: one position of a stretch tells for all)

    def span(self, lo, hi):
        a = lo if self.first else max(lo, self.start)
        b = hi if self.last else min(hi, self.start + self.size - 1)
        return (a - self.start, b - self.start) if a <= b else None

    affine = None


class Table(IndexMap):
    """Top position o (0 <= o < len(rows)) reads the bottom positions rows[o]: a layer that moves
    positions by a rule no window follows (darknet's reorg, whose rows wrap around the map's ends).

    Beyond the ends, the first and last positions' taps move on by `step` per position: the pattern a
    padded reader of the top extrapolates. Every position is an edge, so each is composed on its own.
    """

    __slots__ = ("rows", "step", "centre")

    def __init__(self, rows, step, centre):
        self.rows, self.step = [sorted(set(r)) for r in rows], step
        self.centre = tuple(exact(*Fraction(x).as_integer_ratio()) for x in centre)  # (a float's value, exactly)

    def taps(self, o):
        n = len(self.rows)
        if 0 <= o < n:
            return self.rows[o]
        near = 0 if o < 0 else n - 1
        return [i + self.step * (o - near) for i in self.rows[near]]

    @property
    def period(self):
        return 1, self.step

    def edges(self):
        return range(1, len(self.rows))

    def enter(self, c):
        n = len(self.rows)
        found = []  # (inside, every position is an edge already)
        for near, beyond in ((0, lambda o: o <= 0), (n - 1, lambda o: o >= n)):
            for i in self.rows[near]:
                o = near - ((i - c) // self.step)  # where this tap, moving on by step, reaches c
                if beyond(o):
                    found.append(o)
        return found

    def span(self, lo, hi):
        if hi < lo:
            return None
        n = len(self.rows)
        ends = {lo, hi} | {o for o in (-1, n) if lo <= o <= hi}
        taps = [i for o in list(range(max(lo, 0), min(hi, n - 1) + 1)) + sorted(ends) for i in self.taps(o)]
        return min(taps), max(taps)

    affine = None


def interp_map(in_size, out_size, pad_beg=0):
    """The map of PSPNet/DeepLab's Interp (corners aligned), in exact integer arithmetic."""
    num, den = (in_size - 1, out_size - 1) if out_size > 1 else (0, 1)
    if num % den == 0:
        return Window(num // den, pad_beg, 1)  # integral step: plain subsampling
    return Interp(num, den, -pad_beg)


def reads_everything(index_map, top_size, bottom_size):
    """A one-position top axis computed from every position of a longer bottom axis."""
    if top_size != 1 or bottom_size < 2:
        return False
    taps = set(index_map.taps(0))
    return all(i in taps for i in range(bottom_size))


def _floor(x):
    return x.numerator // x.denominator


class Resampled(IndexMap):
    """Resampling (ONNX's Resize and Upsample): top o samples the bottom at x(o) = x0 + b*o (Fractions, b >= 0)
    and reads the positions its kernel weighs there: `kind` "linear" floor(x) and the next one unless x is
    whole, "cubic" floor(x) - 1 .. floor(x) + 2 unless x is whole, or a nearest rounding ("floor", "ceil",
    "half_down": round half to the lower, "half_up"). That free pattern holds on the whole line but where a
    runtime clamps at the ends or computes in floating point: `rows` are top positions 0..len-1's taps as
    the runtime computes them, and the positions where they differ from the pattern are edges, each
    composed on its own. `centre`: the sample point x(o), or for nearest the mean of the rounded index."""

    __slots__ = ("rows", "x0", "b", "kind", "reach", "odd", "period", "centre")

    def __init__(self, rows, x0, b, kind, reach=None):
        self.x0, self.b, self.kind = Fraction(x0), Fraction(b), kind
        self.reach = None if reach is None else Fraction(reach)  # "band" kinds: the positions nearer than this
        self.rows = [tuple(sorted(set(r))) for r in rows]
        self.odd = [o for o, r in enumerate(self.rows) if r != self._free(o)]
        q = self.b.denominator
        self.period = (q, self.b.numerator)
        alpha = self.x0
        if kind in ("floor", "ceil", "half_down", "half_up") and q <= 4096:
            alpha = sum(self._free(o)[0] - self.b * o for o in range(q)) / q
        self.centre = (exact(alpha.numerator, alpha.denominator), exact(self.b.numerator, self.b.denominator))

    def _free(self, o):
        x = self.x0 + self.b * o
        f = _floor(x)
        if self.kind in ("band", "cubic-band"):  # (antialiasing: a kernel stretched to `reach`)
            r = self.reach
            taps = range(_floor(x - r) + 1, -_floor(-(x + r)))
            return tuple(i for i in taps if self.kind == "band" or abs(i - x) * 2 != r)  # (the cubic's zero)
        if self.kind == "linear":
            return (f,) if x == f else (f, f + 1)
        if self.kind == "cubic":
            return (f,) if x == f else (f - 1, f, f + 1, f + 2)
        if self.kind == "floor":
            return (f,)
        if self.kind == "ceil":
            return (-_floor(-x),)
        if self.kind == "half_down":
            return (-_floor(Fraction(1, 2) - x),)
        return (_floor(x + Fraction(1, 2)),)

    def taps(self, o):
        return self.rows[o] if 0 <= o < len(self.rows) else self._free(o)

    def edges(self):
        return sorted({e for o in self.odd for e in (o, o + 1)})

    def reads(self, u, v):
        return bool(self.taps(u))

    def enter(self, c):
        if not self.b:
            return ()
        # The first o whose base index (floor or rounding of x) reaches c - t, for each tap offset t.
        offsets = {"linear": (0, 1), "cubic": (-1, 0, 1, 2)}.get(self.kind, (0,))
        # base(o) >= k  <=>  x(o) >= k + shift (strict: x(o) > k + shift)
        shift, strict = {"ceil": (-1, True), "half_down": (Fraction(-1, 2), True),
                         "half_up": (Fraction(-1, 2), False)}.get(self.kind, (0, False))
        if self.reach is not None:  # (base: the lowest tap, floor(x - reach) + 1)
            offsets, shift = range(-_floor(-2 * self.reach) + 2), self.reach - 1
        found = []
        for t in offsets:
            bound = (c - t + shift - self.x0) / self.b
            found.append(_floor(bound) + 1 if strict else -_floor(-bound))
        return found

    def span(self, lo, hi):
        taps = [i for o in {lo, hi}.union(e for e in self.edges() if lo <= e <= hi) for i in self.taps(o)]
        return (min(taps), max(taps)) if taps else None

    affine = None

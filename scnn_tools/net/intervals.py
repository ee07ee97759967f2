"""Interval sets: the input indices one feature depends on, along one axis.

A set is a tuple of sorted, disjoint, inclusive (lo, hi) pairs, so that
dilation holes stay holes: five 3x3 convolutions with dilation 2 see
((0, 0), (2, 2), ..., (20, 20)) along each axis, not (0, 20).
"""

from bisect import bisect_left, bisect_right
from itertools import chain, islice
from operator import itemgetter

_start, _end = itemgetter(0), itemgetter(1)


def shift(s, k):
    return tuple((a + k, b + k) for a, b in s)


def count(s):
    return sum(b - a + 1 for a, b in s)


def clip(s, lo, hi):
    """The part of an interval set inside lo..hi."""
    if len(s) < 16:
        return tuple((max(a, lo), min(b, hi)) for a, b in s if b >= lo and a <= hi)
    # (a set with holes, a lattice's points over a large image: only its first and last intervals inside can be
    # cut, the ones between are kept as they are, found by bisection)
    s = s if s.__class__ is tuple else tuple(s)
    part = s[bisect_left(s, lo, key=_end):bisect_right(s, hi, key=_start)]
    if not part or (part[0][0] >= lo and part[-1][1] <= hi):
        return part
    if len(part) == 1:
        return ((max(part[0][0], lo), min(part[0][1], hi)),)
    return ((max(part[0][0], lo), part[0][1]),) + part[1:-1] + ((part[-1][0], min(part[-1][1], hi)),)


def clip_to(s, last):
    """clip(s, 0, last), the set itself where it lies within already (most sets of a net's fields do)."""
    if not s or (s[0][0] >= 0 and s[-1][1] <= last):
        return s
    return clip(s, 0, last)


def common(s, t):
    """How many indices two interval sets share."""
    i = j = n = 0
    while i < len(s) and j < len(t):
        lo = max(s[i][0], t[j][0])
        hi = min(s[i][1], t[j][1])
        if lo <= hi:
            n += hi - lo + 1
        if s[i][1] < t[j][1]:
            i += 1
        else:
            j += 1
    return n


def union(sets):
    """Union of interval sets (each a tuple of (lo, hi) pairs), as one sorted disjoint set."""
    items = sorted(chain.from_iterable(sets))
    if len(items) > 16 and all(x[0] > y[1] + 1 for x, y in zip(islice(items, 1, None), items)):
        return tuple(items)  # (nothing to merge: the points of lattices that do not meet, in ICNet's sums)
    out = []
    for a, b in items:
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return tuple(out)

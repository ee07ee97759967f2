"""Fields in two dimensions: the exact set of input pixels one feature depends on.

fields.py keeps one field per axis, and a blob's 2-D field at (y, x) is taken
to be H(y) x W(x). That holds through any window (a window of a product is a
product) and through merges whose parts are nested or agree along one axis,
but not where fields of different shapes join: the rows of an SCNN block put
back together along h (row 0 sees one pixel, the union of all rows' column
sets is 281 wide), or a 1x3 beside a 3x1 (a cross of 5, not a 3x3 square).

Two things live here:

- `Plane`, a 2-D set of positions: bands of consecutive rows sharing one
  column interval set, merged where neighbours have the same columns; and
  `backward`, the walk from a set of positions of one blob back through the
  layers' index maps to the image: exact for any net, O(layers reached x
  bands), with a work budget so that callers can keep a whole analysis
  linear. Positions a map reads beyond a bottom's ends are zero padding
  (nothing) in the real walk, and the unbounded plane's in the other.
- `products`, a forward pass over the per-axis real fields saying, per blob,
  whether every position's set is the product of its per-axis sets. It is
  conservative: anything it cannot prove cheaply is "not a product".
"""

import heapq

from scnn_tools.net.indexmaps import Piece, Window
from scnn_tools.net.intervals import clip, common, count, union


class Plane:
    """A set of 2-D positions: `bands`, a tuple of (r0, r1, cols) with rows r0..r1 (inclusive) all holding
    the interval set `cols`; rows sorted and disjoint, neighbouring bands with equal columns merged."""

    __slots__ = ("bands",)

    def __init__(self, bands):
        self.bands = bands

    @classmethod
    def of(cls, items):
        """The union of (r0, r1, cols) items, which may overlap."""
        items = [i for i in items if i[2] and i[0] <= i[1]]
        if not items:
            return cls(())
        if len(items) == 1:
            return cls((items[0],))
        cuts = sorted({r for r0, r1, _ in items for r in (r0, r1 + 1)})
        items.sort(key=lambda i: i[0])
        bands, active, k = [], [], 0
        for lo, nxt in zip(cuts, cuts[1:]):
            while k < len(items) and items[k][0] <= lo:
                active.append(items[k])
                k += 1
            active = [i for i in active if i[1] >= lo]
            if not active:
                continue
            cols = active[0][2] if len(active) == 1 else union(i[2] for i in active)
            if bands and bands[-1][1] == lo - 1 and bands[-1][2] == cols:
                bands[-1] = (bands[-1][0], nxt - 1, cols)
            else:
                bands.append((lo, nxt - 1, cols))
        return cls(tuple(bands))

    def __bool__(self):
        return bool(self.bands)

    def count(self):
        # (bands share their column sets: a dilated net's field at 1025x2049 has 521 bands of 1,000 intervals
        # each, and only 9 column sets among them)
        n, seen = 0, {}
        for r0, r1, cols in self.bands:
            k = seen.get(id(cols))
            if k is None:
                k = seen[id(cols)] = count(cols)
            n += (r1 - r0 + 1) * k
        return n

    def box(self):
        """((row lo, row hi), (col lo, col hi)), or None for the empty set."""
        if not self.bands:
            return None
        return ((self.bands[0][0], self.bands[-1][1]),
                (min(c[0][0] for _, _, c in self.bands), max(c[-1][1] for _, _, c in self.bands)))

    def cut(self, height, width):
        """The part inside rows 0..height-1 and columns 0..width-1."""
        box = self.box()
        if box is None or (box[0][0] >= 0 and box[0][1] < height and box[1][0] >= 0 and box[1][1] < width):
            return self  # (most sets lie inside already)
        return Plane.of([(max(r0, 0), min(r1, height - 1), clip(cols, 0, width - 1)) for r0, r1, cols in self.bands])

    def common(self, other):
        """How many positions two sets share."""
        n, j, theirs, seen = 0, 0, other.bands, {}
        for r0, r1, cols in self.bands:
            while j < len(theirs) and theirs[j][1] < r0:
                j += 1
            k = j
            while k < len(theirs) and theirs[k][0] <= r1:
                s0, s1, c2 = theirs[k]
                rows = min(r1, s1) - max(r0, s0) + 1
                if rows > 0:
                    pair = (id(cols), id(c2))  # (shared column sets, as in count)
                    shared = seen.get(pair)
                    if shared is None:
                        shared = seen[pair] = common(cols, c2)
                    n += rows * shared
                k += 1
        return n

    def holds(self, y, x):
        for r0, r1, cols in self.bands:
            if r0 <= y <= r1:
                return any(a <= x <= b for a, b in cols)
        return False


def point(y, x):
    return Plane(((y, y, ((x, x),)),))


def reached(m, lo, hi, n=None):
    """The bottom positions a map reads for top positions lo..hi, as an interval set; cut to 0..n-1 where n
    is given (a read beyond a bottom's ends is zero padding: no position)."""
    if m.__class__ is Window and m.s >= 1:
        first, last = lo * m.s - m.p, hi * m.s - m.p
        if m.s == 1 and (m.d == 1 or m.k == 1):
            s = ((first, last + (m.k - 1) * m.d),)
        elif m.s == 1:  # (a dilated window: each tap a shifted copy of lo..hi)
            s = union(((first + t * m.d, last + t * m.d),) for t in range(m.k))
        elif (m.d == 1 or m.k == 1) and (m.k - 1) * m.d + 1 >= m.s:
            s = ((first, last + (m.k - 1) * m.d),)  # (windows touch or overlap: one interval)
        else:
            s = _points(i for o in range(lo, hi + 1) for i in m.taps(o))
    elif m.__class__ is Piece:
        span = m.span(lo, hi)  # (its part of a concatenation, read on beyond the ends by the first and last)
        s = (span,) if span is not None else ()
    else:
        s = _points(i for o in range(lo, hi + 1) for i in m.taps(o))
    return s if n is None else clip(s, 0, n - 1)


def _points(indices):
    out = []
    for i in sorted(set(indices)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return tuple(out)


def _through(plane, mh, mw, nh, nw, cache):
    """The bottom positions a set of top positions reads through maps (mh, mw) (bottom sizes nh, nw, or
    None for the unbounded plane), as (r0, r1, cols) items."""
    items = []
    rows, columns = _reach(mh), _reach(mw)  # (a part of a concatenation: the top positions it holds)
    bands = plane.bands
    if rows is not None:
        bands = [band for band in bands if band[1] >= rows[0] and band[0] <= rows[1]]
    for r0, r1, cols in bands:
        if columns is not None and (cols[-1][1] < columns[0] or cols[0][0] > columns[1]):
            continue
        key = (id(mw), cols, nw)
        found = cache.get(key)
        if found is None:
            found = cache[key] = union(reached(mw, a, b, nw) for a, b in cols)
        if not found:
            continue
        for a, b in reached(mh, r0, r1, nh):
            items.append((a, b, found))
    return items


def _reach(m):
    """(first, last) top positions a Piece reads for (the first and the last part read on beyond the ends),
    None for other maps."""
    if m.__class__ is not Piece:
        return None
    return (float("-inf") if m.first else m.start, float("inf") if m.last else m.start + m.size - 1)


class OverBudget(Exception):
    """The walk would cost more than it was allowed."""


def links(analysis, index):
    """Per top of node `index`: [(bottom blob, h maps, w maps, bottom height, bottom width)] for the bottoms
    it reads in 2-D, or None where the node's reading is not known in 2-D (its rule left it out, or it
    reads a traced bottom along one image axis only). Remembered on the analysis: every walk asks again."""
    memo = analysis.__dict__.get("_links")
    if memo is None:
        memo = analysis._links = [None] * len(analysis.graph.nodes)
    found = memo[index]
    if found is None:
        found = memo[index] = _links(analysis, index)
    return found


def _links(analysis, index):
    node = analysis.graph.nodes[index]
    node_deps = analysis.deps.get(index)
    if node_deps is None:
        return [None] * len(node.tops)
    axes, traced, blobs, bottoms = all_axes(analysis), analysis.traced, analysis.shapes.blobs, node.bottoms
    out = []
    for top, per_axis in zip(node.tops, node_deps):
        taxes = axes[top]
        if taxes is None:
            out.append(None)
            continue
        by = ({}, {})
        for k in (0, 1):
            for bi, ba, m in per_axis.get(taxes[k], ()):
                baxes = axes[bottoms[bi]]
                if baxes is not None and baxes[k] == ba:
                    by[k].setdefault(bi, []).append(m)
        reads = []
        for b, bottom in enumerate(bottoms):
            if traced[bottom] is None:
                continue
            mhs, mws = by[0].get(b), by[1].get(b)
            if mhs and mws:
                shape, baxes = blobs[bottom], axes[bottom]
                reads.append((bottom, mhs, mws, shape[baxes[0]], shape[baxes[1]]))
            elif mhs or mws or any(bi == b for items in per_axis.values() for bi, _, _ in items):
                reads = None  # (read along one image axis only: no field to follow in 2-D)
                break
        out.append(reads)
    return out


def all_axes(analysis):
    """Per blob: (its h axis, its w axis) where it is traced on both image axes, else None (remembered)."""
    found = analysis.__dict__.get("_axes_2d")
    if found is None:
        found = analysis._axes_2d = [_axes(t) for t in analysis.traced]
    return found


def axes_of(analysis, blob):
    return all_axes(analysis)[blob]


def backward(analysis, blob_id, start, real=True, budget=None, whole=None, settled=None):
    """The image positions that positions `start` (a Plane on the blob's (h, w) positions) depend on: the
    real walk (padding reads nothing) cut to the image, or the unbounded plane's set. None where a layer on
    the way is not known in 2-D (`links`); with the bands it looked at. Raises OverBudget past `budget`.

    `whole`: lists, per blob, of a Plane of positions known to depend on every image pixel (or None). A walk
    that reaches one stops there with the whole image: a superset of a set that holds every pixel does too
    (the unbounded plane's set of a position holds its real set), and the caller cuts to the image.
    `settled(blob, plane)`: in the real walk, the pixels a set of positions of a blob depends on where the
    caller knows them without walking on (a product's, from its per-axis sets), else None."""
    graph = analysis.graph
    if whole is not None and _meets(whole, blob_id, start):
        return image_plane(analysis), 0
    sets = {blob_id: [start]}
    image = analysis.image
    producer = graph.blobs[blob_id].producer
    heap = [-producer] if producer is not None and blob_id != image else []
    queued = set(heap)
    spent, cache = 0, {}
    while heap:
        index = -heapq.heappop(heap)
        node = graph.nodes[index]
        for top, reads in zip(node.tops, links(analysis, index)):
            found = sets.pop(top, None)
            if found is None:
                continue
            if reads is None:
                return None, spent
            plane = found[0] if len(found) == 1 else Plane.of([b for p in found for b in p.bands])
            if not plane:
                continue
            spent += len(plane.bands)
            if budget is not None and spent > budget:
                raise OverBudget()
            for bottom, mhs, mws, nh, nw in reads:
                if not real:
                    nh = nw = None
                items = [i for mh in mhs for mw in mws for i in _through(plane, mh, mw, nh, nw, cache)]
                if items:
                    reached_here = Plane.of(items)
                    if whole is not None and _meets(whole, bottom, reached_here):
                        return image_plane(analysis), spent
                    known = settled(bottom, reached_here) if settled is not None and real else None
                    if known is not None:
                        sets.setdefault(image, []).append(known)
                        continue
                    sets.setdefault(bottom, []).append(reached_here)
                    producer = graph.blobs[bottom].producer
                    if producer is not None and bottom != image and -producer not in queued:
                        queued.add(-producer)
                        heapq.heappush(heap, -producer)
    found = sets.get(image)
    if not found:
        return Plane(()), spent
    plane = found[0] if len(found) == 1 else Plane.of([b for p in found for b in p.bands])
    if real:
        extent = analysis.image_extent()
        plane = plane.cut(extent["h"], extent["w"])
    return plane, spent


def _meets(whole, blob, plane):
    for known in whole:
        if known[blob] and known[blob].common(plane):
            return True
    return False


def image_plane(analysis):
    """Every pixel of the image."""
    extent = analysis.image_extent()
    return Plane(((0, extent["h"] - 1, ((0, extent["w"] - 1),)),))


def _axes(t):
    """(h axis, w axis) of a traced blob, or None where it is not traced on both."""
    if t is None:
        return None
    h = w = None
    for a, (image_axis, _) in t.axes.items():
        if image_axis == "h":
            h = a
        elif image_axis == "w":
            w = a
        else:
            return None
    return None if h is None or w is None else (h, w)

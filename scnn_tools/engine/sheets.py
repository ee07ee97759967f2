"""Every position's exact 2-D set at once, for the blobs where fields stop being products, carried forward.

The backward walks (planes.py) cost a walk per blob through everything below it: quadratic in an SCNN
block, whose passes are chains. Here each blob's sets are worked out from its bottoms' in one forward pass,
in the positions of a `base` blob that is a product (every one of its positions sees the product of its
per-axis sets): a blob's sheet is a partition of its positions into rectangles (`pieces`), each with one
shape K of base positions, relative: position (y, x) depends on base positions (y, x) + K, cut to the
base. A stride-1 window over a piece that spans the window's axis keeps one piece (K widened by the taps),
where a tap beyond the map's ends could only have added base positions the end position has already
(checked on K: each of its lines along that axis one interval reaching the base's ends from the map's
ends); elsewhere the top's positions are worked out one by one. A piece every position of which sees the
whole base is WHOLE, and a union with one is again WHOLE: the saturation that ends an SCNN block.

What it does not know (strides, interpolation, several maps along an axis, bottoms of different bases,
work past a limit linear in the net) it leaves to the walks: the blob has no sheet.
"""

from scnn_tools.net.indexmaps import IDENTITY, Piece, Window
from scnn_tools.net.intervals import clip, union

from .planes import Plane, all_axes, links


class Whole:
    """Positions that see every base position; `of`: the shape K they were found in (their line's), if any."""

    __slots__ = ("of",)

    def __init__(self, of=None):
        self.of = of


WHOLE = Whole()


def whole(k):
    return k.__class__ is Whole


# Products above a blob that is no product that a sheet is carried through (beyond, a product is a base of
# its own): enough to reach the slice above an SCNN block's first join, never a backbone.
FLAT_DEPTH = 4
# Bands formed and taps looked at one by one, in all (a base and so many per layer of the net), beyond which
# the pass stops: what is left is the walks'. And the most bands one shape may have.
WORK_BASE = 4000
WORK_PER_LAYER = 50
MAX_BANDS = 64


class Sheet:
    __slots__ = ("base", "pieces", "size", "_single", "_wide")

    def __init__(self, base, pieces, size):
        self.base, self.pieces, self.size = base, pieces, size  # size: (h, w) of the blob
        self._single = None

    def at(self, y, x):
        """WHOLE, or the base positions position (y, x) depends on (a Plane, not yet cut to the base)."""
        if self._single is None:  # (pieces of one position looked up, the others scanned)
            self._single = {(p[0], p[2]): p[4] for p in self.pieces if p[0] == p[1] and p[2] == p[3]}
            self._wide = [p for p in self.pieces if p[0] != p[1] or p[2] != p[3]]
        k = self._single.get((y, x))
        if k is None:
            for y0, y1, x0, x1, piece in self._wide:
                if y0 <= y <= y1 and x0 <= x <= x1:
                    k = piece
                    break
            else:
                return Plane(())
        return k if whole(k) else Plane(_moved(k, y, x).bands)


class _OverWork(Exception):
    pass


def sheets(analysis, wanted, bad):
    """{blob: Sheet} for the blobs in `wanted` (and those they are made from) that a sheet describes; `bad`:
    per blob, None where every position is a product (products.products)."""
    state = _State(analysis, bad)
    wanted = set(wanted)
    last = max(wanted, default=-1)
    out = {}
    # (in graph order, every blob that is no product: a bottom's sheet is there before its top asks, and
    # only products, a few layers up at most, are looked for on the way)
    for blob in range(last + 1):
        if bad[blob] is not None:
            found = state.sheet(blob)
            if found is not None and blob in wanted:
                out[blob] = found
    return out


class _State:
    def __init__(self, analysis, bad):
        self.analysis, self.bad = analysis, bad
        self.axes = all_axes(analysis)
        self.memo = {}
        self.work = WORK_BASE + WORK_PER_LAYER * len(analysis.graph.nodes)

    def extent(self, base):
        shape, axes = self.analysis.shapes.blobs[base], self.axes[base]
        return shape[axes[0]], shape[axes[1]]

    def size(self, blob):
        shape, axes = self.analysis.shapes.blobs[blob], self.axes[blob]
        return shape[axes[0]], shape[axes[1]]

    def sheet(self, blob, depth=0):
        if blob in self.memo:
            return self.memo[blob]
        self.memo[blob] = None  # (a cycle, or a failure on the way: no sheet)
        try:
            found = self._make(blob, depth)
        except _OverWork:
            found = self._own(blob) if self.bad[blob] is None else None
        self.memo[blob] = found
        return found

    def _own(self, blob):
        h, w = self.size(blob)
        return Sheet(blob, [(0, h - 1, 0, w - 1, _ORIGIN)], (h, w))

    def _make(self, blob, depth):
        analysis = self.analysis
        if self.axes[blob] is None:
            return None
        own = self._own(blob)
        producer = analysis.graph.blobs[blob].producer
        if producer is None or blob == analysis.image:
            return own
        node = analysis.graph.nodes[producer]
        reads = links(analysis, producer)[node.tops.index(blob)]
        flat = self.bad[blob] is None
        if not reads:
            return own if flat else None
        maps = reads[0][1] + reads[0][2] if len(reads) == 1 else []
        moved = bool(maps) and all(map(_shift, maps))
        cropped = moved and len(node.tops) == 1 and any(m.__class__ is Window and m.p for m in maps)
        if flat and (cropped or depth >= FLAT_DEPTH):
            # (a product is its own base, unless it is a part of one (a Slice's) or near one: the SCNN block's
            # first message; a Crop's top is its own, its edges the ones its windows meet)
            return own
        if moved and all(m is IDENTITY for m in maps) and reads[0][3:] == self.size(blob):
            below = self.sheet(reads[0][0], depth + 1 if flat else 0)  # (ReLU, BatchNorm: the bottom's sheet)
            return below if below is not None or not flat else own
        mapped, base = [], None
        for bottom, mhs, mws, _, _ in reads:
            below = self.sheet(bottom, depth + 1 if flat else 0)
            if below is None or len(mhs) != 1 or len(mws) != 1 or (base is not None and below.base != base):
                return own if flat else None
            base = below.base
            # (a product's sheet only where it comes whole: looked at one by one, it is cheaper as a base)
            pieces = self._along(below, mws[0], 1, self.size(blob), not flat)
            pieces = pieces and self._along(Sheet(base, pieces, (below.size[0], self.size(blob)[1])), mhs[0], 0,
                                            self.size(blob), not flat)
            if pieces is None:
                return own if flat else None
            mapped.append(pieces)
        if len(reads) == 1 and all(map(_shift, reads[0][1] + reads[0][2])):
            return Sheet(base, mapped[0], self.size(blob))  # (moved positions see what they saw)
        pieces = mapped[0] if len(mapped) == 1 else _overlay(mapped)
        sizes = [_nbands(p[4]) for p in pieces if not whole(p[4])]
        self.charge(len(pieces) + sum(sizes), max(sizes, default=0))
        return Sheet(base, self._saturated(base, pieces), self.size(blob))

    # ---------------------------------------------------------------- one map along one axis
    def _along(self, sheet, m, axis, size, one_by_one=True):
        """The pieces of a top of size `size` that reads `sheet` through map m along `axis` (0: h, 1: w) and
        position for position along the other; None where the map is not one a sheet follows."""
        n_top, n_bot = size[axis], sheet.size[axis]
        if m.__class__ is Piece:
            return _moved_pieces(sheet.pieces, axis, m.start, max(m.start, 0), min(m.start + m.size - 1, n_top - 1))
        if m.__class__ is not Window or m.s != 1:
            return None
        if m.k == 1:
            return _moved_pieces(sheet.pieces, axis, m.p, 0, n_top - 1)
        taps = [t * m.d - m.p for t in range(m.k)]
        out = []
        for cross, spanning in _lines(sheet.pieces, axis, n_bot):
            if spanning is not None and self._keeps(spanning, axis, n_bot, n_top, taps, sheet.base, m.d):
                k = WHOLE if whole(spanning) else _spread(spanning, axis, taps)
                self.charge(0 if whole(k) else len(k.bands), 0 if whole(k) else len(k.bands))
                out.append(_piece(axis, cross, (0, n_top - 1), k))
                continue
            if not one_by_one:
                return None
            self.charge(n_top * (cross[1] - cross[0] + 1) * len(taps))
            for c in range(cross[0], cross[1] + 1):
                for o in range(n_top):
                    out.append(_piece(axis, (c, c), (o, o), self._one(sheet, axis, c, o, taps, n_bot)))
        return out

    def _keeps(self, k, axis, n_bot, n_top, taps, base, d):
        """One piece spanning the axis gives one piece: every top position has a tap inside the map, and a tap
        beyond its ends would add nothing (each line of K along the axis one interval that reaches the base's
        first line from position 0 and its last from position n - 1)."""
        if not all(taps[0] + o <= n_bot - 1 and taps[-1] + o >= 0 for o in (0, n_top - 1)):
            return False
        if whole(k):
            return True
        if d != 1:
            return False
        last = self.extent(base)[axis] - 1
        return all(lo <= 0 and hi + n_bot - 1 >= last for lo, hi in _lines_of(k, axis))

    def charge(self, units, bands=0):
        """Bands formed (and taps looked at one by one) count against the pass's work; a shape of more than
        MAX_BANDS bands is more than a sheet is for (a block over a large map: the walks' bound)."""
        self.work -= units
        if self.work < 0 or bands > MAX_BANDS:
            raise _OverWork()

    def _one(self, sheet, axis, c, o, taps, n_bot):
        """A top position's set from its taps inside the map, one by one."""
        items = []
        for t in taps:
            i = o + t
            if 0 <= i < n_bot:
                y, x = (i, c) if axis == 0 else (c, i)
                k = sheet.at(y, x)
                if whole(k):
                    return WHOLE
                items.extend(k.bands)
        self.charge(len(items))
        y, x = (o, c) if axis == 0 else (c, o)
        return _moved(Plane.of(items), -y, -x)

    def _saturated(self, base, pieces):
        """Pieces whose positions see the whole base marked WHOLE (split where only some of them do)."""
        height, width = self.extent(base)
        out, found = [], {}
        for y0, y1, x0, x1, k in pieces:
            if whole(k) or not k or y0 != y1 or not _may_cover(k, height, width):
                out.append((y0, y1, x0, x1, k))
                continue
            if (id(k), y0) not in found:
                found[id(k), y0] = _covering_columns(k, y0, height, width)
            a, b = found[id(k), y0]
            a, b = max(a, x0), min(b, x1)
            if a > b:
                out.append((y0, y1, x0, x1, k))
                continue
            out += [p for p in ((y0, y1, x0, a - 1, k), (y0, y1, a, b, Whole(k)), (y0, y1, b + 1, x1, k))
                    if p[2] <= p[3]]
        return _merged(out)


_ORIGIN = Plane(((0, 0, ((0, 0),)),))


def _shift(m):
    return m.__class__ is Piece or (m.__class__ is Window and m.s == 1 and m.k == 1)


class _Moved:
    """A plane moved by (dy, dx), its bands formed on first use (most moved shapes of an SCNN block's slices
    are never read one by one)."""

    __slots__ = ("plane", "dy", "dx", "_bands")

    def __init__(self, plane, dy, dx):
        self.plane, self.dy, self.dx, self._bands = plane, dy, dx, None

    @property
    def bands(self):
        if self._bands is None:
            dy, dx = self.dy, self.dx
            self._bands = tuple((r0 + dy, r1 + dy, tuple((a + dx, b + dx) for a, b in cols))
                                for r0, r1, cols in self.plane.bands)
        return self._bands

    def __bool__(self):
        return bool(self.plane.bands)

    def box(self):
        box = self.plane.box()
        if box is None:
            return None
        (r0, r1), (c0, c1) = box
        return (r0 + self.dy, r1 + self.dy), (c0 + self.dx, c1 + self.dx)


def _nbands(plane):
    """How many bands a plane has (a moved one's without forming them)."""
    return len(plane.plane.bands if plane.__class__ is _Moved else plane.bands)


def _moved(plane, dy, dx):
    """A plane moved by (dy, dx) (formed when it is read)."""
    if not dy and not dx:
        return plane
    if plane.__class__ is _Moved:
        return _Moved(plane.plane, plane.dy + dy, plane.dx + dx)
    return _Moved(plane, dy, dx)


def _piece(axis, cross, along, k):
    (c0, c1), (o0, o1) = cross, along
    return (c0, c1, o0, o1, k) if axis == 1 else (o0, o1, c0, c1, k)


def _moved_pieces(pieces, axis, offset, lo, hi):
    """Bottom pieces seen from a top whose position o reads bottom position o - offset along `axis`, for top
    positions lo..hi (elsewhere the top reads nothing from them)."""
    out = []
    first, last = (0, 1) if axis == 0 else (2, 3)
    for piece in pieces:
        a, b = max(piece[first] + offset, lo), min(piece[last] + offset, hi)
        if a > b:
            continue
        y0, y1, x0, x1, k = piece
        if whole(k):
            k = k if not offset else WHOLE  # (the shape it was split from is only wanted where it stays put)
        elif offset:
            k = _moved(k, -offset, 0) if axis == 0 else _moved(k, 0, -offset)
        out.append((a, b, x0, x1, k) if axis == 0 else (y0, y1, a, b, k))
    return out


def _lines(pieces, axis, n):
    """The pieces grouped by their extent across `axis`: (cross range, the one piece spanning 0..n-1 along
    the axis there, or None), the cross ranges cut where pieces start or end."""
    cuts = sorted({e for p in pieces for e in ((p[2], p[3] + 1) if axis == 0 else (p[0], p[1] + 1))})
    out = []
    for lo, nxt in zip(cuts, cuts[1:]):
        here = [p for p in pieces if (p[2] if axis == 0 else p[0]) <= lo <= (p[3] if axis == 0 else p[1])]
        if not here:
            continue
        out.append(((lo, nxt - 1), _spanning(here, axis, n)))
    return out


def _spanning(here, axis, n):
    """The one shape of pieces that tile 0..n-1 along `axis` (WHOLE where all are; a piece split off a shape
    because it sees everything counts as that shape), else None."""
    ends = sorted((p[0], p[1]) if axis == 0 else (p[2], p[3]) for p in here)
    if ends[0][0] != 0 or ends[-1][1] != n - 1 or any(b[0] != a[1] + 1 for a, b in zip(ends, ends[1:])):
        return None
    if all(whole(p[4]) for p in here):
        return WHOLE
    shapes = {id(_shape(p[4])): _shape(p[4]) for p in here}
    return next(iter(shapes.values())) if len(shapes) == 1 else None


def _shape(k):
    return k.of if whole(k) else k


def _lines_of(k, axis):
    """(first, last) of each line of K along `axis`; a line that is not one interval gives (1, -1), which
    no check passes."""
    if axis == 1:
        return [(cols[0][0], cols[-1][1]) if len(cols) == 1 else (1, -1) for _, _, cols in k.bands]
    columns = union(cols for _, _, cols in k.bands)
    out = []
    for a, b in columns:
        rows = [(r0, r1) for r0, r1, cols in k.bands if any(c0 <= a and b <= c1 for c0, c1 in cols)]
        split = any(rows[j][0] != rows[j - 1][1] + 1 for j in range(1, len(rows)))
        parts = any(any(c0 <= a <= c1 or c0 <= b <= c1 for c0, c1 in cols) and
                    not any(c0 <= a and b <= c1 for c0, c1 in cols) for _, _, cols in k.bands)
        out.append((1, -1) if split or parts or not rows else (rows[0][0], rows[-1][1]))
    return out


def _spread(k, axis, taps):
    """K widened by the taps along `axis`."""
    if axis == 1:
        return Plane(tuple((r0, r1, union(((a + taps[0], b + taps[-1]),) if _dense(taps) else
                                          tuple((a + t, b + t) for t in taps) for a, b in cols))
                           for r0, r1, cols in k.bands))
    return Plane.of([(r0 + t, r1 + t, cols) for t in taps for r0, r1, cols in k.bands])


def _dense(taps):
    return all(b - a == 1 for a, b in zip(taps, taps[1:]))


def _overlay(mapped):
    """The union of several reads' pieces: the positions cut where any piece starts or ends, each cell the
    union of the shapes over it (one object for cells with the same shapes, so that a window after sees one
    piece where it can)."""
    pieces = [p for ps in mapped for p in ps if whole(p[4]) or p[4]]
    if pieces and all(p[:4] == pieces[0][:4] for p in pieces[1:]):  # (reads alike: a sum of equal maps)
        shapes = [_shape(p[4]) for p in pieces]
        if any(k is None for k in shapes):
            return [pieces[0][:4] + (WHOLE,)]
        k = Plane.of([b for k in shapes for b in k.bands])
        return [pieces[0][:4] + (Whole(k) if any(whole(p[4]) for p in pieces) else k,)]
    rows = sorted({e for p in pieces for e in (p[0], p[1] + 1)})
    out, unions = [], {}
    for y0, ynext in zip(rows, rows[1:]):
        here = [p for p in pieces if p[0] <= y0 <= p[1]]
        cols = sorted({e for p in here for e in (p[2], p[3] + 1)})
        for x0, xnext in zip(cols, cols[1:]):
            over = [p[4] for p in here if p[2] <= x0 <= p[3]]
            if not over:
                continue
            shapes = [_shape(k) for k in over]
            if any(k is None for k in shapes):
                k = WHOLE
            else:
                key = tuple(id(k) for k in shapes)
                if key not in unions:
                    unions[key] = shapes[0] if len(shapes) == 1 else Plane.of([b for k in shapes for b in k.bands])
                k = Whole(unions[key]) if any(map(whole, over)) else unions[key]
            out.append((y0, ynext - 1, x0, xnext - 1, k))
    return out


def _merged(pieces):
    """Neighbouring WHOLE pieces of the same extent across joined (a column of them after an SCNN pass, so
    that the next window sees one piece)."""
    out = []
    for p in sorted(pieces, key=lambda p: (p[2], p[3], p[0])):
        if out and whole(p[4]) and whole(out[-1][4]) and out[-1][2:4] == p[2:4] and out[-1][1] + 1 == p[0]:
            out[-1] = (out[-1][0], p[1], p[2], p[3], WHOLE)
        else:
            out.append(p)
    return out


def _may_cover(k, height, width):
    box = k.box()
    return box[0][1] - box[0][0] + 1 >= height and box[1][1] - box[1][0] + 1 >= width


def _covering_columns(k, y, height, width):
    """The positions x for which row y's set, (y, x) + K cut to the base, is the whole base: (first, last)."""
    lo, hi = float("-inf"), float("inf")
    need = y  # (base row r is K's row r - y)
    covered = 0
    for r0, r1, cols in k.bands:
        a, b = max(r0 + need, 0), min(r1 + need, height - 1)
        if a > b:
            continue
        if len(cols) != 1:
            return 1, 0
        covered += b - a + 1
        c0, c1 = cols[0]
        lo, hi = max(lo, width - 1 - c1), min(hi, -c0)
    if covered != height:
        return 1, 0
    return lo, hi


def pixels(analysis, base, plane, cache):
    """The image pixels base positions `plane` (WHOLE: all) depend on (the base is a product: each band gives
    one), cut to the base first."""
    axes = all_axes(analysis)[base]
    shape = analysis.shapes.blobs[base]
    plane = Plane(((0, shape[axes[0]] - 1, ((0, shape[axes[1]] - 1),)),)) if whole(plane) else \
        plane.cut(shape[axes[0]], shape[axes[1]])
    if base == analysis.image:
        return plane
    real = analysis.real[base].axes
    extent = analysis.image_extent()
    items = []
    rows_of = (base, 0, real[axes[0]][1], extent["h"] - 1)
    cols_of = (base, 1, real[axes[1]][1], extent["w"] - 1)
    for r0, r1, cols in plane.bands:
        rows = _axis_union(rows_of, r0, r1, cache)
        columns = union(_axis_union(cols_of, a, b, cache) for a, b in cols)
        items += [(a, b, columns) for a, b in rows]
    return Plane.of(items)


def _axis_union(axis, lo, hi, cache):
    """The union of one axis's sets at positions lo..hi, cut to the image (`axis`: base, axis number, field,
    last pixel): of aligned blocks of 2^j positions, each formed once (a base's rows are asked for in many
    overlapping stretches)."""
    found = cache.get((axis[0], axis[1], lo, hi, None))
    if found is not None:
        return found
    parts, o = [], lo
    while o <= hi:
        size = 1
        while o % (size * 2) == 0 and o + size * 2 - 1 <= hi:
            size *= 2
        parts.append(_block(axis, o, size, cache))
        o += size
    found = cache[axis[0], axis[1], lo, hi, None] = parts[0] if len(parts) == 1 else union(parts)
    return found


def _block(axis, start, size, cache):
    key = (axis[0], axis[1], start, size)
    found = cache.get(key)
    if found is None:
        if size == 1:
            found = clip(axis[2].at(start), 0, axis[3])
        else:
            half = size // 2
            found = union((_block(axis, start, half, cache), _block(axis, start + half, half, cache)))
        cache[key] = found
    return found

"""Which blobs' 2-D fields are products of their per-axis fields, and the area and overlap of those that are
not.

The per-axis sets (fields.py) give a feature's 2-D set as H(y) x W(x). A
layer reading one bottom through a window on each axis keeps a product a
product: the union of products H(i) x W(j) over a product of taps is the
product of the unions. Where several bottoms join, the union of their
products is one only in cases this pass proves position by position on the
real sets (which area and overlap count):

- one bottom's sets hold every other's along both axes (a residual sum,
  an Inception concat of branches centred alike): the union is that one;
- every bottom's sets are the same along one axis (the parts of a Concat
  along h that all see the same columns, the rows of a Slice put back):
  the union along the other axis times that one.

A residual branch that keeps each position's own tap is shown to hold its
shortcut from the layers alone, without looking at a position.

Anything else is "not a product" from that blob on: its area and overlap
come from every position's 2-D set carried forward (sheets.py), else from
the backward walk (planes.py) from the centre and its neighbour while a work
budget linear in the net lasts, else are unknown, with the per-axis product
as a bound (the 2-D set lies within H x W).
"""

from math import sqrt

from scnn_tools.errors import warning
from scnn_tools.net.indexmaps import IDENTITY, Window
from scnn_tools.net.intervals import clip, clip_to, union
from .fields import _keeps, _one_interval, covers
from .parts import box_formulas
from .sheets import WHOLE, pixels, sheets, whole
from .planes import OverBudget, Plane, _points, all_axes, axes_of, backward, image_plane, links, point

# Bands the backward walks of one analysis may look at: in all (a base and so many per layer of the net, which
# keeps an analysis linear in the net, its cost a few per cent), and in one walk (so that one long walk leaves
# the budget to the short ones after it).
BUDGET_BASE = 400
BUDGET_PER_LAYER = 0.25
BUDGET_PER_WALK = 400
# Positions x bottoms a join's product check may look at one by one before it says "not a product" (beyond,
# only what it sees without looking at each position).
CHECK_LIMIT = 2048


ALL = "all"  # (every position of a blob may be no product)


def products(analysis):
    """(bad, first): per blob, the positions whose real 2-D set may not be the product of the per-axis real
    sets there: None for none (and for blobs not traced on both axes), ALL, or a Plane of positions; and the
    first node whose top has such positions while its bottoms have none (None where there is none)."""
    graph = analysis.graph
    bad = [None] * len(analysis.traced)
    first = None
    axes = all_axes(analysis)
    for node in graph.nodes:
        if len(node.bottoms) == 1 and axes[node.bottoms[0]] is not None and node.index in analysis.deps:
            # (one bottom: a top traced on both axes took each from the same axis of that bottom, and a
            # window over products is a product: only positions reading a bad one are bad)
            below = bad[node.bottoms[0]]
            if below is ALL:
                for top in node.tops:
                    if axes[top] is not None and top != analysis.image:
                        bad[top] = ALL
            elif below is not None:
                for top, reads in zip(node.tops, links(analysis, node.index)):
                    if axes[top] is not None and top != analysis.image:
                        bad[top] = ALL if not reads else _carried(analysis, top, reads[0], below)
            continue
        for top, reads in zip(node.tops, links(analysis, node.index)):
            if top == analysis.image or axes[top] is None:
                continue
            if reads is None:
                bad[top] = ALL
            elif any(bad[read[0]] is not None for read in reads):
                # (a position reading a bad one is bad; the others read products, which the join check settles:
                # ENet's edge rows stay edge rows through the residual sums after them)
                bad[top] = _past_bad(analysis, top, reads, bad)
            elif len(reads) > 1:
                bad[top] = _join(analysis, top, reads)
                if bad[top] is not None and first is None:
                    first = node  # (its bottoms are products: here fields stop being products)
            if reads is None and first is None:
                first = node
    return bad, first


def _past_bad(analysis, top, reads, bad):
    """The positions of a top some of whose bottoms have bad positions: those reading one, and those where the
    products it reads do not join into one."""
    carried = [_carried(analysis, top, read, bad[read[0]]) for read in reads]
    if any(c is ALL for c in carried):
        return ALL
    carried = _whole_or(analysis, top,
                        Plane.of([band for plane in carried if plane is not None for band in plane.bands]))
    if carried is ALL or len(reads) == 1:
        return carried or None
    joined = _join(analysis, top, reads)
    if joined is ALL:
        return ALL
    return Plane.of(carried.bands + joined.bands if joined is not None else carried.bands) or None


def _whole_or(analysis, blob, plane):
    """ALL where a plane of a blob's positions holds them all (no need to look at each again), else the plane."""
    axes, shape = axes_of(analysis, blob), analysis.shapes.blobs[blob]
    if plane.bands == ((0, shape[axes[0]] - 1, ((0, shape[axes[1]] - 1),)),):
        return ALL
    return plane


def _carried(analysis, top, read, below):
    """The top positions that read a bad position of one bottom (ALL stays ALL)."""
    if below is None or below is ALL:
        return below
    bottom, mhs, mws, _, _ = read
    shape, taxes = analysis.shapes.blobs[top], axes_of(analysis, top)
    cache, items = {}, []
    for r0, r1, cols in below.bands:
        if cols not in cache:
            cache[cols] = union(_readers(mws, c0, c1, shape[taxes[1]]) for c0, c1 in cols)
        if cache[cols]:
            items += [(a, b, cache[cols]) for a, b in _readers(mhs, r0, r1, shape[taxes[0]])]
    return Plane.of(items)


def _readers(maps, lo, hi, n, exact=False):
    """The top positions 0..n-1 some of whose taps lie in bottom positions lo..hi (a window: those its span
    meets, holes or not: too many is safe where bad positions are carried; `exact`: those a tap lands in)."""
    out = []
    for m in maps:
        if m.__class__ is Window and m.s >= 1 and not (exact and m.d > 1 and m.k > 1):
            a, b = max(-((-(lo + m.p - (m.k - 1) * m.d)) // m.s), 0), min((hi + m.p) // m.s, n - 1)
            out.append(((a, b),) if a <= b else ())
        else:
            out.append(_points(o for o in range(n) if any(lo <= i <= hi for i in m.taps(o))))
    return union(out)


def _join(analysis, top, reads):
    """The positions of a join whose union of products is not shown to be one: None, ALL or a Plane. A
    position is a product where one bottom's sets hold every other's along both axes there, or all are
    equal along one axis there."""
    taxes = axes_of(analysis, top)
    shape, extent = analysis.shapes.blobs[top], analysis.image_extent()
    sizes = [shape[taxes[0]], shape[taxes[1]]]
    if _nested_by_chain(analysis, reads, sizes):
        return None
    if any(_alike(analysis, reads, k, sizes[k], extent["hw"[k]]) for k in (0, 1)):
        return None  # (equal along one axis: the union along the other times it)
    if sum(sizes) * len(reads) > CHECK_LIMIT:
        return ALL  # (too many positions to look at each: "not a product", which is never wrong)
    sets = [[_contributions(analysis, bottom, axes_of(analysis, bottom)[k], maps[k], sizes[k], extent["hw"[k]] - 1)
             for bottom, *maps, _, _ in reads] for k in (0, 1)]
    # Most joins are settled whole: one bottom holds the others everywhere (the widest at the centre, a
    # residual block's branch, first), or all are equal along one axis.
    centre = [sizes[0] // 2, sizes[1] // 2]
    order = sorted(range(len(reads)), key=lambda j: -sum(_span(sets[k][j][centre[k]]) for k in (0, 1)))
    for d in order:
        if all(_holds(sets[k][d], sets[k][j]) for k in (0, 1) for j in range(len(reads)) if j != d):
            return None
    if any(all(sets[k][j] == sets[k][0] for j in range(1, len(reads))) for k in (0, 1)):
        return None
    # Per position along each axis: which bottoms hold all the others there (a bit each), or None where all
    # are equal (then the whole line across is a product).
    masks = [[], []]
    for k in (0, 1):
        for o in range(sizes[k]):
            here = [per_read[o] for per_read in sets[k]]
            if all(h == here[0] for h in here[1:]):
                masks[k].append(None)
                continue
            masks[k].append(sum(1 << d for d in range(len(here)) if all(_holds([here[d]], [h]) for h in here)))
    rows, cols = _grouped(masks[0]), _grouped(masks[1])
    items = [(a, b, c) for mh, r in rows.items() for mw, c in cols.items() if not mh & mw for a, b in r]
    return Plane.of(items) or None


# Single-bottom layers a join's nesting check climbs from one bottom to find the others (a residual branch's).
CHAIN_LIMIT = 16


def _nested_by_chain(analysis, reads, sizes):
    """One bottom is reached from each other through layers of one bottom that read, at every position, that
    same position among others (a same-size window holding its centre tap: a residual branch's convolution,
    BatchNorm, ReLU), all read position for position: then its set holds theirs everywhere, without looking
    at a position."""
    if any(mhs != [IDENTITY] or mws != [IDENTITY] or [nh, nw] != sizes for _, mhs, mws, nh, nw in reads):
        return False
    # (the latest bottom is the branch, if any is: blobs are numbered in graph order, so the climb stops as
    # soon as it has passed the others)
    big, *others = sorted({read[0] for read in reads}, reverse=True)
    if not others:
        return True  # (one blob read position for position, however often: its own sets)
    memo = analysis.__dict__.setdefault("_own_step", {})
    blob, others = big, set(others)
    for _ in range(CHAIN_LIMIT):
        if blob not in memo:
            memo[blob] = _own_step(analysis, blob)
        blob = memo[blob]
        if blob is None or blob < min(others):
            return False
        others.discard(blob)
        if not others:
            return True
    return False


def _own_step(analysis, blob):
    """The bottom of the one-bottom layer that made `blob`, where it reads along h and w, position for position
    of the same size, windows that keep each position's own tap (else None). From the layer's deps: cheaper
    than its 2-D links, which most layers of a residual net never need."""
    graph = analysis.graph
    producer = graph.blobs[blob].producer
    if producer is None or blob == analysis.image:
        return None
    node = graph.nodes[producer]
    deps = analysis.deps.get(producer)
    if deps is None or len(node.bottoms) != 1:
        return None
    bottom = node.bottoms[0]
    axes = all_axes(analysis)
    taxes, baxes = axes[blob], axes[bottom]
    if baxes is None:
        return None
    per_axis = deps[0] if len(node.tops) == 1 else deps[node.tops.index(blob)]
    shape, below = analysis.shapes.blobs[blob], analysis.shapes.blobs[bottom]
    for axis, items in per_axis.items():
        k = 0 if axis == taxes[0] else 1 if axis == taxes[1] else None
        own = False
        for _, ba, m in items:
            if k is None:
                if ba in baxes:
                    return None  # (an image axis read into another axis)
            elif ba != baxes[k]:
                return None
            elif m.__class__ is Window and m.s == 1 and m.d >= 1 and m.p % m.d == 0 and 0 <= m.p // m.d < m.k:
                own = True  # (a window whose taps at o hold o itself)
        if k is not None and (not own or shape[axis] != below[baxes[k]]):
            return None
    return bottom if taxes[0] in per_axis and taxes[1] in per_axis else None


def _grouped(masks):
    """{mask: interval set of the positions with it}, lines all equal (None) left out."""
    out = {}
    for o, mask in enumerate(masks):
        if mask is not None:
            out.setdefault(mask, []).append(o)
    return {mask: _points(positions) for mask, positions in out.items()}


def _span(s):
    return s[-1][1] - s[0][0] + 1 if s else 0


def _alike(analysis, reads, k, size, extent):
    """Every bottom's sets along axis k (0: h, 1: w) are the same at every top position, seen without looking
    at each: each read position for position from a bottom of the same size, and the bottoms' real fields
    one and the same, or each holding the whole image axis at every position (after an SCNN pass)."""
    fields = []
    for bottom, *maps, nh, nw in reads:
        if maps[k] != [IDENTITY] or (nh, nw)[k] != size:
            return False
        fields.append(analysis.real[bottom].axes[axes_of(analysis, bottom)[k]][1])
    if all(f is fields[0] for f in fields[1:]):
        return True
    whole = ((0, extent - 1),)
    if any(clip_to(f.at(size // 2), extent - 1) != whole for f in fields):
        return False  # (one look at the centre settles most: it does not see the whole axis)
    memo = analysis.__dict__.setdefault("_covers", {})
    for f in fields:
        key = (id(f), size, extent)
        if key not in memo:
            memo[key] = covers(f, size, extent)
        if not memo[key]:
            return False
    return True


def _contributions(analysis, bottom, axis, maps, size, last):
    """The real sets (cut to the image) that each top position 0..size-1 reads from one bottom axis."""
    field = analysis.real[bottom].axes[axis][1]
    n = analysis.shapes.blobs[bottom][axis]
    out = []
    if maps == [IDENTITY] and n == size:
        if _one_interval(field, size):  # (each set its box: the boxes' formulas, not a set per position)
            out = [()] * size
            for qa, qb, r, t, a0, a1, b0, b1 in box_formulas(field, size):
                for q in range(qa, qb + 1):
                    lo, hi = max(a0 + a1 * q, 0), min(b0 + b1 * q, last)
                    if lo <= hi:
                        out[r + q * t] = ((lo, hi),)
            return out
        return [clip_to(field.at(o), last) for o in range(size)]
    for o in range(size):
        taps = [i for m in maps for i in m.taps(o) if 0 <= i < n]
        out.append(clip(field.at(taps[0]), 0, last) if len(taps) == 1 else
                   clip(union(field.at(i) for i in taps), 0, last))
    return out


def _holds(big, small):
    """Each of `small`'s sets lies within `big`'s at the same position."""
    for s, b in zip(small, big):
        if s == b or not s:
            continue
        if len(b) == 1:
            if s[0][0] < b[0][0] or s[-1][1] > b[0][1]:
                return False
        elif union((s, b)) != b:
            return False
    return True


# ------------------------------------------------------------- area and overlap where not a product
class Planar:
    """The exact scale of the blobs that are not products, worked out once for the whole net in graph order
    (so that which blobs the budget reaches never depends on what was asked first).

    Saturation makes most of an SCNN block cheap: a feature that depends on every image pixel makes every
    feature reading it depend on every pixel, whatever else joins there. Per blob, `whole` holds the
    positions known to (carried forward from the bottoms', and the centres the walks found so); a centre
    and neighbour among them need no walk, and a walk that reaches one stops."""

    def __init__(self, analysis):
        self.bad, self.first = products(analysis)
        axes = all_axes(analysis)
        # Per blob: True where every position's set is a product, False where some may not be (None: no 2-D field).
        self.flat = [None if a is None else b is None for a, b in zip(axes, self.bad)]
        self.values = {}  # blob -> {'area', 'width', 'overlap'} or None (over the budget)
        self.bounded = []  # the blobs left with a bound
        self.whole = [None] * len(self.flat)
        # (and positions beyond a blob's ends whose set on the unbounded plane, cut to the image, is every pixel:
        # the next feature of a map one position wide, which the walks of the next such map reach)
        self.beyond = [None] * len(self.flat)
        self._left = BUDGET_BASE + BUDGET_PER_LAYER * len(analysis.graph.nodes)
        self.sheets = sheets(analysis, [b for b, flat in enumerate(self.flat) if flat is False and
                                        not _product_at_centre(analysis, b, self.bad[b])], self.bad)
        self._pixels, self._everything = {}, {}
        self._analysis, self._image = analysis, analysis.image
        origins, found, later = {}, {}, []
        for blob, flat in enumerate(self.flat):
            if flat is not False:
                continue
            sheet = self.sheets.get(blob)
            if sheet is not None:
                self.whole[blob] = self._whole_in(analysis, sheet)
            elif self._left > 0:  # (what is known to see every pixel only serves the walks)
                self.whole[blob] = _whole_from(analysis, blob, self)
            if _product_at_centre(analysis, blob, self.bad[blob]):
                continue
            origins[blob] = _origin(analysis, blob, origins)
            if sheet is None:
                self._settle(analysis, blob, origins[blob], found)
                continue
            origin = origins[blob]
            shared = self.values.get(origin) if origin != blob and self.sheets.get(origin) is sheet else None
            self.values[blob] = dict(shared) if shared is not None else self._from_sheet(analysis, blob, sheet)
            if self.values[blob]["overlap"] is None:
                later.append(blob)  # (its overlap from the walks, after the areas, while the budget lasts)
        for blob in later:
            self._settle(analysis, blob, origins[blob], found)
        self.bounded.sort()

    def settled(self, blob, plane):
        """A product's pixels for a walk that reaches it (its per-axis sets: no need to walk on)."""
        if self.flat[blob] is not True or blob == self._image:
            return None
        return pixels(self._analysis, blob, plane, self._pixels)

    def _whole_area(self, analysis, base):
        """How many pixels the whole of a base depends on (remembered)."""
        if base not in self._everything:
            self._everything[base] = pixels(analysis, base, WHOLE, self._pixels).count()
        return self._everything[base]

    def _whole_in(self, analysis, sheet):
        """The positions a sheet says see every image pixel."""
        if self._whole_area(analysis, sheet.base) != image_plane(analysis).count():
            return None
        return Plane.of([(y0, y1, ((x0, x1),)) for y0, y1, x0, x1, k in sheet.pieces if whole(k)]) or None

    def _from_sheet(self, analysis, blob, sheet):
        """The centre's area from the sheet, and the overlap with the next feature's set (a map one position
        wide has none in the sheet: its overlap is the unbounded plane's continuation's, unknown here)."""
        axes, shape = axes_of(analysis, blob), analysis.shapes.blobs[blob]
        cy, cx = (shape[axes[0]] - 1) // 2, (shape[axes[1]] - 1) // 2
        if whole(sheet.at(cy, cx)) and (shape[axes[1]] == 1 or whole(sheet.at(cy, cx + 1))):
            area = self._whole_area(analysis, sheet.base)  # (saturated: most of an SCNN block)
            return {"area": area, "width": sqrt(area), "overlap": 1.0 if shape[axes[1]] > 1 else None}
        here = pixels(analysis, sheet.base, sheet.at(cy, cx), self._pixels)
        area = here.count()
        overlap = None
        if shape[axes[1]] > 1:
            there = pixels(analysis, sheet.base, sheet.at(cy, cx + 1), self._pixels)
            overlap = here.common(there) / area if area else 0.0
        return {"area": area, "width": sqrt(area), "overlap": overlap}

    def _settle(self, analysis, blob, origin, found):
        known = self.values.get(blob)
        if known is not None:  # (a sheet's area, its overlap wanted: the walk's, or unknown past the budget)
            if self._left > 0 and origin not in found:
                found[origin], spent = _exact(analysis, origin, min(self._left, BUDGET_PER_WALK), self)
                self._left -= spent
            walked = found.get(origin)
            if walked is not None:
                known["overlap"] = walked["overlap"]
            return
        if origin not in found and self._left <= 0:
            found[origin] = None  # (past the budget: a bound, even where it shares an earlier blob's sets)
        if origin not in found:
            found[origin], spent = _exact(analysis, origin, min(max(self._left, 0), BUDGET_PER_WALK), self)
            self._left -= spent
        self.values[blob] = found[origin]
        if origin != blob:
            self.beyond[blob] = self.beyond[origin]
        if self.values[blob] is None:
            self.bounded.append(blob)

    def whole_of(self, analysis, blob):
        """The blob's positions known to depend on every image pixel: a product blob's, where its per-axis sets
        each hold the whole image axis at every position (all of them), else those found (a Plane or None)."""
        if self.flat[blob] is not True:
            return self.whole[blob]
        if self.whole[blob] is None:
            self.whole[blob] = _covering(analysis, blob)
        return self.whole[blob]

    def product(self, blob):
        """The blob's area and overlap are its per-axis sets' (no 2-D count needed)."""
        return blob not in self.values

    def warnings(self, analysis):
        if not self.bounded or self.first is None:
            return []
        node = self.first
        name = analysis.graph.blobs[self.bounded[0]].name
        return [warning(
            "field-not-product", f"from layer '{node.name}' ({node.type}) on, a feature's 2-D field is not the "
            f"product of its per-axis fields (paths of different shapes join), and working it out for every blob "
            f"would cost more than the net's size allows: the area, width and overlap of {len(self.bounded)} "
            f"blob(s), from '{name}' on, are given only as a bound (area_at_most); `query` gives any one "
            "position's pixels exactly", layer=node.name, line=node.line)]


_NONE = Plane(())


def _covering(analysis, blob):
    """All of a product blob's positions where its real sets hold the whole image along both axes, else none."""
    extent = analysis.image_extent()
    shape, taxes = analysis.shapes.blobs[blob], axes_of(analysis, blob)
    real = analysis.real[blob].axes
    memo = analysis.__dict__.setdefault("_covers", {})
    for k in (0, 1):
        field, size, ext = real[taxes[k]][1], shape[taxes[k]], extent["hw"[k]]
        key = (id(field), size, ext)
        if key not in memo:
            memo[key] = covers(field, size, ext)
        if not memo[key]:
            return _NONE
    return Plane(((0, shape[taxes[0]] - 1, ((0, shape[taxes[1]] - 1),)),))


def _whole_from(analysis, blob, planar):
    """The positions of a blob that read a position of a bottom known to depend on every pixel (exactly those:
    a window's holes read nothing)."""
    producer = analysis.graph.blobs[blob].producer
    if producer is None or blob == analysis.image:
        return None
    node = analysis.graph.nodes[producer]
    reads = links(analysis, producer)[node.tops.index(blob)]
    if not reads:
        return None
    shape, taxes = analysis.shapes.blobs[blob], axes_of(analysis, blob)
    items = []
    for bottom, mhs, mws, _, _ in reads:
        known = planar.whole_of(analysis, bottom) if axes_of(analysis, bottom) is not None else None
        if not known:
            continue
        cache = {}
        for r0, r1, cols in known.bands:
            if cols not in cache:
                cache[cols] = union(_readers(mws, c0, c1, shape[taxes[1]], exact=True) for c0, c1 in cols)
            if cache[cols]:
                items += [(a, b, cache[cols]) for a, b in _readers(mhs, r0, r1, shape[taxes[0]], exact=True)]
    return Plane.of(items) or None


def _product_at_centre(analysis, blob, bad):
    """The centre feature and the next along w (what area and overlap count) are products, though others are
    not (ENet's edge rows, where a branch reads only padding)."""
    if bad is ALL:
        return False
    axes, shape = axes_of(analysis, blob), analysis.shapes.blobs[blob]
    if shape[axes[1]] < 2:
        return False  # (its next feature is the plane's continuation: counted in 2-D)
    cy, cx = (shape[axes[0]] - 1) // 2, (shape[axes[1]] - 1) // 2
    return not bad.holds(cy, cx) and not bad.holds(cy, cx + 1)


def _origin(analysis, blob, origins):
    """The blob whose 2-D sets a blob shares: back through layers that read one bottom of the same size
    position for position (ReLU, BatchNorm, an in-place chain, a 1x1 convolution). `origins`: those of earlier
    blobs."""
    producer = analysis.graph.blobs[blob].producer
    if producer is None or blob == analysis.image:
        return blob
    node = analysis.graph.nodes[producer]
    if len(node.bottoms) != 1:
        return blob
    reads = links(analysis, producer)[node.tops.index(blob)]
    if not reads:
        return blob
    bottom, mhs, mws, nh, nw = reads[0]
    axes, shape = axes_of(analysis, blob), analysis.shapes.blobs[blob]
    if len(mhs) != 1 or len(mws) != 1 or not (_keeps(mhs[0]) and _keeps(mws[0])) or \
            (nh, nw) != (shape[axes[0]], shape[axes[1]]):
        return blob
    return origins.get(bottom, bottom)


def _exact(analysis, blob, budget, planar):
    """({'area', 'width', 'overlap'} of the centre feature from its 2-D sets, or None past the budget or where
    a layer's reading is not known in 2-D; the bands spent). The centre and its neighbour join the blob's
    `whole` positions where they depend on every pixel."""
    axes = axes_of(analysis, blob)
    shape = analysis.shapes.blobs[blob]
    cy, cx = (shape[axes[0]] - 1) // 2, (shape[axes[1]] - 1) // 2
    wide = shape[axes[1]] > 1  # (one position along w has no next feature: the plane's continuation's)
    walks = [(cx, True), (cx + 1, wide)] + ([] if wide else [(cx, False)])
    known, everything = planar.whole[blob], image_plane(analysis)
    found, spent = [], 0
    for x, real in walks:
        if known and (real or x < shape[axes[1]]) and known.holds(cy, x):
            found.append(everything)  # (the plane's set of a position holds its real set)
            continue
        terminals = (planar.whole,) if real else (planar.whole, planar.beyond)
        try:
            plane, cost = backward(analysis, blob, point(cy, x), real, budget - spent, terminals, planar.settled)
        except OverBudget:
            return None, budget
        spent += cost
        if plane is None:
            return None, spent
        found.append(plane)
    here, there, mine = found[0], found[1], found[2 if not wide else 0]
    total = everything.count()
    fresh = [(cy, x) for (x, real), plane in zip(walks, found) if real and plane.count() == total]
    if fresh:
        planar.whole[blob] = Plane.of([(y, y, ((x, x),)) for y, x in fresh] + list(known.bands if known else ()))
    if not wide and there.count() == total:
        planar.beyond[blob] = point(cy, cx + 1)
    if not wide:
        extent = analysis.image_extent()
        mine, there = mine.cut(extent["h"], extent["w"]), there.cut(extent["h"], extent["w"])
    area = here.count()
    overlap = mine.common(there) / mine.count() if mine else 0.0
    return {"area": area, "width": sqrt(area), "overlap": overlap}, spent

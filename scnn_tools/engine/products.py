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

Anything else is "not a product" from that blob on: its area and overlap
are the backward walk's (planes.py) from the centre and its neighbour
while a work budget linear in the net lasts, else unknown, with the
per-axis product as a bound (the 2-D set lies within H x W).
"""

from math import sqrt

from scnn_tools.errors import warning
from scnn_tools.net.indexmaps import IDENTITY
from scnn_tools.net.intervals import clip, union
from .fields import _one_interval, covers
from .parts import box_formulas
from .planes import OverBudget, all_axes, axes_of, backward, links, point

# Bands the backward walks of one analysis may look at: in all (a base and so many per layer of the net, which
# keeps an analysis linear in the net, its cost a few per cent), and in one walk (so that one long walk leaves
# the budget to the short ones after it).
BUDGET_BASE = 600
BUDGET_PER_LAYER = 1
BUDGET_PER_WALK = 600
# Positions x bottoms a join's product check may look at one by one before it says "not a product" (beyond,
# only what it sees without looking at each position).
CHECK_LIMIT = 2048


def products(analysis):
    """(flat, first): flat[blob] True where every position's real 2-D set is the product of its per-axis real
    sets (None for blobs not traced on both axes), and the first node whose top is not while its bottoms
    are (None where every blob is a product)."""
    graph, traced = analysis.graph, analysis.traced
    flat = [None] * len(traced)
    flat[analysis.image] = True
    first = None
    axes = all_axes(analysis)
    for node in graph.nodes:
        if len(node.bottoms) == 1 and axes[node.bottoms[0]] is not None and node.index in analysis.deps:
            # (one bottom: a top traced on both axes took each from the same axis of that bottom)
            for top in node.tops:
                if axes[top] is not None and top != analysis.image:
                    flat[top] = flat[node.bottoms[0]]
                    if not flat[top] and first is None and flat[node.bottoms[0]] is not False:
                        first = node
            continue
        for top, reads in zip(node.tops, links(analysis, node.index)):
            if top == analysis.image or axes[top] is None:
                continue
            joined = reads is not None and all(flat[read[0]] for read in reads)
            if not reads or not joined:
                flat[top] = False
            else:
                flat[top] = len(reads) == 1 or _joins_as_product(analysis, top, reads)
            if not flat[top] and first is None and (reads is None or joined):
                first = node  # (its bottoms are products, or not followed in 2-D: here fields stop being products)
    return flat, first


def _joins_as_product(analysis, top, reads):
    taxes = axes_of(analysis, top)
    shape, extent = analysis.shapes.blobs[top], analysis.image_extent()
    sizes = [shape[taxes[0]], shape[taxes[1]]]
    if any(_alike(analysis, reads, k, sizes[k], extent["hw"[k]]) for k in (0, 1)):
        return True  # (equal along one axis: the union along the other times it)
    if sum(sizes) * len(reads) > CHECK_LIMIT:
        return False  # (too many positions to look at each: "not a product", which is never wrong)
    sets = [[None] * len(reads), [None] * len(reads)]

    def of(k, j):
        if sets[k][j] is None:
            bottom, *maps, _, _ = reads[j]
            sets[k][j] = _contributions(analysis, bottom, axes_of(analysis, bottom)[k], maps[k], sizes[k],
                                        extent["hw"[k]] - 1)
        return sets[k][j]

    # The likeliest to hold the others: the widest at the centre (a residual block's branch).
    centre = [sizes[0] // 2, sizes[1] // 2]
    order = sorted(range(len(reads)), key=lambda j: -sum(_span(of(k, j)[centre[k]]) for k in (0, 1)))
    for d in order:
        if all(_holds(of(k, d), of(k, j)) for k in (0, 1) for j in range(len(reads)) if j != d):
            return True
    return any(all(of(k, j) == of(k, 0) for j in range(1, len(reads))) for k in (0, 1))


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
    if any(_cut(f.at(size // 2), extent - 1) != whole for f in fields):
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
        return [_cut(field.at(o), last) for o in range(size)]
    for o in range(size):
        taps = [i for m in maps for i in m.taps(o) if 0 <= i < n]
        out.append(clip(field.at(taps[0]), 0, last) if len(taps) == 1 else
                   clip(union(field.at(i) for i in taps), 0, last))
    return out


def _cut(s, last):
    """A set cut to the image 0..last (most are inside it already)."""
    if not s or (s[0][0] >= 0 and s[-1][1] <= last):
        return s
    return clip(s, 0, last)


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
    (so that which blobs the budget reaches never depends on what was asked first)."""

    def __init__(self, analysis):
        self.flat, self.first = products(analysis)
        self.values = {}  # blob -> {'area', 'width', 'overlap'} or None (over the budget)
        self.bounded = []  # the blobs left with a bound
        left = BUDGET_BASE + BUDGET_PER_LAYER * len(analysis.graph.nodes)
        origins, found = {}, {}
        for blob, flat in enumerate(self.flat):
            if flat is not False:
                continue
            origin = origins[blob] = _origin(analysis, blob, origins)
            if origin not in found:
                found[origin], spent = _exact(analysis, origin, min(left, BUDGET_PER_WALK)) if left > 0 else (None, 0)
                left -= spent
            self.values[blob] = found[origin]
            if self.values[blob] is None:
                self.bounded.append(blob)

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


def _origin(analysis, blob, origins):
    """The blob whose 2-D sets a blob shares: back through layers that read one bottom of the same size
    position for position (ReLU, BatchNorm, an in-place chain). `origins`: those of earlier blobs."""
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
    if mhs != [IDENTITY] or mws != [IDENTITY] or (nh, nw) != (shape[axes[0]], shape[axes[1]]):
        return blob
    return origins.get(bottom, bottom)


def _exact(analysis, blob, budget):
    """({'area', 'width', 'overlap'} of the centre feature from its 2-D sets, or None past the budget or where
    a layer's reading is not known in 2-D; the bands spent)."""
    axes = axes_of(analysis, blob)
    shape = analysis.shapes.blobs[blob]
    cy, cx = (shape[axes[0]] - 1) // 2, (shape[axes[1]] - 1) // 2
    wide = shape[axes[1]] > 1  # (one position along w has no next feature: the plane's continuation's)
    walks = [(cx, True), (cx + 1, wide)] + ([] if wide else [(cx, False)])
    found, spent = [], 0
    for x, real in walks:
        try:
            plane, cost = backward(analysis, blob, point(cy, x), real, budget - spent)
        except OverBudget:
            return None, budget
        spent += cost
        if plane is None:
            return None, spent
        found.append(plane)
    here, there, mine = found[0], found[1], found[2 if not wide else 0]
    if not wide:
        extent = analysis.image_extent()
        mine, there = mine.cut(extent["h"], extent["w"]), there.cut(extent["h"], extent["w"])
    area = here.count()
    overlap = mine.common(there) / mine.count() if mine else 0.0
    return {"area": area, "width": sqrt(area), "overlap": overlap}, spent

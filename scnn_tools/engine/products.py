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
from .planes import OverBudget, _axes, backward, links, point

# Bands the backward walks of one analysis may look at: in all (a base and so many per layer of the net, which
# keeps an analysis linear in the net, its cost a few per cent), and in one walk (so that one long walk leaves
# the budget to the short ones after it).
BUDGET_BASE = 3000
BUDGET_PER_LAYER = 2
BUDGET_PER_WALK = 1500
# Positions x taps a join's product check may look at before it says "not a product".
CHECK_LIMIT = 200000


def products(analysis):
    """(flat, first): flat[blob] True where every position's real 2-D set is the product of its per-axis real
    sets (None for blobs not traced on both axes), and the first node whose top is not while its bottoms
    are (None where every blob is a product)."""
    graph, traced = analysis.graph, analysis.traced
    flat = [None] * len(traced)
    flat[analysis.image] = True
    first = None
    for node in graph.nodes:
        for top, reads in zip(node.tops, links(analysis, node.index)):
            if top == analysis.image or _axes(traced[top]) is None:
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
    taxes = _axes(analysis.traced[top])
    shape, extent = analysis.shapes.blobs[top], analysis.image_extent()
    sets = {}
    for k, which in enumerate(("h", "w")):
        per_read = []
        for bottom, *maps, _, _ in reads:
            baxes = _axes(analysis.traced[bottom])
            found = _contributions(analysis, bottom, baxes[which], maps[k], shape[taxes[which]], extent[which] - 1)
            if found is None:
                return False
            per_read.append(found)
        sets[which] = per_read
    for which in ("h", "w"):
        if all(s == sets[which][0] for s in sets[which][1:]):
            return True  # (equal along one axis: the union along the other times it)
    for d in range(len(reads)):
        if all(_holds(sets[which][d], sets[which][k]) for which in ("h", "w") for k in range(len(reads))):
            return True
    return False


def _contributions(analysis, bottom, axis, maps, size, last):
    """The real sets (cut to the image) that each top position 0..size-1 reads from one bottom axis."""
    field = analysis.real[bottom].axes[axis][1]
    n = analysis.shapes.blobs[bottom][axis]
    out, looked = [], 0
    for o in range(size):
        taps = [i for m in maps for i in m.taps(o) if 0 <= i < n]
        looked += len(taps)
        if looked > CHECK_LIMIT:
            return None
        out.append(clip(field.at(taps[0]), 0, last) if len(taps) == 1 else
                   clip(union(field.at(i) for i in taps), 0, last))
    return out


def _holds(big, small):
    return all(s == b or union((s, b)) == b for s, b in zip(small, big))


# ------------------------------------------------------------- area and overlap where not a product
class Planar:
    """The exact scale of the blobs that are not products, worked out once for the whole net in graph order
    (so that which blobs the budget reaches never depends on what was asked first)."""

    def __init__(self, analysis):
        self.flat, self.first = products(analysis)
        self.values = {}  # blob -> {'area', 'width', 'overlap'} or None (over the budget)
        self.bounded = []  # the blobs left with a bound
        left = BUDGET_BASE + BUDGET_PER_LAYER * len(analysis.graph.nodes)
        origins = {}
        for blob, flat in enumerate(self.flat):
            if flat is not False:
                continue
            origin = _origin(analysis, blob)
            if origin not in origins:
                origins[origin], spent = _exact(analysis, blob, min(left, BUDGET_PER_WALK)) if left > 0 else (None, 0)
                left -= spent
            self.values[blob] = origins[origin]
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


def _origin(analysis, blob):
    """The blob whose 2-D sets a blob shares: back through layers that read one bottom of the same size
    position for position (ReLU, BatchNorm, an in-place chain)."""
    graph = analysis.graph
    while True:
        producer = graph.blobs[blob].producer
        if producer is None or blob == analysis.image:
            return blob
        node = graph.nodes[producer]
        reads = links(analysis, producer)[node.tops.index(blob)]
        if not reads or len(reads) != 1:
            return blob
        bottom, mhs, mws, nh, nw = reads[0]
        axes, shape = _axes(analysis.traced[blob]), analysis.shapes.blobs[blob]
        if mhs != [IDENTITY] or mws != [IDENTITY] or (nh, nw) != (shape[axes["h"]], shape[axes["w"]]):
            return blob
        blob = bottom


def _exact(analysis, blob, budget):
    """({'area', 'width', 'overlap'} of the centre feature from its 2-D sets, or None past the budget or where
    a layer's reading is not known in 2-D; the bands spent)."""
    axes = _axes(analysis.traced[blob])
    shape = analysis.shapes.blobs[blob]
    cy, cx = (shape[axes["h"]] - 1) // 2, (shape[axes["w"]] - 1) // 2
    wide = shape[axes["w"]] > 1  # (one position along w has no next feature: the plane's continuation's)
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

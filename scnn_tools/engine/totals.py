"""What a net costs (parameters, multiply-adds, activations, memory), said as far as it is known.

Each layer or blob adds a part to a total, and a part is known exactly, known
per item of a count nobody knows before the net runs (Faster R-CNN's regions:
`--input rois=300,5` gives it), known only as a bound (SSD's DetectionOutput
keeps at most keep_top_k detections per image), or not known at all (a blob
whose shape is unknown, and the blob where that starts). `Total` keeps the
four apart, so that a report says what is known and what is missing instead
of one `?`; `fields` is how the JSON says it.
"""

from scnn_tools.net.layers.registry import product


class Total:
    """known + sum(per_item[count] * count) + at most `bound` more (from the blobs named in `bounded`);
    `missing`: the blobs where the parts not known at all start."""

    __slots__ = ("known", "per_item", "bound", "bounded", "missing", "exact")

    def __init__(self, known=0, per_item=None, bound=0, bounded=(), missing=()):
        self.known = known
        if not (per_item or bound or bounded or missing):  # (nearly every part: a net's thousands of layers)
            self.per_item, self.bound, self.bounded, self.missing, self.exact = {}, 0, (), (), True
            return
        self.per_item = {k: v for k, v in per_item.items() if v} if per_item else {}
        self.bound, self.bounded, self.missing = bound, tuple(bounded), tuple(missing)
        # (an attribute, not a property: a net's thousands of parts are each asked)
        self.exact = not (self.per_item or bound or self.bounded or self.missing)

    def __add__(self, other):
        if other.exact and self.exact:  # (nearly every part: a net's thousands of layers)
            return Total(self.known + other.known)
        per_item = dict(self.per_item)
        for count, value in other.per_item.items():
            per_item[count] = per_item.get(count, 0) + value
        return Total(self.known + other.known, per_item, self.bound + other.bound, self.bounded + other.bounded,
                     _once(self.missing + other.missing))

    def __mul__(self, k):
        return Total(self.known * k, {c: v * k for c, v in self.per_item.items()}, self.bound * k, self.bounded,
                     self.missing)

    __rmul__ = __mul__

    @property
    def value(self):
        """The total where it is known exactly, else None."""
        return None if self.per_item or self.bound or self.missing else self.known

    def fields(self, name):
        """The JSON's keys for this total: `name`, exact or null; where only a bound is not known exactly,
        `name_at_most`; otherwise `name_known` (the part known exactly) with `name_per_item` ({count: what each
        of its items adds}) and `name_missing` (the blobs where the parts not known at all start)."""
        out = {name: self.value}
        if self.value is not None:
            return out
        if not self.per_item and not self.missing:
            return {**out, f"{name}_at_most": self.known + self.bound}
        out[f"{name}_known"] = self.known
        if self.per_item:
            out[f"{name}_per_item"] = dict(self.per_item)
        missing = _once(self.missing + self.bounded)
        if missing:
            out[f"{name}_missing"] = list(missing)
        return out


def _once(names):
    return tuple(dict.fromkeys(names))


def sum_of(parts):
    """The sum of Totals, the exact ones added as numbers (nearly every part: a net's thousands of layers)."""
    known, out = 0, Total()
    for part in parts:
        if part.exact:
            known += part.known
        else:
            out = out + part
    return out + Total(known)


# ---------------------------------------------------------------- measures
def _origin(analysis, blob_id):
    """The name of the blob where a blob's unknown shape starts: the blob the shape rules say, back through
    the layers that ran at stand-in sizes (an image the file does not size) to that image; itself where its
    own rule leaves it unknown."""
    shapes, graph = analysis.shapes, analysis.graph
    seen = set()
    while blob_id not in seen:
        seen.add(blob_id)
        if blob_id in shapes.unknown_from:
            blob_id = shapes.unknown_from[blob_id][1]
            continue
        producer = graph.blobs[blob_id].producer
        ctx = shapes.contexts.get(producer) if producer is not None else None
        unsized = [b for b in graph.nodes[producer].bottoms if _unsized(shapes, b)] if ctx and ctx.fills else []
        if not unsized:
            break
        blob_id = unsized[0]
    return graph.blobs[blob_id].name


def _unsized(shapes, blob_id):
    """A blob whose shape is not known, and not for want of a count alone."""
    shape = shapes.blobs[blob_id]
    return shape is None or (None in shape and shapes.count(blob_id) is None)


def _counted(analysis, count, per):
    """A Count of roots, times `per`, as a Total per item of each root."""
    names = {analysis.graph.blobs[r].name: c * per for r, c in count.coefs.items()}
    return Total(count.const * per, names)


def elements(analysis, blob_id):
    """A blob's elements, for the pass at the file's batch."""
    shapes = analysis.shapes
    shape = shapes.blobs[blob_id]
    if shape is not None and None not in shape:
        return Total(product(shape))
    producer = analysis.graph.blobs[blob_id].producer
    runs = shapes.runs.get(producer)
    if runs is not None:  # (the rule's runs at several counts: a Reshape of R x 5 into 1 x 5R counts 5 a ROI)
        i = analysis.graph.nodes[producer].tops.index(blob_id)
        count = runs.linear(lambda run: product(run.tops[i]) if run.tops[i] is not None else None)
        if count is not None:
            return _counted(analysis, count, 1)
    count = shapes.count(blob_id)
    if count is not None and None not in shape[1:]:
        return _counted(analysis, count, product(shape[1:]))
    bound = shapes.bounds.get(blob_id)
    if shape is not None and bound is not None and len(bound) == len(shape):
        dims = [d if d is not None else b for d, b in zip(shape, bound)]
        if None not in dims:
            return Total(bound=product(dims), bounded=(analysis.graph.blobs[blob_id].name,))
    return Total(missing=(_origin(analysis, blob_id),))


def activations(analysis, blob_id):
    """A blob's elements per input image: per item of its first axis where that axis grows with the batch
    (images, or regions per image); whole where it does not (a loss's scalar, PriorBox's priors: one
    image's pass computes all of it)."""
    shape = analysis.shapes.blobs[blob_id]
    if not shape or None in shape:  # (a known shape, nearly every blob's, need not be counted first)
        total = elements(analysis, blob_id)
        if total.value is None or not shape:
            return total
    value = per_image(analysis, product(shape[1:]), shape[0])
    # (None: an image batch of 0, with no image to count per)
    return Total(value) if value is not None else Total(missing=(analysis.graph.blobs[blob_id].name,))


def per_image(analysis, value, items):
    """`value` per item of a first axis of `items`, as a total for one input image: divided among the
    images where the axis grows with the batch, whole where it does not (one image's pass computes it)."""
    if value is None or items is None:
        return None if value else value  # (nothing per item is nothing per image, whatever the count)
    images = _images(analysis)
    if not images:
        return None  # (an image batch of 0, which Caffe accepts: there is no image to count per)
    return value * items // images if items % images == 0 else value * items


def _images(analysis):
    """The images of the file's batch (None where not known)."""
    image = analysis.shapes.blobs[analysis.image]
    return image[0] if image else 1  # (a scalar input, an ONNX model's: one item, no batch axis)


def layer_cost(analysis, node, shared):
    """(learnable parameters, multiply-adds per image) of one layer, each a Total.

    Where only counts are unknown, the rule's runs at several counts
    (shapes.Runs) give the multiply-adds per item of each count.
    """
    kind = node.kind
    if node.is_source:
        return Total(), Total()
    ctx = analysis.shapes.contexts.get(node.index)
    if kind is None or ctx is None:
        # (a type we do not know may learn and multiply anything; and so may a known one whose shapes are not)
        cause = Total(missing=(_cause(analysis, node),))
        return (cause if kind is None or kind.learns else Total()), (cause if kind is None or kind.multiplies
                                                                      else Total())
    runs = analysis.shapes.runs.get(node.index)
    # Where dimensions are unknown the rules ran at several stand-in values (ctx.fills: an image size the
    # file does not give) or counts (runs): a cost is known where it is the same at every one.
    contexts = runs.contexts if runs else ctx.fills or [ctx]
    if kind.learns:
        # (the others first, each with a copy of `shared`: the first adds its shared weights to it)
        learned = {_params(node, run, set(shared)) for run in contexts[1:]} if len(contexts) > 1 else None
        params = _params(node, contexts[0], shared)
        known = params is not None and (learned is None or learned <= {params})
        params = Total(params) if known else _unknown(analysis, node)
    else:
        params = Total()  # (its rule gives no blobs, whatever the context)
    if runs is None and not kind.multiplies and _images(analysis):
        return params, Total()  # (its rule counts 0 per item at every context, which is 0 per image)
    if runs is not None:
        count = runs.linear(lambda run: product(_macc_of_run(kind, run)))
        return params, (_counted(analysis, count, 1) if count is not None else _unknown(analysis, node))
    if len(contexts) == 1:  # (nearly every layer: its shapes known)
        macc = per_image(analysis, *_macc_of_run(kind, contexts[0]))
    else:
        maccs = {per_image(analysis, *_macc_of_run(kind, run)) for run in contexts}
        macc = maccs.pop() if len(maccs) == 1 else None
    return params, (Total(macc) if macc is not None else _unknown(analysis, node))


def _unknown(analysis, node):
    return Total(missing=(_cause(analysis, node),))


def _macc_of_run(kind, run):
    """(multiply-adds per item of the first axis, how many items): rules count per item, and one image runs
    as many items as that axis holds for it (Faster R-CNN's fc6 runs once per region)."""
    tops = [t for t in run.tops if t is not None]
    macc = kind.macc(run, tops)
    for first in (tops, run.bottoms):
        for shape in first:
            if shape:
                return macc, shape[0]
    return macc, 1


def _params(node, ctx, shared):
    """Learnable parameters of a layer's rule on one context; shared weights (param { name }) once."""
    params = 0
    declared = None
    for i, blob in enumerate(node.kind.params(ctx)):
        if declared is None:
            declared = node.param.param  # (a protobuf field, slow to read: not for a layer without weights)
            n_declared = len(declared)
        # (a rule may name the blob itself: an ONNX initializer several nodes read, layers/onnx/node.py)
        name = declared[i].name if i < n_declared else getattr(blob, "name", "")
        if name:
            if name in shared:
                continue
            shared.add(name)
        size = product(blob)
        params = None if params is None or size is None else params + size
    return params


def _cause(analysis, node):
    """Where a layer's unknown cost starts: the first of its bottoms whose shape is unknown, else its first top."""
    for b in node.bottoms:
        if _unsized(analysis.shapes, b):
            return _origin(analysis, b)
    return _origin(analysis, node.tops[0]) if node.tops else node.name


def memory(analysis, params):
    """Bytes at float32 for the file's batch, each a Total: {caffe, blobs, training}.

    caffe: Caffe's "Memory required for data" (Net::Init adds every top of every
    layer, in-place tops and the tops of the Split layers it inserts for a blob
    read by several layers included). blobs: what is allocated, in-place tops and
    split tops being the same memory. training: data and diff of every blob, the
    diffs of split tops, and the weights with their diffs and SGD's momentum.
    """
    graph = analysis.graph
    tops = [(elements(analysis, t), node.writes_in_place(i)) for node in graph.nodes for i, t in enumerate(node.tops)]
    splits = sum_of(len(b.consumers) * elements(analysis, b.id) for b in graph.blobs if len(b.consumers) > 1)
    allocated = sum_of(n for n, in_place in tops if not in_place)
    caffe = sum_of(n for n, _ in tops) + splits
    training = 2 * allocated + splits + 3 * params
    return {"caffe": 4 * caffe, "blobs": 4 * allocated, "training": 4 * training}

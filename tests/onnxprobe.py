"""The true receptive field of every position of an ONNX blob, from onnxruntime alone.

Nothing here reads scnn-tools: the model is rewritten into a positive net and
run, and a position's field is the set of input pixels whose raise changes it.

The positive net
----------------
Every weight becomes positive and every additive constant zero (a Conv's or
ConvTranspose's kernel, a Gemm's or MatMul's matrix, a Mul's or Div's constant,
BatchNormalization's scale and variance: positive; biases, BatchNormalization's
shift and mean, an Add's or Sub's constant, a Pad's value: 0). Elementwise
activations and other one-input elementwise operators become Identity
(UNARY below: Relu, LeakyRelu, PRelu, Sigmoid, HardSigmoid, Tanh, Clip,
HardSwish, Elu, Selu, Softplus, Gelu, Erf, Exp, Sqrt, Pow, Dropout, ...),
and Softmax / LogSoftmax over channels or classes too (over H or W it is
refused). An image given N x H x W x C and transposed to N x C x H x W by the
model (as tf2onnx writes) is raised so. Where two data tensors meet in Mul,
Div, Sub or Min (an SE block's x * sigmoid(...), a hand-written
normalisation), the node becomes Add, which depends on exactly the same
positions of both (broadcasting alike) but keeps the net positive.
InstanceNormalization (x minus its own spatial mean, over a spatial spread)
becomes x + GlobalAveragePool(x) per channel: the same dependencies.
Operators that only move or pick values (Pad, Slice, Split, Concat, Resize
nearest and linear, Reshape, Transpose, ...) are kept, with their constant
inputs (Resize's scales, Slice's starts) untouched: only the inputs named in
ROLES change. Resize's cubic mode has negative weights and is refused. A MaxPool's Indices
and the integers computed from them alone (PyTorch's unpooling adds offsets to
them) are positions, not values: those nodes are kept as they are.

Why a raise changes exactly the positions whose field holds the pixel
--------------------------------------------------------------------
The base input is all zeros, so with biases 0 every tensor of the net is 0.
Every kept operator maps non-negative inputs to non-negative outputs, is
non-decreasing in each input, and is positive exactly where some input it
reads with a non-zero weight is positive: a sum with positive weights, an
average, a copy, a linear interpolation (whose weights are >= 0), and max
pooling: the max of values >= 0 is > 0 exactly when one of them is. So after
raising input pixels by delta > 0, a value is > 0 exactly where a chain of
non-zero weights leads to it from a raised pixel: the structural dependency
itself, with no cancellation possible (nothing subtracts). A max pool is
therefore probed exactly: with the rest at 0, any raised element wins its
window. What is *not* counted is a tap whose weight is exactly zero by the
operator's definition (linear interpolation landing on a sample, ceil-mode or
padding windows reading nothing): no weights could make it matter. Padding is
not probed (it is no pixel): fields come out clipped to the image.

Weights are drawn in [0.5, 1.5) / fan-in, so that sums neither overflow nor
vanish through many layers, and the raise is DELTA = 2**60: a value 1e-18 of
the raise (a path of twenty 3x3 averaging taps) is still far from float32's
smallest number. A change is a value different from the zero-input run.

Which pixels are raised
-----------------------
mode "lines" (H + W probes): raising the whole row y changes an output exactly
where its field meets row y, so the rows probe gives, per output position, the
exact projection of its field on the y axis, and the columns probe the
projection on x; for a field that is a box (a product of its projections) that
is the field. Its holes (dilation) show in the projections. A field that is no
product (a 1x7 branch beside a 7x1: a cross) cannot be told from its bounding
box by lines: `not_box` then only says "holes in a projection".
mode "pixels" (H * W probes): each pixel alone; gives every position's exact 2-D
set, and `not_box` is exact (the set differs from its bounding box).
Probes run in batches (one raised line or pixel per image) where the model
takes a free batch size; where it does not (a Reshape to a fixed batch), one
by one.
"""

import copy

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DELTA = float(2 ** 60)

# One-input elementwise operators: their output at a position reads only their first input there.
UNARY = {
    "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "Tanh", "Clip", "HardSwish", "Elu", "Selu", "Celu",
    "Softplus", "Softsign", "Mish", "Gelu", "Erf", "Exp", "Log", "Sqrt", "Reciprocal", "Neg", "Abs", "Pow",
    "Dropout", "Identity", "Floor", "Ceil", "Round", "Sign", "ThresholdedRelu", "Shrink", "Sin", "Cos",
}
# Two data tensors combined: Add has the same dependencies and stays positive.
TO_ADD = {"Mul", "Div", "Sub", "Min"}
# Per operator, what its constant (non-data) inputs become, by input position.
ROLES = {
    "Conv": {1: "weight", 2: "zero"},
    "ConvTranspose": {1: "weight", 2: "zero"},
    "Gemm": {0: "weight", 1: "weight", 2: "zero"},
    "MatMul": {0: "weight", 1: "weight"},
    "BatchNormalization": {1: "one", 2: "zero", 3: "zero", 4: "one"},
    "Add": {0: "zero", 1: "zero"}, "Sub": {0: "zero", 1: "zero"}, "Sum": "zero", "Max": "zero", "Mean": "zero",
    "Mul": {0: "one", 1: "one"}, "Div": {0: "one", 1: "one"},
    "Pad": {2: "zero"},
}
# What reads a tensor's shape, not its values: their outputs are no data.
SHAPE_ONLY = {"Shape", "Size", "ConstantOfShape"}


class ProbeError(Exception):
    pass


# ------------------------------------------------------------------ the positive net
class _Rewriter:
    def __init__(self, model, seed):
        self.model = model
        self.graph = model.graph
        self.rng = np.random.default_rng(seed)
        self.inits = {t.name: t for t in self.graph.initializer}
        self.consts = {n.output[0]: n for n in self.graph.node if n.op_type == "Constant"}
        inputs = [i for i in self.graph.input if i.name not in self.inits]
        self.data = {i.name for i in inputs}
        self.new_inits = {}
        self.shapes = None
        # Integer tensors computed from a MaxPool's Indices (PyTorch's unpooling offsets them): positions, not
        # values, so every node reading only them is kept as it is.
        self.indices = set()

    def dims(self, name):
        """The dimensions of a constant input (an initializer, a Constant, or as shape inference says)."""
        if name in self.inits:
            return list(self.inits[name].dims)
        if name in self.consts:
            for a in self.consts[name].attribute:
                if a.name == "value":
                    return list(a.t.dims)
                if a.name in ("value_float", "value_int"):
                    return []
        if self.shapes is None:
            inferred = onnx.shape_inference.infer_shapes(self.model)
            self.shapes = {v.name: v.type.tensor_type.shape for v in inferred.graph.value_info}
        shape = self.shapes.get(name)
        if shape is None or any(not d.HasField("dim_value") for d in shape.dim):
            raise ProbeError(f"cannot tell the shape of constant '{name}'")
        return [d.dim_value for d in shape.dim]

    def constant(self, name, role, node):
        """The name of a tensor like `name`, filled as the role says."""
        key = f"{name}__{role}"
        if key not in self.new_inits:
            dims = self.dims(name)
            if role == "zero":
                value = np.zeros(dims, np.float32)
            elif role == "one":
                value = self.rng.uniform(0.5, 1.5, dims).astype(np.float32)
            else:
                value = self.rng.uniform(0.5, 1.5, dims).astype(np.float32) / _fan_in(node, dims)
            self.new_inits[key] = numpy_helper.from_array(value, key)
        return key

    def rewrite(self, node):
        """The node(s) standing for `node` in the positive net."""
        data = [bool(i) and i in self.data for i in node.input]
        if not any(data):
            return [node]  # shape arithmetic and constants: untouched
        if node.op_type not in SHAPE_ONLY:
            self.data.update(o for o in node.output if o)
        if all(i in self.indices for i, d in zip(node.input, data) if d):
            self.indices.update(o for o in node.output if o)
            return [node]
        if node.op_type == "MaxPool" and len(node.output) > 1 and node.output[1]:
            self.indices.add(node.output[1])
        op = node.op_type
        if op in UNARY or (op in ("Softmax", "LogSoftmax") and not self._spatial_softmax(node)):
            if len(node.output) > 1 and node.output[1]:
                raise ProbeError(f"node '{node.name}' ({op}): its second output is used")
            return [helper.make_node("Identity", [node.input[0]], [node.output[0]], name=node.name)]
        if op in ("Softmax", "LogSoftmax"):
            raise ProbeError(f"node '{node.name}': {op} over a spatial axis is no positive operator")
        if op == "Resize" and _attr(node, "mode", b"nearest") == b"cubic":
            raise ProbeError(f"node '{node.name}': cubic Resize has negative weights")
        if op == "InstanceNormalization":
            return self._instance_norm(node)
        if op in TO_ADD and sum(data) == 2:
            return [helper.make_node("Add", list(node.input), list(node.output), name=node.name)]
        if op == "Min" or (op == "Div" and data[1]):  # min(x, c), c / x: not monotone, same dependencies
            return [helper.make_node("Identity", [node.input[data.index(True)]], [node.output[0]], name=node.name)]
        if op == "Sub":  # x - c is x + 0; c - x is not monotone, but 0 + x has its dependencies
            op = "Add"
        roles = ROLES.get(op, {})
        inputs = list(node.input)
        for i, name in enumerate(inputs):
            role = roles if isinstance(roles, str) else roles.get(i)
            if name and not data[i] and role:
                inputs[i] = self.constant(name, role, node)
        out = helper.make_node(op, inputs, list(node.output), name=node.name)
        # (Gemm's alpha and beta may be negative: their defaults, 1, are not)
        out.attribute.extend(a for a in node.attribute if op != "Gemm" or a.name not in ("alpha", "beta"))
        return [out]

    def _spatial_softmax(self, node):
        """Whether a softmax runs along H or W of an N x C x H x W tensor (mixing positions, not positive);
        along channels or classes it keeps every position's dependencies."""
        rank = len(self.dims(node.input[0]))
        axis = _attr(node, "axis", -1 if self.model.opset_import[0].version >= 13 else 1)
        return rank == 4 and axis % rank in (2, 3)

    def _instance_norm(self, node):
        x, out = node.input[0], node.output[0]
        mean = f"{out}__mean"
        return [helper.make_node("GlobalAveragePool", [x], [mean], name=f"{node.name}__mean"),
                helper.make_node("Add", [x, mean], [out], name=node.name)]

    def run(self):
        nodes = [n for node in self.graph.node for n in self.rewrite(node)]
        del self.graph.node[:]
        self.graph.node.extend(nodes)
        used = {i for n in nodes for i in n.input}
        missing = [t.name for t in self.graph.initializer
                   if t.name in used and t.data_location == TensorProto.EXTERNAL]
        if missing:
            raise ProbeError(f"initializer '{missing[0]}' has no data and is no weight the probe refills")
        kept = [t for t in self.graph.initializer if t.name in used]
        del self.graph.initializer[:]
        self.graph.initializer.extend(kept + list(self.new_inits.values()))
        inputs = [i for i in self.graph.input if i.name not in self.inits or i.name in used]
        del self.graph.input[:]
        self.graph.input.extend(inputs)


def _attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _fan_in(node, dims):
    """How many products one output sums through this weight, roughly: sums then stay near their inputs."""
    if node.op_type in ("Conv", "ConvTranspose") and len(dims) >= 3:
        taps = int(np.prod(dims[2:]))
        if node.op_type == "ConvTranspose":  # each output meets about k / s taps per axis
            strides = _attr(node, "strides", [1] * (len(dims) - 2))
            taps = max(1, int(np.prod([-(-k // s) for k, s in zip(dims[2:], strides)])))
        return (dims[1] if node.op_type == "Conv" else dims[0] // _attr(node, "group", 1)) * taps
    if node.op_type in ("Gemm", "MatMul") and dims:
        return dims[0] if len(dims) > 1 else 1
    return 1


def positive(model, blobs=(), seed=0):
    """A copy of the model as the positive net, with `blobs` made graph outputs and a free batch size."""
    model = copy.deepcopy(model)
    if model.graph.node and any(n.op_type == "If" or n.op_type == "Loop" for n in model.graph.node):
        raise ProbeError("control flow (If, Loop) is not probed")
    graph = model.graph
    if blobs:  # only what the probed blobs need: a deep model probed early runs its first layers only
        needed, kept = set(blobs), []
        for node in reversed(graph.node):
            if needed.intersection(node.output):
                kept.append(node)
                needed.update(node.input)
        del graph.node[:]
        graph.node.extend(reversed(kept))
        del graph.output[:]
    _Rewriter(model, seed).run()
    # Outputs without shapes: the probed blobs and the old outputs, all of any batch.
    names = list(dict.fromkeys(list(blobs) + [o.name for o in graph.output]))
    used = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.output[:]
    graph.output.extend(helper.make_value_info(n, helper.make_tensor_type_proto(TensorProto.FLOAT, None))
                        for n in names)
    del graph.value_info[:]
    return model


def _free_batch(model):
    model = copy.deepcopy(model)
    for i in model.graph.input:
        dims = i.type.tensor_type.shape.dim
        if dims:
            dims[0].Clear()
            dims[0].dim_param = "probe_batch"
    return model


# ------------------------------------------------------------------ running the probes
class Fields:
    """One blob's true fields. Index [oy, ox] throughout (positions of the blob); input pixels clipped.

    rows[oy, ox, y]: the field of (oy, ox) meets input row y; cols[oy, ox, x] likewise.
    boxes[oy, ox] = (y0, y1, x0, x1), inclusive, -1s where the position sees no pixel.
    not_box[oy, ox]: the field is not its bounding box (holes in a projection; in "pixels" mode any hole).
    sets[oy, ox, y, x]: the 2-D field ("pixels" mode only, else None).
    probed: (rows, columns) raised; where not all were, boxes and not_box are of the probed ones only.
    """

    def __init__(self, rows, cols, sets=None, probed=None):
        self.rows, self.cols, self.sets = rows, cols, sets
        self.probed = probed or (set(range(rows.shape[2])), set(range(cols.shape[2])))
        ys, xs = _ends(rows), _ends(cols)
        seen = (ys[0] >= 0) & (xs[0] >= 0)
        self.boxes = np.where(seen[..., None], np.stack(ys + xs, axis=-1), -1)
        area = (ys[1] - ys[0] + 1) * (xs[1] - xs[0] + 1)
        if sets is not None:
            self.not_box = seen & (sets.sum(axis=(2, 3)) != area)
        else:
            holes = (rows.sum(axis=2) != ys[1] - ys[0] + 1) | (cols.sum(axis=2) != xs[1] - xs[0] + 1)
            self.not_box = seen & holes

    @property
    def shape(self):
        return self.rows.shape[:2]

    def projection(self, axis, o):
        """The input indices along axis 0 (y) or 1 (x) that any position of row/column o of the blob sees:
        the per-axis field of a separable description."""
        if axis == 0:
            return set(np.flatnonzero(self.rows[o].any(axis=0)).tolist())
        return set(np.flatnonzero(self.cols[:, o].any(axis=0)).tolist())


def _ends(seen):
    """(first, last) index along the last axis where `seen` holds, -1 where it nowhere does."""
    n = seen.shape[-1]
    some = seen.any(axis=-1)
    first = np.where(some, seen.argmax(axis=-1), -1)
    last = np.where(some, n - 1 - seen[..., ::-1].argmax(axis=-1), -1)
    return first, last


class Probe:
    """Runs the positive net of `model` on raised inputs. `image`: the input whose pixels are raised (the
    first graph input, by default); the other inputs are zeros of their declared shapes."""

    def __init__(self, model, blobs, image=None, seed=0, threads=2):
        import onnxruntime as ort
        self.blobs = list(blobs)
        pos = positive(model, self.blobs, seed)
        inputs = [i for i in pos.graph.input]
        self.image = image or inputs[0].name
        self.shapes = {i.name: [d.dim_value if d.HasField("dim_value") else None
                                for d in i.type.tensor_type.shape.dim] for i in inputs}
        shape = self.shapes[self.image]
        # tf2onnx keeps the image N x H x W x C and transposes it to N x C x H x W before the first layer
        self.nhwc = any(n.op_type == "Transpose" and list(_attr(n, "perm", [])) == [0, 3, 1, 2]
                        and n.input[0] == self.image for n in pos.graph.node)
        if len(shape) != 4 or None in shape[1:]:
            raise ProbeError(f"input '{self.image}' is not N x C x H x W with known C, H, W: {shape}")
        self.chw = [shape[3], shape[1], shape[2]] if self.nhwc else shape[1:]
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # (fusions reorder sums of positives: never to zero)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 4  # (a model bound to batch 1 fails loudly)
        self.batched = True
        try:
            self.session = ort.InferenceSession(_free_batch(pos).SerializeToString(), options,
                                                providers=["CPUExecutionProvider"])
            if any(len(out) != 2 for out in self._run(np.zeros([2] + self.chw, np.float32))):
                raise ProbeError("a batch of 2 does not come out as 2")  # (a Resize whose sizes fix the batch)
        except Exception:  # a model bound to its batch size: probe one image at a time
            self.batched = False
            self.session = ort.InferenceSession(pos.SerializeToString(), options,
                                                providers=["CPUExecutionProvider"])
        self.base = [b[:1] for b in self._run(np.zeros([1] + self.chw, np.float32))]

    def _run(self, images):
        feeds = {}
        for name, shape in self.shapes.items():
            if name == self.image:
                feeds[name] = images.transpose(0, 2, 3, 1) if self.nhwc else images
            else:
                feeds[name] = np.zeros([len(images)] + [d or 1 for d in shape[1:]], np.float32)
        return self.session.run(self.blobs, feeds)

    def changed(self, images, batch=64):
        """Per probed blob: [image, oy, ox] True where some channel differs from the zero-input run."""
        step = batch if self.batched else 1
        out = [[] for _ in self.blobs]
        for k in range(0, len(images), step):
            for acc, got, base in zip(out, self._run(images[k:k + step]), self.base):
                if got.ndim != 4:
                    raise ProbeError(f"a probed blob is not N x C x H x W: {got.shape}")
                acc.append((got != base).any(axis=1))
        return [np.concatenate(acc) for acc in out]

    def fields(self, mode="lines", batch=64, lines=None):
        """{blob: Fields}. lines: (rows, columns) to probe in "lines" mode, all by default; the others
        then read as not seen (Fields.probed says which were)."""
        c, h, w = self.chw
        if mode == "lines":
            ys, xs = lines or (range(h), range(w))
            ys, xs = np.asarray(list(ys), int), np.asarray(list(xs), int)
            rows = np.zeros((len(ys), c, h, w), np.float32)
            rows[np.arange(len(ys)), :, ys, :] = DELTA
            cols = np.zeros((len(xs), c, h, w), np.float32)
            cols[np.arange(len(xs)), :, :, xs] = DELTA
            out = {}
            for name, r, q in zip(self.blobs, self.changed(rows, batch), self.changed(cols, batch)):
                seen_r = np.zeros(r.shape[1:] + (h,), bool)
                seen_r[:, :, ys] = r.transpose(1, 2, 0)
                seen_c = np.zeros(q.shape[1:] + (w,), bool)
                seen_c[:, :, xs] = q.transpose(1, 2, 0)
                out[name] = Fields(seen_r, seen_c, probed=(set(ys.tolist()), set(xs.tolist())))
            return out
        if mode != "pixels":
            raise ValueError(mode)
        sets = [None] * len(self.blobs)
        for y in range(h):  # one row of pixels per batch of runs: memory stays one row's outputs
            images = np.zeros((w, c, h, w), np.float32)
            images[np.arange(w), :, y, np.arange(w)] = DELTA
            for k, got in enumerate(self.changed(images, batch)):
                if sets[k] is None:
                    sets[k] = np.zeros(got.shape[1:] + (h, w), bool)
                sets[k][:, :, y, :] = got.transpose(1, 2, 0)
        return {name: Fields(s.any(axis=3), s.any(axis=2), s) for name, s in zip(self.blobs, sets)}


def probe(model, blobs, mode="lines", image=None, seed=0, batch=64, lines=None):
    """{blob: Fields}: the true field of every position of each blob (see the module's docstring)."""
    return Probe(model, blobs, image, seed).fields(mode, batch, lines)

"""Random ONNX nets for the probe oracle (onnx.helper only; no torch).

Seeded and small (inputs of 16 to 48 pixels a side, a few channels), built
from what moves positions: Conv (asymmetric kernels, strides, dilations,
explicit asymmetric pads, auto_pad SAME_UPPER / SAME_LOWER / VALID, depthwise
groups), MaxPool / AveragePool (ceil_mode, pads, dilations, count_include_pad),
ConvTranspose (pads, output_padding), Resize (nearest and linear, by scales or
sizes, four coordinate_transformation_modes), Pad (constant, reflect and edge,
negative pads that crop), Slice (steps of 1 and 2), Split along H or W put back
by Concat, Concat along channels and along space, Add of two paths of
different windows brought to one size by Pad, and GlobalAveragePool added back
with broadcasting. Each node's output shape is onnx's strict shape inference's;
a node it refuses, or that leaves nothing, is dropped and another tried.
`model()` is checked by onnx.checker (full check) and runs in onnxruntime.
"""

import random

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
MODES = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"]


class NetBuilder:
    def __init__(self, seed, size=(16, 48), channels=2, interior=False, separable=False):
        self.rng = random.Random(seed)
        # separable: no concatenation along H or W, after which one axis's field differs along the other
        # (scnn-tools keeps one field per axis: there, the union over the other axis, DESIGN.md's rf.size)
        self.separable = separable
        # interior: no node but those reading the image reads beyond its input's ends (no padding, no
        # ceil_mode, transposed windows that tile): every position's field is then a union of real positions
        self.interior = interior
        self.seed = seed
        h, w = self.rng.randint(*size), self.rng.randint(*size)
        self.limit = 3 * max(size)  # upsampling stops here
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, h, w])
        self.nodes, self.inits = [], []
        self.shapes = {"x": [channels, h, w]}  # C, H, W of every 4-D tensor
        self.order = ["x"]
        self.n = 0
        self.disagreements = []  # (node, onnx's shapes, onnxruntime's) of the nodes dropped for it

    # ---------------------------------------------------------------- plumbing
    def _name(self, op):
        self.n += 1
        return f"{op.lower()}{self.n}"

    def const(self, value, dtype=np.int64):
        name = self._name("k")
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), name))
        return name

    def weight(self, dims):
        name = self._name("w")
        value = np.random.default_rng(self.seed * 1000 + self.n).standard_normal(dims).astype(np.float32)
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def graph(self, outputs):
        return helper.make_graph(self.nodes, f"random{self.seed}", [self.input],
                                 [helper.make_tensor_value_info(o, TensorProto.FLOAT, self._dims(o)) for o in outputs],
                                 self.inits)

    def _dims(self, name):
        """Outputs declare their rank only: onnx and onnxruntime may size a ceil_mode pool differently."""
        return [None] * 4 if name in self.shapes else None

    def add(self, op, inputs, outputs=1, **attrs):
        """Append a node; its outputs (names), or None where shape inference refuses it or a size is < 1."""
        if self.interior and inputs[0] != "x" and _reads_beyond(op, attrs):
            return None
        if "kernel_shape" in attrs and op != "ConvTranspose":
            # (onnx and onnxruntime size a window wider than its padded input 1 where the spec gives 0)
            pads = attrs.get("pads", [0] * 4)
            if any((k - 1) * d + 1 > n + a + b for k, d, n, a, b in
                   zip(attrs["kernel_shape"], attrs.get("dilations", [1, 1]), self.shapes[inputs[0]][1:],
                       pads[:2], pads[2:])):
                return None
        names = [self._name(op) for _ in range(outputs)]
        node = helper.make_node(op, inputs, names, name=names[0], **attrs)
        self.nodes.append(node)
        try:
            inferred = onnx.shape_inference.infer_shapes(self.model(names), strict_mode=True)
        except Exception:
            self.nodes.pop()
            return None
        found = {v.name: v for v in inferred.graph.output}
        shapes = []
        for name in names:
            dims = [d.dim_value if d.HasField("dim_value") else None for d in
                    found[name].type.tensor_type.shape.dim]
            if len(dims) != 4 or any(d is None or d < 1 for d in dims) or max(dims[2:]) > self.limit:
                self.nodes.pop()
                return None
            shapes.append(dims[1:])
        ran = self._run(names)
        if ran != shapes:  # onnx and onnxruntime disagree (ceil_mode's last window, SAME with dilations)
            self.disagreements.append((node, shapes, ran))
            if ran is None or not attrs.get("ceil_mode"):
                self.nodes.pop()
                return None
            # onnxruntime drops a last window that would start in the end padding (as PyTorch and Caffe
            # do), onnx's shape inference (1.23, opset 17) does not: what runs is what is probed. (What
            # reads it is then sized differently by the two and dropped: it stays a leaf.)
            shapes = ran
        for name, shape in zip(names, shapes):
            self.shapes[name] = shape
            self.order.append(name)
        return names

    def _run(self, names):
        """The shapes onnxruntime gives the outputs `names` ([C, H, W] each), or None where it fails."""
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.log_severity_level = 4
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            session = ort.InferenceSession(self.model(names).SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
            image = np.zeros([1] + self.shapes["x"], np.float32)
            return [list(a.shape[1:]) for a in session.run(names, {"x": image})]
        except Exception:
            return None

    def model(self, outputs=None):
        outputs = outputs or [self.order[-1]]
        return helper.make_model(self.graph(outputs), opset_imports=[helper.make_opsetid("", OPSET)])

    def pick(self):
        return self.rng.choice(self.order[-3:])

    # ---------------------------------------------------------------- operators
    def conv(self, x, same=False, channels=None):
        """A random Conv; `same`: stride 1 with SAME padding, so the size stays."""
        c = self.shapes[x][0]
        out = channels or self.rng.choice([2, 3])
        k = [self.rng.choice([1, 2, 3, 3, 5]) for _ in range(2)]
        d = [self.rng.choice([1, 1, 2]) for _ in range(2)]
        attrs = {"kernel_shape": k, "dilations": d}
        if same and self.interior and x != "x":
            attrs["kernel_shape"] = [1, 1]
        elif same and d == [1, 1]:
            attrs["auto_pad"] = self.rng.choice(["SAME_UPPER", "SAME_LOWER"])
        elif same:  # (onnxruntime takes SAME with no dilation): the same size by explicit pads
            begins = [self.rng.randint(0, (kk - 1) * dd) for kk, dd in zip(k, d)]
            attrs["pads"] = begins + [(kk - 1) * dd - b for kk, dd, b in zip(k, d, begins)]
        else:
            attrs["strides"] = [self.rng.choice([1, 1, 2, 3]) for _ in range(2)]
            style = self.rng.choice(["pads", "pads", "SAME_UPPER", "SAME_LOWER", "VALID"])
            if self.interior and x != "x":
                style = "VALID"
            if style == "pads":
                ends = [self.rng.randint(0, (kk - 1) * dd) for kk, dd in zip(k, d)]
                attrs["pads"] = [self.rng.randint(0, (kk - 1) * dd) for kk, dd in zip(k, d)] + ends
            elif style == "VALID" or d == [1, 1]:
                attrs["auto_pad"] = style
            else:
                attrs["dilations"] = [1, 1]
                attrs["auto_pad"] = style
        group = 1
        if out == c and self.rng.random() < 0.3:
            group = c
            attrs["group"] = c
        w = self.weight([out, c // group] + k)
        inputs = [x, w] + ([self.weight([out])] if self.rng.random() < 0.5 else [])
        top = self.add("Conv", inputs, **attrs)
        if top and self.rng.random() < 0.5:
            top = self.add(self.rng.choice(["Relu", "Sigmoid", "LeakyRelu"]), top)
        return top and top[0]

    def pool(self, x):
        op = self.rng.choice(["MaxPool", "AveragePool"])
        k = [self.rng.choice([2, 3]) for _ in range(2)]
        attrs = {"kernel_shape": k, "strides": [self.rng.choice([1, 2, 2, 3]) for _ in range(2)],
                 "ceil_mode": self.rng.randint(0, 1)}
        if self.interior and x != "x":
            attrs.update(ceil_mode=0, auto_pad="VALID")
        elif self.rng.random() < 0.2:  # (ceil_mode with auto_pad: onnx and onnxruntime size it differently)
            attrs["auto_pad"] = self.rng.choice(["SAME_UPPER", "SAME_LOWER", "VALID"])
            attrs["ceil_mode"] = 0
        else:
            attrs["pads"] = [self.rng.randint(0, kk - 1) for kk in k] + [self.rng.randint(0, kk - 1) for kk in k]
        if op == "MaxPool" and self.rng.random() < 0.3:
            attrs["dilations"] = [self.rng.choice([1, 2]) for _ in range(2)]
        if op == "AveragePool":
            attrs["count_include_pad"] = self.rng.randint(0, 1)
        top = self.add(op, [x], **attrs)
        return top and top[0]

    def conv_transpose(self, x):
        c = self.shapes[x][0]
        s = [self.rng.choice([1, 2, 3]) for _ in range(2)]
        k = [self.rng.choice([ss, 2 * ss, 3]) for ss in s]
        attrs = {"kernel_shape": k, "strides": s,
                 "pads": [self.rng.randint(0, kk - 1) for kk in k] + [self.rng.randint(0, kk - 1) for kk in k],
                 "output_padding": [self.rng.randint(0, ss - 1) for ss in s]}
        if self.interior and x != "x":
            attrs = {"kernel_shape": s, "strides": s}
        top = self.add("ConvTranspose", [x, self.weight([c, 2] + k)], **attrs)
        return top and top[0]

    def resize(self, x, sizes=None):
        mode = self.rng.choice(["nearest", "linear"])
        attrs = {"mode": mode, "coordinate_transformation_mode": self.rng.choice(MODES)}
        if mode == "nearest":
            attrs["nearest_mode"] = self.rng.choice(["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
        c, h, w = self.shapes[x]
        if sizes is None and self.rng.random() < 0.5:
            scales = [self.rng.choice([0.5, 1.5, 2.0, 2.0, 3.0]) for _ in range(2)]
            inputs = [x, "", self.const([1, 1] + scales, np.float32)]
        else:
            sizes = sizes or [self.rng.randint(max(1, n // 2), 3 * n) for n in (h, w)]
            if self.rng.random() < 0.5:
                inputs = [x, "", "", self.const([1, c] + list(sizes))]
            else:  # as torch writes F.interpolate(size=...): the batch and channels read from x's shape
                first, sized = self._name("shape"), self._name("sizes")
                self.nodes += [helper.make_node("Shape", [x], [first], name=first, end=2),
                               helper.make_node("Concat", [first, self.const(sizes)], [sized], name=sized, axis=0)]
                inputs = [x, "", "", sized]
        top = self.add("Resize", inputs, **attrs)
        if top is None and inputs[-1] in self.nodes[-1].output:
            del self.nodes[-2:]  # (its sizes' Shape and Concat)
        return top and top[0]

    def pad(self, x, pads=None, mode=None):
        """Pad the spatial axes: pads = [top, left, bottom, right] (negative crops); random by default."""
        _, h, w = self.shapes[x]
        mode = mode or self.rng.choice(["constant", "constant", "reflect", "edge"])
        if pads is None:
            low = -2 if mode == "constant" else 0
            high = 0 if mode == "constant" and self.interior and x != "x" else 3
            pads = [self.rng.randint(low, high) for _ in range(4)]
            if mode == "reflect":
                pads = [min(p, n - 1) for p, n in zip(pads, (h, w, h, w))]
        if self.interior and x != "x" and mode == "constant" and max(pads) > 0:
            return None
        top = self.add("Pad", [x, self.const([0, 0] + pads[:2] + [0, 0] + pads[2:])], mode=mode)
        return top and top[0]

    def slice(self, x):
        _, h, w = self.shapes[x]
        axes = self.rng.choice([[2], [3], [2, 3]])
        starts, ends, steps = [], [], []
        for a in axes:
            n = (h, w)[a - 2]
            lo = self.rng.randint(0, n // 2)
            starts.append(lo)
            ends.append(self.rng.randint(lo + 1, n + 2))  # (beyond the end is clamped)
            steps.append(self.rng.choice([1, 1, 2]))
        top = self.add("Slice", [x, self.const(starts), self.const(ends), self.const(axes), self.const(steps)])
        return top and top[0]

    def split_concat(self, x):
        """Split along H or W into pieces, a same-size conv on some, Concat back along that axis."""
        axis = self.rng.choice([2, 3])
        n = self.shapes[x][axis - 1]
        if n < 3:
            return None
        cuts = sorted(self.rng.sample(range(1, n), self.rng.randint(1, min(2, n - 1))))
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [n])]
        pieces = self.add("Split", [x, self.const(sizes)], outputs=len(sizes), axis=axis)
        if pieces is None:
            return None
        c = self.shapes[x][0]
        pieces = [self.conv(p, same=True, channels=c) or p if self.rng.random() < 0.6 else p for p in pieces]
        if self.rng.random() < 0.2:
            pieces = pieces[::-1]
        top = self.add("Concat", pieces, axis=axis)
        return top and top[0]

    def channel_concat(self, x):
        a, b = self.conv(x, same=True), self.conv(x, same=True)
        top = a and b and self.add("Concat", [a, b], axis=1)
        return top and top[0]

    def space_concat(self, x):
        """x beside (or over) a same-size conv of it: Concat along H or W."""
        y = self.conv(x, same=True, channels=self.shapes[x][0])
        axis = self.rng.choice([2, 3])
        top = y and self.add("Concat", [x, y] if self.rng.random() < 0.5 else [y, x], axis=axis)
        return top and top[0]

    def add_paths(self, x):
        """Two paths of different windows and strides, brought to one size by Pad (asymmetric), summed."""
        c = self.shapes[x][0]
        a = self.conv(x, channels=c)
        b = self.pool(x) if self.rng.random() < 0.5 else self.conv(x, channels=c)
        if a is None or b is None:
            return None
        pads = {a: [0, 0, 0, 0], b: [0, 0, 0, 0]}
        for axis in (1, 2):
            short, long_ = sorted((a, b), key=lambda t: self.shapes[t][axis])
            gap = self.shapes[long_][axis] - self.shapes[short][axis]
            before = self.rng.randint(0, gap)
            pads[short][axis - 1], pads[short][axis + 1] = before, gap - before
        mode = "edge" if self.interior else "constant"
        a = self.pad(a, pads[a], mode) if any(pads[a]) else a
        b = self.pad(b, pads[b], mode) if any(pads[b]) else b
        top = a and b and self.add("Add", [a, b])
        return top and top[0]

    def global_add(self, x):
        g = self.add(self.rng.choice(["GlobalAveragePool", "GlobalMaxPool"]), [x])
        top = g and self.add("Add", [x, g[0]])
        return top and top[0]

    def build(self, steps):
        ops = [self.conv, self.conv, self.pool, self.conv_transpose, self.resize, self.pad, self.slice,
               self.split_concat, self.channel_concat, self.space_concat, self.add_paths, self.global_add]
        if self.separable:
            ops = [op for op in ops if op not in (self.split_concat, self.space_concat)]
        if self.rng.random() < 0.3:
            ops.append(self.global_add)
        for _ in range(steps):
            self.rng.choice(ops)(self.pick())
        return self

    def blobs(self):
        """Every 4-D tensor but the input: the blobs to probe."""
        return self.order[1:]


def _reads_beyond(op, attrs):
    """Whether a node of these attributes reads positions beyond its input's ends (padding)."""
    if op in ("Conv", "MaxPool", "AveragePool"):
        return (any(attrs.get("pads", [])) or attrs.get("ceil_mode", 0)
                or attrs.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"))
    if op == "ConvTranspose":
        return attrs.get("kernel_shape") != attrs.get("strides") or any(attrs.get("pads", []))
    return False


def random_model(seed, steps=6, size=(16, 48), interior=False, separable=False):
    """(model with every blob as an output, blob names), checked by onnx.checker."""
    net = NetBuilder(seed, size, interior=interior, separable=separable).build(steps)
    blobs = net.blobs()
    model = net.model(blobs or ["x"])
    onnx.checker.check_model(model, full_check=True)
    return model, blobs

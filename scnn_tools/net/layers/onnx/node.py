"""What an ONNX operator's rule reads of its node (the API is described in /work/briefs/onnx-api.md).

`node(ctx)` gives the layer's OnnxNode, once per Ctx: its op, opset,
attributes, and each ONNX input by position, wherever it comes from (a data
bottom, an initializer's dims, a constant, an expression of shapes), read from
the layer's OnnxLayer (netfile/onnxfile.py), which the graph's Node holds.
"""

from scnn_tools.net.layers import registry
from scnn_tools.net.layers.registry import fmt_shape, product
# (imported here, not in the functions each node calls: an import statement costs microseconds even when done;
# onnxfold's numpy stays where a value is folded)
from scnn_tools.netfile.onnxfile import Source as _S, attributes

# Every onnx.* type's reason for export: the model is ONNX already.
ALREADY = "the layer is an ONNX node already: the model it was read from is the ONNX file"


def node(ctx):
    return ctx.once("onnx", OnnxNode)


# Opset-1..6 arithmetic and comparisons: broadcast 1 aligns B at `axis`, which the numpy rules do not say.
NUMPY_ONLY = {"broadcast": 0}


def register(name, family, reads=(), defaults=None, **rules):
    """registry.register for an ONNX operator. `reads`: every attribute its rules read or know to change no
    shape, field or cost (an activation's alpha); `defaults`: {attribute: the one value the rules hold for}
    (a legacy Add's broadcast 0). Any other attribute (a newer opset's, a typo, a vendor's), or one of
    `defaults` at another value, may change what the node computes in ways no rule knows: the graph warns
    naming it, and the node's outputs are unknown."""
    known, defaults = frozenset(reads), dict(defaults or {})

    def unread(attrs):
        return [f"{a} = {v!r}" if a in defaults else a for a, v in attrs.items()
                if a not in known and (a not in defaults or not isinstance(v, (int, float, str)) or v != defaults[a])]

    def check(graph_node):
        record = graph_node.onnx
        if known.issuperset(record.attribute_names):
            return []  # (the common case, without converting the attributes' values)
        op = name[len(registry.ONNX):]
        return [("onnx-unread-attribute", f"layer '{graph_node.name}' ({op}): attribute {a} is not one scnn-tools' "
                 f"rules for {op} read, and it may change what the node computes: its outputs are unknown")
                for a in unread(attributes(record.node))]

    check.reads, check.defaults = known, defaults  # (for tests/test_onnx_unknown.py's check against the spec)
    shape = rules.pop("shape", None) or registry.same_shape

    def unread_of(ctx):
        found = node(ctx)
        if found.unread is None:  # (once a node: its shape rule and its multiply-adds ask)
            # (as check: most nodes, without converting the attributes' values)
            found.unread = [] if known.issuperset(found.attribute_names) else unread(found.attrs)
        return found.unread

    def shape_unless_unread(ctx):
        names = unread_of(ctx)
        if names:
            return ctx.unknown(f"attribute {', '.join(names)} is not one its rules read", [None] * ctx.ntops,
                               warned=True)  # (by check, when the graph was built)
        return shape(ctx)

    if "deps" in rules:
        deps = rules["deps"]
        # (a layer of constants only, onnxfile._Reader._costs, reads no blob: none of its outputs has a field)
        rules["deps"] = lambda ctx: deps(ctx) if ctx.bottoms else [{}] * ctx.ntops
    if "macc" in rules:
        macc = rules["macc"]
        rules["macc"] = lambda ctx, tops: None if unread_of(ctx) else macc(ctx, tops)
    registry.register(name, family, shape=shape_unless_unread, check=check, min_bottoms=0, **rules)


class Weight(list):
    """A learnt blob's shape, named by its initializer: a weight several nodes read (SCNN's shared kernels, a
    tied embedding) counts once in the totals (engine/totals.py), as Caffe's param { name } does."""

    __slots__ = ("name",)

    def __init__(self, dims, name):
        super().__init__(dims)
        self.name = name


def _floats(tensor):
    """A TensorProto holds floating-point values (FLOAT, DOUBLE, FLOAT16, BFLOAT16, 8- and 4-bit floats)."""
    return tensor.data_type in (1, 10, 11, 16, 17, 18, 19, 20, 23, 24)


class OnnxNode:
    __slots__ = ("ctx", "proto", "opset", "op", "attribute_names", "inputs", "sources", "ndata", "_values", "_attrs",
                 "unread")

    def __init__(self, ctx):
        layer = ctx.node.onnx
        self.ctx = ctx
        self.proto, self.opset, self.op = layer.node, layer.opset, layer.op
        self.attribute_names = layer.attribute_names
        self.inputs = layer.inputs
        self.sources = layer.sources
        self.ndata = layer.data_bottoms
        self._values = {}
        self._attrs = None
        self.unread = None  # (the attributes no rule of its operator reads: register's unread_of)

    @property
    def attrs(self):
        """The attributes' values by name (onnxfile.attributes), converted when a rule first asks."""
        if self._attrs is None:
            self._attrs = attributes(self.proto)
        return self._attrs

    # ---------------------------------------------------------- attributes
    def attr(self, name, default=None, kind=None):
        """Attribute `name`, or `default` where the node has none; it must be of `kind` (int, float, str, list),
        which is the default's type where not given."""
        attrs = self.attrs
        if name not in attrs:
            return default
        value, kind = attrs[name], kind or (type(default) if default is not None else None)
        if value is None or (kind is not None and not isinstance(value, kind)):
            said = {int: "an int", float: "a float", str: "a string", list: "a list"}.get(kind, "readable")
            self.fail(f"attribute {name} is not {said}")
        return value

    def per_axis(self, name, n, default):
        """An ints attribute with one value per spatial axis (strides, dilations), or `default` for each."""
        values = self.attr(name, kind=list)
        if values is None:
            return [default] * n
        if len(values) != n:
            self.fail(f"{name} {list(values)} has {len(values)} values for {n} spatial axes")
        return list(values)

    # -------------------------------------------------------------- inputs
    @property
    def n(self):
        """How many input positions the node has (optional ones left out at the end do not count)."""
        return len(self.inputs)

    def present(self, i):
        return i < len(self.sources) and self.sources[i] != _S.ABSENT

    def need_inputs(self, low, high=None):
        n = len(self.inputs)
        if n < low or (high is not None and n > high) or _S.ABSENT in self.sources[:low]:
            want = str(low) if high == low else f"{low} to {high}" if high else f"at least {low}"
            self.fail(f"needs {want} input(s), has {n}"
                      + (f" ({sum(self.present(i) for i in range(n))} given)" if n >= low else ""))

    def known_shapes(self, low, high=None):
        """need_inputs(low, high), then the shapes of the first `low` inputs, or None where one is unknown."""
        self.need_inputs(low, high)
        shapes = [self.shape(i) for i in range(low)]
        return None if any(s is None for s in shapes) else shapes

    def is_data(self, i):
        return i < len(self.sources) and self.sources[i] == _S.DATA

    def bottom(self, i):
        """The bottom index of data input i, or None."""
        return self.inputs[i].bottom if self.is_data(i) else None

    def data(self, i, what="input"):
        """The shape of input i, which must be a data blob (or, in a layer of constants only, a constant)."""
        if self.ndata == 0 and self.present(i) and self.sources[i] in (_S.WEIGHT, _S.CONSTANT):
            return list(self.inputs[i].dims)
        if not self.is_data(i):
            self.fail(f"{what} (input {i}) must be a blob computed by the net, not a constant")
        return self.ctx.bottoms[self.inputs[i].bottom]

    def spatial(self, verb, i=0, what="X"):
        """The shape of data input i, which must be N x C x spatial axes (the ops that `verb` such blobs)."""
        x = self.data(i, what)
        if len(x) < 3:
            self.fail(f"{verb} N x C x spatial blobs, {what} is {fmt_shape(x)}")
        return x

    def shape(self, i):
        """The shape of input i wherever it comes from; None where absent or not known."""
        if not self.present(i):
            return None
        entry, source = self.inputs[i], self.sources[i]
        if source == _S.DATA:
            return self.ctx.bottoms[entry.bottom]
        if source == _S.WEIGHT or source == _S.CONSTANT:
            return list(entry.dims)
        value = self.value(i)
        return None if value is None else list(value.shape)

    def value(self, i):
        """The value of input i (numpy) where known before the net runs (a constant, or an expression of the
        bottoms' shapes); None for a blob, a weight, an absent input or a value not known."""
        if i not in self._values:
            self._values[i] = self._value(i)
        return self._values[i]

    def _value(self, i):
        if not self.present(i):
            return None
        entry = self.inputs[i]
        from scnn_tools.netfile import onnxfold
        if entry.source == _S.CONSTANT:
            try:
                return onnxfold.to_array(entry.tensor)
            except onnxfold.NotFoldable:
                return None
        if entry.source != _S.EXPRESSION:
            return None
        try:
            return onnxfold.evaluate(entry.expression, [self.ctx.bottoms[b] for b in entry.shape_bottom])
        except onnxfold.NotFoldable as exc:
            # (said here: a rule given None for it may only say that some shape is unknown, or nothing)
            return self.unknown(f"input {i} ('{entry.name}'), computed from blobs' shapes, cannot be worked out "
                                f"before the net runs ({exc})")

    def weights(self, *positions):
        """The shapes (Weight) of the inputs at `positions` that are given and are no data blobs: a rule's
        params where those inputs are its weights (Conv's W and B); of unknown size where an input's shape is
        not known before the net runs (a value computed by an op the reader does not fold)."""
        return [Weight(self.shape(i) or [None], self.inputs[i].name if self.inputs[i].initializer else "")
                for i in positions if self.present(i) and not self.is_data(i) and not self.inputs[i].activation]

    def learnt(self, i):
        """Input i is a learnt weight: an initializer of more than one element (PyTorch writes its Python
        scalars, hyper-parameters, as initializers too; a value computed in the graph is no weight)."""
        if not self.present(i) or self.sources[i] not in (_S.WEIGHT, _S.CONSTANT):
            return False
        entry = self.inputs[i]
        if self.sources[i] == _S.CONSTANT and not _floats(entry.tensor):
            return False  # (integers are offsets or indices: PyTorch's unpooling adds c * H * W per channel)
        return entry.initializer and product(entry.dims) > 1

    def ints(self, i):
        """Input i's value as a list of ints, or None where not known."""
        value = self.value(i)
        return None if value is None else [int(v) for v in value.reshape(-1)]

    def fail(self, message):
        self.ctx.fail(message)

    def unknown(self, why, value=None):
        """Leave something unknown saying why (registry.Ctx.unknown): gives `value`."""
        return self.ctx.unknown(why, value)

    def not_known(self, what, value=None):
        """Leave the outputs unknown because `what`, an input the rule needs the value of, is computed from values
        not known before the net runs (a blob's, or an initializer's whose data is not in the file)."""
        return self.unknown(f"its {what} is not known before the net runs, so neither is its output's shape", value)

"""An ONNX model -> a NetFile whose net holds one Caffe LayerParameter per ONNX node.

Every command and the engine then work on it unchanged. A node becomes a layer
of type "onnx.<OpType>" ("onnx.<domain>.<OpType>" outside the default domain)
whose bottoms are the node's data inputs and whose tops are its outputs; what a
rule needs beyond them is the layer's OnnxLayer (NetFile.onnx_layers, beside
net.layer; net/graph.py gives it to the layer's Node): the NodeProto as parsed,
and for each input position where it comes from (a data bottom, an
initializer's dims, a constant's value, or an expression of bottoms' shapes).
Plain Python, read as it is: a model has thousands of nodes, and serialising
each into its layer for every rule to parse back cost more than the rules.
Graph inputs that are no initializers become "onnx.Input" layers, their dims
in the layer's onnx_param (proto/caffe.proto's OnnxParameter). The nodes
exporters emit to compute shapes are folded here or kept as expressions
(onnxfold.py), not made layers.

The model is read with scnn-tools' own schema (proto/onnx_model.proto, generated onnx_model_pb2.py), not the
onnx package, whose import costs seconds; numpy is imported only when a model is read. Initializer data is
never needed beyond small constants: a model saved with external data is read without its data file.
"""

from scnn_tools import caffe_pb2
from scnn_tools.errors import InputError, warning
from . import onnxunpool
from .wire import fields, key

# A constant of at most this many elements is kept as a value (a Reshape's target, a Resize's scales);
# a larger one only by its dims.
VALUE_LIMIT = 4096



class Source:
    """Where an ONNX input position's value comes from (Operand.source)."""
    ABSENT = 0      # an optional input left out (empty name)
    DATA = 1        # a blob: bottom `bottom`
    WEIGHT = 2      # an initializer, or a constant too large to keep: its dims only
    CONSTANT = 3    # a value known before the net runs: `tensor`
    EXPRESSION = 4  # a value computed from the shapes of bottoms: `expression`
    UNKNOWN = 5     # a value computed from data, or by an op scnn-tools cannot fold: `why`


class Operand:
    """One input position of an ONNX node, as its rules read it (layers/onnx/node.py)."""

    __slots__ = ("name", "source", "bottom", "dims", "tensor", "initializer", "activation", "expression",
                 "shape_bottom", "why")

    def __init__(self, name, source, bottom=None, dims=(), tensor=None, initializer=False, activation=False,
                 expression=None, shape_bottom=(), why=""):
        self.name, self.source = name, source
        self.bottom = bottom              # DATA: the bottom index
        self.dims = dims                  # WEIGHT and CONSTANT: the tensor's dims
        self.tensor = tensor              # CONSTANT: its TensorProto
        self.initializer = initializer    # WEIGHT and CONSTANT: a graph initializer, not a value folded in the graph
        # WEIGHT and CONSTANT: an activation of constants (a Relu of a table, swin_v2's position-bias MLP), which
        # is no learnt weight even where it was computed from one
        self.activation = activation
        self.expression = expression      # EXPRESSION: a GraphProto computing it from the shapes of its inputs,
        self.shape_bottom = shape_bottom  # which are these bottoms (after the data bottoms)
        self.why = why                    # UNKNOWN: why


class OnnxLayer:
    """What the rules read of an ONNX node beyond its layer's bottoms and tops."""

    __slots__ = ("node", "op", "opset", "inputs", "sources", "data_bottoms", "field_bottom", "unpool",
                 "attribute_names", "names")

    def __init__(self, node, op, opset, inputs, sources, data_bottoms, attribute_names, names):
        self.node = node                  # the NodeProto (onnx_model_pb2)
        self.op = op                      # its op_type
        self.opset = opset                # the opset version the model imports for the node's domain
        # the names of the node's attributes, read once (a protobuf read makes new objects every time: the graph's
        # check and every rule ask which attributes a node has)
        self.attribute_names = attribute_names
        # (the layer's name, type, bottoms and tops, as its LayerParameter has them: the graph's Node takes them
        # from here, not back from the protobuf the reader wrote them into, a read that makes new objects)
        self.names = names
        self.inputs = inputs              # an Operand per ONNX input position
        self.sources = sources            # their sources (what the rules ask most of them)
        # The bottoms after the first data_bottoms are read for their shapes only (by an expression).
        self.data_bottoms = data_bottoms
        # Blobs the fields of the layer's tops read that are no input of its node: bottoms after the node's own
        # (net/graph.py), which no memory counts as read again; and the unpooling they are (PyTorch's
        # max_unpool2d: netfile/onnxunpool.py's Unpooling).
        self.field_bottom, self.unpool = [], None


def looks_onnx(data, source):
    """By name (.onnx), or by content: every ONNX writer serialises ModelProto's field 1 (ir_version, a
    varint) first, a byte no prototxt text starts with and no Caffe NetParameter (field 1 is its name,
    a string) either."""
    return str(source).lower().endswith(".onnx") or data[:1] == b"\x08"


def parse_model(data, source):
    """(the ModelProto in `data`, {initializer index: raw_data}), or None where it is not one (no graph with
    nodes, or no opset_import). The large initializers' raw_data is left out of the ModelProto, and given
    apart as views of `data`: a model's weights are most of its bytes, and the reader needs their dims, not
    their values (onnx_model.proto's parse would copy them all)."""
    from google.protobuf.message import DecodeError
    from scnn_tools.onnx_model_pb2 import ModelProto
    skeleton = _without_raw_data(memoryview(data))
    model = ModelProto()
    try:
        model.ParseFromString(bytes(data) if skeleton is None else skeleton[0])
    except (DecodeError, RuntimeError, ValueError):
        return None
    if not model.HasField("graph") or not len(model.graph.node) or not len(model.opset_import):
        return None
    return model, ({} if skeleton is None else skeleton[1])


# An initializer's raw_data longer than this is parsed only where a value is folded from it.
RAW_LIMIT = 1 << 16


def _without_raw_data(data):
    """(the serialized model without the raw_data of its initializers of more than RAW_LIMIT bytes,
    {initializer index: that raw_data}) by the protobuf wire format; None where there are none, or the bytes do
    not walk as a model with one graph (protobuf's own parse then says what is wrong)."""
    pieces, graph = [], None
    try:
        for number, kind, key_at, start, end in fields(data, 0, len(data)):
            if number != 7:
                pieces.append(data[key_at:end])
                continue
            if graph is not None or kind != 2:
                return None
            graph = _graph_pieces(data, start, end)
            body = b"".join(graph[0])
            pieces += [key(7, len(body)), body]
    except ValueError:
        return None
    return (b"".join(pieces), graph[1]) if graph is not None and graph[1] else None


def _graph_pieces(data, start, end):
    """The GraphProto's fields, its large initializers re-encoded without their raw_data; and those raw_data."""
    pieces, raws, kept, index = [], {}, start, 0
    for number, kind, key_at, begin, stop in fields(data, start, end):
        if number != 5:
            continue
        if kind == 2 and stop - begin > RAW_LIMIT:
            raw = [(t_key, t_begin, t_end) for n, k, t_key, t_begin, t_end in fields(data, begin, stop)
                   if n == 9 and k == 2]
            if len(raw) == 1 and raw[0][2] - raw[0][1] > RAW_LIMIT:  # (protobuf keeps the last of several: left to it)
                raw_key, raw_begin, raw_end = raw[0]
                body = b"".join((data[begin:raw_key], data[raw_end:stop]))
                pieces += [data[kept:key_at], key(5, len(body)), body]
                kept = stop
                raws[index] = data[raw_begin:raw_end]
        index += 1
    pieces.append(data[kept:end])
    return pieces, raws


def read(data, source):
    """The NetFile of the model in `data`; None where `data` is no ONNX model and the name does not say it is."""
    from .reader import NetFile
    parsed = parse_model(data, source)
    if parsed is None:
        if not str(source).lower().endswith(".onnx"):
            return None
        raise InputError("not an ONNX model: no graph with nodes and an opset_import (a corrupt or truncated "
                         "file, or another format named .onnx)", source)
    model, raws = parsed
    try:
        reader = _Reader(model, source, raws)
    except UnicodeDecodeError:
        # (protobuf decodes a string field when it is read: a damaged file shows here)
        reader = None
    except InputError:
        # (a name that is not text is the likelier cause of any other complaint about the file: said first)
        if not _not_text(model):
            raise
        reader = None
    if reader is None:
        raise InputError("not an ONNX model: a name in it is not UTF-8 text (a corrupt file?)", source)
    net, lines = reader.net, reader.lines
    meta = {
        "ir_version": model.ir_version,
        "opset": {(d.domain or "ai.onnx"): d.version for d in model.opset_import},
        "producer": " ".join(p for p in (model.producer_name, model.producer_version) if p) or None,
    }
    netfile = NetFile(source, "", net, "onnx", [], lines, reader.warnings)
    netfile.model, netfile.onnx_layers = meta, reader.layers
    return netfile


def _not_text(model):
    """Whether a name the reader reads is not UTF-8 text (protobuf gives such a string field as bytes, or raises
    when it is read). The reader checks each as it reads it (_text); this looks at all of them."""
    g = model.graph
    names = [model.producer_name, model.producer_version, g.name] + [d.domain for d in model.opset_import]
    names += [v.name for v in list(g.input) + list(g.output)] + [t.name for t in g.initializer]
    try:
        for n in g.node:
            names += (n.name, n.op_type, n.domain)
            names += n.input
            names += n.output
            for a in n.attribute:
                names.append(a.name)
    except UnicodeDecodeError:
        return True
    return bool(set(map(type, names)) - {str})


def _text(*groups):
    """Raise UnicodeDecodeError where a name in `groups` (lists of names) is not text (see _not_text)."""
    for names in groups:
        for name in names:
            if type(name) is not str:
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "a name is not text")


# AttributeProto.AttributeType (onnx_model.proto, onnx.proto's numbers), as plain ints: read through a message
# instance, each costs a protobuf lookup, several for every attribute of every node.
_FLOAT, _INT, _STRING, _TENSOR, _GRAPH, _FLOATS, _INTS, _STRINGS = 1, 2, 3, 4, 5, 6, 7, 8


def attributes(node):
    """A NodeProto's attributes as Python values: ints, floats, str, lists, numpy arrays for tensors (a graph
    attribute as its GraphProto)."""
    out = {}
    for a in node.attribute:
        kind = a.type
        if kind == _INTS:
            value = a.ints[:]
        elif kind == _INT:
            value = a.i
        elif kind == _FLOAT:
            value = a.f
        elif kind == _STRING:
            value = a.s.decode("utf-8", errors="replace")
        elif kind == _TENSOR:
            from .onnxfold import NotFoldable, to_array  # (numpy: only for a node that holds a tensor)
            try:
                value = to_array(a.t)
            except NotFoldable:
                value = None
        elif kind == _GRAPH:
            value = a.g
        elif kind == _FLOATS:
            value = a.floats[:]
        elif kind == _STRINGS:
            value = [v.decode("utf-8", errors="replace") for v in a.strings]
        else:
            value = None  # (tensors, graphs, sparse tensors, types: no rule reads them)
        out[a.name] = value
    return out


class _Value:
    """What the reader knows of one named value before the net runs."""

    __slots__ = ("kind", "dims", "_tensor", "raw", "array", "nodes", "why", "initializer", "activation")

    def __init__(self, kind, dims=None, tensor=None, array=None, nodes=(), why=None, initializer=False, raw=None,
                 activation=False):
        self.kind = kind        # "data", "const", "weight", "expr" or "unknown"
        self.dims = dims        # const and weight: the tensor's dims
        self._tensor = tensor   # const from an initializer: its TensorProto (converted when needed)
        self.raw = raw          # its raw_data, where parse_model left that out of it
        self.array = array      # const: its value (numpy)
        self.nodes = nodes      # expr: the indices of the nodes that compute it
        self.why = why          # unknown: why
        self.initializer = initializer  # const and weight: a graph initializer, not a value computed in the graph
        self.activation = activation    # const and weight: computed through an activation (onnxfold.ACTIVATIONS)
        # weight: `tensor` is the initializer's TensorProto (its data elsewhere), or `array` holds ones of the
        # dims and type of a weight computed from such a one: stand-ins that fold shapes, never values

    @property
    def tensor(self):
        if self.raw is not None:
            self._tensor.raw_data, self.raw = bytes(self.raw), None  # (a value is folded from it: rarely)
        return self._tensor

    def value(self):
        if self.array is None and self.tensor is not None:
            from .onnxfold import to_array
            self.array = to_array(self.tensor)
        return self.array


# A blob's value: nothing is known of it before the net runs, which every blob shares.
_DATA = _Value("data")


def _initializer(tensor, raw):
    dims = tensor.dims[:]  # (a slice: the fastest list of a repeated protobuf field)
    if tensor.data_location == _EXTERNAL:
        return _Value("weight", dims, tensor=tensor, initializer=True)  # its data lives in another file, never needed
    return _Value("const", dims, tensor=tensor, initializer=True, raw=raw)


# TensorProto.EXTERNAL (onnx_model.proto's DataLocation)
_EXTERNAL = 1


class _Reader:
    def __init__(self, model, source, raws=None):
        g = model.graph
        self.model, self.graph, self.source = model, g, source
        domains = [d.domain for d in model.opset_import]
        initializers, inputs, outputs = g.initializer, list(g.input), list(g.output)
        names = [t.name for t in initializers]
        _text([model.producer_name, model.producer_version, g.name], domains, names, [v.name for v in inputs],
              [v.name for v in outputs])
        self.opsets = {(domain or "ai.onnx"): d.version for domain, d in zip(domains, model.opset_import)}
        self.net = caffe_pb2.NetParameter(name=g.name)
        self.lines, self.warnings, self.names = [], [], set()
        self.layers = []  # (an OnnxLayer per layer of net, None for an onnx.Input)
        self.ops = set()  # (the nodes' op types)
        raws = raws or {}
        self.values = {name: _initializer(t, raws.get(i)) for i, (name, t) in enumerate(zip(names, initializers))}
        self.values.update((t.name, _Value("weight", list(t.values.dims), initializer=True))
                           for t in g.sparse_initializer)
        self.renamed, self.inputs, self.readers = [], [], {}
        for value_info in inputs:
            if value_info.name not in self.values:
                self._input(value_info)
        for index, node in enumerate(g.node):
            self._node(index, node)
        self._channels_last()
        onnxunpool.find(self)
        if self.renamed:
            shown = ", ".join(f"node {i + 1} as '{n}'" for i, n in self.renamed[:3])
            more = f" and {len(self.renamed) - 3} more" if len(self.renamed) > 3 else ""
            self.warnings.append(warning("onnx-node-names", f"{len(self.renamed)} node(s) have no name or one "
                                         f"another node has: named after their op and index ({shown}{more})"))

    def _fail(self, index, node, message):
        raise InputError(f"node {index + 1} ('{node.name or node.op_type}', {node.op_type}): {message}",
                         self.source, layer=node.name or None)

    def _input(self, value_info):
        layer = self.net.layer.add(name=self._unique(value_info.name or "input"), type="onnx.Input")
        layer.top.append(value_info.name)
        tensor = value_info.type.tensor_type
        dims = layer.onnx_param.dim
        layer.onnx_param.no_shape = not tensor.HasField("shape")
        if tensor.HasField("shape"):
            for d in tensor.shape.dim:
                dim = dims.add()
                # (onnx/docs/IR.md: a dim is unknown where it has neither dim_value nor dim_param; a dim_value of 0
                # is a real empty axis, as a (5, 0) tensor's)
                if d.HasField("dim_value") and d.dim_value >= 0:
                    dim.value = d.dim_value
                elif d.dim_param:
                    dim.param = d.dim_param
        if len(dims) >= 3 and not dims[0].HasField("value"):
            # A dynamic batch (torch.onnx.export's dynamic_axes): every figure is per image, so one image.
            dims[0].value = 1
            called = f" '{dims[0].param}'" if dims[0].param else ""
            self.warnings.append(warning(
                "onnx-dynamic-batch", f"input '{value_info.name}': its first axis{called} is dynamic; analysed "
                "with 1 image (give --batch N for the memory of N)", layer.name))
        self.lines.append(None)
        self.layers.append(None)
        self.values[value_info.name] = _DATA
        self.inputs.append(layer)
        self.readers[value_info.name] = []

    def _channels_last(self):
        """Mark the inputs read channels-last: every node that reads one is a Transpose to channels-first
        (perm 0, r-1, 1, ..., r-2), as tf2onnx writes TensorFlow's N x H x W x C images. ONNX's windows read
        N x C x H x W, so their h and w are the input's axes r-3 and r-2, not its last two."""
        for layer in self.inputs:
            rank = len(layer.onnx_param.dim)
            if rank < 4:
                continue
            perm = [0, rank - 1, *range(1, rank - 1)]
            found = self.readers[layer.top[0]]
            if found and all(n.op_type == "Transpose" and
                             [list(a.ints) for a in n.attribute if a.name == "perm"] == [perm] for n in found):
                layer.onnx_param.image_axes.extend([rank - 3, rank - 2])

    def _unique(self, name):
        while name in self.names:
            name += "_"
        self.names.add(name)
        return name

    def _node(self, index, node):
        # (each field of the NodeProto read once, and its names checked as they are read: every read of a protobuf
        # field makes new objects; a slice is the fastest list of a repeated one)
        op, domain, name = node.op_type, node.domain, node.name
        inputs, outputs, attribute_names = node.input[:], node.output[:], [a.name for a in node.attribute]
        _text((op, domain, name), inputs, outputs, attribute_names)
        self.ops.add(op)
        values, kinds, known, readers = [], set(), self.values, self.readers
        for input_name in inputs:
            if not input_name:
                values.append(None)  # (an optional input left out)
                continue
            if input_name not in known:
                self._fail(index, node, f"reads '{input_name}', which no node before it, graph input or "
                                        "initializer gives (ONNX lists nodes in an order that computes each value "
                                        "first)")
            value = known[input_name]
            values.append(value)
            kinds.add(value.kind)
            if input_name in readers:
                readers[input_name].append(node)
        shape_only = op in ("Shape", "Size") and domain in ("", "ai.onnx")
        # (a node that runs a subgraph (If, Loop, Scan) is a layer whatever it reads: its rule says its outputs are
        # unknown and why, naming it)
        if ("data" in kinds and not shape_only) or (op in _SUBGRAPHS and domain in ("", "ai.onnx")) or self._costs(
                node, values):
            self._layer(index, node, name, op, domain, inputs, outputs, values, attribute_names)
            return
        if "unknown" in kinds:
            why = next(v.why for v in values if v is not None and v.kind == "unknown")
            result = [_Value("unknown", why=why)] * len(outputs)
        elif "data" in kinds or "expr" in kinds:
            closure = {index}.union(*(v.nodes for v in values if v is not None and v.kind == "expr"))
            result = [_Value("expr", nodes=frozenset(closure))] * len(outputs)
            if "weight" in kinds:
                result = [_Value("unknown", why=f"{op} node '{name}' reads an initializer "
                                                 "whose data is not in the file")] * len(outputs)
        else:
            result = self._fold(node, values)
        for output, value in zip(outputs, result):
            if output:
                known[output] = value

    def _costs(self, node, values):
        """A node of constants only that convolves or multiplies learnt weights, with an op the reader does not
        fold (RAFT's first flow through its motion encoder, swin_v2's position-bias MLP): a layer, so that its
        weights and multiply-adds count as the framework counts them, its outputs blobs whose shapes its rule
        gives."""
        from . import onnxfold
        from scnn_tools.net.layers import registry
        if node.domain not in ("", "ai.onnx") or onnxfold.foldable(node.op_type) or any(
                v is None or v.kind not in ("const", "weight") for v in values if v is not None):
            return False
        kind = registry.kind_of(caffe_pb2.LayerParameter(type=f"onnx.{node.op_type}"))
        return (kind is not None and kind.family in (registry.CONVOLUTION, registry.INNER_PRODUCT)
                and any(v is not None and v.initializer and not v.activation and _count(v.dims) > 1 for v in values))

    def _fold(self, node, values):
        from . import onnxfold  # (numpy: only when a model is read)
        if node.domain not in ("", "ai.onnx") or not onnxfold.foldable(node.op_type):
            why = f"{node.op_type} node '{node.name}' computes from constants with an op scnn-tools does not fold"
            return [_Value("unknown", why=why)] * len(node.output)
        missing = any(v is not None and v.kind == "weight" for v in values)
        if missing:
            # A table whose data is elsewhere, scattered, reshaped or gathered before it meets the data (Swin's
            # attention mask, MaxViT's position biases): the result's dims are known unless a missing tensor is
            # read as a shape, axes or bounds (_SHAPING); an index's value moves values, not dims. They fold on
            # stand-ins (ones, integer zeros: valid indices); the result is a weight too: dims, no value.
            shaping = _SHAPING.get(node.op_type, ())
            stand_ins = [None if v is None else v.value() if v.kind != "weight" else _stand_in(v) for v in values]
            if any(v is not None and (s is None or (v.kind == "weight" and i in shaping))
                   for i, (v, s) in enumerate(zip(values, stand_ins))):
                why = f"{node.op_type} node '{node.name}' reads an initializer whose data is not in the file"
                return [_Value("unknown", why=why)] * len(node.output)
        try:
            arrays = onnxfold.run(node, stand_ins if missing else [None if v is None else v.value() for v in values])
        except onnxfold.NotFoldable as exc:
            return [_Value("unknown", why=str(exc))] * len(node.output)
        activation = node.op_type in onnxfold.ACTIVATIONS or any(v is not None and v.activation for v in values)
        # An initializer with only axes of 1 added or taken away (or its type changed) is still that learnt tensor
        # (onnxruntime's dynamic quantizer reshapes each convolution's bias to C x 1 x 1 before it adds it). Not so
        # a tensor laid out anew: Swin's exporter writes a relative-position table already gathered, 2,401 x 6,
        # and reshapes it to 49 x 49 x 6: torch counts the 169 x 6 table, and no file can give that back.
        learnt = (node.op_type in onnxfold.SAME_TENSOR and values and values[0] is not None and values[0].initializer
                  and len(arrays) == 1 and _unit_free(arrays[0].shape) == _unit_free(values[0].dims))
        return [_Value("weight" if missing else "const", list(a.shape), array=a, activation=activation,
                       initializer=learnt) for a in arrays]

    def _layer(self, index, node, name, op, domain, input_names, outputs, values, attribute_names):
        prefix = "" if domain in ("", "ai.onnx") else domain + "."
        if not name or name in self.names:
            name = f"{op}_{index}"
            self.renamed.append((index, name))
        name = self._unique(name)
        inputs, sources, bottoms, exprs = [], [], [], []
        for input_name, value in zip(input_names, values):
            if value is None:
                entry = Operand(input_name, Source.ABSENT)
            elif value.kind == "data":
                entry = Operand(input_name, Source.DATA, len(bottoms))
                bottoms.append(input_name)
            elif value.kind in ("const", "weight"):
                small = value.kind == "const" and _count(value.dims) <= VALUE_LIMIT
                entry = Operand(input_name, Source.CONSTANT if small else Source.WEIGHT, dims=value.dims,
                                tensor=_tensor(value) if small else None, initializer=value.initializer,
                                activation=value.activation)
            elif value.kind == "expr":
                entry = Operand(input_name, Source.EXPRESSION)
                exprs.append((entry, value))
            else:
                entry = Operand(input_name, Source.UNKNOWN, why=value.why)
                self.warnings.append(warning("onnx-unknown-value", f"layer '{name}' ({op}): input "
                                             f"'{input_name}' is not known before the net runs ({value.why})", name))
            inputs.append(entry)
            sources.append(entry.source)
        data_bottoms = len(bottoms)
        for entry, value in exprs:
            entry.expression, leaves = self._expression(entry.name, value)
            for leaf in leaves:
                if leaf not in bottoms:
                    bottoms.append(leaf)
            entry.shape_bottom = [bottoms.index(leaf) for leaf in leaves]
        tops = _tops(name, outputs)
        layer_type = f"onnx.{prefix}{op}"
        self.net.layer.add(name=name, type=layer_type, bottom=bottoms, top=tops)
        self.layers.append(OnnxLayer(node, op, self.opsets.get(domain or "ai.onnx", 0), inputs, sources, data_bottoms,
                                     attribute_names, (name, layer_type, bottoms, tops)))
        for top in tops:
            self.values[top] = _DATA
        self.lines.append(None)  # (a binary file has no lines; errors name the layer, which is the node's name)

    def _expression(self, output, value):
        """(a GraphProto computing `output` from its inputs' shapes, the data blobs those inputs are)."""
        from scnn_tools.onnx_model_pb2 import GraphProto
        nodes = [self.graph.node[i] for i in sorted(value.nodes)]
        made = {o for n in nodes for o in n.output}
        leaves, consts = [], {}
        for n in nodes:
            for name in n.input:
                if not name or name in made:
                    continue
                v = self.values[name]
                if v.kind == "data" and name not in leaves:
                    leaves.append(name)
                elif v.kind == "const" and name not in consts:
                    consts[name] = _tensor(v, name)
        graph = GraphProto(name="expression", node=nodes, initializer=consts.values())
        for leaf in leaves:
            graph.input.add(name=leaf)
        graph.output.add(name=output)
        return graph, leaves


# The operators that run a subgraph (onnx/docs/Operators.md).
_SUBGRAPHS = ("If", "Loop", "Scan")

# The inputs of the ops onnxfold computes whose values say the output's dims (onnx/docs/Operators.md).
_SHAPING = {"Reshape": (1,), "Slice": (1, 2, 3, 4), "Unsqueeze": (1,), "Squeeze": (1,), "Expand": (1,),
            "ConstantOfShape": (0,), "Range": (0, 1, 2), "ReduceProd": (1,), "ReduceSum": (1,), "ReduceMin": (1,),
            "ReduceMax": (1,), "Split": (1,)}


def _stand_in(value):
    """A data-less weight's stand-in of its dims and type (see _Reader._fold), or None for a type not read."""
    if value.array is not None:
        return value.array
    import numpy as np
    from .onnxfold import NotFoldable, dtype
    try:
        kind = dtype(value.tensor.data_type)
    except NotFoldable:
        return None
    return np.ones(value.dims, kind) if kind.kind == "f" else np.zeros(value.dims, kind)


def _tensor(value, name=""):
    """A constant's TensorProto: an initializer's own (no round trip through numpy), or one made from a folded
    value."""
    if value.tensor is not None and not name:
        return value.tensor
    if value.tensor is not None:
        tensor = type(value.tensor)()
        tensor.CopyFrom(value.tensor)
        tensor.name = name
        return tensor
    from .onnxfold import from_array
    return from_array(value.value(), name)


def _unit_free(dims):
    return [d for d in dims if d != 1]


def _count(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def _tops(layer, outputs):
    """The node's outputs as tops: trailing optional outputs left out are dropped, one left out before a
    present one gets a made-up name so that positions stay."""
    while outputs and not outputs[-1]:
        outputs = outputs[:-1]
    if all(outputs):
        return outputs  # (the common case: every output named)
    return [name or f"{layer}:unused{i}" for i, name in enumerate(outputs)]

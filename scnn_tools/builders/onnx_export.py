"""`scnn-tools export`: a Caffe net as an ONNX model, its weights from a .caffemodel or the layers' fillers.

The graph and every blob's shape come from the engine (graph.build, shapes.infer), so the model is
written at the shapes Caffe would run. Each layer type's rule (`onnx` in layers/) writes its nodes
through an Emitter; value names are the blob names (an in-place chain's earlier versions get
`name#version`, the last keeps the name). onnx and numpy are imported by this command only.
"""

from scnn_tools.engine.shapes import infer
from scnn_tools.errors import InputError, option
from scnn_tools.net.graph import build
from scnn_tools.netfile.wire import key as _field

DEFAULT_OPSET = 17
OPSETS = range(13, 22)  # 13: Softmax over one axis, Split/Squeeze with inputs; beyond 21 runtimes lag


class Emitter:
    """What a layer's onnx rule writes through: its inputs, outputs, constants, nodes and weights."""

    def __init__(self, graph, shapes, opset, model, rng, onnx_graph):
        self.graph, self.shapes, self.opset = graph, shapes, opset
        self.model, self.rng = model, rng
        self.out = onnx_graph  # the GraphProto, filled in place with the nodes
        self.tensors = []  # the initializers, encoded as fields of the GraphProto (see serialized)
        self.used = set()
        self.shared = {}  # param name -> array, for weights shared through `param { name }`
        self.written = {}  # id of a shared array -> [array, param name, initializer or None]: written once
        last, fed = {}, set()
        for b in graph.blobs:
            last[b.name] = max(last.get(b.name, 0), b.version)
            if b.version == 0 and (b.producer is None or graph.nodes[b.producer].is_source):
                fed.add(b.name)  # an input keeps its name (it is what a user feeds); its later versions do not
        self.names = [b.name if (b.version == 0 if b.name in fed else b.version == last[b.name])
                      else f"{b.name}#{b.version}" for b in graph.blobs]
        self.used.update(self.names)
        self.node = self.ctx = None

    # ----------------------------------------------------------- for the rules
    def x(self, i=0):
        """The value name of bottom i."""
        return self.names[self.node.bottoms[i]]

    def y(self, i=0):
        """The value name of top i."""
        return self.names[self.node.tops[i]]

    def fresh(self, hint):
        base = f"{self.node.name}/{hint}" if self.node is not None else hint
        name, k = base, 1
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def const(self, value, hint="const", dtype=None):
        import numpy as np
        from onnx import TensorProto
        shared = self.written.get(id(value)) if dtype is None else None
        if shared is not None and shared[2] is not None:
            return shared[2]  # every layer sharing the blob reads the one initializer
        array = np.ascontiguousarray(value, dtype=dtype or (np.int64 if _integral(value) else np.float32))
        if shared is not None:
            # Not the param's bare name: OpenCV 5.1 reads value `conv1#0` as `conv1_0`, and a param named
            # conv1_0 (DeepLab-ResNet's) then feeds the BatchNorm after conv1 ("scale.cols == C_").
            name = f"param/{shared[1]}"
            name = name if name not in self.used else self.fresh(name)
            self.used.add(name)
            shared[2] = name
        else:
            name = self.fresh(hint)
        kind = TensorProto.INT64 if array.dtype == np.int64 else TensorProto.FLOAT
        header = TensorProto(name=name, data_type=kind, dims=array.shape).SerializeToString()
        raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()  # ONNX: little-endian
        data = _field(_RAW_DATA, len(raw))
        self.tensors.append((name, kind, array.shape,
                             [_field(_INITIALIZER, len(header) + len(data) + len(raw)), header, data, raw]))
        return name

    def ints(self, values, hint="shape"):
        import numpy as np
        return self.const(np.asarray(list(values), dtype=np.int64), hint)

    def op(self, op_type, inputs, outputs=None, hint=None, **attrs):
        """Add a node; its outputs are `outputs` (names) or as many fresh names as given by an int."""
        from onnx import helper
        if outputs is None or isinstance(outputs, int):
            outputs = [self.fresh(hint or op_type.lower()) for _ in range(outputs or 1)]
        elif isinstance(outputs, str):
            outputs = [outputs]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.out.node.append(helper.make_node(op_type, list(inputs), list(outputs), name=self.fresh(op_type), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def weights(self, fillers, shapes=None):
        """The layer's blobs (numpy, float32) at the shapes the engine gives its parameters (or `shapes`,
        for layers that also store statistics): from the .caffemodel by layer name, or, without one, made
        by `fillers` (one FillerParameter per blob, None for Caffe's default constant 0) with the export's
        seed; blobs shared by `param { name }` made once."""
        from .weights import fill, from_model
        node = self.node
        targets = [list(s) for s in (shapes if shapes is not None else node.kind.params(self.ctx))]
        names = [p.name for p in node.param.param] + [""] * len(targets)
        source = None
        if self.model is not None and (node.name in self.model.blobs or not all(
                names[j] in self.shared for j in range(len(targets)))):
            source = from_model(self.model, node.name, targets, self.graph.netfile.source, node.line)
        arrays = []
        for j, target in enumerate(targets):
            if names[j] in self.shared:
                arrays.append(self.shared[names[j]])
                continue
            if source is not None:
                array = self._last_copy(names[j], j, source[j]) if names[j] else source[j]
            else:
                array = fill(fillers[j] if j < len(fillers) else None, target, self.rng)
            if names[j]:
                self.shared[names[j]] = array
                self.written[id(array)] = [array, names[j], None]
            arrays.append(array)
        return arrays

    def _last_copy(self, name, j, array):
        """The value Caffe gives blob j shared as `name`: CopyTrainedLayersFrom copies each layer of the
        .caffemodel, in the file's order, into the one blob the sharing layers hold; the last one stays."""
        from .weights import blob_array
        order = {layer: k for k, layer in enumerate(self.model.blobs)}
        holders = [n for n in self.graph.nodes if n.name in order and len(n.param.param) > j
                   and n.param.param[j].name == name and len(self.model.blobs[n.name]) > j]
        last = max(holders, key=lambda n: order[n.name], default=None)
        if last is None or last is self.node:
            return array
        return blob_array(self.model, last.name, j, list(array.shape), self.graph.netfile.source, last.line)

    def reduce(self, op_type, x, axes, keepdims=1):
        """A Reduce* node over `axes`: an attribute before opset 18 (13 for ReduceSum), an input since."""
        if self.opset >= (13 if op_type == "ReduceSum" else 18):
            return self.op(op_type, [x, self.ints(axes, "axes")], keepdims=keepdims)
        return self.op(op_type, [x], axes=list(axes), keepdims=keepdims)

    def fail(self, message):
        raise InputError(f"layer '{self.node.name}' ({self.node.type}) cannot be exported: {message}",
                         self.graph.netfile.source, self.node.line, layer=self.node.name)


# Field numbers in onnx.proto: TensorProto.raw_data, GraphProto.initializer and input, ModelProto.graph.
_RAW_DATA, _INITIALIZER, _INPUT, _GRAPH = 9, 5, 11, 7
_STAND_IN = 4096  # bytes: a larger initializer is a graph input in the model shape inference checks




def serialized(model, tensors, stand_ins=False):
    """The ModelProto's bytes, its graph's initializers given encoded (Emitter.tensors): protobuf would hold a
    copy of every weight, and serialising it make another. A field may come in any order, so the
    initializers follow the graph's other fields, and the graph the model's. With `stand_ins`, each
    initializer of more than _STAND_IN bytes is a graph input of its type and shape instead: the model
    shape inference needs, without the weights (shapes are worked out from small constants only)."""
    from onnx import ModelProto, helper
    graph = model.graph.SerializeToString()
    head = ModelProto()
    head.CopyFrom(model)  # (no weights in it: a small copy)
    head.ClearField("graph")
    parts = []
    for name, kind, shape, fields in tensors:
        if stand_ins and len(fields[-1]) > _STAND_IN:
            info = helper.make_tensor_value_info(name, kind, list(shape)).SerializeToString()
            parts += [_field(_INPUT, len(info)), info]
        else:
            parts += fields
    return b"".join([head.SerializeToString(), _field(_GRAPH, len(graph) + sum(map(len, parts))), graph] + parts)


def _counted_by_data(node):
    """The layer's rule writes a top with a dimension the data decides (SSD's detections, which the
    parameters bound: `at_most`); the model leaves it free."""
    return node.kind is not None and not node.read_as and node.kind.at_most is not None and node.kind.onnx is not None


def _integral(value):
    import numpy as np
    return np.asarray(value).dtype.kind in "iub"


class Exported:
    """An exported net: `data`, the serialized model onnx's checker passed; `inputs`, {the model's input
    name: shape}; `outputs`, {blob: shape}, and `output_names`, the model's names for them (an input's later
    versions are `x#2`); `indices`, the outputs that hold positions (ArgMax's, a pooling mask), not
    features; `warnings` met reading the net (dicts with a message); `nodes`, how many ONNX nodes."""

    def __init__(self, data, inputs, outputs, warnings, nodes, output_names, indices=()):
        self.data, self.inputs, self.outputs, self.warnings, self.nodes = data, inputs, outputs, warnings, nodes
        self.output_names, self.indices = output_names, set(indices)


def export(netfile, phase=None, image_shape=None, named=None, stages=(), weights=None, outputs=None,
           opset=DEFAULT_OPSET, seed=0):
    """The net as an ONNX model (Exported), checked by onnx's checker."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper

    from scnn_tools import __version__

    if opset not in OPSETS:
        raise InputError(f"{option('opset')} must be from {OPSETS[0]} to {OPSETS[-1]} (got {opset})")
    graph = build(netfile, phase, free_inputs=named or {}, stages=stages)
    shapes = infer(graph, image_shape, dict(named or {}), require_image=False)
    path = netfile.source
    model = _model(netfile, weights)
    by_name = {}
    for b in graph.blobs:
        by_name[b.name] = b.id  # the last version of each name
    if outputs:
        missing = [name for name in outputs if name not in by_name]
        if missing:
            raise InputError(f"{option('outputs')} names blob '{missing[0]}', which the net does not have", path)
        wanted = [by_name[name] for name in outputs]
    else:
        wanted = final_tops(graph)
        if not wanted:
            raise _nothing_left(graph, path)
    needed, needed_blobs = _needed(graph, wanted)
    onnx_model = onnx.ModelProto()
    e = Emitter(graph, shapes, opset, model, np.random.default_rng(seed), onnx_model.graph)
    inputs = []
    for node in graph.nodes:
        if node.index not in needed:
            continue
        e.node, e.ctx = node, shapes.contexts.get(node.index)
        if node.is_source:
            for t in node.tops:
                if t in needed_blobs:
                    inputs.append(t)
            continue
        rule = node.kind.onnx if node.kind is not None and not node.read_as else None
        if rule is None:
            before = ",".join(computed_bottoms(graph, node)) or "a blob before it"
            why = f" ({node.kind.no_onnx})" if node.kind is not None and not node.read_as else \
                " (a type scnn-tools does not know" + (f", read as a {node.read_as[1]} for its shapes only: what "
                                                       "it computes is the fork's)" if node.read_as else ")")
            raise InputError(f"layer '{node.name}' ({node.type}) has no ONNX form{why}: export the net up to it with "
                             f"{option('outputs', before, repr(before.split(',')))}", path, node.line, layer=node.name)
        tops = [] if e.ctx is None or _counted_by_data(node) else e.ctx.tops or []
        if e.ctx is None or any(s is None or None in s for s in e.ctx.bottoms + tops):
            if e.ctx is not None and all(s is not None and None not in s for s in e.ctx.bottoms):
                # Known bottoms, unknown tops: the layer itself leaves them open, and no input shape helps.
                before = ",".join(computed_bottoms(graph, node)) or "a blob before it"
                why = f" ({node.kind.note})" if node.kind is not None and node.kind.note else ""
                raise InputError(f"layer '{node.name}' ({node.type}): the shape of its top is not known{why}, and "
                                 "the model is written at fixed shapes: export the net up to it with "
                                 f"{option('outputs', before, repr(before.split(',')))}", path, node.line,
                                 layer=node.name)
            raise InputError(f"layer '{node.name}' ({node.type}): its shapes are not all known, and the model "
                             f"is written at fixed shapes: give the inputs with {option('input_shape')} or "
                             f"{option('inputs')}", path,
                             node.line, layer=node.name)
        rule(e.ctx, e)
    inputs += [i.blob for i in graph.inputs if i.layer is None and i.blob in needed_blobs]
    for blob_id in inputs + wanted:
        shape = shapes.blobs[blob_id]
        producer = graph.blobs[blob_id].producer
        free = producer is not None and _counted_by_data(graph.nodes[producer])
        if shape is None or None in shape and not free:
            raise InputError(f"the shape of '{graph.blobs[blob_id].name}' is not known: give it with "
                             f"{option('input_shape')} or {option('inputs')}", path)
    g = onnx_model.graph
    g.name = netfile.net.name or "caffe"
    g.input.extend(helper.make_tensor_value_info(e.names[b], TensorProto.FLOAT, shapes.blobs[b]) for b in inputs)
    g.output.extend(helper.make_tensor_value_info(e.names[b], TensorProto.FLOAT, [
        f"{e.names[b]}_{axis}" if d is None else d for axis, d in enumerate(shapes.blobs[b])]) for b in wanted)
    onnx_model.opset_import.append(helper.make_opsetid("", opset))
    onnx_model.ir_version = helper.find_min_ir_version_for(onnx_model.opset_import)
    onnx_model.producer_name, onnx_model.producer_version = "scnn-tools", __version__
    nodes, output_names = len(g.node), [e.names[b] for b in wanted]
    input_shapes = {e.names[b]: shapes.blobs[b] for b in inputs}
    data = serialized(onnx_model, e.tensors)
    skeleton = serialized(onnx_model, e.tensors, stand_ins=True)
    del e  # the encoded weights: not kept beside the checker's copies
    try:
        # What check_model's full_check does, in its two steps: the checker on the whole model (every
        # tensor's size included), then strict shape inference with type checks, which copies the model it
        # is given: on the model without its large weights, whose values shapes do not depend on.
        onnx.checker.check_model(data)
        onnx.shape_inference.infer_shapes(skeleton, check_type=True, strict_mode=True)
    except Exception as exc:  # a rule wrote something ONNX refuses: ours to fix, said plainly
        raise InputError(f"the ONNX checker refuses the model written: {exc}", path) from None
    return Exported(data, input_shapes, {graph.blobs[b].name: shapes.blobs[b] for b in wanted}, graph.warnings, nodes,
                    output_names, _indices(graph, wanted))


def _indices(graph, wanted):
    """The names of the wanted blobs that hold positions, not features (the producer's not_features)."""
    found = []
    for b in wanted:
        node = graph.nodes[graph.blobs[b].producer]
        if node.kind is not None and list(node.tops).index(b) in node.kind.not_features:
            found.append(graph.blobs[b].name)
    return found


def _model(netfile, weights):
    """Where the weights come from: a .caffemodel given as the net holds its own; else `weights`, if given."""
    import os
    from .weights import Caffemodel
    own = netfile.format == "binary" and any(len(layer.blobs) for layer in netfile.net.layer)
    if not own:
        return Caffemodel(weights) if weights else None
    # Two sources of weights for one layer: which was meant cannot be known, and either choice would hide
    # the other silently. The same file twice is no conflict.
    same = netfile.source != "-" and os.path.exists(weights or "") and os.path.samefile(weights, netfile.source)
    if weights and not same:
        given = option("weights", weights, repr(weights))
        raise InputError(f"the net is a .caffemodel with its own weights, and {given} gives others: give the "
                         f".caffemodel alone, or its prototxt with {option('weights')}", netfile.source)
    return Caffemodel(netfile.source, netfile.net)


def computed(graph, blob_id):
    """The blob is computed by a layer: not an input, nor a data layer's top (an image, its labels)."""
    producer = graph.blobs[blob_id].producer
    return producer is not None and not graph.nodes[producer].is_source


def final_tops(graph):
    """What the net computes and nothing reads: the default outputs."""
    return [b.id for b in graph.blobs if not b.consumers and computed(graph, b.id)]


def _nothing_left(graph, path):
    """Every top is read: where layers without tops read the last ones (DeepLab's MAT_WRITE, Silence), name
    them and what they read, which --outputs can export."""
    sinks = [n for n in graph.nodes if not n.tops and not n.is_source and computed_bottoms(graph, n)]
    if not sinks:
        return InputError("the net computes nothing to export (no layer's top is left unread)", path)
    read = list(dict.fromkeys(name for n in sinks for name in computed_bottoms(graph, n)))
    names = ", ".join(f"'{n.name}' ({n.type})" for n in sinks[:3]) + (" ..." if len(sinks) > 3 else "")
    return InputError(f"every top the net computes is read by another layer, the last by layers that write no top "
                      f"({names}): name the blobs to export with {option('outputs', ','.join(read), repr(read))}",
                      path, sinks[0].line, layer=sinks[0].name)


def computed_bottoms(graph, node):
    """The names of the computed blobs a layer reads, once each: what to export up to, before it."""
    return list(dict.fromkeys(graph.blobs[b].name for b in node.bottoms if computed(graph, b)))


def _needed(graph, wanted):
    """The nodes (indices) and blobs the wanted blobs are computed from."""
    nodes, blobs = set(), set()
    stack = list(wanted)
    while stack:
        b = stack.pop()
        if b in blobs:
            continue
        blobs.add(b)
        producer = graph.blobs[b].producer
        if producer is not None and producer not in nodes:
            nodes.add(producer)
            stack.extend(graph.nodes[producer].bottoms)
    return nodes, blobs


def write(exported, output):
    """The model whole, or nothing (written beside and renamed)."""
    from scnn_tools.output import replacing
    with replacing(output) as tmp:
        with open(tmp, "wb") as f:
            f.write(exported.data)

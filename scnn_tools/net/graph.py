"""An upgraded net → the layer graph every command works on.

Layers are kept in file order after phase filtering, which is the order Caffe
runs them in and so a topological order: a layer may only read blobs that
layers before it wrote. Blobs are versioned: an in-place layer (top i named
like bottom i: ReLU, BN, Dropout, Scale...) writes a new version of its
bottom, so in-place chains form a path rather than a cycle.
"""

from scnn_tools import caffe_pb2
from scnn_tools.errors import InputError, input_option, warning
from .layers import registry

PHASES = {"TRAIN": caffe_pb2.TRAIN, "TEST": caffe_pb2.TEST}


class Blob:
    __slots__ = ("id", "name", "version", "producer", "consumers")

    def __init__(self, id, name, version, producer):
        self.id = id
        self.name = name
        self.version = version      # 0 for the first writer, +1 per in-place layer
        self.producer = producer    # index of the layer that wrote it, None for a free input
        self.consumers = []         # indices of the layers that read it

    def __repr__(self):
        return f"Blob({self.name}#{self.version})"


class Node:
    __slots__ = ("index", "source_index", "name", "type", "param", "line", "kind", "read_as", "bottoms", "tops",
                 "is_source", "_in_place", "onnx", "bottom_names", "top_names")

    def __init__(self, index, param, line, source_index=None, onnx=None):
        self.index = index
        self.source_index = source_index  # its position in the file's net.layer, before phase filtering
        # The names of its bottoms and tops, as the file gives them (read once: a protobuf field is slow to read,
        # and a slice is the fastest list of one; an ONNX node's, as the reader has them)
        if onnx is not None:
            self.name, self.type, self.bottom_names, self.top_names = onnx.names
        else:
            self.name, self.type = param.name, param.type
            self.bottom_names, self.top_names = param.bottom[:], param.top[:]
        self.param = param          # the layer's caffe_pb2.LayerParameter
        self.onnx = onnx            # an ONNX node's netfile/onnxfile.OnnxLayer, else None
        self.line = line
        self.kind = registry.kind_of(param)
        # (parameter message, registered type) for a type we do not know that its parameters say is one we do
        self.read_as = None if self.kind is not None else registry.reading_of(param)
        if self.read_as:
            self.kind = registry.kind_named(self.read_as[1])
        self.bottoms = []           # blob ids
        self.tops = []              # blob ids
        self.is_source = _is_source(self)  # brings data in: an Input, data or Python data layer
        # (read once: the report and the totals ask for every top)
        self._in_place = tuple(bottom == top for bottom, top in zip(self.bottom_names, self.top_names))

    def writes_in_place(self, i):
        """Top i is bottom i: Caffe computes it in place, as a new version of that blob."""
        return i < len(self._in_place) and self._in_place[i]

    @property
    def in_place(self):
        return any(self._in_place)


class Input:
    """A blob the net starts from, and what the file says of its shape."""

    __slots__ = ("blob", "shape", "layer", "note")

    def __init__(self, blob, shape, layer, note):
        self.blob = blob            # blob id
        self.shape = shape          # list (None for undeclared dims), or None
        self.layer = layer          # index of the declaring layer; None for a free input
        self.note = note            # why the shape is incomplete, if it is

    @property
    def complete(self):
        return self.shape is not None and all(d is not None for d in self.shape)


class Graph:
    def __init__(self, netfile, phase, nodes, blobs, inputs, warnings, excluded):
        self.netfile = netfile
        self.phase = phase
        self.nodes = nodes
        self.blobs = blobs
        self.inputs = inputs
        self.warnings = warnings
        self.excluded = excluded    # layers filtered out by the phase rules

    @property
    def is_fragment(self):
        return any(i.layer is None for i in self.inputs)

    def blob(self, name):
        """The last version of the blob called `name`, or None."""
        for b in reversed(self.blobs):
            if b.name == name:
                return b
        return None


def build(netfile, phase=None, free_inputs=(), stages=()):
    """Filter `netfile.net` by phase and connect its layers through blobs.

    `phase` None is TEST, or TRAIN where only TRAIN has data layers (a
    train.prototxt), with a warning that says so. `free_inputs` names blobs
    the caller will supply even though no layer produces them. A net that
    declares no input at all is a fragment (such as an SCNN block): every blob
    it reads without producing is a free input.
    """
    path = netfile.source
    warnings = list(netfile.warnings)
    if phase is None:
        phase = "TEST"
        if not _sources(netfile, "TEST", stages) and _sources(netfile, "TRAIN", stages):
            phase = "TRAIN"
            warnings.append(warning("train-only", "every data layer of the file is in phase TRAIN: analysed in "
                                    "TRAIN (give --phase TEST for the test net)"))
    kept, dropped = _filtered(netfile, phase, stages)
    excluded = len(dropped)

    records = netfile.onnx_layers or ()
    nodes = [Node(i, p, line, source, records[source] if records else None)
             for i, (p, line, source) in enumerate(kept)]
    _check_layers(nodes, warnings, path)
    declares_inputs = any(n.is_source for n in nodes)
    free = set(free_inputs)

    blobs, latest, inputs = [], {}, []

    def new_blob(name, producer):
        version = blobs[latest[name]].version + 1 if name in latest else 0
        blob = Blob(len(blobs), name, version, producer)
        blobs.append(blob)
        latest[name] = blob.id
        return blob

    for node in nodes:
        p = node.param
        for name in node.bottom_names:
            if name not in latest:
                if declares_inputs and name not in free:
                    raise _missing_bottom(nodes, node, name, path)
                inputs.append(Input(new_blob(name, None).id, None, None, _free_note(name, dropped)))
            blob = blobs[latest[name]]
            blob.consumers.append(node.index)
            node.bottoms.append(blob.id)
        if node.onnx is not None and node.onnx.field_bottom:
            # blobs only the layer's fields read (PyTorch's unpooling, netfile/onnxunpool.py): no consumer, so no
            # memory counts them read again
            node.bottoms.extend(blobs[latest[name]].id for name in node.onnx.field_bottom)
        for i, name in enumerate(node.top_names):
            if name in latest and not node.writes_in_place(i):
                other = nodes[blobs[latest[name]].producer] if blobs[latest[name]].producer is not None else None
                who = f"layer '{other.name}'" if other else "the net's inputs"
                raise InputError(f"layer '{node.name}' writes blob '{name}', which {who} already wrote; "
                                 "only a layer that reads a blob at the same position may write it again",
                                 path, node.line, layer=node.name)
            node.tops.append(new_blob(name, node.index).id)
        if node.is_source:
            shapes = node.kind.declared(p, None, path, node.line) if node.kind and node.kind.is_source \
                else [None] * len(node.top_names)
            note = node.kind.note if node.kind and node.kind.note else f"a {node.type} layer declares no shapes"
            for blob_id, shape in zip(node.tops, shapes):
                complete = shape is not None and all(d is not None for d in shape)
                inputs.append(Input(blob_id, shape, node.index, None if complete else note))
    return Graph(netfile, phase, nodes, blobs, inputs, warnings, excluded)


def _free_note(name, dropped):
    lines = [str(line) for p, line, _ in dropped if name in p.top]
    if lines:
        return (f"produced only by layers the phase rules exclude (line {', '.join(lines)}); "
                "see --phase and --stage")
    return "read by the net but produced by no layer"


def _is_source(node):
    if node.kind is not None and node.kind.is_source:
        return True
    # Python data layers, and fork data layers we do not know, have no bottoms.
    return not node.bottom_names and len(node.top_names) > 0 and \
        (node.kind is None or node.kind.family == registry.PYTHON)


def _filtered(netfile, phase, stages):
    """(kept, dropped): the layers as (param, line, index), by Caffe's phase, level and stage rules."""
    state = _state(netfile, phase, stages)
    kept, dropped = [], []
    for index, (param, line) in enumerate(zip(netfile.net.layer, netfile.layer_lines)):
        (kept if _included(param, state, netfile.source, line) else dropped).append((param, line, index))
    return kept, dropped


def _sources(netfile, phase, stages):
    """Whether `phase` keeps a layer that brings data in (a data or Input layer)."""
    state = _state(netfile, phase, stages)
    for param, line in zip(netfile.net.layer, netfile.layer_lines):
        # (the first one will do: a net's inputs come first; build's own filtering checks every layer's rules)
        if _included(param, state, netfile.source, line):
            kind = registry.kind_of(param)
            if kind is not None and kind.is_source:
                return True
    return False


def _state(netfile, phase, stages):
    if phase not in PHASES:
        raise InputError(f"unknown phase {phase!r}: use TRAIN or TEST")
    state = caffe_pb2.NetState(phase=PHASES[phase])
    if netfile.net.HasField("state"):
        state.level = netfile.net.state.level
        state.stage.extend(netfile.net.state.stage)
    state.stage.extend(stages)
    return state


def _included(param, state, path, line):
    include, exclude = param.include, param.exclude  # (each read of a protobuf field makes an object)
    if len(include) and len(exclude):
        raise InputError(f"layer '{param.name}' has both include and exclude rules; Caffe allows only one kind",
                         path, line, layer=param.name)
    if len(include):
        return any(_meets(rule, state) for rule in include)
    return not len(exclude) or not any(_meets(rule, state) for rule in exclude)


def _meets(rule, state):
    """Caffe's Net::StateMeetsRule."""
    if rule.HasField("phase") and rule.phase != state.phase:
        return False
    if rule.HasField("min_level") and state.level < rule.min_level:
        return False
    if rule.HasField("max_level") and state.level > rule.max_level:
        return False
    stages = set(state.stage)
    if any(s not in stages for s in rule.stage):
        return False
    return not any(s in stages for s in rule.not_stage)


def _check_layers(nodes, warnings, path):
    seen = {}
    for node in nodes:
        if not node.type:
            raise InputError(f"layer '{node.name}' has no type", path, node.line, layer=node.name)
        for code, message in node.kind.check(node) if node.kind is not None else ():
            warnings.append(warning(code, message, node.name, node.line))
        if node.read_as:
            field, name = node.read_as
            warnings.append(warning("layer-read-by-parameters",
                                    f"unknown layer type '{node.type}' (layer '{node.name}') carries {field}: read "
                                    f"as a {name}, which its shapes, fields and cost assume", node.name, node.line))
        elif node.kind is not None and node.kind.ambiguous(node.param):
            warnings.append(warning("ambiguous-fork-type", f"layer '{node.name}' ({node.type}): "
                                    f"{node.kind.ambiguous(node.param)}", node.name, node.line))
        elif node.kind is None:
            warnings.append(_unknown_type(node))
        seen.setdefault(node.name, []).append(node)
    for name, named in seen.items():
        # Caffe's CopyTrainedLayersFrom gives each stored layer's blobs to the FIRST layer of its name and CHECKs
        # their count: a shared name matters only where one of those layers may have weights.
        if len(named) > 1 and any(n.kind is None or n.kind.learns for n in named):
            lines = [str(n.line) for n in named if n.line is not None]
            warnings.append(warning("duplicate-layer-name",
                                    f"layer name '{name}' is used by {len(named)} layers"
                                    + (f" (lines {', '.join(lines)})" if lines else "") + ", one of which may "
                                    "have weights: Caffe loads a .caffemodel's weights by name, each stored "
                                    "layer's into the first layer of that name", name, named[1].line))


def _unknown_type(node):
    what = "its tops' shapes, fields and cost are unknown, and so is what depends on them"
    if node.onnx is not None:
        proto = node.onnx.node
        if proto.domain not in ("", "ai.onnx"):
            # (a runtime's own operator, com.microsoft's FusedConv: no ONNX spec says what it computes)
            return warning("onnx-custom-operator", f"layer '{node.name}': operator '{proto.op_type}' of domain "
                           f"'{proto.domain}' is not an ONNX standard operator, and scnn-tools does not know it: "
                           f"{what}", node.name, node.line)
    return warning("unknown-layer-type", f"unknown layer type '{node.type}' (layer '{node.name}'): {what}",
                   node.name, node.line)


def _missing_bottom(nodes, node, name, path):
    later = [n for n in nodes[node.index + 1:] if name in n.top_names]
    if not later:
        return InputError(f"layer '{node.name}' reads blob '{name}', which no layer produces "
                          f"(give its shape with {input_option(name)} if it is an input)",
                          path, node.line, layer=node.name)
    cycle = _cycle_through(nodes, node)
    if cycle:
        names = " → ".join(f"'{n.name}'" for n in cycle)
        return InputError(f"cycle: {names}; each layer reads what the next one writes",
                          path, node.line, layer=node.name)
    return InputError(f"layer '{node.name}' reads blob '{name}' before layer '{later[0].name}' "
                      f"(line {later[0].line}) writes it; Caffe runs layers in file order",
                      path, node.line, layer=node.name)


def _cycle_through(nodes, start):
    """A path start → ... → start along 'writes a blob the next one reads', or None."""
    readers = {}
    for n in nodes:
        for name in n.bottom_names:
            readers.setdefault(name, []).append(n)
    parent = {start.index: None}
    stack = [start]
    while stack:
        node = stack.pop()
        for i, name in enumerate(node.top_names):
            if node.writes_in_place(i):
                continue  # an in-place write is not a new dependency
            for reader in readers.get(name, ()):
                if reader is start:
                    path = [node]
                    while path[-1] is not start:
                        path.append(parent[path[-1].index])
                    return path[::-1] + [start]
                if reader.index not in parent:
                    parent[reader.index] = node
                    stack.append(reader)
    return None

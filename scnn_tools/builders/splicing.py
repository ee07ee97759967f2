"""An SCNN block spliced into a host net's text, everything else left as it was.

H, W and C come from the engine's shapes at the chosen blob. The block goes
right after the last layer that writes that blob (the end of its in-place
chain: conv5_5, conv5_5/bn, conv5_5/relu), and every later layer that reads
the blob reads the block's output instead. Those `bottom` strings, the
inserted text and, after a reduction, the `name` of each layer whose parameters
change shape are the only changes: comments, formatting and order of the host
stay byte for byte. The result is read back and analyzed before it is returned.
"""

import re

from scnn_tools import __version__
from scnn_tools.engine.analysis import Analysis
from scnn_tools.errors import InputError, option
from scnn_tools.net.layers.registry import CONVOLUTION, NORMALISATION, REGULARISATION, fmt_shape
from scnn_tools.netfile.reader import NetFile, read_net, read_text
from scnn_tools.netfile.textformat import _TOKEN
from scnn_tools.output import count
from .scnn import LIMITS, Spec, generate


# Put after the name of every host layer whose parameters change shape, so that Caffe's CopyTrainedLayersFrom,
# which matches layers by name and aborts on a shape mismatch, skips it and it starts from its filler.
# Lower case as the hosts' own names (conv6, fc6), and apart from the block's upper-case SCNN_ names.
RENAME_SUFFIX = "_scnn"
# As the block's names, less "/" and ":": a renamed layer is alone, and in an HDF5 snapshot "conv6/x" would be
# a group under a layer "conv6" that is no longer there.
_SUFFIX = re.compile(r"[A-Za-z0-9_.+-]+\Z")


def splice(host, at, kernel_width=9, prefix="", reduce_to=None, phase=None, image_shape=None, named=None,
           stages=(), variants=None, rename_suffix=None):
    """(text, summary, warnings). `host`: a path, or a NetFile read from text (read_text) or a file.

    Every host layer whose parameter shapes the splice changes (after a `reduce_to`) is renamed with
    `rename_suffix` (None: RENAME_SUFFIX), so that the host's pretrained weights still load into all the others."""
    given_suffix, rename_suffix = rename_suffix, RENAME_SUFFIX if rename_suffix is None else rename_suffix
    if not isinstance(rename_suffix, str) or not _SUFFIX.match(rename_suffix):
        raise InputError(f"{option('rename_suffix')} must be one or more letters, digits and _ . + - "
                         f"(got {rename_suffix!r}): it is put after the name of every layer whose parameters "
                         "change shape, so that the host's weights load into the others")
    netfile = host if isinstance(host, NetFile) else read_net(host)
    if netfile.format != "V2":
        raise InputError(f"splice edits V2 files (layer {{ }} blocks); this one is {netfile.format}: "
                         "upgrade it to V2 first (Caffe's upgrade_net_proto_text)", netfile.source)
    phases = _phases(netfile, phase, named, stages)
    phase = phases[0]
    analyses = {p: _analysis(netfile, p, phases, image_shape, named, stages) for p in phases}
    analysis = analyses[phase]
    graph = analysis.graph
    present = {p: a for p, a in analyses.items() if a.graph.blob(at) is not None}
    if phase not in present:
        raise InputError(f"the host has no blob '{at}'" + (f" in phase {phase}" if len(phases) > 1 else ""),
                         netfile.source)
    shapes = {p: a.shapes.blobs[a.graph.blob(at).id] for p, a in present.items()}
    for p, shape in shapes.items():
        if shape is None or len(shape) != 4 or None in shape:
            raise InputError(f"blob '{at}' has shape {fmt_shape(shape)}" + (f" in phase {p}" if len(phases) > 1
                             else "") + ": an SCNN block needs an N x C x H x W map", netfile.source)
    if len({tuple(s[1:]) for s in shapes.values()}) > 1:
        both = " and ".join(f"{fmt_shape(s)} in {p}" for p, s in shapes.items())
        raise InputError(f"blob '{at}' is {both}: one block cannot fit both phases", netfile.source)
    writers = {}
    for p, a in present.items():
        blob = a.graph.blob(at)
        if blob.producer is None or netfile.layer_spans[a.graph.nodes[blob.producer].source_index] is None:
            raise InputError(f"blob '{at}' is an input of the net, not written by a layer of the file: "
                             "there is no place in the text to put the block after", netfile.source)
        writers[p] = a.graph.nodes[blob.producer]
        _refuse_non_features(a, blob, at, netfile.source)
    _, channels, height, width = shapes[phase]
    if height == 1 and width == 1:
        raise InputError(f"blob '{at}' is a 1x1 map: there is nothing to pass messages along", netfile.source)
    for what, size, flag in (("rows", height, "height"), ("columns", width, "width")):
        if size > LIMITS[flag]:
            raise InputError(f"blob '{at}' has {size:,} {what}, more than the block's {LIMITS[flag]:,}",
                             netfile.source)
    if reduce_to is not None and not 1 <= reduce_to <= LIMITS["channel"]:
        raise InputError(f"{option('reduce_to')} must be a number of channels from 1 to {LIMITS['channel']:,} (got {reduce_to})")
    if reduce_to is None and channels > LIMITS["channel"]:
        raise InputError(f"blob '{at}' has {channels:,} channels, more than the block's {LIMITS['channel']:,}: "
                         f"give {option('reduce_to', 'C')}", netfile.source)
    # After the last writer in every phase: a phase's own in-place layers (its BatchNorm) stay before.
    writer = max(writers.values(), key=lambda n: n.source_index)
    for p, a in present.items():
        _refuse_readers_between(a.graph, at, writers[p].source_index, writer.source_index, p, netfile)
    insert_at = netfile.layer_spans[writer.source_index][1]
    shape = shapes[phase]

    pieces, bottom, notes, warnings = [], at, [], []
    if reduce_to is not None:
        reduction, bottom, said = _reduction(graph, graph.blob(at), at, reduce_to, prefix, netfile.source)
        pieces.append(reduction)
        notes.append(f"reduced {channels} -> {reduce_to} channels first")
        notes += said
        channels = reduce_to
    spec = Spec(height, width, channels, kernel_width, bottom, prefix, **(variants or {}))
    pieces.append(generate(spec))
    block = "".join(pieces)

    edits = _rewire(netfile, writer.source_index, at, spec.top)
    text = netfile.text
    # Marked, with the command that would write it, so that a reader of the file finds it; in the host's
    # own line ends.
    flags = "".join(f" {f} {v}" for f, v in (("--reduce-to", reduce_to), ("--prefix", prefix or None),
                                               ("--kernel-width", None if kernel_width == 9 else kernel_width)) if v)
    block = (f"# SCNN block written by scnn-tools {__version__} (splice --at {at}{flags}): from here\n" + block +
             f"# end of the SCNN block (scnn-tools splice --at {at})")
    newline = "\r\n" if "\r\n" in text else "\n"
    block = block.replace("\n", newline)
    text = _edit(text, edits + [(insert_at, insert_at, newline + block)])

    # The block is read once, as part of the spliced file (5,668 layers at 473x473: its parse is a third of
    # the splice); its layers are those whose text lies where it was put.
    spliced_file = read_text(text, f"{netfile.source} (spliced)")
    block_start = insert_at + sum(len(new) - (end - start) for start, end, new in edits if end <= insert_at)
    block_end = block_start + len(newline + block)
    added = [layer for layer, span in zip(spliced_file.net.layer, spliced_file.layer_spans)
             if span is not None and block_start <= span[0] < block_end]
    for a in analyses.values():
        _refuse_collisions(netfile, a.graph, added, bottom)
    changed, checked = {}, []
    for p in present:  # the result must build and analyze in every phase the host has
        try:
            spliced = Analysis(spliced_file, p, image_shape, named, stages)
        except InputError as exc:
            if reduce_to is None:
                raise  # pragma: no cover - the block keeps the map's shape: a fault of ours
            raise InputError(f"with {option('reduce_to', reduce_to, reduce_to)} the net no longer builds: {exc.message.raw} (the "
                             f"layers after '{at}' expect {shape[1]} channels); splice without {option('reduce_to')} "
                             "or at another blob",
                             netfile.source, layer=exc.layer) from None
        out = spliced.graph.blob(spec.top)
        expected = [shapes[p][0], channels, height, width]
        if out is None or spliced.shapes.blobs[out.id] != expected:  # pragma: no cover - a fault of ours
            raise AssertionError(f"the spliced block's output is not {expected} in phase {p}")
        changed.update(_changed_parameters(analyses[p], spliced))
        checked.append(spliced.graph)
    # The host's line of each layer of the spliced file, for messages: the block's lines are not the user's.
    lines = (netfile.layer_lines[:writer.source_index + 1] + [None] * len(added) +
             netfile.layer_lines[writer.source_index + 1:])
    renames, said = _renames(spliced_file, changed, checked, rename_suffix, netfile.source, lines)
    if renames:
        text = _edit(text, renames)
        notes.append(f"{count(len(said), 'layer')} whose parameters change shape renamed with {rename_suffix!r}")
        warnings += said
    if len(present) > 1:
        notes.append("checked in phases " + " and ".join(sorted(present)))
    summary = (f"spliced after '{writer.name}' (line {writer.line}): {spec.summary()}; "
               f"{count(len(edits), 'bottom')} rewired from '{at}' to '{spec.top}'" + "".join(f"; {n}" for n in notes))
    warnings = spec.warnings("reduce_to") + warnings
    if reduce_to is None and given_suffix is not None:
        warnings.append(f"{option('rename_suffix')} does nothing without {option('reduce_to')}: only a reduction "
                        "changes the shapes of the host's parameters")
    return text, summary, warnings


def _edit(text, edits):
    """`text` with each (start, end, replacement); the spans do not overlap."""
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _changed_parameters(host, spliced):
    """{source index in the spliced file: (old shapes, new shapes)} of every host layer whose parameter shapes
    the splice changed."""
    def shapes(analysis):
        out = {}
        for node in analysis.graph.nodes:
            ctx = analysis.shapes.contexts.get(node.index)
            if node.kind is not None and ctx is not None and not node.is_source:
                out[node.name] = (node, [tuple(b) if b is not None else None for b in node.kind.params(ctx)])
        return out

    before = shapes(host)
    return {node.source_index: (before[name][1], new) for name, (node, new) in shapes(spliced).items()
            if name in before and before[name][1] != new}


def _renames(netfile, changed, graphs, suffix, path, lines):
    """(name edits, what each says) for the layers of the spliced file at `changed`'s indices; refused where
    a new name is taken or a renamed layer shares a changed parameter with a layer that keeps its name.
    `lines`: each layer's line in the host file `path`."""
    layers = netfile.net.layer
    new_names = {index: layers[index].name + suffix for index in changed}
    finals = [new_names.get(i, layer.name) for i, layer in enumerate(layers)]
    for index, new in new_names.items():
        # Two layers of one name: CopyTrainedLayersFrom fills only the first, and a reader cannot tell them apart.
        other = next((i for i, name in enumerate(finals) if name == new and layers[i].name != layers[index].name),
                     None)
        if other is not None:
            raise InputError(f"layer '{layers[index].name}' changes parameter shapes and would be renamed "
                             f"'{new}', but layer '{layers[other].name}' would be called that too: give "
                             f"another {option('rename_suffix')}", path, lines[index],
                             layer=layers[index].name)
    through = _shared_with_kept(changed, graphs, path, lines)
    edits, said = [], []
    for index, (old, new) in sorted(changed.items()):
        layer = layers[index]
        found = _field_edits(netfile.text, netfile.layer_spans[index], "name", layer.name, new_names[index])
        if len(found) != 1:
            raise InputError(f"layer '{layer.name}' changes parameter shapes and must be renamed, but its name is "
                             "not written as one plain string in the text", path, lines[index],
                             layer=layer.name)
        edits += found
        said.append(f"renamed '{layer.name}' -> '{new_names[index]}' (its parameter shapes change: "
                    f"{_shapes(old)} -> {_shapes(new)}; it starts from {_start(layer)}" +
                    "".join(f"; its parameter '{param}' is shared with '{kept}', which keeps its name: that one "
                            "loads from the host's weights" for param, kept in through.get(index, {}).items()) + ")")
    return edits, said


def _shared_with_kept(changed, graphs, path, lines):
    """{index of a renamed layer: {its shared parameter: the layer that keeps its name and shares it}}.

    Caffe shares a named parameter between layers only where its shapes agree (net.cpp AppendParam): one
    the splice changes in a renamed layer but not in its partner is refused; one it keeps loads into the
    partner, which keeps its name, and so into the renamed layer too."""
    through = {}
    for graph in graphs:
        users = {}
        for node in graph.nodes:
            for spec in node.param.param:
                if spec.name and node.source_index not in changed:
                    users.setdefault(spec.name, node.name)
        for node in graph.nodes:
            old, new = changed.get(node.source_index, (None, None))
            for j, spec in enumerate(node.param.param if old is not None else ()):
                kept = users.get(spec.name) if spec.name else None
                if kept is None or j >= len(old):
                    continue
                if old[j] != new[j]:
                    raise InputError(f"layer '{node.name}' shares its parameter '{spec.name}' with layer '{kept}', "
                                     "whose parameters keep their shapes; the splice changes it in "
                                     f"'{node.name}' only, and Caffe refuses to share parameters of different "
                                     f"shapes: splice at another blob or without {option('reduce_to')}", path,
                                     lines[node.source_index], layer=node.name)
                through.setdefault(node.source_index, {})[spec.name] = kept
    return through


def _start(layer):
    """What Caffe fills a renamed layer's weights with."""
    for field, value in layer.ListFields():
        if field.message_type is not None and "weight_filler" in field.message_type.fields_by_name:
            if value.HasField("weight_filler"):
                return f"its weight_filler ({value.weight_filler.type})"
            return ("zeros: it has no weight_filler and Caffe's default is constant 0; give it one (msra) "
                    "for it to train")
    return f"its fillers, as a new {layer.type} layer"


def _shapes(blobs):
    return ", ".join("x".join(map(str, b)) if b is not None else "?" for b in blobs) or "none"


def _refuse_non_features(analysis, blob, at, path):
    """The image, a data layer's tops, a pooling mask: SCNN passes messages over feature maps only."""
    node = analysis.graph.nodes[blob.producer]
    if blob.id == analysis.image:
        raise InputError(f"blob '{at}' is the net's image: SCNN passes messages over feature maps a layer "
                         "computes; splice at one", path)
    if node.is_source:
        raise InputError(f"blob '{at}' comes from data layer '{node.name}' ({node.type}): it is data (an "
                         "image or a label), not a feature map", path)
    if node.kind is not None:
        what = node.kind.not_features.get(list(node.tops).index(blob.id))
        if what is not None:
            raise InputError(f"blob '{at}' of layer '{node.name}' ({node.type}) {what}, not a feature map", path)


def _phases(netfile, phase, named, stages):
    """The phases whose nets differ: `phase` first, the other one too where its layers are not the same."""
    from scnn_tools.net.graph import build

    try:
        phase = build(netfile, phase, free_inputs=dict(named or {}), stages=stages).phase  # (None: the file's own)
        other = "TRAIN" if phase == "TEST" else "TEST"
        graphs = [build(netfile, p, free_inputs=dict(named or {}), stages=stages) for p in (phase, other)]
    except InputError:
        return [phase]  # (the other phase's net does not build: the analysis of `phase` says what it can)
    same = [n.source_index for n in graphs[0].nodes] == [n.source_index for n in graphs[1].nodes]
    return [phase] if same else [phase, other]


def _analysis(netfile, p, phases, image_shape, named, stages):
    try:
        return Analysis(netfile, p, image_shape, named, stages)
    except InputError as exc:
        if p == phases[0]:
            raise
        raise InputError(f"in phase {p} (the file has layers per phase, and the block must fit both): "
                         f"{exc.message.raw}", exc.path, exc.line, exc.col, exc.layer) from None


def _refuse_readers_between(graph, at, last_writer, insert_after, phase, netfile):
    """A layer that reads the blob after this phase's last writer but before the block cannot be rewired."""
    for node in graph.nodes:
        if last_writer < node.source_index <= insert_after and at in node.bottom_names:
            raise InputError(f"layer '{node.name}' reads '{at}' in phase {phase} before the block's place (after "
                             f"the last layer that writes it in the other phase): move it after that layer",
                             netfile.source, node.line, layer=node.name)


def _rewire(netfile, writer_index, name, new_name):
    """(start, end, replacement) for every `bottom: "name"` of the layers after the writer."""
    edits = []
    for index in range(writer_index + 1, len(netfile.net.layer)):
        layer = netfile.net.layer[index]
        if name in layer.top:  # (in place or not: in no phase may it be written after the block)
            raise InputError(f"layer '{layer.name}' writes '{name}' again after the block's place; "
                             "splice at a blob written once", netfile.source, netfile.layer_lines[index])
        if name in layer.bottom:
            edits += _field_edits(netfile.text, netfile.layer_spans[index], "bottom", name, new_name)
    return edits


def _field_edits(text, span, field, value, new_value):
    """(start, end, replacement) for every `field: "value"` of the layer's own (not of its sub-messages)."""
    tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text, *span) if m.lastgroup != "w"]
    edits, depth = [], 0
    for i, (kind, token, offset) in enumerate(tokens):
        if kind == "p" and token in "{<":
            depth += 1
        elif kind == "p" and token in "}>":
            depth -= 1
        elif (depth == 1 and kind == "i" and token == field and i + 2 < len(tokens)
              and tokens[i + 2][0] == "s" and tokens[i + 2][1][1:-1] == value):
            quote, at = tokens[i + 2][1][0], tokens[i + 2][2]
            edits.append((at, at + len(tokens[i + 2][1]), f"{quote}{new_value}{quote}"))
    return edits


def _refuse_collisions(netfile, graph, block, bottom):
    """`block`: the block's LayerParameters. Its layer names are checked against every layer of the file, in
    any phase: the host's weights, saved from its training net, may hold any of them."""
    host_layers = {layer.name for layer in netfile.net.layer}
    host_blobs = {b.name for b in graph.blobs}
    clashes = [layer.name for layer in block if layer.name in host_layers]
    clashes += [t for layer in block for t in layer.top if t in host_blobs and t != bottom]
    if clashes:
        shown = ", ".join(f"'{c}'" for c in sorted(set(clashes))[:5])
        raise InputError(f"the block's names would collide with the host's ({shown}"
                         f"{', ...' if len(set(clashes)) > 5 else ''}): choose a {option('prefix')}", netfile.source)


def _reduction(graph, blob, at, channels, prefix, path):
    """A 1x1 convolution to `channels`, then the host's own normalisation and activation after it.

    The host's convention is read from the chain that wrote `at`: the layer that
    first wrote it and the in-place layers after it (BN and ReLU in a PSPNet host).
    """
    from google.protobuf import text_format

    from scnn_tools import caffe_pb2

    if channels < 1:
        raise InputError(f"{option('reduce_to')} must be a positive number of channels (got {channels})")
    chain = []
    version = blob
    while version is not None and version.producer is not None:
        node = graph.nodes[version.producer]
        chain.append(node)
        if version.version == 0:
            break
        version = next(b for b in graph.blobs if b.name == version.name and b.version == version.version - 1)
    chain.reverse()
    first, after = chain[0], chain[1:]
    name = f"{prefix}SCNN_reduce"
    conv = caffe_pb2.LayerParameter(name=name, type="Convolution", bottom=[at], top=[name])
    families = [node.kind.family if node.kind is not None else None for node in after]
    # A bias where the host's convolution has one, or where no normalisation follows to provide it.
    bias = NORMALISATION not in families
    if first.kind is not None and first.kind.family == CONVOLUTION:
        for spec in first.param.param:  # learning rates as the host's, never its shared names
            conv.param.add(lr_mult=spec.lr_mult, decay_mult=spec.decay_mult)
        bias = first.param.convolution_param.bias_term
    conv.convolution_param.num_output = channels
    conv.convolution_param.kernel_size.append(1)
    conv.convolution_param.bias_term = bias
    # Caffe's default filler is constant 0: a reduction followed by a ReLU would never train.
    conv.convolution_param.weight_filler.type = "msra"
    if bias:
        conv.convolution_param.bias_filler.type = "constant"
    layers, notes = [conv], []
    for node in after:
        if node.kind is not None and node.kind.family == REGULARISATION:
            continue  # the host's regularisation (Dropout), not its convention
        copy = caffe_pb2.LayerParameter()
        copy.CopyFrom(node.param)
        suffix = node.name.rsplit("/", 1)[1] if "/" in node.name else node.type.lower()
        copy.name = f"{name}/{suffix}"
        del copy.bottom[:], copy.top[:]
        copy.bottom.append(name)
        copy.top.append(name)
        for spec in copy.param:
            spec.ClearField("name")
        layers.append(copy)
    if "activation" not in families:
        layers.append(caffe_pb2.LayerParameter(name=f"{name}/relu", type="ReLU", bottom=[name], top=[name]))
        notes.append(f"added a ReLU after the reduction: the host has no activation after '{at}' to copy")
    text = "".join("layer {\n" + _indent(text_format.MessageToString(layer)) + "}\n" for layer in layers)
    return text, name, notes


def _indent(text):
    return re.sub(r"(?m)^(?=.)", "  ", text)

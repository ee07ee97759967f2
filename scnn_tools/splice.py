"""An SCNN block spliced into a host net's text, everything else left as it was.

H, W and C come from the engine's shapes at the chosen blob. The block goes
right after the last layer that writes that blob (the end of its in-place
chain: conv5_5, conv5_5/bn, conv5_5/relu), and every later layer that reads
the blob reads the block's output instead. Those `bottom` strings and the
inserted text are the only changes: comments, formatting and order of the host
stay byte for byte. The result is read back and analyzed before it is returned.
"""

import re

from .analysis import Analysis
from .errors import InputError
from .layers import fmt_shape
from .reader import read_net, read_text
from .scnn import Spec, generate
from .textformat import _TOKEN


def splice(host, at, kernel_width=9, prefix="", reduce_to=None, phase="TEST", image_shape=None, named=None,
           stages=()):
    """Returns (text, summary)."""
    netfile = read_net(host)
    if netfile.format != "V2":
        raise InputError(f"splice edits V2 files (layer {{ }} blocks); this one is {netfile.format}: "
                         "upgrade it to V2 first (Caffe's upgrade_net_proto_text)", netfile.source)
    analysis = Analysis(netfile, phase, image_shape, named, stages)
    graph, shapes = analysis.graph, analysis.shapes.blobs
    blob = graph.blob(at)
    if blob is None:
        raise InputError(f"the host has no blob '{at}'", netfile.source)
    shape = shapes[blob.id]
    if shape is None or len(shape) != 4 or None in shape:
        raise InputError(f"blob '{at}' has shape {fmt_shape(shape)}: an SCNN block needs an N x C x H x W map",
                         netfile.source)
    if blob.producer is None or netfile.layer_spans[graph.nodes[blob.producer].source_index] is None:
        raise InputError(f"blob '{at}' is an input of the net, not written by a layer of the file: "
                         "there is no place in the text to put the block after", netfile.source)
    writer = graph.nodes[blob.producer]
    insert_at = netfile.layer_spans[writer.source_index][1]
    _, channels, height, width = shape

    pieces, bottom, notes = [], at, []
    if reduce_to is not None:
        reduction, bottom = _reduction(graph, blob, at, reduce_to, prefix, netfile.source)
        pieces.append(reduction)
        notes.append(f"reduced {channels} -> {reduce_to} channels first")
        channels = reduce_to
    spec = Spec(height, width, channels, kernel_width, bottom, prefix)
    pieces.append(generate(spec))
    block = "".join(pieces)

    _refuse_collisions(graph, read_text(block, "<block>").net, bottom, netfile.source)
    edits = _rewire(netfile, writer.source_index, at, spec.top)
    text = netfile.text
    for start, end, new in sorted(edits + [(insert_at, insert_at, "\n" + block.rstrip("\n"))], reverse=True):
        text = text[:start] + new + text[end:]

    spliced = Analysis(read_text(text, f"{netfile.source} (spliced)"), phase, image_shape, named, stages)
    out = spliced.graph.blob(spec.top)
    expected = [shape[0], channels, height, width]
    if out is None or spliced.shapes.blobs[out.id] != expected:  # pragma: no cover - a fault of ours
        raise AssertionError(f"the spliced block's output is not {expected}")
    summary = (f"spliced after '{writer.name}' (line {writer.line}): {spec.summary()}; "
               f"{len(edits)} bottom(s) rewired from '{at}' to '{spec.top}'" + "".join(f"; {n}" for n in notes))
    return text, summary


def _rewire(netfile, writer_index, name, new_name):
    """(start, end, replacement) for every `bottom: "name"` of the layers after the writer."""
    edits = []
    text = netfile.text
    for index in range(writer_index + 1, len(netfile.net.layer)):
        layer = netfile.net.layer[index]
        if name in layer.top and name not in layer.bottom:
            raise InputError(f"layer '{layer.name}' writes '{name}' again after the block's place; "
                             "splice at a blob written once", netfile.source, netfile.layer_lines[index])
        if name not in layer.bottom:
            continue
        start, end = netfile.layer_spans[index]
        tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text, start, end)
                  if m.lastgroup != "w"]
        depth = 0
        for i, (kind, value, offset) in enumerate(tokens):
            if kind == "p" and value in "{<":
                depth += 1
            elif kind == "p" and value in "}>":
                depth -= 1
            elif (depth == 1 and kind == "i" and value == "bottom" and i + 2 < len(tokens)
                  and tokens[i + 2][0] == "s" and tokens[i + 2][1][1:-1] == name):
                quote = tokens[i + 2][1][0]
                edits.append((tokens[i + 2][2], tokens[i + 2][2] + len(tokens[i + 2][1]),
                              f"{quote}{new_name}{quote}"))
    return edits


def _refuse_collisions(graph, block, bottom, path):
    host_layers = {n.name for n in graph.nodes}
    host_blobs = {b.name for b in graph.blobs}
    clashes = [layer.name for layer in block.layer if layer.name in host_layers]
    clashes += [t for layer in block.layer for t in layer.top if t in host_blobs and t != bottom]
    if clashes:
        shown = ", ".join(f"'{c}'" for c in sorted(set(clashes))[:5])
        raise InputError(f"the block's names would collide with the host's ({shown}"
                         f"{', ...' if len(set(clashes)) > 5 else ''}): choose a --prefix", path)


def _reduction(graph, blob, at, channels, prefix, path):
    """A 1x1 convolution to `channels`, then the host's own normalisation and activation after it.

    The host's convention is read from the chain that wrote `at`: the layer that
    first wrote it and the in-place layers after it (BN and ReLU in a PSPNet host).
    """
    from google.protobuf import text_format

    from . import caffe_pb2

    if channels < 1:
        raise InputError(f"--reduce-to must be a positive number of channels (got {channels})")
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
    if first.kind is not None and first.kind.family == "convolution":
        for spec in first.param.param:  # learning rates as the host's, never its shared names
            conv.param.add(lr_mult=spec.lr_mult, decay_mult=spec.decay_mult)
        host = first.param.convolution_param
        conv.convolution_param.bias_term = host.bias_term
        if host.HasField("weight_filler"):
            conv.convolution_param.weight_filler.CopyFrom(host.weight_filler)
        if host.HasField("bias_filler") and host.bias_term:
            conv.convolution_param.bias_filler.CopyFrom(host.bias_filler)
    conv.convolution_param.num_output = channels
    conv.convolution_param.kernel_size.append(1)
    layers = [conv]
    for node in after:
        if node.kind is not None and node.kind.family == "regularisation":
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
    text = "".join("layer {\n" + _indent(text_format.MessageToString(layer)) + "}\n" for layer in layers)
    return text, name


def _indent(text):
    return re.sub(r"(?m)^(?=.)", "  ", text)

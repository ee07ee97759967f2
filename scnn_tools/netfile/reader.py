"""A prototxt (or binary NetParameter) file → one upgraded V2 NetParameter.

This is the only place files are read. Everything downstream gets a `NetFile`:
the V2 net, the format it came in, the upgrade steps applied, the line of
every layer and the warnings met on the way.
"""

import mmap
import re
import sys
from pathlib import Path

from google.protobuf.message import DecodeError

from scnn_tools import caffe_pb2
from scnn_tools.errors import InputError, warning
from . import onnxfile, textformat
from .upgrade import upgrade


class NetFile:
    def __init__(self, source, text, net, fmt, steps, layer_lines, warnings, layer_spans=None):
        self.source = str(source)     # the path as given, or "-" for stdin
        self.text = text              # the file's text ("" for binary files)
        self.net = net                # caffe_pb2.NetParameter, V2
        self.format = fmt             # 'V0', 'V1', 'V2', 'binary' or 'onnx'
        self.upgrades = steps         # what the upgrade did, in words
        self.layer_lines = layer_lines
        self.warnings = warnings
        # For a V2 file: each `layer` block's (start, end) offsets in `text`,
        # parallel to net.layer (None for a layer the upgrade made, e.g. Input).
        self.layer_spans = layer_spans
        # For an ONNX model: {ir_version, opset: {domain: version}, producer}; None for a Caffe file.
        self.model = None
        # For an ONNX model: per layer of `net`, what its rules read of its node (onnxfile.OnnxLayer; None for
        # an onnx.Input); None for a Caffe file.
        self.onnx_layers = None

    @property
    def name(self):
        if self.net.name:
            return self.net.name
        return "stdin" if self.source == "-" else Path(self.source).stem


def read_net(source):
    """Read a net from a path, or from stdin when `source` is '-'."""
    mapped = _mapped(source)
    if mapped is not None and onnxfile.looks_onnx(mapped, source):
        # (an ONNX model is read from the file's pages in place: its weights, most of its bytes, are never
        # touched, and so never copied)
        netfile = onnxfile.read(mapped, source)
        if netfile is not None:
            return netfile
    data = bytes(mapped) if mapped is not None else _read_bytes(source)
    return read_bytes(data, source)


def _mapped(source):
    """The file's bytes as a memoryview of the file mapped into memory; None for stdin, an empty file, or one
    that cannot be mapped (then _read_bytes reads it, or says why it cannot)."""
    if source == "-":
        return None
    try:
        with open(source, "rb") as f:
            return memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):
        return None


def read_text(text, source="<text>"):
    """Read a net from prototxt text already in memory."""
    return _from_text(text, source)


def read_bytes(data, source):
    if not data.strip():
        raise InputError("the file is empty: there is no net in it", source)
    if onnxfile.looks_onnx(data, source):
        netfile = onnxfile.read(data, source)
        if netfile is not None:
            return netfile
    if b"\0" in data[:4096]:
        return _from_binary(data, source)
    try:
        text, warnings = data.decode("utf-8"), []
    except UnicodeDecodeError:
        if _looks_binary(data):
            return _from_binary(data, source)
        text, warnings = _comments_in_other_encodings(data, source)
    return _from_text(text.lstrip("\ufeff"), source, warnings)


def _comments_in_other_encodings(data, source):
    """Text whose only non-UTF-8 bytes are in comments (GBK and Latin-1 comments are common in real
    files), with a warning for each such line: Caffe's parser skips comments byte by byte, and so do we.
    A non-UTF-8 byte anywhere else (a name, a path) is refused, naming its line."""
    lines, warnings, offset = [], [], 0
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            hash_at = _comment_start(raw)
            if hash_at is None or hash_at > exc.start:
                raise InputError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {offset + exc.start}), "
                                 "outside a comment", source, number) from None
            lines.append(raw[:hash_at].decode("utf-8") + raw[hash_at:].decode("utf-8", errors="replace"))
            warnings.append(warning("non-utf8-comment", "a comment holds bytes that are not UTF-8 "
                                    "(another encoding, such as GBK); comments are skipped, as Caffe skips them",
                                    line=number))
        offset += len(raw) + 1
    return "\n".join(lines), warnings


def _comment_start(raw):
    """Where a line's comment starts (its '#' outside quotes), or None."""
    quote, escaped = None, False
    for i, c in enumerate(raw):
        if escaped:
            escaped = False
        elif quote is not None:
            escaped = c == 0x5C  # backslash
            quote = None if c == quote else quote
        elif c in (0x22, 0x27):  # " and '
            quote = c
        elif c == 0x23:  # #
            return i
    return None


def _read_bytes(source):
    try:
        if source == "-":
            return sys.stdin.buffer.read()
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", source) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a net file", source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source) from None


def _looks_binary(data):
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls > len(sample) // 20


def _from_binary(data, source):
    net = caffe_pb2.NetParameter()
    try:
        net.ParseFromString(data)
    except DecodeError:
        net = None
    if net is None or not (len(net.layer) or len(net.layers)):
        raise InputError("binary data that is neither prototxt text nor a Caffe NetParameter "
                         "(.caffemodel)", source)
    lines = {"layer": [None] * len(net.layer), "layers": [None] * len(net.layers)}
    _, steps, layer_lines = upgrade(net, lines, source)
    return NetFile(source, "", net, "binary", steps, layer_lines, [])


# Top-level fields a solver file has and a net file has not (the net's own are name, layer, input...).
_SOLVER = re.compile(r"^[ \t]*(?:base_lr|lr_policy|max_iter|train_net|test_net|test_iter|solver_mode|"
                     r"snapshot_prefix|net|net_param|iter_size|weight_decay)[ \t]*[:{]", re.M)


class SolverFile:
    def __init__(self, source, text, solver, warnings):
        self.source, self.text, self.solver, self.warnings = str(source), text, solver, warnings

    @property
    def nets(self):
        """The nets the solver trains and tests, by file name (inline nets are not files)."""
        s = self.solver
        return ([s.net] if s.net else []) + ([s.train_net] if s.train_net else []) + list(s.test_net)


def is_solver(text):
    return bool(_SOLVER.search(text)) and not re.search(r"^[ \t]*layers?[ \t]*\{", text, re.M)


def read_file(source):
    """A net (NetFile) or, where the text is a solver's, the solver (SolverFile): for `info`."""
    data = _read_bytes(source)
    if b"\0" not in data[:4096]:
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        if is_solver(text):
            return read_solver_text(text, source)
    return read_bytes(data, source)


def read_solver_text(text, source="<text>"):
    solver = caffe_pb2.SolverParameter()
    parsed = textformat.parse(text, solver, source)
    return SolverFile(source, text, solver, parsed.warnings)


def _from_text(text, source, warnings=()):
    if is_solver(text):
        nets = ", ".join(f"'{n}'" for n in read_solver_text(text, source).nets) or "an inline net"
        raise InputError(f"this is a solver file (its net: {nets}), not a net: give that net file, or run "
                         "`scnn-tools info` on the solver", source)
    net = caffe_pb2.NetParameter()
    parsed = textformat.parse(text, net, source)
    warnings = list(warnings) + _name_warnings(parsed.warnings, net)
    fmt, steps, layer_lines = upgrade(net, parsed.lines, source, warnings)
    if not len(net.layer):
        raise InputError("no layers: the file parses, but defines no layer or layers blocks", source)
    spans = None
    if fmt == "V2":
        spans = list(parsed.spans.get("layer", []))
        spans = [None] * (len(net.layer) - len(spans)) + spans  # an Input layer made from `input:` comes first
    return NetFile(source, text, net, fmt, steps, layer_lines, warnings, spans)


def _name_warnings(warnings, net):
    # The parser sees a layer's unknown field before it may see its name.
    for w in warnings:
        context = w.pop("_context", None)
        if not context:
            continue
        field, index = context
        if field == "layer":
            w["layer"] = net.layer[index].name
        elif field == "layers":
            v1 = net.layers[index]
            w["layer"] = v1.layer.name if v1.HasField("layer") else v1.name
        if w.get("layer"):
            w["message"] = f"layer '{w['layer']}': {w['message']}"
    return warnings

"""`export --check` within memory: a written model's weights read where they lie in its file, and what
each runtime freed given back before the next, so that their peaks neither double nor stack.

Given a .onnx file, a runtime parses its protobuf (a copy of every weight) and makes its own tensors from
that (a second): on FCN-8s 2 x 513 MB at once. Given instead a `skeleton` of the model, whose large
initializers are ONNX external data naming the bytes of their raw_data in the very file written (an
initializer's raw_data is its tensor's little-endian bytes, as external data is), onnxruntime and
OpenVINO map that file into memory and read the weights from the mapping: one copy, shared with the
page cache the file was just written through. Nothing of the weights is written twice.
"""

import contextlib
import os

from scnn_tools.netfile.wire import fields as _fields, key as _field
from .onnx_export import _STAND_IN

# Field numbers in onnx.proto: ModelProto.graph, GraphProto.initializer, TensorProto.raw_data,
# external_data and data_location (EXTERNAL = 1), StringStringEntryProto.key and value.
_GRAPH, _INITIALIZER, _RAW_DATA, _EXTERNAL_DATA, _DATA_LOCATION, _KEY, _VALUE = 7, 5, 9, 13, 14, 1, 2


def _message(number, parts):
    body = b"".join(parts)
    return _field(number, len(body)) + body


def skeleton(data, location):
    """The model `data` (its serialized bytes: a mapping of its file will do) with each initializer whose
    raw_data is over _STAND_IN bytes read from `location` (the file's name, beside the skeleton) at the
    offset of those bytes in `data`."""
    out = []
    for number, _, key_at, start, end in _fields(data, 0, len(data)):
        if number != _GRAPH:
            out.append(bytes(data[key_at:end]))
            continue
        graph = []
        for g_number, _, g_key, g_start, g_end in _fields(data, start, end):
            if g_number != _INITIALIZER:
                graph.append(bytes(data[g_key:g_end]))
                continue
            tensor = []
            for t_number, _, t_key, t_start, t_end in _fields(data, g_start, g_end):
                if t_number == _RAW_DATA and t_end - t_start > _STAND_IN:
                    for key, value in (("location", location), ("offset", t_start), ("length", t_end - t_start)):
                        tensor.append(_message(_EXTERNAL_DATA, [_field(_KEY, len(key)), key.encode(),
                                                                _field(_VALUE, len(str(value))), str(value).encode()]))
                    tensor.append(bytes([_DATA_LOCATION << 3, 1]))
                else:
                    tensor.append(bytes(data[t_key:t_end]))
            graph.append(_message(_INITIALIZER, tensor))
        out.append(_message(_GRAPH, graph))
    return b"".join(out)


@contextlib.contextmanager
def skeleton_file(path):
    """The path of a skeleton() of the model file `path`, written beside it for as long as the block runs."""
    import mmap
    import tempfile
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        with memoryview(data) as view:
            skeleton_bytes = skeleton(view, os.path.basename(path))
    fd, name = tempfile.mkstemp(prefix=".scnn-tools-", suffix=".onnx", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(skeleton_bytes)
        yield name
    finally:
        os.unlink(name)


def drop_pages(path):
    """Take this process's read-only mappings of `path` out of its memory (Linux: madvise MADV_DONTNEED).

    OpenVINO's CPU plugin keeps the weights it read (a mapping of the file) beside the copies it repacks
    for its kernels, and reads only the latter when it runs: on FCN-8s, 513 MB held for nothing through
    the run. Pages of a file mapped without write access are clean: dropped, any that is read again comes
    back from the file, so this saves memory and changes nothing else. Where it cannot be done (no
    /proc/self/maps, no madvise), nothing is."""
    import ctypes
    target = os.path.realpath(path)
    try:
        with open("/proc/self/maps") as maps:
            spans = [line.split()[:2] for line in maps if line.rstrip("\n").endswith(" " + target)]
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    for span, permissions in spans:
        if "w" not in permissions:
            low, high = (int(x, 16) for x in span.split("-"))
            madvise(low, high - low, 4)  # MADV_DONTNEED


def release():
    """Give back to the system the memory this process freed: a runtime's, and the comparisons' float64
    copies of the outputs (Linux's glibc keeps freed memory for reuse, and the next runtime's peak then
    stacked on it: FCN-8s's check peaked 170 MB higher before OpenVINO's run)."""
    import ctypes
    import gc
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: its allocator keeps what it keeps
        pass

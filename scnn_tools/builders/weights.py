"""Layer weights: read from a .caffemodel as Caffe's CopyTrainedLayersFrom reads them, or made by the
layers' fillers (with a fixed seed) as Caffe's fillers make them.

Imported by the commands that need weights (export); it uses numpy.
"""

import math

import numpy as np

from scnn_tools.errors import InputError


class Caffemodel:
    """The blobs of a binary NetParameter, by layer name (V1 `layers` or V2 `layer`)."""

    def __init__(self, path, net=None):
        """`net`: the NetParameter already read from `path` (a .caffemodel given as the net itself, whose
        blobs are then used where they are, not read a second time)."""
        if net is None:
            net = _parse(path)
        self.path = path
        self.blobs = {}
        for layer in list(net.layer) + list(net.layers):
            if layer.blobs and layer.name not in self.blobs:
                self.blobs[layer.name] = list(layer.blobs)
        if not self.blobs:
            raise InputError("holds no layer with weights: is it a .caffemodel?", path)


def _parse(path):
    from scnn_tools import caffe_pb2
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"cannot read the weights: {exc.strerror}", path) from None
    net = caffe_pb2.NetParameter()
    try:
        net.ParseFromString(data)
    except Exception:  # protobuf's DecodeError, whose text says nothing a user can act on
        raise InputError("is not a .caffemodel (a binary NetParameter): it does not decode", path) from None
    return net


def stored_shape(blob):
    """The blob's shape as stored, and whether it is the legacy num/channels/height/width form."""
    if blob.HasField("num") or blob.HasField("channels") or blob.HasField("height") or blob.HasField("width"):
        return [blob.num, blob.channels, blob.height, blob.width], True
    return list(blob.shape.dim), False


def _fits(shape, legacy, target):
    # Caffe's Blob::ShapeEquals: a legacy blob matches the target's last four axes, padded with 1s.
    if legacy:
        return len(target) <= 4 and [1] * (4 - len(target)) + list(target) == shape
    return list(target) == shape


def from_model(model, name, targets, path, line):
    """The layer's blobs with the shapes our engine gives its parameters, or an error naming the layer."""
    source = model.blobs.get(name)
    if source is None:
        raise InputError(f"layer '{name}' has weights, but {model.path} has no layer of that name "
                         "(Caffe matches weights by layer name)", path, line, layer=name)
    if len(source) != len(targets):
        raise InputError(f"layer '{name}': {model.path} holds {len(source)} weight blob(s) for it, the net's layer "
                         f"has {len(targets)}", path, line, layer=name)
    return [blob_array(model, name, j, target, path, line) for j, target in enumerate(targets)]


def blob_array(model, name, j, target, path, line):
    """Blob j of the layer in the .caffemodel, with the shape `target`, or an error naming the layer."""
    blob = model.blobs[name][j]
    shape, legacy = stored_shape(blob)
    if not _fits(shape, legacy, target):
        raise InputError(f"layer '{name}': weight blob {j} in {model.path} is {_fmt(shape)}, the layer needs "
                         f"{_fmt(target)}", path, line, layer=name)
    values = _values(blob)
    if values is None:
        stored = blob.RawType.Name(blob.raw_data_type) if blob.HasField("raw_data_type") else "raw data of no type"
        raise InputError(f"layer '{name}': weight blob {j} in {model.path} is stored as {stored}, which NVIDIA "
                         "Caffe refuses to read", path, line, layer=name)
    if values.size != math.prod(target):
        raise InputError(f"layer '{name}': weight blob {j} in {model.path} holds {values.size:,} values for its "
                         f"shape {_fmt(shape)}", path, line, layer=name)
    return values.astype(np.float32).reshape(target)


# NVIDIA Caffe's raw storage (Blob::FromProto reads raw_data by raw_data_type, little-endian as written)
_RAW = {0: "<f8", 1: "<f4", 2: "<f2"}


def _values(blob):
    """The blob's values as stored: data, double_data or NVIDIA's raw_data; None for a raw type no Caffe computes
    with."""
    if len(blob.double_data):  # (first, as Blob::FromProto looks)
        return np.array(blob.double_data, dtype=np.float64)
    if len(blob.data):
        return np.array(blob.data, dtype=np.float32)
    if blob.HasField("raw_data"):
        dtype = _RAW.get(blob.raw_data_type) if blob.HasField("raw_data_type") else None
        return None if dtype is None else np.frombuffer(blob.raw_data, dtype=dtype)
    return np.zeros(0, np.float32)


def _fmt(shape):
    return "(" + ", ".join(map(str, shape)) + ")"


def fill(filler, shape, rng):
    """One blob as Caffe's filler of that type makes it (FillerParameter; None is constant 0)."""
    count = math.prod(shape)
    kind = filler.type if filler is not None else "constant"
    if kind == "constant":
        return np.full(shape, filler.value if filler is not None else 0.0, np.float32)
    if kind == "uniform":
        return _uniform(rng, filler.min, filler.max, shape)
    if kind == "gaussian":
        out = _normal(rng, filler.mean, filler.std, shape)
        if filler.sparse >= 0 and len(shape) >= 2:
            out *= rng.random(shape) < filler.sparse / shape[0]  # Caffe: keep with probability sparse / num
        return out
    if kind == "positive_unitball":
        out = rng.random(shape).astype(np.float32).reshape(shape[0] if shape else 1, -1)
        return (out / out.sum(axis=1, keepdims=True)).reshape(shape)
    if kind in ("xavier", "msra"):
        fan_in = count / shape[0] if shape else 1
        fan_out = count / shape[1] if len(shape) > 1 else count
        from scnn_tools.caffe_pb2 import FillerParameter
        n = {FillerParameter.FAN_IN: fan_in, FillerParameter.FAN_OUT: fan_out,
             FillerParameter.AVERAGE: (fan_in + fan_out) / 2}[filler.variance_norm]
        if kind == "xavier":
            scale = math.sqrt(3 / n)
            return _uniform(rng, -scale, scale, shape)
        return _normal(rng, 0, math.sqrt(2 / n), shape)
    if kind == "bilinear":
        # Caffe's BilinearFiller: each kernel plane is the bilinear upsampling kernel of its size.
        if len(shape) != 4 or shape[2] != shape[3]:
            raise InputError(f"a bilinear filler needs a square 4-axis blob, this one is {_fmt(shape)}")
        f = math.ceil(shape[3] / 2)
        c = (2 * f - 1 - f % 2) / (2 * f)
        x = np.arange(shape[3])
        kernel = np.outer(1 - np.abs(x / f - c), 1 - np.abs(x / f - c)).astype(np.float32)
        return np.broadcast_to(kernel, shape).copy()
    raise InputError(f"filler type '{kind}' is not one Caffe has (constant, uniform, gaussian, positive_unitball, "
                     "xavier, msra, bilinear)")


# Drawn in float32, as the blobs are kept: drawing float64 and converting took twice as long, which on
# PSPNet-101's 50 million weights was a second of the export.
def _normal(rng, mean, std, shape):
    out = rng.standard_normal(shape, dtype=np.float32)
    out *= np.float32(std)
    out += np.float32(mean)
    return out


def _uniform(rng, low, high, shape):
    out = rng.random(shape, dtype=np.float32)
    out *= np.float32(high - low)
    out += np.float32(low)
    return out

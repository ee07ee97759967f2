"""The small computations ONNX exporters emit to work out shapes, evaluated with numpy.

PyTorch and tf2onnx write a Reshape's target or a Resize's sizes as a little
graph (Shape -> Gather -> Unsqueeze -> Concat ...). The reader folds those that
read only constants once (`run`), and keeps those that read the shape of a
data blob as an expression (a GraphProto) that the consumer's shape rule
evaluates with its bottoms' shapes (`evaluate`). Each op follows the ONNX
operator spec (onnx/docs/Operators.md) at the opset versions noted; an op not
in the table, or one that fails, leaves its value unknown (NotFoldable), never
a guess.
"""

import numpy as np

from .onnxfile import attributes


class NotFoldable(Exception):
    """A value that cannot be computed before the net runs (the message says which op and why)."""


# The most elements a folded value may have: shape computations are small; a larger value (a mask, a
# constant image) is left unknown rather than allocated.
LIMIT = 1 << 20


def _sized(shape):
    shape = [int(d) for d in shape]
    n = 1
    for d in shape:
        n *= max(d, 0)
    if n > LIMIT:
        raise NotFoldable(f"a value of shape {shape} is too large to compute before the net runs")
    return shape


def _attr(attrs, name, default=None):
    return attrs.get(name, default)


def _axes(values, attrs, index=1, name="axes"):
    """Axes given by attribute (older opsets) or by input `index` (newer ones)."""
    if len(values) > index and values[index] is not None:
        return [int(a) for a in np.asarray(values[index]).reshape(-1)]
    return _attr(attrs, name)


def _int_div(a, b):
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        return (np.trunc(a / b)).astype(np.result_type(a, b))  # C's truncation, as onnxruntime divides
    return a / b


def _shape(values, attrs):
    # Shape-15: start and end (negative counts from the end) select a slice of the shape.
    dims = np.array(values[0].shape, dtype=np.int64)
    return dims[_attr(attrs, "start", 0):_attr(attrs, "end", len(dims))]


def _gather(values, attrs):
    data, indices = values[0], np.asarray(values[1]).astype(np.int64)
    return np.take(data, indices, axis=_attr(attrs, "axis", 0))


def _gather_nd(values, attrs):
    # GatherND-13: the last axis of indices (k long) picks into data's axes b..b+k-1 after the batch_dims b
    # leading axes both share; the output is indices' other axes, then data's axes after the picked ones.
    data, indices = np.asarray(values[0]), np.asarray(values[1]).astype(np.int64)
    b = _attr(attrs, "batch_dims", 0)
    if indices.ndim < 1 or indices.shape[:b] != data.shape[:b] or indices.shape[-1] > data.ndim - b:
        raise NotFoldable(f"GatherND: indices {list(indices.shape)} do not index data {list(data.shape)}")
    batch = data.shape[:b]
    flat_data = data.reshape(-1, *data.shape[b:])
    flat_indices = indices.reshape(-1, *indices.shape[b:])
    out = [d[tuple(np.moveaxis(i, -1, 0))] for d, i in zip(flat_data, flat_indices)]
    return np.stack(out).reshape(*batch, *out[0].shape)


def _unsqueeze(values, attrs):
    # Unsqueeze-13 takes axes as input 1, earlier versions as an attribute; axes index the output.
    data = values[0]
    axes = sorted(a % (data.ndim + len(_axes(values, attrs))) for a in _axes(values, attrs))
    for a in axes:
        data = np.expand_dims(data, a)
    return data


def _squeeze(values, attrs):
    axes = _axes(values, attrs)
    data = values[0]
    if axes is None:
        return np.squeeze(data)
    return np.squeeze(data, axis=tuple(a % data.ndim for a in axes))


def _slice(values, attrs):
    # Slice-10 onwards: starts, ends, axes, steps as inputs; Slice-1: starts, ends, axes attributes.
    data = values[0]
    if len(values) > 1:
        starts, ends = (np.asarray(v).reshape(-1) for v in values[1:3])
        axes = values[3] if len(values) > 3 and values[3] is not None else range(len(starts))
        steps = values[4] if len(values) > 4 and values[4] is not None else [1] * len(starts)
    else:
        starts, ends = attrs["starts"], attrs["ends"]
        axes, steps = _attr(attrs, "axes", range(len(starts))), [1] * len(starts)
    index = [slice(None)] * data.ndim
    for s, e, a, st in zip(starts, ends, np.asarray(axes).reshape(-1), np.asarray(steps).reshape(-1)):
        index[int(a) % data.ndim] = slice(int(s), int(e), int(st))  # numpy clamps as the spec does
    return data[tuple(index)]


def _reshape(values, attrs):
    data, shape = values[0], [int(d) for d in np.asarray(values[1]).reshape(-1)]
    if not _attr(attrs, "allowzero", 0):
        shape = [data.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return data.reshape(shape)


def _constant_of_shape(values, attrs):
    value = attrs.get("value")
    fill = value.reshape(-1)[0] if value is not None else np.float32(0)
    return np.full(_sized(np.asarray(values[0]).reshape(-1)), fill, dtype=np.asarray(fill).dtype)


def _cast(values, attrs):
    return values[0].astype(dtype(attrs["to"]))


def _range(values, attrs):
    start, limit, delta = (np.asarray(v).reshape(-1)[0] for v in values[:3])
    if delta == 0:
        raise NotFoldable("Range with delta 0")
    _sized([(limit - start) / delta])
    return np.arange(start, limit, delta, dtype=np.asarray(values[0]).dtype)


def _reduce(fn):
    def reduce(values, attrs):
        axes = _axes(values, attrs)
        keep = bool(_attr(attrs, "keepdims", 1))
        if axes is None or len(axes) == 0:
            if axes is not None and _attr(attrs, "noop_with_empty_axes", 0):
                return values[0]
            return fn(values[0], axis=None, keepdims=keep)
        return fn(values[0], axis=tuple(axes), keepdims=keep)
    return reduce


def _concat(values, attrs):
    return np.concatenate([np.asarray(v) for v in values], axis=attrs["axis"])


def _expand(values, attrs):
    shape = np.broadcast_shapes(values[0].shape, tuple(_sized(np.asarray(values[1]).reshape(-1))))
    return np.broadcast_to(values[0], _sized(shape)).copy()


def _transpose(values, attrs):
    return np.transpose(values[0], _attr(attrs, "perm"))


def _scatter_nd(values, attrs):
    # ScatterND-11/13/16/18: data with the slices indices[..., :] name replaced by updates (or combined with them
    # by `reduction`); Swin Transformer's shifted-window mask is such a write into zeros.
    data, indices, updates = (np.asarray(v) for v in values)
    out, where = data.copy(), tuple(np.moveaxis(indices, -1, 0))
    reduction = _attr(attrs, "reduction", "none")
    if reduction == "none":
        out[where] = updates
    else:
        ufunc = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[reduction]
        ufunc.at(out, where, updates)
    return out


def _one(fn):
    return lambda values, attrs: fn(*values)


def _relu(values, attrs):
    # Relu-14: max(x, 0) in x's type (RAFT's coordinate grid passes one on constants).
    x = np.asarray(values[0])
    return np.maximum(x, np.zeros((), x.dtype))


def _dequantize(values, attrs):
    # DequantizeLinear-10..23: (x - zero_point) * scale in the scale's type; a scale per tensor (a scalar), per
    # `axis` (1-D, default axis 1) or per block of `block_size` along it (x's rank). onnxruntime's QDQ models
    # keep their weights quantized behind one.
    x, scale = np.asarray(values[0]), np.asarray(values[1])
    zero = np.asarray(values[2]) if len(values) > 2 and values[2] is not None else np.zeros((), x.dtype)
    axis, block = _attr(attrs, "axis", 1) % max(x.ndim, 1), _attr(attrs, "block_size", 0)
    out = (x.astype(np.int64) - _spread(zero, x, axis, block).astype(np.int64)).astype(scale.dtype) * _spread(
        scale, x, axis, block)
    return out.astype(scale.dtype)


def _quantize(values, attrs):
    # QuantizeLinear-10..23: saturate(round(x / scale) + zero_point), rounding halves to even, in the zero point's
    # integer type (else output_dtype's, opset 21; else uint8); scale and zero point spread as DequantizeLinear's.
    # Fake-quantised exports (NVIDIA's pytorch-quantization, torch's QAT) quantise float weights this way.
    x, scale = np.asarray(values[0]), np.asarray(values[1])
    zero = np.asarray(values[2]) if len(values) > 2 and values[2] is not None else None
    out = zero.dtype if zero is not None else dtype(_attr(attrs, "output_dtype", 0) or 2)
    if out.kind not in "iu":
        raise NotFoldable(f"QuantizeLinear to {out} (not an integer type) is not computed")
    zero = np.zeros((), out) if zero is None else zero
    axis, block = _attr(attrs, "axis", 1) % max(x.ndim, 1), _attr(attrs, "block_size", 0)
    q = np.rint(x / _spread(scale, x, axis, block)) + _spread(zero, x, axis, block).astype(np.int64)
    return np.clip(q, np.iinfo(out).min, np.iinfo(out).max).astype(out)


def _spread(v, x, axis, block):
    """A scale or zero point of (De)QuantizeLinear in x's shape: a scalar, one per `axis`, or one per block."""
    if v.ndim == 0 or v.size == 1 and not block:
        return v.reshape(())
    if block:
        return np.repeat(v, block, axis=axis)[tuple(slice(0, d) for d in x.shape)]
    return v.reshape([-1 if a == axis else 1 for a in range(x.ndim)])


def _split(values, attrs, count):
    # Split-2/11: `split` attribute; Split-13: `split` input 1; Split-18: or `num_outputs` parts of ceil(size / n),
    # the last smaller; with neither, `count` (the node's outputs) equal parts. axis default 0.
    data = np.asarray(values[0])
    axis = _attr(attrs, "axis", 0) % data.ndim
    size = data.shape[axis]
    sizes = _axes(values, attrs, 1, "split")
    if sizes is None and "num_outputs" in attrs:
        part = -(-size // attrs["num_outputs"])
        sizes = [min(part, size - part * i) for i in range(attrs["num_outputs"])]
    if sizes is None:
        if size % count:
            raise NotFoldable(f"Split: {size} does not split into {count} equal parts")
        sizes = [size // count] * count
    if len(sizes) != count or sum(sizes) != size or min(sizes) < 0:
        raise NotFoldable(f"Split: parts {sizes} are not {count} that make up {size}")
    return np.split(data, np.cumsum(sizes)[:-1], axis=axis)


# op type -> fn(values, attrs) -> output (one output each).
_OPS = {
    "Identity": _one(lambda x: x),
    "Shape": _shape,
    "Size": _one(lambda x: np.array(x.size, dtype=np.int64)),
    "Gather": _gather,
    "GatherND": _gather_nd,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Slice": _slice,
    "Reshape": _reshape,
    "Flatten": lambda values, attrs: values[0].reshape(
        int(np.prod(values[0].shape[:_attr(attrs, "axis", 1)])), -1),
    "ConstantOfShape": _constant_of_shape,
    "Cast": _cast,
    "CastLike": lambda values, attrs: np.asarray(values[0]).astype(np.asarray(values[1]).dtype),
    "ScatterND": _scatter_nd,
    "Concat": _concat,
    "Range": _range,
    "Expand": _expand,
    "Transpose": _transpose,
    "Add": _one(np.add),
    "Sub": _one(np.subtract),
    "Mul": _one(np.multiply),
    "Div": _one(lambda a, b: _int_div(np.asarray(a), np.asarray(b))),
    "Mod": _one(np.mod),
    "Neg": _one(np.negative),
    "Abs": _one(np.abs),
    "Floor": _one(np.floor),
    "Ceil": _one(np.ceil),
    "Sqrt": _one(np.sqrt),
    "Pow": _one(lambda a, b: np.power(a, b).astype(a.dtype)),
    "Min": lambda values, attrs: np.minimum.reduce(values),
    "Max": lambda values, attrs: np.maximum.reduce(values),
    "Equal": _one(np.equal),
    "Less": _one(np.less),
    "Greater": _one(np.greater),
    "LessOrEqual": _one(np.less_equal),
    "GreaterOrEqual": _one(np.greater_equal),
    "Relu": _relu,
    "DequantizeLinear": _dequantize,
    "QuantizeLinear": _quantize,
    "Not": _one(np.logical_not),
    "And": _one(np.logical_and),
    "Or": _one(np.logical_or),
    "Where": _one(np.where),
    "ReduceProd": _reduce(np.prod),
    "ReduceSum": _reduce(np.sum),
    "ReduceMin": _reduce(np.min),
    "ReduceMax": _reduce(np.max),
}


# The folded ops whose output is an activation: computed from a learnt weight, it is no weight itself.
ACTIVATIONS = {"Relu"}

# The folded ops that give input 0's tensor back where its axes other than those of 1 stay as they were (typed or
# quantised anew at most).
SAME_TENSOR = {"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Cast", "CastLike", "QuantizeLinear",
               "DequantizeLinear"}

# op type -> fn(values, attrs, number of outputs) -> [outputs].
_MULTI = {"Split": _split}


def foldable(op_type):
    return op_type in _OPS or op_type in _MULTI or op_type == "Constant"


# TensorProto.DataType -> numpy dtype (onnx/onnx.proto; FLOAT16's int32_data hold its bits).
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32, 7: np.int64,
           9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64}
_NUMBERS = {np.dtype(v): k for k, v in _DTYPES.items()}
BFLOAT16 = 16


def dtype(data_type):
    if data_type == BFLOAT16:
        return np.dtype(np.float32)  # (numpy has no bfloat16: its values widened, exactly, to float32)
    if data_type not in _DTYPES:
        raise NotFoldable(f"tensors of ONNX data type {data_type} are not read")
    return np.dtype(_DTYPES[data_type])


def to_array(tensor):
    """A TensorProto's value: from raw_data (little-endian) or the typed field its data type uses."""
    kind = dtype(tensor.data_type)
    dims = list(tensor.dims)
    if tensor.data_location == tensor.EXTERNAL:
        raise NotFoldable(f"tensor '{tensor.name}' keeps its data in another file")
    try:
        if tensor.data_type == BFLOAT16:  # the top 16 bits of a float32, in raw_data or int32_data
            bits = (np.frombuffer(tensor.raw_data, dtype="<u2") if tensor.raw_data else
                    np.asarray(tensor.int32_data, np.uint32).astype(np.uint16))
            return (bits.astype(np.uint32) << 16).view(np.float32).reshape(dims)
        if tensor.raw_data:
            return np.frombuffer(tensor.raw_data, dtype=kind.newbyteorder("<")).astype(kind).reshape(dims)
        if tensor.data_type == 10:  # FLOAT16: its bits in int32_data
            return np.asarray(tensor.int32_data, np.uint16).view(np.float16).reshape(dims)
        field = {1: "float_data", 11: "double_data", 7: "int64_data", 12: "uint64_data", 13: "uint64_data"}.get(
            tensor.data_type, "int32_data")
        return np.asarray(getattr(tensor, field), dtype=kind).reshape(dims)
    except ValueError:
        raise NotFoldable(f"tensor '{tensor.name}' holds {len(tensor.raw_data) or 'other'} data for dims {dims}") \
            from None


def from_array(array, name=""):
    """A TensorProto holding `array` (raw_data, little-endian)."""
    from scnn_tools.onnx_model_pb2 import TensorProto
    array = np.asarray(array)
    if array.dtype not in _NUMBERS:
        raise NotFoldable(f"a value of numpy type {array.dtype} has no ONNX data type here")
    tensor = TensorProto(name=name, data_type=_NUMBERS[array.dtype], dims=array.shape)
    tensor.raw_data = array.astype(array.dtype.newbyteorder("<")).tobytes()
    return tensor


def constant(node):
    """The value of a Constant node (value, or one of value_float(s), value_int(s), value_string(s))."""
    attrs = attributes(node)
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if attrs.get(key) is not None:
            dtype = np.float32 if "float" in key else np.int64 if "int" in key else None
            return np.asarray(attrs[key], dtype=dtype)
    raise NotFoldable(f"Constant node '{node.name}' holds no numeric value ({', '.join(attrs) or 'nothing'})")


def run(node, values):
    """The node's outputs from its input values (None for an absent optional input)."""
    op = node.op_type
    if op == "Constant":
        return [constant(node)]
    fn, multi = _OPS.get(op), _MULTI.get(op)
    if multi is None and (fn is None or len(node.output) != 1):
        raise NotFoldable(f"op {op} is not one scnn-tools computes before the net runs")
    try:
        with np.errstate(all="raise"):
            if multi is not None:
                return [np.asarray(v) for v in multi(list(values), attributes(node), len(node.output))]
            return [np.asarray(fn(list(values), attributes(node)))]
    except NotFoldable:
        raise
    except Exception as exc:  # a bad attribute or shape: the value is unknown, which the consumer reports
        raise NotFoldable(f"{op} node '{node.name}' cannot be computed: {exc}") from None


class ShapeOf:
    """Stands for a data blob inside an expression: only its shape is known."""

    def __init__(self, shape):
        self.shape = tuple(shape)


def evaluate(graph, shapes):
    """The value an expression graph (see onnxfile.py) computes, given its inputs' shapes (lists of ints).

    Raises NotFoldable where a shape is not fully known or an op cannot be computed.
    """
    values = {t.name: to_array(t) for t in graph.initializer}
    for value_info, shape in zip(graph.input, shapes):
        if shape is None or None in shape:
            raise NotFoldable(f"the shape of '{value_info.name}' is not fully known")
        values[value_info.name] = ShapeOf(shape)
    for node in graph.node:
        inputs = [values[name] if name else None for name in node.input]
        if node.op_type == "Shape" and isinstance(inputs[0], ShapeOf):
            inputs[0] = np.broadcast_to(np.uint8(0), inputs[0].shape)  # (Shape reads nothing but the dims)
        elif any(isinstance(v, ShapeOf) for v in inputs):
            raise NotFoldable(f"{node.op_type} node '{node.name}' reads the values of a data blob")
        for name, value in zip(node.output, run(node, inputs)):
            values[name] = value
    return values[graph.output[0].name]

"""PyTorch's max_unpool2d, which torch.onnx writes with no MaxUnpool node (tests/onnx_models/segnet_unpool.onnx):

    I, P     = MaxPool(x) with its Indices, MaxPool 1 x 1 (x) with its Indices
    J        = I - Slice(P, [0, 0], [1, 1], axes [2, 3]) + offset     (the plane's own index, plus c * Ho * Wo)
    flat     = ScatterND(zeros, Unsqueeze(Reshape(J, [-1]), -1), Reshape(X, [-1]))
    unpooled = Reshape(flat, (N, C, Ho, Wo))

Every step is a flat axis, which carries no field. Where the nodes are these, the Reshape that ends them is
given X, the Indices and x as field bottoms (OnnxLayer.field_bottom) and what the rule needs to check the
indices' numbers (its `unpool`, an Unpooling); layers/onnx/shape.py then gives each unpooled position the field
of the pooled positions whose window holds it, as MaxUnpool's rule does, or says why not. Anything else here is
left as it is: its fields stop at the flat axes.
"""

from collections import namedtuple

_ONNX = ("", "ai.onnx")

# The MaxPool node (NodeProto); whether each plane's first index is subtracted; the constant added (a TensorProto),
# None where nothing is.
Unpooling = namedtuple("Unpooling", "pool plane offset")


class _Graph:
    def __init__(self, reader):
        self.reader = reader
        self.made = {}  # output name -> (node, position)
        for node in reader.graph.node:
            for k, name in enumerate(node.output):
                if name:
                    self.made[name] = (node, k)

    def node(self, name, op, position=0):
        """The node (of op `op`, in the default domain) whose output `position` is `name`, else None."""
        found = self.made.get(name)
        if found is None or found[1] != position or found[0].op_type != op or found[0].domain not in _ONNX:
            return None
        return found[0]

    def const(self, name):
        """The value (numpy) of a constant known when the model is read, else None."""
        v = self.reader.values.get(name)
        return v.value() if v is not None and v.kind == "const" else None

    def is_data(self, name):
        v = self.reader.values.get(name)
        return v is not None and v.kind == "data"


def _attrs(node):
    from .onnxfile import attributes
    return attributes(node)


def _ints(g, node, name, position):
    """An ints argument given as an input (newer opsets) or as an attribute (older), or None."""
    if len(node.input) > position and node.input[position]:
        value = g.const(node.input[position])
        return None if value is None else [int(v) for v in value.reshape(-1)]
    value = _attrs(node).get(name)
    return list(value) if isinstance(value, list) else None


def _flattened(g, name):
    """The blob a Reshape to one axis was made from, else None."""
    node = g.node(name, "Reshape")
    if node is None or len(node.input) < 2:
        return None
    shape = g.const(node.input[1])
    if shape is None or shape.size != 1 or not g.is_data(node.input[0]):
        return None
    return node.input[0]


def _pool(g, name):
    """The MaxPool whose Indices output is `name`, else None."""
    node = g.node(name, "MaxPool", 1)
    return node if node is not None and g.is_data(node.input[0]) else None


def _plane_start(g, name, x):
    """Whether `name` is each plane's first index of x: a 1 x 1 MaxPool of x (its Indices number every
    position) sliced at h = w = 0."""
    node = g.node(name, "Slice")
    if node is None:
        return False
    starts, ends, axes = _ints(g, node, "starts", 1), _ints(g, node, "ends", 2), _ints(g, node, "axes", 3)
    steps = _ints(g, node, "steps", 4) if len(node.input) > 4 else [1, 1]
    if starts != [0, 0] or ends != [1, 1] or axes not in ([2, 3], [-2, -1]) or steps != [1, 1]:
        return False
    ones = _pool(g, node.input[0])
    if ones is None or ones.input[0] != x:
        return False
    a = _attrs(ones)
    return (a.get("kernel_shape") == [1, 1] and a.get("strides", [1, 1]) == [1, 1]
            and not any(a.get("pads", [0]) or [0]) and a.get("dilations", [1, 1]) == [1, 1]
            and a.get("auto_pad", "NOTSET") in ("NOTSET", "VALID") and not a.get("ceil_mode", 0)
            and not a.get("storage_order", 0))


def _indices(g, name):
    """(MaxPool node, plane subtracted, offset TensorProto or None) where `name` is I [- plane start] [+ a
    constant], else None."""
    offset = None
    add = g.node(name, "Add")
    if add is not None and len(add.input) == 2:
        consts = [i for i in add.input if g.const(i) is not None]
        if len(consts) != 1:
            return None
        offset = consts[0]
        name = add.input[1 - list(add.input).index(offset)]
    plane = False
    sub = g.node(name, "Sub")
    if sub is not None and len(sub.input) == 2:
        pool = _pool(g, sub.input[0])
        if pool is None or not _plane_start(g, sub.input[1], pool.input[0]):
            return None
        plane = True
    else:
        pool = _pool(g, name)
    if pool is None:
        return None
    return pool, plane, offset


def find(reader):
    """Give each Reshape that ends PyTorch's unpooling its field bottoms (see the module's docstring)."""
    if "ScatterND" not in reader.ops:
        return  # (the common case)
    g = _Graph(reader)
    for layer, record in zip(reader.net.layer, reader.layers):
        if layer.type != "onnx.Reshape":
            continue
        proto = record.node
        scatter = g.node(proto.input[0], "ScatterND")
        if scatter is None or len(scatter.input) != 3 or _attrs(scatter).get("reduction", "none") != "none":
            continue
        if g.reader.values[scatter.input[0]].kind not in ("const", "weight"):
            continue  # (positions no index names keep data's values: a field of their own)
        updates = _flattened(g, scatter.input[2])
        unsqueeze = g.node(scatter.input[1], "Unsqueeze")
        if updates is None or unsqueeze is None or _ints(g, unsqueeze, "axes", 1) not in ([-1], [1]):
            continue
        flat = _flattened(g, unsqueeze.input[0])
        found = _indices(g, flat) if flat is not None else None
        if found is None:
            continue
        pool, plane, offset = found
        names = [updates, pool.output[1], pool.input[0]]
        record.field_bottom.extend(names)
        if offset is not None:
            from .onnxfile import _tensor
            offset = _tensor(reader.values[offset], offset)
        record.unpool = Unpooling(pool, plane, offset)

"""The layer-type registry: what a type is (its Kind), found by its name.

The family modules beside this one (conv.py, pool.py, ...) register every
rule scnn-tools has about a type; the engine only looks kinds up here. A
type belongs to one of the families below, and its rules are all optional:

    shape(ctx)            -> one shape per top (a list of ints; None for a
                             dimension that cannot be known, e.g. a count of
                             detections). Default: every top has the first
                             bottom's shape.
    deps(ctx)             -> per top, {top axis: [(bottom index, bottom axis,
                             IndexMap)]}: which bottom positions each top
                             position reads, for receptive fields. Default:
                             every axis reads the same axis of every bottom.
    params(ctx)           -> [(blob shape), ...]: the learnable parameter blobs.
    macc(ctx, tops)       -> multiply-adds per image.
    declared_shapes(layer, image)
                          -> for layers that bring data in: one shape per top,
                             from the file, or from `image` (the user's shape of
                             the first top) where given.
    needs                 -> the bottoms whose shapes `shape` reads (default all).
    counts                -> the bottoms of which `shape` reads only the first axis,
                             a count (ROIPooling's ROIs): where such a bottom's
                             shape is unknown, the tops know all but that count.
    at_most(ctx)          -> per top, upper bounds for the dimensions `shape`
                             leaves None, where the parameters bound them (SSD's
                             DetectionOutput keeps at most keep_top_k detections
                             per image); None for a top nothing bounds.
    check(node)           -> [(code, message)]: warnings about parameters the rules do not read (an ONNX
                             attribute no rule of the operator knows), given when the graph is built
                             (`node`: the graph's Node, net/graph.py).
    image_axes(layer)     -> for a source: its top's (h, w) axes where they are not the last two (an ONNX
                             input read channels-last), else None.
    min_bottoms           -> how many bottoms the type needs at least (default 1).
    ambiguous(layer)      -> where forks register the type with different arithmetic and the layer's
                             parameters fit several of them: which, and where they part (the rules leave
                             that unknown); None where the parameters say which fork's it is.
    note                  -> why a declared or computed shape may be incomplete.
    not_features          -> {top index: what it holds}, for tops that are no
                             feature maps (a pooling's mask): splice refuses them.
    onnx(ctx, e)          -> writes the layer as ONNX nodes through onnx_export.Emitter
                             `e` (inputs, outputs, constants, weights).
    no_onnx               -> why export refuses the type, for a type without an
                             onnx rule (a source becomes a graph input instead).

Python layers are found by their class, "Python.module.Layer", before the
generic "Python" kind.
"""

from scnn_tools.errors import InputError
from scnn_tools.net.indexmaps import IDENTITY

_REGISTRY = {}

# The families: what the splicer and the engine ask of a type beyond its rules.
DATA = "data"
CONVOLUTION = "convolution"
POOLING = "pooling"
INNER_PRODUCT = "inner-product"
MERGE = "merge"
SPLIT = "split"
RESIZE = "resize"
RESHAPE = "reshape"
ELEMENTWISE = "elementwise"
ACTIVATION = "activation"
NORMALISATION = "normalisation"
REGULARISATION = "regularisation"
DETECTION = "detection"
LOSS = "loss"
METRIC = "metric"
OUTPUT = "output"
RECURRENT = "recurrent"
PYTHON = "python"
# Why export refuses a whole family (a type may say its own reason instead).
_NO_ONNX = {
    LOSS: "a training loss",
    METRIC: "a training metric",
    OUTPUT: "it writes files as the net runs",
    PYTHON: "it runs the net's own Python code, which an ONNX model cannot hold",
}
FAMILIES = (DATA, CONVOLUTION, POOLING, INNER_PRODUCT, MERGE, SPLIT, RESIZE, RESHAPE, ELEMENTWISE, ACTIVATION,
            NORMALISATION, REGULARISATION, DETECTION, LOSS, METRIC, OUTPUT, RECURRENT, PYTHON)


class Kind:
    """What scnn-tools knows about one layer type."""

    def __init__(self, name, family, shape=None, deps=None, params=None, macc=None,
                 declared_shapes=None, needs=None, note=None, min_bottoms=1, not_features=None, onnx=None,
                 no_onnx=None, counts=(), at_most=None, image_axes=None, ambiguous=None, check=None):
        self.name = name
        self.family = family
        self.shape = shape or same_shape
        self.deps = deps or pointwise
        self.params = params or (lambda ctx: [])
        self.macc = macc or (lambda ctx, tops: 0)
        # Types that learn nothing and multiply nothing cost nothing, whatever their shapes.
        self.learns, self.multiplies = params is not None, macc is not None
        self.declared_shapes = declared_shapes
        self.needs = needs
        self.counts = counts
        self.at_most = at_most
        self.image_axes = image_axes or (lambda layer: None)
        self.ambiguous = ambiguous or (lambda layer: None)
        self.check = check or (lambda node: ())
        self.note = note
        self.min_bottoms = 0 if declared_shapes is not None else min_bottoms
        self.not_features = not_features or {}
        self.onnx = onnx
        self.no_onnx = no_onnx or (None if onnx else _NO_ONNX.get(family))

    @property
    def is_source(self):
        return self.declared_shapes is not None

    def declared(self, layer, image, path=None, line=None):
        """The tops' shapes a source layer declares; a refusal names the layer, as a shape rule's does."""
        try:
            return self.declared_shapes(layer, image)
        except InputError as exc:
            if exc.layer is not None:
                raise
            raise InputError(f"layer '{layer.name}' ({layer.type}): {exc.message.raw}", path, line,
                             layer=layer.name) from None


def register(name, family, **rules):
    """Register one type name (a Python class as Python.module.Layer): one call a type, so that a
    search for the type's quoted name finds its rules."""
    if family not in FAMILIES:
        raise ValueError(f"layer type {name}: unknown family {family!r}")
    if name in _REGISTRY or " " in name:
        raise ValueError(f"layer type {name!r} registered twice, or not one name")
    _REGISTRY[name] = Kind(name, family, **rules)


def names():
    """Every type name a Caffe file may use (Python classes and ONNX operators excepted)."""
    return [name for name in _REGISTRY if not name.startswith(("Python.", ONNX))]


def kinds():
    """Every registered Kind, Python classes ("Python.module.Layer") and ONNX operators included."""
    _onnx_operators()
    return list(_REGISTRY.values())


# The ONNX operators ("onnx.Conv") register themselves when a type of theirs is first looked up: a command
# on a prototxt does not import them (40 of the 100 ms the layer families took to import).
ONNX = "onnx."


_onnx_registered = False


def _onnx_operators():
    global _onnx_registered
    if not _onnx_registered:  # (an import statement costs a microsecond even when done: one a layer adds up)
        from . import onnx  # noqa: F401
        _onnx_registered = True


def kind_of(param):
    """The Kind of a LayerParameter: by type, and for Python layers by class first."""
    name = param.type  # (read once: a protobuf read makes a new string each time)
    if name == "Python" and param.HasField("python_param"):
        q = param.python_param
        kind = _REGISTRY.get(f"Python.{q.module}.{q.layer}")
        if kind is not None:
            return kind
    if name.startswith(ONNX):
        _onnx_operators()
    return _REGISTRY.get(name)


# A fork's own take on a BVLC layer carries that layer's parameter message (BinaryConvolution, a
# quantised Pooling): read by the message, with a warning, where it is the only such message and the type
# is not named as a deconvolution (which carries convolution_param too but grows its input).
_READ_BY = (("convolution_param", "Convolution"), ("pooling_param", "Pooling"))


def reading_of(param):
    """For a type we do not know: (the parameter message, the registered type it is read as), or None."""
    found = [(field, name) for field, name in _READ_BY if param.HasField(field)]
    if len(found) != 1 or "deconv" in param.type.lower():
        return None
    return found[0]


# Forks that give one type different arithmetic under the same parameters (a BVLC layer's source rewritten,
# as ChenYingpeng/darknet2caffe's pooling_layer.cpp; two forks' Lstm): a layer cannot say whose it is, but
# a file that only one reading runs is that one's (engine/forks.py). type -> [(kind name, its fork's file)].
_ALTERNATIVES = {}


def alternative(type_name, kind_name, source):
    """Registers `kind_name` as how `source` computes layers of type `type_name`."""
    _ALTERNATIVES.setdefault(type_name, []).append((kind_name, source))


def alternatives():
    return {name: list(found) for name, found in _ALTERNATIVES.items()}


def kind_named(name):
    if name.startswith(ONNX):
        _onnx_operators()
    return _REGISTRY[name]


class Ctx:
    """What a rule sees of one layer: its parameters and its bottoms' shapes."""

    def __init__(self, node, bottoms, path):
        self.node = node
        self.p = node.param
        self.bottoms = bottoms      # shapes, in bottom order
        self.tops = None            # shapes, once the shape rule has run
        self.path = path
        self.memo = {}              # what a family derives once from the parameters (its geometry)
        self.fills = None           # where some bottom dimensions are unknown: the runs at stand-in values
        self.unknowns = {}          # why the rules left something unknown: whether to warn with it
        self.stand_ins = ()         # in a run at stand-in sizes: the (bottom, axis) whose size is a stand-in

    def once(self, key, compute):
        value = self.memo.get(key)
        if value is None:
            value = self.memo[key] = compute(self)
        return value

    def unknown(self, why, value=None, warned=False):
        """Leave something unknown (a top's shape, an axis' field), saying why: the analysis warns with it,
        naming the layer (unless `warned` already), and so does what an unknown top leaves unknown further on.
        Gives `value`, so that a rule can `return ctx.unknown(why, [None])`."""
        self.unknowns[why] = self.unknowns.get(why) or not warned
        return value

    def stand_in(self, bottom, axis):
        """The size of that bottom axis is a stand-in for one nobody knows (a run of engine/shapes.py's at
        stand-in sizes or counts): a rule whose answer turns on its value (is it 1?) must not read it."""
        return (bottom, axis) in self.stand_ins

    @property
    def ntops(self):
        return len(self.node.top_names)

    def fail(self, message):
        raise InputError(f"layer '{self.node.name}' ({self.node.type}): {message}", self.path, self.node.line,
                         layer=self.node.name)

    def need_bottoms(self, low, high=None):
        n = len(self.bottoms)
        if n < low or (high is not None and n > high):
            want = str(low) if high == low else f"{low} to {high}" if high else f"at least {low}"
            self.fail(f"needs {want} bottom(s), has {n}")

    def image(self, verb, low=1, high=None):
        """The first bottom, which must be an N x C x H x W blob (the layers that `verb` images)."""
        self.need_bottoms(low, high)
        shape = self.bottoms[0]
        if len(shape) != 4:
            self.fail(f"{verb} 4-axis blobs only, bottom is {fmt_shape(shape)}")
        return shape

    def axis(self, axis, shape=None, what="axis"):
        """Caffe's CanonicalAxisIndex: negative axes count from the end."""
        shape = self.bottoms[0] if shape is None else shape
        n = len(shape)
        if not -n <= axis < n:
            self.fail(f"{what} {axis} is out of range for a {n}-axis blob {fmt_shape(shape)}")
        return axis % n


def fmt_shape(shape):
    if shape is None:
        return "(unknown)"
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def known(*dims):
    return all(d is not None for d in dims)


def product(dims):
    """The product of a shape's dimensions, or None where one is unknown."""
    n = 1
    for d in dims:
        if d is None:
            return None
        n *= d
    return n


def legacy_shape(ctx):
    """The top (num, channels, height, width) of a layer whose Reshape reads the legacy axes (1 where the
    bottom has none; Caffe refuses more than 4)."""
    shape = ctx.bottoms[0]
    if len(shape) > 4:
        ctx.fail(f"reads at most 4 axes (Caffe's num, channels, height, width), bottom is {fmt_shape(shape)}")
    return list(shape) + [1] * (4 - len(shape))


def same_shape(ctx):
    ctx.need_bottoms(1)
    return [list(ctx.bottoms[0])] * ctx.ntops


def pointwise(ctx):
    """Each top position reads the same position of every data bottom of the same rank."""
    out, bottoms = [], ctx.bottoms[:data_bottoms(ctx)]
    for t in range(ctx.ntops):
        rank = len(ctx.tops[t]) if ctx.tops[t] is not None else 0
        same = [b for b, shape in enumerate(bottoms) if shape is not None and len(shape) == rank]
        out.append({a: [(b, a, IDENTITY) for b in same] for a in range(rank)})
    return out


def data_bottoms(ctx):
    """How many of the bottoms carry data: an ONNX node's bottoms after these are read for their shapes only
    (by an expression of shapes, netfile/onnxfile.py), and no field flows through them."""
    layer = ctx.node.onnx
    return len(ctx.bottoms) if layer is None else layer.data_bottoms


def param_str_int(layer, key):
    """An integer `key: N` in a Python layer's param_str (YAML or a dict literal, as the layers parse it), or None."""
    import re
    m = re.search(rf"{key}['\"]?\s*:\s*(\d+)", layer.python_param.param_str)
    return int(m.group(1)) if m else None

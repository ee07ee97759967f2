"""Legacy net formats → the current one, as Caffe's upgrade_net_proto_text does.

Caffe's UpgradeNetAsNeeded runs, in order: V0 → V1 (folding "padding" layers
into the convolution or pooling that reads them), moving data-layer
transformation fields into transform_param, V1 → V2 (enum types become type
strings, blobs_lr/weight_decay become param specs), net-level `input` fields
→ an Input layer at the front, and pinning the three param specs old files
give BatchNorm to lr_mult 0. The rest of scnn-tools only ever sees V2.

Each layer keeps the line it came from: `lines` runs parallel to the layers.
"""

from scnn_tools import caffe_pb2
from scnn_tools.errors import InputError, warning
from scnn_tools.net.layers import registry

V1 = caffe_pb2.V1LayerParameter

# V0 string type → V1 enum.
_V0_TYPES = {
    "accuracy": V1.ACCURACY, "bnll": V1.BNLL, "concat": V1.CONCAT, "conv": V1.CONVOLUTION,
    "data": V1.DATA, "dropout": V1.DROPOUT, "euclidean_loss": V1.EUCLIDEAN_LOSS,
    "flatten": V1.FLATTEN, "hdf5_data": V1.HDF5_DATA, "hdf5_output": V1.HDF5_OUTPUT,
    "im2col": V1.IM2COL, "images": V1.IMAGE_DATA, "infogain_loss": V1.INFOGAIN_LOSS,
    "innerproduct": V1.INNER_PRODUCT, "lrn": V1.LRN,
    "multinomial_logistic_loss": V1.MULTINOMIAL_LOGISTIC_LOSS, "pool": V1.POOLING,
    "relu": V1.RELU, "sigmoid": V1.SIGMOID, "softmax": V1.SOFTMAX,
    "softmax_loss": V1.SOFTMAX_LOSS, "split": V1.SPLIT, "tanh": V1.TANH,
    "window_data": V1.WINDOW_DATA,
}

# A fork's spelling of a V0 type ("inner_product") → BVLC's ("innerproduct").
_V0_ALIASES = {name.replace("_", ""): name for name in _V0_TYPES}

# V1 enum → V2 type string.
_V1_TYPES = {
    V1.ABSVAL: "AbsVal", V1.ACCURACY: "Accuracy", V1.ARGMAX: "ArgMax", V1.BNLL: "BNLL",
    V1.CONCAT: "Concat", V1.CONTRASTIVE_LOSS: "ContrastiveLoss", V1.CONVOLUTION: "Convolution",
    V1.DECONVOLUTION: "Deconvolution", V1.DATA: "Data", V1.DROPOUT: "Dropout",
    V1.DUMMY_DATA: "DummyData", V1.EUCLIDEAN_LOSS: "EuclideanLoss", V1.ELTWISE: "Eltwise",
    V1.EXP: "Exp", V1.FLATTEN: "Flatten", V1.HDF5_DATA: "HDF5Data",
    V1.HDF5_OUTPUT: "HDF5Output", V1.HINGE_LOSS: "HingeLoss", V1.IM2COL: "Im2col",
    V1.IMAGE_DATA: "ImageData", V1.INFOGAIN_LOSS: "InfogainLoss",
    V1.INNER_PRODUCT: "InnerProduct", V1.LRN: "LRN", V1.MEMORY_DATA: "MemoryData",
    V1.MULTINOMIAL_LOGISTIC_LOSS: "MultinomialLogisticLoss", V1.MVN: "MVN",
    V1.POOLING: "Pooling", V1.POWER: "Power", V1.RELU: "ReLU", V1.SIGMOID: "Sigmoid",
    V1.SIGMOID_CROSS_ENTROPY_LOSS: "SigmoidCrossEntropyLoss", V1.SILENCE: "Silence",
    V1.SOFTMAX: "Softmax", V1.SOFTMAX_LOSS: "SoftmaxWithLoss", V1.SPLIT: "Split",
    V1.SLICE: "Slice", V1.TANH: "TanH", V1.WINDOW_DATA: "WindowData",
    V1.THRESHOLD: "Threshold",
}

# V1 layer-parameter fields with the same name in V2 (Caffe copies them one by one).
_V1_PARAM_FIELDS = [
    f.name for f in V1.DESCRIPTOR.fields
    if f.name.endswith("_param") and f.name in caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name
]

# V0 field → (V1 parameter message, field there), by V0 type. Caffe's
# UpgradeV0LayerParameter, written as a table.
_CONV_POOL = ("conv", "pool")
_V0_FIELDS = [
    ("num_output", {"conv": "convolution_param", "innerproduct": "inner_product_param"}, "num_output"),
    ("biasterm", {"conv": "convolution_param", "innerproduct": "inner_product_param"}, "bias_term"),
    ("weight_filler", {"conv": "convolution_param", "innerproduct": "inner_product_param"}, "weight_filler"),
    ("bias_filler", {"conv": "convolution_param", "innerproduct": "inner_product_param"}, "bias_filler"),
    ("pad", {"conv": "convolution_param", "pool": "pooling_param"}, "pad"),
    ("kernelsize", {"conv": "convolution_param", "pool": "pooling_param"}, "kernel_size"),
    ("group", {"conv": "convolution_param"}, "group"),
    ("stride", {"conv": "convolution_param", "pool": "pooling_param"}, "stride"),
    ("pool", {"pool": "pooling_param"}, "pool"),
    ("dropout_ratio", {"dropout": "dropout_param"}, "dropout_ratio"),
    ("local_size", {"lrn": "lrn_param"}, "local_size"),
    ("alpha", {"lrn": "lrn_param"}, "alpha"),
    ("beta", {"lrn": "lrn_param"}, "beta"),
    ("k", {"lrn": "lrn_param"}, "k"),
    ("source", {"data": "data_param", "hdf5_data": "hdf5_data_param", "images": "image_data_param",
                "window_data": "window_data_param", "infogain_loss": "infogain_loss_param"}, "source"),
    ("scale", {"data": "data_param", "images": "image_data_param", "window_data": "window_data_param"}, "scale"),
    ("meanfile", {"data": "data_param", "images": "image_data_param", "window_data": "window_data_param"}, "mean_file"),
    ("batchsize", {"data": "data_param", "hdf5_data": "hdf5_data_param", "images": "image_data_param",
                   "window_data": "window_data_param"}, "batch_size"),
    ("cropsize", {"data": "data_param", "images": "image_data_param", "window_data": "window_data_param"}, "crop_size"),
    ("mirror", {"data": "data_param", "images": "image_data_param", "window_data": "window_data_param"}, "mirror"),
    ("rand_skip", {"data": "data_param", "images": "image_data_param"}, "rand_skip"),
    ("shuffle_images", {"images": "image_data_param"}, "shuffle"),
    ("new_height", {"images": "image_data_param"}, "new_height"),
    ("new_width", {"images": "image_data_param"}, "new_width"),
    ("concat_dim", {"concat": "concat_param"}, "concat_dim"),
    ("det_fg_threshold", {"window_data": "window_data_param"}, "fg_threshold"),
    ("det_bg_threshold", {"window_data": "window_data_param"}, "bg_threshold"),
    ("det_fg_fraction", {"window_data": "window_data_param"}, "fg_fraction"),
    ("det_context_pad", {"window_data": "window_data_param"}, "context_pad"),
    ("det_crop_mode", {"window_data": "window_data_param"}, "crop_mode"),
    ("hdf5_output_param", {"hdf5_output": None}, "hdf5_output_param"),
]
_TRANSFORM_FIELDS = ("scale", "mean_file", "crop_size", "mirror")
_DATA_PARAMS = {V1.DATA: "data_param", V1.IMAGE_DATA: "image_data_param", V1.WINDOW_DATA: "window_data_param"}


def upgrade(net, lines, path=None, warnings=None):
    """Upgrade `net` in place. `lines` maps 'layer'/'layers'/'input' to line lists;
    what the upgrade warns of is appended to `warnings`.

    Returns (format, steps, layer_lines): the format found ('V0', 'V1', 'V2'),
    the upgrade steps applied, and the line of each layer of the result.
    """
    steps = []
    warnings = [] if warnings is None else warnings
    if len(net.layer) and len(net.layers):
        raise InputError("the file mixes V2 'layer' and V1 'layers' blocks; Caffe cannot read it", path)
    if len(net.layers):
        layer_lines = list(lines.get("layers", [None] * len(net.layers)))
        if any(l.HasField("layer") for l in net.layers):
            fmt = "V0"
            layer_lines = _v0_to_v1(net, layer_lines, path)
            steps.append("V0 layers upgraded to V1 (padding layers folded into their consumers)")
        else:
            fmt = "V1"
        if _move_transform_fields(net):
            steps.append("data-layer transformation fields moved to transform_param")
        _v1_to_v2(net, path, layer_lines, warnings)
        steps.append("V1 layers upgraded to V2")
    else:
        fmt = "V2"
        layer_lines = list(lines.get("layer", [None] * len(net.layer)))
    if len(net.input) and _undeclared_inputs_written(net):
        # Caffe's UpgradeNetInput strips `input` without input_dim or input_shape (a legacy caffemodel's);
        # here a layer of the file writes the blob (cvjena/cnn-models' AlexNet_cvgj beside its Input layer).
        net.ClearField("input")
        steps.append("net inputs without shapes dropped, as Caffe drops them: layers of the file write them")
    if len(net.input):
        _inputs_to_layer(net, path)
        layer_lines.insert(0, (lines.get("input") or [None])[0])
        steps.append("net inputs turned into an Input layer")
    if _clear_batchnorm_params(net):
        steps.append("BatchNorm param specs set to lr_mult 0, decay_mult 0")
    return fmt, steps, layer_lines


def _v0_to_v1(net, layer_lines, path):
    old = list(net.layers)
    producer = {name: None for name in net.input}  # blob → index of its V0 layer
    kept, kept_lines = [], []
    for i, conn in enumerate(old):
        v0 = conn.layer
        for j, bottom in enumerate(conn.bottom):
            if bottom not in producer:
                raise InputError(f"V0 layer '{v0.name}' reads blob '{bottom}', which nothing produces before it",
                                 path, layer_lines[i])
            src = producer[bottom]
            if src is None or old[src].layer.type != "padding":
                continue
            if v0.type not in _CONV_POOL or len(conn.bottom) != 1:
                raise InputError(f"V0 padding layer '{old[src].layer.name}' feeds '{v0.name}', "
                                 "which is not a single-input convolution or pooling", path, layer_lines[i])
            v0.pad = old[src].layer.pad
            conn.bottom[j] = old[src].bottom[0]
        for top in conn.top:
            producer[top] = i
        if v0.type != "padding":
            kept.append(_v0_layer(conn, path, layer_lines[i]))
            kept_lines.append(layer_lines[i])
    del net.layers[:]
    net.layers.extend(kept)
    return kept_lines


def _v0_layer(conn, path, line):
    v0 = conn.layer
    v1 = V1()
    v1.bottom.extend(conn.bottom)
    v1.top.extend(conn.top)
    v1.name = v0.name
    v1.blobs.extend(v0.blobs)
    v1.blobs_lr.extend(v0.blobs_lr)
    v1.weight_decay.extend(v0.weight_decay)
    kind = _V0_ALIASES.get(v0.type.replace("_", "").lower(), v0.type)
    if v0.type in _V0_TYPES:
        v1.type = _V0_TYPES[v0.type]
    else:
        v1.type_name = v0.type  # a fork's type ("inner_product"): read as a V2 type, with a warning
    for v0_field, targets, field in _V0_FIELDS:
        if not v0.HasField(v0_field):
            continue
        if kind not in _V0_TYPES:
            continue  # a type Caffe never had: its fields mean nothing we know (the type is warned of)
        if kind not in targets:
            raise InputError(f"V0 field '{v0_field}' does not apply to layer '{v0.name}' of type '{v0.type}'",
                             path, line)
        target = targets[kind]
        value = getattr(v0, v0_field)
        if target is None:
            getattr(v1, field).CopyFrom(value)
            continue
        param = getattr(v1, target)
        if field in ("pad", "kernel_size", "stride") and target == "convolution_param":
            getattr(param, field).append(value)  # repeated in today's ConvolutionParameter
        elif hasattr(value, "CopyFrom"):
            getattr(param, field).CopyFrom(value)
        else:
            setattr(param, field, value)
    return v1


def _move_transform_fields(net):
    moved = False
    for layer in net.layers:
        name = _DATA_PARAMS.get(layer.type)
        if name is None or not layer.HasField(name):
            continue
        param = getattr(layer, name)
        for field in _TRANSFORM_FIELDS:
            if param.HasField(field):
                setattr(layer.transform_param, field, getattr(param, field))
                param.ClearField(field)
                moved = True
    return moved


def fork_type(legacy):
    """A fork's V0 or V1 type name as a V2 type: Caffe's own name where it has one
    (CROP -> Crop, INTERP -> Interp, inner_product -> InnerProduct), else CamelCase
    (IMAGE_SEG_DATA -> ImageSegData, as DeepLab names it)."""
    key = legacy.replace("_", "").upper()
    for name in list(_V1_TYPES.values()) + registry.names():
        if name.replace("_", "").upper() == key:
            return name
    return "".join(part[:1].upper() + part[1:].lower() for part in legacy.split("_") if part)


def _v1_to_v2(net, path, lines, warnings):
    new = []
    for v1, line in zip(net.layers, lines):
        layer = caffe_pb2.LayerParameter()
        layer.bottom.extend(v1.bottom)
        layer.top.extend(v1.top)
        layer.name = v1.name
        layer.include.extend(v1.include)
        layer.exclude.extend(v1.exclude)
        if v1.HasField("type_name"):
            layer.type = fork_type(v1.type_name)
            warnings.append(warning("unknown-legacy-type",
                                    f"layer '{v1.name}': legacy layer type '{v1.type_name}' is not BVLC's; "
                                    f"read as type '{layer.type}'", v1.name, line))
        elif v1.HasField("type"):
            layer.type = _V1_TYPES.get(v1.type, "")
        layer.blobs.extend(v1.blobs)
        for i, name in enumerate(v1.param):
            _param(layer, i).name = name
        for i, mode in enumerate(v1.blob_share_mode):
            _param(layer, i).share_mode = mode
        for i, lr in enumerate(v1.blobs_lr):
            _param(layer, i).lr_mult = lr
        for i, decay in enumerate(v1.weight_decay):
            _param(layer, i).decay_mult = decay
        layer.loss_weight.extend(v1.loss_weight)
        for field in _V1_PARAM_FIELDS:
            if v1.HasField(field):
                getattr(layer, field).CopyFrom(getattr(v1, field))
        new.append(layer)
    del net.layers[:]
    net.layer.extend(new)


def _param(layer, i):
    while len(layer.param) <= i:
        layer.param.add()
    return layer.param[i]


def _undeclared_inputs_written(net):
    """Inputs without shapes, each written by a layer: Caffe drops them. (Otherwise they stay, an Input of
    unknown shape that --input-shape fills, where Caffe would stop at the blob nothing writes.)"""
    written = {top for layer in net.layer for top in layer.top}
    return not len(net.input_shape) and not len(net.input_dim) and all(name in written for name in net.input)


def _inputs_to_layer(net, path):
    n = len(net.input)
    if len(net.input_shape) and len(net.input_shape) != n:
        raise InputError(f"{n} net input(s) but {len(net.input_shape)} input_shape block(s)", path)
    if len(net.input_dim) and len(net.input_dim) != 4 * n:
        raise InputError(f"{n} net input(s) need {4 * n} input_dim values, found {len(net.input_dim)}", path)
    layer = caffe_pb2.LayerParameter(name="input", type="Input")
    layer.top.extend(net.input)
    if len(net.input_shape):
        layer.input_param.shape.extend(net.input_shape)
    elif len(net.input_dim):
        for i in range(n):
            layer.input_param.shape.add().dim.extend(net.input_dim[4 * i: 4 * i + 4])
    rest = list(net.layer)
    del net.layer[:]
    net.layer.append(layer)
    net.layer.extend(rest)
    net.ClearField("input")
    net.ClearField("input_shape")
    net.ClearField("input_dim")


def _clear_batchnorm_params(net):
    # Old BatchNorm definitions declare three param specs; Caffe pins them to 0.
    fixed = False
    for layer in net.layer:
        if layer.type == "BatchNorm" and len(layer.param) == 3:
            for spec in layer.param:
                fixed = fixed or spec.lr_mult != 0 or spec.decay_mult != 0
                spec.lr_mult = 0
                spec.decay_mult = 0
    return fixed

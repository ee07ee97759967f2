"""Layers that bring data into a net, and the shapes their definitions declare.

A shape is a list with None where the file does not say (channels stored in a
database, an image size decided by the images themselves): the user supplies
the image's with --input-shape, and the other tops (a pixel-wise label) follow
from it. The rules follow each layer's Caffe source: the crop wins over a
resize, a resize over the image's own size.
"""

from scnn_tools.errors import InputError
from .registry import DATA, PYTHON, fmt_shape, param_str_int, register


def _crop(layer, fallback=0):
    t = layer.transform_param
    if t.crop_size:
        return t.crop_size, t.crop_size
    if t.crop_h or t.crop_w:
        return t.crop_h or None, t.crop_w or None
    if fallback:
        return fallback, fallback
    return None


def _mean_channels(layer):
    """The channel count several mean_values fix: src/caffe/data_transformer.cpp Transform CHECKs that there is
    one mean value or one per channel, so a net that runs with three has three-channel data."""
    n = len(layer.transform_param.mean_value)
    return n if n > 1 else None


def _with_label(data_shape, n, ntops, label=None):
    shapes = [data_shape]
    if ntops > 1:
        shapes.append(label if label is not None else [n])
    return shapes + [None] * (ntops - len(shapes))


def _input(layer, image):
    return _given(_per_top([list(s.dim) for s in layer.input_param.shape], len(layer.top)), image)


def _per_top(shapes, ntops):
    """One shape given for several tops is every top's (Input's and DummyData's LayerSetUp)."""
    if len(shapes) == 1:
        return shapes * ntops
    return shapes if len(shapes) == ntops else [None] * ntops


def _given(shapes, image):
    return shapes if image is None else [image] + shapes[1:]


def _pixel_label(data):
    """A label map the size of the data: N x 1 x H x W."""
    if len(data) != 4:
        raise InputError(f"a layer with a pixel-wise label reads N x C x H x W images, not {fmt_shape(data)}")
    return [data[0], 1, data[2], data[3]]


def _data(layer, image):
    n = layer.data_param.batch_size or None
    hw = _crop(layer, layer.data_param.crop_size) or (None, None)
    data = image or [n, _mean_channels(layer), *hw]
    return _with_label(data, data[0], len(layer.top))


def _resized(p):
    """The height and width every image is resized to: new_height and new_width where both are given (BVLC's
    ReadImageToCVMat resizes only then), none where yihui-he/caffe-pro's new_dim sets the shorter side (the
    other follows each image's aspect: util/io.cpp)."""
    _both_or_neither(p)
    if p.new_dim:
        if p.new_height:  # caffe-pro's image_data_layer.cpp DataLayerSetUp CHECKs this too
            raise InputError("new_dim and new_height/new_width cannot be given together (Caffe refuses it)")
        return None, None
    return p.new_height or None, p.new_width or None


def _both_or_neither(p):
    """BVLC's image_data_layer.cpp and the forks' copies (PSPNet's image_seg_data, SegNet's dense_image_data,
    HED's image_labelmap_data, C3D's video_data) CHECK in DataLayerSetUp that new_height and new_width come
    together: Caffe aborts on one alone, so no shape may be printed for it."""
    if bool(p.new_height) != bool(p.new_width):
        given = "new_height" if p.new_height else "new_width"
        raise InputError(f"{given} is given without {'new_width' if p.new_height else 'new_height'}; Caffe "
                         "requires both or neither and refuses the layer")


def _image_data(layer, image):
    p = layer.image_data_param
    n = p.batch_size or None
    c = 3 if p.is_color else 1
    resized = _resized(p)  # (checked before the crop, as Caffe's setup does)
    hw = _crop(layer, p.crop_size) or resized
    data = image or [n, c, *hw]
    return _with_label(data, data[0], len(layer.top))


def _image_seg_data(layer, image):
    p = layer.image_data_param
    n = p.batch_size or None
    resized = _resized(p)
    h, w = _crop(layer, p.crop_size) or resized
    data = image or [n, 3 if p.is_color else 1, h, w]
    shapes = _with_label(data, data[0], len(layer.top), _pixel_label(data))
    if len(layer.top) > 2:
        shapes[2] = [data[0], 1, 1, 2]  # each image's original height and width
    return shapes


def _window_data(layer, image):
    p = layer.window_data_param
    n = p.batch_size or None
    hw = _crop(layer, p.crop_size) or (None, None)
    # The top's channels are the window file's image_size[0], but the layer reads every image as colour
    # (CV_LOAD_IMAGE_COLOR) and writes its 3 channels into each item: a file that runs says 3.
    data = image or [n, 3, *hw]
    return _with_label(data, data[0], len(layer.top))


def _dense_image_data(layer, image):
    p = layer.dense_image_data_param
    n = p.batch_size or None
    _both_or_neither(p)
    h, w = _crop(layer) or (  # SegNet's DataLayerSetUp: crop_size first, then crop_height/width
        (p.crop_height or None, p.crop_width or None) if p.crop_height or p.crop_width else
        (p.new_height or None, p.new_width or None))
    data = image or [n, 3 if p.is_color else 1, h, w]
    return _with_label(data, data[0], len(layer.top), _pixel_label(data))


def _image_labelmap_data(layer, image):
    """HED's (s9xie/hed src/caffe/layers/image_labelmap_data_layer.cpp DataLayerSetUp, copied by RCF) image
    and edge map: InferBlobShape of the image (colour: 3 channels) and of the 1-channel map, both resized to
    new_height x new_width where given and cropped by transform_param, with batch_size images."""
    p = layer.image_data_param
    resized = _resized(p)
    h, w = _crop(layer) or resized
    data = image or [p.batch_size or None, 3 if p.is_color else 1, h, w]
    return _with_label(data, data[0], len(layer.top), _pixel_label(data))


def _memory_data(layer, image):
    p = layer.memory_data_param
    n = p.batch_size or None
    data = image or [n, p.channels or None, p.height or None, p.width or None]
    return _with_label(data, data[0], len(layer.top))


def _dummy_data(layer, image):
    p = layer.dummy_data_param
    if len(p.shape):
        shapes = [list(s.dim) for s in p.shape]
    else:
        legacy = [list(p.num), list(p.channels), list(p.height), list(p.width)]
        count = max((len(v) for v in legacy), default=0)
        shapes = [[v[i] if len(v) > 1 else (v[0] if v else None) for v in legacy] for i in range(count)]
    return _given(_per_top(shapes, len(layer.top)), image)


def _annotated_data(layer, image):
    n = layer.data_param.batch_size or None
    r = layer.transform_param.resize_param
    hw = _crop(layer) or (r.height or None, r.width or None)
    data = image or [n, _mean_channels(layer), *hw]
    # The label blob holds one row of 8 numbers per ground-truth box: how many depends on the data.
    return _with_label(data, data[0], len(layer.top), [1, 1, None, 8])


def _unknown(layer, image):
    return _given([None] * len(layer.top), image)


def _video_data(layer, image):
    if layer.video_data_param.HasField("new_length") or layer.image_data_param.HasField("new_length"):
        return _c3d_video_data(layer, image)
    # SSD's VideoDataLayer: InferBlobShape of the first frame (its channels; crop_size), batch_size images.
    n = layer.data_param.batch_size or None
    data = image or [n, _mean_channels(layer), *(_crop(layer) or (None, None))]
    return _with_label(data, data[0], len(layer.top))


def _c3d_video_data(layer, image):
    """C3D's VideoData, the same type name as SSD's: clips of new_length frames, N x 3 x L x H x W.

    facebook/C3D C3D-v1.0/src/caffe/layers/video_data_layer.cpp SetUp (a V1 VIDEO_DATA reading
    image_data_param): (batch_size, datum channels, datum length, crop_size, crop_size), or the datum's
    height and width without a crop; the label (batch_size, 1, 1, 1, 1). C3D-v1.1's (video_data_param,
    crop_size in transform_param): InferBlobShape(VolumeDatum) with batch_size, the label (batch_size) or
    (batch_size, num_of_labels) with use_multiple_label. util/image_io.cpp reads every clip as 3 channels
    of new_length frames, resized to new_height x new_width where both are given.
    """
    v1 = layer.image_data_param.HasField("new_length")
    p = layer.image_data_param if v1 else layer.video_data_param
    crop = p.crop_size if v1 else layer.transform_param.crop_size
    _both_or_neither(p)  # (C3D-v1.0's and v1.1's video_data_layer.cpp CHECK it at setup as well)
    hw = (crop, crop) if crop else (p.new_height or None, p.new_width or None)
    data = image or [p.batch_size or None, 3, p.new_length or None, *hw]
    n = data[0]
    label = [n, 1, 1, 1, 1] if v1 else [n, p.num_of_labels] if p.use_multiple_label else [n]
    return _with_label(data, n, len(layer.top), label)


def _python_params(layer):
    import ast
    try:
        params = ast.literal_eval(layer.python_param.param_str)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return {}
    return params if isinstance(params, dict) else {}


def _fcn_data(channels):
    """FCN's Python data layers: one image a batch (their reshape), channels their code's, size the image's."""
    def declared(layer, image):
        out = []
        for c in channels(layer):
            if c is None or image is None:
                out.append(None if c is None else [1, c, None, None])
            else:
                out.append(image if not out else [image[0], c, *image[2:]])
        return out
    return declared


# nyud_layers.py: the tops are param_str's 'tops', each loaded as (C, H, W).
_NYUD_CHANNELS = {"color": 3, "hha": 3, "depth": 1, "label": 1}


def _nyud_channels(layer):
    tops = _python_params(layer).get("tops")
    tops = tops if isinstance(tops, (list, tuple)) and len(tops) == len(layer.top) else [None] * len(layer.top)
    return [_NYUD_CHANNELS.get(t) for t in tops]


register("Input", DATA, declared_shapes=_input, note="the Input layer declares no shape")
register("Data", DATA, declared_shapes=_data,
         note="a Data layer's channels (and size, without crop_size) come from its database")
register("ImageData", DATA, declared_shapes=_image_data,
         note="without crop_size or new_height/new_width the size comes from the images")
register("ImageSegData", DATA, declared_shapes=_image_seg_data,
         note="without crop_size the size comes from the images")
register("WindowData", DATA, declared_shapes=_window_data,
         note="without crop_size the window size is not declared")
register("DenseImageData", DATA, declared_shapes=_dense_image_data,
         note="without new_height/new_width the size comes from the images")
register("ImageLabelmapData", DATA, declared_shapes=_image_labelmap_data,
         note="without new_height/new_width or a crop the size comes from the images")
register("MemoryData", DATA, declared_shapes=_memory_data, note="memory_data_param is incomplete")
register("DummyData", DATA, declared_shapes=_dummy_data, note="dummy_data_param declares no shape")
register("AnnotatedData", DATA, declared_shapes=_annotated_data,
         note="an AnnotatedData layer's channels come from its database")
register("HDF5Data", DATA, declared_shapes=_unknown, note="the shape comes from the data files")
register("VideoData", DATA, declared_shapes=_video_data, note="the frames' channels (and size) come from the video")
# Python data layers of FCN (voc_layers, nyud_layers, siftflow_layers) and Faster R-CNN.
register("Python.voc_layers.VOCSegDataLayer", PYTHON, declared_shapes=_fcn_data(lambda layer: [3, 1]),
         note="a Python data layer's size comes from its images")
register("Python.voc_layers.SBDDSegDataLayer", PYTHON, declared_shapes=_fcn_data(lambda layer: [3, 1]),
         note="a Python data layer's size comes from its images")
register("Python.siftflow_layers.SIFTFlowSegDataLayer", PYTHON, declared_shapes=_fcn_data(lambda layer: [3, 1, 1]),
         note="a Python data layer's size comes from its images")
register("Python.nyud_layers.NYUDSegDataLayer", PYTHON, declared_shapes=_fcn_data(_nyud_channels),
         note="a Python data layer's size comes from its images")
def _lane_data(layer, image):
    """scnn-tools' own CULane layer (scnn_tools/lanedata.py): its param_str gives batch, size and lanes."""
    import json
    try:
        p = json.loads(layer.python_param.param_str)
        n, h, w, lanes = int(p["batch"]), int(p["height"]), int(p["width"]), int(p.get("lanes", 4))
    except (ValueError, KeyError, TypeError, AttributeError):
        return _given([None] * len(layer.top), image)
    data = image or [n, 3, h, w]
    return [data, [data[0], 1, *data[2:]], [data[0], lanes]][:len(layer.top)]


register("Python.scnn_tools.lanedata.CULaneData", PYTHON, declared_shapes=_lane_data,
         note="its param_str gives batch, height, width and lanes")
def _roi_data(layer, image):
    # py-faster-rcnn's roi_data_layer/layer.py: with cfg.TRAIN.HAS_RPN one image, im_info and gt_boxes;
    # without, IMS_PER_BATCH images, the sampled rois and labels and, with BBOX_REG, three blobs of
    # 4 * num_classes. Three tops are the RPN form unless the file names its second top 'rois'.
    if len(layer.top) == 3 and layer.top[1] != "rois":
        shapes = [[1, 3, None, None], [1, 3], [None, 5]]
    else:
        k = param_str_int(layer, "num_classes")
        k4 = 4 * k if k else None
        shapes = [[None, 3, None, None], [None, 5], [None], [None, k4], [None, k4], [None, k4]]
    return _given(shapes, image)[:len(layer.top)]


register("Python.roi_data_layer.layer.RoIDataLayer", PYTHON, declared_shapes=_roi_data,
         note="the image size and the boxes come from the data")

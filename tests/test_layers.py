"""One row per registered layer type, as torch-scan keeps a table per module.

Each row is one small net: an Input layer per bottom (named b0, b1, ...) and
the layer under test (named "l"), with the tops' shapes, the layer's learnable
parameters and its multiply-adds per image that Caffe's definition of the
type gives. The comment above a row works those numbers out from the type's
Caffe source (the file is named), never from scnn-tools' output. A new type
adds a row; a type without one fails `test_every_type_has_a_row`.
"""

from collections import namedtuple

import pytest

from scnn_tools.analysis import Analysis, report
from scnn_tools.layers import names
from scnn_tools.reader import read_text

# type: the registered name ("Python.module.Layer" for a Python layer's class);
# layer: its prototxt, named "l", reading b0, b1, ...; bottoms: their shapes;
# tops: the expected shapes (None for a dimension that cannot be known);
# params: learnable parameters; macc: multiply-adds per image.
Row = namedtuple("Row", "type layer bottoms tops params macc")

ROWS = [
    # ---------------------------------------------------------------- section A
    # data, conv, pool, inner, merge, resize, and the Python layers' classes

    # ---------------------------------------------------------------- section B
    # reshape, elementwise, detection, misc (losses, metrics, outputs, recurrent)
    # src/caffe/layers/tile_layer.cpp (Reshape): top_shape[axis] = bottom.shape(axis) * tiles, axis
    # canonical (default 1); no blobs_, so no parameters.
    Row("Tile", 'layer { name: "l" type: "Tile" bottom: "b0" top: "t" tile_param { tiles: 3 } }',
        [[2, 3, 4, 5]], [[2, 9, 4, 5]], 0, 0),
    # tile_layer.cpp: axis -1 is canonicalised to 3; 5 * 2 = 10.
    Row("Tile", 'layer { name: "l" type: "Tile" bottom: "b0" top: "t" tile_param { axis: -1 tiles: 2 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 10]], 0, 0),
    # tile_layer.cpp: axis 0 of a 2-axis blob; 2 * 4 = 8.
    Row("Tile", 'layer { name: "l" type: "Tile" bottom: "b0" top: "t" tile_param { axis: 0 tiles: 4 } }',
        [[2, 3]], [[8, 3]], 0, 0),
    # src/caffe/layers/reshape_layer.cpp: axis 0, num_axes -1 replace all axes; dim 0 copies bottom axis 0
    # (2), -1 is count / explicit_count = 120 / 2 = 60.
    Row("Reshape", 'layer { name: "l" type: "Reshape" bottom: "b0" top: "t" '
        'reshape_param { shape { dim: 0 dim: -1 } } }',
        [[2, 3, 4, 5]], [[2, 60]], 0, 0),
    # reshape_layer.cpp: 0s copy bottom axes start+0 = 2 and start+3 = 5; explicit_count = 2 (constant)
    # * 2 * 5 = 20, so -1 = 240 / 20 = 12.
    Row("Reshape", 'layer { name: "l" type: "Reshape" bottom: "b0" top: "t" '
        'reshape_param { shape { dim: 0 dim: 2 dim: -1 dim: 0 } } }',
        [[2, 6, 4, 5]], [[2, 2, 12, 5]], 0, 0),
    # reshape_layer.cpp: axis 1, num_axes 2 replace axes 1..2 (3 x 4); retained 2 before and 5 after;
    # explicit_count = 1 * count(0, 1) * count(3) = 2 * 5 = 10, -1 = 120 / 10 = 12.
    Row("Reshape", 'layer { name: "l" type: "Reshape" bottom: "b0" top: "t" '
        'reshape_param { axis: 1 num_axes: 2 shape { dim: -1 } } }',
        [[2, 3, 4, 5]], [[2, 12, 5]], 0, 0),
    # reshape_layer.cpp: axis -1 gives start_axis = num_axes + axis + 1 = 4, num_axes -1 gives end 4:
    # nothing replaced, two new axes of 1 appended.
    Row("Reshape", 'layer { name: "l" type: "Reshape" bottom: "b0" top: "t" '
        'reshape_param { axis: -1 shape { dim: 1 dim: 1 } } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5, 1, 1]], 0, 0),
    # reshape_layer.cpp: axis 1, num_axes 0 replace nothing: a new axis of 1 inserted before axis 1.
    Row("Reshape", 'layer { name: "l" type: "Reshape" bottom: "b0" top: "t" '
        'reshape_param { axis: 1 num_axes: 0 shape { dim: 1 } } }',
        [[2, 3, 4, 5]], [[2, 1, 3, 4, 5]], 0, 0),
    # src/caffe/layers/flatten_layer.cpp: axis 1, end_axis -1 (defaults): count(1, 4) = 3 * 4 * 5 = 60.
    Row("Flatten", 'layer { name: "l" type: "Flatten" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 60]], 0, 0),
    # flatten_layer.cpp: axis 1, end_axis 2: count(1, 3) = 12, axis 3 kept.
    Row("Flatten", 'layer { name: "l" type: "Flatten" bottom: "b0" top: "t" '
        'flatten_param { axis: 1 end_axis: 2 } }',
        [[2, 3, 4, 5]], [[2, 12, 5]], 0, 0),
    # flatten_layer.cpp: axis -2 -> 2, end_axis -1 -> 3: count(2, 4) = 20.
    Row("Flatten", 'layer { name: "l" type: "Flatten" bottom: "b0" top: "t" '
        'flatten_param { axis: -2 } }',
        [[2, 3, 4, 5]], [[2, 3, 20]], 0, 0),
    # flatten_layer.cpp: axis 0, end_axis 0: count(0, 1) = 2, the shape is unchanged.
    Row("Flatten", 'layer { name: "l" type: "Flatten" bottom: "b0" top: "t" '
        'flatten_param { axis: 0 end_axis: 0 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    # SSD fork src/caffe/layers/permute_layer.cpp (LayerSetUp): top_shape[i] = bottom.shape(order[i]),
    # order 0 2 3 1 (SSD's loc/conf heads): (2, 4, 5, 3).
    Row("Permute", 'layer { name: "l" type: "Permute" bottom: "b0" top: "t" '
        'permute_param { order: 0 order: 2 order: 3 order: 1 } }',
        [[2, 3, 4, 5]], [[2, 4, 5, 3]], 0, 0),
    # permute_layer.cpp: the axes missing from order are appended in their order: 1 0 2 3.
    Row("Permute", 'layer { name: "l" type: "Permute" bottom: "b0" top: "t" permute_param { order: 1 order: 0 } }',
        [[2, 3, 4, 5]], [[3, 2, 4, 5]], 0, 0),
    # src/caffe/layers/argmax_layer.cpp (Reshape), no axis: max(num_axes, 3) = 4 axes of 1, shape[0] = N,
    # shape[2] = top_k (1), shape[1] = 1 without out_max_val.
    Row("ArgMax", 'layer { name: "l" type: "ArgMax" bottom: "b0" top: "t" }',
        [[2, 10, 4, 5]], [[2, 1, 1, 1]], 0, 0),
    # argmax_layer.cpp, no axis, out_max_val: shape[1] = 2, shape[2] = top_k = 3.
    Row("ArgMax", 'layer { name: "l" type: "ArgMax" bottom: "b0" top: "t" '
        'argmax_param { out_max_val: true top_k: 3 } }',
        [[2, 10, 4, 5]], [[2, 2, 3, 1]], 0, 0),
    # argmax_layer.cpp, no axis, a 2-axis bottom: num_top_axes is raised to 3: (N, 1, top_k).
    Row("ArgMax", 'layer { name: "l" type: "ArgMax" bottom: "b0" top: "t" argmax_param { top_k: 2 } }',
        [[2, 10]], [[2, 1, 2]], 0, 0),
    # argmax_layer.cpp, axis 1: the bottom's shape with shape[axis] = top_k = 1.
    Row("ArgMax", 'layer { name: "l" type: "ArgMax" bottom: "b0" top: "t" argmax_param { axis: 1 } }',
        [[2, 10, 4, 5]], [[2, 1, 4, 5]], 0, 0),
    # argmax_layer.cpp, axis 1, out_max_val, top_k 3: the values replace the indices, same shape rule.
    Row("ArgMax", 'layer { name: "l" type: "ArgMax" bottom: "b0" top: "t" '
        'argmax_param { axis: 1 out_max_val: true top_k: 3 } }',
        [[2, 10, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    # argmax_layer.cpp, axis -1 -> 3 (CanonicalAxisIndex), top_k 2 <= 5.
    Row("ArgMax", 'layer { name: "l" type: "ArgMax" bottom: "b0" top: "t" argmax_param { axis: -1 top_k: 2 } }',
        [[2, 10, 4, 5]], [[2, 10, 4, 2]], 0, 0),
    # src/caffe/layers/reduction_layer.cpp (Reshape): top keeps the axes before `axis` (default 0):
    # a scalar, 0 axes.
    Row("Reduction", 'layer { name: "l" type: "Reduction" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[]], 0, 0),
    # reduction_layer.cpp, axis 1: (2,).
    Row("Reduction", 'layer { name: "l" type: "Reduction" bottom: "b0" top: "t" '
        'reduction_param { operation: MEAN axis: 1 } }',
        [[2, 3, 4, 5]], [[2]], 0, 0),
    # reduction_layer.cpp, axis -1 -> 3: (2, 3, 4).
    Row("Reduction", 'layer { name: "l" type: "Reduction" bottom: "b0" top: "t" '
        'reduction_param { operation: SUMSQ axis: -1 } }',
        [[2, 3, 4, 5]], [[2, 3, 4]], 0, 0),
    # include/caffe/layers/parameter_layer.hpp (LayerSetUp): one blob of parameter_param.shape, and the
    # top reshaped to it; the blob is learnable (no lr_mult forced): 3 * 4 = 12. The layer reads no bottom;
    # b0 is there only because analyze refuses a net without an input.
    Row("Parameter", 'layer { name: "l" type: "Parameter" top: "t" parameter_param { shape { dim: 3 dim: 4 } } }',
        [[1]], [[3, 4]], 12, 0),
    # src/caffe/layers/neuron_layer.cpp (NeuronLayer::Reshape): top[0]->ReshapeLike(*bottom[0]); AbsVal,
    # BNLL, Power, Exp, Log, Threshold, ReLU, ELU, Sigmoid, TanH, Clip, Swish and Dropout derive from
    # NeuronLayer (include/caffe/layers/<type>_layer.hpp) and create no blobs_: no parameters.
    Row("AbsVal", 'layer { name: "l" type: "AbsVal" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("BNLL", 'layer { name: "l" type: "BNLL" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Power", 'layer { name: "l" type: "Power" bottom: "b0" top: "t" '
        'power_param { power: 2 scale: 0.5 shift: 1 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Exp", 'layer { name: "l" type: "Exp" bottom: "b0" top: "t" exp_param { base: 2 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Log", 'layer { name: "l" type: "Log" bottom: "b0" top: "t" log_param { shift: 1 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Threshold", 'layer { name: "l" type: "Threshold" bottom: "b0" top: "t" threshold_param { threshold: 0.5 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    # In place, as nets write it: the top is the bottom's blob, reshaped like itself.
    Row("ReLU", 'layer { name: "l" type: "ReLU" bottom: "b0" top: "b0" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("ReLU", 'layer { name: "l" type: "ReLU" bottom: "b0" top: "t" relu_param { negative_slope: 0.1 } }',
        [[2, 10]], [[2, 10]], 0, 0),
    Row("ELU", 'layer { name: "l" type: "ELU" bottom: "b0" top: "t" elu_param { alpha: 0.5 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Sigmoid", 'layer { name: "l" type: "Sigmoid" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("TanH", 'layer { name: "l" type: "TanH" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Clip", 'layer { name: "l" type: "Clip" bottom: "b0" top: "t" clip_param { min: -1 max: 1 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Swish", 'layer { name: "l" type: "Swish" bottom: "b0" top: "t" swish_param { beta: 2 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    Row("Dropout", 'layer { name: "l" type: "Dropout" bottom: "b0" top: "t" dropout_param { dropout_ratio: 0.3 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    # src/caffe/layers/prelu_layer.cpp (LayerSetUp): one blob of shape (channels,) = (3,) by default.
    Row("PReLU", 'layer { name: "l" type: "PReLU" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 3, 0),
    # prelu_layer.cpp: channel_shared gives a 0-axis blob, count 1.
    Row("PReLU", 'layer { name: "l" type: "PReLU" bottom: "b0" top: "t" prelu_param { channel_shared: true } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 1, 0),
    # prelu_layer.cpp: channels() is shape(1) of a 2-axis bottom too: 10 slopes.
    Row("PReLU", 'layer { name: "l" type: "PReLU" bottom: "b0" top: "t" }',
        [[2, 10]], [[2, 10]], 10, 0),
    # src/caffe/layers/batch_norm_layer.cpp: top ReshapeLike bottom; blobs_ mean (C), variance (C) and the
    # moving-average factor (1), every one forced to lr_mult 0 ("Cannot configure batch normalization
    # statistics as layer parameters"): statistics, 0 learnable parameters.
    Row("BatchNorm", 'layer { name: "l" type: "BatchNorm" bottom: "b0" top: "t" }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 0, 0),
    Row("BatchNorm", 'layer { name: "l" type: "BatchNorm" bottom: "b0" top: "b0" '
        'batch_norm_param { use_global_stats: true } }',
        [[2, 16]], [[2, 16]], 0, 0),
    # PSPNet's src/caffe/layers/bn_layer.cpp (LayerSetUp): slope and bias, each 1 x C x 1 x 1, learned;
    # the moving mean and variance (blobs 2, 3) get lr_mult 0: 2 * 16 = 32.
    Row("BN", 'layer { name: "l" type: "BN" bottom: "b0" top: "t" bn_param { '
        'slope_filler { type: "constant" value: 1 } bias_filler { type: "constant" value: 0 } frozen: true } }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 32, 0),
    # SegNet's src/caffe/layers/bn_layer.cpp (LayerSetUp): scale and shift, each 1 x C x 1 x 1: 2 * 8 = 16.
    Row("BN", 'layer { name: "l" type: "BN" bottom: "b0" top: "t" bn_param { bn_mode: INFERENCE '
        'scale_filler { type: "constant" value: 1 } shift_filler { type: "constant" value: 0 } } }',
        [[1, 8, 6, 7]], [[1, 8, 6, 7]], 16, 0),
    # src/caffe/layers/scale_layer.cpp (LayerSetUp), one bottom: the scale blob is bottom.shape[axis,
    # axis + num_axes) = (3,) with the defaults axis 1, num_axes 1.
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 3, 0),
    # scale_layer.cpp: bias_term adds a Bias layer's blob over the same axes: 3 + 3.
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" top: "t" scale_param { bias_term: true } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 6, 0),
    # scale_layer.cpp: num_axes -1 runs to the end: (3, 4, 5) = 60, and the bias likewise: 120.
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" top: "t" '
        'scale_param { axis: 1 num_axes: -1 bias_term: true } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 120, 0),
    # scale_layer.cpp: num_axes 0 gives a 0-axis blob, one scalar.
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" top: "t" scale_param { num_axes: 0 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 1, 0),
    # scale_layer.cpp, two bottoms: the scale is bottom[1], no blob of its own (top ReshapeLike bottom[0]).
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" bottom: "b1" top: "t" }',
        [[2, 3, 4, 5], [3, 4]], [[2, 3, 4, 5]], 0, 0),
    # scale_layer.cpp, two bottoms with bias_term: blobs_.size() + bottom.size() = 0 + 2 < 3, so the bias
    # blob is learned, over num_axes = bottom[1]->num_axes() = 1 axis from axis 1: (3,).
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" bottom: "b1" top: "t" scale_param { bias_term: true } }',
        [[2, 3, 4, 5], [3]], [[2, 3, 4, 5]], 3, 0),
    # scale_layer.cpp, two bottoms, axis 0: bottom[1] (2, 3) matches bottom[0]'s axes 0..1.
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" bottom: "b1" top: "t" scale_param { axis: 0 } }',
        [[2, 3, 4, 5], [2, 3]], [[2, 3, 4, 5]], 0, 0),
    # scale_layer.cpp (Reshape): a 0-axis second bottom is one factor for everything (axis_ becomes 0);
    # bias_term's blob spans bottom[1]->num_axes() = 0 axes from axis 1: one learned scalar.
    Row("Scale", 'layer { name: "l" type: "Scale" bottom: "b0" bottom: "b1" top: "t" scale_param { bias_term: true } }',
        [[2, 3, 4, 5], []], [[2, 3, 4, 5]], 1, 0),
    # src/caffe/layers/bias_layer.cpp (LayerSetUp), one bottom: blob bottom.shape[1, 2) = (3,).
    Row("Bias", 'layer { name: "l" type: "Bias" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 3, 0),
    # bias_layer.cpp: axis 2, num_axes 2: (4, 5) = 20.
    Row("Bias", 'layer { name: "l" type: "Bias" bottom: "b0" top: "t" bias_param { axis: 2 num_axes: 2 } }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 20, 0),
    # bias_layer.cpp, two bottoms: the bias is bottom[1], no blob.
    Row("Bias", 'layer { name: "l" type: "Bias" bottom: "b0" bottom: "b1" top: "t" }',
        [[2, 3, 4, 5], [3, 4]], [[2, 3, 4, 5]], 0, 0),
    # src/caffe/layers/lrn_layer.cpp (Reshape): ACROSS_CHANNELS reshapes the top to N, C, H, W; no blobs.
    Row("LRN", 'layer { name: "l" type: "LRN" bottom: "b0" top: "t" lrn_param { local_size: 5 } }',
        [[2, 16, 7, 7]], [[2, 16, 7, 7]], 0, 0),
    # lrn_layer.cpp: WITHIN_CHANNEL runs split, square, pool (pad (k-1)/2, stride 1), power and product:
    # the product's top has the bottom's shape.
    Row("LRN", 'layer { name: "l" type: "LRN" bottom: "b0" top: "t" '
        'lrn_param { local_size: 3 norm_region: WITHIN_CHANNEL } }',
        [[2, 16, 7, 7]], [[2, 16, 7, 7]], 0, 0),
    # src/caffe/layers/mvn_layer.cpp (Reshape): top->Reshape(num(), channels(), height(), width()).
    Row("MVN", 'layer { name: "l" type: "MVN" bottom: "b0" top: "t" }',
        [[2, 3, 4, 5]], [[2, 3, 4, 5]], 0, 0),
    # mvn_layer.cpp: the legacy accessors give 1 for the axes a 2-axis bottom lacks (Blob::LegacyShape),
    # so the top gets four axes: (2, 3, 1, 1).
    Row("MVN", 'layer { name: "l" type: "MVN" bottom: "b0" top: "t" mvn_param { across_channels: true } }',
        [[2, 3]], [[2, 3, 1, 1]], 0, 0),
    # mvn_layer.cpp: a 3-axis bottom (N x C x L) likewise gains a fourth axis of 1: (2, 3, 4, 1).
    Row("MVN", 'layer { name: "l" type: "MVN" bottom: "b0" top: "t" }',
        [[2, 3, 4]], [[2, 3, 4, 1]], 0, 0),
    # src/caffe/layers/softmax_layer.cpp (Reshape): top ReshapeLike bottom.
    Row("Softmax", 'layer { name: "l" type: "Softmax" bottom: "b0" top: "t" }',
        [[2, 10]], [[2, 10]], 0, 0),
    Row("Softmax", 'layer { name: "l" type: "Softmax" bottom: "b0" top: "t" softmax_param { axis: 1 } }',
        [[2, 21, 4, 5]], [[2, 21, 4, 5]], 0, 0),
    # SSD fork src/caffe/layers/normalize_layer.cpp: top ReshapeLike bottom; one scale blob, 0-axis
    # (count 1) when channel_shared, which defaults to true in the SSD caffe.proto.
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 1, 0),
    # normalize_layer.cpp: channel_shared false gives (channels,) = 16 scales (SSD's conv4_3_norm).
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" '
        'norm_param { across_spatial: false channel_shared: false scale_filler { type: "constant" value: 20 } } }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 16, 0),
    # SSD fork src/caffe/layers/prior_box_layer.cpp: aspect_ratios_ starts at [1]; each new ratio (not
    # within 1e-6 of one kept) is added, and 1/ratio with flip (default true); num_priors_ = ratios *
    # min_sizes + max_sizes; Reshape: top (1, 2, W * H * num_priors_ * 4). Here 1 prior: 4 * 3 * 1 * 4 = 48.
    Row("PriorBox", 'layer { name: "l" type: "PriorBox" bottom: "b0" bottom: "b1" top: "t" '
        'prior_box_param { min_size: 30 } }',
        [[1, 8, 3, 4], [1, 3, 300, 300]], [[1, 2, 48]], 0, 0),
    # prior_box_layer.cpp: ratios [1, 2, 1/2] (flip), one min_size, one max_size: 3 * 1 + 1 = 4 priors,
    # 3 * 4 * 4 * 4 = 192.
    Row("PriorBox", 'layer { name: "l" type: "PriorBox" bottom: "b0" bottom: "b1" top: "t" '
        'prior_box_param { min_size: 30 max_size: 60 aspect_ratio: 2 } }',
        [[1, 8, 3, 4], [1, 3, 300, 300]], [[1, 2, 192]], 0, 0),
    # prior_box_layer.cpp: flip false: ratios [1, 2, 3], 3 priors: 12 * 3 * 4 = 144.
    Row("PriorBox", 'layer { name: "l" type: "PriorBox" bottom: "b0" bottom: "b1" top: "t" '
        'prior_box_param { min_size: 30 aspect_ratio: 2 aspect_ratio: 3 flip: false } }',
        [[1, 8, 3, 4], [1, 3, 300, 300]], [[1, 2, 144]], 0, 0),
    # prior_box_layer.cpp: two min_sizes, two max_sizes, ratios [1, 2, 1/2]: 3 * 2 + 2 = 8 priors,
    # 12 * 8 * 4 = 384.
    Row("PriorBox", 'layer { name: "l" type: "PriorBox" bottom: "b0" bottom: "b1" top: "t" '
        'prior_box_param { min_size: 30 min_size: 60 max_size: 60 max_size: 90 aspect_ratio: 2 } }',
        [[1, 8, 3, 4], [1, 3, 300, 300]], [[1, 2, 384]], 0, 0),
    # prior_box_layer.cpp: ratio 1 is already there and the second 2 repeats: ratios [1, 2, 1/2],
    # 3 priors on a 5 x 5 map: 25 * 3 * 4 = 300.
    Row("PriorBox", 'layer { name: "l" type: "PriorBox" bottom: "b0" bottom: "b1" top: "t" '
        'prior_box_param { min_size: 30 aspect_ratio: 1 aspect_ratio: 2 aspect_ratio: 2 } }',
        [[1, 8, 5, 5], [1, 3, 300, 300]], [[1, 2, 300]], 0, 0),
    # SSD fork src/caffe/layers/detection_output_layer.cpp (Reshape): (1, 1, 1, 7) with a "(fake) 1"
    # rows, since the number of boxes kept after NMS is unknown; Forward_cpu reshapes to the count kept,
    # so that dimension cannot be known. 48 priors: loc 48 * 4 = 192, conf 48 * 21 = 1008.
    Row("DetectionOutput", 'layer { name: "l" type: "DetectionOutput" bottom: "b0" bottom: "b1" bottom: "b2" '
        'top: "t" detection_output_param { num_classes: 21 share_location: true background_label_id: 0 '
        'nms_param { nms_threshold: 0.45 top_k: 400 } code_type: CENTER_SIZE keep_top_k: 200 '
        'confidence_threshold: 0.01 } }',
        [[1, 192], [1, 1008], [1, 2, 192]], [[1, 1, None, 7]], 0, 0),
    # SSD fork src/caffe/layers/detection_evaluate_layer.cpp (Reshape): (1, 1, num_pos_classes +
    # num_valid_det, 5); num_valid_det counts the detections whose label is not -1, read from the data.
    Row("DetectionEvaluate", 'layer { name: "l" type: "DetectionEvaluate" bottom: "b0" bottom: "b1" top: "t" '
        'detection_evaluate_param { num_classes: 21 background_label_id: 0 } }',
        [[1, 1, 5, 7], [1, 1, 3, 8]], [[1, 1, None, 5]], 0, 0),
    # SSD fork src/caffe/layers/multibox_loss_layer.cpp (Reshape): LossLayer::Reshape, a 0-axis loss;
    # loc, conf, priors (48) and 3 ground-truth boxes; the loss owns no blobs.
    Row("MultiBoxLoss", 'layer { name: "l" type: "MultiBoxLoss" bottom: "b0" bottom: "b1" bottom: "b2" '
        'bottom: "b3" top: "t" multibox_loss_param { num_classes: 21 share_location: true '
        'match_type: PER_PREDICTION overlap_threshold: 0.5 background_label_id: 0 neg_pos_ratio: 3 '
        'neg_overlap: 0.5 code_type: CENTER_SIZE } }',
        [[1, 192], [1, 1008], [1, 2, 192], [1, 1, 3, 8]], [[]], 0, 0),
    # src/caffe/layers/loss_layer.cpp (LossLayer::Reshape): top[0] has 0 axes; no blobs. (Its Reshape
    # would make a second top ReshapeLike bottom[0], but BVLC's SoftmaxWithLoss cannot be set up with two
    # tops: without loss_weight, layer.hpp's check finds 2 tops for the 1 weight LossLayer::LayerSetUp
    # adds; with two, the inner Softmax it copies them to has 1 top. InfogainLoss clears them: below.)
    Row("SoftmaxWithLoss", 'layer { name: "l" type: "SoftmaxWithLoss" bottom: "b0" bottom: "b1" top: "t" }',
        [[2, 10], [2]], [[]], 0, 0),
    # softmax_loss_layer.cpp: labels N * H * W = 40 over the softmax axis 1 of a score map.
    Row("SoftmaxWithLoss", 'layer { name: "l" type: "SoftmaxWithLoss" bottom: "b0" bottom: "b1" '
        'top: "t" loss_param { ignore_label: 255 } }',
        [[2, 21, 4, 5], [2, 1, 4, 5]], [[]], 0, 0),
    # loss_layer.cpp: the 0-axis loss for each of these (sigmoid_cross_entropy_loss_layer.cpp,
    # euclidean_loss_layer.cpp, hinge_loss_layer.cpp, multinomial_logistic_loss_layer.cpp,
    # contrastive_loss_layer.cpp call LossLayer::Reshape); none has blobs.
    Row("SigmoidCrossEntropyLoss", 'layer { name: "l" type: "SigmoidCrossEntropyLoss" bottom: "b0" bottom: "b1" '
        'top: "t" }',
        [[2, 10], [2, 10]], [[]], 0, 0),
    Row("EuclideanLoss", 'layer { name: "l" type: "EuclideanLoss" bottom: "b0" bottom: "b1" top: "t" }',
        [[2, 10], [2, 10]], [[]], 0, 0),
    Row("HingeLoss", 'layer { name: "l" type: "HingeLoss" bottom: "b0" bottom: "b1" top: "t" '
        'hinge_loss_param { norm: L2 } }',
        [[2, 10], [2]], [[]], 0, 0),
    Row("MultinomialLogisticLoss", 'layer { name: "l" type: "MultinomialLogisticLoss" bottom: "b0" bottom: "b1" '
        'top: "t" }',
        [[2, 10], [2]], [[]], 0, 0),
    # contrastive_loss_layer.cpp: three bottoms (a, b, similar), a scalar loss.
    Row("ContrastiveLoss", 'layer { name: "l" type: "ContrastiveLoss" bottom: "b0" bottom: "b1" bottom: "b2" '
        'top: "t" contrastive_loss_param { margin: 1 } }',
        [[2, 8], [2, 8], [2, 1]], [[]], 0, 0),
    # src/caffe/layers/infogain_loss_layer.cpp (Reshape): LossLayer::Reshape; the third bottom is H
    # (num_labels^2 = 100 values); a second top ReshapeLike bottom[0] (its inner Softmax gets
    # clear_loss_weight, so the two weights load).
    Row("InfogainLoss", 'layer { name: "l" type: "InfogainLoss" bottom: "b0" bottom: "b1" bottom: "b2" '
        'top: "t" top: "p" loss_weight: 1 loss_weight: 0 }',
        [[2, 10], [2], [1, 1, 10, 10]], [[], [2, 10]], 0, 0),
    # SSD fork src/caffe/layers/smooth_L1_loss_layer.cpp (Reshape): LossLayer::Reshape, a 0-axis loss.
    # (Its code reads an optional third bottom of weights, but LossLayer's ExactNumBottomBlobs 2 is not
    # overridden, so the fork refuses three bottoms: no row for them.)
    Row("SmoothL1Loss", 'layer { name: "l" type: "SmoothL1Loss" bottom: "b0" bottom: "b1" top: "t" }',
        [[2, 8, 4, 5], [2, 8, 4, 5]], [[]], 0, 0),
    # src/caffe/layers/accuracy_layer.cpp (Reshape): top[0] has 0 axes (top_k <= 10 classes).
    Row("Accuracy", 'layer { name: "l" type: "Accuracy" bottom: "b0" bottom: "b1" top: "t" '
        'accuracy_param { top_k: 3 } }',
        [[2, 10], [2]], [[]], 0, 0),
    # accuracy_layer.cpp: a second top, per-class accuracy, has shape (bottom[0]->shape(label_axis_),).
    Row("Accuracy", 'layer { name: "l" type: "Accuracy" bottom: "b0" bottom: "b1" top: "t" top: "c" }',
        [[2, 10], [2]], [[], [10]], 0, 0),
    # accuracy_layer.cpp: label axis 1 of a score map: 21 classes, labels N * H * W = 40.
    Row("Accuracy", 'layer { name: "l" type: "Accuracy" bottom: "b0" bottom: "b1" top: "t" top: "c" '
        'accuracy_param { axis: 1 ignore_label: 255 } }',
        [[2, 21, 4, 5], [2, 1, 4, 5]], [[], [21]], 0, 0),
    # accuracy_layer.cpp: axis -1 -> 2: per-class top (bottom.shape(2),) = (21,); labels 2 * 4 = 8.
    Row("Accuracy", 'layer { name: "l" type: "Accuracy" bottom: "b0" bottom: "b1" top: "t" top: "c" '
        'accuracy_param { axis: -1 } }',
        [[2, 4, 21], [2, 4]], [[], [21]], 0, 0),
    # DeepLab's (as in PSPNet's fork) src/caffe/layers/seg_accuracy_layer.cpp (Reshape):
    # top[0]->Reshape(1, 1, 1, 3): accuracy, average recall, average Jaccard.
    Row("SegAccuracy", 'layer { name: "l" type: "SegAccuracy" bottom: "b0" bottom: "b1" top: "t" '
        'seg_accuracy_param { ignore_label: 255 } }',
        [[1, 21, 4, 5], [1, 1, 4, 5]], [[1, 1, 1, 3]], 0, 0),
    # include/caffe/layers/hdf5_output_layer.hpp: ExactNumBottomBlobs 2, ExactNumTopBlobs 0.
    Row("HDF5Output", 'layer { name: "l" type: "HDF5Output" bottom: "b0" bottom: "b1" '
        'hdf5_output_param { file_name: "out.h5" } }',
        [[2, 3], [2, 1]], [], 0, 0),
    # DeepLab's (PSPNet's fork) include/caffe/layers/mat_write_layer.hpp: ExactNumTopBlobs 0. (No
    # `source`: mat_write_layer.cpp's LayerSetUp would need the list file to exist.)
    Row("MatWrite", 'layer { name: "l" type: "MatWrite" bottom: "b0" mat_write_param { prefix: "out/" } }',
        [[1, 21, 4, 5]], [], 0, 0),
    # src/caffe/layers/lstm_layer.cpp (FillUnrolledNet): x_transform is an InnerProduct, axis 2,
    # num_output 4H, with bias: W_xc 4H x I, b_c 4H (I = x.count(2)); the recurrent h_transform has no
    # bias: W_hc 4H x H; shared over the timesteps, so counted once. recurrent_layer.cpp: the top "h" is
    # the concat over T of 1 x N x H: T x N x H. H = 16, I = 8: 512 + 64 + 1024 = 1600. No type but
    # convolutions, deconvolutions and inner products counts multiply-adds (README), so 0.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 8], [5, 2]], [[5, 2, 16]], 1600, 0),
    # lstm_layer.cpp: I = x.count(2) = 3 * 4 = 12: 4 * 16 * 12 + 64 + 1024 = 768 + 1088 = 1856.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 3, 4], [5, 2]], [[5, 2, 16]], 1856, 0),
    # lstm_layer.cpp: a third bottom is the static input (recurrent_layer.cpp: static_input_ = bottoms >
    # 2); W_xc_static, InnerProduct axis 1 without bias: 4H x 6 = 384; 1600 + 384 = 1984.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 8], [5, 2], [2, 6]], [[5, 2, 16]], 1984, 0),
    # recurrent_layer.cpp, expose_hidden: bottoms h_0, c_0 (1 x N x H, lstm_layer.cpp RecurrentInputShapes)
    # and tops h_T, c_T reshaped like them: 1 x 2 x 16 each; parameters as in the first row.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" bottom: "b2" bottom: "b3" '
        'top: "t" top: "hT" top: "cT" recurrent_param { num_output: 16 expose_hidden: true } }',
        [[5, 2, 8], [5, 2], [1, 2, 16], [1, 2, 16]], [[5, 2, 16], [1, 2, 16], [1, 2, 16]], 1600, 0),
    # src/caffe/layers/rnn_layer.cpp (FillUnrolledNet): W_xh H x I and b_h H (x_transform, axis 2, biased),
    # W_hh H x H (no bias), W_ho O x H and b_o O (O = num_output = H); top "o" T x N x O.
    # 16 * 8 + 16 + 256 + 256 + 16 = 672.
    Row("RNN", 'layer { name: "l" type: "RNN" bottom: "b0" bottom: "b1" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 8], [5, 2]], [[5, 2, 16]], 672, 0),
    # rnn_layer.cpp: static input: W_xh_static H x 6 = 96 (axis 1, no bias): 672 + 96 = 768.
    Row("RNN", 'layer { name: "l" type: "RNN" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 8], [5, 2], [2, 6]], [[5, 2, 16]], 768, 0),
    # rnn_layer.cpp, expose_hidden: bottom h_0 and top h_T, 1 x N x H.
    Row("RNN", 'layer { name: "l" type: "RNN" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" top: "hT" '
        'recurrent_param { num_output: 16 expose_hidden: true } }',
        [[5, 2, 8], [5, 2], [1, 2, 16]], [[5, 2, 16], [1, 2, 16]], 672, 0),
    # src/caffe/layers/batch_reindex_layer.cpp (Reshape): (bottom[1].shape(0),) + bottom[0].shape[1:].
    Row("BatchReindex", 'layer { name: "l" type: "BatchReindex" bottom: "b0" bottom: "b1" top: "t" }',
        [[4, 3, 5], [6]], [[6, 3, 5]], 0, 0),
    # src/caffe/layers/filter_layer.cpp (Reshape): each top t is bottom[t] with axis 0 = the number of
    # non-zero selector items (the last bottom), read from the data in every Forward: unknown (only the
    # first Reshape, at set-up, uses bottom[0]'s 4).
    Row("Filter", 'layer { name: "l" type: "Filter" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" top: "u" }',
        [[4, 3, 5], [4], [4, 1]], [[None, 3, 5], [None]], 0, 0),

]


def net_text(row):
    inputs = [f'layer {{ name: "b{i}" type: "Input" top: "b{i}" input_param {{ shape {{ '
              + " ".join(f"dim: {d}" for d in shape) + " } } }"
              for i, shape in enumerate(row.bottoms)]
    return "\n".join(inputs + [row.layer]) + "\n"


def analysed(row):
    result = report(Analysis(read_text(net_text(row), f"{row.type}.prototxt")))
    (layer,) = [entry for entry in result["layers"] if entry["name"] == "l"]
    return layer


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.type)
def test_row(row):
    layer = analysed(row)
    assert [tuple(o["shape"]) if o["shape"] is not None else None for o in layer["outputs"]] == \
        [tuple(t) if t is not None else None for t in row.tops]
    assert (layer["params"], layer["macc"]) == (row.params, row.macc)


def test_every_type_has_a_row():
    assert sorted(set(names()) - {row.type for row in ROWS}) == []

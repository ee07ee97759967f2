"""One row per registered layer type, as torch-scan keeps a table per module.

Each row is one small net: an Input layer per bottom (named b0, b1, ...) and
the layer under test (named "l"), with the tops' shapes, the layer's learnable
parameters and its multiply-adds per image that Caffe's definition of the
type gives. The comment above a row works those numbers out from the type's
Caffe source (the file is named), never from scnn-tools' output. A new type
adds a row; a type without one fails `test_every_type_has_a_row`.
"""

import re
from collections import namedtuple

import pytest

import onnxrow
import realcaffe

from scnn_tools.engine.analysis import Analysis, layer_cost, report
from scnn_tools.errors import InputError
from scnn_tools.net.graph import build
from scnn_tools.net.layers import registry
from scnn_tools.netfile.reader import read_bytes, read_text
from scnn_tools.engine.shapes import infer

# type: the registered name ("Python.module.Layer" for a Python layer's class);
# layer: its prototxt, named "l", reading b0, b1, ...; bottoms: their shapes;
# tops: the expected shapes (None for a dimension that cannot be known);
# params: learnable parameters; macc: multiply-adds per image.
Row = namedtuple("Row", "type layer bottoms tops params macc")

ROWS = [
    # ---------------------------------------------------------------- section A
    # data, conv, pool, inner, merge, resize, and the Python layers' classes

    # Data layers read no bottoms: their tops come from their parameters; None is a dimension the
    # prototxt does not determine (read from a database, an image, a file). Nothing is learnt, nothing
    # is multiplied.

    # src/caffe/layers/input_layer.cpp LayerSetUp: one shape given for several tops reshapes every top to it.
    Row("Input", 'layer { name: "l" type: "Input" top: "x" top: "y" '
        "input_param { shape { dim: 2 dim: 3 dim: 5 dim: 7 } } }",
        [], [(2, 3, 5, 7), (2, 3, 5, 7)], 0, 0),
    # src/caffe/layers/data_layer.cpp DataLayerSetUp: top_shape = InferBlobShape(datum) (channels from the
    # datum; src/caffe/data_transformer.cpp: height = width = crop_size when set), top_shape[0] =
    # batch_size; label_shape(1, batch_size).
    Row("Data", 'layer { name: "l" type: "Data" top: "data" top: "label" transform_param { crop_size: 7 } '
        'data_param { source: "db" backend: LMDB batch_size: 4 } }',
        [], [(4, None, 7, 7), (4,)], 0, 0),
    # Three mean_values: data_transformer.cpp Transform CHECKs mean_values_.size() == 1 or == datum_channels,
    # so data that runs has 3 channels; one mean value says nothing of them.
    Row("Data", 'layer { name: "l" type: "Data" top: "data" transform_param { crop_size: 5 mean_value: 104 '
        'mean_value: 117 mean_value: 123 } data_param { source: "db" backend: LMDB batch_size: 2 } }',
        [], [(2, 3, 5, 5)], 0, 0),
    Row("Data", 'layer { name: "l" type: "Data" top: "data" transform_param { crop_size: 5 mean_value: 128 } '
        'data_param { source: "db" backend: LMDB batch_size: 2 } }',
        [], [(2, None, 5, 5)], 0, 0),
    # The same without crop_size: height and width are the datum's too.
    Row("Data", 'layer { name: "l" type: "Data" top: "data" data_param { source: "db" batch_size: 4 } }',
        [], [(4, None, None, None)], 0, 0),
    # src/caffe/layers/image_data_layer.cpp DataLayerSetUp: ReadImageToCVMat(new_height, new_width, is_color)
    # gives a 3-channel image (is_color defaults true) resized to 20x30, InferBlobShape keeps it without
    # crop_size; top_shape[0] = batch_size; label_shape(1, batch_size).
    Row("ImageData", 'layer { name: "l" type: "ImageData" top: "data" top: "label" '
        'image_data_param { source: "list.txt" batch_size: 3 new_height: 20 new_width: 30 } }',
        [], [(3, 3, 20, 30), (3,)], 0, 0),
    # Same file: crop_size 16 wins over the resize (InferBlobShape); is_color false reads 1 channel.
    Row("ImageData", 'layer { name: "l" type: "ImageData" top: "data" top: "label" '
        "transform_param { crop_size: 16 } "
        'image_data_param { source: "list.txt" batch_size: 3 new_height: 20 new_width: 30 is_color: false } }',
        [], [(3, 1, 16, 16), (3,)], 0, 0),
    # yihui-he/caffe-pro src/caffe/layers/image_data_layer.cpp and util/io.cpp ReadImageToCVMat(min_dim):
    # new_dim 256 resizes the shorter side to 256 and the other by the image's aspect, so without a crop the
    # height and width are the image's; bicubic only picks the interpolation.
    Row("ImageData", 'layer { name: "l" type: "ImageData" top: "data" top: "label" '
        'image_data_param { source: "list.txt" batch_size: 3 new_dim: 256 bicubic: true } }',
        [], [(3, 3, None, None), (3,)], 0, 0),
    # PSPNet src/caffe/layers/image_seg_data_layer.cpp DataLayerSetUp: with crop_size, top[0] =
    # (batch_size, channels of the colour image = 3, crop, crop), top[1] = (batch_size, 1, crop, crop),
    # top[2] = (batch_size, 1, 1, 2) (each image's height and width).
    Row("ImageSegData", 'layer { name: "l" type: "ImageSegData" top: "data" top: "label" top: "dim" '
        "transform_param { crop_size: 9 } "
        'image_data_param { source: "list.txt" batch_size: 2 } }',
        [], [(2, 3, 9, 9), (2, 1, 9, 9), (2, 1, 1, 2)], 0, 0),
    # Same file without a crop: the image as read, resized by new_height/new_width to 12x14.
    Row("ImageSegData", 'layer { name: "l" type: "ImageSegData" top: "data" top: "label" top: "dim" '
        'image_data_param { source: "list.txt" batch_size: 2 new_height: 12 new_width: 14 } }',
        [], [(2, 3, 12, 14), (2, 1, 12, 14), (2, 1, 1, 2)], 0, 0),
    # src/caffe/layers/window_data_layer.cpp DataLayerSetUp: top[0]->Reshape(batch_size, channels,
    # crop_size, crop_size) where channels is image_size[0] read from the window file; but load_batch reads
    # every image with CV_LOAD_IMAGE_COLOR and writes cv_img.channels() = 3 per item, so a window file that
    # runs says 3. label_shape(1, batch_size).
    Row("WindowData", 'layer { name: "l" type: "WindowData" top: "data" top: "label" '
        "transform_param { crop_size: 11 } "
        'window_data_param { source: "windows.txt" batch_size: 5 } }',
        [], [(5, 3, 11, 11), (5,)], 0, 0),
    # SegNet src/caffe/layers/dense_image_data_layer.cpp DataLayerSetUp: no crop: (batch_size, channels of
    # the image resized to new_height x new_width (3, is_color), 10, 12), label (batch_size, 1, 10, 12).
    Row("DenseImageData", 'layer { name: "l" type: "DenseImageData" top: "data" top: "label" '
        'dense_image_data_param { source: "list.txt" batch_size: 2 new_height: 10 new_width: 12 } }',
        [], [(2, 3, 10, 12), (2, 1, 10, 12)], 0, 0),
    # Same file: crop_height/crop_width (6, 7) give (batch_size, 3, 6, 7) and the label (batch_size, 1, 6, 7).
    Row("DenseImageData", 'layer { name: "l" type: "DenseImageData" top: "data" top: "label" '
        'dense_image_data_param { source: "list.txt" batch_size: 2 crop_height: 6 crop_width: 7 } }',
        [], [(2, 3, 6, 7), (2, 1, 6, 7)], 0, 0),
    # Same file: `if (crop_size > 0)` comes first, so transform_param's crop_size 8 wins over
    # crop_height/crop_width: (2, 3, 8, 8) and (2, 1, 8, 8).
    Row("DenseImageData", 'layer { name: "l" type: "DenseImageData" top: "data" top: "label" '
        "transform_param { crop_size: 8 } "
        'dense_image_data_param { source: "list.txt" batch_size: 2 crop_height: 6 crop_width: 7 } }',
        [], [(2, 3, 8, 8), (2, 1, 8, 8)], 0, 0),
    # src/caffe/layers/memory_data_layer.cpp DataLayerSetUp: top[0]->Reshape(batch_size, channels, height,
    # width), top[1]->Reshape(label_shape(1, batch_size)).
    Row("MemoryData", 'layer { name: "l" type: "MemoryData" top: "data" top: "label" '
        "memory_data_param { batch_size: 4 channels: 3 height: 5 width: 6 } }",
        [], [(4, 3, 5, 6), (4,)], 0, 0),
    # src/caffe/layers/dummy_data_layer.cpp LayerSetUp: one shape for two tops reshapes both to it.
    Row("DummyData", 'layer { name: "l" type: "DummyData" top: "x" top: "y" '
        "dummy_data_param { shape { dim: 2 dim: 3 dim: 4 } } }",
        [], [(2, 3, 4), (2, 3, 4)], 0, 0),
    # Same file, legacy dims: num/height/width given once apply to every top, channels once per top:
    # Reshape(num, channels(i), height, width).
    Row("DummyData", 'layer { name: "l" type: "DummyData" top: "x" top: "y" '
        "dummy_data_param { num: 2 channels: 3 channels: 1 height: 4 width: 5 } }",
        [], [(2, 3, 4, 5), (2, 1, 4, 5)], 0, 0),
    # SSD src/caffe/layers/annotated_data_layer.cpp DataLayerSetUp: top_shape = InferBlobShape(datum)
    # (data_transformer.cpp: channels from the datum, resize_param WARP to 300x300, no crop), top_shape[0] =
    # batch_size; with anno_type BBOX the label is (1, 1, boxes in the data (at least 1), 8).
    Row("AnnotatedData", 'layer { name: "l" type: "AnnotatedData" top: "data" top: "label" '
        "transform_param { resize_param { resize_mode: WARP height: 300 width: 300 } } "
        'data_param { source: "db" backend: LMDB batch_size: 8 } annotated_data_param { anno_type: BBOX } }',
        [], [(8, None, 300, 300), (1, 1, None, 8)], 0, 0),
    # src/caffe/layers/hdf5_data_layer.cpp LoadHDF5FileData: top_shape.resize(hdf_blobs_[i]->num_axes()),
    # every axis but the first from the file: even the number of axes is the file's.
    Row("HDF5Data", 'layer { name: "l" type: "HDF5Data" top: "data" top: "label" '
        'hdf5_data_param { source: "files.txt" batch_size: 2 } }',
        [], [None, None], 0, 0),
    # SSD src/caffe/layers/video_data_layer.cpp DataLayerSetUp: top_shape_ = InferBlobShape(cv_img)
    # (data_transformer.cpp InferBlobShape(cv::Mat): channels of the frame, crop_size 8 -> 8x8),
    # top_shape_[0] = data_param.batch_size; label_shape(1, batch_size).
    Row("VideoData", 'layer { name: "l" type: "VideoData" top: "data" top: "label" '
        "transform_param { crop_size: 8 } data_param { batch_size: 2 } "
        'video_data_param { video_type: VIDEO video_file: "clip.mp4" } }',
        [], [(2, None, 8, 8), (2,)], 0, 0),

    # src/caffe/layers/im2col_layer.cpp Reshape: spatial (7 + 2*1 - 3) / 2 + 1 = 4 per axis, channels
    # 3 * 3*3 = 27. No weights; a rearrangement, so no multiply-adds.
    Row("Im2col", 'layer { name: "l" type: "Im2col" bottom: "b0" top: "t" '
        "convolution_param { kernel_size: 3 stride: 2 pad: 1 } }",
        [(2, 3, 7, 7)], [(2, 27, 4, 4)], 0, 0),

    # Convolution: src/caffe/layers/conv_layer.cpp compute_output_shape: (in + 2*pad - (dilation*(k-1)+1))
    # / stride + 1 (C++ integer division); base_conv_layer.cpp LayerSetUp: weights (num_output,
    # channels/group, kernel...), bias (num_output). Multiply-adds (README: per image, the bias add is no
    # multiply): num_output * channels/group * prod(kernel) per output position.
    # 9x9, k3 s2 p1: (9+2-3)/2+1 = 5. params 8*3*9 + 8 = 224; macc 8*3*9 * 5*5 = 5400.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 8 kernel_size: 3 stride: 2 pad: 1 } }",
        [(2, 3, 9, 9)], [(2, 8, 5, 5)], 224, 5400),
    # group 2: 6x6, k3 p1 -> 6. params 6*(4/2)*9 + 6 = 114; macc 6*2*9 * 36 = 3888.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 6 group: 2 kernel_size: 3 pad: 1 } }",
        [(2, 4, 6, 6)], [(2, 6, 6, 6)], 114, 3888),
    # dilation 2: extent 2*(3-1)+1 = 5: (10-5)/1+1 = 6. No bias: params 3*2*9 = 54; macc 3*2*9 * 36 = 1944.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 3 kernel_size: 3 dilation: 2 bias_term: false } }",
        [(2, 2, 10, 10)], [(2, 3, 6, 6)], 54, 1944),
    # kernel_h/w 3x5, stride_h/w 2x3, pad_h/w 1x2: H (11+2-3)/2+1 = 6, W (13+4-5)/3+1 = 5.
    # params 4*3*15 + 4 = 184; macc 4*3*15 * 30 = 5400.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 4 kernel_h: 3 kernel_w: 5 stride_h: 2 stride_w: 3 pad_h: 1 pad_w: 2 } }",
        [(2, 3, 11, 13)], [(2, 4, 6, 5)], 184, 5400),
    # Repeated fields, one per spatial axis: kernel (3, 1), pad (1, 0), stride (1, 2):
    # H (8+2-3)/1+1 = 8, W (8-1)/2+1 = 4. params 5*3*3 + 5 = 50; macc 5*3*3 * 32 = 1440.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 5 kernel_size: 3 kernel_size: 1 pad: 1 pad: 0 stride: 1 stride: 2 } }",
        [(2, 3, 8, 8)], [(2, 5, 8, 4)], 50, 1440),
    # 3-D (N-D): 4x6x6, k3 p1 on each axis keeps 4x6x6. params 4*2*27 + 4 = 220; macc 4*2*27 * 144 = 31104.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }",
        [(2, 2, 4, 6, 6)], [(2, 4, 4, 6, 6)], 220, 31104),
    # axis 2: channels are axis 2 (4), spatial axes 3 and 4 (6x6, k3 -> 4x4); base_conv_layer.cpp
    # num_ = count(0, channel_axis) = 2*3, so each image runs 3 convolutions. params 5*4*9 + 5 = 185;
    # macc per image 3 * (5*4*9 * 16) = 8640.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 5 kernel_size: 3 axis: 2 } }",
        [(2, 3, 4, 6, 6)], [(2, 3, 5, 4, 4)], 185, 8640),
    # Two bottoms through the same weights (conv_layer.cpp Forward_cpu loops over the bottoms): two tops
    # (5-3)/1+1 = 3. params 2*3*9 + 2 = 56; macc 2 bottoms * 2*3*9 * 9 = 972.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" bottom: "b1" top: "t0" top: "t1" '
        "convolution_param { num_output: 2 kernel_size: 3 } }",
        [(2, 3, 5, 5), (2, 3, 5, 5)], [(2, 2, 3, 3), (2, 2, 3, 3)], 56, 972),
    # A 2x2 stride-2 kernel on 1x1: (1-2)/2 is 0 in C++, +1 = 1 output. params 4*3*4 + 4 = 52; macc 4*3*4 = 48.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 4 kernel_size: 2 stride: 2 } }",
        [(2, 3, 1, 1)], [(2, 4, 1, 1)], 52, 48),
    # The forks' depthwise convolutions. yonghenglh6/DepthwiseConvolution depthwise_conv_layer.cpp is a
    # BaseConvolutionLayer (Caffe's shapes, group and blobs): group 4 on 4 channels, 6x6 k3 p1 -> 6x6;
    # params 4*(4/4)*9 + 4 = 40; macc 4*1*9 * 36 = 1296.
    Row("DepthwiseConvolution", 'layer { name: "l" type: "DepthwiseConvolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 4 group: 4 kernel_size: 3 pad: 1 } }",
        [(2, 4, 6, 6)], [(2, 4, 6, 6)], 40, 1296),
    # farmingyard/caffe-mobilenet conv_dw_layer.cpp: top channels = bottom channels whatever num_output
    # says (Reshape), weights C x 1 x kh x kw and a bias of C (LayerSetUp). 7x7 k3 s2 p1: (7+2-3)/2+1 = 4;
    # params 4*9 + 4 = 40; macc 4*9 * 16 = 576.
    Row("ConvolutionDepthwise", 'layer { name: "l" type: "ConvolutionDepthwise" bottom: "b0" top: "t" '
        "convolution_param { num_output: 4 kernel_size: 3 stride: 2 pad: 1 } }",
        [(2, 4, 7, 7)], [(2, 4, 4, 4)], 40, 576),
    # kernel_size twice is kh, kw (3, 1), no bias: H (6-3)+1 = 4, W 6. params 5*3 = 15; macc 15 * 24 = 360.
    Row("ConvolutionDepthwise", 'layer { name: "l" type: "ConvolutionDepthwise" bottom: "b0" top: "t" '
        "convolution_param { num_output: 5 kernel_size: 3 kernel_size: 1 bias_term: false } }",
        [(1, 5, 6, 6)], [(1, 5, 4, 6)], 15, 360),
    # DeepLab v1's hole is the dilation (deeplab-public src/caffe/layers/im2col_layer.cpp Reshape: kernel_eff =
    # k + (k-1)*(hole-1)): hole 2 as the dilation-2 row above, 10x10 -> 6x6, params 54, macc 1944.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 3 kernel_size: 3 hole: 2 bias_term: false } }",
        [(2, 2, 10, 10)], [(2, 3, 6, 6)], 54, 1944),
    # hole_h 1, hole_w 3: H (10-3)/1+1 = 8, W extent 3*2+1 = 7: (10-7)+1 = 4. params 54; macc 54 * 32 = 1728.
    Row("Convolution", 'layer { name: "l" type: "Convolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 3 kernel_size: 3 hole_h: 1 hole_w: 3 bias_term: false } }",
        [(2, 2, 10, 10)], [(2, 3, 8, 4)], 54, 1728),

    # Deconvolution: src/caffe/layers/deconv_layer.cpp compute_output_shape: stride*(in-1) +
    # dilation*(k-1)+1 - 2*pad; base_conv_layer.cpp with reverse_dimensions: weights (channels,
    # num_output/group, kernel...), bias (num_output). Each input value is multiplied into
    # num_output/group * prod(kernel) outputs: macc = channels * num_output/group * prod(kernel) * in positions.
    # 5x5, k4 s2 p1: 2*4 + 4 - 2 = 10. params 4*3*16 + 3 = 195; macc 4*3*16 * 25 = 4800.
    Row("Deconvolution", 'layer { name: "l" type: "Deconvolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 3 kernel_size: 4 stride: 2 pad: 1 } }",
        [(2, 4, 5, 5)], [(2, 3, 10, 10)], 195, 4800),
    # group 2, dilation 2, no bias: 3x3 -> 1*2 + 2*2+1 = 7. params 4*(6/2)*9 = 108; macc 4*3*9 * 9 = 972.
    Row("Deconvolution", 'layer { name: "l" type: "Deconvolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 6 group: 2 kernel_size: 3 dilation: 2 bias_term: false } }",
        [(2, 4, 3, 3)], [(2, 6, 7, 7)], 108, 972),
    # Per axis: kernel 2x3, stride 2x1, pad 0x1 on 3x4: H 2*2 + 2 - 0 = 6, W 1*3 + 3 - 2 = 4.
    # params 2*2*6 + 2 = 26; macc 2*2*6 * 12 = 288.
    Row("Deconvolution", 'layer { name: "l" type: "Deconvolution" bottom: "b0" top: "t" '
        "convolution_param { num_output: 2 kernel_h: 2 kernel_w: 3 stride_h: 2 stride_w: 1 pad_h: 0 pad_w: 1 } }",
        [(2, 2, 3, 4)], [(2, 2, 6, 4)], 26, 288),

    # Pooling: src/caffe/layers/pooling_layer.cpp Reshape: pooled = ceil((h + 2p - k) / s) + 1 (CEIL, the
    # default round_mode; FLOOR floors); then, if pad_h || pad_w, minus one on an axis whose last window
    # starts at (pooled-1)*s >= h + p. A second top (the MAX mask) is ReshapeLike the first.
    # 5x5, k2 s2 p1: ceil(5/2)+1 = 4; (4-1)*2 = 6 >= 5+1: dropped -> 3.
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" top: "mask" '
        "pooling_param { pool: MAX kernel_size: 2 stride: 2 pad: 1 } }",
        [(2, 3, 5, 5)], [(2, 3, 3, 3), (2, 3, 3, 3)], 0, 0),
    # CEIL without pad: 6x6, k3 s2: ceil(3/2)+1 = 3 (a floor would give 2).
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: MAX kernel_size: 3 stride: 2 } }",
        [(2, 3, 6, 6)], [(2, 3, 3, 3)], 0, 0),
    # round_mode FLOOR: floor(3/2)+1 = 2.
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: MAX kernel_size: 3 stride: 2 round_mode: FLOOR } }",
        [(2, 3, 6, 6)], [(2, 3, 2, 2)], 0, 0),
    # The forks' ceil_mode (BVLC pull request 3057; synopsys-caffe src/caffe/layers/pooling_layer.cpp Reshape):
    # false floors as FLOOR does, floor(3/2)+1 = 2, and wins over round_mode where both are given.
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: MAX kernel_size: 3 stride: 2 ceil_mode: false } }",
        [(2, 3, 6, 6)], [(2, 3, 2, 2)], 0, 0),
    # ceil_mode true rounds up as CEIL does: ceil(3/2)+1 = 3.
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: AVE kernel_size: 3 stride: 2 ceil_mode: true } }",
        [(2, 3, 6, 6)], [(2, 3, 3, 3)], 0, 0),
    # global_pooling: kernel = the bottom's height x width (7x5): one position.
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: AVE global_pooling: true } }",
        [(2, 3, 7, 5)], [(2, 3, 1, 1)], 0, 0),
    # stride > kernel, no pad: 7x7, k2 s3: ceil(5/3)+1 = 3 (no pad, nothing dropped).
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: MAX kernel_size: 2 stride: 3 } }",
        [(2, 3, 7, 7)], [(2, 3, 3, 3)], 0, 0),
    # The drop rule runs on both axes when either pad is set (`if (pad_h_ || pad_w_)`): 5x5, kernel 2x1,
    # stride 3, pad_h 1, pad_w 0. H: ceil(5/3)+1 = 3, (3-1)*3 = 6 >= 5+1: 2. W: ceil(4/3)+1 = 3,
    # (3-1)*3 = 6 >= 5+0: 2 as well.
    Row("Pooling", 'layer { name: "l" type: "Pooling" bottom: "b0" top: "t" '
        "pooling_param { pool: MAX kernel_h: 2 kernel_w: 1 stride: 3 pad_h: 1 pad_w: 0 } }",
        [(2, 3, 5, 5)], [(2, 3, 2, 2)], 0, 0),
    # HyeonwooNoh/caffe (DeconvNet) src/caffe/layers/unpooling_layer.cpp Reshape: (num, channels, unpool_size,
    # unpool_size), the size LayerSetUp read; the mask (bottom 1) only says where each value goes.
    Row("Unpooling", 'layer { name: "l" type: "Unpooling" bottom: "b0" bottom: "b1" top: "t" '
        "unpooling_param { unpool: MAX kernel_size: 2 stride: 2 unpool_size: 14 } }",
        [(2, 3, 7, 7), (2, 3, 7, 7)], [(2, 3, 14, 14)], 0, 0),
    # unpool_h and unpool_w: (1, 4, 9, 10), AVE spreads each value, one bottom.
    Row("Unpooling", 'layer { name: "l" type: "Unpooling" bottom: "b0" top: "t" '
        "unpooling_param { unpool: AVE kernel_size: 3 stride: 2 unpool_h: 9 unpool_w: 10 } }",
        [(1, 4, 4, 4)], [(1, 4, 9, 10)], 0, 0),
    # No size: not that fork's (its LayerSetUp CHECKs for one), and the other forks' Unpooling layers size
    # their tops otherwise: num and channels are kept, height and width unknown.
    Row("Unpooling", 'layer { name: "l" type: "Unpooling" bottom: "b0" top: "t" '
        "unpooling_param { kernel_size: 2 stride: 2 } }",
        [(1, 4, 4, 4)], [(1, 4, None, None)], 0, 0),
    # The forks' Lstm (lstm_param: num_output H): W_x (4H, I), W_h (4H, H), b (4H); per step an N x I by I x 4H
    # and an N x H by H x 4H product, counted per item of the first axis.
    # junhyukoh/caffe-lstm src/caffe/layers/lstm_layer.cpp on a 2-axis blob (320, 1), which only it runs
    # (caffe_ocr reads shape(2)): N = batch_size 1, I = count / num = 1, top (T * N, H) = (320, 7);
    # params 28 * 1 + 28 * 7 + 28 = 252; per item 4 * 7 * (1 + 7) = 224.
    Row("Lstm", 'layer { name: "l" type: "Lstm" bottom: "b0" top: "t" lstm_param { num_output: 7 } }',
        [(320, 1)], [(320, 7)], 252, 224),
    # On a 3-axis blob the forks part ((6, 4) against (3, 2, 4)): the type's own rule leaves the top unknown
    # (engine/forks.py chooses where the file says), and the input size with it.
    Row("Lstm", 'layer { name: "l" type: "Lstm" bottom: "b0" top: "t" lstm_param { num_output: 4 } }',
        [(3, 2, 5)], [None], None, None),
    # junhyukoh's, batch_size 2 on (6, 2, 3): T = 6 / 2 = 3, I = 36 / 6 = 6, top (6, 4); params 16 * 6 + 16 * 4
    # + 16 = 176; per item 16 * (6 + 4) = 160.
    Row("Lstm.junhyukoh", 'layer { name: "l" type: "Lstm.junhyukoh" bottom: "b0" top: "t" '
        "lstm_param { num_output: 4 batch_size: 2 } }",
        [(6, 2, 3)], [(6, 4)], 176, 160),
    # senlinuc/caffe_ocr src/caffe/layers/lstm_layer_Junhyuk.cpp on (5, 2, 3): T 5, N 2, I 3, top (5, 2, 4);
    # params 16 * 3 + 16 * 4 + 16 = 128; per item of T: N * 16 * (3 + 4) = 224.
    Row("Lstm.caffe_ocr", 'layer { name: "l" type: "Lstm.caffe_ocr" bottom: "b0" top: "t" '
        "lstm_param { num_output: 4 } }",
        [(5, 2, 3)], [(5, 2, 4)], 128, 224),
    # senlinuc/caffe_ocr src/caffe/layers/transpose_layer.cpp: top axis i is bottom axis dim(i), as its
    # CRNN files turn (N, C, 1, W) into (W, 1, N, C) with dim 3 2 0 1.
    Row("Transpose", 'layer { name: "l" type: "Transpose" bottom: "b0" top: "t" '
        "transpose_param { dim: 3 dim: 2 dim: 0 dim: 1 } }",
        [(2, 8, 1, 35)], [(35, 1, 2, 8)], 0, 0),
    # No dim: not caffe_ocr's (its Reshape CHECKs one per axis); the other forks' Transpose compute other
    # things: unknown.
    Row("Transpose", 'layer { name: "l" type: "Transpose" bottom: "b0" top: "t" }',
        [(2, 8, 1, 35)], [None], 0, 0),
    # ChenYingpeng/darknet2caffe caffe_layers/pooling_layer/pooling_layer.cpp Reshape, the kind a file
    # takes where BVLC's Pooling makes it fail: ceil((13 + 0 - 2) / 1) + 1 = 12, plus 1 as 2 - 1 is odd: 13
    # (darknet's size 2 stride 1 keeps the size); no pad, so nothing is dropped.
    Row("Pooling.darknet2caffe", 'layer { name: "l" type: "Pooling.darknet2caffe" bottom: "b0" top: "t" '
        "pooling_param { pool: MAX kernel_size: 2 stride: 1 } }",
        [(2, 3, 13, 13)], [(2, 3, 13, 13)], 0, 0),
    # Kernel 3 stride 2 pad 1 on 26: ceil(25 / 2) + 1 = 14, plus 1 (3 - 2 odd) = 15; padded, and the last
    # window would start at 14 * 2 = 28 >= 26 + 1, in the padding: dropped, 14 (as BVLC).
    Row("Pooling.darknet2caffe", 'layer { name: "l" type: "Pooling.darknet2caffe" bottom: "b0" top: "t" '
        "pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }",
        [(1, 2, 26, 26)], [(1, 2, 14, 14)], 0, 0),
    # Faster R-CNN's caffe-fast-rcnn src/caffe/layers/roi_pooling_layer.cpp Reshape:
    # top[0]->Reshape(bottom[1]->num(), channels, pooled_height, pooled_width): one map per ROI.
    Row("ROIPooling", 'layer { name: "l" type: "ROIPooling" bottom: "b0" bottom: "b1" top: "t" '
        "roi_pooling_param { pooled_h: 3 pooled_w: 2 spatial_scale: 0.0625 } }",
        [(1, 16, 10, 12), (5, 5)], [(5, 16, 3, 2)], 0, 0),
    # src/caffe/layers/spp_layer.cpp: level l pools to 2^l x 2^l bins (GetPoolingParam: kernel
    # ceil(size/bins), pad (kernel*bins - size + 1)/2; on 7x9 the pooling rule above gives 1, 2, 4 bins
    # per axis, e.g. level 2, W: k3 p2, ceil(10/3)+1 = 5, (5-1)*3 = 12 >= 9+2: 4), each flattened and
    # concatenated: 3 * (1 + 4 + 16) = 63.
    Row("SPP", 'layer { name: "l" type: "SPP" bottom: "b0" top: "t" spp_param { pyramid_height: 3 } }',
        [(2, 3, 7, 9)], [(2, 63)], 0, 0),

    # InnerProduct: src/caffe/layers/inner_product_layer.cpp: K = count(axis), M = count(0, axis); top =
    # shape[:axis] + (num_output,); weights (num_output, K) ((K, num_output) transposed), bias (num_output).
    # Multiply-adds M * K * num_output, per image M / batch.
    # K = 3*4*5 = 60: params 10*60 + 10 = 610; macc 60*10 = 600.
    Row("InnerProduct", 'layer { name: "l" type: "InnerProduct" bottom: "b0" top: "t" '
        "inner_product_param { num_output: 10 } }",
        [(2, 3, 4, 5)], [(2, 10)], 610, 600),
    # axis 2: K = 4*5 = 20, M = 2*3: params 6*20 + 6 = 126; macc per image 3*20*6 = 360.
    Row("InnerProduct", 'layer { name: "l" type: "InnerProduct" bottom: "b0" top: "t" '
        "inner_product_param { num_output: 6 axis: 2 } }",
        [(2, 3, 4, 5)], [(2, 3, 6)], 126, 360),
    # axis -1 (CanonicalAxisIndex: 2): K = 5, M = 2*3: params 7*5 + 7 = 42; macc 3*5*7 = 105.
    Row("InnerProduct", 'layer { name: "l" type: "InnerProduct" bottom: "b0" top: "t" '
        "inner_product_param { num_output: 7 axis: -1 } }",
        [(2, 3, 5)], [(2, 3, 7)], 42, 105),
    # transpose, no bias: weights (8, 4): params 32; macc 8*4 = 32.
    Row("InnerProduct", 'layer { name: "l" type: "InnerProduct" bottom: "b0" top: "t" '
        "inner_product_param { num_output: 4 bias_term: false transpose: true } }",
        [(2, 8)], [(2, 4)], 32, 32),
    # src/caffe/layers/embed_layer.cpp: top = bottom's shape + (num_output,); weights (input_dim,
    # num_output), bias (num_output): 100*8 + 8 = 808. A table lookup: no multiply-adds (README: only
    # convolutions, deconvolutions and inner products count).
    Row("Embed", 'layer { name: "l" type: "Embed" bottom: "b0" top: "t" '
        "embed_param { num_output: 8 input_dim: 100 } }",
        [(2, 5)], [(2, 5, 8)], 808, 0),

    # src/caffe/layers/eltwise_layer.cpp Reshape: every bottom has bottom[0]'s shape, top ReshapeLike
    # bottom[0]; coeff has one value per bottom (SUM only). Not counted as multiply-adds (README).
    Row("Eltwise", 'layer { name: "l" type: "Eltwise" bottom: "b0" bottom: "b1" top: "t" '
        "eltwise_param { operation: SUM coeff: 1 coeff: -1 } }",
        [(2, 3, 4, 4), (2, 3, 4, 4)], [(2, 3, 4, 4)], 0, 0),
    Row("Eltwise", 'layer { name: "l" type: "Eltwise" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" '
        "eltwise_param { operation: PROD } }",
        [(2, 3, 5), (2, 3, 5), (2, 3, 5)], [(2, 3, 5)], 0, 0),
    Row("Eltwise", 'layer { name: "l" type: "Eltwise" bottom: "b0" bottom: "b1" top: "t" '
        "eltwise_param { operation: MAX } }",
        [(2, 3, 4, 4), (2, 3, 4, 4)], [(2, 3, 4, 4)], 0, 0),
    # src/caffe/layers/concat_layer.cpp Reshape: top_shape[axis] = the sum of the bottoms' (axis default 1).
    Row("Concat", 'layer { name: "l" type: "Concat" bottom: "b0" bottom: "b1" top: "t" }',
        [(2, 3, 4, 4), (2, 5, 4, 4)], [(2, 8, 4, 4)], 0, 0),
    # A spatial axis: 5 + 2 = 7 along axis 3.
    Row("Concat", 'layer { name: "l" type: "Concat" bottom: "b0" bottom: "b1" top: "t" concat_param { axis: 3 } }',
        [(2, 3, 4, 5), (2, 3, 4, 2)], [(2, 3, 4, 7)], 0, 0),
    # axis -2 (CanonicalAxisIndex: 2): 4 + 6 = 10.
    Row("Concat", 'layer { name: "l" type: "Concat" bottom: "b0" bottom: "b1" top: "t" concat_param { axis: -2 } }',
        [(2, 3, 4, 5), (2, 3, 6, 5)], [(2, 3, 10, 5)], 0, 0),
    # src/caffe/layers/slice_layer.cpp Reshape: slice_points 2, 5 on axis 1 of size 8: 2, 3, 3.
    Row("Slice", 'layer { name: "l" type: "Slice" bottom: "b0" top: "t0" top: "t1" top: "t2" '
        "slice_param { axis: 1 slice_point: 2 slice_point: 5 } }",
        [(2, 8, 3, 3)], [(2, 2, 3, 3), (2, 3, 3, 3), (2, 3, 3, 3)], 0, 0),
    # No slice_point: equal parts, bottom_slice_axis / top.size(): 6 / 2 = 3 along axis 3.
    Row("Slice", 'layer { name: "l" type: "Slice" bottom: "b0" top: "t0" top: "t1" slice_param { axis: 3 } }',
        [(2, 3, 4, 6)], [(2, 3, 4, 3), (2, 3, 4, 3)], 0, 0),
    # axis -2 (2), slice_point 1 of 4: 1 and 3.
    Row("Slice", 'layer { name: "l" type: "Slice" bottom: "b0" top: "t0" top: "t1" '
        "slice_param { axis: -2 slice_point: 1 } }",
        [(2, 3, 4, 6)], [(2, 3, 1, 6), (2, 3, 3, 6)], 0, 0),
    # src/caffe/layers/split_layer.cpp Reshape: every top ReshapeLike(*bottom[0]).
    Row("Split", 'layer { name: "l" type: "Split" bottom: "b0" top: "t0" top: "t1" }',
        [(2, 3, 4, 4)], [(2, 3, 4, 4), (2, 3, 4, 4)], 0, 0),
    # include/caffe/layers/silence_layer.hpp: ExactNumTopBlobs() is 0.
    Row("Silence", 'layer { name: "l" type: "Silence" bottom: "b0" bottom: "b1" }',
        [(2, 3), (2, 5, 4)], [], 0, 0),

    # PSPNet src/caffe/layers/interp_layer.cpp Reshape: in_eff = in + pad_beg + pad_end; shrink_factor
    # alone: (in_eff-1)/shrink + 1; zoom_factor alone: in_eff + (in_eff-1)*(zoom-1); else height and
    # width; else both: shrink, then zoom. top (num, channels, height_out, width_out).
    # zoom 2 on 5x7: 5+4 = 9, 7+6 = 13.
    Row("Interp", 'layer { name: "l" type: "Interp" bottom: "b0" top: "t" interp_param { zoom_factor: 2 } }',
        [(2, 3, 5, 7)], [(2, 3, 9, 13)], 0, 0),
    # height/width given.
    Row("Interp", 'layer { name: "l" type: "Interp" bottom: "b0" top: "t" interp_param { height: 10 width: 12 } }',
        [(2, 3, 5, 7)], [(2, 3, 10, 12)], 0, 0),
    # shrink 2 on 9x8: (9-1)/2+1 = 5, (8-1)/2+1 = 4.
    Row("Interp", 'layer { name: "l" type: "Interp" bottom: "b0" top: "t" interp_param { shrink_factor: 2 } }',
        [(2, 3, 9, 8)], [(2, 3, 5, 4)], 0, 0),
    # shrink 2 then zoom 3: 5 + 4*2 = 13, 4 + 3*2 = 10.
    Row("Interp", 'layer { name: "l" type: "Interp" bottom: "b0" top: "t" '
        "interp_param { shrink_factor: 2 zoom_factor: 3 } }",
        [(2, 3, 9, 8)], [(2, 3, 13, 10)], 0, 0),
    # pad_beg = pad_end = -1 crop 7 to 5, zoom 2: 5 + 4 = 9.
    Row("Interp", 'layer { name: "l" type: "Interp" bottom: "b0" top: "t" '
        "interp_param { zoom_factor: 2 pad_beg: -1 pad_end: -1 } }",
        [(2, 3, 7, 7)], [(2, 3, 9, 9)], 0, 0),
    # zoom_factor alone among the factors is tested before height/width, so it wins: 9x13, not 10x12.
    Row("Interp", 'layer { name: "l" type: "Interp" bottom: "b0" top: "t" '
        "interp_param { zoom_factor: 2 height: 10 width: 12 } }",
        [(2, 3, 5, 7)], [(2, 3, 9, 13)], 0, 0),

    # SegNet src/caffe/layers/upsample_layer.cpp: upsample_h/w when given, else height*scale_h -
    # pad_out_h and width*scale_w - pad_out_w (scale_h = scale_w = scale unless scale_h/scale_w);
    # the mask (bottom 1) must have the data's shape; top (num, channels, upsample_h, upsample_w).
    # scale 2 with the pooling mask: 4x5 -> 8x10.
    Row("Upsample", 'layer { name: "l" type: "Upsample" bottom: "b0" bottom: "b1" top: "t" '
        "upsample_param { scale: 2 } }",
        [(2, 3, 4, 5), (2, 3, 4, 5)], [(2, 3, 8, 10)], 0, 0),
    # upsample_h/w from the mask's pooling (7x9, odd sizes the scale cannot give).
    Row("Upsample", 'layer { name: "l" type: "Upsample" bottom: "b0" bottom: "b1" top: "t" '
        "upsample_param { upsample_h: 7 upsample_w: 9 } }",
        [(2, 3, 4, 5), (2, 3, 4, 5)], [(2, 3, 7, 9)], 0, 0),
    # scale_h 2, scale_w 3: 8x15.
    Row("Upsample", 'layer { name: "l" type: "Upsample" bottom: "b0" bottom: "b1" top: "t" '
        "upsample_param { scale_h: 2 scale_w: 3 } }",
        [(2, 3, 4, 5), (2, 3, 4, 5)], [(2, 3, 8, 15)], 0, 0),
    # pad_out_h (scale 2): 4*2 - 1 = 7, 5*2 = 10.
    Row("Upsample", 'layer { name: "l" type: "Upsample" bottom: "b0" bottom: "b1" top: "t" '
        "upsample_param { scale: 2 pad_out_h: true } }",
        [(2, 3, 4, 5), (2, 3, 4, 5)], [(2, 3, 7, 10)], 0, 0),
    # Nearest-neighbour forks (one bottom: the YOLOv3 Caffe ports' upsample_layer.cpp Reshape multiplies
    # the last two axes by scale): 4x5 scale 2 -> 8x10.
    Row("Upsample", 'layer { name: "l" type: "Upsample" bottom: "b0" top: "t" upsample_param { scale: 2 } }',
        [(2, 3, 4, 5)], [(2, 3, 8, 10)], 0, 0),

    # src/caffe/layers/crop_layer.cpp Reshape: axes before `axis` (default 2) keep bottom[0]'s size, the
    # others take bottom[1]'s; one offset applies to every cropped axis, and offset + size <= bottom[0].
    Row("Crop", 'layer { name: "l" type: "Crop" bottom: "b0" bottom: "b1" top: "t" crop_param { offset: 3 } }',
        [(2, 3, 10, 12), (2, 1, 5, 6)], [(2, 3, 5, 6)], 0, 0),
    # axis 1, an offset per axis (0, 1, 2): channels too come from the reference.
    Row("Crop", 'layer { name: "l" type: "Crop" bottom: "b0" bottom: "b1" top: "t" '
        "crop_param { axis: 1 offset: 0 offset: 1 offset: 2 } }",
        [(2, 4, 10, 12), (2, 3, 5, 6)], [(2, 3, 5, 6)], 0, 0),
    # axis -1 (3): only the width, 6 from offset 2.
    Row("Crop", 'layer { name: "l" type: "Crop" bottom: "b0" bottom: "b1" top: "t" '
        "crop_param { axis: -1 offset: 2 } }",
        [(2, 3, 10, 12), (1, 1, 1, 6)], [(2, 3, 10, 6)], 0, 0),

    # Python layers: include/caffe/layers/python_layer.hpp hands Reshape to the module's reshape(), so a
    # class nobody knows gives no shapes.
    Row("Python", 'layer { name: "l" type: "Python" bottom: "b0" top: "x" top: "y" '
        'python_param { module: "mymodule" layer: "MyLayer" } }',
        [(2, 3, 4, 4)], [None, None], 0, 0),
    # FCN voc_layers.py VOCSegDataLayer.reshape: top[0].reshape(1, *data.shape) with load_image's
    # (3, H, W) (an RGB JPEG, transposed), top[1].reshape(1, *label.shape) with label[np.newaxis] (1, H, W):
    # batch 1 and the channels are the code's, H x W the image's.
    Row("Python.voc_layers.VOCSegDataLayer", 'layer { name: "l" type: "Python" top: "data" top: "label" '
        'python_param { module: "voc_layers" layer: "VOCSegDataLayer" '
        "param_str: \"{'voc_dir': 'voc', 'split': 'train', 'mean': (104.0, 116.7, 122.7)}\" } }",
        [], [(1, 3, None, None), (1, 1, None, None)], 0, 0),
    # voc_layers.py SBDDSegDataLayer.reshape: the same, the label from the .mat's GTcls, [np.newaxis].
    Row("Python.voc_layers.SBDDSegDataLayer", 'layer { name: "l" type: "Python" top: "data" top: "label" '
        'python_param { module: "voc_layers" layer: "SBDDSegDataLayer" '
        "param_str: \"{'sbdd_dir': 'sbdd', 'split': 'train', 'mean': (104.0, 116.7, 122.7)}\" } }",
        [], [(1, 3, None, None), (1, 1, None, None)], 0, 0),
    # nyud_layers.py NYUDSegDataLayer.reshape: top[i].reshape(1, *data[t].shape) per top named in
    # param_str's tops: color (3, H, W), depth (d[np.newaxis]: 1, H, W), label (1, H, W).
    Row("Python.nyud_layers.NYUDSegDataLayer", 'layer { name: "l" type: "Python" top: "color" top: "depth" '
        'top: "label" python_param { module: "nyud_layers" layer: "NYUDSegDataLayer" '
        "param_str: \"{'nyud_dir': 'nyud', 'split': 'train', 'tops': ['color', 'depth', 'label']}\" } }",
        [], [(1, 3, None, None), (1, 1, None, None), (1, 1, None, None)], 0, 0),
    # siftflow_layers.py SIFTFlowSegDataLayer.reshape: data (1, 3, H, W), the semantic and geometric
    # labels (1, 1, H, W) each (label[np.newaxis]).
    Row("Python.siftflow_layers.SIFTFlowSegDataLayer", 'layer { name: "l" type: "Python" top: "data" '
        'top: "sem" top: "geo" python_param { module: "siftflow_layers" layer: "SIFTFlowSegDataLayer" '
        "param_str: \"{'siftflow_dir': 'siftflow', 'split': 'trainval'}\" } }",
        [], [(1, 3, None, None), (1, 1, None, None), (1, 1, None, None)], 0, 0),
    # scnn_tools/lanedata.py CULaneData.reshape: (batch, 3, height, width), (batch, 1, height, width),
    # (batch, lanes) from param_str.
    Row("Python.scnn_tools.lanedata.CULaneData", 'layer { name: "l" type: "Python" top: "data" top: "label" '
        'top: "exist" python_param { module: "scnn_tools.lanedata" layer: "CULaneData" '
        'param_str: "{\\"root\\": \\"culane\\", \\"list\\": \\"train.txt\\", \\"batch\\": 2, '
        '\\"height\\": 288, \\"width\\": 800, \\"lanes\\": 4}" } }',
        [], [(2, 3, 288, 800), (2, 1, 288, 800), (2, 4)], 0, 0),
    # py-faster-rcnn lib/roi_data_layer/layer.py with cfg.TRAIN.HAS_RPN (three tops): forward reshapes to
    # get_minibatch's blobs: data (1 image, 3, H, W), im_info (1, 3), gt_boxes (boxes, 5).
    Row("Python.roi_data_layer.layer.RoIDataLayer", 'layer { name: "l" type: "Python" top: "data" '
        'top: "im_info" top: "gt_boxes" python_param { module: "roi_data_layer.layer" layer: "RoIDataLayer" '
        "param_str: \"'num_classes': 21\" } }",
        [], [(1, 3, None, None), (1, 3), (None, 5)], 0, 0),
    # Same file without RPN (Fast R-CNN's train.prototxt, six tops): data (cfg.TRAIN.IMS_PER_BATCH images,
    # 3, H, W), rois (R, 5), labels (R,), bbox_targets / bbox_inside_weights / bbox_outside_weights
    # (R, num_classes * 4 = 84); the image count is the configuration's, R the sampling's.
    Row("Python.roi_data_layer.layer.RoIDataLayer", 'layer { name: "l" type: "Python" top: "data" top: "rois" '
        'top: "labels" top: "bbox_targets" top: "bbox_inside_weights" top: "bbox_outside_weights" '
        'python_param { module: "roi_data_layer.layer" layer: "RoIDataLayer" '
        "param_str: \"'num_classes': 21\" } }",
        [], [(None, 3, None, None), (None, 5), (None,), (None, 84), (None, 84), (None, 84)], 0, 0),
    # ENet's spatial_dropout.py SpatialDropoutLayer.reshape: top[0].reshape(*bottom[0].data.shape).
    Row("Python.spatial_dropout.SpatialDropoutLayer", 'layer { name: "l" type: "Python" bottom: "b0" top: "t" '
        'python_param { module: "spatial_dropout" layer: "SpatialDropoutLayer" '
        "param_str: \"{'p': 0.1, 'phase': 'TRAIN'}\" } }",
        [(2, 16, 8, 8)], [(2, 16, 8, 8)], 0, 0),
    # py-faster-rcnn lib/rpn/proposal_layer.py forward: top[0].reshape(*blob.shape), blob (proposals, 5)
    # (batch index and box), top[1] the scores (proposals, 1); how many survive NMS is the data's.
    Row("Python.rpn.proposal_layer.ProposalLayer", 'layer { name: "l" type: "Python" bottom: "b0" bottom: "b1" '
        'bottom: "b2" top: "rois" top: "scores" python_param { module: "rpn.proposal_layer" '
        "layer: \"ProposalLayer\" param_str: \"'feat_stride': 16\" } }",
        [(1, 18, 5, 7), (1, 36, 5, 7), (1, 3)], [(None, 5), (None, 1)], 0, 0),
    # lib/rpn/anchor_target_layer.py setup: A = 9 anchors (default scales (8, 16, 32) x 3 ratios),
    # height, width = bottom[0]'s last two axes (5, 7): labels (1, 1, A*5, 7) = (1, 1, 45, 7), the three
    # bbox blobs (1, A*4, 5, 7) = (1, 36, 5, 7).
    Row("Python.rpn.anchor_target_layer.AnchorTargetLayer", 'layer { name: "l" type: "Python" bottom: "b0" '
        'bottom: "b1" bottom: "b2" bottom: "b3" top: "labels" top: "targets" top: "inside" top: "outside" '
        'python_param { module: "rpn.anchor_target_layer" layer: "AnchorTargetLayer" '
        "param_str: \"'feat_stride': 16\" } }",
        [(1, 18, 5, 7), (3, 5), (1, 3), (1, 3, 80, 112)],
        [(1, 1, 45, 7), (1, 36, 5, 7), (1, 36, 5, 7), (1, 36, 5, 7)], 0, 0),
    # lib/rpn/proposal_target_layer.py forward: rois (R, 5), labels (R,), bbox_targets and the two weights
    # (R, num_classes*4 = 84); R sampled per cfg.TRAIN.BATCH_SIZE and the data.
    Row("Python.rpn.proposal_target_layer.ProposalTargetLayer", 'layer { name: "l" type: "Python" bottom: "b0" '
        'bottom: "b1" top: "rois" top: "labels" top: "targets" top: "inside" top: "outside" '
        'python_param { module: "rpn.proposal_target_layer" layer: "ProposalTargetLayer" '
        "param_str: \"'num_classes': 21\" } }",
        [(300, 5), (3, 5)], [(None, 5), (None,), (None, 84), (None, 84), (None, 84)], 0, 0),

    # ---------------------------------------------------------------- fork types (C)
    # senlinuc/caffe_ocr src/caffe/layers/reverse_layer.cpp: a NeuronLayer (the top takes the bottom's
    # shape); Forward copies slices in reversed order along axis 0 (reverse_param's default); no blobs_.
    Row("Reverse", 'layer { name: "l" type: "Reverse" bottom: "b0" top: "t" }',
        [(35, 1, 384)], [(35, 1, 384)], 0, 0),
    # The same along axis 2 of a 4-axis blob: the shape is still the bottom's.
    Row("Reverse", 'layer { name: "l" type: "Reverse" bottom: "b0" top: "t" reverse_param { axis: 2 } }',
        [(2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    # tonghe90/textspotter's sequence Reverse (bottoms cont, x): Reshape, top[0]->ReshapeLike(*bottom[1]),
    # after checking x's num() and channels() against cont's T = 6 and N = 2; no blobs_.
    Row("Reverse", 'layer { name: "l" type: "Reverse" bottom: "b0" bottom: "b1" top: "t" }',
        [(6, 2), (6, 2, 10)], [(6, 2, 10)], 0, 0),

    # zhaoweicai/cascade-rcnn src/caffe/layers/scale_route_layer.cpp: Forward reshapes top k to
    # (select_num, channels(), height(), width()) of bottom k, select_num counted from the boxes (unknown
    # here); the (300, 5) rois read as 300x5x1x1; no blobs_, and it copies rows (caffe_copy).
    Row("ScaleRoute", 'layer { name: "l" type: "ScaleRoute" bottom: "b0" bottom: "b1" top: "t0" top: "t1" '
        "scale_route_param { low_scale: 112 high_scale: 224 } }",
        [(300, 5), (300, 256, 7, 7)], [(None, 5, 1, 1), (None, 256, 7, 7)], 0, 0),

    # lmb-freiburg/flownet2 src/caffe/layers/downsample_layer.cpp Reshape: top (num(), channels()) of bottom 0,
    # (height(), width()) of bottom 1: 96x128; no blobs_; the GPU kernel averages, multiplying no weights.
    Row("Downsample", 'layer { name: "l" type: "Downsample" bottom: "b0" bottom: "b1" top: "t" }',
        [(4, 2, 384, 512), (4, 2, 96, 128)], [(4, 2, 96, 128)], 0, 0),
    # The same with one bottom: downsample_param's top_height and top_width.
    Row("Downsample", 'layer { name: "l" type: "Downsample" bottom: "b0" top: "t" '
        "downsample_param { top_height: 12 top_width: 16 } }",
        [(4, 2, 384, 512)], [(4, 2, 12, 16)], 0, 0),

    # yun-liu/rcf src/caffe/layers/auto_crop_layer.cpp Reshape: top (num(), channels()) of bottom 0,
    # (height(), width()) of bottom 1: 1x1 of the 324x484 upsampled score, 321x481 of the image; no blobs_.
    Row("AutoCrop", 'layer { name: "l" type: "AutoCrop" bottom: "b0" bottom: "b1" top: "t" }',
        [(1, 1, 324, 484), (1, 3, 321, 481)], [(1, 1, 321, 481)], 0, 0),

    # stephenyan1231/caffe-public (branch recurrent_2d) src/caffe/layers/interpolation_layers.cpp Reshape:
    # (N, C, H * interpolation_factor, W * interpolation_factor): 7x5 by 3 is 21x15; no blobs_, and like
    # Interp its interpolation weights are not counted as multiply-adds.
    Row("BilinearInterpolation", 'layer { name: "l" type: "BilinearInterpolation" bottom: "b0" top: "t" '
        "bilinear_interpolation_param { interpolation_factor: 3 } }",
        [(2, 4, 7, 5)], [(2, 4, 21, 15)], 0, 0),
    # With a second bottom caffe-public still multiplies by the factor (default 1), caffe-hybridnet reads the
    # size from the bottom's values and another fork from its shape: the height and width are unknown.
    Row("BilinearInterpolation", 'layer { name: "l" type: "BilinearInterpolation" bottom: "b0" bottom: "b1" '
        'top: "t" }', [(2, 4, 7, 5), (2, 1, 14, 10)], [(2, 4, None, None)], 0, 0),

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
    # The forks' ReLU6 (eric612/MobileNet-YOLO include/caffe/layers/relu6_layer.hpp) is a NeuronLayer:
    # NeuronLayer::Reshape gives the top the bottom's shape; nothing learnt.
    # CRF-as-RNN: torrvision/caffe src/caffe/layers/multi_stage_meanfield.cpp LayerSetUp: top = unary's shape;
    # blobs 3 x (1, 1, C, C): 3 * 21*21 = 1323. meanfield_iteration.cpp Forward_cpu: 3 gemms of C x C by
    # C x H*W per iteration: 5 * 3 * 441 * 64 = 423,360.
    Row("MultiStageMeanfield", 'layer { name: "l" type: "MultiStageMeanfield" bottom: "b0" bottom: "b1" bottom: "b2" '
        'top: "t" multi_stage_meanfield_param { num_iterations: 5 compatibility_mode: POTTS threshold: 2 '
        'theta_alpha: 160 theta_beta: 3 theta_gamma: 3 } }',
        [[1, 21, 8, 8], [1, 21, 8, 8], [1, 3, 8, 8]], [[1, 21, 8, 8]], 1323, 423360),
    # tianchenwang/caffe src/caffe/layers/tiling_layer.cpp Reshape: (N, C / t^2, H * t, W * t), t = tile_dim.
    Row("Tiling", 'layer { name: "l" type: "Tiling" bottom: "b0" top: "t" tiling_param { tile_dim: 2 } }',
        [[2, 8, 3, 5]], [[2, 2, 6, 10]], 0, 0),
    # tianchenwang/caffe lrn_fixed_layer.cpp Reshape and dropout_fixed_layer.cpp (a NeuronLayer): the bottom's
    # shape; nothing learnt or multiplied by weights.
    Row("LRNFixed", 'layer { name: "l" type: "LRNFixed" bottom: "b0" top: "t" lrn_param { local_size: 5 alpha: 0.0001 '
        'beta: 0.75 } }', [[2, 8, 4, 5]], [[2, 8, 4, 5]], 0, 0),
    Row("DropoutFixed", 'layer { name: "l" type: "DropoutFixed" bottom: "b0" top: "b0" dropout_param { '
        'dropout_ratio: 0.5 } }', [[2, 8, 4, 5]], [[2, 8, 4, 5]], 0, 0),
    Row("ReLU6", 'layer { name: "l" type: "ReLU6" bottom: "b0" top: "b0" }',
        [[2, 32, 5, 5]], [[2, 32, 5, 5]], 0, 0),

    # ---------------------------------------------------------------- fork types (A)
    # farmingyard/ShuffleNet shuffle_channel_layer.cpp: Reshape gives the top (num, channels, height,
    # width) of the bottom; the layer has no blobs_ and copies values (caffe_copy), multiplying nothing.
    Row("ShuffleChannel", 'layer { name: "l" type: "ShuffleChannel" bottom: "b0" top: "t" '
        "shuffle_channel_param { group: 3 } }",
        [(2, 12, 5, 7)], [(2, 12, 5, 7)], 0, 0),
    # The same with a 2-axis bottom: num() and channels() are the two axes, height() and width() 1.
    Row("ShuffleChannel", 'layer { name: "l" type: "ShuffleChannel" bottom: "b0" top: "t" '
        "shuffle_channel_param { group: 2 } }",
        [(2, 6)], [(2, 6, 1, 1)], 0, 0),
    # hujie-frank/SENet src/caffe/layers/axpy_layer.cpp: bottoms a (N x C x 1 x 1), x, y; Reshape:
    # top->ReshapeLike(*bottom[1]), x's shape; no blobs_; caffe_axpy is not a convolution's multiply-add.
    Row("Axpy", 'layer { name: "l" type: "Axpy" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" }',
        [(2, 8, 1, 1), (2, 8, 6, 5), (2, 8, 6, 5)], [(2, 8, 6, 5)], 0, 0),
    # eric612/MobileNet-YOLO src/caffe/layers/upsample_layer.cpp (one bottom): Reshape multiplies the last
    # two axes by scale, whose default in its UpsampleParameter is 1: 4x5 stays 4x5.
    Row("Upsample", 'layer { name: "l" type: "Upsample" bottom: "b0" top: "t" }',
        [(2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    # eric612/MobileNet-YOLO src/caffe/layers/reorg_layer.cpp LayerSetUp: without reverse, (num,
    # channels * stride^2, height / stride, width / stride): 8x6x4 at stride 2 -> 32x3x2; no blobs_.
    Row("Reorg", 'layer { name: "l" type: "Reorg" bottom: "b0" top: "t" reorg_param { stride: 2 } }',
        [(2, 8, 6, 4)], [(2, 32, 3, 2)], 0, 0),
    # Same file, reverse: (num, channels / stride^2, height * stride, width * stride) -> 2x12x8.
    Row("Reorg", 'layer { name: "l" type: "Reorg" bottom: "b0" top: "t" reorg_param { stride: 2 reverse: true } }',
        [(2, 8, 6, 4)], [(2, 2, 12, 8)], 0, 0),
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
    # NVIDIA/caffe src/caffe/layers/batch_norm_layer.cpp LayerSetUp: scale_bias (or a scale_filler or
    # bias_filler) adds blobs 3 and 4, a scale and a bias of C each, learnt: 2 * 16 = 32; blobs 0-2 stay
    # statistics. Its TensorRT example's deploy_trt.prototxt writes `scale_bias: true` on every BatchNorm.
    Row("BatchNorm", 'layer { name: "l" type: "BatchNorm" bottom: "b0" top: "t" '
        'batch_norm_param { scale_bias: true } }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 32, 0),
    Row("BatchNorm", 'layer { name: "l" type: "BatchNorm" bottom: "b0" top: "t" '
        'batch_norm_param { bias_filler { type: "constant" value: 0 } } }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 32, 0),
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
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" norm_param { } }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 1, 0),
    # Without norm_param or normalize_param the layer fits SSD's (1 scale by default) and happynear's (nothing
    # learnt): its parameters are unknown; on 4 axes both keep the shape.
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], None, 0),
    # On 2 axes they differ (SSD's keeps (2, 16), happynear's Reshape gives (2, 16, 1, 1)): the top is unknown
    # (happynear/AMSoftmax prototxt/face_train_test.prototxt's norm1 reads its fc5 so).
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" }',
        [[2, 16]], [None], None, 0),
    # happynear/caffe-windows (branch ms) src/caffe/layers/normalize_layer.cpp Reshape: top 0 is (num(),
    # channels(), height(), width()), the legacy axes (1 where a 2-axis bottom has none), top 1 num x 1 x
    # height x width; no blobs.
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" top: "n" normalize_param { } }',
        [[2, 16]], [[2, 16, 1, 1], [2, 1, 1, 1]], 0, 0),
    Row("Normalize", 'layer { name: "l" type: "Normalize" bottom: "b0" top: "t" '
        'normalize_param { normalize_type: "L1" } }',
        [[2, 16, 4, 5]], [[2, 16, 4, 5]], 0, 0),
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
    # the concat over T of 1 x N x H: T x N x H. H = 16, I = 8: 512 + 64 + 1024 = 1600.
    # Multiply-adds are the unrolled net's inner products: x_transform T*N*4H*I = 5*2*64*8 = 5120, and each
    # step's W_hc on h_(t-1), N*4H*H = 2048 per step, 10240 in all: 15360 per b0, whose first axis (T = 5)
    # counts the items, so 3072 per item.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 8], [5, 2]], [[5, 2, 16]], 1600, 3072),
    # lstm_layer.cpp: I = x.count(2) = 3 * 4 = 12: 4 * 16 * 12 + 64 + 1024 = 768 + 1088 = 1856.
    # macc 5*2*64*12 + 10240 = 17920, per item of T = 5: 3584.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 3, 4], [5, 2]], [[5, 2, 16]], 1856, 3584),
    # lstm_layer.cpp: a third bottom is the static input (recurrent_layer.cpp: static_input_ = bottoms >
    # 2); W_xc_static, InnerProduct axis 1 without bias: 4H x 6 = 384; 1600 + 384 = 1984.
    # macc, T = 4: 4*2*64*8 + 4*2*64*16 = 12288, plus the static transform once, N*4H*6 = 768: 13056 / 4 = 3264.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[4, 2, 8], [4, 2], [2, 6]], [[4, 2, 16]], 1984, 3264),
    # recurrent_layer.cpp, expose_hidden: bottoms h_0, c_0 (1 x N x H, lstm_layer.cpp RecurrentInputShapes)
    # and tops h_T, c_T reshaped like them: 1 x 2 x 16 each; parameters and multiply-adds as in the first row.
    Row("LSTM", 'layer { name: "l" type: "LSTM" bottom: "b0" bottom: "b1" bottom: "b2" bottom: "b3" '
        'top: "t" top: "hT" top: "cT" recurrent_param { num_output: 16 expose_hidden: true } }',
        [[5, 2, 8], [5, 2], [1, 2, 16], [1, 2, 16]], [[5, 2, 16], [1, 2, 16], [1, 2, 16]], 1600, 3072),
    # src/caffe/layers/rnn_layer.cpp (FillUnrolledNet): W_xh H x I and b_h H (x_transform, axis 2, biased),
    # W_hh H x H (no bias), W_ho O x H and b_o O (O = num_output = H); top "o" T x N x O.
    # 16 * 8 + 16 + 256 + 256 + 16 = 672. macc: W_xh T*N*H*I = 10*128 = 1280, per step W_hh_h N*H*H = 512
    # and W_ho_h N*O*H = 512: 1280 + 5*1024 = 6400, per item of T = 5: 1280.
    Row("RNN", 'layer { name: "l" type: "RNN" bottom: "b0" bottom: "b1" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[5, 2, 8], [5, 2]], [[5, 2, 16]], 672, 1280),
    # rnn_layer.cpp: static input: W_xh_static H x 6 = 96 (axis 1, no bias): 672 + 96 = 768.
    # macc, T = 4: 4*2*16*8 + 4*2*512 = 1024 + 4096 = 5120, plus N*H*6 = 192 once: 5312 / 4 = 1328.
    Row("RNN", 'layer { name: "l" type: "RNN" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" '
        'recurrent_param { num_output: 16 } }',
        [[4, 2, 8], [4, 2], [2, 6]], [[4, 2, 16]], 768, 1328),
    # rnn_layer.cpp, expose_hidden: bottom h_0 and top h_T, 1 x N x H; costs as in the first row.
    Row("RNN", 'layer { name: "l" type: "RNN" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" top: "hT" '
        'recurrent_param { num_output: 16 expose_hidden: true } }',
        [[5, 2, 8], [5, 2], [1, 2, 16]], [[5, 2, 16], [1, 2, 16]], 672, 1280),
    # src/caffe/layers/batch_reindex_layer.cpp (Reshape): (bottom[1].shape(0),) + bottom[0].shape[1:].
    Row("BatchReindex", 'layer { name: "l" type: "BatchReindex" bottom: "b0" bottom: "b1" top: "t" }',
        [[4, 3, 5], [6]], [[6, 3, 5]], 0, 0),
    # src/caffe/layers/filter_layer.cpp (Reshape): each top t is bottom[t] with axis 0 = the number of
    # non-zero selector items (the last bottom), read from the data in every Forward: unknown (only the
    # first Reshape, at set-up, uses bottom[0]'s 4).
    Row("Filter", 'layer { name: "l" type: "Filter" bottom: "b0" bottom: "b1" bottom: "b2" top: "t" top: "u" }',
        [[4, 3, 5], [4], [4, 1]], [[None, 3, 5], [None]], 0, 0),
    # yihui-he/caffe-pro (channel-pruning's Caffe) src/caffe/layers/filter_layer.cpp, a layer with filter_param:
    # a top per bottom, each its bottom with filter_param.axis (default 1) set to num_output (Reshape:
    # shape_top[axis_] = new_tops_num): (2, 3, 4, 4) and (2, 3, 7); the selector blob (8 values, one per channel
    # of bottom 0) gets no gradient (filter_layer.cu Backward_gpu writes only the bottoms' diffs): nothing learnt.
    Row("Filter", 'layer { name: "l" type: "Filter" bottom: "b0" bottom: "b1" top: "t" top: "u" '
        "filter_param { num_output: 3 } }",
        [[2, 8, 4, 4], [2, 8, 7]], [[2, 3, 4, 4], [2, 3, 7]], 0, 0),

    # ---------------------------------------------------------------- fork types (B)
    # ROI, YOLO output, 3-D (C3D) and the forks' data and loss layers.

    # R-FCN daijifeng001/caffe-rfcn src/caffe/layers/psroi_pooling_layer.cpp Reshape: CHECK_EQ(channels,
    # output_dim * group_size^2) (2 * 3 * 3 = 18), top (bottom[1]->num(), output_dim, group_size, group_size).
    Row("PSROIPooling", 'layer { name: "l" type: "PSROIPooling" bottom: "b0" bottom: "b1" top: "t" '
        "psroi_pooling_param { spatial_scale: 0.0625 output_dim: 2 group_size: 3 } }",
        [(1, 18, 10, 12), (5, 5)], [(5, 2, 3, 3)], 0, 0),
    # jasjeetIM/Mask-RCNN external/caffe/src/caffe/layers/roi_align_layer.cpp Reshape: (bottom[1]->num(),
    # channels, pooled_h, pooled_w).
    Row("ROIAlign", 'layer { name: "l" type: "ROIAlign" bottom: "b0" bottom: "b1" top: "t" '
        "roi_align_param { pooled_h: 3 pooled_w: 2 spatial_scale: 0.0625 } }",
        [(1, 16, 10, 12), (5, 5)], [(5, 16, 3, 2)], 0, 0),
    # zuokai/roialign roi_align_layer.cpp: the same Reshape, its sizes read from roi_pooling_param.
    Row("ROIAlign", 'layer { name: "l" type: "ROIAlign" bottom: "b0" bottom: "b1" top: "t" '
        "roi_pooling_param { pooled_h: 4 pooled_w: 4 spatial_scale: 0.125 } }",
        [(1, 8, 10, 12), (7, 5)], [(7, 8, 4, 4)], 0, 0),

    # C3D (facebook/C3D). C3D-v1.1/src/caffe/layers/convolution3d_layer.cpp LayerSetUp: L (8 + 2*1 - 3)/1 + 1
    # = 8, H and W (12 + 2 - 3)/1 + 1 = 12; weights (num_output, channels, kernel_depth, k, k) = 4*3*3*3*3 =
    # 324, bias (1, 1, 1, 1, 4): 328. macc 324 per output position * 8*12*12 = 373248.
    Row("Convolution3D", 'layer { name: "l" type: "Convolution3D" bottom: "b0" top: "t" '
        "convolution3d_param { num_output: 4 kernel_size: 3 kernel_depth: 3 pad: 1 temporal_pad: 1 } }",
        [(2, 3, 8, 12, 12)], [(2, 4, 8, 12, 12)], 328, 373248),
    # C3D-v1.0's, from convolution_param (a V1 CONVOLUTION3D upgraded): L (5 - 2)/1 + 1 = 4, H and W
    # (9 - 3)/2 + 1 = 4; no bias: 3*2*2*3*3 = 108; macc 108 * 4*4*4 = 6912.
    Row("Convolution3D", 'layer { name: "l" type: "Convolution3D" bottom: "b0" top: "t" '
        "convolution_param { num_output: 3 kernel_size: 3 stride: 2 kernel_depth: 2 bias_term: false } }",
        [(1, 2, 5, 9, 9)], [(1, 3, 4, 4, 4)], 108, 6912),
    # C3D-v1.1 deconvolution3d_layer.cpp LayerSetUp: L (3-1)*1 - 2*1 + 3 = 3, H and W (5-1)*2 - 2*1 + 4 = 10;
    # weights (channels, num_output, kd, k, k) = 4*2*3*4*4 = 384 and bias 2: 386. Every input position is
    # scattered through the kernel: 384 * 3*5*5 = 28800.
    Row("Deconvolution3D", 'layer { name: "l" type: "Deconvolution3D" bottom: "b0" top: "t" '
        "convolution3d_param { num_output: 2 kernel_size: 4 stride: 2 pad: 1 kernel_depth: 3 temporal_pad: 1 } }",
        [(2, 4, 3, 5, 5)], [(2, 2, 3, 10, 10)], 386, 28800),
    # Same file: bias_term_ = convolution_param().bias_term(), not convolution3d_param's: bias_term false in
    # convolution3d_param keeps the bias (386), in convolution_param drops it (384).
    Row("Deconvolution3D", 'layer { name: "l" type: "Deconvolution3D" bottom: "b0" top: "t" '
        "convolution3d_param { num_output: 2 kernel_size: 4 stride: 2 pad: 1 kernel_depth: 3 temporal_pad: 1 "
        "bias_term: false } }",
        [(2, 4, 3, 5, 5)], [(2, 2, 3, 10, 10)], 386, 28800),
    Row("Deconvolution3D", 'layer { name: "l" type: "Deconvolution3D" bottom: "b0" top: "t" '
        "convolution3d_param { num_output: 2 kernel_size: 4 stride: 2 pad: 1 kernel_depth: 3 temporal_pad: 1 } "
        "convolution_param { bias_term: false } }",
        [(2, 4, 3, 5, 5)], [(2, 2, 3, 10, 10)], 384, 28800),
    # C3D-v1.1 pool3d_layer.cpp LayerSetUp: ceil((5 - 2)/2) + 1 = 3 along L, ceil((7 - 2)/2) + 1 = 4 along
    # H and W.
    Row("Pooling3D", 'layer { name: "l" type: "Pooling3D" bottom: "b0" top: "t" '
        "pooling3d_param { pool: MAX kernel_size: 2 stride: 2 kernel_depth: 2 temporal_stride: 2 } }",
        [(2, 3, 5, 7, 7)], [(2, 3, 3, 4, 4)], 0, 0),
    # Same file, AVE with pad 1 (C3D-v1.0's pooling_param): H and W ceil((5 + 2 - 2)/2) + 1 = 4, and C3D has
    # no rule dropping a last window that starts in the padding (BVLC's Pooling would give 3); L (4-1)/1+1 = 4.
    Row("Pooling3D", 'layer { name: "l" type: "Pooling3D" bottom: "b0" top: "t" '
        "pooling_param { pool: AVE kernel_size: 2 stride: 2 pad: 1 kernel_depth: 1 } }",
        [(1, 2, 4, 5, 5)], [(1, 2, 4, 4, 4)], 0, 0),
    # C3D-v1.1 video_data_layer.cpp DataLayerSetUp: InferBlobShape(VolumeDatum) (data_transformer.cpp: 1,
    # channels, length, crop, crop; util/image_io.cpp reads 3 channels of new_length frames), top_shape[0] =
    # batch_size; label (batch_size).
    Row("VideoData", 'layer { name: "l" type: "VideoData" top: "data" top: "label" transform_param { crop_size: 112 } '
        'video_data_param { source: "train.lst" new_length: 16 new_height: 128 new_width: 171 batch_size: 10 } }',
        [], [(10, 3, 16, 112, 112), (10,)], 0, 0),
    # Same file, use_multiple_label: label (batch_size, num_of_labels); without crop or resize the frames' own
    # height and width.
    Row("VideoData", 'layer { name: "l" type: "VideoData" top: "data" top: "label" video_data_param { '
        'source: "train.lst" new_length: 8 batch_size: 2 use_multiple_label: true num_of_labels: 3 } }',
        [], [(2, 3, 8, None, None), (2, 3)], 0, 0),
    # C3D-v1.0 video_data_layer.cpp SetUp (VIDEO_DATA reads image_data_param): no crop, (batch_size, 3,
    # new_length, datum height and width = new_height x new_width); label (batch_size, 1, 1, 1, 1).
    Row("VideoData", 'layer { name: "l" type: "VideoData" top: "data" top: "label" image_data_param { '
        'source: "list.txt" batch_size: 5 new_length: 8 new_height: 128 new_width: 171 } }',
        [], [(5, 3, 8, 128, 171), (5, 1, 1, 1, 1)], 0, 0),
    # HED (s9xie/hed) src/caffe/layers/image_labelmap_data_layer.cpp DataLayerSetUp: image and edge map resized
    # to new_height x new_width (20 x 30), InferBlobShape (3 channels, is_color; the map's 1), batch_size 2.
    Row("ImageLabelmapData", 'layer { name: "l" type: "ImageLabelmapData" top: "data" top: "label" '
        'image_data_param { source: "list.lst" batch_size: 2 new_height: 20 new_width: 30 } }',
        [], [(2, 3, 20, 30), (2, 1, 20, 30)], 0, 0),

    # MobileNet-YOLO (eric612/MobileNet-YOLO) src/caffe/layers/yolo_detection_output_layer.cpp: Forward_cpu
    # reshapes the top to (1, 1, detections kept after NMS, 7), a count of the data.
    Row("YoloDetectionOutput", 'layer { name: "l" type: "YoloDetectionOutput" bottom: "b0" top: "t" '
        "yolo_detection_output_param { num_classes: 20 num_box: 5 } }",
        [(1, 125, 13, 13)], [(1, 1, None, 7)], 0, 0),
    # yolov3_detection_output_layer.cpp: the same top, one bottom per scale (CHECK_EQ(bottom.size(),
    # mask_group_num), 2 by default).
    Row("Yolov3DetectionOutput", 'layer { name: "l" type: "Yolov3DetectionOutput" bottom: "b0" bottom: "b1" '
        'top: "t" yolov3_detection_output_param { num_classes: 80 num_box: 3 } }',
        [(1, 255, 13, 13), (1, 255, 26, 26)], [(1, 1, None, 7)], 0, 0),
    # yolov3_layer.cpp and region_loss_layer.cpp: LossLayer subclasses, a scalar loss.
    Row("Yolov3", 'layer { name: "l" type: "Yolov3" bottom: "b0" bottom: "b1" top: "t" '
        "yolov3_param { num_class: 20 num: 3 } }",
        [(2, 75, 13, 13), (2, 1, 300, 5)], [()], 0, 0),
    Row("RegionLoss", 'layer { name: "l" type: "RegionLoss" bottom: "b0" bottom: "b1" top: "t" }',
        [(2, 125, 13, 13), (2, 150)], [()], 0, 0),
    # The YOLOv2 forks' Region, told apart by its tops (scnn_tools/net/layers/region.py names the files).
    # One top: sokeeffe/caffe_yolo and openvinotoolkit/training_toolbox_caffe region_layer.cpp Reshape,
    # top[0]->ReshapeLike(*bottom[0]).
    Row("Region", 'layer { name: "l" type: "Region" bottom: "b0" top: "t" region_param { classes: 20 coords: 4 num: 5 } }',
        [(2, 125, 13, 13)], [(2, 125, 13, 13)], 0, 0),
    # Two tops: zhangnju/nv_caffe region_layer.cpp: LayerSetUp CHECKs count(1) = 125 * 7 * 7 = 6125 = side^2 *
    # num * (coords + num_class + 1) = 49 * 5 * 25; Reshape (num, side, side, coords) = (5, 7, 7, 4) and
    # (num, side, side, num_class + 1) = (5, 7, 7, 21).
    Row("Region", 'layer { name: "l" type: "Region" bottom: "b0" top: "box" top: "prob" '
        'region_loss_param { side: 7 num_class: 20 coords: 4 num: 5 } }',
        [(1, 125, 7, 7)], [(5, 7, 7, 4), (5, 7, 7, 21)], 0, 0),
    # zhang-xin/caffe's spelling (its yolo2 deploy files): num_classes, threshold, a bool softmax; the same tops.
    Row("Region", 'layer { name: "l" type: "Region" bottom: "b0" top: "box" top: "prob" '
        'region_loss_param { side: 7 num_classes: 20 softmax: true threshold: 0.24 } }',
        [(1, 125, 7, 7)], [(5, 7, 7, 4), (5, 7, 7, 21)], 0, 0),
    # The same without a class count: a Caffe runs it only with the one the CHECK allows, 6125 / (49 * 5)
    # - 4 - 1 = 20.
    Row("Region", 'layer { name: "l" type: "Region" bottom: "b0" top: "box" top: "prob" '
        'region_loss_param { side: 7 } }',
        [(1, 125, 7, 7)], [(5, 7, 7, 4), (5, 7, 7, 21)], 0, 0),
    # Three tops: MichalBusta/Ristretto-caffe region_layer.cpp Reshape reads the bottom as (N, H, W, C) =
    # (2, 13, 13, 60): top[2] (2, 13, 13, 60), top[1] (N, 1, MAX_BOXES 500, TOP2_OUT 15), top[0] (1, 1, 1, 1).
    Row("Region", 'layer { name: "l" type: "Region" bottom: "b0" top: "loss" top: "boxes" top: "out" '
        'region_param { classes: 6 coords: 5 boxes_of_each_grid: 5 } }',
        [(2, 13, 13, 60)], [(1, 1, 1, 1), (2, 1, 500, 15), (2, 13, 13, 60)], 0, 0),
    # The forks' Padding, told apart by its fields (scnn_tools/net/layers/padding.py names the files). DeepLab's
    # padding_layer.cpp Reshape: (num, channels, height + pad_beg + pad_end, width + pad_beg + pad_end):
    # 6 + 2 + 3 = 11, 8 + 5 = 13; a negative pair crops: 6 - 3 = 3, 8 - 3 = 5.
    Row("Padding", 'layer { name: "l" type: "Padding" bottom: "b0" top: "t" padding_param { pad_beg: 2 pad_end: 3 } }',
        [(2, 3, 6, 8)], [(2, 3, 11, 13)], 0, 0),
    Row("Padding", 'layer { name: "l" type: "Padding" bottom: "b0" top: "t" padding_param { pad_beg: -1 pad_end: -2 } }',
        [(2, 3, 6, 8)], [(2, 3, 3, 5)], 0, 0),
    # ctensmeyer/caffe padding_layer.cpp Reshape: pad 0, so pad_h 1 on the top and bottom, pad_w 0, so
    # pad_w_left 2 and pad_w_right 0: 6 + 2 = 8, 8 + 2 = 10. pad_to_power_of_2: 6 -> 8, 9 -> 16.
    Row("Padding", 'layer { name: "l" type: "Padding" bottom: "b0" top: "t" '
        'padding_param { pad_h: 1 pad_w_left: 2 } }',
        [(1, 2, 6, 8)], [(1, 2, 8, 10)], 0, 0),
    Row("Padding", 'layer { name: "l" type: "Padding" bottom: "b0" top: "t" padding_param { pad_to_power_of_2: true } }',
        [(1, 2, 6, 9)], [(1, 2, 8, 16)], 0, 0),
    # sophgo/caffe padding_layer.cpp Reshape: the last axis + pad_l + pad_r, the one before + pad_t + pad_b:
    # (1, 4, 5 + 1 + 2, 7 + 3 + 0).
    Row("Padding", 'layer { name: "l" type: "Padding" bottom: "b0" top: "t" '
        'padding_param { pad_t: 1 pad_b: 2 pad_l: 3 pad_value: -1 } }',
        [(1, 4, 5, 7)], [(1, 4, 8, 10)], 0, 0),
    # happynear/caffe-windows flip_layer.cpp (and shihengcan/caffe-2017's): Reshape, top[0]->ReshapeLike(*bottom[0]).
    Row("Flip", 'layer { name: "l" type: "Flip" bottom: "b0" top: "t" flip_param { flip_height: true } }',
        [(2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    # ydwen/caffe-face src/caffe/layers/center_loss_layer.cpp LayerSetUp: centres (num_output, K), K =
    # bottom[0]->count(axis 1) = 4*2*2 = 16: 10 * 16 = 160 learnt; Reshape: LossLayer's scalar top.
    Row("CenterLoss", 'layer { name: "l" type: "CenterLoss" bottom: "b0" bottom: "b1" top: "t" '
        'center_loss_param { num_output: 10 center_filler { type: "xavier" } } }',
        [(3, 4, 2, 2), (3, 1, 1, 1)], [()], 160, 0),
    # chuanqi305/FocalLoss focal_loss_layer.cpp Reshape: LossLayer<Dtype>::Reshape (a scalar), top[1]->
    # ReshapeLike(*bottom[0]) (the probabilities).
    Row("FocalLoss", 'layer { name: "l" type: "FocalLoss" bottom: "b0" bottom: "b1" top: "t" top: "p" '
        'focal_loss_param { alpha: 0.25 gamma: 2 } }',
        [(2, 21, 5, 5), (2, 1, 5, 5)], [(), (2, 21, 5, 5)], 0, 0),
    # multibox_focal_loss_layer.cpp: ExactNumBottomBlobs 4 (loc, conf, priors, ground truth), LossLayer's scalar.
    Row("MultiBoxFocalLoss", 'layer { name: "l" type: "MultiBoxFocalLoss" bottom: "b0" bottom: "b1" bottom: "b2" '
        'bottom: "b3" top: "t" }',
        [(2, 40), (2, 210), (1, 2, 40), (1, 1, 3, 8)], [()], 0, 0),
    # silver-rush/Weighted_Softmax_Loss weighted_softmax_loss_layer.cpp Reshape: LossLayer's scalar, top[1]->
    # ReshapeLike(*bottom[0]).
    Row("WeightedSoftmaxWithLoss", 'layer { name: "l" type: "WeightedSoftmaxWithLoss" bottom: "b0" bottom: "b1" '
        'top: "t" top: "p" }',
        [(4, 3), (4,)], [(), (4, 3)], 0, 0),
    # NVIDIA/caffe src/caffe/layers/l1_loss_layer.cpp Reshape: LossLayer<Ftype, Btype>::Reshape, a scalar.
    Row("L1Loss", 'layer { name: "l" type: "L1Loss" bottom: "b0" bottom: "b1" top: "t" }',
        [(2, 4, 6, 8), (2, 4, 6, 8)], [()], 0, 0),

    # ---------------------------------------------------------------- ONNX operators
    # A row's layer is the ONNX node in onnx's text syntax (tests/onnxrow.py builds the one-node model at
    # opset 17); each is worked out from onnx/docs/Operators.md, and test_onnx_row_in_shape_inference checks
    # its tops against onnx's own shape inference.

    # onnx.Input: the graph input's declared dims. A dynamic first axis is one image (the reader's rule:
    # every figure is per image), other dynamic dims stay unknown.
    Row("onnx.Input", "float[2,3,5,7] l", [], [(2, 3, 5, 7)], 0, 0),
    Row("onnx.Input", "float[N,3,H,W] l", [], [(1, 3, None, None)], 0, 0),
    # A declared dim_value 0 is an empty axis (onnx/docs/IR.md: only a dim with neither dim_value nor dim_param
    # is unknown).
    Row("onnx.Input", "float[3,0] l", [], [(3, 0)], 0, 0),
    # Conv-11: pads [h_begin, w_begin, h_end, w_end] = [1, 1, 0, 0], stride 2: floor((8 + 1 + 0 - 3) / 2) + 1
    # = 4 per axis; 8 output channels (W's first dim). Learnt: W 8*3*3*3 = 216 and B 8. Each of the 8*4*4
    # outputs sums 3*3*3 products: 128 * 27 = 3456.
    Row("onnx.Conv", "<float[8,3,3,3] W, float[8] B> t = Conv <pads = [1, 1, 0, 0], strides = [2, 2]> (b0, W, B)",
        [(1, 3, 8, 8)], [(1, 8, 4, 4)], 224, 3456),
    # auto_pad SAME_UPPER: ceil(7 / 2) = 4 and ceil(9 / 2) = 5 outputs whatever the dilation; group 2 over 4
    # input channels: W is 6 x 2 x 3 x 3 = 108, no B. Each of the 6*4*5 = 120 outputs sums 2*3*3 = 18: 2160.
    Row("onnx.Conv", '<float[6,2,3,3] W> t = Conv <auto_pad = "SAME_UPPER", strides = [2, 2], dilations = [2, 2], '
        "group = 2> (b0, W)", [(1, 4, 7, 9)], [(1, 6, 4, 5)], 108, 2160),
    # MaxPool with ceil_mode: h: ceil((5 + 0 + 1 - 2) / 3) + 1 = 3, but the third window would start at 6, in
    # the end padding (6 >= 5 + 0), and is ignored (MaxPool-22's text; onnxruntime ignores it at every opset,
    # PyTorch too): 2. w: ceil((7 + 1 + 1 - 3) / 2) + 1 = 4, the last starting at 6 < 7 + 1. Indices has Y's shape.
    Row("onnx.MaxPool", "t, i = MaxPool <kernel_shape = [2, 3], strides = [3, 2], pads = [0, 1, 1, 1], ceil_mode = 1> "
        "(b0)", [(1, 2, 5, 7)], [(1, 2, 2, 4), (1, 2, 2, 4)], 0, 0),
    # AveragePool-11, SAME_LOWER: ceil(5 / 2) = 3 and ceil(6 / 2) = 3.
    Row("onnx.AveragePool", '<> t = AveragePool <kernel_shape = [2, 3], strides = [2, 2], auto_pad = "SAME_LOWER"> (b0)',
        [(1, 3, 5, 6)], [(1, 3, 3, 3)], 0, 0),
    # GlobalAveragePool-1 / GlobalMaxPool-1: N x C x 1 x ... x 1.
    Row("onnx.GlobalAveragePool", "t = GlobalAveragePool (b0)", [(2, 5, 6, 7)], [(2, 5, 1, 1)], 0, 0),
    Row("onnx.GlobalMaxPool", "t = GlobalMaxPool (b0)", [(1, 4, 3, 3, 3)], [(1, 4, 1, 1, 1)], 0, 0),
    # The unary activations: Y has X's shape, nothing learnt or multiplied.
    Row("onnx.Relu", "t = Relu (b0)", [(2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.LeakyRelu", "t = LeakyRelu <alpha = 0.1> (b0)", [(2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.Sigmoid", "t = Sigmoid (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Tanh", "t = Tanh (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    Row("onnx.HardSigmoid", "t = HardSigmoid (b0)", [(1, 8, 2, 2)], [(1, 8, 2, 2)], 0, 0),
    Row("onnx.HardSwish", "t = HardSwish (b0)", [(1, 8, 2, 2)], [(1, 8, 2, 2)], 0, 0),
    # Clip-13: min and max are (constant) inputs, not bottoms.
    Row("onnx.Clip", "<float lo = {0.0}, float hi = {6.0}> t = Clip (b0, lo, hi)", [(1, 8, 2, 2)], [(1, 8, 2, 2)], 0, 0),
    Row("onnx.Identity", "t = Identity (b0)", [(3, 4)], [(3, 4)], 0, 0),
    # Dropout-13: output and mask both X's shape.
    Row("onnx.Dropout", "t, m = Dropout (b0)", [(2, 3, 4, 5)], [(2, 3, 4, 5), (2, 3, 4, 5)], 0, 0),
    # BatchNormalization-15: Y is X; scale and B (4 each) are learnt, the running mean and var are not.
    Row("onnx.BatchNormalization", "<float[4] s, float[4] bb, float[4] m, float[4] v> "
        "t = BatchNormalization (b0, s, bb, m, v)", [(2, 4, 3, 3)], [(2, 4, 3, 3)], 8, 0),
    # Multidirectional broadcasting, aligned from the last axis: (2,3,4,5) with (3,1,1) is (2,3,4,5); a constant
    # input broadcasts as a blob does; (2,1,4,5) with (3,1,1) is (2,3,4,5); (4,5) with (2,3,4,5); three inputs
    # for Sum.
    Row("onnx.Add", "t = Add (b0, b1)", [(2, 3, 4, 5), (3, 1, 1)], [(2, 3, 4, 5)], 0, 0),
    # An initializer of more than one value is a weight (a per-channel scale, Caffe's Scale exported), learnt:
    # 5; a scalar one is a hyper-parameter (PyTorch writes `x * 0.5` so): 0.
    Row("onnx.Sub", "<float[5] c> t = Sub (b0, c)", [(2, 3, 4, 5)], [(2, 3, 4, 5)], 5, 0),
    # Integers are no weight: PyTorch's unpooling (a flat ScatterND) adds each channel's offset c * H * W to the
    # indices from an int64 initializer (1, C, 1, 1): 0 learnt.
    Row("onnx.Add", "int64 inputs: <int64[1,3,1,1] off = {0, 64, 128}> t = Add (b0, off)", [(1, 3, 4, 4)],
        [(1, 3, 4, 4)], 0, 0),
    Row("onnx.Mul", "t = Mul (b0, b1)", [(2, 1, 4, 5), (3, 1, 1)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.Mul", "<float k = {0.5}> t = Mul (b0, k)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Div", "t = Div (b0, b1)", [(4, 5), (2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.Sum", "t = Sum (b0, b1, b2)", [(2, 3, 4, 5), (1, 4, 5), (5,)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.Max", "t = Max (b0, b1)", [(2, 3, 1, 5), (4, 1)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.Min", "t = Min (b0, b1)", [(2, 3), (2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Mean", "t = Mean (b0, b1)", [(1, 3), (2, 1)], [(2, 3)], 0, 0),
    # Softmax-13 and LRN-13 keep the shape.
    Row("onnx.Softmax", "t = Softmax (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    Row("onnx.LRN", "t = LRN <size = 5> (b0)", [(1, 8, 4, 4)], [(1, 8, 4, 4)], 0, 0),
    # PRelu-16: Y is X; the slope, one per channel (4), is learnt.
    Row("onnx.PRelu", "<float[4,1,1] slope> t = PRelu (b0, slope)", [(1, 4, 3, 3)], [(1, 4, 3, 3)], 4, 0),
    # ConvTranspose-11: stride * (in - 1) + output_padding + kernel - pad_begin - pad_end: h 2*4 + 1 + 3 - 1 - 1
    # = 10, w 2*4 + 0 + 3 - 0 - 0 = 11; W[1] * group = 3 channels. W is 4*3*3*3 = 108. Each of the 4*5*5 = 100
    # input values is scattered through 3*3*3 = 27 weights: 2700.
    Row("onnx.ConvTranspose", "<float[4,3,3,3] W> t = ConvTranspose <strides = [2, 2], pads = [1, 0, 1, 0], "
        "output_padding = [1, 0]> (b0, W)", [(1, 4, 5, 5)], [(1, 3, 10, 11)], 108, 2700),
    # output_shape [7, 6] (pads ignored): the top is 7 x 6 with 2 channels; W 2*2*3*3 = 36 and B 2; 2*3*3 = 18
    # inputs times 2*3*3 = 18 weights: 324.
    Row("onnx.ConvTranspose", "<float[2,2,3,3] W, float[2] B> t = ConvTranspose <strides = [2, 2], "
        "output_shape = [7, 6]> (b0, W, B)", [(1, 2, 3, 3)], [(1, 2, 7, 6)], 38, 324),
    # auto_pad SAME_UPPER: in * stride = 6 x 8; group 2 of W[1] = 1: 2 channels; W 4*1*2*2 = 16; 4*3*4 = 48
    # inputs times 1*2*2 = 4: 192.
    Row("onnx.ConvTranspose", '<float[4,1,2,2] W> t = ConvTranspose <auto_pad = "SAME_UPPER", strides = [2, 2], '
        "group = 2> (b0, W)", [(1, 4, 3, 4)], [(1, 2, 6, 8)], 16, 192),
    # Transpose-13: output axis i is input axis perm[i]: (1, 4, 5, 3).
    Row("onnx.Transpose", "t = Transpose <perm = [0, 2, 3, 1]> (b0)", [(1, 3, 4, 5)], [(1, 4, 5, 3)], 0, 0),
    # Squeeze-13: the axes given (axis 1, of size 1), or without axes every axis of size 1.
    Row("onnx.Squeeze", "<int64[1] ax = {1}> t = Squeeze (b0, ax)", [(2, 1, 3)], [(2, 3)], 0, 0),
    Row("onnx.Squeeze", "t = Squeeze (b0)", [(1, 3, 1, 2)], [(3, 2)], 0, 0),
    # Unsqueeze-13: axes index the output: 0 and 3 are new, (1, 3, 4, 1).
    Row("onnx.Unsqueeze", "<int64[2] ax = {0, 3}> t = Unsqueeze (b0, ax)", [(3, 4)], [(1, 3, 4, 1)], 0, 0),
    # Slice-13, numpy's clamping: axis 2 from 1 to 1000 (clamped to 8) by 2: 1, 3, 5, 7; axis 3 from -4 (5) to
    # -1 (8): 5, 6, 7. A negative step from -1 (4) to -1000 (before 0): all 5, back to front.
    Row("onnx.Slice", "<int64[2] st = {1, -4}, int64[2] en = {1000, -1}, int64[2] ax = {2, 3}, int64[2] sp = {2, 1}> "
        "t = Slice (b0, st, en, ax, sp)", [(1, 3, 8, 9)], [(1, 3, 4, 3)], 0, 0),
    Row("onnx.Slice", "<int64[1] st = {-1}, int64[1] en = {-1000}, int64[1] ax = {1}, int64[1] sp = {-1}> "
        "t = Slice (b0, st, en, ax, sp)", [(2, 5)], [(2, 5)], 0, 0),
    # Split-13: split [2, 3] of axis 1; without split, equal parts: 6 / 3 = 2 each.
    Row("onnx.Split", "<int64[2] sp = {2, 3}> t, u = Split <axis = 1> (b0, sp)", [(1, 5, 4, 4)],
        [(1, 2, 4, 4), (1, 3, 4, 4)], 0, 0),
    Row("onnx.Split", "t, u, v = Split <axis = 2> (b0)", [(1, 2, 6, 4)], [(1, 2, 2, 4)] * 3, 0, 0),
    # Pad-13: pads [x1_begin, x2_begin, ..., x1_end, ...]: 5 + 1 + 3 = 9 and 5 + 2 + 4 = 11; negative pads crop:
    # 5 - 1 = 4 and 5 - 2 = 3.
    Row("onnx.Pad", "<int64[8] p = {0, 0, 1, 2, 0, 0, 3, 4}> t = Pad (b0, p)", [(1, 2, 5, 5)], [(1, 2, 9, 11)], 0, 0),
    Row("onnx.Pad", "<int64[8] p = {0, 0, -1, 0, 0, 0, 0, -2}> t = Pad (b0, p)", [(1, 2, 5, 5)], [(1, 2, 4, 3)], 0, 0),
    # ReduceMean-13 (axes an attribute): keepdims 1 keeps the reduced axes as 1; 0 drops them; no axes reduces
    # all. ReduceSum-13 takes the axes as an input.
    Row("onnx.ReduceMean", "t = ReduceMean <axes = [2, 3]> (b0)", [(2, 3, 4, 5)], [(2, 3, 1, 1)], 0, 0),
    Row("onnx.ReduceMax", "t = ReduceMax <axes = [-1], keepdims = 0> (b0)", [(2, 3, 4)], [(2, 3)], 0, 0),
    Row("onnx.ReduceMin", "t = ReduceMin <keepdims = 0> (b0)", [(2, 3, 4)], [()], 0, 0),
    Row("onnx.ReduceSum", "<int64[1] ax = {1}> t = ReduceSum (b0, ax)", [(2, 3, 4)], [(2, 1, 4)], 0, 0),
    # MatMul-13: (2, 5, 6) x (6, 7): batch axes broadcast, (2, 5, 7); B, an initializer, is learnt (42); per
    # image (axis 0) 5 * 7 values of 6 products: 210. A 1-D B is a column, dropped: (4, 6) x (6,) is (4,), 6
    # per row.
    Row("onnx.MatMul", "<float[6,7] B> t = MatMul (b0, B)", [(2, 5, 6)], [(2, 5, 7)], 42, 210),
    Row("onnx.MatMul", "t = MatMul (b0, b1)", [(4, 6), (6,)], [(4,)], 0, 6),
    Row("onnx.MatMul", "t = MatMul (b0, b1)", [(3, 1, 2, 4), (5, 4, 2)], [(3, 5, 2, 2)], 0, 5 * 2 * 2 * 4),
    # Concat-13 along axis 1: 3 + 2 channels.
    Row("onnx.Concat", "t = Concat <axis = 1> (b0, b1)", [(2, 3, 4, 5), (2, 2, 4, 5)], [(2, 5, 4, 5)], 0, 0),
    # Gemm-13 with transB: A 2 x 12, B 10 x 12 transposed: Y 2 x 10. Learnt B 120 + C 10; per image (a row of A)
    # 12 * 10 = 120 multiply-adds.
    Row("onnx.Gemm", "<float[10,12] W, float[10] c> t = Gemm <transB = 1> (b0, W, c)", [(2, 12)], [(2, 10)], 130, 120),
    # Flatten-13: (d0 .. d(axis-1), the rest): axis 1 gives (2, 60), axis -2 (= 2) gives (6, 20).
    Row("onnx.Flatten", "t = Flatten (b0)", [(2, 3, 4, 5)], [(2, 60)], 0, 0),
    Row("onnx.Flatten", "t = Flatten <axis = -2> (b0)", [(2, 3, 4, 5)], [(6, 20)], 0, 0),
    # Reshape-14: 0 copies dim 0 (2), 5 is 5, -1 takes the rest: 120 / (2 * 5) = 12.
    Row("onnx.Reshape", "<int64[3] s = {0, -1, 5}> t = Reshape (b0, s)", [(2, 3, 4, 5)], [(2, 12, 5)], 0, 0),

    # ---------------------------------------------------------------- ONNX operators: axes, reductions,
    # normalisations, MatMul, the remaining elementwise ops (layers/onnx/axes.py, reduce.py, norm.py,
    # matmul.py, maths.py). A row starting `opset N:` is built at that opset (the rule changed there).

    # InstanceNormalization-6: Y has X's shape; learnt scale 4 + B 4 (one per channel).
    Row("onnx.InstanceNormalization", "<float[4] s, float[4] bb> t = InstanceNormalization (b0, s, bb)",
        [(2, 4, 5, 6)], [(2, 4, 5, 6)], 8, 0),
    # LayerNormalization-17 over axes 1.. (axis 1): Y is X's shape, Mean and InvStdDev (2, 1, 1, 1); Scale and B
    # of the normalised axes' shape 3*4*5 = 60 each: 120 learnt.
    Row("onnx.LayerNormalization", "<float[3,4,5] s, float[3,4,5] bb> t, m, r = LayerNormalization <axis = 1> "
        "(b0, s, bb)", [(2, 3, 4, 5)], [(2, 3, 4, 5), (2, 1, 1, 1), (2, 1, 1, 1)], 120, 0),
    # The default axis -1 with Scale only (B is optional): 5 learnt.
    Row("onnx.LayerNormalization", "<float[5] s> t = LayerNormalization (b0, s)", [(2, 3, 5)], [(2, 3, 5)], 5, 0),
    # GroupNormalization-18: scale and bias one per group (2 + 2); -21: one per channel (6 + 6).
    Row("onnx.GroupNormalization", "opset 18: <float[2] s, float[2] bb> t = GroupNormalization <num_groups = 2> "
        "(b0, s, bb)", [(1, 6, 4, 4)], [(1, 6, 4, 4)], 4, 0),
    Row("onnx.GroupNormalization", "opset 21: <float[6] s, float[6] bb> t = GroupNormalization <num_groups = 2> "
        "(b0, s, bb)", [(1, 6, 4, 4)], [(1, 6, 4, 4)], 12, 0),
    # Softmax-11, LogSoftmax-11 and Hardmax-11 coerce the input to 2-D at axis (default 1), LogSoftmax-13 takes
    # one axis: the output has the input's shape.
    Row("onnx.Softmax", "opset 11: t = Softmax (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    # MeanVarianceNormalization-13 (axes [0, 2, 3] by default) and LpNormalization-1 keep the input's shape.
    Row("onnx.MeanVarianceNormalization", "t = MeanVarianceNormalization (b0)", [(2, 3, 4, 5)], [(2, 3, 4, 5)], 0, 0),
    Row("onnx.LpNormalization", "t = LpNormalization <axis = 1, p = 1> (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    Row("onnx.LogSoftmax", "t = LogSoftmax <axis = 1> (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    Row("onnx.Hardmax", "opset 11: t = Hardmax <axis = -2> (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),

    # Transpose-13 without perm: the axes reversed.
    Row("onnx.Transpose", "t = Transpose (b0)", [(2, 3, 4)], [(4, 3, 2)], 0, 0),
    # Squeeze-13: axes input {1, -1 = 3} drops the two 1s; Squeeze-11: the axes attribute.
    Row("onnx.Squeeze", "<int64[2] a = {1, -1}> t = Squeeze (b0, a)", [(2, 1, 3, 1)], [(2, 3)], 0, 0),
    Row("onnx.Squeeze", "opset 11: t = Squeeze <axes = [0]> (b0)", [(1, 3, 1, 5)], [(3, 1, 5)], 0, 0),
    # Unsqueeze-13: output rank 2 + 2 = 4, axes 0 and -1 (= 3) new: (1, 3, 4, 1); Unsqueeze-11 by attribute.
    Row("onnx.Unsqueeze", "<int64[2] a = {0, -1}> t = Unsqueeze (b0, a)", [(3, 4)], [(1, 3, 4, 1)], 0, 0),
    Row("onnx.Unsqueeze", "opset 11: t = Unsqueeze <axes = [1]> (b0)", [(3, 4)], [(3, 1, 4)], 0, 0),
    # Expand-13: (3, 1) broadcast with shape (2, 1, 6): (2, 3, 6) (the 1 in shape keeps the input's 3).
    Row("onnx.Expand", "<int64[3] s = {2, 1, 6}> t = Expand (b0, s)", [(3, 1)], [(2, 3, 6)], 0, 0),
    # Tile-13: (2 * 1, 3 * 2, 4 * 3).
    Row("onnx.Tile", "<int64[3] r = {1, 2, 3}> t = Tile (b0, r)", [(2, 3, 4)], [(2, 6, 12)], 0, 0),
    # Gather-13: data.shape[:axis] + indices.shape + data.shape[axis + 1:]. A scalar index along axis 1 drops it:
    # (2, 4); indices (2) along axis -1 (= 2): (2, 3, 2); a table (10, 4) of 40 learnt values read by indices
    # (2, 3): (2, 3, 4).
    Row("onnx.Gather", "<int64 i = {1}> t = Gather <axis = 1> (b0, i)", [(2, 3, 4)], [(2, 4)], 0, 0),
    Row("onnx.Gather", "<int64[2] i = {0, -1}> t = Gather <axis = -1> (b0, i)", [(2, 3, 4)], [(2, 3, 2)], 0, 0),
    Row("onnx.Gather", "int64 inputs: <float[10,4] E> t = Gather (E, b0)", [(2, 3)], [(2, 3, 4)], 40, 0),

    # ReduceMean-18: axes input {-2, -1}, keepdims 0: (2, 3). ReduceSum-13 without axes but with
    # noop_with_empty_axes reduces none; without axes every axis is reduced, kept as 1s (keepdims 1).
    Row("onnx.ReduceMean", "opset 18: <int64[2] a = {-2, -1}> t = ReduceMean <keepdims = 0> (b0, a)",
        [(2, 3, 4, 5)], [(2, 3)], 0, 0),
    Row("onnx.ReduceSum", "t = ReduceSum <noop_with_empty_axes = 1> (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.ReduceMin", "t = ReduceMin (b0)", [(2, 3, 4)], [(1, 1, 1)], 0, 0),
    Row("onnx.ReduceProd", "t = ReduceProd <axes = [0]> (b0)", [(2, 3)], [(1, 3)], 0, 0),
    Row("onnx.ReduceL1", "t = ReduceL1 <axes = [-1], keepdims = 0> (b0)", [(2, 3, 4)], [(2, 3)], 0, 0),
    Row("onnx.ReduceL2", "t = ReduceL2 <axes = [1]> (b0)", [(2, 3, 4)], [(2, 1, 4)], 0, 0),
    Row("onnx.ReduceLogSum", "t = ReduceLogSum <axes = [1, 2]> (b0)", [(2, 3, 4)], [(2, 1, 1)], 0, 0),
    Row("onnx.ReduceLogSumExp", "t = ReduceLogSumExp <axes = [2]> (b0)", [(2, 3, 4)], [(2, 3, 1)], 0, 0),
    Row("onnx.ReduceSumSquare", "t = ReduceSumSquare <axes = [0, 2], keepdims = 0> (b0)", [(2, 3, 4)], [(3,)], 0, 0),
    # ArgMax-13 along axis 1 without keepdims: (2, 4); ArgMin's defaults, axis 0 kept as 1: (1, 3, 4).
    Row("onnx.ArgMax", "t = ArgMax <axis = 1, keepdims = 0> (b0)", [(2, 3, 4)], [(2, 4)], 0, 0),
    Row("onnx.ArgMin", "t = ArgMin (b0)", [(2, 3, 4)], [(1, 3, 4)], 0, 0),
    # TopK-11, K = 2 along axis 1: Values and Indices (2, 2, 3).
    Row("onnx.TopK", "<int64[1] k = {2}> v, i = TopK <axis = 1> (b0, k)", [(2, 5, 3)], [(2, 2, 3), (2, 2, 3)], 0, 0),

    # MatMul-13. A 1-D B is one column: (3, 4) times (4) is (3); learnt 4; per image (a row of A) 4 products.
    Row("onnx.MatMul", "<float[4] v> t = MatMul (b0, v)", [(3, 4)], [(3,)], 4, 4),
    # A 1-D A is one row and no image axis: (4) times (4, 6) is (6), 6 outputs of 4 products: 24.
    Row("onnx.MatMul", "<float[4,6] W> t = MatMul (b0, W)", [(4,)], [(6,)], 24, 24),

    # Unary ops: the output has the input's shape, nothing learnt or multiplied.
    Row("onnx.Elu", "t = Elu <alpha = 0.5> (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    Row("onnx.Selu", "t = Selu (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Celu", "t = Celu (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Softplus", "t = Softplus (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Softsign", "t = Softsign (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Gelu", 'opset 20: t = Gelu <approximate = "tanh"> (b0)', [(1, 8, 4)], [(1, 8, 4)], 0, 0),
    Row("onnx.Mish", "opset 18: t = Mish (b0)", [(1, 8, 2, 2)], [(1, 8, 2, 2)], 0, 0),
    Row("onnx.ThresholdedRelu", "t = ThresholdedRelu <alpha = 2.0> (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Erf", "t = Erf (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Exp", "t = Exp (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Log", "t = Log (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Sqrt", "t = Sqrt (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Neg", "t = Neg (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Abs", "t = Abs (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Reciprocal", "t = Reciprocal (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Floor", "t = Floor (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Ceil", "t = Ceil (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Round", "t = Round (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Sign", "t = Sign (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.IsNaN", "t = IsNaN (b0)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.IsInf", "t = IsInf (b0)", [(2, 3)], [(2, 3)], 0, 0),
    # Cast-13 to int64 (7): the element type changes, the shape does not.
    Row("onnx.Cast", "t = Cast <to = 7> (b0)", [(2, 3, 4)], [(2, 3, 4)], 0, 0),
    Row("onnx.Not", "bool inputs: t = Not (b0)", [(2, 3)], [(2, 3)], 0, 0),
    # PRelu-16: one slope shared by every value (nn.PReLU()'s default) is learnt too.
    Row("onnx.PRelu", "<float[1] s> t = PRelu (b0, s)", [(2, 3)], [(2, 3)], 1, 0),
    # Broadcasting ops (numpy's rule): (2, 3, 1) with (4) is (2, 3, 4); an exponent is no weight.
    Row("onnx.Pow", "t = Pow (b0, b1)", [(2, 3, 1), (4,)], [(2, 3, 4)], 0, 0),
    Row("onnx.Pow", "<float[3] p> t = Pow (b0, p)", [(2, 3)], [(2, 3)], 0, 0),
    Row("onnx.Equal", "t = Equal (b0, b1)", [(2, 3, 4), (3, 1)], [(2, 3, 4)], 0, 0),
    Row("onnx.Greater", "t = Greater (b0, b1)", [(2, 1), (1, 5)], [(2, 5)], 0, 0),
    Row("onnx.Less", "t = Less (b0, b1)", [(4,), (3, 1)], [(3, 4)], 0, 0),
    Row("onnx.GreaterOrEqual", "t = GreaterOrEqual (b0, b1)", [(2, 3), (3,)], [(2, 3)], 0, 0),
    Row("onnx.LessOrEqual", "t = LessOrEqual (b0, b1)", [(2, 3), (2, 1)], [(2, 3)], 0, 0),
    Row("onnx.And", "bool inputs: t = And (b0, b1)", [(2, 3), (1, 3)], [(2, 3)], 0, 0),
    Row("onnx.Or", "bool inputs: t = Or (b0, b1)", [(2, 1), (4,)], [(2, 4)], 0, 0),
    Row("onnx.Xor", "bool inputs: t = Xor (b0, b1)", [(3,), (3,)], [(3,)], 0, 0),
    # Where-16: the condition (a constant mask (1, 4)), X (3, 1) and Y (1) broadcast together: (3, 4).
    Row("onnx.Where", "<bool[1,4] c = {1, 0, 1, 0}> t = Where (c, b0, b1)", [(3, 1), (1,)], [(3, 4)], 0, 0),

    # ---------------------------------------------------------------- ONNX operators that move positions
    # ConvTranspose-11: out = stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pads:
    # h 2 * 2 + 1 + 3 - 2 = 6, w 2 * 4 + 1 + 3 - 2 = 10; M = W[1] * group = 3 channels. Learnt: W 4*3*3*3 = 108
    # and B 3. Each of the 4*3*5 input values is scattered through 3*3 taps into 3 channels: 60 * 27 = 1620.
    Row("onnx.ConvTranspose", "<float[4,3,3,3] W, float[3] B> t = ConvTranspose <strides = [2, 2], "
        "pads = [1, 1, 1, 1], output_padding = [1, 1]> (b0, W, B)", [(1, 4, 3, 5)], [(1, 3, 6, 10)], 111, 1620),
    # SAME_UPPER: in * stride outputs (10, 12); group 2 of 2 input channels each, W[1] = 1: M = 2. W is 4*1*2*2
    # = 16; each of the 4*5*6 = 120 inputs feeds 2*2 taps of 1 channel: 480.
    Row("onnx.ConvTranspose", '<float[4,1,2,2] W> t = ConvTranspose <strides = [2, 2], auto_pad = "SAME_UPPER", '
        "group = 2> (b0, W)", [(1, 4, 5, 6)], [(1, 2, 10, 12)], 16, 480),
    # output_shape (8, 9) is the output, whatever the pads (full size 2 * 3 + 3 = 9); W 2*2*3*3 = 36, each of
    # the 2*4*4 = 32 inputs through 3*3 taps into 2 channels: 576.
    Row("onnx.ConvTranspose", "<float[2,2,3,3] W> t = ConvTranspose <strides = [2, 2], output_shape = [8, 9]> "
        "(b0, W)", [(1, 2, 4, 4)], [(1, 2, 8, 9)], 36, 576),
    # Resize-13 with scales: floor(in * scale) per axis, 4 * 2 = 8 and 5 * 2 = 10 (an empty roi is no roi).
    # Nothing learnt, nothing multiplied (as Caffe's Interp and Upsample rules count).
    Row("onnx.Resize", "<float[0] r, float[4] sc = {1.0, 1.0, 2.0, 2.0}> t = Resize (b0, r, sc)",
        [(1, 3, 4, 5)], [(1, 3, 8, 10)], 0, 0),
    # Shrinking and a fractional scale: floor(7 * 0.5) = 3, floor(5 * 1.5) = 7.
    Row("onnx.Resize", '<float[0] r, float[4] sc = {1.0, 1.0, 0.5, 1.5}> t = Resize <mode = "linear"> (b0, r, sc)',
        [(1, 2, 7, 5)], [(1, 2, 3, 7)], 0, 0),
    # sizes (scales empty) are the output: (1, 3, 7, 9).
    Row("onnx.Resize", '<float[0] r, float[0] sc, int64[4] sz = {1, 3, 7, 9}> t = Resize <mode = "linear", '
        'coordinate_transformation_mode = "align_corners"> (b0, r, sc, sz)', [(1, 3, 4, 5)], [(1, 3, 7, 9)], 0, 0),
    # Upsample-9 (built at opset 9, ROW_OPSET): floor(in * scale), 3 * 2 = 6, 4 * 3 = 12.
    Row("onnx.Upsample", "<float[4] sc = {1.0, 1.0, 2.0, 3.0}> t = Upsample (b0, sc)", [(1, 2, 3, 4)],
        [(1, 2, 6, 12)], 0, 0),
    # Pad-13: pads [h_begin.. over all axes, then the ends]: h 4 + 1 + 3 = 8, w 5 + 2 - 1 = 6 (a negative pad crops).
    Row("onnx.Pad", "<int64[8] p = {0, 0, 1, 2, 0, 0, 3, -1}> t = Pad (b0, p)", [(1, 3, 4, 5)], [(1, 3, 8, 6)], 0, 0),
    # reflect: 5 + 2 + 2 = 9 per axis (a pad of at most 5 - 1).
    Row("onnx.Pad", '<int64[8] p = {0, 0, 2, 2, 0, 0, 2, 2}> t = Pad <mode = "reflect"> (b0, p)', [(1, 2, 5, 5)],
        [(1, 2, 9, 9)], 0, 0),
    # Slice-13: h from 1 to INT64_MAX (clamped to 8) by 2: ceil(7 / 2) = 4; w from -5 + 7 = 2 to -1 + 7 = 6: 4.
    Row("onnx.Slice", "<int64[2] s = {1, -5}, int64[2] e = {9223372036854775807, -1}, int64[2] a = {2, 3}, "
        "int64[2] st = {2, 1}> t = Slice (b0, s, e, a, st)", [(1, 3, 8, 7)], [(1, 3, 4, 4)], 0, 0),
    # A negative step: start -1 + 5 = 4, end -1000 + 5 clamped to -1: ceil((-1 - 4) / -1) = 5 (the axis flipped).
    Row("onnx.Slice", "<int64[1] s = {-1}, int64[1] e = {-1000}, int64[1] a = {3}, int64[1] st = {-1}> "
        "t = Slice (b0, s, e, a, st)", [(1, 2, 3, 5)], [(1, 2, 3, 5)], 0, 0),
    # Split-13 along w by the split input: 2 and 5 of 7.
    Row("onnx.Split", "<int64[2] sp = {2, 5}> t, u = Split <axis = 3> (b0, sp)", [(1, 3, 4, 7)],
        [(1, 3, 4, 2), (1, 3, 4, 5)], 0, 0),
    # Without split: equal parts, 4 channels in 2.
    Row("onnx.Split", "t, u = Split <axis = 1> (b0)", [(1, 4, 3, 3)], [(1, 2, 3, 3), (1, 2, 3, 3)], 0, 0),
    # DepthToSpace-13, blocksize 2: 8 / 4 = 2 channels, 3 * 2 by 4 * 2.
    Row("onnx.DepthToSpace", 't = DepthToSpace <blocksize = 2, mode = "CRD"> (b0)', [(1, 8, 3, 4)],
        [(1, 2, 6, 8)], 0, 0),
    # SpaceToDepth-13, blocksize 2: 3 * 4 = 12 channels, 4 / 2 by 6 / 2.
    Row("onnx.SpaceToDepth", "t = SpaceToDepth <blocksize = 2> (b0)", [(1, 3, 4, 6)], [(1, 12, 2, 3)], 0, 0),
    # CastLike-15: the input's shape in the target's element type; the target's shape does not matter.
    Row("onnx.CastLike", "float, int64 inputs: t = CastLike (b0, b1)", [(2, 3, 4), (5,)], [(2, 3, 4)], 0, 0),
    # A constant cast like a blob (onnx's function bodies, PyTorch's dynamo exports): the constant's (2, 3).
    Row("onnx.CastLike", "<float[2,3] c> t = CastLike (c, b0)", [(5,)], [(2, 3)], 0, 0),
    # Mod-13: numpy broadcasting, (2, 3, 1) with (4,) gives (2, 3, 4); fmod 1 for floats (C's fmod).
    Row("onnx.Mod", "t = Mod <fmod = 1> (b0, b1)", [(2, 3, 1), (4,)], [(2, 3, 4)], 0, 0),
    # CumSum-14: the input's shape whatever the axis (a scalar tensor, here 2) and exclusive / reverse.
    Row("onnx.CumSum", "<int64 ax = {2}> t = CumSum <reverse = 1> (b0, ax)", [(1, 3, 5, 5)], [(1, 3, 5, 5)], 0, 0),
    # Range-11 reading a value the net computes (start, a blob): max(ceil((limit - start) / delta), 0) values,
    # a count known only when it runs.
    Row("onnx.Range", "<float lim = {5.0}, float d = {1.0}> t = Range (b0, lim, d)", [()], [(None,)], 0, 0),
    # Einsum-12 "bij,bjk->bik" (MatMul's batched product): (2, 3, 4) x (2, 4, 5) -> (2, 3, 5); each of the
    # 2 * 3 * 5 outputs sums j's 4 products: 120 multiply-adds, 60 per item of the first axis (MatMul's count).
    Row("onnx.Einsum", 't = Einsum <equation = "bij,bjk->bik"> (b0, b1)', [(2, 3, 4), (2, 4, 5)], [(2, 3, 5)], 0, 60),
    # With a weight (a linear layer written as "bld,dk->blk"): d 6 x k 4 = 24 learnt; (1, 8, 4) outputs of 6
    # products each: 192 per item of b (1).
    Row("onnx.Einsum", '<float[6,4] w> t = Einsum <equation = "bld,dk->blk"> (b0, w)', [(1, 8, 6)], [(1, 8, 4)],
        24, 192),
    # Implicit output: "...ij,...jk" keeps the ellipsis' axes first, then the letters used once in alphabetical
    # order (i, k): (3, 1, 4, 5) x (3, 7, 5, 6) -> (3, 7, 4, 6); 3 * 7 * 4 * 6 outputs of 5 products = 2520,
    # 840 per item of the first axis.
    Row("onnx.Einsum", 't = Einsum <equation = "...ij,...jk"> (b0, b1)', [(3, 1, 4, 5), (3, 7, 5, 6)],
        [(3, 7, 4, 6)], 0, 840),
    # One input: a transposition multiplies nothing.
    Row("onnx.Einsum", 't = Einsum <equation = "nchw->nhwc"> (b0)', [(1, 3, 4, 5)], [(1, 4, 5, 3)], 0, 0),
    # A scalar's copy, "->" (onnx's test_einsum_scalar): an empty term names a scalar's no axes.
    Row("onnx.Einsum", 't = Einsum <equation = "->"> (b0)', [()], [()], 0, 0),
    # GridSample-16: X (1, 3, 8, 8) sampled at a (1, 5, 6, 2) grid gives (N 1, C 3, 5, 6); no weights, and
    # interpolation is no multiply-add.
    Row("onnx.GridSample", "t = GridSample (b0, b1)", [(1, 3, 8, 8), (1, 5, 6, 2)], [(1, 3, 5, 6)], 0, 0),
    # ScatterND-13: data's shape; updates (2, 3, 8, 8) = indices (2, 1)[:-1] + data (4, 3, 8, 8)[1:].
    Row("onnx.ScatterND", "float, int64, float inputs: t = ScatterND (b0, b1, b2)",
        [(4, 3, 8, 8), (2, 1), (2, 3, 8, 8)], [(4, 3, 8, 8)], 0, 0),
    # NonMaxSuppression-11: one (batch, class, box) row per box kept, a count known when the net runs (at most
    # 1 batch x 3 classes x min(6 boxes, 2) = 6).
    Row("onnx.NonMaxSuppression", "<int64[1] m = {2}> t = NonMaxSuppression (b0, b1, m)", [(1, 6, 4), (1, 3, 6)],
        [(None, 3)], 0, 0),
    # RoiAlign-16: (regions 5, channels 4, output_height 3, output_width 2).
    Row("onnx.RoiAlign", "float, float, int64 inputs: t = RoiAlign <output_height = 3, output_width = 2> "
        "(b0, b1, b2)",
        [(2, 4, 16, 16), (5, 4), (5,)], [(5, 4, 3, 2)], 0, 0),
    # MaxRoiPool-1: (regions 5, channels 4) x pooled_shape (3, 2).
    Row("onnx.MaxRoiPool", "t = MaxRoiPool <pooled_shape = [3, 2], spatial_scale = 0.0625> (b0, b1)",
        [(2, 4, 16, 16), (5, 5)], [(5, 4, 3, 2)], 0, 0),
    # MaxUnpool-11: (in - 1) * stride + kernel - pad_begin - pad_end: h (3 - 1) * 2 + 3 - 1 - 0 = 6,
    # w (4 - 1) * 2 + 2 - 0 - 1 = 7.
    Row("onnx.MaxUnpool", "float, int64 inputs: t = MaxUnpool <kernel_shape = [3, 2], strides = [2, 2], "
        "pads = [1, 0, 0, 1]> (b0, b1)",
        [(1, 2, 3, 4), (1, 2, 3, 4)], [(1, 2, 6, 7)], 0, 0),
    # QuantizeLinear-13, per tensor (a scalar scale and zero point): y has x's shape; nothing learnt or multiplied.
    Row("onnx.QuantizeLinear", "<float s = {0.5}, uint8 z = {0}> t = QuantizeLinear (b0, s, z)", [(1, 3, 4, 4)],
        [(1, 3, 4, 4)], 0, 0),
    # DequantizeLinear-13 per axis: a 1-D scale of x's axis-1 size (3).
    Row("onnx.DequantizeLinear", "uint8 inputs: <float[3] s, uint8[3] z> t = DequantizeLinear <axis = 1> (b0, s, z)",
        [(1, 3, 4, 4)], [(1, 3, 4, 4)], 0, 0),
    # DynamicQuantizeLinear-11: y has x's shape, y_scale and y_zero_point are scalars.
    Row("onnx.DynamicQuantizeLinear", "t, s, z = DynamicQuantizeLinear (b0)", [(2, 5)], [(2, 5), (), ()], 0, 0),
    # QLinearConv-10 convolves as Conv: w (8, 3, 3, 3) at input 3, pads 1: (1, 8, 8, 8); learnt w 8 * 27 = 216
    # and B (input 8) 8: 224; each of the 8 * 8 * 8 outputs sums 3 * 3 * 3 products: 13824.
    Row("onnx.QLinearConv", "uint8 inputs: <float xs = {0.1}, uint8 xz = {0}, uint8[8,3,3,3] w, float ws = {0.1}, "
        "uint8 wz = {0}, float ys = {0.1}, uint8 yz = {0}, int32[8] B> "
        "t = QLinearConv <pads = [1, 1, 1, 1]> (b0, xs, xz, w, ws, wz, ys, yz, B)",
        [(1, 3, 8, 8)], [(1, 8, 8, 8)], 224, 13824),
    # ConvInteger-10, group 2: X's 4 channels in 2 groups of w's 2; 5 - 3 + 1 = 3; learnt 4 * 2 * 9 = 72; each of
    # the 4 * 3 * 3 outputs sums 2 * 9 = 18 products: 648.
    Row("onnx.ConvInteger", "uint8 inputs: <uint8[4,2,3,3] w> t = ConvInteger <group = 2> (b0, w)", [(1, 4, 5, 5)],
        [(1, 4, 3, 3)], 72, 648),
    # MatMulInteger-10 as MatMul: (3, 4) x (4, 6) = (3, 6); learnt 24; per row 6 outputs of 4 products: 24.
    Row("onnx.MatMulInteger", "uint8 inputs: <uint8[4,6] B> t = MatMulInteger (b0, B)", [(3, 4)], [(3, 6)], 24, 24),
    # QLinearMatMul-10: b at input 3, (2, 3, 4) x (4, 5) = (2, 3, 5); learnt 20; per item of axis 0, 3 * 5 outputs
    # of 4 products: 60.
    Row("onnx.QLinearMatMul", "uint8 inputs: <float sa = {0.1}, uint8 za = {0}, uint8[4,5] B, float sb = {0.1}, "
        "uint8 zb = {0}, float sy = {0.1}, uint8 zy = {0}> t = QLinearMatMul (b0, sa, za, B, sb, zb, sy, zy)",
        [(2, 3, 4)], [(2, 3, 5)], 20, 60),
    # LpPool-18: AveragePool's windows, (7 - 3) // 2 + 1 = 3 per axis.
    Row("onnx.LpPool", "t = LpPool <kernel_shape = [3, 3], strides = [2, 2], p = 2> (b0)", [(1, 2, 7, 7)],
        [(1, 2, 3, 3)], 0, 0),
    # GlobalLpPool-2: one value per channel.
    Row("onnx.GlobalLpPool", "t = GlobalLpPool (b0)", [(1, 4, 5, 6)], [(1, 4, 1, 1)], 0, 0),
    # DeformConv-19: Conv's output, pads 1 keep 5 x 5 with 4 channels; offset (1, 1 group x 9 taps x 2 axes = 18,
    # 5, 5); learnt W 4 * 2 * 9 = 72 and B 4: 76; each of 4 * 5 * 5 outputs sums 2 * 9 = 18 products: 1800.
    Row("onnx.DeformConv", "opset 19: <float[4,2,3,3] W, float[4] B> "
        "t = DeformConv <pads = [1, 1, 1, 1]> (b0, W, b1, B)",
        [(1, 2, 5, 5), (1, 18, 5, 5)], [(1, 4, 5, 5)], 76, 1800),
    # Col2Im-18: 2 x 2 blocks of a 5 x 5 image at stride 1: 4 x 4 = 16 blocks (L); 12 rows / 4 = 3 channels.
    Row("onnx.Col2Im", "opset 18: <int64[2] im = {5, 5}, int64[2] bl = {2, 2}> t = Col2Im (b0, im, bl)",
        [(1, 12, 16)], [(1, 3, 5, 5)], 0, 0),
    # Trilu-14: the input's shape, whatever k and upper.
    Row("onnx.Trilu", "<int64 k = {1}> t = Trilu <upper = 0> (b0, k)", [(2, 4, 5)], [(2, 4, 5)], 0, 0),
    # GatherElements-13: indices' shape (2, 3, 1) whatever data's (2, 3, 4).
    Row("onnx.GatherElements", "float, int64 inputs: t = GatherElements <axis = 2> (b0, b1)", [(2, 3, 4), (2, 3, 1)],
        [(2, 3, 1)], 0, 0),
    # ScatterElements-18: data's shape (3, 4); updates of indices' shape (1, 4).
    Row("onnx.ScatterElements", 'float, int64, float inputs: t = ScatterElements <axis = 0, reduction = "add"> '
        "(b0, b1, b2)", [(3, 4), (1, 4), (1, 4)], [(3, 4)], 0, 0),
    # Scatter-9 (ScatterElements' first name): data's shape (3, 3), updates of indices' shape (2, 3).
    Row("onnx.Scatter", "opset 9 float, int64, float inputs: t = Scatter <axis = 0> (b0, b1, b2)",
        [(3, 3), (2, 3), (2, 3)], [(3, 3)], 0, 0),
    # GatherND-13, batch_dims 1: data (2, 3, 4, 5), indices (2, 6, 2) name positions of axes 1..2 (k = 2):
    # data[:1] (2) + indices[1:-1] (6) + data[3:] (5).
    Row("onnx.GatherND", "float, int64 inputs: t = GatherND <batch_dims = 1> (b0, b1)", [(2, 3, 4, 5), (2, 6, 2)],
        [(2, 6, 5)], 0, 0),
    # RNN-14: X (seq 5, batch 2, input 3), hidden 4: Y (5, 1, 2, 4), Y_h (1, 2, 4); learnt W 1 * 4 * 3 = 12,
    # R 16, B 8: 36; each of 5 * 2 steps multiplies 4 x (3 + 4) = 28: 280 in all, 56 per item of Y's axis 0 (5).
    Row("onnx.RNN", "<float[1,4,3] W, float[1,4,4] R, float[1,8] B> y, h = RNN <hidden_size = 4> (b0, W, R, B)",
        [(5, 2, 3)], [(5, 1, 2, 4), (1, 2, 4)], 36, 56),
    # GRU-14, bidirectional, layout 1: X (batch 2, seq 5, input 3), hidden 4, G 3: Y (2, 5, 2, 4), Y_h (2, 2, 4);
    # W 2 * 12 * 3 = 72, R 2 * 12 * 4 = 96: 168; 5 * 2 * 2 directions * 12 * (3 + 4) = 1680, 840 per batch item.
    Row("onnx.GRU", "<float[2,12,3] W, float[2,12,4] R> y, h = GRU <hidden_size = 4, direction = \"bidirectional\", "
        "layout = 1> (b0, W, R)", [(2, 5, 3)], [(2, 5, 2, 4), (2, 2, 4)], 168, 840),
    # LSTM-14: X (seq 3, batch 1, input 2), hidden 5 (W's 20 rows = 4 gates x 5), peepholes P: Y (3, 1, 1, 5),
    # Y_h and Y_c (1, 1, 5); W 40, R 100, B 40, P 15: 195; 3 * 1 * 20 * (2 + 5) = 420, 140 per step.
    Row("onnx.LSTM", "<float[1,20,2] W, float[1,20,5] R, float[1,40] B, float[1,15] P> "
        "y, h, c = LSTM <hidden_size = 5> "
        '(b0, W, R, B, "", "", "", P)', [(3, 1, 2)], [(3, 1, 1, 5), (1, 1, 5), (1, 1, 5)], 195, 140),
    # RMSNormalization-23 over the last axis: X's shape; the scale (8) is learnt.
    Row("onnx.RMSNormalization", "opset 23: <float[8] s> t = RMSNormalization (b0, s)", [(2, 5, 8)], [(2, 5, 8)],
        8, 0),
    # RotaryEmbedding-23, 4-D X (batch 1, heads 2, seq 3, head 8), caches (max position 6, rotary 8 / 2) read at
    # position_ids (1, 3): X's shape.
    Row("onnx.RotaryEmbedding", "opset 23 float, float, float, int64 inputs: t = RotaryEmbedding (b0, b1, b2, b3)",
        [(1, 2, 3, 8), (6, 4), (6, 4), (1, 3)], [(1, 2, 3, 8)], 0, 0),
    # Attention-23, grouped 4-D: Q (batch 2, 4 heads, 3 queries, head 8), K (2, 2 heads, 5 keys, 8), V (2, 2, 5, 6):
    # Y (2, 4, 3, 6); per batch item 4 * 3 queries * 5 keys * (8 + 6) = 840 multiply-adds.
    Row("onnx.Attention", "opset 23: y = Attention (b0, b1, b2)", [(2, 4, 3, 8), (2, 2, 5, 8), (2, 2, 5, 6)],
        [(2, 4, 3, 6)], 0, 840),
    # If-16, Loop-16, Scan-16: their subgraphs compute the outputs, which scnn-tools does not analyse: unknown
    # shapes, weights and multiply-adds (SUBGRAPHS below: onnx's inference does analyse them).
    Row("onnx.If", "bool, float inputs: t = If <then_branch = g1 () => (float[2] a) { a = Identity (b1) }, "
        "else_branch = g2 () => (float[2] e) { e = Neg (b1) }> (b0)", [(), (2,)], [None], None, None),
    Row("onnx.Loop", "<int64 M = {3}> v, s = Loop <body = g (int64 i, bool c, float[2] x) => (bool c2, float[2] x2, "
        "float[2] y) { c2 = Identity (c)  x2 = Neg (x)  y = Identity (x) }> (M, b0, b1)", [(), (2,)],
        [None, None], None, None),
    Row("onnx.Scan", "s, y = Scan <body = g (float[2] a, float[2] x) => (float[2] a2, float[2] o) { a2 = Add (a, x) "
        "o = Identity (a2) }, num_scan_inputs = 1> (b0, b1)", [(2,), (3, 2)], [None, None], None, None),
    # com.microsoft's QLinearAdd and QLinearMul (onnxruntime's ContribOperators.md): A (input 0) and B (input 3)
    # broadcast as Add's, (1, 8, 4, 4) with (1, 8, 1, 1); no learnt values (B is a blob), nothing multiplied.
    Row("onnx.com.microsoft.QLinearAdd", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearAdd (b0, s, z, b1, s, z, s, z)", [(1, 8, 4, 4), (1, 8, 1, 1)], [(1, 8, 4, 4)], 0, 0),
    Row("onnx.com.microsoft.QLinearMul", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearMul (b0, s, z, b1, s, z, s, z)", [(2, 3), (3,)], [(2, 3)], 0, 0),
    # QLinearSigmoid and QLinearLeakyRelu: X's shape.
    Row("onnx.com.microsoft.QLinearSigmoid", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearSigmoid (b0, s, z, s, z)", [(1, 4, 3, 3)], [(1, 4, 3, 3)], 0, 0),
    Row("onnx.com.microsoft.QLinearLeakyRelu", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearLeakyRelu <alpha = 0.1> (b0, s, z, s, z)", [(1, 4, 3, 3)], [(1, 4, 3, 3)], 0, 0),
    # QLinearGlobalAveragePool, channels last: (N 1, H 1, W 1, C 6).
    Row("onnx.com.microsoft.QLinearGlobalAveragePool", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearGlobalAveragePool <channels_last = 1> (b0, s, z, s, z)", [(1, 5, 4, 6)],
        [(1, 1, 1, 6)], 0, 0),
    # QLinearAveragePool as AveragePool: H 9 with pads 1 + 1, kernel 3, stride 2: (9 + 2 - 3) / 2 + 1 = 5; W 8, kernel
    # 2, stride 2, ceil: ceil((8 - 2) / 2) + 1 = 4. Channels last (N 1, H 6, W 7, C 3): kernel 2 x 3, strides 1 and 2,
    # no pads: 5 and 3.
    Row("onnx.com.microsoft.QLinearAveragePool", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearAveragePool <kernel_shape = [3, 2], strides = [2, 2], pads = [1, 0, 1, 0], "
        "ceil_mode = 1> (b0, s, z, s, z)", [(1, 3, 9, 8)], [(1, 3, 5, 4)], 0, 0),
    Row("onnx.com.microsoft.QLinearAveragePool", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearAveragePool <kernel_shape = [2, 3], strides = [1, 2], channels_last = 1> "
        "(b0, s, z, s, z)", [(1, 6, 7, 3)], [(1, 5, 3, 3)], 0, 0),
    # QLinearConcat: Y_scale and Y_zero_point first, then each X with its own; axis 1: 2 + 5 channels.
    Row("onnx.com.microsoft.QLinearConcat", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearConcat <axis = 1> (s, z, b0, s, z, b1, s, z)", [(1, 2, 4, 4), (1, 5, 4, 4)],
        [(1, 7, 4, 4)], 0, 0),
    # QLinearSoftmax and QLinearWhere keep the shape (Where's three inputs, 0, 1 and 4, broadcast: (2, 3)).
    Row("onnx.com.microsoft.QLinearSoftmax", "uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearSoftmax <axis = -1, opset = 13> (b0, s, z, s, z)", [(1, 10)], [(1, 10)], 0, 0),
    Row("onnx.com.microsoft.QLinearWhere", "bool, uint8 inputs: <float s = {0.1}, uint8 z = {0}> "
        "t = com.microsoft.QLinearWhere (b0, b1, s, z, b2, s, z, s, z)", [(2, 1), (3,), (2, 3)], [(2, 3)], 0, 0),
    # QGemm as Gemm: A (2, 8) times B (input 3) transposed, (4, 8): (2, 4); learnt B 32 and C (input 6) 4: 36; per
    # row 4 outputs of 8 products: 32.
    Row("onnx.com.microsoft.QGemm", "uint8 inputs: <float s = {0.1}, uint8 z = {0}, uint8[4,8] B, int32[4] C> "
        "t = com.microsoft.QGemm <transB = 1> (b0, s, z, B, s, z, C, s, z)", [(2, 8)], [(2, 4)], 36, 32),
]


def net_text(row):
    inputs = [f'layer {{ name: "b{i}" type: "Input" top: "b{i}" input_param {{ shape {{ '
              + " ".join(f"dim: {d}" for d in shape) + " } } }"
              for i, shape in enumerate(row.bottoms)]
    return "\n".join(inputs + [row.layer]) + "\n"


def analysed(row):
    if row.type.startswith("onnx."):
        netfile = read_bytes(onnxrow.model(row, ROW_OPSET.get(row.type, onnxrow.OPSET)).SerializeToString(),
                             f"{row.type}.onnx")
    else:
        netfile = read_text(net_text(row), f"{row.type}.prototxt")
    try:
        result = report(Analysis(netfile))
    except InputError:
        if row.bottoms:
            raise
        return declared(netfile)
    (layer,) = [entry for entry in result["layers"] if entry["name"] == "l"]
    return layer


def declared(netfile):
    """A data layer whose own first top is not fully declared (a database's channels): Analysis refuses
    such an image without --input-shape, so the shapes come from shapes.infer, which does not require it,
    and the cost from the same layer_cost the report uses."""
    graph = build(netfile, "TEST")
    shapes = infer(graph)
    (node,) = [n for n in graph.nodes if n.name == "l"]
    params, macc = (total.value for total in layer_cost(None, node, set()))  # (a source's cost needs no analysis)
    return {"outputs": [{"shape": shapes.blobs[t]} for t in node.tops], "params": params, "macc": macc}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.type)
def test_row(row):
    layer = analysed(row)
    assert [tuple(o["shape"]) if o["shape"] is not None else None for o in layer["outputs"]] == \
        [tuple(t) if t is not None else None for t in row.tops]
    assert (layer["params"], layer["macc"]) == (row.params, row.macc)


def test_every_type_has_a_row():
    registered = {kind.name for kind in registry.kinds()}  # the Python layers' classes too
    assert sorted(registered - {row.type for row in ROWS}) == []


def test_every_type_is_exported_or_refused_with_a_reason():
    """export writes a type by its rule, makes a source a graph input, or refuses it saying why."""
    for kind in registry.kinds():
        assert kind.onnx is not None or kind.is_source or kind.no_onnx, kind.name
        assert not (kind.onnx is not None and kind.no_onnx), kind.name


# ------------------------------------------------------------------ real Caffe
# The rows' expected tops, checked against a real Caffe build (tests/realcaffe.py) wherever one has the
# type and can set the layer up on its own. Each bottom is fed by a DummyData layer (every build has it;
# PSPNet's fork has no Input layer).
# The registered types each build has (REGISTER_LAYER_CLASS / REGISTER_LAYER_CREATOR in its src/caffe; the forks'
# copies of BVLC's types are asked in BVLC). A type no build has (SegNet's Upsample and DenseImageData,
# Faster R-CNN's ROIPooling) is skipped, saying so.
BUILDS = {
    "bvlc": "AbsVal Accuracy ArgMax BNLL BatchNorm BatchReindex Bias Clip Concat ContrastiveLoss Convolution "
            "Crop Data Deconvolution Dropout DummyData ELU Eltwise Embed EuclideanLoss Exp Filter Flatten "
            "HDF5Data HDF5Output HingeLoss Im2col ImageData InfogainLoss InnerProduct Input LRN LSTM Log MVN "
            "MemoryData MultinomialLogisticLoss PReLU Parameter Pooling Power Python RNN ReLU Reduction Reshape "
            "SPP Scale Sigmoid SigmoidCrossEntropyLoss Silence Slice Softmax SoftmaxWithLoss Split Swish TanH "
            "Threshold Tile WindowData",
    "pspnet": "BN ImageSegData Interp MatWrite SegAccuracy",
    "ssd": "AnnotatedData DetectionEvaluate DetectionOutput MultiBoxLoss Normalize Permute PriorBox SmoothL1Loss "
           "VideoData",
}
BUILD = {t: build for build, types in BUILDS.items() for t in types.split()}

# Rows real Caffe is not asked about, and why.
NOT_CHECKED = {
    "Data": "sets up from the first datum of an LMDB/LevelDB database the test does not have",
    "ImageData": "opens its list file and the first image at set-up",
    "WindowData": "opens its window file and images at set-up",
    "HDF5Data": "opens its list of HDF5 files at set-up",
    "ImageSegData": "opens its list file and the first image at set-up (PSPNet)",
    "AnnotatedData": "sets up from the first AnnotatedDatum of an LMDB (SSD)",
    "VideoData": "opens the video file at set-up (SSD)",
    "Python": "its module is not importable in real Caffe's Python",
}
# Rows whose layer uses a fork's field the build that has the type lacks.
NOT_CHECKED_FIELDS = {
    "bn_mode": "SegNet's BN: SegNet's Caffe is not built here, and PSPNet's BN has no bn_mode",
    "hole": "DeepLab v1's dilation: DeepLab v1's Caffe is not built here",
    "ceil_mode": "the forks' pooling rounding (BVLC pull request 3057): no fork carrying it is built here",
    "scale_bias": "NVIDIA/caffe's BatchNorm scale and bias: NVIDIA's Caffe is not built here",
    "normalize_param": "happynear/caffe-windows's Normalize: happynear's Caffe is not built here",
    "filter_param": "yihui-he/caffe-pro's Filter (channel pruning): its Caffe is not built here",
    "batch_norm_param { bias_filler": "NVIDIA/caffe's BatchNorm fillers: NVIDIA's Caffe is not built here",
}
PYTHON_CLASSES = ("the FCN, Faster R-CNN, ENet and scnn-tools Python modules are not on real Caffe's path "
                  "(and the data layers among them open their datasets at set-up)")


def caffe_text(row):
    feeds = [f'layer {{ name: "b{i}" type: "DummyData" top: "b{i}" dummy_data_param {{ shape {{ '
             + " ".join(f"dim: {d}" for d in shape) + " } } }"
             for i, shape in enumerate(row.bottoms)]
    return "\n".join(feeds + [row.layer]) + "\n"


def top_names(row):
    return re.findall(r'\btop:\s*"([^"]+)"', row.layer)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.type)
def test_row_in_real_caffe(row):
    if row.type.startswith("onnx."):
        pytest.skip("an ONNX operator: test_onnx_row_in_shape_inference checks it against onnx's shape inference")
    if row.type.startswith("Python."):
        pytest.skip(PYTHON_CLASSES)
    if row.type in NOT_CHECKED:
        pytest.skip(NOT_CHECKED[row.type])
    for field, why in NOT_CHECKED_FIELDS.items():
        if field in row.layer:
            pytest.skip(why)
    build = BUILD.get(row.type)
    if build is None:
        pytest.skip(f"no real Caffe build here has {row.type}")
    if not realcaffe.available(build):
        pytest.skip(f"real Caffe ({build}) is not built at {realcaffe.HOME / build}")
    caffe = realcaffe.shapes(caffe_text(row), build)
    assert caffe["load_ok"], caffe["error"]
    for name, expected in zip(top_names(row), row.tops):
        got = caffe["blobs"][name]
        if expected is not None:  # (None: a dimension Caffe knows only from data the test does not have)
            assert len(got) == len(expected) and all(e is None or e == g for e, g in zip(expected, got)), \
                f"top '{name}': real Caffe ({build}) {got}, the row {expected}"


# ------------------------------------------------------------------ ONNX
ONNX_ROWS = [row for row in ROWS if row.type.startswith("onnx.") and row.type != "onnx.Input"]


# onnx's shape inference keeps a ceil_mode window that starts in the end padding before MaxPool-22, whose
# text ignores it as onnxruntime does at every opset (a model of the MaxPool row at opsets 11, 17 and 19 runs
# to (1, 2, 2, 4) in onnxruntime 1.32, which warns that inference said (1, 2, 3, 4)): checked at 22.
INFERENCE_OPSET = {"onnx.MaxPool": 22}
# Operators the default opset no longer has: their rows are built (and inferred) at an opset that has them.
ROW_OPSET = {"onnx.Upsample": 9}


# Operators whose outputs a subgraph computes: scnn-tools leaves them unknown, onnx's inference works them out.
SUBGRAPHS = {"onnx.If", "onnx.Loop", "onnx.Scan"}


# Function ops whose schema has no shape inference (onnx 1.23: GroupNormalization) infer nothing: their
# rows are checked by running the model in onnxruntime instead.
@pytest.mark.parametrize("row", ONNX_ROWS, ids=lambda row: row.type)
def test_onnx_row_in_shape_inference(row):
    """Each ONNX row's tops are what onnx's own shape inference (strict) gives the one-node model."""
    from onnx import defs
    if row.type in SUBGRAPHS:
        pytest.skip("scnn-tools does not analyse subgraphs")
    model = onnxrow.model(row, INFERENCE_OPSET.get(row.type, ROW_OPSET.get(row.type)))
    node = model.graph.node[0]
    # (onnx knows no schema of another domain's operator: onnxruntime runs com.microsoft's)
    if node.domain or not defs.get_schema(node.op_type,
                                          model.opset_import[0].version).has_type_and_shape_inference_function:
        shapes = onnxrow.ran(model)
    else:
        shapes = onnxrow.inferred(model)
    outputs = [o for o in node.output if o]
    assert [tuple(shapes[o]) for o in outputs] == [tuple(t) for t in row.tops]

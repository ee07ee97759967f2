"""The fork fields the 157-file sweep found skipped (warned `unknown-field`), each read from the fork's own
source: those that change no shape, parameter or multiply-add are in the schema and no longer warned, and
give the same numbers as the layer without them; those that do are applied (rows in test_layers.py: Filter's
filter_param, ImageData's new_dim)."""

import pytest

from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.netfile.reader import read_text

CONV = ('layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" '
        "convolution_param { num_output: 4 kernel_size: 3 } }\n")
IMAGE = 'input: "data" input_dim: [1, 3, 12, 12]\n'


def result(text):
    return report(Analysis(read_text(text, "fork.prototxt"), require_image=False))


def numbers(out):
    return [(layer["name"], [o["shape"] for o in layer["outputs"]], layer["params"], layer["macc"])
            for layer in out["layers"]], out["totals"]


# (layer text with the field, the same without it): each field read from its fork's source (proto/caffe.proto
# names the file beside each).
CASES = {
    # zhaoweicai/cascade-rcnn roi_pooling_layer.cpp: pad_ratio grows each region in Forward; Reshape never reads it
    "pad_ratio": (IMAGE + CONV + 'input: "rois" input_dim: [5, 5, 1, 1]\n'
                  'layer { name: "r" type: "ROIPooling" bottom: "conv" bottom: "rois" top: "r" '
                  "roi_pooling_param { pooled_w: 2 pooled_h: 2 spatial_scale: 1 %s } }\n", "pad_ratio: 0.1"),
    # happynear/caffe-windows (ms) inner_product_layer.cpp: normalize scales the weight rows in place
    "normalize (InnerProduct)": (IMAGE + CONV + 'layer { name: "ip" type: "InnerProduct" bottom: "conv" top: "ip" '
                                 "inner_product_param { num_output: 7 %s } }\n", "normalize: true"),
    # intel/caffe data_reader.cpp: the order the database is read in
    "shuffle (Data)": ('layer { name: "d" type: "Data" top: "data" top: "label" '
                       'data_param { source: "db" batch_size: 2 %s } transform_param { crop_size: 12 } }\n' + CONV,
                       "shuffle: true"),
    # Andrew-Qibin/caffe_dss image_labelmap_data_layer.cpp: the label map divided by 255
    "normalize (ImageData)": ('layer { name: "d" type: "ImageLabelmapData" top: "data" top: "label" '
                              'image_data_param { source: "l.txt" batch_size: 1 new_height: 12 new_width: 12 %s } '
                              "}\n" + CONV, "normalize: true"),
    # yihui-he/caffe-pro util/io.cpp: bicubic picks the interpolation of a resize
    "bicubic": ('layer { name: "d" type: "ImageData" top: "data" top: "label" transform_param { crop_size: 12 } '
                'image_data_param { source: "l.txt" batch_size: 1 %s } }\n' + CONV, "bicubic: true"),
    # yihui-he/caffe-pro: with a crop, new_dim's resize comes before it and the crop decides the size
    "new_dim (cropped)": ('layer { name: "d" type: "ImageData" top: "data" top: "label" '
                          'transform_param { crop_size: 12 } image_data_param { source: "l.txt" batch_size: 1 %s } '
                          "}\n" + CONV, "new_dim: 256"),
    # zhaoweicai/cascade-rcnn: read by its DecodeBBox (a type scnn-tools does not know: unknown either way)
    "bbox_reg_param": (IMAGE + CONV + 'layer { name: "dec" type: "DecodeBBox" bottom: "conv" top: "dec" %s }\n',
                       "bbox_reg_param { bbox_mean: 0 bbox_std: 0.1 }"),
    # senlinuc/caffe_ocr: its DenseBlock (a type scnn-tools does not know)
    "denseblock_param": (IMAGE + CONV + 'layer { name: "db" type: "DenseBlock" bottom: "conv" top: "db" %s }\n',
                         "denseblock_param { numTransition: 8 initChannel: 64 growthRate: 8 use_BC: true }"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_field_that_changes_nothing_is_read_and_not_warned(name):
    text, field = CASES[name]
    with_field, without = result(text % field), result(text % "")
    assert not [w for w in with_field["warnings"] if w["code"] == "unknown-field"], with_field["warnings"]
    assert numbers(with_field) == numbers(without)


def test_channel_pruning_filters_keep_num_output_channels():
    """channel-pruning's resnet-50-cp.prototxt (yihui-he/channel-pruning temp/): pool1 (1 x 64 x 56 x 56) through
    a Filter of num_output 35 into res2a_branch2a, a 1x1 convolution of 32 outputs: 35 * 32 weights, and
    35 * 32 * 56 * 56 multiply-adds. Before, the Filter was read as BVLC's (a count of items the data keeps)."""
    text = ('input: "pool1" input_dim: [1, 64, 56, 56]\n'
            'layer { name: "f" type: "Filter" bottom: "pool1" top: "f" param { lr_mult: 0 decay_mult: 0 } '
            "filter_param { num_output: 35 } }\n"
            'layer { name: "c" type: "Convolution" bottom: "f" top: "c" '
            "convolution_param { num_output: 32 kernel_size: 1 bias_term: false } }\n")
    out = result(text)
    layers = {layer["name"]: layer for layer in out["layers"]}
    assert layers["f"]["outputs"][0]["shape"] == [1, 35, 56, 56] and layers["f"]["params"] == 0
    assert (layers["c"]["params"], layers["c"]["macc"]) == (35 * 32, 35 * 32 * 56 * 56)
    assert layers["c"]["outputs"][0]["rf"]["size"] == [1, 1]  # (the Filter keeps every position's field)
    assert not [w for w in out["warnings"] if w["code"] in ("unknown-field", "unknown-count", "unknown-by-rule")]

"""The fork layer types' fields and refusals, in small nets whose fields are worked out here by hand
(the shapes, parameters and multiply-adds of each type are rows of test_layers.py)."""

import pytest

from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_text


def analysed(text):
    result = report(Analysis(read_text(text, "fork.prototxt")))
    return {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}


def refusal(text):
    with pytest.raises(InputError) as info:
        Analysis(read_text(text, "bad.prototxt"))
    return info.value


CONV3 = ('layer { name: "conv" type: "Convolution" bottom: "data" top: "x" '
         "convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n")


def test_shuffle_channel_keeps_positions_and_refuses_groups_that_do_not_divide():
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "s" type: "ShuffleChannel" bottom: "x" top: "s" '
                         "shuffle_channel_param { group: 2 } }\n")
    assert out["s"]["rf"]["size"] == [3, 3] and out["s"]["rf"]["jump"] == [1, 1]
    e = refusal(net + 'layer { name: "s" type: "ShuffleChannel" bottom: "x" top: "s" '
                      "shuffle_channel_param { group: 3 } }\n")
    assert e.layer == "s" and "group 3 does not divide the 4 channels" in e.message


def test_axpy_reads_its_scale_at_every_position():
    # An SE block: a = global average of x, so every position of a * x + y depends on all of x (9 + 2 = 11
    # positions of the image along each axis); with the scale fed in from outside, the field is x's 3x3.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    se = analysed(net + 'layer { name: "pool" type: "Pooling" bottom: "x" top: "a" '
                        "pooling_param { pool: AVE global_pooling: true } }\n"
                        'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "x" top: "t" }\n')
    assert se["t"]["rf"]["global"] == [True, True] and se["t"]["rf"]["size"] == [11, 11]
    fed = analysed(net + 'input: "a" input_dim: [1, 4, 1, 1]\n'
                         'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "x" top: "t" }\n')
    assert fed["t"]["rf"]["global"] == [False, False] and fed["t"]["rf"]["size"] == [3, 3]
    e = refusal(net + 'input: "a" input_dim: [1, 4, 2, 1]\n'
                      'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "x" bottom: "x" top: "t" }\n')
    assert e.layer == "axpy" and "must be 1x1" in e.message


def test_the_yolo_upsample_is_nearest_and_reads_scale_only():
    # Top o reads bottom floor(o / 2): after a 3x3 convolution, feature 1 sees image 0..2 and feature 0
    # the box -1..1; jump 1/2.
    net = 'input: "data" input_dim: [1, 3, 9, 9]\n' + CONV3
    out = analysed(net + 'layer { name: "up" type: "Upsample" bottom: "x" top: "up" upsample_param { scale: 2 } }\n')
    assert out["up"]["shape"] == [1, 4, 18, 18] and out["up"]["rf"]["jump"] == [0.5, 0.5]
    assert out["up"]["rf"]["size"] == [3, 3]
    e = refusal(net + 'layer { name: "up" type: "Upsample" bottom: "x" top: "up" upsample_param { scale_h: 2 } }\n')
    assert e.layer == "up" and "scale_h belong to SegNet's unpooling" in e.message

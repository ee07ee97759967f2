"""Reading files: V0/V1/V2 and binary, upgraded as Caffe does; bad files get clear errors."""

import random

import pytest

from scnn_tools import caffe_pb2
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_bytes, read_net, read_text

from conftest import CORPUS, REFERENCE, needs_shared


def error_of(text_or_bytes):
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    with pytest.raises(InputError) as info:
        read_bytes(data, "t.prototxt")
    return info.value


@needs_shared
def test_v0_file_is_upgraded_like_caffe():
    nf = read_net(CORPUS / "BVLC__caffe@2e330581/examples/imagenet/imagenet_deploy.prototxt")
    assert nf.format == "V0"
    net = nf.net
    assert not len(net.layers) and not len(net.input)
    # 23 V0 layers, plus the Input layer made from `input`/`input_dim`.
    assert len(net.layer) == 24
    first = net.layer[0]
    assert (first.name, first.type, list(first.top)) == ("input", "Input", ["data"])
    assert list(first.input_param.shape[0].dim) == [10, 3, 227, 227]
    conv1 = net.layer[1]
    assert (conv1.name, conv1.type) == ("conv1", "Convolution")
    c = conv1.convolution_param
    assert (c.num_output, list(c.kernel_size), list(c.stride)) == (96, [11], [4])
    assert [(p.lr_mult, p.decay_mult) for p in conv1.param] == [(1, 1), (2, 0)]
    conv2 = next(layer for layer in net.layer if layer.name == "conv2")
    assert list(conv2.convolution_param.pad) == [2] and conv2.convolution_param.group == 2
    assert [layer.type for layer in net.layer[2:4]] == ["ReLU", "Pooling"]
    # Every layer keeps the line of its block.
    assert nf.layer_lines[:3] == [2, 7, 30]


def test_v0_padding_layers_are_folded_into_their_consumer():
    nf = read_text("""
input: "data" input_dim: 1 input_dim: 3 input_dim: 32 input_dim: 32
layers { layer { name: "pad1" type: "padding" pad: 2 } bottom: "data" top: "pad1" }
layers { layer { name: "conv1" type: "conv" num_output: 4 kernelsize: 5 } bottom: "pad1" top: "conv1" }
layers { layer { name: "pool1" type: "pool" pool: MAX kernelsize: 2 stride: 2 } bottom: "conv1" top: "pool1" }
""")
    assert [layer.name for layer in nf.net.layer] == ["input", "conv1", "pool1"]
    conv1 = nf.net.layer[1]
    assert list(conv1.bottom) == ["data"] and list(conv1.convolution_param.pad) == [2]
    assert nf.net.layer[2].pooling_param.kernel_size == 2
    assert nf.layer_lines == [2, 4, 5]


def test_v0_padding_into_a_layer_that_cannot_pad_is_an_error():
    e = error_of("""
input: "data"
layers { layer { name: "pad1" type: "padding" pad: 2 } bottom: "data" top: "pad1" }
layers { layer { name: "relu1" type: "relu" } bottom: "pad1" top: "r" }
""")
    assert "padding layer 'pad1' feeds 'relu1'" in e.message and e.line == 4


@needs_shared
def test_v1_file_is_upgraded_like_caffe():
    nf = read_net(CORPUS / "BVLC__caffe@a6610018/models/bvlc_alexnet/deploy.prototxt")
    assert nf.format == "V1"
    types = [layer.type for layer in nf.net.layer]
    assert types[:4] == ["Input", "Convolution", "ReLU", "LRN"] and types[-1] == "Softmax"
    conv1 = nf.net.layer[1]
    assert [(p.lr_mult, p.decay_mult) for p in conv1.param] == [(1, 1), (2, 0)]


def test_a_quoted_type_in_a_v1_block_says_what_is_wrong():
    # A V2 file whose last block is V1 (`layers`) with a V2 type string: Caffe refuses it, and the error said
    # only which 40 V1 names were expected.
    with pytest.raises(InputError) as e:
        read_text('layer { name: "r" type: "ReLU" bottom: "x" top: "r" }\n'
                  'layers { name: "prob" type: "Softmax" bottom: "r" top: "prob" }\n', "mixed.prototxt")
    assert (e.value.line, e.value.col) == (2, 29)
    assert "names its type in capitals without quotes" in e.value.message and "ABSVAL" not in e.value.message


def test_v1_data_transformation_fields_move_to_transform_param():
    nf = read_text("""
layers { name: "d" type: DATA top: "data" top: "label"
         data_param { source: "db" batch_size: 8 crop_size: 227 mirror: true mean_file: "m.binaryproto" } }
layers { name: "r" type: RELU bottom: "data" top: "data" blobs_lr: 3 param: "shared" }
""")
    d = nf.net.layer[0]
    assert d.type == "Data" and d.data_param.batch_size == 8
    assert not d.data_param.HasField("crop_size")
    assert (d.transform_param.crop_size, d.transform_param.mirror, d.transform_param.mean_file) == \
        (227, True, "m.binaryproto")
    assert [(p.name, p.lr_mult) for p in nf.net.layer[1].param] == [("shared", 3)]


def test_input_shape_becomes_an_input_layer_with_one_shape_per_input():
    nf = read_text('input: "a" input_shape { dim: 1 dim: 2 } input: "b" input_shape { dim: 3 }\n'
                   'layer { name: "c" type: "Concat" bottom: "a" bottom: "b" top: "c" }')
    layer = nf.net.layer[0]
    assert list(layer.top) == ["a", "b"]
    assert [list(s.dim) for s in layer.input_param.shape] == [[1, 2], [3]]


def test_input_dim_count_must_fit_the_inputs():
    e = error_of('input: "a" input_dim: 1 input_dim: 3\nlayer { name: "r" type: "ReLU" bottom: "a" top: "a" }')
    assert "need 4 input_dim values, found 2" in e.message


def test_mixing_v1_and_v2_layers_is_an_error():
    e = error_of('layer { name: "a" type: "ReLU" }\nlayers { name: "b" type: RELU }')
    assert "mixes V2 'layer' and V1 'layers'" in e.message


def test_old_batchnorm_param_specs_are_pinned_like_caffe():
    nf = read_text('layer { name: "bn" type: "BatchNorm" param { lr_mult: 1 } param { lr_mult: 1 } '
                   'param { lr_mult: 1 } }')
    assert [(p.lr_mult, p.decay_mult) for p in nf.net.layer[0].param] == [(0, 0)] * 3


@needs_shared
def test_both_bn_param_dialects_read():
    psp = read_net(CORPUS / "hszhao__PSPNet/evaluation/prototxt/pspnet101_VOC2012_473.prototxt").net
    bn = next(layer for layer in psp.layer if layer.type == "BN").bn_param
    assert bn.frozen and abs(bn.momentum - 0.95) < 1e-6 and bn.slope_filler.value == 1
    seg = read_net(CORPUS / "alexgkendall__SegNet-Tutorial/Models/segnet_inference.prototxt").net
    bn = next(layer for layer in seg.layer if layer.type == "BN").bn_param
    assert bn.bn_mode == caffe_pb2.BNParameter.INFERENCE and bn.scale_filler.value == 1


@pytest.mark.skipif(not (REFERENCE / "weights").is_dir(), reason="../shared/reference/weights is missing")
def test_binary_caffemodel_is_read_as_a_net():
    nf = read_net(REFERENCE / "weights/lenet_random.caffemodel")
    assert nf.format == "binary"
    assert [layer.name for layer in nf.net.layer][:3] == ["data", "conv1", "pool1"]


def test_unknown_field_warnings_name_the_layer_even_when_its_name_comes_later():
    nf = read_text('layer {\n  type: "ReLU"\n  relu_param { leak: 0.1 }\n  name: "relu9"\n}\n')
    (w,) = nf.warnings
    assert (w["code"], w["layer"], w["line"]) == ("unknown-field", "relu9", 3)
    assert "_context" not in w


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"  \n\t\n", "empty"),
    (b"# only a comment\n", "no layers"),
    (b'name: "n"\n', "no layers"),
])
def test_files_without_a_net(data, words):
    assert words in error_of(data).message


def test_binary_garbage_is_refused_cleanly():
    rng = random.Random(7)
    for _ in range(20):
        data = bytes(rng.randrange(256) for _ in range(600))
        e = error_of(data)
        assert e.path == "t.prototxt"


def test_comments_in_other_encodings_are_read_with_a_warning():
    # GBK comments, as real files from Chinese repositories carry them; Caffe's parser skips comments.
    data = ('name: "n"  # 网络\nlayer { name: "a" type: "Input" top: "a" input_param { shape { dim: 1 } } }'
            '\n# 注释: "quoted" and # more\n').encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    net = read_bytes(data, "t.prototxt")
    assert net.net.name == "n" and [layer.name for layer in net.net.layer] == ["a"]
    assert [(w["code"], w["line"]) for w in net.warnings] == [("non-utf8-comment", 1), ("non-utf8-comment", 3)]


def test_text_that_is_not_utf8_outside_a_comment_names_its_line():
    e = error_of('name: "n"\n# caf\xe9\nlayer { name: "caf\xe9 # x" type: "ReLU" }\n'.encode("latin-1"))
    assert "not UTF-8" in e.message and "outside a comment" in e.message and e.line == 3


@needs_shared
def test_truncated_file_names_the_end_and_what_was_expected():
    text = (CORPUS / "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt").read_text()
    cut = text[: len(text) // 2]
    e = error_of(cut)
    assert "unexpected end of file" in e.message
    assert e.line == cut.count("\n") + 1


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_net(tmp_path / "nope.prototxt")


def test_fork_v1_enum_types_are_read_as_their_v2_types_with_a_warning():
    text = """name: "deeplab-fork"
layers { name: "data" type: IMAGE_SEG_DATA top: "data" top: "label" }
layers { name: "conv1" type: CONVOLUTION bottom: "data" top: "conv1" convolution_param { num_output: 8 kernel_size: 3 } }
layers { name: "up" type: INTERP bottom: "conv1" top: "up" interp_param { zoom_factor: 2 } }
layers { name: "crop" type: CROP bottom: "up" bottom: "data" top: "crop" }
layers { name: "crf" type: SHUFFLE_CHANNEL bottom: "crop" top: "crf" }
"""
    from scnn_tools.engine.analysis import Analysis
    netfile = read_text(text, "fork-v1.prototxt")
    assert [layer.type for layer in netfile.net.layer] == ["ImageSegData", "Convolution", "Interp", "Crop",
                                                          "ShuffleChannel"]
    legacy = [w for w in netfile.warnings if w["code"] == "unknown-legacy-type"]
    assert [(w["layer"], w["line"]) for w in legacy] == [("data", 2), ("up", 4), ("crop", 5), ("crf", 6)]
    a = Analysis(netfile, named={"data": [1, 3, 64, 64], "label": [1, 1, 64, 64]})
    assert a.shapes.blobs[a.graph.blob("up").id] == [1, 8, 123, 123]   # Interp's zoom rule, not a pass-through
    assert a.shapes.blobs[a.graph.blob("crop").id] == [1, 8, 64, 64]


def test_crf_as_rnn_v1_files_keep_their_meanfield_parameters():
    # torrvision/crfasrnn's V1 files (matlab-scripts/TVG_CRFRNN_COCO_VOC.prototxt) give the CRF its
    # multi_stage_meanfield_param inside `layers`; skipped, the default single iteration was refused
    # ("num_iterations must be greater than 1") although the file says 10.
    text = """input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layers { name: "score" type: CONVOLUTION bottom: "data" top: "score" convolution_param { num_output: 4 kernel_size: 1 } }
layers { name: "split" type: SPLIT bottom: "score" top: "unary" top: "q0" }
layers { name: "crf" type: MULTI_STAGE_MEANFIELD bottom: "unary" bottom: "q0" bottom: "data" top: "pred"
  multi_stage_meanfield_param { num_iterations: 5 compatibility_mode: POTTS theta_alpha: 160 } }
"""
    from scnn_tools.engine.analysis import Analysis, report
    netfile = read_text(text, "crfrnn-v1.prototxt")
    assert netfile.net.layer[3].multi_stage_meanfield_param.num_iterations == 5
    assert not [w for w in netfile.warnings if w["code"] == "unknown-field"]
    crf = next(layer for layer in report(Analysis(netfile))["layers"] if layer["name"] == "crf")
    # Three C x C by C x (H * W) products an iteration (meanfield_iteration.cpp), 5 iterations, C = 4.
    assert crf["macc"] == 5 * 3 * 4 * 4 * 8 * 8


def test_an_input_without_shape_that_a_layer_writes_is_dropped_as_caffe_drops_it():
    # cvjena/cnn-models' AlexNet_cvgj/deploy.prototxt: a bare `input: "data"` above an Input layer writing
    # "data". Caffe's UpgradeNetInput strips an input without input_dim or input_shape; made into a second
    # Input layer, it was refused as "layer 'input' writes blob 'data', which layer 'input' already wrote".
    text = """input: "data"
layer { name: "input" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 } }
"""
    from scnn_tools.engine.analysis import Analysis
    netfile = read_text(text, "bare-input.prototxt")
    assert [layer.type for layer in netfile.net.layer] == ["Input", "Convolution"]
    a = Analysis(netfile)
    assert a.shapes.blobs[a.graph.blob("conv").id] == [2, 4, 6, 6]
    # Where nothing writes it, the bare input stays an input of unknown shape that --input-shape fills.
    alone = read_text('input: "data"\n' + text.splitlines()[2] + "\n", "bare-alone.prototxt")
    assert [layer.type for layer in alone.net.layer] == ["Input", "Convolution"]


def test_fork_v0_type_names_are_read_with_a_warning():
    text = """input: "data" input_dim: 1 input_dim: 3 input_dim: 32 input_dim: 32
layers { layer { name: "conv1" type: "conv" num_output: 8 kernelsize: 3 } bottom: "data" top: "conv1" }
layers { layer { name: "fc" type: "inner_product" num_output: 10 } bottom: "conv1" top: "fc" }
layers { layer { name: "odd" type: "my_fancy_layer" } bottom: "fc" top: "odd" }
"""
    netfile = read_text(text, "fork-v0.prototxt")
    assert [layer.type for layer in netfile.net.layer] == ["Input", "Convolution", "InnerProduct", "MyFancyLayer"]
    assert netfile.net.layer[2].inner_product_param.num_output == 10
    assert {w["layer"] for w in netfile.warnings if w["code"] == "unknown-legacy-type"} == {"fc", "odd"}

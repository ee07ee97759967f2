"""The layer graph: phases as Caffe applies them, versioned in-place blobs, and errors naming layers."""

import pytest

from scnn_tools.errors import InputError
from scnn_tools.net.graph import build
from scnn_tools.netfile.reader import read_net, read_text

import realcaffe
from conftest import CORPUS, needs_shared

CHAIN = """
input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8
layer { name: "conv" type: "Convolution" bottom: "data" top: "x" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "bn" type: "BN" bottom: "x" top: "x" }
layer { name: "relu" type: "ReLU" bottom: "x" top: "x" }
layer { name: "pool" type: "Pooling" bottom: "x" top: "y" pooling_param { kernel_size: 2 stride: 2 } }
layer { name: "sum" type: "Eltwise" bottom: "y" bottom: "y" top: "z" }
"""


def graph(text, **kw):
    return build(read_text(text, "t.prototxt"), **kw)


def error(text, **kw):
    with pytest.raises(InputError) as info:
        graph(text, **kw)
    return info.value


def test_in_place_layers_make_a_chain_of_blob_versions():
    g = graph(CHAIN)
    x = [b for b in g.blobs if b.name == "x"]
    assert [b.version for b in x] == [0, 1, 2]
    assert [g.nodes[b.producer].name for b in x] == ["conv", "bn", "relu"]
    assert [[g.nodes[i].name for i in b.consumers] for b in x] == [["bn"], ["relu"], ["pool"]]
    pool = g.nodes[4]
    assert pool.bottoms == [x[2].id]
    assert g.nodes[5].bottoms == [g.blob("y").id] * 2
    assert [n.in_place for n in g.nodes] == [False, False, True, True, False, False]
    assert g.blob("x") is x[2]
    (inp,) = g.inputs
    assert (g.blobs[inp.blob].name, inp.shape, inp.complete) == ("data", [1, 3, 8, 8], True)


def test_a_bottom_nobody_produces_names_the_layer():
    e = error(CHAIN + 'layer { name: "bad" type: "ReLU" bottom: "ghost" top: "g" }')
    assert e.layer == "bad" and "reads blob 'ghost', which no layer produces" in e.message
    assert e.line == 8


def test_a_blob_written_twice_names_both_layers():
    e = error(CHAIN + 'layer { name: "again" type: "Pooling" bottom: "z" top: "y" }')
    assert e.layer == "again" and "writes blob 'y', which layer 'pool' already wrote" in e.message


def test_in_place_needs_the_same_position():
    e = error(CHAIN + 'layer { name: "swap" type: "Eltwise" bottom: "z" bottom: "y" top: "y" }')
    assert "writes blob 'y'" in e.message


def test_a_cycle_is_named_layer_by_layer():
    e = error('input: "d" input_dim: [1, 1, 4, 4]\n'
              'layer { name: "A" type: "Eltwise" bottom: "d" bottom: "b" top: "a" }\n'
              'layer { name: "B" type: "ReLU" bottom: "a" top: "a" }\n'
              'layer { name: "C" type: "Power" bottom: "a" top: "b" }\n')
    assert e.layer == "A" and e.line == 2
    assert "cycle: 'A' → 'C' → 'A'" in e.message


def test_reading_a_blob_before_it_is_written_is_not_called_a_cycle():
    e = error('input: "d" input_dim: [1, 1, 4, 4]\n'
              'layer { name: "A" type: "ReLU" bottom: "late" top: "a" }\n'
              'layer { name: "B" type: "ReLU" bottom: "d" top: "late" }\n')
    assert "before layer 'B' (line 3) writes it" in e.message


def test_a_fragment_reports_free_inputs_instead_of_failing():
    g = graph('layer { name: "r" type: "ReLU" bottom: "conv5_5" top: "r" }\n'
              'layer { name: "s" type: "Eltwise" bottom: "r" bottom: "other" top: "s" }\n')
    assert g.is_fragment
    assert [(g.blobs[i.blob].name, i.shape, i.layer) for i in g.inputs] == [("conv5_5", None, None),
                                                                          ("other", None, None)]


def test_named_free_inputs_are_allowed_in_a_net_with_inputs():
    g = graph(CHAIN + 'layer { name: "extra" type: "Eltwise" bottom: "z" bottom: "side" top: "w" }',
              free_inputs=["side"])
    assert [g.blobs[i.blob].name for i in g.inputs] == ["data", "side"]


PHASED = """
layer { name: "train_data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
        data_param { batch_size: 64 } transform_param { crop_size: 28 } }
layer { name: "test_data" type: "Data" top: "data" top: "label" include { phase: TEST }
        data_param { batch_size: 100 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" }
layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "label" top: "acc" include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" exclude { phase: TEST } }
layer { name: "deep" type: "ReLU" bottom: "ip" top: "deep" include { min_level: 2 } }
layer { name: "staged" type: "ReLU" bottom: "ip" top: "st" include { stage: "deploy" } }
layer { name: "unstaged" type: "ReLU" bottom: "ip" top: "un" include { not_stage: "deploy" } }
"""


def test_phase_rules_as_caffe_applies_them():
    test = graph(PHASED)
    assert [n.name for n in test.nodes] == ["test_data", "ip", "acc", "unstaged"]
    assert test.excluded == 4
    train = graph(PHASED, phase="TRAIN")
    assert [n.name for n in train.nodes] == ["train_data", "ip", "loss", "unstaged"]
    data, label = train.inputs
    assert (data.shape, data.complete, label.shape) == ([64, None, 28, 28], False, [64])
    assert "database" in data.note


def test_include_and_exclude_together_is_an_error():
    e = error('layer { name: "x" type: "Input" top: "a" include { phase: TEST } exclude { phase: TRAIN } }')
    assert e.layer == "x" and "both include and exclude" in e.message


def test_unknown_layer_type_is_a_warning_and_a_missing_type_an_error():
    g = graph(CHAIN + 'layer { name: "odd" type: "FancyNorm" bottom: "z" top: "z" }')
    (w,) = g.warnings
    assert (w["code"], w["layer"], w["line"]) == ("unknown-layer-type", "odd", 8)
    assert "FancyNorm" in w["message"]
    e = error(CHAIN + 'layer { name: "typeless" bottom: "z" top: "q" }')
    assert e.layer == "typeless" and "no type" in e.message


SHARED = 'input: "data" input_shape { dim: 1 dim: 2 dim: 6 dim: 6 }\n' + """
layer { name: "a" type: "Convolution" bottom: "data" top: "x" convolution_param { num_output: 2 kernel_size: 1 } }
layer { name: "%s" type: "ReLU" bottom: "x" top: "y" }
layer { name: "%s" type: "Crop" bottom: "y" bottom: "data" top: "z" }
layer { name: "%s" type: "Crop" bottom: "z" bottom: "data" top: "w" }
"""


@pytest.mark.parametrize("names, warned", [(("r", "c", "c"), False), (("c", "c", "c"), False),
                                           (("a", "c", "d"), True), (("a", "a", "a"), True)])
def test_a_shared_layer_name_is_said_once_and_only_where_weights_can_go_astray(names, warned):
    """Caffe's CopyTrainedLayersFrom gives each stored layer's blobs to the first layer of its name and
    CHECKs their count: names shared among layers that learn nothing load as well as unique ones (real
    Caffe loads its own snapshot of the net), a name a convolution shares does not."""
    text = SHARED % names
    said = [w for w in graph(text).warnings if w["code"] == "duplicate-layer-name"]
    assert len(said) == warned
    if warned:
        count = names.count("a") + 1
        assert said[0]["layer"] == "a" and f"used by {count} layers (lines 3, " in said[0]["message"]
    realcaffe.needs()
    snapshot = realcaffe.forward(text, ["w"])
    assert "error" not in snapshot, snapshot["error"]
    loaded = realcaffe.loads(text, snapshot["weights"])
    assert loaded["load_ok"] != warned, loaded["error"]
    if warned:
        assert "Incompatible number of blobs for layer a" in loaded["error"]


def test_unknown_phase_is_refused():
    with pytest.raises(InputError, match="unknown phase"):
        graph(CHAIN, phase="DEPLOY")


@needs_shared
def test_python_data_layers_are_inputs_of_unknown_shape():
    g = build(read_net(CORPUS / "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/val.prototxt"))
    (data, label) = g.inputs
    # voc_layers.py reshapes to one image of 3 channels; its size is the image's.
    assert g.nodes[data.layer].type == "Python" and data.shape == [1, 3, None, None] and not data.complete
    assert g.blobs[label.blob].name == "label"


def test_stages_select_layers_and_free_inputs_say_why_they_are_free():
    text = ('layer { name: "d" type: "Input" top: "data" include { phase: TEST stage: "deploy" } '
            'input_param { shape { dim: 1 } } }\n'
            'layer { name: "r" type: "ReLU" bottom: "data" top: "r" }\n')
    g = graph(text)
    (free,) = g.inputs
    assert free.layer is None and "phase rules exclude (line 1)" in free.note
    g = graph(text, stages=["deploy"])
    (declared,) = g.inputs
    assert g.nodes[declared.layer].name == "d" and declared.shape == [1]


TRAIN_ONLY = """name: "t"
layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
        transform_param { crop_size: 8 } data_param { source: "train_lmdb" batch_size: 4 } }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 kernel_size: 3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "c" bottom: "label" top: "loss" }
"""


def test_a_file_whose_data_layers_are_all_in_train_is_read_in_train():
    g = graph(TRAIN_ONLY)
    assert g.phase == "TRAIN" and [n.name for n in g.nodes] == ["data", "c", "loss"]
    assert [w["code"] for w in g.warnings] == ["train-only"] and "--phase TEST" in g.warnings[0]["message"]
    # Asked for TEST, the file's test net is what the user gets: its data is missing, and said to be.
    test = graph(TRAIN_ONLY, phase="TEST")
    assert test.phase == "TEST" and all("phase rules exclude" in i.note for i in test.inputs)
    # A file with data for both phases is read in TEST, without a word.
    both = TRAIN_ONLY.replace('include { phase: TRAIN }', '')
    assert graph(both).phase == "TEST" and not graph(both).warnings

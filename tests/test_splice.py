"""Splicing an SCNN block into a host: sized by the engine, text-preserving, checked, and refusing clearly."""

import pytest

from scnn_tools import __version__
from scnn_tools.engine.analysis import Analysis
from scnn_tools.builders.backbone import backbone
from scnn_tools.errors import InputError, Said
from scnn_tools.netfile.reader import read_net, read_text
from scnn_tools.builders.splicing import splice

from conftest import CORPUS, REFERENCE, corpus_file, run_cli

HOST = REFERENCE / "scnn/resnet101.prototxt"
pytestmark = pytest.mark.skipif(not HOST.is_file(), reason="../shared/reference/scnn is missing")


def test_splicing_the_original_host_gives_the_original_result():
    text, summary, _ = splice(HOST, "conv5_5")
    assert read_text(text).net == read_net(REFERENCE / "scnn/resnet101_SCNN.prototxt").net
    assert "after 'conv5_5/relu'" in summary and "1 bottom rewired" in summary


def test_everything_else_in_the_host_stays_byte_for_byte():
    host = HOST.read_text().splitlines(keepends=True)
    text = splice(HOST, "conv5_5")[0].splitlines(keepends=True)
    # The block, marked by a comment line before and after it.
    start = text.index("# SCNN block written by scnn-tools %s (splice --at conv5_5): from here\n" % __version__)
    end = text.index("# end of the SCNN block (scnn-tools splice --at conv5_5)\n") + 1
    assert text[start + 1] == "layer {\n" and text[start + 2] == '  name: "Slice1"\n' and text[end - 2] == "}\n"
    assert len(text) - (end - start) == len(host)
    outside = text[:start] + text[end:]
    changed = [(a, b) for a, b in zip(host, outside) if a != b]
    # The one bottom that now reads the block; comments, spacing and order untouched.
    assert changed == [('  bottom: "conv5_5"\n', '  bottom: "SCNN"\n')]
    assert host[start - 1] == "}\n"


def test_a_crlf_host_gets_a_crlf_block(tmp_path):
    host = tmp_path / "crlf.prototxt"
    host.write_bytes(HOST.read_bytes().replace(b"\n", b"\r\n"))
    text = splice(host, "conv5_5")[0]
    assert "\n" not in text.replace("\r\n", "")
    assert read_text(text).net == read_text(splice(HOST, "conv5_5")[0]).net


def test_reduce_to_follows_the_hosts_convention():
    text, summary, _ = splice(HOST, "conv5_5", reduce_to=32, prefix="lane_")
    analysis = Analysis(read_text(text))
    by_name = {n.name: n for n in analysis.graph.nodes}
    assert [by_name[n].type for n in ("lane_SCNN_reduce", "lane_SCNN_reduce/bn", "lane_SCNN_reduce/relu")] == \
        ["Convolution", "BN", "ReLU"]  # conv5_5 is followed by PSPNet's BN and a ReLU
    assert by_name["lane_SCNN_reduce"].param.param[0].lr_mult == 10  # the host's learning rate there
    assert analysis.shapes.blobs[analysis.graph.blob("lane_SCNN").id] == [1, 32, 46, 46]
    # conv6 reads 32 channels, not 128: renamed, so that the host's weights skip it instead of aborting.
    assert "conv6" not in by_name and list(by_name["conv6_scnn"].param.bottom) == ["lane_SCNN"]
    assert "reduced 128 -> 32 channels first" in summary
    # It trains: an explicit filler (Caffe's default is constant 0, dead after the ReLU), and no bias
    # of its own where the host's convolution has none (PSPNet: BN after it).
    conv = by_name["lane_SCNN_reduce"].param.convolution_param
    assert conv.weight_filler.type == "msra" and not conv.bias_term


def test_reduce_to_adds_an_activation_where_the_host_has_none():
    text, summary, _ = splice(CORPUS / "TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt", "prelu5_1_4",
                              reduce_to=8)
    analysis = Analysis(read_text(text))
    by_name = {n.name: n for n in analysis.graph.nodes}
    assert by_name["SCNN_reduce/relu"].type == "ReLU" and "added a ReLU" in summary
    conv = by_name["SCNN_reduce"].param.convolution_param
    assert conv.weight_filler.type == "msra" and conv.bias_term and conv.bias_filler.type == "constant"


def test_reduce_to_renames_every_layer_whose_weights_change():
    host = CORPUS / "rbgirshick__py-faster-rcnn/models/pascal_voc/VGG16/faster_rcnn_end2end/test.prototxt"
    text, summary, warnings = splice(host, "conv5_3", reduce_to=128)
    # fc6 reads 128 x 7 x 7 pooled features instead of 512 x 7 x 7; the RPN's 3x3 reads 128 channels. The
    # file has fc6 without a filler (Caffe's default constant 0) and rpn_conv/3x3 with a gaussian one.
    assert warnings == [
        "renamed 'rpn_conv/3x3' -> 'rpn_conv/3x3_scnn' (its parameter shapes change: 512x512x3x3, 512 -> "
        "512x128x3x3, 512; it starts from its weight_filler (gaussian))",
        "renamed 'fc6' -> 'fc6_scnn' (its parameter shapes change: 4096x25088, 4096 -> 4096x6272, 4096; it starts "
        "from zeros: it has no weight_filler and Caffe's default is constant 0; give it one (msra) for it to train)"]
    assert summary.endswith("; 2 layers whose parameters change shape renamed with '_scnn'")
    # Only the two names change besides the rewired bottoms: fc6 still writes "fc6", and the rest stays.
    host_lines = host.read_text().splitlines(keepends=True)
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("# SCNN block"))
    end = next(i for i, line in enumerate(lines) if line.startswith("# end of the SCNN block")) + 1
    outside = lines[:start] + lines[end:]
    assert len(outside) == len(host_lines)
    assert sorted((a, b) for a, b in zip(host_lines, outside) if a != b) == sorted([
        ('  bottom: "conv5_3"\n', '  bottom: "SCNN"\n'), ('  bottom: "conv5_3"\n', '  bottom: "SCNN"\n'),
        ('  name: "rpn_conv/3x3"\n', '  name: "rpn_conv/3x3_scnn"\n'), ('  name: "fc6"\n', '  name: "fc6_scnn"\n')])


def test_without_reduce_to_nothing_is_renamed():
    text, summary, warnings = splice(HOST, "conv5_5")
    assert "_scnn" not in text and "renamed" not in summary and not warnings
    assert [str(Said(w)) for w in splice(HOST, "conv5_5", rename_suffix="_x")[2]] == [
        "rename_suffix does nothing without reduce_to: only a reduction changes the shapes of the host's parameters"]


def test_rename_suffix_is_chosen_and_checked():
    host = CORPUS / "ry__tensorflow-vgg16/VGG_2014_16.prototxt"
    text, summary, warnings = splice(host, "conv5_3", reduce_to=64, rename_suffix="-r64")
    assert 'name: "fc6-r64"' in text and "renamed with '-r64'" in summary and "'fc6' -> 'fc6-r64'" in warnings[0]
    for bad in ("", " ", "_a b", "/x", 'a"b', "a\\b", "é", "\t"):
        with pytest.raises(InputError, match=r"^rename_suffix must be one or more letters, digits and _ \. \+ - "):
            splice(host, "conv5_3", reduce_to=64, rename_suffix=bad)


def test_reduce_to_that_breaks_a_residual_sum_is_refused():
    with pytest.raises(InputError, match=r"with reduce_to=8 the net no longer builds: layer 'eltwise5_1_4'"):
        splice(CORPUS / "TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt", "eltwise5_0_4", reduce_to=8)


def test_two_blocks_with_prefixes(tmp_path):
    first, *_ = splice(HOST, "conv5_5", prefix="a_")
    path = tmp_path / "one.prototxt"
    path.write_text(first)
    second, *_ = splice(path, "a_SCNN", prefix="b_")
    analysis = Analysis(read_text(second))
    assert list(next(n for n in analysis.graph.nodes if n.name == "conv6").param.bottom) == ["b_SCNN"]
    assert not analysis.warnings


@pytest.mark.parametrize("args, words", [
    (dict(at="fc9"), "the host has no blob 'fc9'"),
    (dict(at="conv6_interp", kernel_width=4), "^kernel_width must be odd"),
    (dict(at="conv5_5", reduce_to=0), "^reduce_to must be a number of channels from 1 to 65,536 \\(got 0\\)"),
    (dict(at="conv5_5", reduce_to=9999999), "^reduce_to must be a number of channels .* \\(got 9999999\\)"),
    (dict(at="data"), "blob 'data' is an input of the net"),
    (dict(at="conv6_interp", prefix="a b"), "^prefix must be"),
])
def test_refusals(args, words):
    with pytest.raises(InputError, match=words):
        splice(HOST, **args)


@pytest.mark.parametrize("host, at, words", [
    ("alexgkendall__SegNet-Tutorial/Models/segnet_inference.prototxt", "pool5_mask",
     "blob 'pool5_mask' of layer 'pool5' \\(Pooling\\) holds the positions of its maxima"),
    ("alexgkendall__SegNet-Tutorial/Models/segnet_basic_train.prototxt", "label",
     "blob 'label' comes from data layer 'data' \\(DenseImageData\\)"),
    ("alexgkendall__SegNet-Tutorial/Models/segnet_basic_train.prototxt", "data", "blob 'data' is the net's image"),
    ("BVLC__caffe/models/bvlc_googlenet/deploy.prototxt", "pool5/7x7_s1", "is a 1x1 map: there is nothing"),
])
def test_splice_only_at_feature_maps(host, at, words):
    with pytest.raises(InputError, match=words):
        splice(CORPUS / host, at, image_shape=[1, 3, 360, 480] if "SegNet" in host else None)


def test_refusals_that_need_other_hosts(tmp_path):
    with pytest.raises(InputError, match="would collide with the host's .*choose a prefix"):
        splice(REFERENCE / "scnn/resnet101_SCNN.prototxt", "conv5_5")
    with pytest.raises(InputError, match=r"blob 'fc6' has shape \(10, 4096\)"):
        splice(CORPUS / "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt", "fc6")
    with pytest.raises(InputError, match="input 'data' is not fully declared"):
        splice(CORPUS / "BVLC__caffe/examples/mnist/lenet_train_test.prototxt", "conv1")
    with pytest.raises(InputError, match="this one is V1"):
        splice(CORPUS / "BVLC__caffe@a6610018/models/bvlc_alexnet/deploy.prototxt", "conv5")


def test_splice_command(tmp_path):
    out = tmp_path / "spliced.prototxt"
    code, stdout, err = run_cli("splice", HOST, "--at", "conv5_5", "-o", out)
    assert code == 0 and "spliced after 'conv5_5/relu'" in stdout
    assert read_text(out.read_text()).net == read_net(REFERENCE / "scnn/resnet101_SCNN.prototxt").net
    code, _, err = run_cli("splice", out, "--at", "conv5_5", "--prefix", "z_", "-o", out)
    assert code == 2 and "refusing to write over the input file" in err


@pytest.mark.parametrize("depth, size, feature", [(50, 473, 60), (101, 361, 46), (152, 193, 25)])
def test_backbones(depth, size, feature):
    analysis = Analysis(read_text(backbone(depth, size)))
    assert analysis.shapes.blobs[analysis.graph.blob("conv5_5").id] == [1, 128, feature, feature]
    convs = [n for n in analysis.graph.nodes if n.type == "Convolution" and not n.name.endswith("_proj")]
    units = len(convs) - 3 - 3  # less the stem's three and the head's three
    assert units + 2 == depth  # as ResNet counts: 3 per unit, conv1 and the classifier


def test_backbone_refusals():
    with pytest.raises(InputError, match="^size must be 8n \\+ 1"):
        backbone(101, 360)
    with pytest.raises(InputError, match="^depth must be one of 50, 101, 152"):
        backbone(34, 361)


# ------------------------------------------------------------- phases
def phase_host(train_size=32, test_size=32):
    def data(size, phase):
        return (f'layer {{ name: "data_{phase.lower()}" type: "Input" top: "data" '
                f'input_param {{ shape {{ dim: {2 if phase == "TRAIN" else 1} dim: 3 dim: {size} dim: {size} }} }} '
                f'include {{ phase: {phase} }} }}\n')
    return (data(train_size, "TRAIN") + data(test_size, "TEST") +
            'layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" '
            'convolution_param { num_output: 8 kernel_size: 3 pad: 1 weight_filler { type: "msra" } } }\n'
            'layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2" '
            'convolution_param { num_output: 16 kernel_size: 3 pad: 1 weight_filler { type: "msra" } } }\n'
            'layer { name: "bn_train" type: "BatchNorm" bottom: "conv2" top: "conv2" '
            'batch_norm_param { use_global_stats: false } include { phase: TRAIN } }\n'
            'layer { name: "bn_test" type: "BatchNorm" bottom: "conv2" top: "conv2" '
            'batch_norm_param { use_global_stats: true } include { phase: TEST } }\n'
            'layer { name: "score" type: "Convolution" bottom: "conv2" top: "score" '
            'convolution_param { num_output: 5 kernel_size: 1 } }\n'
            'layer { name: "prob" type: "Softmax" bottom: "score" top: "prob" include { phase: TEST } }\n')


def swapped(text):
    """The TRAIN net for a Caffe asked for TEST: every phase rule turned round, by text alone."""
    return text.replace("phase: TRAIN", "phase: @").replace("phase: TEST", "phase: TRAIN").replace("phase: @",
                                                                                                   "phase: TEST")


@pytest.mark.parametrize("phase", ["TRAIN", "TEST"])
def test_splice_into_a_net_with_phases_fits_every_phase(tmp_path, phase):
    host = tmp_path / "bn.prototxt"
    host.write_text(phase_host())
    text, summary, _ = splice(host, "conv2", phase=phase)
    # After the last writer in any phase (bn_test), whichever phase was asked for; bn_test untouched.
    assert text.index('bottom: "conv2"\n', text.index('name: "bn_test"')) < text.index('top: "SCNN"')
    assert 'name: "bn_test" type: "BatchNorm" bottom: "conv2" top: "conv2"' in text
    assert 'name: "score" type: "Convolution" bottom: "SCNN"' in text
    assert "checked in phases TEST and TRAIN" in summary
    for p, batch in (("TRAIN", 2), ("TEST", 1)):
        analysis = Analysis(read_text(text), p)
        assert analysis.shapes.blobs[analysis.graph.blob("SCNN").id] == [batch, 16, 32, 32], p
        score = next(n for n in analysis.graph.nodes if n.name == "score")
        assert analysis.graph.blobs[score.bottoms[0]].name == "SCNN", p


def test_splice_into_phases_builds_in_real_caffe(tmp_path):
    import realcaffe
    if not realcaffe.available():
        pytest.skip("real Caffe (bvlc) is not built: run ../shared/tools/caffe/build.sh")
    host = tmp_path / "bn.prototxt"
    host.write_text(phase_host())
    text, *_ = splice(host, "conv2", phase="TRAIN")
    for net, batch in ((text, 1), (swapped(text), 2)):
        result = realcaffe.shapes(net)
        assert result["load_ok"], result["error"]
        assert result["blobs"]["SCNN"] == [batch, 16, 32, 32] and result["blobs"]["score"] == [batch, 5, 32, 32]


def test_phases_that_disagree_on_the_map_are_refused(tmp_path):
    host = tmp_path / "bn.prototxt"
    host.write_text(phase_host(train_size=32, test_size=48))
    with pytest.raises(InputError, match=r"blob 'conv2' is \(1, 16, 48, 48\) in TEST and \(2, 16, 32, 32\) in TRAIN"):
        splice(host, "conv2")


# ------------------------------------------------------------- the host's weights after --reduce-to
def weights_host():
    """A train/val host with phases: conv2 is read by `score` (sharing its bias with `side`, which reads
    conv1), by `fc` and, in TRAIN only, by `aux`, whose parameter shapes --reduce-to changes."""
    return phase_host().split('layer { name: "score"')[0] + (
        'layer { name: "side" type: "Convolution" bottom: "conv1" top: "side" param { name: "side_w" } '
        'param { name: "shared_b" } convolution_param { num_output: 5 kernel_size: 1 } }\n'
        'layer { name: "score" type: "Convolution" bottom: "conv2" top: "score" param { name: "score_w" } '
        'param { name: "shared_b" } convolution_param { num_output: 5 kernel_size: 1 '
        'weight_filler { type: "constant" value: 0.5 } } }\n'
        'layer { name: "sum" type: "Eltwise" bottom: "side" bottom: "score" top: "sum" }\n'
        'layer { name: "fc" type: "InnerProduct" bottom: "conv2" top: "fc" inner_product_param { num_output: 3 } }\n'
        'layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" include { phase: TEST } }\n'
        'layer { name: "aux" type: "Convolution" bottom: "conv2" top: "aux" include { phase: TRAIN } '
        'convolution_param { num_output: 2 kernel_size: 1 weight_filler { type: "xavier" } } }\n')


def test_reduce_to_renames_and_says_how_each_starts(tmp_path):
    host = tmp_path / "host.prototxt"
    host.write_text(weights_host())
    text, summary, warnings = splice(host, "conv2", reduce_to=4)
    # score: 5x16x1x1 -> 5x4x1x1; fc: 3 x (16*32*32) -> 3 x (4*32*32). Their biases keep their shapes.
    assert warnings == [
        "renamed 'score' -> 'score_scnn' (its parameter shapes change: 5x16x1x1, 5 -> 5x4x1x1, 5; it starts from "
        "its weight_filler (constant); its parameter 'shared_b' is shared with 'side', which keeps its name: that "
        "one loads from the host's weights)",
        "renamed 'fc' -> 'fc_scnn' (its parameter shapes change: 3x16384, 3 -> 3x4096, 3; it starts from zeros: it "
        "has no weight_filler and Caffe's default is constant 0; give it one (msra) for it to train)",
        # (a layer of the other phase too)
        "renamed 'aux' -> 'aux_scnn' (its parameter shapes change: 2x16x1x1, 2 -> 2x4x1x1, 2; it starts from its "
        "weight_filler (xavier))"]
    assert "3 layers whose parameters change shape renamed with '_scnn'" in summary
    assert "checked in phases TEST and TRAIN" in summary


def test_a_renamed_layer_sharing_a_changed_parameter_with_a_kept_one_is_refused(tmp_path):
    host = tmp_path / "host.prototxt"
    # side and score share their weights too: score's would become 5x4x1x1 and side's stay 5x8x1x1.
    host.write_text(weights_host().replace('name: "score_w"', 'name: "side_w"').replace(
        'num_output: 8 kernel_size: 3', 'num_output: 16 kernel_size: 3'))
    with pytest.raises(InputError, match="layer 'score' shares its parameter 'side_w' with layer 'side', whose "
                                         "parameters keep their shapes.*Caffe refuses to share") as e:
        splice(host, "conv2", reduce_to=4)
    assert (e.value.path, e.value.line) == (str(host), 8)  # the host's line, one a layer: not the spliced file's


@pytest.mark.parametrize("extra, words", [
    # A layer of the new name already: refused, never two layers of one name.
    ('layer { name: "fc_scnn" type: "ReLU" bottom: "fc" top: "fc" }\n',
     "layer 'fc' changes parameter shapes and would be renamed 'fc_scnn', but layer 'fc_scnn' would be called "
     "that too: give another rename_suffix"),
    # The reduction's name, in a layer of no phase the splice builds (a stage's): the host's weights may hold it.
    ('layer { name: "SCNN_reduce" type: "ReLU" bottom: "fc" top: "fc" include { stage: "extra" } }\n',
     "the block's names would collide with the host's \\('SCNN_reduce'\\): choose a prefix"),
])
def test_renamed_and_new_names_that_are_taken_are_refused(tmp_path, extra, words):
    host = tmp_path / "host.prototxt"
    host.write_text(weights_host() + extra)
    with pytest.raises(InputError, match=words) as e:
        splice(host, "conv2", reduce_to=4)
    assert e.value.line == (10 if "fc_scnn" in extra else None)  # fc's line in the host, one a layer
    if "fc_scnn" in extra:
        assert 'name: "fc_x"' in splice(host, "conv2", reduce_to=4, rename_suffix="_x")[0]


def test_rename_suffix_on_the_command_line(tmp_path):
    host = tmp_path / "host.prototxt"
    host.write_text(weights_host())
    code, stdout, err = run_cli("splice", host, "--at", "conv2", "--reduce-to", "4", "--rename-suffix", "_r4",
                                "-o", tmp_path / "out.prototxt")
    assert code == 0 and "renamed with '_r4'" in stdout and "warning: renamed 'fc' -> 'fc_r4'" in err, err
    for typed in (["--rename-suffix", ""], ["--rename-suffix", "a b"], ["--rename-suffix=/x"], ["--rename-suffix", "a\"b"]):
        code, _, err = run_cli("splice", host, "--at", "conv2", "--reduce-to", "4", *typed)
        assert code == 2 and err.startswith(f"scnn-tools: error: {typed[0].split('=')[0]} must be one or more "
                                            "letters, digits and _ . + - (got "), err
        assert "Traceback" not in err


def loads_the_hosts_weights(host, spliced, renamed, build="bvlc"):
    """Real Caffe saves the host's weights and loads them into the spliced net: asserts that every layer
    the host has gets the host's values, that each renamed layer (old name -> (new name, shapes)) starts
    from its fillers in the shapes splice gave, and every layer splice added too. Returns Caffe's answer."""
    import realcaffe
    result = realcaffe.transplant(host, spliced, build)
    assert result["load_ok"], result["error"]
    layers, saved = result["layers"], result["host"]
    for old, (new, shapes) in renamed.items():
        assert old not in layers and f"{old}/0" in saved, old
        assert [b["shape"] for b in layers[new]] == shapes, new
        assert layers[new][0]["from_filler"] and not layers[new][0]["equal_to"], new
    kept = {name for name in layers if f"{name}/0" in saved}
    for name in kept:
        assert all(f"{name}/{j}" in blob["equal_to"] for j, blob in enumerate(layers[name])), name
    added = set(layers) - kept - {new for new, _ in renamed.values()}
    assert added and all(blob["from_filler"] for name in added for blob in layers[name]), added
    assert {name for name in saved_layers(saved)} - kept == set(renamed)  # every other host layer loads
    return result


def saved_layers(saved):
    return {key.rsplit("/", 1)[0] for key in saved}


@pytest.mark.parametrize("phase", ["TEST", "TRAIN"])
def test_the_hosts_weights_load_into_the_spliced_net_in_real_caffe(tmp_path, phase):
    import realcaffe
    if not realcaffe.available():
        pytest.skip("real Caffe (bvlc) is not built: run ../shared/tools/caffe/build.sh")
    host = weights_host()
    path = tmp_path / "host.prototxt"
    path.write_text(host)
    text, *_ = splice(path, "conv2", reduce_to=4)
    # Caffe builds TEST: the TRAIN net is the file with its phase rules turned round.
    as_built = (lambda t: t) if phase == "TEST" else swapped
    renamed = {"score": ("score_scnn", [[5, 4, 1, 1], [5]]), "fc": ("fc_scnn", [[3, 4 * 32 * 32], [3]])}
    if phase == "TRAIN":
        renamed["aux"] = ("aux_scnn", [[2, 4, 1, 1], [2]])
    result = loads_the_hosts_weights(as_built(host), as_built(text), renamed)
    layers = result["layers"]
    # fc_scnn has no filler: Caffe's constant 0; score_scnn's weights are its constant filler, and its bias,
    # shared with side, which keeps its name, is the host's (side's and score's: one blob in the host).
    assert all(b["zeros"] and b["from_filler"] for b in layers["fc_scnn"])
    assert layers["score_scnn"][1]["equal_to"] == ["score/1", "side/1"]
    # The phase's own BatchNorm (on conv2, before the block) is among the layers that got the host's values.
    assert {"TEST": "bn_test", "TRAIN": "bn_train"}[phase] in layers


@pytest.mark.parametrize("host, at, build, renamed", [
    # VGG16 (138M parameters, 20 s and 1.8 GB in Caffe the first time): fc6 reads 128 x 7 x 7, not 512 x 7 x 7.
    ("ry__tensorflow-vgg16/VGG_2014_16.prototxt", "conv5_3", "bvlc", {"fc6": ("fc6_scnn", [[4096, 6272], [4096]])}),
    # PSPNet-101 in its fork (PSPNet's BN layers; 68M parameters, 20 s and 1.4 GB): conv6 reads 128 channels.
    ("hszhao__PSPNet/evaluation/prototxt/pspnet101_VOC2012_473.prototxt", "conv5_4", "pspnet",
     {"conv6": ("conv6_scnn", [[21, 128, 1, 1], [21]])}),
])
def test_real_hosts_weights_load_after_reduce_to_in_real_caffe(host, at, build, renamed):
    import realcaffe
    if not realcaffe.available(build):
        pytest.skip(f"real Caffe ({build}) is not built: run ../shared/tools/caffe/build.sh")
    path = corpus_file(host)
    text, _, warnings = splice(path, at, reduce_to=128)
    assert [w.split(" (")[0] for w in warnings] == [f"renamed '{old}' -> '{new}'" for old, (new, _) in renamed.items()]
    layers = loads_the_hosts_weights(path.read_text(), text, renamed, build)["layers"]
    # VGG16's deploy file gives fc6 no filler (zeros, as its warning says); PSPNet's conv6 has msra.
    new, _ = next(iter(renamed.values()))
    assert layers[new][0]["zeros"] == ("no weight_filler" in warnings[0])

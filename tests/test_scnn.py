"""The SCNN block generator: the original's network, its faults fixed, checked before it is written."""

import math
import re
from pathlib import Path

import pytest

import scnn_tools
from scnn_tools import caffe_pb2
from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_net, read_text
from scnn_tools.builders.scnn import Spec, generate

from conftest import REFERENCE, run_cli

SCNN = REFERENCE / "scnn"

ORIGINAL_OUTPUTS = [("SCNN.prototxt", 46, 46, 128), ("SCNN_36_100_128.prototxt", 36, 100, 128),
                    ("SCNN_18_50_64.prototxt", 18, 50, 64), ("SCNN_9_25_32.prototxt", 9, 25, 32),
                    ("SCNN_5_7_16.prototxt", 5, 7, 16)]


@pytest.mark.skipif(not SCNN.is_dir(), reason="../shared/reference/scnn is missing")
@pytest.mark.parametrize("name, h, w, c", ORIGINAL_OUTPUTS)
def test_the_block_is_the_original_network_message_for_message(name, h, w, c):
    ours = read_text(generate(Spec(h, w, c, 9, "conv5_5"))).net
    original = read_net(SCNN / name).net
    assert len(ours.layer) == len(original.layer) == 6 * (h + w) - 8
    for mine, theirs in zip(ours.layer, original.layer):
        assert mine == theirs, (mine.name, theirs.name)


def test_the_text_is_clean():
    text = generate(Spec(5, 7, 16, 9, "conv5_5"))
    lines = text.splitlines()
    assert not [line for line in lines if line != line.rstrip()], "trailing spaces"
    assert not [line for line in lines if "\t" in line]
    depth = 0
    for line in lines:
        depth -= line.strip().startswith("}")
        indent = len(line) - len(line.lstrip(" "))
        assert indent == 2 * depth, line  # two spaces per open block, nothing else
        depth += line.count("{") - line.count("}") + line.strip().startswith("}")
    assert depth == 0 and text.endswith("}\n")


def analyzed(spec):
    text = generate(spec)
    analysis = Analysis(read_text(text), named={spec.bottom: [1, spec.channel, spec.height, spec.width]})
    return text, analysis, report(analysis)


@pytest.mark.parametrize("h, w", [(1, 1), (1, 6), (6, 1), (2, 2), (3, 5), (4, 4), (7, 3)])
def test_every_size_gives_a_block_whose_output_has_the_input_shape(h, w):
    spec = Spec(h, w, 8, 5, "feat")
    text, analysis, result = analyzed(spec)
    out = analysis.graph.blob("SCNN")
    assert analysis.shapes.blobs[out.id] == [1, 8, h, w]
    assert len(result["layers"]) == spec.layers()
    # (a block of more than one row and column has fields that are no products: its message passes see cones,
    # which the analysis says once, bounding the areas it does not count in 2-D; nothing else is to be said)
    said = [w for w in result["warnings"] if w["code"] != "field-not-product"]
    assert said == [] and (h > 1 and w > 1 or not result["warnings"])
    # The memory and weights it reports are what the analysis counts, independently.
    assert spec.activations() == result["totals"]["activations"]
    assert spec.params() == result["totals"]["params"]
    rf = [o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "SCNN"][-1]["rf"]
    if h > 1 and w > 1:
        assert rf["global"] == [True, True]  # every feature sees the whole map


def test_original_faults_are_refused_clearly():
    for kwargs, words in [
        ({"kernel_width": 8}, "kernel_width must be odd"),
        ({"height": 0}, "height must be an integer from 1 to 4096 (got 0)"),
        ({"channel": -3}, "channels must be an integer from 1 to 65536"),
        ({"width": 100000}, "width must be an integer from 1 to 4096"),
        ({"bottom": 'conv5"\nlayer {'}, "bottom must be a blob name"),
        ({"bottom": ""}, "bottom must be a blob name"),
        ({"prefix": "a b"}, "prefix must be letters"),
    ]:
        args = {"height": 4, "width": 4, "channel": 8, "kernel_width": 9, "bottom": "conv5_5", **kwargs}
        with pytest.raises(InputError, match=re.escape(words)):
            Spec(**args)


def test_prefixes_let_two_blocks_live_in_one_net():
    a = generate(Spec(3, 4, 8, 3, "feat", "a_"))
    b = generate(Spec(3, 4, 8, 3, "a_SCNN", "b_"))
    net = 'input: "feat" input_dim: [1, 8, 3, 4]\n' + a + b
    analysis = Analysis(read_text(net))
    names = [n.name for n in analysis.graph.nodes]
    assert len(names) == len(set(names)) and not analysis.warnings
    assert all(n.startswith(("a_", "b_", "input")) for n in names)
    weights = {p.name for n in analysis.graph.nodes for p in n.param.param}
    assert weights == {"a_SCNN_D_w", "a_SCNN_U_w", "a_SCNN_R_w", "a_SCNN_L_w",
                       "b_SCNN_D_w", "b_SCNN_U_w", "b_SCNN_R_w", "b_SCNN_L_w"}
    assert analysis.shapes.blobs[analysis.graph.blob("b_SCNN").id] == [1, 8, 3, 4]


@pytest.mark.skipif(not (REFERENCE / "weights").is_dir(), reason="../shared/reference/weights is missing")
def test_weights_trained_for_the_original_block_load_into_ours():
    trained = caffe_pb2.NetParameter.FromString((REFERENCE / "weights/scnn_5x7x16_random.caffemodel").read_bytes())
    ours = {layer.name: layer for layer in read_text(generate(Spec(5, 7, 16, 9, "conv5_5"))).net.layer}
    for layer in trained.layer:
        if not len(layer.blobs):
            continue
        mine = ours[layer.name]  # Caffe copies weights by layer name
        c = mine.convolution_param
        assert list(layer.blobs[0].shape.dim) == [c.num_output, 16, c.kernel_h, c.kernel_w]
        assert [p.name for p in mine.param] == [p.name for p in layer.param]


def test_generate_command_writes_the_file_and_says_what_it_is(tmp_path):
    out = tmp_path / "SCNN.prototxt"
    code, stdout, err = run_cli("generate", "--height", "5", "--width", "7", "--channel", "16", "--bottom",
                                "conv5_5", "--output", out)
    assert code == 0 and err == ""
    assert "64 layers, 'conv5_5' -> 'SCNN'; 9,216 shared weights" in stdout
    assert read_text(out.read_text()).net == read_text(generate(Spec(5, 7, 16, 9, "conv5_5"))).net
    code, stdout, err = run_cli("generate", "--height", "2", "--width", "2", "--channel", "4", "--output", "-")
    assert code == 0 and stdout.startswith("layer {") and "wrote standard output" in err
    code, _, err = run_cli("generate", "--kernel_width", "4", "--output", tmp_path / "x.prototxt")
    assert code == 2 and "--kernel_width must be odd" in err and not (tmp_path / "x.prototxt").exists()


def test_the_check_catches_a_broken_block(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    good = Spec.text

    def broken(spec):
        return good(spec).replace("slice_point: 2\n", "")  # one row too few for the tops
    monkeypatch.setattr(Spec, "text", broken)
    with pytest.raises(InputError, match="slice points"):
        generate(Spec(5, 7, 8, 3, "feat"))

    def misnamed(spec):
        return good(spec).replace('top: "SCNN"', 'top: "SCNN_out"')
    monkeypatch.setattr(Spec, "text", misnamed)
    with pytest.raises(AssertionError, match="does not have the input's shape"):
        generate(Spec(5, 7, 8, 3, "feat"))


def test_a_verdict_is_reused_only_for_the_same_text(tmp_path, monkeypatch):
    from scnn_tools.builders import scnn
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calls = []
    real = scnn.check_by_reading
    monkeypatch.setattr(scnn, "check_by_reading", lambda spec, text: calls.append(spec.channel) or real(spec, text))
    generate(Spec(40, 50, 8, 3, "feat"))
    generate(Spec(60, 70, 8, 3, "feat"))  # cut down to the same 4x4 text: judged already
    generate(Spec(40, 50, 16, 3, "feat"))  # another text
    assert calls == [8, 16]
    assert len(list((tmp_path / "scnn-tools" / "checked").iterdir())) == 2


def test_verdicts_go_stale_with_any_module_of_the_package_at_any_depth(tmp_path):
    from scnn_tools.builders import cache
    names = cache.code_fingerprint().decode().splitlines()
    assert any(n.startswith("net/layers/") for n in names) and any(n.startswith("builders/cache.py:") for n in names)
    assert cache.PACKAGE == Path(scnn_tools.__file__).resolve().parent
    (tmp_path / "engine" / "deep").mkdir(parents=True)
    nested = tmp_path / "engine" / "deep" / "rules.py"
    nested.write_text("A = 1\n")
    (tmp_path / "top.py").write_text("")
    before = cache.code_fingerprint(tmp_path)
    nested.write_text("A = 22\n")  # an engine change two folders down
    assert cache.code_fingerprint(tmp_path) != before


def test_the_summary_reads_as_a_person_writes_it():
    assert "1 layer," in Spec(1, 1, 3).summary()
    # The activation memory in the unit a person reads, from the elements the block's tops hold.
    spec = Spec(4, 7, 8)
    analysis = Analysis(read_text(generate(spec)), named={"conv5_4": [1, 8, 4, 7]})
    written = sum(4 * math.prod(analysis.shapes.blobs[t])
                  for node in analysis.graph.nodes for i, t in enumerate(node.tops) if not node.writes_in_place(i))
    assert written < 2 ** 20 and f"{written / 2 ** 10:.1f} KiB at float32" in spec.summary()
    assert "5.7 GiB" in Spec(1000, 1000, 128).summary()


def test_blocks_too_large_for_a_card_are_warned_about(tmp_path):
    code, out, err = run_cli("generate", "--height", "1000", "--width", "1000", "--channel", "128",
                             "--output", tmp_path / "b.prototxt")
    assert code == 0 and "warning: the block alone needs 5.7 GiB of activations" in err, err
    code, out, err = run_cli("generate", "--height", "36", "--width", "100", "--channel", "2048",
                             "--output", tmp_path / "b.prototxt")
    assert code == 0 and "576.0 MiB of weights" in err and "with --channel 128: 20.8 MiB and 2.2 MiB" in err, err
    code, out, err = run_cli("generate", "--height", "36", "--width", "100", "--channel", "128",
                             "--output", tmp_path / "b.prototxt")
    assert code == 0 and "warning" not in err


# ---------------------------------------------------------------- variants
def block(spec):
    return Analysis(read_text(generate(spec)), named={spec.bottom: [1, spec.channel, spec.height, spec.width]})


def test_vertical_passing_only():
    spec = Spec(5, 7, 4, 3, "feat", directions="DU")
    analysis = block(spec)
    types = [n.name for n in analysis.graph.nodes]
    assert not any(n.startswith(("SCNN_R", "SCNN_L", "Slice2")) for n in types)
    assert len(types) == 2 + 2 * 3 * (5 - 1)  # a slice, a concat; message, activation and sum per row and pass
    out = report(analysis)
    rf = {o["blob"]: o["rf"] for layer in out["layers"] for o in layer["outputs"]}["SCNN"]
    assert rf["global"] == [True, False]  # every feature hears every row, but only its 3-wide neighbourhood


def test_passes_run_in_the_order_asked():
    spec = Spec(4, 3, 2, 3, "feat", directions="UD")
    layers = read_text(generate(spec)).net.layer
    convs = [layer for layer in layers if layer.type == "Convolution"]
    # Up first: from the last row (slice1_4) towards the first; then down from the first updated row.
    assert (convs[0].name, list(convs[0].bottom)) == ("SCNN_U_4", ["slice1_4"])
    assert (convs[3].name, list(convs[3].bottom)) == ("SCNN_D_1", ["SCNN_U_1"])
    concat = next(layer for layer in layers if layer.type == "Concat")
    assert list(concat.bottom) == ["SCNN_U_1", "SCNN_D_2", "SCNN_D_3", "SCNN_D_4"]


def test_torch_init_bias_and_tanh():
    import math
    k, c = 9, 32
    spec = Spec(5, 6, c, k, "feat", init="torch", bias=True, activation="tanh")
    analysis = block(spec)
    convs = [n.param for n in analysis.graph.nodes if n.type == "Convolution"]
    assert all(p.convolution_param.weight_filler.std == pytest.approx(math.sqrt(2 / (k * c * c * 5)), abs=5e-6)
               for p in convs)
    assert all(p.convolution_param.bias_term and p.param[1].name == p.param[0].name[:-1] + "b" for p in convs)
    assert {n.type for n in analysis.graph.nodes if n.name.endswith("/tanh")} == {"TanH"}
    assert not any(n.type == "ReLU" for n in analysis.graph.nodes)
    # Four shared kernels, each k x C x C weights and C biases, counted once however often they are used.
    assert report(analysis)["totals"]["params"] == 4 * (k * c * c + c) == spec.params()


def test_bad_variants_name_the_option():
    for kwargs, words in ((dict(directions="DUX"), "^directions must be"), (dict(directions=""), "^directions"),
                          (dict(directions="DD"), "each at most once"), (dict(init="pytorch"), "^init must be"),
                          (dict(activation="sigmoid"), "^activation must be")):
        with pytest.raises(InputError, match=words):
            Spec(4, 4, 2, **kwargs)


def test_variant_blocks_build_in_real_caffe():
    import realcaffe
    if not realcaffe.available():
        pytest.skip("real Caffe (bvlc) is not built: run ../shared/tools/caffe/build.sh")
    spec = Spec(5, 6, 4, 3, "feat", directions="RDLU", bias=True, activation="tanh", init="torch")
    text = ('layer { name: "feat" type: "Input" top: "feat" input_param { shape { dim: 2 dim: 4 dim: 5 dim: 6 } } }\n'
            + generate(spec))
    result = realcaffe.shapes(text, forward=True)
    assert result["load_ok"] and result["forward_ok"], (result["error"], result["forward_error"])
    assert result["blobs"]["SCNN"] == [2, 4, 5, 6]

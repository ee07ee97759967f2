"""The Python API: `import scnn_tools` and what a script does with it, on real nets."""

import json
import subprocess
import sys

import numpy as np
import pytest

import scnn_tools
from conftest import CORPUS, REFERENCE, ROOT, needs_shared, run_cli

ALEXNET = CORPUS / "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt"
RESNET50 = ROOT / "examples/resnet50.prototxt"


def test_importing_the_package_imports_nothing_heavy():
    code = "import sys, scnn_tools; print(sorted(m for m in ('numpy', 'matplotlib', 'jinja2', 'onnx') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_the_documented_names_are_there_with_examples():
    for name in scnn_tools.__all__:
        item = getattr(scnn_tools, name)
        if name != "InputError":
            assert item.__doc__ and ">>>" in item.__doc__, name


@needs_shared
def test_analyze_gives_the_json_and_the_published_alexnet_numbers():
    result = scnn_tools.analyze(ALEXNET)
    out = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    # Published: AlexNet's pool5 sees 195 pixels at a stride of 32; 60,965,224 parameters
    assert out["pool5"]["rf"]["size"] == [195, 195] and out["pool5"]["rf"]["jump"] == [32, 32]
    assert result["totals"]["params"] == 60965224 and result["schema"] == "scnn-tools.analysis/1"
    assert scnn_tools.analyze(ALEXNET, input_shape=[1, 3, 227, 227])["input"]["shape"] == [1, 3, 227, 227]


def test_text_and_files_and_read_nets_are_all_nets():
    text = RESNET50.read_text()
    assert scnn_tools.analyze(scnn_tools.read_text(text))["totals"] == scnn_tools.analyze(RESNET50)["totals"] == \
        scnn_tools.analyze(scnn_tools.read(str(RESNET50)))["totals"]


def test_read_reads_files_and_read_text_reads_text(tmp_path):
    missing = tmp_path / "nope.prototxt"
    with pytest.raises(scnn_tools.InputError) as e:
        scnn_tools.read(missing)
    assert e.value.path == str(missing) and "no such file" in str(e.value)
    # Text is never taken for a path, nor a path for text: each has its own entry point.
    with pytest.raises(scnn_tools.InputError, match="no such file"):
        scnn_tools.analyze('input: "data" input_dim: [1, 3, 8, 8]')
    with pytest.raises(scnn_tools.InputError, match="read_text"):
        scnn_tools.read(RESNET50.read_bytes())
    net = scnn_tools.read_text(RESNET50.read_text(), "mine")
    assert net.source == "mine" and net.net.name == "ResNet-50"
    with pytest.raises(scnn_tools.InputError) as e:
        scnn_tools.read_text("layer {", "broken")
    assert str(e.value).startswith("broken:1:")


def test_generate_splice_and_the_block_in_the_host():
    block = scnn_tools.generate(36, 100, 128, bottom="fc7")
    assert block.count("layer {") == 808 and "bottom: \"fc7\"" in block  # the original generator's 36x100 block
    text, summary, warnings = scnn_tools.splice(ROOT / "examples/resnet101.prototxt", "conv5_5")
    assert "SCNN" in summary and text.count("SCNN_D_") > 0
    result = scnn_tools.analyze(scnn_tools.read_text(text))
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    assert shapes["SCNN"] == shapes["conv5_5"]
    with pytest.raises(scnn_tools.InputError, match="nope"):
        scnn_tools.splice(ROOT / "examples/resnet101.prototxt", "nope")


def test_splice_takes_a_net_read_from_text_and_edits_its_text():
    host = ROOT / "examples/resnet101.prototxt"
    by_path = scnn_tools.splice(host, "conv5_5", reduce_to=64)
    from_text = scnn_tools.splice(scnn_tools.read_text(host.read_text(), str(host)), "conv5_5", reduce_to=64)
    assert from_text == by_path
    assert by_path[0].startswith(host.read_text()[:by_path[0].index("# SCNN block")])  # the host's text, kept


def test_library_errors_name_the_option_and_the_command_line_its_flag(tmp_path):
    with pytest.raises(scnn_tools.InputError) as e:
        scnn_tools.generate(10, 10, 8, init="xavier")
    assert str(e.value) == "init must be caffe or torch (got 'xavier')" and e.value.option == "init"
    with pytest.raises(scnn_tools.InputError) as e:
        scnn_tools.generate(10, 10, 8, kernel_width=4)
    assert str(e.value).startswith("kernel_width must be odd") and "--" not in str(e.value)
    code, _, err = run_cli("generate", "--kernel-width", "4", "-o", tmp_path / "g.prototxt")
    assert code == 2 and err.startswith("scnn-tools: error: --kernel-width must be odd"), err
    code, _, err = run_cli("generate", "--init", "xavier", "-o", tmp_path / "g.prototxt")
    assert code == 2 and "argument --init: invalid choice: 'xavier'" in err
    with pytest.raises(scnn_tools.InputError) as e:
        scnn_tools.splice(ROOT / "examples/resnet101.prototxt", "conv5_5", reduce_to=0)
    assert str(e.value).startswith("reduce_to must be") and e.value.option == "reduce_to"
    code, _, err = run_cli("splice", "examples/resnet101.prototxt", "--at", "conv5_5", "--reduce-to", "0")
    assert code == 2 and err.startswith("scnn-tools: error: --reduce-to must be"), err


def test_profile_is_the_original_studys_resnet50():
    points = {p["blob"]: p for p in scnn_tools.profile(RESNET50)["points"]}
    # The original spatial-scale study's widths at the block ends (reference/spatial_scale), which count the
    # padding beyond the image as pixels; the exact model counts the image's 224 x 224 pixels at most.
    ends = ("res2c", "res3d", "res4f", "res5c")
    assert [round(points[b]["blog"]["width"]) for b in ends] == [35, 99, 291, 483]
    assert [round(points[b]["exact"]["width"]) for b in ends] == [35, 99, 224, 224]


def test_erf_data(tmp_path):
    e = scnn_tools.erf(RESNET50, "res4f")
    assert e["field"].shape == (224, 224) and abs(e["field"].sum() - 1) < 1e-6
    assert e["radius"]["50"] < e["radius"]["90"] and e["theoretical"] == {"y": [-47, 243], "x": [-47, 243]}
    saved = scnn_tools.erf(RESNET50, "res4f", output=tmp_path / "e.npy")
    assert np.array_equal(np.load(tmp_path / "e.npy"), saved["field"]) and np.array_equal(saved["field"], e["field"])


def cli_json(*args):
    code, out, err = run_cli(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_the_api_returns_what_the_command_line_prints_as_json(tmp_path):
    objects = ROOT / "examples/objects_synthetic.csv"
    api = scnn_tools.erf(RESNET50, "res4f", input_shape=[1, 3, 320, 320])
    del api["field"]  # the one key the command line cannot print
    assert api == cli_json("erf", RESNET50, "res4f", "--input-shape", "1,3,320,320")
    assert scnn_tools.query(RESNET50, "res3d", 4, 7) == cli_json("query", RESNET50, "res3d", "4", "7")
    assert scnn_tools.info(RESNET50) == cli_json("info", RESNET50)
    assert scnn_tools.analyze(RESNET50, batch=4) == cli_json("analyze", RESNET50, "--batch", "4")
    assert scnn_tools.match(RESNET50, objects, input_shape=[1, 3, 512, 512]) == \
        cli_json("match", RESNET50, "--objects", objects, "--input-shape", "1,3,512,512")
    assert scnn_tools.match(RESNET50, objects, maps=["res3d", "res5c"], scale_model="blog") == \
        cli_json("match", RESNET50, "--objects", objects, "--maps", "res3d,res5c", "--scale-model", "blog")
    assert scnn_tools.profile(RESNET50) == cli_json("profile", RESNET50, "-o", tmp_path / "p.png")
    plain = ROOT / "examples/plain_5.prototxt"
    code, out, _ = run_cli("profile", RESNET50, plain, "-o", tmp_path / "p.png", "--format", "json")
    assert [json.loads(line) for line in out.splitlines()] == [scnn_tools.profile(RESNET50), scnn_tools.profile(plain)]


def test_draw_info_and_lane(tmp_path):
    assert scnn_tools.draw(ROOT / "examples/plain_5.prototxt", tmp_path / "p.svg") == 6
    assert (tmp_path / "p.svg").read_text().startswith("<svg")
    assert scnn_tools.info(scnn_tools.read(RESNET50))["types"]["Convolution"] == 53
    files, summary = scnn_tools.lane(tmp_path / "lane", size="72x200", channels=32)
    assert sorted(p.name for p in (tmp_path / "lane").iterdir() if p.is_file()) == sorted(files)
    assert "for 72x200 (a 9x25x32 map)" in summary
    assert scnn_tools.lane(size=(72, 200), channels=32)[0] == files
    with pytest.raises(scnn_tools.InputError, match="size must be HxW"):
        scnn_tools.lane(size="72 by 200")


@needs_shared
def test_export_bytes_and_file(tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    lenet = CORPUS / "BVLC__caffe/examples/mnist/lenet.prototxt"
    data = scnn_tools.export(lenet, tmp_path / "l.onnx", weights=REFERENCE / "weights/lenet_random.caffemodel")
    assert (tmp_path / "l.onnx").read_bytes() == data
    session = onnxruntime.InferenceSession(data)
    out, = session.run(None, {"data": np.zeros((64, 1, 28, 28), np.float32)})
    assert out.shape == (64, 10) and np.allclose(out.sum(axis=1), 1, atol=1e-5)


def test_the_functions_stay_functions_when_every_module_is_imported():
    """Importing a subpackage binds it on the package: no module or folder at the top may share a name with
    an API function, or `scnn_tools.draw` would become a module once the draw code is imported."""
    import importlib
    import pkgutil
    top = {m.name for m in pkgutil.iter_modules(scnn_tools.__path__)}
    assert not top & set(scnn_tools.__all__)
    for m in pkgutil.walk_packages(scnn_tools.__path__, "scnn_tools."):
        if m.name not in ("scnn_tools.lanedata", "scnn_tools.__main__"):  # (imports caffe; runs the command)
            importlib.import_module(m.name)
    for name in set(scnn_tools.__all__) - {"InputError"}:
        assert getattr(scnn_tools, name).__module__ == "scnn_tools.api", name


@needs_shared
def test_the_commands_agree_on_which_features_are_global():
    # PSPNet-101 at 473: after the pyramid's concat, conv5_4's 3x3 sees every pixel of the image (analyze's rf
    # says global); its box on the unbounded plane is 1495 to 1735 wide, a number the other commands printed
    # as if it were its field. conv5_3, a 1023-wide box, sees the whole image from the centre but not from
    # every position: not global. One definition, four commands.
    net = CORPUS / "hszhao__PSPNet/evaluation/prototxt/pspnet101_VOC2012_473.prototxt"
    out = {o["blob"]: o for layer in scnn_tools.analyze(net)["layers"] for o in layer["outputs"]}
    points = {p["blob"]: p for p in scnn_tools.profile(net)["points"]}
    from scnn_tools.engine import analysis, effective_field, profiles
    for blob, glob in (("conv5_3", [False, False]), ("conv5_4", [True, True])):
        assert out[blob]["rf"]["global"] == glob
        assert points[blob]["global"] == glob
        erf = scnn_tools.erf(net, blob)
        assert erf["global"] == glob
        q = scnn_tools.query(net, blob, 30, 30)
        assert q["global"] == glob
        words = effective_field.sentence(erf), analysis.sentence(q)
        assert all(("global" in w) == glob[0] for w in words), words
    assert "(global)" in analysis.sentence(q) and effective_field.sentence(erf).endswith("theoretical field global")
    last = profiles.load(net)
    assert "receptive field global," in profiles.sentence(last) and "1735" not in profiles.sentence(last)

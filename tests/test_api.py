"""The Python API: `import scnn_tools` and what a script does with it, on real nets."""

import subprocess
import sys

import numpy as np
import pytest

import scnn_tools
from conftest import CORPUS, REFERENCE, ROOT, needs_shared

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
    assert scnn_tools.analyze(text)["totals"] == scnn_tools.analyze(RESNET50)["totals"] == \
        scnn_tools.analyze(scnn_tools.read(str(RESNET50)))["totals"]


def test_generate_splice_and_the_block_in_the_host():
    block = scnn_tools.generate(36, 100, 128, bottom="fc7")
    assert block.count("layer {") == 808 and "bottom: \"fc7\"" in block  # the original generator's 36x100 block
    text, summary, warnings = scnn_tools.splice(ROOT / "examples/resnet101.prototxt", "conv5_5")
    assert "SCNN" in summary and text.count("SCNN_D_") > 0
    result = scnn_tools.analyze(text)
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    assert shapes["SCNN"] == shapes["conv5_5"]
    with pytest.raises(scnn_tools.InputError, match="nope"):
        scnn_tools.splice(ROOT / "examples/resnet101.prototxt", "nope")


def test_profile_is_the_original_studys_resnet50():
    points = {p["blob"]: p for p in scnn_tools.profile(RESNET50)}
    # The original spatial-scale study's widths at the block ends (reference/spatial_scale)
    assert [round(points[b]["exact"]["width"]) for b in ("res2c", "res3d", "res4f", "res5c")] == [35, 99, 291, 483]


def test_erf_data(tmp_path):
    e = scnn_tools.erf(RESNET50, "res4f")
    assert e["field"].shape == (224, 224) and abs(e["field"].sum() - 1) < 1e-6
    assert e["r50"] < e["r90"] and e["theoretical_box"] == ((-47, 243), (-47, 243))


@needs_shared
def test_export_bytes_and_file(tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime")
    lenet = CORPUS / "BVLC__caffe/examples/mnist/lenet.prototxt"
    data = scnn_tools.export(lenet, tmp_path / "l.onnx", weights=REFERENCE / "weights/lenet_random.caffemodel")
    assert (tmp_path / "l.onnx").read_bytes() == data
    session = onnxruntime.InferenceSession(data)
    out, = session.run(None, {"data": np.zeros((64, 1, 28, 28), np.float32)})
    assert out.shape == (64, 10) and np.allclose(out.sum(axis=1), 1, atol=1e-5)

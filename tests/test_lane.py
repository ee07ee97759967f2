"""`scnn-tools lane`: the CULane SCNN model, checked by our engine and trained by real Caffe."""

import hashlib
import json
import math
import os
import subprocess

import numpy as np
import pytest
from PIL import Image

import realcaffe
from scnn_tools.analysis import Analysis, report
from scnn_tools.lane import model, write
from scnn_tools.reader import read_text

from conftest import ROOT, run_cli

TRAIN = """
import json, os, sys
os.environ["GLOG_minloglevel"] = "2"
sys.path.insert(0, sys.argv[2])
import caffe
caffe.set_mode_cpu()
caffe.set_random_seed(1)
os.chdir(sys.argv[1])
solver = caffe.SGDSolver("solver.prototxt")
def shapes(net):
    return {k: list(v.data.shape) for k, v in net.blobs.items() if "_split_" not in k}
losses = []
for _ in range(int(sys.argv[3])):
    solver.step(1)
    losses.append(float(solver.net.blobs["lane_loss"].data) + 0.1 * float(solver.net.blobs["exist_loss"].data))
print(json.dumps({"train": shapes(solver.net), "test": shapes(solver.test_nets[0]), "losses": losses}), flush=True)
os._exit(0)  # (pycaffe with a Python layer can crash while the interpreter tears down)
"""


def synthetic_culane(root, h, w, n=4):
    """CULane's layout and list format, with lanes painted as bright slanted strokes and labelled 1..4."""
    rng = np.random.default_rng(0)
    (root / "img").mkdir(parents=True)
    (root / "label").mkdir()
    (root / "list").mkdir()
    lines = []
    for i in range(n):
        image = rng.integers(0, 60, (h, w, 3)).astype(np.uint8)
        label = np.zeros((h, w), np.uint8)
        present = [1, 1, int(i % 2 == 0), 1]
        for lane in range(4):
            if not present[lane]:
                continue
            for y in range(h // 3, h):
                x = int(w * (0.2 + 0.2 * lane) + (y - h) * (lane - 1.5) * 0.3)
                if 0 <= x < w - 3:
                    image[y, x:x + 3] = 230
                    label[y, x:x + 3] = lane + 1
        Image.fromarray(image).save(root / "img" / f"{i}.jpg")
        Image.fromarray(label).save(root / "label" / f"{i}.png")
        lines.append(f"/img/{i}.jpg /label/{i}.png {' '.join(map(str, present))}")
    for name in ("train_gt.txt", "val_gt.txt"):
        (root / "list" / name).write_text("\n".join(lines) + "\n")


def ours(files, name, phase):
    analysis = Analysis(read_text(files[name]), phase)
    return {b.name: analysis.shapes.blobs[b.id] for b in analysis.graph.blobs}


def test_the_default_model_is_the_papers():
    files, summary = model()
    deploy = report(Analysis(read_text(files["deploy.prototxt"])))
    out = {o["blob"]: o["shape"] for layer in deploy["layers"] for o in layer["outputs"]}
    assert out["fc7_lane"] == [1, 128, 36, 100] and out["SCNN"] == [1, 128, 36, 100]
    assert out["lane_prob"] == [1, 5, 288, 800] and out["exist_prob"] == [1, 4]
    assert out["exist_pool"] == [1, 5, 18, 50]  # 4,500 inputs to the 128-wide inner product
    names = {layer["name"] for layer in deploy["layers"]}
    assert {f"conv{b}_{i}" for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for i in range(1, n + 1)} <= names
    assert not {"fc6", "fc7"} & names  # their shapes differ from VGG16's: other names
    train = read_text(files["train_val.prototxt"]).net
    types = {layer.type for layer in train.layer}
    assert "InfogainLoss" in types and "Interp" not in types and "BN" not in types  # BVLC's layers only
    assert "parameters" in summary and "training at batch 2 per step needs about" in summary


def test_class_weights_are_a_diagonal_matrix():
    from scnn_tools import caffe_pb2
    files, _ = model()
    blob = caffe_pb2.BlobProto.FromString(files["class_weights.binaryproto"])
    matrix = np.array(blob.data).reshape(list(blob.shape.dim))[0, 0]
    assert np.allclose(matrix, np.diag([0.4, 1, 1, 1, 1])) and matrix.dtype == np.float32


def test_lane_command_writes_the_directory(tmp_path):
    code, out, err = run_cli("lane", "-o", tmp_path / "m", "--size", "72x200")
    assert code == 0, err
    assert sorted(os.listdir(tmp_path / "m")) == ["README.md", "class_weights.binaryproto", "deploy.prototxt", "snapshots",
                                                  "solver.prototxt", "train_val.prototxt"]
    assert "caffe train --solver solver.prototxt" in (tmp_path / "m" / "README.md").read_text()
    code, _, err = run_cli("lane", "-o", tmp_path / "n", "--size", "100x100")
    assert code == 2 and "--size must be H x W, both multiples of 8" in err and not (tmp_path / "n").exists()


def _train(directory, steps):
    text = "".join((directory / f).read_text() for f in ("train_val.prototxt", "deploy.prototxt", "solver.prototxt"))
    text = text.replace(str(directory), "<dir>")  # (the nets name the data folder, a new tmp_path each run)
    data = b"".join((p.read_bytes() for p in sorted((directory / "data").rglob("*")) if p.is_file()))
    # (hashlib, not hash(): Python salts hash() per process, and the key must hold across runs)
    layer = (ROOT / "scnn_tools/lanedata.py").read_text()
    key = f"lane-train\0{steps}\0{text}\0{hashlib.sha256(data).hexdigest()}\0{layer}"

    def compute(net):
        proc = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", TRAIN, str(directory), str(ROOT),
                               str(steps)], capture_output=True, text=True, timeout=900)
        return json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-2000:]}
    return realcaffe._cached(key, compute, keep=lambda result: "error" not in result)


@realcaffe.needs("bvlc")
def test_real_caffe_trains_the_model_at_a_small_size(tmp_path):
    synthetic_culane(tmp_path / "data", 72, 200)
    files, _ = model(72, 200, batch=2, root=str(tmp_path / "data"))
    # Quick steps; and from random weights (no ImageNet VGG16 here) SCNN's base_lr 0.01, meant for a
    # pretrained VGG16, diverges by the third step, where 0.001 learns.
    files["solver.prototxt"] = files["solver.prototxt"].replace("iter_size: 6", "iter_size: 1").replace(
        "base_lr: 0.01", "base_lr: 0.001")
    write(tmp_path, files)
    result = _train(tmp_path, 20)
    assert "error" not in result, result.get("error")
    for phase, got in (("TRAIN", result["train"]), ("TEST", result["test"])):
        expected = ours(files, "train_val.prototxt", phase)
        assert {k: v for k, v in got.items()} == {k: expected[k] for k in got}, phase
    losses = result["losses"]
    assert all(math.isfinite(x) for x in losses)
    assert sum(losses[-5:]) < sum(losses[:5]), losses  # it learns
    caffe = realcaffe.shapes(files["deploy.prototxt"])
    assert caffe["load_ok"], caffe["error"]
    assert caffe["blobs"]["lane_prob"] == [1, 5, 72, 200] and caffe["blobs"]["exist_prob"] == [1, 4]


@realcaffe.needs("bvlc")
def test_real_caffe_loads_the_default_model_with_our_shapes(tmp_path):
    files, _ = model()
    caffe = realcaffe.shapes(files["deploy.prototxt"])
    assert caffe["load_ok"], caffe["error"]
    expected = ours(files, "deploy.prototxt", "TEST")
    assert caffe["blobs"] == {k: expected[k] for k in caffe["blobs"]}


@realcaffe.needs("bvlc")
def test_real_caffe_builds_the_default_training_nets_with_our_shapes(tmp_path):
    synthetic_culane(tmp_path / "data", 288, 800, n=1)
    files, _ = model(batch=1, root=str(tmp_path / "data"))
    write(tmp_path, files)
    result = _train(tmp_path, 0)  # the solver builds the TRAIN and TEST nets; no step
    assert "error" not in result, result.get("error")
    for phase, got in (("TRAIN", result["train"]), ("TEST", result["test"])):
        expected = ours(files, "train_val.prototxt", phase)
        assert got == {k: expected[k] for k in got}, phase
    assert result["train"]["lane_up"] == [1, 5, 288, 800] and result["train"]["SCNN"] == [1, 128, 36, 100]


ERRORS = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from scnn_tools import lanedata
out = {}
for case, call in (("malformed", lambda: lanedata.read_list(sys.argv[2] + "/bad.txt", sys.argv[2])),
                   ("missing", lambda: lanedata.load((sys.argv[2] + "/nope.jpg", sys.argv[2] + "/label/0.png",
                                                      (1, 1, 1, 1)), 72, 200)),
                   ("size", lambda: lanedata.load((sys.argv[2] + "/img/0.jpg", sys.argv[2] + "/small.png",
                                                   (1, 1, 1, 1)), 72, 200))):
    try:
        call()
        out[case] = None
    except ValueError as exc:
        out[case] = str(exc)
print(json.dumps(out), flush=True)
os._exit(0)
"""


@realcaffe.needs("bvlc")
def test_the_data_layer_names_what_is_wrong(tmp_path):
    root = tmp_path / "data"
    synthetic_culane(root, 72, 200, n=1)
    (root / "bad.txt").write_text("/img/0.jpg /label/0.png 1 1 1 0\n/img/0.jpg /label/0.png 1 2\n")
    Image.fromarray(np.zeros((10, 20), np.uint8)).save(root / "small.png")
    proc = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", ERRORS, str(ROOT), str(root)],
                          capture_output=True, text=True, timeout=300)
    errors = json.loads(proc.stdout)
    assert errors["malformed"].startswith(f"{root}/bad.txt:2: expected 'image.jpg label.png e1 e2 e3 e4'")
    assert errors["missing"] == f"{root}/nope.jpg: no such file (listed in the data list)"
    assert "small.png: label is 20x10, its image 200x72" in errors["size"]


def test_lane_options_reach_the_block():
    files, summary = model(72, 200, channels=64, variants=dict(directions="DU", init="torch", bias=True))
    deploy = Analysis(read_text(files["deploy.prototxt"]))
    shape = {b.name: deploy.shapes.blobs[b.id] for b in deploy.graph.blobs}
    assert shape["fc7_lane"] == shape["SCNN"] == [1, 64, 9, 25] and "9x25x64 map" in summary
    names = {n.name for n in deploy.graph.nodes}
    assert "SCNN_D_1" in names and not any(n.startswith("SCNN_R") for n in names)
    conv = next(n.param for n in deploy.graph.nodes if n.name == "SCNN_D_1").convolution_param
    assert conv.weight_filler.std == pytest.approx(math.sqrt(2 / (9 * 64 * 64 * 5)), abs=5e-6) and conv.bias_term

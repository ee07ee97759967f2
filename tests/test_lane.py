"""`scnn-tools lane`: the CULane SCNN model, checked by our engine and trained by real Caffe."""

import hashlib
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import realcaffe
from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.builders.lane import model, write
from scnn_tools.netfile.reader import read_text

from conftest import ROOT, corpus_file, run_cli

TRAIN = """
import json, os, sys
os.environ["GLOG_minloglevel"] = "2"
sys.path.insert(0, sys.argv[2])
import caffe
caffe.set_mode_cpu()
caffe.set_random_seed(1)
os.chdir(sys.argv[1])
solver = caffe.SGDSolver("solver.prototxt")
if len(sys.argv) > 4:
    solver.net.copy_from(sys.argv[4])  # as `caffe train --weights` does
def shapes(net):
    return {k: list(v.data.shape) for k, v in net.blobs.items() if "_split_" not in k}
losses = []
for _ in range(int(sys.argv[3])):
    solver.step(1)
    losses.append(float(solver.net.blobs["lane_loss"].data) + 0.1 * float(solver.net.blobs["exist_loss"].data))
print(json.dumps({"train": shapes(solver.net), "test": shapes(solver.test_nets[0]), "losses": losses}), flush=True)
os._exit(0)  # (pycaffe with a Python layer can crash while the interpreter tears down)
"""


def synthetic_culane(root, h, w, n=4, lanes=4, lists=("list/train_gt.txt", "list/val_gt.txt")):
    """CULane's layout and list format, with lanes painted as bright slanted strokes and labelled 1..lanes."""
    rng = np.random.default_rng(0)
    (root / "img").mkdir(parents=True)
    (root / "label").mkdir()
    lines = []
    for i in range(n):
        image = rng.integers(0, 60, (h, w, 3)).astype(np.uint8)
        label = np.zeros((h, w), np.uint8)
        present = [int(lane != 2 or i % 2 == 0) for lane in range(lanes)]
        for lane in range(lanes):
            if not present[lane]:
                continue
            for y in range(h // 3, h):
                x = int(w * (lane + 1) / (lanes + 1) + (y - h) * (lane - (lanes - 1) / 2) * 0.3)
                if 0 <= x < w - 3:
                    image[y, x:x + 3] = 230
                    label[y, x:x + 3] = lane + 1
        Image.fromarray(image).save(root / "img" / f"{i}.jpg")
        Image.fromarray(label).save(root / "label" / f"{i}.png")
        lines.append(f"/img/{i}.jpg /label/{i}.png {' '.join(map(str, present))}")
    for name in lists:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("\n".join(lines) + "\n")


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


@pytest.mark.parametrize("args, words", [
    (("lane", "--size", "0x0"), "--size must be H x W, both multiples of 8 from 16 to 4096 (got 0x0"),
    (("lane", "--size", "0x800"), "(got 0x800"),
    (("backbone", "--size", "0"), "--size must be 8n + 1 between 33 and 4097 (got 0"),
])
def test_a_zero_size_is_refused_not_read_as_the_default(tmp_path, args, words):
    code, out, err = run_cli(*args, "-o", tmp_path / "m")
    assert code == 2 and words in err.replace(", so that the 1/8 map is whole", "").replace(
        ", so that the output stride 8 comes back exactly", ""), err
    assert not (tmp_path / "m").exists()


def test_lane_output_where_nothing_can_be_written_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    for where in (tmp_path / "file" / "m", "/proc/no-such-dir/m"):
        code, out, err = run_cli("lane", "-o", where)
        assert code == 2 and "cannot write the model here" in err and "internal error" not in err, err


def test_the_written_readme_shows_an_absolute_list_as_given(tmp_path):
    code, _, err = run_cli("lane", "-o", tmp_path / "m", "--train-list", "/abs/train.txt")
    assert code == 0, err
    readme = (tmp_path / "m" / "README.md").read_text()
    assert "`/abs/train.txt`" in readme and "//abs" not in readme and "`data/CULane/list/val_gt.txt`" in readme


def _quick(files):
    """Quick steps (iter_size 1), and a learning rate for random weights: with no ImageNet weights here
    the features are far larger than a pretrained net's (first losses near 20), and SCNN's base_lr 0.01,
    meant for pretrained weights, diverges within a few steps, as 0.001 does for some seeds."""
    files["solver.prototxt"] = files["solver.prototxt"].replace("iter_size: 6", "iter_size: 1").replace(
        "base_lr: 0.01", "base_lr: 0.0001")


def _train(directory, steps, weights=None):
    """Caffe's shapes and losses for `steps` solver steps; `weights`: (what makes them, a function
    writing a .caffemodel and giving its path), run only when Caffe is asked."""
    text = "".join((directory / f).read_text() for f in ("train_val.prototxt", "deploy.prototxt", "solver.prototxt"))
    text = text.replace(str(directory), "<dir>")  # (the nets name the data folder, a new tmp_path each run)
    data = b"".join((p.read_bytes() for p in sorted((directory / "data").rglob("*")) if p.is_file()))
    # (hashlib, not hash(): Python salts hash() per process, and the key must hold across runs)
    layer = (ROOT / "scnn_tools/lanedata.py").read_text() + (ROOT / "scnn_tools/lanes/prepare.py").read_text()
    key = f"lane-train\0{steps}\0{text}\0{hashlib.sha256(data).hexdigest()}\0{layer}\0{weights and weights[0]}"

    def compute(net):
        extra = [weights[1]()] if weights else []
        proc = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", TRAIN, str(directory), str(ROOT),
                               str(steps)] + extra, capture_output=True, text=True, timeout=900)
        return json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-2000:]}
    return realcaffe._cached(key, compute, keep=lambda result: "error" not in result)


@realcaffe.needs("bvlc")
def test_real_caffe_trains_the_model_at_a_small_size(tmp_path):
    synthetic_culane(tmp_path / "data", 72, 200)
    files, _ = model(height=72, width=200, batch=2, root=str(tmp_path / "data"))
    _quick(files)
    write(tmp_path, files)
    result = _train(tmp_path, 20)
    assert "error" not in result, result.get("error")
    for phase, got in (("TRAIN", result["train"]), ("TEST", result["test"])):
        expected = ours(files, "train_val.prototxt", phase)
        assert {k: v for k, v in got.items()} == {k: expected[k] for k in got}, phase
    losses = result["losses"]
    assert all(math.isfinite(x) for x in losses)
    assert sum(losses[-4:]) < sum(losses[1:5]), losses  # it learns: whole passes over the 4 images
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


def test_the_tusimple_preset():
    files, summary = model("tusimple")
    deploy = ours(files, "deploy.prototxt", "TEST")
    # six lanes and a 368x640 input (the SCNN authors' TuSimple code): a 46x80 map, 7 x 23 x 40 = 6,440 inputs
    # to the existence branch (Caffe's pooling rounds 23 up)
    assert deploy["lane_prob"] == [1, 7, 368, 640] and deploy["exist_prob"] == [1, 6]
    assert deploy["SCNN"] == [1, 128, 46, 80] and deploy["exist_pool"] == [1, 7, 23, 40]
    params = [json.loads(layer.python_param.param_str) for layer in read_text(files["train_val.prototxt"]).net.layer
              if layer.type == "Python"]
    assert [(p["root"], p["list"], p["lanes"]) for p in params] == [
        ("data/TuSimple", "list6/list6_train.txt", 6), ("data/TuSimple", "list6/list6_val.txt", 6)]
    solver = files["solver.prototxt"]
    assert "max_iter: 50000" in solver and 'snapshot_prefix: "snapshots/scnn_tusimple"' in solver
    from scnn_tools import caffe_pb2
    blob = caffe_pb2.BlobProto.FromString(files["class_weights.binaryproto"])
    assert np.allclose(np.array(blob.data).reshape(7, 7), np.diag([0.4] + [1] * 6))
    assert "TuSimple" in summary and "46x80x128 map" in summary


@pytest.mark.parametrize("depth", [50, 101])
def test_the_resnet_backbones_keep_the_released_models_layers(depth):
    """Every layer of Kaiming He's ResNet deploy file up to res5c is in the lane net, with its type, outputs,
    kernel and bias, so the ImageNet weights fit by name; stages 4 and 5 are dilated instead of strided."""
    released = read_text(corpus_file(f"KaimingHe__deep-residual-networks/prototxt/ResNet-{depth}-deploy.prototxt").read_text()).net
    files, summary = model(backbone=f"resnet{depth}")
    lane = {layer.name: layer for layer in read_text(files["train_val.prototxt"]).net.layer}
    for layer in released.layer:
        if layer.name in ("pool5", "fc1000", "prob") or layer.type == "Input":
            continue
        ours_ = lane[layer.name]
        assert ours_.type == layer.type, layer.name
        if layer.type == "Convolution":
            a, b = layer.convolution_param, ours_.convolution_param
            assert (a.num_output, list(a.kernel_size), a.bias_term) == (b.num_output, list(b.kernel_size), b.bias_term)
            stage = int(layer.name[3]) if layer.name.startswith("res") else 1
            expected = 2 ** (stage - 3) if stage > 3 and "branch2b" in layer.name else 1
            assert list(b.dilation or [1]) == [expected], layer.name
    deploy = ours(files, "deploy.prototxt", "TEST")
    assert deploy["res5c"] == [1, 2048, 36, 100] and deploy["SCNN"] == [1, 128, 36, 100]
    assert deploy["lane_prob"] == [1, 5, 288, 800]
    assert f"ResNet-{depth}-model.caffemodel" in files["README.md"]


LOAD = """
import json, os, sys
os.environ["GLOG_minloglevel"] = "2"
import numpy as np
import caffe
caffe.set_mode_cpu()
source, weights, deploy = sys.argv[1:4]
net = caffe.Net(source, weights, caffe.TEST)
lane = caffe.Net(deploy, weights, caffe.TEST)  # Caffe aborts if a same-named layer's weights do not fit
copied = sorted(n for n in net.params if n in lane.params and all(
    np.array_equal(a.data, b.data) for a, b in zip(net.params[n], lane.params[n])))
lane.blobs["data"].data[...] = np.random.RandomState(0).normal(0, 50, lane.blobs["data"].data.shape)
out = lane.forward()
print(json.dumps({"source": sorted(net.params), "copied": copied, "outputs": {k: list(v.shape) for k, v in out.items()},
                  "finite": all(bool(np.isfinite(v).all()) for v in out.values())}), flush=True)
os._exit(0)
"""


def _imagenet_like(corpus_path, keep_until):
    """The released deploy file up to `keep_until`, at batch 1 (the layers a lane model takes from it)."""
    from google.protobuf import text_format
    net = read_text(corpus_file(corpus_path).read_text()).net
    names = [layer.name for layer in net.layer]
    del net.layer[names.index(keep_until) + 1:]
    for layer in net.layer:
        if layer.type == "Input":
            layer.input_param.shape[0].dim[0] = 1
    return text_format.MessageToString(net)


def _imagenet_weights(source):
    """Random weights for the released layers, saved by real Caffe as a user's ImageNet file would hold
    them: each normalisation's statistics those of what reaches it from images minus their mean
    (realcaffe.forward at the data layer's pixel scale)."""
    result = realcaffe.forward(source, [], input_std=50.0)
    assert "error" not in result, result["error"]
    return result["weights"]


def _weights(source, deploy_text, directory):
    """Caffe loading the lane net with those weights: which layers it copied, and a forward pass."""
    (directory / "imagenet.prototxt").write_text(source)
    (directory / "lane_deploy.prototxt").write_text(deploy_text)

    def compute(net):
        proc = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", LOAD,
                               str(directory / "imagenet.prototxt"), _imagenet_weights(source),
                               str(directory / "lane_deploy.prototxt")], capture_output=True, text=True, timeout=900)
        return json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr[-2000:]}
    return realcaffe._cached(f"lane-weights\0{source}\0{deploy_text}\0{LOAD}", compute,
                             keep=lambda result: "error" not in result)


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("backbone, corpus_path, last, unused", [
    # The whole released files, as the README tells users to start from: their classifiers (VGG16's fc6 reads
    # 512 x 7 x 7, the lane net's fc6_lane is a 3x3 convolution) have names the lane net does not use, so
    # Caffe skips them instead of aborting on their shapes (VGG16: 138M parameters, about a minute the first time).
    ("vgg16", "ry__tensorflow-vgg16/VGG_2014_16.prototxt", "prob", ["fc6", "fc7", "fc8"]),
    ("resnet50", "KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt", "prob", ["fc1000"]),
])
def test_real_caffe_initialises_the_lane_net_from_the_imagenet_models_layers(tmp_path, backbone, corpus_path, last,
                                                                             unused):
    source = _imagenet_like(corpus_path, last)
    files, _ = model(height=72, width=200, backbone=backbone)
    result = _weights(source, files["deploy.prototxt"], tmp_path)
    assert "error" not in result, result.get("error")
    # every layer with weights, by name, values equal, but the classifiers
    assert result["copied"] == sorted(set(result["source"]) - set(unused))
    assert result["finite"] and result["outputs"] == {"exist_prob": [1, 4], "lane_prob": [1, 5, 72, 200]}


@realcaffe.needs("bvlc")
def test_real_caffe_trains_the_resnet_model_from_imagenet_style_weights(tmp_path):
    """BatchNorm with fixed statistics needs them loaded: the test trains from ResNet-50 weights made as a
    user's ImageNet file would give them (_imagenet_weights)."""
    synthetic_culane(tmp_path / "data", 72, 200)
    files, _ = model(height=72, width=200, batch=2, root=str(tmp_path / "data"), backbone="resnet50")
    _quick(files)
    write(tmp_path, files)
    source = _imagenet_like("KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt", "res5c_relu")
    result = _train(tmp_path, 12, (source + realcaffe.FORWARD, lambda: _imagenet_weights(source)))
    assert "error" not in result, result.get("error")
    for phase, got in (("TRAIN", result["train"]), ("TEST", result["test"])):
        expected = ours(files, "train_val.prototxt", phase)
        assert got == {k: expected[k] for k in got}, phase
    losses = result["losses"]
    assert all(math.isfinite(x) for x in losses)
    assert sum(losses[-4:]) < sum(losses[1:5]), losses  # whole passes over the 4 images


@realcaffe.needs("bvlc")
def test_real_caffe_trains_the_tusimple_model_at_a_small_size(tmp_path):
    synthetic_culane(tmp_path / "data", 72, 128, lanes=6, lists=("list6/list6_train.txt", "list6/list6_val.txt"))
    files, _ = model("tusimple", height=72, width=128, batch=2, root=str(tmp_path / "data"))
    _quick(files)
    write(tmp_path, files)
    result = _train(tmp_path, 4)
    assert "error" not in result, result.get("error")
    assert result["train"]["existence"] == [2, 6] and result["train"]["lane_up"] == [2, 7, 72, 128]
    for phase, got in (("TRAIN", result["train"]), ("TEST", result["test"])):
        expected = ours(files, "train_val.prototxt", phase)
        assert got == {k: expected[k] for k in got}, phase
    assert all(math.isfinite(x) for x in result["losses"])


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("dataset, backbone", [("tusimple", "vgg16"), ("culane", "resnet101"), ("tusimple", "resnet50")])
def test_real_caffe_loads_the_other_models_at_their_sizes_with_our_shapes(dataset, backbone):
    files, _ = model(dataset, backbone=backbone)
    caffe = realcaffe.shapes(files["deploy.prototxt"])
    assert caffe["load_ok"], caffe["error"]
    expected = ours(files, "deploy.prototxt", "TEST")
    assert caffe["blobs"] == {k: expected[k] for k in caffe["blobs"]}


ERRORS = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from scnn_tools import lanedata
out = {}
for case, call in (("malformed", lambda: lanedata.read_list(sys.argv[2] + "/bad.txt", sys.argv[2])),
                   ("missing", lambda: lanedata.load((sys.argv[2] + "/nope.jpg", sys.argv[2] + "/label/0.png",
                                                      (1, 1, 1, 1)), 72, 200)),
                   ("size", lambda: lanedata.load((sys.argv[2] + "/img/0.jpg", sys.argv[2] + "/small.png",
                                                   (1, 1, 1, 1)), 72, 200)),
                   ("value", lambda: lanedata.load((sys.argv[2] + "/img/0.jpg", sys.argv[2] + "/seven.png",
                                                    (1,) * 6), 72, 200, lanes=6)),
                   ("lanes", lambda: lanedata.read_list(sys.argv[2] + "/list/train_gt.txt", sys.argv[2], lanes=6))):
    try:
        out[case] = None
        call()
    except ValueError as exc:
        out[case] = str(exc)
# a label written as grey RGB reads as its first channel
data, label, existence = lanedata.load((sys.argv[2] + "/img/0.jpg", sys.argv[2] + "/rgb.png", (1,) * 4), 72, 200)
out["rgb"] = sorted(set(label.ravel().tolist()))
print(json.dumps(out), flush=True)
os._exit(0)
"""


@realcaffe.needs("bvlc")
def test_the_data_layer_names_what_is_wrong(tmp_path):
    root = tmp_path / "data"
    synthetic_culane(root, 72, 200, n=1)
    (root / "bad.txt").write_text("/img/0.jpg /label/0.png 1 1 1 0\n/img/0.jpg /label/0.png 1 2\n")
    Image.fromarray(np.zeros((10, 20), np.uint8)).save(root / "small.png")
    seven = np.zeros((72, 200), np.uint8)
    seven[5, 5] = 7
    Image.fromarray(seven).save(root / "seven.png")
    grey = np.zeros((72, 200, 3), np.uint8)
    grey[10:20, 10:20] = 3
    Image.fromarray(grey).save(root / "rgb.png")
    proc = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", ERRORS, str(ROOT), str(root)],
                          capture_output=True, text=True, timeout=300)
    errors = json.loads(proc.stdout)
    assert errors["malformed"].startswith(f"{root}/bad.txt:2: expected 'image.jpg label.png e1 e2 e3 e4'")
    assert errors["missing"] == f"{root}/nope.jpg: no such file (listed in the data list)"
    assert "small.png: label is 20x10, its image 200x72" in errors["size"]
    assert errors["value"] == f"{root}/seven.png: label value 7 is above this model's 6 lanes"
    assert errors["lanes"].startswith(f"{root}/list/train_gt.txt:1: expected 'image.jpg label.png e1 e2 e3 e4 e5 e6'")
    assert errors["rgb"] == [0, 3]


def test_lane_options_reach_the_block():
    files, summary = model(height=72, width=200, channels=64, variants=dict(directions="DU", init="torch", bias=True))
    deploy = Analysis(read_text(files["deploy.prototxt"]))
    shape = {b.name: deploy.shapes.blobs[b.id] for b in deploy.graph.blobs}
    assert shape["fc7_lane"] == shape["SCNN"] == [1, 64, 9, 25] and "9x25x64 map" in summary
    names = {n.name for n in deploy.graph.nodes}
    assert "SCNN_D_1" in names and not any(n.startswith("SCNN_R") for n in names)
    conv = next(n.param for n in deploy.graph.nodes if n.name == "SCNN_D_1").convolution_param
    assert conv.weight_filler.std == pytest.approx(math.sqrt(2 / (9 * 64 * 64 * 5)), abs=5e-6) and conv.bias_term


@pytest.mark.parametrize("backbone, publisher", [("vgg16", "robots.ox.ac.uk/~vgg/software/very_deep/caffe/"),
                                                 ("resnet50", "github.com/KaimingHe/deep-residual-networks")])
def test_the_written_readme_says_where_the_weights_and_data_are(backbone, publisher):
    readme = model(backbone=backbone, height=72, width=200)[0]["README.md"]
    assert publisher in readme and "relative to the directory Caffe runs in" in readme
    readme = model(backbone=backbone, height=72, width=200, root="/data/CULane")[0]["README.md"]
    assert "The data root `/data/CULane` is absolute" in readme


@pytest.mark.parametrize("dataset", ["culane", "tusimple"])
def test_the_written_readmes_journey_is_commands_scnn_tools_takes(tmp_path, dataset):
    """Every `scnn-tools` line of the written README is a command with options scnn-tools knows: run where
    no data is, each must end in a plain refusal of a missing file, not in a flag or command it lacks."""
    import shlex
    readme = model(dataset=dataset, height=72, width=200)[0]["README.md"]
    commands = [shlex.split(line.strip()) for line in readme.splitlines() if line.strip().startswith("scnn-tools ")]
    assert {c[1] for c in commands} >= {"lane-detect", "lane-eval", "export"}
    for command in commands:
        proc = subprocess.run([sys.executable, "-m", "scnn_tools", *command[1:]], capture_output=True, text=True,
                              cwd=tmp_path)
        err = proc.stderr
        assert proc.returncode == 2 and "unrecognized arguments" not in err and "invalid choice" not in err, (command, err)
    assert not os.listdir(tmp_path)

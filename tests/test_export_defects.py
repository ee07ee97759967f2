"""`scnn-tools export` as a new user meets it (issue 20's defects): a .caffemodel as the net, SegNet's
unpooling in every runtime, BatchNorm nets without weights, and weights shared by `param { name }`."""

import numpy as np
import pytest

import realcaffe
from conftest import REFERENCE, corpus_file, run_cli
from scnn_tools.builders.agreement import check
from scnn_tools.builders.onnx_export import export
from scnn_tools.netfile.reader import read_net, read_text

pytest.importorskip("onnxruntime")


# ----------------------------------------------------------------- BatchNorm's statistics without weights

def _spliced_pspnet():
    """A PSPNet-style ResNet-50 (PSPNet's BN after every convolution) with an SCNN block at conv5_5."""
    from scnn_tools.builders.backbone import backbone
    from scnn_tools.builders.splicing import splice
    return splice(read_text(backbone(depth=50, size=65), "resnet50.prototxt"), "conv5_5")[0]


BN_NETS = {
    "MobileNet v1": (lambda: corpus_file("shicai__MobileNet-Caffe/mobilenet_deploy.prototxt").read_text(), None),
    "MobileNet v2": (lambda: corpus_file("shicai__MobileNet-Caffe/mobilenet_v2_deploy.prototxt").read_text(), None),
    # Up to what DetectionOutput reads: the detector's own layers are not what this is about.
    "MobileNet-SSD": (lambda: corpus_file("chuanqi305__MobileNet-SSD/deploy.prototxt").read_text(),
                      ["mbox_loc", "mbox_conf_flatten"]),
    "spliced PSPNet": (_spliced_pspnet, None),
}


@pytest.mark.parametrize("name", list(BN_NETS))
def test_batchnorm_nets_without_weights_give_finite_outputs(name):
    """Caffe fills BatchNorm's statistics with 0: every normalisation then multiplies by 1/sqrt(eps), and a
    deep net overflows. Filled as a trained net could have them (mean 0, variance 1), the outputs are finite."""
    text, outputs = BN_NETS[name]
    runs = check(export(read_text(text(), name), outputs=outputs))
    assert all(run.finite for run in runs), [(run.runtime, run.finite) for run in runs]


# ----------------------------------------------------------------- a .caffemodel as the net

LENET_SAVED = REFERENCE / "weights/lenet_random.caffemodel"  # LeNet as real Caffe saved it, random weights


def _saved_blobs(path):
    """The file's blobs by layer name, read here with protobuf alone."""
    from scnn_tools import caffe_pb2
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    return {layer.name: [np.array(b.data, np.float32) for b in layer.blobs]
            for layer in list(net.layer) + list(net.layers) if len(layer.blobs)}


@pytest.fixture
def lenet_saved():
    if not LENET_SAVED.is_file():
        pytest.skip(f"{LENET_SAVED} is missing (../shared)")
    return LENET_SAVED


def test_a_caffemodel_as_the_net_exports_its_own_weights(lenet_saved, tmp_path):
    import onnx
    from onnx import numpy_helper
    out = tmp_path / "lenet.onnx"
    code, _, err = run_cli("export", lenet_saved, "-o", out)
    assert code == 0, err
    written = {t.name: numpy_helper.to_array(t).ravel() for t in onnx.load(out).graph.initializer}
    saved = _saved_blobs(lenet_saved)
    assert set(saved) == {"conv1", "conv2", "ip1", "ip2"}
    for layer, blobs in saved.items():
        for blob, name in zip(blobs, ("weight", "bias")):
            assert np.array_equal(written[f"{layer}/{name}"], blob), (layer, name)


def test_weights_beside_a_caffemodel_as_the_net_are_refused_unless_the_same_file(lenet_saved, tmp_path):
    other = tmp_path / "other.caffemodel"
    other.write_bytes(lenet_saved.read_bytes())
    code, _, err = run_cli("export", lenet_saved, "--weights", other, "-o", tmp_path / "x.onnx")
    assert code == 2 and "Traceback" not in err, err
    assert "a .caffemodel with its own weights, and --weights " + str(other) + " gives others" in err
    assert str(lenet_saved) in err and not (tmp_path / "x.onnx").exists()
    export(read_net(str(lenet_saved)), weights=str(lenet_saved))  # the same file: no conflict


# ----------------------------------------------------------------- SegNet's unpooling in every runtime

def _net(shape, body):
    dims = " ".join(f"dim: {d}" for d in shape)
    return f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}\n{body}'


def segnet_upsample(bottom, mask, top_hw):
    """alexgkendall/caffe-segnet src/caffe/layers/upsample_layer.cpp Forward_cpu, transcribed: the top is
    zeroed, then per (n, c) plane top_data[mask[i]] = bottom_data[i] for i over the bottom's h * w."""
    n, c = bottom.shape[:2]
    top = np.zeros((n, c, top_hw[0] * top_hw[1]), np.float32)
    for i in range(n):
        for j in range(c):
            for k, index in enumerate(mask[i, j].ravel()):
                top[i, j, int(index)] = bottom[i, j].ravel()[k]
    return top.reshape(n, c, *top_hw)


@pytest.mark.parametrize("runtime", ["onnxruntime", "opencv", "openvino"])
def test_segnet_unpooling_to_an_odd_size_runs_in_every_runtime(runtime):
    """SegNet's decoder unpools 12 x 15 back to 23 x 30 (upsample_h/w), where ONNX's MaxUnpool infers 24:
    onnxruntime refused the model. pad_out_h (the deprecated form) gives 2 x 4 - 1 = 7 the same way."""
    from scnn_tools.builders import runtimes
    if runtime not in runtimes.installed():
        pytest.skip(f"{runtime} is not installed")
    body = '''
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" top: "mask" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "up" type: "Upsample" bottom: "pool" bottom: "mask" top: "up" upsample_param { scale: 2 upsample_h: 7 upsample_w: 9 } }
layer { name: "up2" type: "Upsample" bottom: "pool" bottom: "mask" top: "up2" upsample_param { scale: 2 pad_out_h: true } }
'''
    exported = export(read_text(_net([2, 3, 7, 9], body)), outputs=["pool", "mask", "up", "up2"])
    x = np.random.default_rng(4).standard_normal([2, 3, 7, 9]).astype(np.float32)
    out = runtimes.run(exported.data, {"data": x}, runtime, ["pool", "mask", "up", "up2"])
    # The mask as Caffe's MAX pooling writes it: h * W + w of each window's first maximum, windows clipped.
    mask = np.zeros((2, 3, 4, 5), np.float32)
    for y in range(4):
        for z in range(5):
            window = x[:, :, 2 * y:2 * y + 2, 2 * z:2 * z + 2]
            flat = window.reshape(2, 3, -1).argmax(axis=2)
            mask[:, :, y, z] = (2 * y + flat // window.shape[3]) * 9 + 2 * z + flat % window.shape[3]
    assert np.array_equal(out["mask"], mask)
    assert np.array_equal(out["up"], segnet_upsample(out["pool"], mask, (7, 9)))
    assert np.array_equal(out["up2"], segnet_upsample(out["pool"], mask, (7, 10)))


# ----------------------------------------------------------------- weights shared by `param { name }`

SCNN_TEXT = REFERENCE / "weights/scnn_5x7x16.prototxt"
SCNN_SAVED = REFERENCE / "weights/scnn_5x7x16_random.caffemodel"  # saved by Caffe: the shared blob once per layer


def _initializers(exported):
    import onnx
    from onnx import numpy_helper
    model = onnx.load_from_string(exported.data)
    return model, {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def _shared_names(text):
    """Each `param { name }` of the net, worked out from its text: the blobs written once each."""
    import re
    return set(re.findall(r'param\s*\{[^}]*?name:\s*"([^"]+)"', text))


def test_a_generated_scnn_block_writes_each_shared_kernel_once():
    from scnn_tools.builders.scnn import Spec
    text = Spec(6, 5, 8, 9, "data").text()
    names = _shared_names(text)
    assert names == {"SCNN_D_w", "SCNN_U_w", "SCNN_R_w", "SCNN_L_w"}
    text = _net([1, 8, 6, 5], text)
    model, weights = _initializers(export(read_text(text)))
    kernels = {name for name, array in weights.items() if array.ndim == 4}
    written = {f"param/{name}" for name in names}
    assert kernels == written  # one initializer per shared blob, named by it, and none per layer
    convs = [node for node in model.graph.node if node.op_type == "Conv"]
    assert len(convs) == 2 * (6 - 1) + 2 * (5 - 1)
    assert all(node.input[1] in written for node in convs)


@pytest.fixture
def scnn_saved():
    if not SCNN_SAVED.is_file() or not SCNN_TEXT.is_file():
        pytest.skip(f"{SCNN_SAVED} is missing (../shared)")
    return SCNN_TEXT.read_text(), SCNN_SAVED


def test_shared_weights_from_a_caffemodel_give_the_outputs_of_unshared_ones(scnn_saved):
    """The same block with its `param { name }` taken out reads each layer's own copy from the file: the
    outputs must not change, and the shared export holds four kernels where the other holds twenty."""
    import re
    text, saved = scnn_saved
    unshared = re.sub(r'name:\s*"SCNN_[DURL]_w"', "", text)
    assert _shared_names(unshared) == set()
    x = np.random.default_rng(5).standard_normal([1, 16, 5, 7]).astype(np.float32)
    outputs = {}
    for which, net in (("shared", text), ("unshared", unshared)):
        exported = export(read_text(net), weights=str(saved))
        outputs[which] = run_onnx(exported, {"conv5_5": x})["SCNN"]
        _, weights = _initializers(exported)
        assert len([a for a in weights.values() if a.ndim == 4]) == (4 if which == "shared" else 2 * 4 + 2 * 6)
    assert np.array_equal(outputs["shared"], outputs["unshared"])


def run_onnx(exported, feeds):
    import onnxruntime
    session = onnxruntime.InferenceSession(exported.data, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))


PYCAFFE_PARAMS = """
import sys, json
import caffe
net = caffe.Net(sys.argv[1], sys.argv[2], caffe.TEST)
print(json.dumps({name: [float(b.data.sum()) for b in blobs] for name, blobs in net.params.items()}))
"""


@realcaffe.needs("bvlc")
def test_copies_of_a_shared_blob_that_differ_leave_the_last_one_as_caffe_does(scnn_saved, tmp_path):
    """Caffe's CopyTrainedLayersFrom copies every layer of the file into the one blob the sharing layers hold:
    where the copies differ, the last layer's in the file stays. Asked of real Caffe, not assumed."""
    import json
    import subprocess
    from scnn_tools import caffe_pb2
    text, saved = scnn_saved
    net = caffe_pb2.NetParameter.FromString(saved.read_bytes())
    downs = [layer for layer in net.layer if layer.name.startswith("SCNN_D_") and len(layer.blobs)]
    for k, layer in enumerate(downs):  # each copy of SCNN_D_w made different
        layer.blobs[0].data[0] = 100.0 + k
    changed = tmp_path / "changed.caffemodel"
    changed.write_bytes(net.SerializeToString())
    (tmp_path / "net.prototxt").write_text(text)
    done = subprocess.run([str(realcaffe.HOME / "bvlc/venv/bin/python"), "-c", PYCAFFE_PARAMS,
                           str(tmp_path / "net.prototxt"), str(changed)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    caffe_sums = json.loads(done.stdout.strip().splitlines()[-1])
    _, weights = _initializers(export(read_text(text), weights=str(changed)))
    last = np.array(downs[-1].blobs[0].data, np.float32)
    assert np.array_equal(weights["param/SCNN_D_w"].ravel(), last)
    assert all(abs(caffe_sums[layer.name][0] - float(last.sum())) < 1e-3 for layer in downs)


def test_the_checker_still_refuses_a_model_whose_large_weights_do_not_fit(monkeypatch):
    """The full check's shape inference now sees a large weight as a graph input of its shape (its values
    stay out of the copy it makes): a weight that cannot broadcast onto the blob must still be refused."""
    from scnn_tools.errors import InputError
    from scnn_tools.net.layers.registry import kind_named

    def wrong(ctx, e):  # 3 x 40 x 40 added to 64 x 8 x 8: 19 KB, a stand-in
        e.op("Add", [e.x(), e.const(np.zeros((1, 3, 40, 40), np.float32), "bias")], e.y())

    monkeypatch.setattr(kind_named("Convolution"), "onnx", wrong)
    text = _net([1, 64, 8, 8], 'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
                               'convolution_param { num_output: 64 kernel_size: 1 } }')
    with pytest.raises(InputError, match="the ONNX checker refuses the model written"):
        export(read_text(text))

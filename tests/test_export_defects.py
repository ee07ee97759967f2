"""`scnn-tools export` as a new user meets it (issue 20's defects): a .caffemodel as the net, SegNet's
unpooling in every runtime, BatchNorm nets without weights, and weights shared by `param { name }`."""

import numpy as np
import pytest

from conftest import REFERENCE, corpus_file, run_cli
from scnn_tools.builders.onnx_export import check, export
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
    _, finite = check(export(read_text(text(), name), outputs=outputs))
    assert finite


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
    code, _, err = run_cli("export", lenet_saved, "--weights", lenet_saved, "-o", tmp_path / "x.onnx")
    assert code == 0, err

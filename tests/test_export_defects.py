"""`scnn-tools export` as a new user meets it (issue 20's defects): a .caffemodel as the net, SegNet's
unpooling in every runtime, BatchNorm nets without weights, and weights shared by `param { name }`."""

import numpy as np
import pytest

from conftest import corpus_file
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

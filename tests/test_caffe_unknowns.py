"""The Caffe rules say why they leave something unknown, as the ONNX rules do (registry.Ctx.unknown ->
the warning `unknown-by-rule`, one line per type and reason): a layer whose bottoms are all known and
whose top, parameters or multiply-adds are not is never silent."""

import pytest

from test_layers import ROWS, net_text

from scnn_tools.engine.analysis import Analysis
from scnn_tools.netfile.reader import read_text

# The warnings that say why a layer's own rules leave something unknown.
SAYING = {"unknown-by-rule", "ambiguous-fork-type"}


def _unknown(row):
    return any(t is None or None in t for t in row.tops) or row.params is None or row.macc is None


UNKNOWN_ROWS = [row for row in ROWS if not row.type.startswith("onnx.") and row.bottoms and _unknown(row)]


def test_the_rows_with_something_unknown_are_the_ones_the_rules_say_why_of():
    # (so that the test below checks what it means to: a row added with an unknown is in it)
    assert {row.type for row in UNKNOWN_ROWS} >= {"DetectionOutput", "DetectionEvaluate", "Filter", "ScaleRoute",
                                                  "YoloDetectionOutput", "Yolov3DetectionOutput", "Python",
                                                  "Python.rpn.proposal_layer.ProposalLayer", "Transpose"}


@pytest.mark.parametrize("row", UNKNOWN_ROWS, ids=lambda row: row.type)
def test_a_caffe_rule_never_leaves_something_unknown_silently(row):
    """Each row of tests/test_layers.py whose bottoms are known and whose tops, parameters or multiply-adds
    are not: a warning names layer 'l' and says why. Before, DetectionOutput (every SSD deploy file),
    DetectionEvaluate, Filter, ScaleRoute, the YOLO outputs and the Python layers said nothing where no
    layer read their tops."""
    analysis = Analysis(read_text(net_text(row), f"{row.type}.prototxt"))
    said = [w for w in analysis.warnings if w["code"] in SAYING and w["layer"] == "l"]
    assert said, [w["message"] for w in analysis.warnings]


def _net(layers, inputs):
    text = [f'layer {{ name: "{name}" type: "Input" top: "{name}" input_param {{ shape {{ '
            + " ".join(f"dim: {d}" for d in shape) + " } } }" for name, shape in inputs]
    return read_text("\n".join(text + layers) + "\n", "n.prototxt")


DETECTION = ('layer {{ name: "{0}" type: "DetectionOutput" bottom: "loc" bottom: "conf" bottom: "priors" '
             'top: "{0}" detection_output_param {{ num_classes: 21 background_label_id: 0 keep_top_k: 200 '
             'nms_param {{ nms_threshold: 0.45 top_k: 400 }} }} }}')
SSD_INPUTS = [("loc", [1, 192]), ("conf", [1, 1008]), ("priors", [1, 2, 192])]


def test_layers_of_a_type_that_say_the_same_are_one_line():
    analysis = Analysis(_net([DETECTION.format("d1"), DETECTION.format("d2")], SSD_INPUTS))
    (said,) = [w for w in analysis.warnings if w["code"] == "unknown-by-rule"]
    assert said["layer"] == "d1" and "survive its confidence threshold and NMS" in said["message"]
    assert "so do 1 more DetectionOutput layers, the next 'd2'" in said["message"]


def test_a_reason_the_unknown_shape_warning_gives_is_not_said_twice():
    """A Python layer's top read by a convolution: the warning where the unknown shape starts says why
    (a Python layer's shapes are decided by its code); the rule's own line would repeat it."""
    layers = ['layer { name: "py" type: "Python" bottom: "data" top: "p" '
              'python_param { module: "m" layer: "L" } }',
              'layer { name: "c" type: "Convolution" bottom: "p" top: "c" '
              'convolution_param { num_output: 2 kernel_size: 1 } }']
    analysis = Analysis(_net(layers, [("data", [1, 3, 8, 8])]))
    saying = [w for w in analysis.warnings if "decided by its code" in w["message"]]
    assert [w["code"] for w in saying] == ["unknown-shape"]


def test_a_python_layer_nobody_reads_says_why_its_top_is_unknown():
    layers = ['layer { name: "py" type: "Python" bottom: "data" top: "p" python_param { module: "m" layer: "L" } }']
    analysis = Analysis(_net(layers, [("data", [1, 3, 8, 8])]))
    (said,) = [w for w in analysis.warnings if w["code"] == "unknown-by-rule"]
    assert said["layer"] == "py" and "decided by its code" in said["message"]

"""Where forks give one type different arithmetic under the same parameters, the file is read by the fork whose
arithmetic runs it, and left unknown where several do (engine/forks.py). Each expected number is worked out
here from the forks' sources (named in scnn_tools/net/layers/lstm.py)."""

from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.netfile.reader import read_text

SEQ = 'input: "x" input_shape { dim: 35 dim: 1 dim: 384 }\n'


def lstm(name, bottom, h=256):
    return (f'layer {{ name: "{name}" type: "Lstm" bottom: "{bottom}" top: "{name}" '
            f'lstm_param {{ num_output: {h} }} }}\n')


def analysed(text):
    result = report(Analysis(read_text(text, "seq.prototxt")))
    layers = {layer["name"]: layer for layer in result["layers"]}
    return layers, result["warnings"]


def test_a_file_only_caffe_ocrs_lstm_runs_is_read_so():
    # A CRNN head: two directions concatenated on axis 2, which junhyukoh's (T*N, H) tops lack. caffe_ocr:
    # (35, 1, 256) each, the concat (35, 1, 512); lstm params 1024 * 384 + 1024 * 256 + 1024.
    layers, warnings = analysed(SEQ + lstm("f", "x") + lstm("b", "x")
                                + 'layer { name: "cat" type: "Concat" bottom: "f" bottom: "b" top: "cat" '
                                  'concat_param { axis: 2 } }\n')
    assert layers["f"]["outputs"][0]["shape"] == [35, 1, 256] and layers["cat"]["outputs"][0]["shape"] == [35, 1, 512]
    assert layers["f"]["params"] == 1024 * 384 + 1024 * 256 + 1024
    (warned,) = [w for w in warnings if w["code"] == "fork-reading"]
    assert "caffe_ocr" in warned["message"] and "junhyukoh" in warned["message"] and warned["layer"] == "f"


def test_a_file_both_lstms_run_leaves_them_unknown_naming_both():
    # Alone, (35, 1, 384) runs in both: junhyukoh's top (35, 256), caffe_ocr's (35, 1, 256).
    layers, warnings = analysed(SEQ + lstm("f", "x"))
    assert layers["f"]["outputs"][0]["shape"] is None and layers["f"]["params"] is None
    (warned,) = [w for w in warnings if w["code"] == "ambiguous-fork-type"]
    assert "(35, 256)" in warned["message"] and "(35, 1, 256)" in warned["message"]


def test_a_two_axis_sequence_is_junhyukohs_without_a_word():
    # junhyukoh/caffe-lstm's own examples: (320, 1) data and clip; caffe_ocr cannot read axis 2 of it.
    layers, warnings = analysed('input: "data" input_shape { dim: 320 dim: 1 }\n'
                                'input: "clip" input_shape { dim: 320 dim: 1 }\n'
                                'layer { name: "l" type: "Lstm" bottom: "data" bottom: "clip" top: "l" '
                                'lstm_param { num_output: 23 clipping_threshold: 0.1 } }\n')
    assert layers["l"]["outputs"][0]["shape"] == [320, 23]
    assert not [w for w in warnings if "fork" in w["code"]]

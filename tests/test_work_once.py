"""Work done once where its inputs are the same (issue 23's speed on 1,000-node models): these count calls, so
that a change which quietly does the work again per blob or per layer fails here rather than only in
tests/benchmark.py --onnx. Every figure the work gives stays the same: the other tests hold those."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scnn_tools.engine import analysis as analysis_module
from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.engine.totals import Total
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_bytes, read_text

ROOT = Path(__file__).resolve().parents[1]
onnx = pytest.importorskip("onnx")
from onnxrow import text_model  # noqa: E402

# Conv, then two layers that keep its field and size (BatchNormalization, Relu), then a residual Add: four
# tops, two fields along each axis (the Conv's, and the Add's union of the Conv's input and output).
BLOCK = """
g (float[1,4,12,12] x) => (y) <float[4,4,3,3] w, float[4] s, float[4] b, float[4] m, float[4] v> {
    c = Conv <pads = [1, 1, 1, 1]> (x, w)
    n = BatchNormalization (c, s, b, m, v)
    r = Relu (n)
    y = Add (x, r)
}
"""


def _analysed():
    return Analysis(read_bytes(text_model(BLOCK).SerializeToString(), "block.onnx"))


def test_a_shape_keeping_layer_is_measured_once_with_the_field_it_shares(monkeypatch):
    calls = []
    exact = analysis_module.scale.exact
    monkeypatch.setattr(analysis_module.scale, "exact", lambda *a: calls.append(a) or exact(*a))
    out = report(_analysed())
    # the image, the Conv (whose field BatchNormalization and Relu keep) and the Add: 3, not 5
    assert len(calls) == 3
    tops = {o["blob"]: o for layer in out["layers"] for o in layer["outputs"]}
    assert tops["c"]["scale"] == tops["n"]["scale"] == tops["r"]["scale"]
    assert tops["c"]["rf"] == tops["n"]["rf"] == tops["r"]["rf"] and tops["c"]["rf"]["size"] == [3, 3]
    assert tops["y"]["rf"]["size"] == [3, 3] and tops["c"]["scale"] is not tops["n"]["scale"]
    tops["c"]["rf"]["size"][0] = 99  # (each blob's rf is its own: a caller may change one)
    assert tops["n"]["rf"]["size"] == [3, 3]


def test_a_model_that_folds_nothing_is_analysed_without_numpy(tmp_path):
    # (numpy's import is a tenth of a second of every command on such a model; onnxfold needs it to fold)
    path = tmp_path / "block.onnx"
    path.write_bytes(text_model(BLOCK).SerializeToString())
    code = ("import sys; from scnn_tools.engine.analysis import analyze; "
            f"analyze({str(path)!r}); print('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


def test_a_layers_params_rule_runs_once_where_it_ran_at_one_size(monkeypatch):
    from scnn_tools.net.layers.registry import kind_named
    conv = kind_named("onnx.Conv")
    calls = []
    rule = conv.params
    monkeypatch.setattr(conv, "params", lambda ctx: calls.append(ctx) or rule(ctx))
    out = report(_analysed())
    assert len(calls) == 1 and out["totals"]["params"] == 4 * 4 * 9 + 2 * 4


def test_adding_exact_parts_keeps_what_is_not_known():
    partial = Total(5, {"rois": 2}, 3, ("det",), ("a", "b"))
    total = Total(1) + partial + Total(7) + Total(missing=("a",)) + Total(2)
    assert (total.known, total.per_item, total.bound, total.bounded, total.missing) == \
        (15, {"rois": 2}, 3, ("det",), ("a", "b"))
    assert partial.per_item == {"rois": 2} and (Total(2) + Total(3)).value == 5


def test_phase_rules_are_checked_in_file_order_before_the_data_layer():
    text = ('layer { name: "odd" type: "ReLU" bottom: "x" top: "x" include { phase: TEST } exclude { phase: TRAIN } }\n'
            'layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 4 dim: 4 } } }\n')
    with pytest.raises(InputError, match="layer 'odd' has both include and exclude"):
        Analysis(read_text(text))

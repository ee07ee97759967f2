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
from scnn_tools.netfile.reader import read_bytes, read_net, read_text

from conftest import CORPUS, needs_shared

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
    # the image and the Conv (whose field BatchNormalization and Relu keep, and the Add's too: its union of
    # the Conv's input and output holds what the Conv's does, the same view of the image's field): 2, not 5
    assert len(calls) == 2
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


def _block(shape, kernel, pads):
    h, w = shape
    return Analysis(read_bytes(text_model(f"""
g (float[1,4,{h},{w}] x) => (y) <float[4,4,{kernel[0]},{kernel[1]}] w> {{
    c = Conv <pads = {pads}> (x, w)
    r = Relu (c)
    y = Add (x, r)
}}
""").SerializeToString(), "block.onnx"))


def _fields(analysis, name):
    """(h's field, w's field) of a blob, plane and real."""
    b = analysis.graph.blob(name).id
    return [{image_axis: f for image_axis, f in traced[b].axes.values()} for traced in (analysis.traced, analysis.real)]


def test_h_and_w_share_one_field_where_every_layer_treats_them_alike():
    # A square map through square windows: each field is worked out (walked, measured, cut to the image) once for
    # both axes, as one object, in the plane walk and in the real one.
    analysed = _block((12, 12), (3, 3), [1, 1, 1, 1])
    for name in ("c", "r", "y"):
        for by_axis in _fields(analysed, name):
            assert by_axis["h"] is by_axis["w"]
    out = report(analysed)
    rf = {o["blob"]: o["rf"] for layer in out["layers"] for o in layer["outputs"]}
    # a 3x3 window padded by 1: feature 0 sees input -1..1 along each axis; the sum with x keeps that box
    assert rf["c"]["size"] == rf["y"]["size"] == [3, 3] and rf["c"]["padding"] == [1, 1]
    assert rf["c"]["start"] == [0.0, 0.0] and rf["c"]["jump"] == [1, 1]


@pytest.mark.parametrize("shape, kernel, pads, size, padding", [
    ((12, 12), (3, 1), [1, 0, 1, 0], [3, 1], [1, 0]),    # a 3x1 window on a square map: h and w differ
    ((12, 10), (3, 3), [1, 1, 1, 1], [3, 3], [1, 1]),    # alike windows on a map of two extents: cut apart
])
def test_h_and_w_keep_their_own_fields_where_the_net_tells_them_apart(shape, kernel, pads, size, padding):
    analysed = _block(shape, kernel, pads)
    plane, real = _fields(analysed, "y")
    if kernel[0] != kernel[1]:
        assert plane["h"] is not plane["w"]
    assert real["h"] is not real["w"]
    out = report(analysed)
    rf = {o["blob"]: o["rf"] for layer in out["layers"] for o in layer["outputs"]}
    assert rf["y"]["size"] == size and rf["y"]["padding"] == padding


def test_an_operators_attribute_values_are_converted_only_where_its_rules_read_them(monkeypatch):
    # Every attribute named is one its rules know: Relu, BatchNormalization and Add hold none to convert, and the
    # Conv's are read by its window rule.
    from scnn_tools.net.layers.onnx import node as node_module
    from scnn_tools.netfile import onnxfile
    calls = []
    convert = onnxfile.attributes

    def counted(proto):
        calls.append(proto.op_type)
        return convert(proto)

    monkeypatch.setattr(onnxfile, "attributes", counted)
    monkeypatch.setattr(node_module, "attributes", counted, raising=False)
    report(_analysed())
    assert calls == ["Conv"]


@needs_shared
def test_a_walk_out_of_work_leaves_fields_unknown_and_says_where(monkeypatch):
    # Keras's NASNetMobile (tf2onnx) joined fields in so many ways that the walk did not finish in 600 s; the
    # walks now get work in proportion to the net and leave what is beyond it unknown. Here ENet (its joins
    # need about 7,000 units) with a budget of 100.
    from scnn_tools.engine import fields
    enet = CORPUS / "TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt"
    whole = report(Analysis(read_net(str(enet))))
    monkeypatch.setattr(fields, "WORK_BASE", 100)
    monkeypatch.setattr(fields, "WORK_PER_LAYER", 0)
    cut = report(Analysis(read_net(str(enet))))
    (said,) = [w for w in cut["warnings"] if w["code"] == "fields-too-costly"]
    assert cut["totals"] == whole["totals"]  # shapes, parameters and costs do not depend on fields
    outputs = lambda r: [o for layer in r["layers"] for o in layer["outputs"]]  # noqa: E731
    lost = [a["blob"] for a, b in zip(outputs(cut), outputs(whole)) if a["rf"] is None and b["rf"] is not None]
    kept = [a for a, b in zip(outputs(cut), outputs(whole)) if a["rf"] is not None]
    assert lost and all(a["rf"] == b["rf"] for a, b in zip(outputs(cut), outputs(whole)) if a["rf"] is not None)
    assert kept and said["layer"] in [layer["name"] for layer in cut["layers"]]


def test_a_shape_keeping_layers_top_is_its_bottoms_traced_blob_in_both_walks():
    # BatchNormalization and Relu read the Conv's output position for position: their tops are given the Conv's
    # top as it was traced (no axis walked again), in the plane walk and in the real one.
    analysed = _analysed()
    ids = {name: analysed.graph.blob(name).id for name in ("x", "c", "n", "r", "y")}
    for traced in (analysed.traced, analysed.real):
        assert traced[ids["c"]] is traced[ids["n"]] is traced[ids["r"]]
        assert len({id(traced[i]) for i in ids.values()}) == 3  # x, c (n, r) and y
    assert analysed.blog[ids["r"]] == analysed.blog[ids["c"]]


def test_what_is_asked_of_a_shape_keeping_layers_top_is_asked_of_the_blob_it_keeps_and_only_along_fields():
    from scnn_tools.engine import fields
    analysed = _analysed()
    graph, shapes, deps = analysed.graph, analysed.shapes.blobs, analysed.deps
    need = fields.needed(graph, shapes, deps, analysed.image, analysed.image_axes, fields.keeping(graph, shapes, deps))
    ids = {name: graph.blob(name).id for name in ("x", "c", "n", "r", "y")}
    assert not [key for key in need if key[0] in (ids["n"], ids["r"])]  # (they have c's field: nothing to ask)
    # the Add reads r (so c) at its own 12 positions and position 1; the Conv reads x one beyond each end
    assert need[ids["c"], 2] == need[ids["c"], 3] == (0, 11)
    assert need[ids["x"], 2] == (-1, 12)
    assert {axis for _, axis in need} == {2, 3}  # (no field is along N or C: nothing is asked of them)


@pytest.mark.parametrize("kernel, pads, one", [((3, 3), [1, 1, 1, 1], True), ((3, 1), [1, 0, 1, 0], False),
                                               ((3, 3), [2, 0, 0, 2], False)])
def test_a_convolutions_axes_alike_read_through_one_map(kernel, pads, one):
    # (the walks ask whether h and w are read alike: one object says so at once)
    analysed = _block((12, 12), kernel, pads)
    conv = next(node for node in analysed.graph.nodes if node.type == "onnx.Conv")
    (per_axis,) = analysed.deps[conv.index]
    assert (per_axis[2][0][2] is per_axis[3][0][2]) == one


def test_splice_walks_no_field_and_analyze_walks_each_once(monkeypatch):
    """splice needs the shapes of the host and of the spliced net, never a field: the walks (seconds for a
    500x500 block after deconvolutions) run when something first asks for a field or for the warnings, once."""
    from scnn_tools.builders.splicing import splice
    from scnn_tools.engine import fields
    walks = []
    real_compute = fields.compute
    monkeypatch.setattr(fields, "compute", lambda *a, **k: walks.append(1) or real_compute(*a, **k))
    host = read_text("""name: "h" input: "data" input_shape { dim: 1 dim: 3 dim: 16 dim: 16 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
""", "h.prototxt")
    text, _, _ = splice(host, "c")
    assert "SCNN" in text and walks == []
    analysis = Analysis(read_text(text, "spliced.prototxt"))
    assert walks == []
    assert not analysis.warnings
    assert walks == [1, 1]  # (the warnings asked for the walks: the plane's and the real one)
    report(analysis)
    assert walks == [1, 1]

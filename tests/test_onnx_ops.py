"""The operators added for what real exporters emit (CastLike, Mod, CumSum, Range, Einsum, ScatterND,
NonMaxSuppression, RoiAlign, MaxRoiPool, MaxUnpool): fields where they move positions, checked against
onnxruntime's probe (tests/onnxprobe.py) and by hand; counts a detection op bounds; the folding of a
constant ScatterND."""

import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import helper, numpy_helper

sys.path.insert(0, str(Path(__file__).parent))
from onnxrow import text_model  # noqa: E402
from test_onnx_oracle import Hand, compare, engine_fields  # noqa: E402
from onnxprobe import probe  # noqa: E402

from scnn_tools import api  # noqa: E402

pytest.importorskip("onnxruntime")


def _probed(model, blobs, exact=True):
    bad, compared, unknown = compare(model, probe(model, blobs, "lines"), exact=exact)
    assert not bad, bad
    assert sorted(compared) == sorted(blobs), unknown


def _unpooled(net, x, kernel, strides, pads=(0, 0, 0, 0), size=None):
    """MaxPool with its Indices, then MaxUnpool of both back to the pooled input's size (SegNet's decoder as
    PyTorch exports MaxUnpool2d, with output_size where the default size would not hold every index)."""
    pooled, where = f"pool{len(net.nodes)}", f"where{len(net.nodes)}"
    attrs = dict(kernel_shape=list(kernel), strides=list(strides), pads=list(pads))
    net.nodes.append(helper.make_node("MaxPool", [x], [pooled, where], name=pooled, **attrs))
    inputs = [pooled, where]
    if size is not None:
        net.inits.append(numpy_helper.from_array(np.array(size, np.int64), "size"))
        inputs.append("size")
    return pooled, net.node("MaxUnpool", inputs, **attrs)


def test_max_unpooling_reads_the_window_its_value_came_from_by_hand():
    """Kernel 2, stride 2 on 6 x 8: unpooled position (y, x) holds the value of pooled (y // 2, x // 2) or 0,
    and that value is the max of input rows 2 (y // 2) .. + 1: the field of row y is those two rows, the
    transposed window (as SegNet's Upsample, which Caffe's rule reads as Nearest(2))."""
    net = Hand(6, 8)
    a = net.conv("x", (1, 1))
    pooled, top = _unpooled(net, a, (2, 2), (2, 2))
    ours, _ = engine_fields(net.model(top))
    shape, axes = ours[top]
    assert shape == [6, 8]
    for y in range(6):
        assert [tuple(r) for r in axes[0].at(y)] == [(2 * (y // 2), 2 * (y // 2) + 1)]
    _probed(net.model(top), [pooled, top], exact=False)


@pytest.mark.parametrize("kernel, strides, pads", [((3, 3), (2, 2), (1, 1, 0, 0)), ((3, 2), (1, 2), (0, 0, 0, 0))])
def test_max_unpooling_after_convolutions_misses_no_pixel(kernel, strides, pads):
    net = Hand(9, 10)
    a = net.conv("x", (3, 3), pads=(1, 1, 1, 1))
    _, top = _unpooled(net, a, kernel, strides, pads, size=[1, 2, 9, 10])
    b = net.conv(top, (3, 3))
    _probed(net.model(b), [top, b], exact=False)


def test_einsum_as_a_one_by_one_convolution_keeps_its_fields():
    """"nchw,oc->nohw" with a weight is a 1 x 1 convolution: the 3 x 3 convolution's field passes through
    unchanged, position by position, as onnxruntime's probe finds."""
    net = Hand(7, 8)
    a = net.conv("x", (3, 3), s=(2, 1))
    top = net.node("Einsum", [a, net.weight([3, 2])], equation="nchw,oc->nohw")
    ours, _ = engine_fields(net.model(top))
    assert ours[top][0] == [3, 6]
    _probed(net.model(top), [a, top])


def test_cumsum_along_w_leaves_w_without_a_field_and_h_as_it_was(tmp_path):
    net = Hand(6, 7)
    a = net.conv("x", (3, 3))
    net.inits.append(numpy_helper.from_array(np.array(3, np.int64), "axis"))
    top = net.node("CumSum", [a, "axis"])
    ours, _ = engine_fields(net.model(top))
    shape, axes = ours[top]
    assert shape == [4, 5] and set(axes) == {0}
    assert [tuple(r) for r in axes[0].at(1)] == [(1, 3)]


def test_scatter_nd_of_constants_is_folded_as_swins_window_mask(tmp_path):
    """Swin Transformer's shifted-window mask: zeros with a block written, then added to the attention
    scores. All constant, so folded: the Add reads a constant, and no ScatterND layer is left."""
    text = """g (float[1,1,4,3] x) => (y) <float[4,3] zero, int64[2,2,2] at = {1, 0, 1, 1, 2, 0, 2, 1},
                                          float[2,2] cnt = {5.0, 5.0, 5.0, 5.0}> {
        mask = ScatterND (zero, at, cnt)
        y = Add (x, mask)
    }"""
    path = tmp_path / "m.onnx"
    path.write_bytes(text_model(text).SerializeToString())
    result = api.analyze(path)
    assert [layer["type"] for layer in result["layers"]] == ["onnx.Input", "onnx.Add"]
    assert result["layers"][1]["outputs"][0]["shape"] == [1, 1, 4, 3]
    assert not result["warnings"] or all(w["code"] == "onnx-node-names" for w in result["warnings"])


def test_non_max_suppression_keeps_a_count_its_inputs_bound(tmp_path):
    """1 batch x 3 classes, 6 boxes, at most 2 per class: at most 6 rows, how many only the data says."""
    from scnn_tools.engine.analysis import Analysis
    from scnn_tools.netfile.reader import read_bytes
    text = """g (float[1,6,4] b, float[1,3,6] s) => (y) <int64[1] m = {2}> { y = NonMaxSuppression (b, s, m) }"""
    analysis = Analysis(read_bytes(text_model(text).SerializeToString(), "m.onnx"))
    (y,) = [blob.id for blob in analysis.graph.blobs if blob.name == "y"]
    assert analysis.shapes.blobs[y] == [None, 3] and analysis.shapes.bounds[y] == [6, 3]


def test_regions_pooled_from_a_count_the_net_computes_give_every_axis_but_the_count(tmp_path):
    text = """g (float[1,4,16,16] x, float[N,5] r) => (y) { y = MaxRoiPool <pooled_shape = [3, 3]> (x, r) }"""
    path = tmp_path / "m.onnx"
    path.write_bytes(text_model(text).SerializeToString())
    result = api.analyze(path, input_shape=[1, 4, 16, 16])
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    assert shapes["y"] == [None, 4, 3, 3]
    assert any(w["code"] == "unknown-by-rule" and "region" in w["message"] for w in result["warnings"])


def test_a_real_exported_unpooling_is_a_scatter_that_says_why_its_field_is_unknown():
    """tests/onnx_models/segnet_unpool.onnx (make.py): torch 2.13's exporter writes max_unpool2d as a flat
    ScatterND into zeros, indexed by the pooling's indices; its parameters are torch's own count (the
    int64 channel offsets it adds to the indices are no weight: test_onnx_models checks the total)."""
    path = Path(__file__).parent / "onnx_models" / "segnet_unpool.onnx"
    result = api.analyze(path)
    scatters = [layer for layer in result["layers"] if layer["type"] == "onnx.ScatterND"]
    assert len(scatters) == 2 and all(layer["params"] == 0 for layer in scatters)
    (said,) = [w for w in result["warnings"] if w["code"] == "unknown-by-rule" and "ScatterND" in w["message"]]
    assert "indices' values" in said["message"] and "1 more onnx.ScatterND" in said["message"]
    assert result["layers"][-1]["outputs"][0]["shape"] == [1, 2, 64, 64]

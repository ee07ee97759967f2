"""Fields through the ONNX operators that move, reduce, pick from and normalise whole axes (layers/onnx/
shape.py, reduce.py, norm.py, inner.py's MatMul, gather.py): worked out by hand, then against onnxruntime,
which owes nothing to the engine: raise one input pixel and see which outputs change."""

import re

import numpy as np
import pytest

from onnxrow import text_model

from scnn_tools import api
from scnn_tools.engine.analysis import Analysis, query
from scnn_tools.netfile.reader import read_bytes

pytest.importorskip("onnx")

# A 3x3 convolution of stride 2 (field 3, jump 2, feature 0 centred at 1), its map turned channels-last,
# normalised over the channels and multiplied by a weight matrix there, turned back, a second 3x3
# convolution, and what reduces, normalises, multiplies or picks along space after it.
NET = """
g (float[1,2,15,13] x) => (mm, out, rm, sm, lnc, rw, mw, mh, att, col, row, mvn)
  <float[4,2,3,3] w1, float[2,4,3,3] w2, float[4] s, float[4,4] W, float[2,15,13] s3, int64[1] ax = {2},
   float[4,3] V, float[15,5] H, int64[2] hw = {2, 3}, int64[2] cols = {1, 3}, int64 first = {0}> {
    c1 = Conv <strides = [2, 2]> (x, w1)
    nhwc = Transpose <perm = [0, 2, 3, 1]> (c1)
    ln = LayerNormalization (nhwc, s)
    mm = MatMul (ln, W)
    back = Transpose <perm = [0, 3, 1, 2]> (ln)
    out = Conv (back, w2)
    rm = ReduceMean (out, hw)
    sm = Softmax <axis = 3> (out)
    lnc = LayerNormalization <axis = 1> (x, s3)
    rw = ReduceSum <keepdims = 0> (out, ax)
    mw = MatMul (out, V)
    tr = Transpose <perm = [0, 1, 3, 2]> (x)
    mh = MatMul (tr, H)
    q = Transpose <perm = [0, 1, 3, 2]> (out)
    att = MatMul (out, q)
    col = Gather <axis = 3> (out, cols)
    row = Gather <axis = 2> (out, first)
    mvn = MeanVarianceNormalization <axes = [3]> (out)
}
"""


def _analysed(text=NET, opset=18):
    return api.analyze(read_bytes(text_model(text, opset).SerializeToString(), "net.onnx"))


def test_fields_follow_the_axes_worked_out_by_hand():
    blobs = {o["blob"]: o for layer in _analysed()["layers"] for o in layer["outputs"]}
    # Channels-last and back, normalised and multiplied over the channels only: c1's field everywhere
    # (3, jump 2, start 1), whichever axes h and w are on.
    for name in ("nhwc", "ln", "mm", "back"):
        rf = blobs[name]["rf"]
        assert (rf["size"], rf["jump"], rf["start"], rf["global"]) == ([3, 3], [2, 2], [1, 1], [False, False]), name
    assert blobs["mm"]["shape"] == [1, 7, 6, 4]
    # The second 3x3 (stride 1) on jump 2: 3 + 2 * 2 = 7, feature 0 centred at 1 + 1 * 2 = 3.
    rf = blobs["out"]["rf"]
    assert (rf["size"], rf["jump"], rf["start"]) == ([7, 7], [2, 2], [3, 3])
    # The mean over both spatial axes reads the whole 15 x 13 image; the softmax along w (axis 3) the whole
    # of w and its own rows, as does the mean-variance normalisation over w; the layer norm over C, H, W of the
    # image everything.
    assert blobs["rm"]["shape"] == [1, 2, 1, 1] and blobs["rm"]["rf"]["global"] == [True, True]
    assert blobs["rm"]["rf"]["size"] == [15, 13]
    rf = blobs["sm"]["rf"]
    assert (rf["size"], rf["global"], rf["start"][0]) == ([7, 13], [False, True], 3)
    assert blobs["lnc"]["rf"]["size"] == [15, 13] and blobs["lnc"]["rf"]["global"] == [True, True]
    assert blobs["mvn"]["rf"]["size"] == [7, 13] and blobs["mvn"]["rf"]["global"] == [False, True]
    # A sum over h (keepdims 0) leaves (1, 2, 4): w keeps its field, h has none left.
    rf = blobs["rw"]["rf"]
    assert blobs["rw"]["shape"] == [1, 2, 4] and rf["size"] == [None, 7] and rf["jump"] == [None, 2]
    # out (1, 2, 5, 4) times V (4, 3) along w: rows keep their field, every column reads the whole of w.
    rf = blobs["mw"]["rf"]
    assert blobs["mw"]["shape"] == [1, 2, 5, 3] and rf["size"] == [7, 13] and rf["global"] == [False, True]
    # The image turned (w, h) times H (15, 5) along h: axis 2 is w (one pixel), axis 3 reads the whole of h.
    rf = blobs["mh"]["rf"]
    assert blobs["mh"]["shape"] == [1, 2, 13, 5] and rf["size"] == [15, 1] and rf["global"] == [True, False]
    # out times its own transpose: entry (i, j) reads rows i and j whole along w, which no per-axis field
    # describes: none is claimed.
    assert blobs["att"]["shape"] == [1, 2, 5, 5] and blobs["att"]["rf"] is None
    # Columns 1 and 3 of out: output o is out's column 1 + 2o, centred at 3 + 2 * (1 + 2o) = 5 + 4o: jump 4,
    # start 5, still 7 wide. Row 0 alone: h is gone, w as out's.
    rf = blobs["col"]["rf"]
    assert blobs["col"]["shape"] == [1, 2, 5, 2] and (rf["size"], rf["jump"], rf["start"]) == ([7, 7], [2, 4], [3, 5])
    rf = blobs["row"]["rf"]
    assert blobs["row"]["shape"] == [1, 2, 4] and (rf["size"], rf["jump"]) == ([None, 7], [None, 2])


def test_costs_worked_out_by_hand():
    layers = {layer["outputs"][0]["blob"]: layer for layer in _analysed()["layers"]}
    # LayerNormalization learns its Scale (4; over C, H, W: 2 * 15 * 13 = 390) and counts no products.
    assert (layers["ln"]["params"], layers["ln"]["macc"]) == (4, 0)
    assert (layers["lnc"]["params"], layers["lnc"]["macc"]) == (390, 0)
    # MatMul (1, 7, 6, 4) x (4, 4): 16 weights, 7 * 6 * 4 outputs of 4 products each; out times its transpose:
    # 2 * 5 * 5 outputs of 4 products, nothing learnt.
    assert (layers["mm"]["params"], layers["mm"]["macc"]) == (16, 7 * 6 * 4 * 4)
    assert (layers["att"]["params"], layers["att"]["macc"]) == (0, 2 * 5 * 5 * 4)


# ------------------------------------------------------------------ onnxruntime
ort = pytest.importorskip("onnxruntime")


def _changed(model, output, shape, h_axis, w_axis):
    """Per output position (along its h and w axes): the bounding box (rows, columns) of the input pixels
    whose raise changes it, found by raising each pixel of a random image in turn."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    base = session.run([output], {"x": x})[0]
    boxes = {}
    for i in range(shape[2]):
        for j in range(shape[3]):
            raised = x.copy()
            raised[:, :, i, j] += 1.0
            diff = np.abs(session.run([output], {"x": raised})[0] - base) > 1e-5 * (1 + np.abs(base))
            others = tuple(a for a in range(diff.ndim) if a not in (h_axis, w_axis))
            for found in zip(*np.nonzero(diff.any(axis=others))):
                p, q = found if h_axis < w_axis else found[::-1]
                lo_i, hi_i, lo_j, hi_j = boxes.get((p, q), (i, i, j, j))
                boxes[p, q] = (min(lo_i, i), max(hi_i, i), min(lo_j, j), max(hi_j, j))
    return boxes


PROBED = [
    ("nhwc", 1, 2), ("ln", 1, 2), ("mm", 1, 2), ("back", 2, 3), ("out", 2, 3), ("sm", 2, 3), ("lnc", 2, 3),
    ("mw", 2, 3), ("rm", 2, 3), ("mh", 3, 2), ("col", 2, 3), ("mvn", 2, 3),
]


def _random_weights(model):
    from onnx import numpy_helper
    rng = np.random.default_rng(1)
    for i, tensor in enumerate(model.graph.initializer):
        value = numpy_helper.to_array(tensor)
        if value.dtype == np.float32:
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(
                rng.standard_normal(value.shape).astype(np.float32), tensor.name))
    return model


@pytest.mark.parametrize("blob, h_axis, w_axis", PROBED)
def test_fields_are_what_onnxruntime_changes(blob, h_axis, w_axis):
    """Every output position's field (cut to the image) is the box of the pixels that change it."""
    outputs = NET[NET.index("=>"):NET.index(")", NET.index("=>")) + 1]
    model = _random_weights(text_model(NET.replace(outputs, f"=> ({blob})"), 18))
    analysis = Analysis(read_bytes(model.SerializeToString(), "net.onnx"))
    boxes = _changed(model, blob, (1, 2, 15, 13), h_axis, w_axis)
    shape = analysis.shapes.blobs[analysis.graph.blob(blob).id]
    assert len(boxes) == shape[h_axis] * shape[w_axis]
    for (p, q), box in boxes.items():
        clipped = query(analysis, blob, int(p), int(q))["clipped"]
        assert tuple(clipped["y"] + clipped["x"]) == box, (blob, p, q)


# A vision-transformer block as exporters write one: 8x8 patches embedded by a convolution, the map turned
# into 16 tokens of 8, layer-normalised, one attention head (q, k, v from one projection, picked by Gather),
# the output projection and the residual sum, the tokens averaged.
BLOCK = """
g (float[1,3,32,32] x) => (pooled) <float[8,3,8,8] wp, float[8] ls, float[8] lb, float[8,24] wqkv, float[24] bqkv,
    float[8,8] wo, int64[3] flat = {1, 8, 16}, int64[4] heads = {1, 16, 3, 8}, int64 i0 = {0}, int64 i1 = {1},
    int64 i2 = {2}, int64[1] tokens = {1}> {
    patches = Conv <strides = [8, 8]> (x, wp)
    rows = Reshape (patches, flat)
    t = Transpose <perm = [0, 2, 1]> (rows)
    n = LayerNormalization (t, ls, lb)
    p = MatMul (n, wqkv)
    pb = Add (p, bqkv)
    split = Reshape (pb, heads)
    qkv = Transpose <perm = [2, 0, 1, 3]> (split)
    q = Gather (qkv, i0)
    k = Gather (qkv, i1)
    v = Gather (qkv, i2)
    kt = Transpose <perm = [0, 2, 1]> (k)
    scores = MatMul (q, kt)
    a = Softmax (scores)
    c = MatMul (a, v)
    o = MatMul (c, wo)
    r = Add (t, o)
    pooled = ReduceMean <keepdims = 0> (r, tokens)
}
"""


def test_a_transformer_block_worked_out_by_hand():
    result = _analysed(BLOCK)
    layers = {layer["outputs"][0]["blob"]: layer for layer in result["layers"]}
    shapes = {name: layer["outputs"][0]["shape"] for name, layer in layers.items()}
    assert shapes["patches"] == [1, 8, 4, 4] and shapes["t"] == [1, 16, 8] and shapes["qkv"] == [3, 1, 16, 8]
    assert shapes["q"] == shapes["v"] == [1, 16, 8] and shapes["scores"] == [1, 16, 16]
    assert shapes["pooled"] == [1, 8]
    # Multiply-adds: the patches 8 maps x 16 positions x 3 * 8 * 8; the projection 16 tokens x 24 x 8; the
    # scores 16 x 16 x 8; their mix of v 16 x 8 x 16; the output projection 16 x 8 x 8.
    maccs = {name: layers[name]["macc"] for name in ("patches", "p", "scores", "c", "o")}
    assert maccs == {"patches": 8 * 16 * 192, "p": 16 * 24 * 8, "scores": 16 * 16 * 8, "c": 16 * 8 * 16,
                     "o": 16 * 8 * 8}
    assert result["totals"]["macc"] == sum(maccs.values())
    # Learnt: the patch weights 1536, the norm's scale and shift 16, the projection 192 and its bias 24, the
    # output projection 64; the shape constants and indices are not.
    assert result["totals"]["params"] == 1536 + 16 + 192 + 24 + 64
    # The patch map's field (8, jump 8); the tokens mix h and w in one axis, which no per-axis field describes.
    assert layers["patches"]["outputs"][0]["rf"]["size"] == [8, 8]
    assert all(layers[name]["outputs"][0]["rf"] is None for name in ("rows", "t", "scores", "pooled"))


@pytest.mark.parametrize("text, opset, said", [
    ("<float[6] s, float[6] b> { y = GroupNormalization <num_groups = 4> (x, s, b) }", 18,
     "layer 'GroupNormalization_0' (onnx.GroupNormalization): num_groups 4 does not divide the 6 channels"),
    ("<int64[1] i = {7}> { y = Gather <axis = 2> (x, i) }", 17,
     "layer 'Gather_0' (onnx.Gather): indices [7] are out of range for axis 2"),
    ("<int64[1] k = {9}> { y, j = TopK (x, k) }", 17,
     "layer 'TopK_0' (onnx.TopK): k 9 is not between 0 and the 4 positions of axis 3"),
    ("<float[5] s> { y = LayerNormalization (x, s) }", 17,
     "layer 'LayerNormalization_0' (onnx.LayerNormalization): shapes (1, 6, 4, 4), (5) do not broadcast"),
])
def test_impossible_nodes_name_themselves(text, opset, said):
    from scnn_tools.errors import InputError
    model = text_model("g (float[1,6,4,4] x) => (y) " + text, opset)
    with pytest.raises(InputError, match=re.escape(said)):
        Analysis(read_bytes(model.SerializeToString(), "bad.onnx"))

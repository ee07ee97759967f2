"""What the sweep of whole model zoos (tests/onnx_models/sweep.py, run outside the suite) found wrong, each
case built small with onnx's text syntax, the expected values worked out here.

- ViT's class token: torchvision's vit_b_32 arrives as Concat(class token, patches), the exporter having
  folded the token's Expand into a 1 x 1 x 768 initializer; it is learnt (torchvision counts it in
  num_params) and was not counted.
- A model read without its external data file: Swin's shifted-window mask (a ScatterND on a table of zeros)
  and MaxViT's gathered position biases fold from initializers whose data is elsewhere. Their values are
  unknown but their dims are not, and the nodes they meet had no shape, nor did everything after them.
"""

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from onnxrow import text_model
from scnn_tools import api


def _analyze(tmp_path, model):
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    return api.analyze(path)


def _shapes(result):
    return {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}


def _codes(result):
    return {w["code"] for w in result["warnings"]} - {"onnx-node-names"}


def test_a_token_concatenated_before_the_patches_is_learnt(tmp_path):
    # 4 patches of 8 values and a learnt 1 x 1 x 8 token: 8 parameters; the 2 x 8 weight of the
    # MatMul after it 16 more. No multiply-adds in the Concat; the MatMul's 5 rows x 8 x 2 = 80.
    text = """g (float[1,4,8] x) => (y) <float[1,1,8] token, float[8,2] w> {
        t = Concat <axis = 1> (token, x)
        y = MatMul (t, w)
    }"""
    result = _analyze(tmp_path, text_model(text))
    assert _shapes(result)["t"] == [1, 5, 8]
    assert [layer["params"] for layer in result["layers"]] == [0, 8, 16]
    assert result["totals"]["params"] == 24 and result["totals"]["macc"] == 80


def _external(model, names):
    """The named initializers keep their dims and type, their data in a file that is never written (as
    strip.py and a model saved with external data and read without the file)."""
    for tensor in model.graph.initializer:
        if tensor.name in names:
            nbytes = len(tensor.raw_data) or int(np.prod(tensor.dims)) * 8
            for field in ("raw_data", "float_data", "int64_data", "int32_data"):
                tensor.ClearField(field)
            tensor.data_location = TensorProto.EXTERNAL
            for key, value in (("location", "missing.bin"), ("offset", "0"), ("length", str(nbytes))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
    return model


# Swin's mask as torch 2.13 writes it (tests/onnx_models/swin_t.onnx): a table of zeros with the shifted
# windows' blocks scattered in, reshaped to windows and added to the attention scores. ScatterND's output
# has its data's dims whatever the indices and updates hold (onnx/docs/Operators.md), so the Add's output
# is 1 x 2 x 4 x 4 and so is what follows.
SWIN_MASK = """g (float[1,2,4,4] scores) => (y) <float[4,4] zero, int64[2,1] rows = {1, 3}, float[2,4] fill,
                                               int64[4] windows = {1, 1, 4, 4}> {
    mask = ScatterND (zero, rows, fill)
    m = Reshape (mask, windows)
    s = Add (scores, m)
    y = Softmax <axis = -1> (s)
}"""


@pytest.mark.parametrize("missing", [{"zero", "fill"}, {"zero", "rows", "fill"}])
def test_a_mask_scattered_into_a_table_without_its_data_keeps_its_dims(tmp_path, missing):
    model = _external(text_model(SWIN_MASK), missing)
    result = _analyze(tmp_path, model)
    shapes = _shapes(result)
    assert shapes["s"] == [1, 2, 4, 4] and shapes["y"] == [1, 2, 4, 4]
    assert not _codes(result)
    # the mask is computed, not learnt (as when its data is in the file)
    assert result["totals"]["params"] == 0


def test_a_gathered_bias_table_without_its_data_keeps_its_dims(tmp_path):
    # MaxViT's and Swin's relative position bias: a (2*2-1)^2 x 2 heads table gathered by a 4 x 4 index
    # table, giving 4 x 4 x 2, transposed to heads first and unsqueezed: 1 x 2 x 4 x 4, as the scores.
    text = """g (float[1,2,4,4] scores) => (y) <float[9,2] table, int64[4,4] index, int64[1] zero = {0}> {
        b = Gather <axis = 0> (table, index)
        t = Transpose <perm = [2, 0, 1]> (b)
        u = Unsqueeze (t, zero)
        y = Add (scores, u)
    }"""
    result = _analyze(tmp_path, _external(text_model(text), {"table", "index"}))
    assert _shapes(result)["y"] == [1, 2, 4, 4]
    assert not _codes(result)


def test_a_shape_whose_data_is_not_in_the_file_stays_unknown(tmp_path):
    # Reshape's second input says the output's dims: without its values they are not known, and the
    # reader says so instead of folding stand-ins.
    text = """g (float[1,2,4,4] scores) => (y) <float[16] table, int64[4] windows = {1, 1, 4, 4}> {
        m = Reshape (table, windows)
        y = Add (scores, m)
    }"""
    result = _analyze(tmp_path, _external(text_model(text), {"table", "windows"}))
    assert _shapes(result)["y"] is None
    assert "onnx-unknown-value" in _codes(result)
    # with only the table missing, its dims follow from the shape's values
    result = _analyze(tmp_path, _external(text_model(text), {"table"}))
    assert _shapes(result)["y"] == [1, 2, 4, 4]


# MViT-V2's relative positions (torchvision's mvit_v2_s, as torch 2.13 exports it): the table of learnt
# offsets picked by a constant index through GatherND, then an Einsum with the queries. An operand whose
# value the reader does not compute made the whole analysis an internal error.
MVIT_REL_POS = """g (float[1,2,3,4] q) => (y) <float[5,4] table, int64[3,3,1] index> {
    rel = GatherND (table, index)
    y = Einsum <equation = "bhqc,qkc->bhqk"> (q, rel)
}"""


def test_gather_nd_folds_as_onnxs_reference_computes_it():
    from onnx.reference import ReferenceEvaluator
    from scnn_tools.netfile import onnxfold
    rng = np.random.default_rng(0)
    cases = [(rng.standard_normal((5, 4)).astype(np.float32), np.array([[[0], [2], [4]], [[1], [1], [3]]]), 0),
             (rng.standard_normal((2, 3, 4)).astype(np.float32), np.array([[[0, 1], [2, 3]], [[1, 0], [0, 2]]]), 1),
             (rng.standard_normal((3, 4)).astype(np.float32), np.array([[2, -1], [0, 0]]), 0)]
    for data, indices, batch_dims in cases:
        node = helper.make_node("GatherND", ["d", "i"], ["o"], batch_dims=batch_dims)
        graph = helper.make_graph([node], "g", [], [helper.make_tensor_value_info("o", TensorProto.FLOAT, None)],
                                  [numpy_helper.from_array(data, "d"), numpy_helper.from_array(indices, "i")])
        expected = ReferenceEvaluator(helper.make_model(graph)).run(None, {})[0]
        from scnn_tools.onnx_model_pb2 import NodeProto
        ours = onnxfold.run(NodeProto.FromString(node.SerializeToString()), [data, indices])[0]
        assert ours.shape == expected.shape and np.array_equal(ours, expected)


def test_mvits_gathered_positions_reach_the_einsum_with_their_dims(tmp_path):
    # the table 5 x 4 picked at 3 x 3 positions: rel is 3 x 3 x 4, y 1 x 2 x 3 x 3; the Einsum sums c (4)
    # for each of its 18 outputs: 72 multiply-adds; its non-data operand, as the rule counts one, 36 values
    result = _analyze(tmp_path, text_model(MVIT_REL_POS))
    assert _shapes(result)["y"] == [1, 2, 3, 3]
    assert result["totals"]["macc"] == 72 and result["totals"]["params"] == 36


def test_an_operand_not_known_before_the_net_runs_leaves_the_parameters_unknown(tmp_path):
    # the index computed by an op the reader does not fold (NonZero): no internal error; the operand's
    # size, and so the parameters, unknown
    text = """g (float[1,2,3,4] q) => (y) <float[5,4] table, float[3,3] mask> {
        index = NonZero (mask)
        rel = Gather (table, index)
        y = Einsum <equation = "bhqc,qkc->bhqk"> (q, rel)
    }"""
    result = _analyze(tmp_path, text_model(text))
    assert result["totals"]["params"] is None
    assert "onnx-unknown-value" in _codes(result)

"""ONNX models read into the layer graph (netfile/onnxfile.py): recognition, folding of the shape
computations exporters emit, expressions of shapes, errors, and every command that reads a net."""

import json

import numpy as np
import pytest

from onnxrow import text_model

from scnn_tools import api
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_bytes, read_net

onnx = pytest.importorskip("onnx")

# A small net: conv (asymmetric pads), BN, ReLU, pooling, a residual sum, a channel concat, global pooling,
# a Reshape whose target PyTorch-style shape computations give, and a Gemm.
SMALL = """
g (float[1,3,16,16] x) => (out) <float[8,3,3,3] w1, float[8] b1, float[8] s, float[8] bb, float[8] m, float[8] v,
                                 float[8,8,3,3] w2, float[10,16] fcw, float[10] fcb> {
    c1 = Conv <pads = [1, 0, 0, 1], strides = [2, 2]> (x, w1, b1)
    bn = BatchNormalization (c1, s, bb, m, v)
    r1 = Relu (bn)
    p1 = MaxPool <kernel_shape = [3, 3], strides = [2, 2], auto_pad = "SAME_LOWER"> (r1)
    c2 = Conv <pads = [1, 1, 1, 1]> (p1, w2)
    sum = Add (p1, c2)
    cat = Concat <axis = 1> (sum, p1)
    gap = GlobalAveragePool (cat)
    sh = Shape (gap)
    zero = Constant <value = int64 {0}> ()
    n = Gather (sh, zero)
    axes = Constant <value = int64[1] {0}> ()
    n1 = Unsqueeze (n, axes)
    minus = Constant <value = int64[1] {-1}> ()
    target = Concat <axis = 0> (n1, minus)
    flat = Reshape (gap, target)
    out = Gemm <transB = 1> (flat, fcw, fcb)
}
"""


@pytest.fixture
def cli(capsys):
    """The command line in this process (onnx imported once): (exit code, stdout, stderr)."""
    from scnn_tools.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def small(tmp_path, name="small.onnx", text=SMALL, **kw):
    path = tmp_path / name
    path.write_bytes(text_model(text, **kw).SerializeToString())
    return path


def by_blob(result):
    return {o["blob"]: (layer, o) for layer in result["layers"] for o in layer["outputs"]}


def test_a_model_is_one_layer_per_node_and_the_shape_computations_are_folded(tmp_path):
    netfile = read_net(str(small(tmp_path)))
    assert netfile.format == "onnx"
    types = [layer.type for layer in netfile.net.layer]
    assert types == ["onnx.Input", "onnx.Conv", "onnx.BatchNormalization", "onnx.Relu", "onnx.MaxPool",
                     "onnx.Conv", "onnx.Add", "onnx.Concat", "onnx.GlobalAveragePool", "onnx.Reshape", "onnx.Gemm"]
    reshape = netfile.net.layer[9]
    # The data bottom, then the blob whose shape the target expression reads (here the same blob).
    assert list(reshape.bottom) == ["gap"] and netfile.onnx_layers[9].data_bottoms == 1


def test_shapes_fields_and_costs_worked_out_by_hand(tmp_path):
    result = api.analyze(small(tmp_path))
    blobs = by_blob(result)
    # c1: h floor((16 + 1 + 0 - 3) / 2) + 1 = 8, w floor((16 + 0 + 1 - 3) / 2) + 1 = 8. Feature 0 reads
    # rows -1..1 (begin pad 1) and columns 0..2: starts 0 and 1, field 3, jump 2.
    layer, c1 = blobs["c1"]
    assert c1["shape"] == [1, 8, 8, 8] and c1["rf"]["size"] == [3, 3] and c1["rf"]["jump"] == [2, 2]
    assert c1["rf"]["start"] == [0, 1]
    assert layer["params"] == 8 * 3 * 9 + 8 and layer["macc"] == 8 * 8 * 8 * 27
    # p1, SAME_LOWER 3x3 stride 2 on 8: ceil(8 / 2) = 4 outputs, total padding 3 * 2 + 3 - 8 = 1, at the
    # beginning. Feature 0 reads c1 positions -1..1: rows -3..3 (centre 0), columns -2..4 (centre 1).
    _, p1 = blobs["p1"]
    assert p1["shape"] == [1, 8, 4, 4] and p1["rf"]["size"] == [7, 7] and p1["rf"]["jump"] == [4, 4]
    assert p1["rf"]["start"] == [0, 1]
    # c2 (3x3, pad 1, stride 1) widens by 2 jumps: 7 + 2 * 4 = 15; the sum keeps the wider field.
    _, s = blobs["sum"]
    assert s["shape"] == [1, 8, 4, 4] and s["rf"]["size"] == [15, 15] and s["rf"]["start"] == [0, 1]
    assert blobs["cat"][1]["shape"] == [1, 16, 4, 4]
    assert blobs["gap"][1]["shape"] == [1, 16, 1, 1] and blobs["gap"][1]["rf"]["global"] == [True, True]
    # The Reshape's target [N, -1] from Shape(gap): (1, 16); the Gemm 16 -> 10.
    assert blobs["flat"][1]["shape"] == [1, 16]
    layer, out = blobs["out"]
    assert out["shape"] == [1, 10] and layer["params"] == 170 and layer["macc"] == 160
    # BN learns scale and bias only; 224 + 16 + 576 + 170.
    assert result["totals"]["params"] == 224 + 16 + 8 * 8 * 9 + 170


def test_recognised_by_content_whatever_the_name(tmp_path):
    path = small(tmp_path, "model.bin")
    assert read_net(str(path)).format == "onnx"
    assert read_bytes(path.read_bytes(), "-").format == "onnx"


@pytest.mark.parametrize("data", [b"\x08\x07garbage\xff\xff\xff", b"not a model at all"])
def test_a_corrupt_onnx_file_is_one_clear_error(tmp_path, cli, data):
    path = tmp_path / "broken.onnx"
    path.write_bytes(data)
    code, out, err = cli("analyze", path)
    assert code == 2 and "Traceback" not in err and "not an ONNX model" in err


def test_a_truncated_model_is_one_clear_error(tmp_path, cli):
    data = small(tmp_path).read_bytes()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[:len(data) // 2])
    code, _, err = cli("analyze", path)
    assert code == 2 and "Traceback" not in err and "not an ONNX model" in err


def test_external_data_is_never_needed(tmp_path):
    model = text_model(SMALL)
    for tensor in model.graph.initializer:
        tensor.ClearField("raw_data")
        tensor.ClearField("float_data")
        tensor.data_location = onnx.TensorProto.EXTERNAL
        tensor.external_data.add(key="location", value="weights.bin")  # (not written)
    path = tmp_path / "external.onnx"
    path.write_bytes(model.SerializeToString())
    result = api.analyze(path)
    assert result["totals"]["params"] == 224 + 16 + 8 * 8 * 9 + 170
    assert by_blob(result)["out"][1]["shape"] == [1, 10]


DYNAMIC = """
g (float[N,3,H,W] x) => (y) <float[4,3,3,3] w> {
    c = Conv <pads = [1, 1, 1, 1], strides = [2, 2]> (x, w)
    sh = Shape (c)
    hw = Slice (sh, two, four)
    twice = Mul (hw, two)
    sizes = Concat <axis = 0> (n_c, twice)
    y = Resize <mode = "nearest"> (c, none, none, sizes)
}
"""


def test_an_expression_of_shapes_is_evaluated_with_the_input_shape_given(tmp_path):
    # Resize has no rule yet: its sizes input is an expression of Shape(c), and c is an extra, shape-only bottom.
    text = DYNAMIC.replace("<float[4,3,3,3] w>", "<float[4,3,3,3] w, int64[1] two = {2}, int64[1] four = {4}, "
                           "int64[2] n_c = {1, 4}, float[0] none>")
    netfile = read_net(str(small(tmp_path, text=text)))
    resize = netfile.net.layer[-1]
    assert resize.type == "onnx.Resize" and list(resize.bottom) == ["c"]
    sources = [i.source for i in netfile.onnx_layers[-1].inputs]
    from scnn_tools.netfile.onnxfile import Source as S
    assert sources == [S.DATA, S.CONSTANT, S.CONSTANT, S.EXPRESSION]
    from scnn_tools.net.layers.onnx.node import OnnxNode
    from scnn_tools.net.graph import build
    from scnn_tools.engine.shapes import infer
    graph = build(netfile)
    shapes = infer(graph, [1, 3, 20, 30])
    assert shapes.blobs[graph.blob("c").id] == [1, 4, 10, 15]
    ctx = shapes.contexts.get(graph.nodes[-1].index) or _ctx(graph, shapes)
    assert OnnxNode(ctx).ints(3) == [1, 4, 20, 30]


def _ctx(graph, shapes):
    from scnn_tools.net.layers.registry import Ctx
    node = graph.nodes[-1]
    return Ctx(node, [shapes.blobs[b] for b in node.bottoms], graph.netfile.source)


def test_a_dynamic_batch_is_one_image_and_dynamic_sizes_need_the_input_shape(tmp_path, cli):
    path = small(tmp_path, text=SMALL.replace("float[1,3,16,16] x", "float[batch,3,H,W] x"))
    info = api.info(path)
    assert info["inputs"][0]["shape"] == [1, 3, None, None]
    assert any(w["code"] == "onnx-dynamic-batch" and "'batch'" in w["message"] for w in info["warnings"])
    code, _, err = cli("query", path, "p1", "0", "0")
    assert code == 2 and "--input-shape" in err
    result = api.analyze(path, input_shape=[1, 3, 16, 16])
    assert by_blob(result)["out"][1]["shape"] == [1, 10]


def test_an_input_without_a_shape_is_unknown_until_given(tmp_path, cli):
    model = text_model(SMALL)
    model.graph.input[0].type.tensor_type.ClearField("shape")
    path = tmp_path / "shapeless.onnx"
    path.write_bytes(model.SerializeToString())
    assert api.info(path)["inputs"][0]["shape"] is None
    code, _, err = cli("analyze", path)
    assert code == 2 and "--input-shape" in err
    assert by_blob(api.analyze(path, input_shape=[1, 3, 16, 16]))["out"][1]["shape"] == [1, 10]


def test_an_unknown_op_warns_naming_it_and_what_follows_is_unknown(tmp_path):
    text = SMALL.replace("r1 = Relu (bn)", "r1 = Frobnicate (bn)")
    result = api.analyze(small(tmp_path, text=text))
    assert any("onnx.Frobnicate" in w["message"] for w in result["warnings"])
    blobs = by_blob(result)
    assert blobs["r1"][1]["shape"] is None and blobs["out"][1]["shape"] is None
    assert result["totals"]["params"] is None  # (what follows Frobnicate: known only in part)


def test_an_impossible_node_names_itself(tmp_path, cli):
    text = SMALL.replace("c2 = Conv <pads = [1, 1, 1, 1]> (p1, w2)", "c2 = Conv <pads = [1, 1, 1]> (p1, w2)")
    with pytest.raises(InputError) as caught:
        api.analyze(small(tmp_path, text=text))
    assert "onnx.Conv" in str(caught.value) and "pads" in str(caught.value)
    code, _, err = cli("analyze", tmp_path / "small.onnx")
    assert code == 2 and "Traceback" not in err and "pads [1, 1, 1]" in err


def test_a_node_reading_a_value_nothing_gives_is_refused_naming_it(tmp_path, cli):
    text = SMALL.replace("r1 = Relu (bn)", "r1 = Relu (nowhere)")
    code, _, err = cli("info", small(tmp_path, text=text))
    assert code == 2 and "node 3" in err and "'nowhere'" in err


def test_unnamed_nodes_get_their_op_and_index(tmp_path):
    model = text_model(SMALL)
    netfile = read_bytes(model.SerializeToString(), "m.onnx")
    names = [layer.name for layer in netfile.net.layer]
    assert names[1:4] == ["Conv_0", "BatchNormalization_1", "Relu_2"]
    assert [w["code"] for w in netfile.warnings] == ["onnx-node-names"]


def test_info_says_ir_opset_and_producer(tmp_path, cli):
    path = small(tmp_path)
    code, out, _ = cli("info", path)
    assert code == 0 and "format:   onnx" in out
    assert "model:    IR version" in out and "opset ai.onnx 17" in out and "scnn-tools tests" in out
    report = api.info(path)
    assert report["model"]["opset"] == {"ai.onnx": 17} and report["model"]["producer"] == "scnn-tools tests"


def test_every_command_that_reads_a_net_reads_an_exported_model(tmp_path, cli):
    from scnn_tools.builders.onnx_export import export
    path = tmp_path / "strided_5.onnx"
    path.write_bytes(export(read_net("examples/strided_5.prototxt")).data)
    code, out, err = cli("info", path)
    assert code == 0 and "format:   onnx" in out, err
    code, out, err = cli("analyze", path, "--format", "json")
    assert code == 0, err
    caffe = api.analyze("examples/strided_5.prototxt")
    assert json.loads(out)["layers"][-1]["outputs"][0]["rf"] == caffe["layers"][-1]["outputs"][0]["rf"]
    last = caffe["layers"][-1]["outputs"][0]["blob"]
    code, out, err = cli("query", path, last, "3", "4", "--format", "json")
    assert code == 0 and json.loads(out) == api.query("examples/strided_5.prototxt", last, 3, 4), err
    code, out, err = cli("profile", path, "-o", tmp_path / "profile.svg")
    assert code == 0 and (tmp_path / "profile.svg").stat().st_size > 0, err
    code, out, err = cli("erf", path, last, "--format", "json")
    assert code == 0 and json.loads(out)["radius"] == api.erf("examples/strided_5.prototxt", last)["radius"], err
    code, out, err = cli("draw", path, "-o", tmp_path / "net.svg")
    assert code == 0 and (tmp_path / "net.svg").stat().st_size > 0, err
    code, out, err = cli("match", path, "--objects", "examples/objects_synthetic.csv", "--format", "json")
    assert code == 0, err


def test_damaged_models_are_read_or_refused_never_a_fault():
    """Random byte changes and cuts of a model: each is analysed or refused with an InputError."""
    import random
    data = bytearray(text_model(SMALL).SerializeToString())
    rng = random.Random(23)
    for trial in range(300):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if trial % 3 == 0:
            damaged = damaged[:rng.randrange(1, len(damaged))]
        try:
            api.analyze(read_bytes(bytes(damaged), "damaged.onnx"))
        except InputError:
            pass


FOLDS = [  # (op, inputs, attributes, opset): shape computations as exporters write them
    ("Shape", [np.array([[1, 2, 3], [4, 5, 6]], "float32")], {}, 13),
    ("Shape", [np.array([[[1.0]] * 3] * 2, "float32")], {"start": 1, "end": -1}, 15),
    ("Gather", [np.array([1, 3, 224, 224], "int64"), np.array(2, "int64")], {"axis": 0}, 13),
    ("Gather", [np.array([1, 3, 224, 224], "int64"), np.array([0, -1], "int64")], {}, 13),
    ("Unsqueeze", [np.array(7, "int64"), np.array([0], "int64")], {}, 13),
    ("Unsqueeze", [np.array([7, 8], "int64")], {"axes": [0, 2]}, 11),
    ("Squeeze", [np.array([[7, 8]], "int64"), np.array([0], "int64")], {}, 13),
    ("Concat", [np.array([1], "int64"), np.array([-1, 4], "int64")], {"axis": 0}, 13),
    ("Slice", [np.array([1, 3, 224, 224], "int64"), np.array([2], "int64"), np.array([9223372036854775807], "int64")],
     {}, 13),
    ("Slice", [np.array([1, 3, 224, 224], "int64"), np.array([-1], "int64"), np.array([-5], "int64"),
               np.array([0], "int64"), np.array([-2], "int64")], {}, 13),
    ("Div", [np.array([7, -7], "int64"), np.array([2, 2], "int64")], {}, 13),
    ("Div", [np.array([7.0], "float32"), np.array([2.0], "float32")], {}, 13),
    ("Mul", [np.array([224, 224], "int64"), np.array([2], "int64")], {}, 13),
    ("Floor", [np.array([2.5, -2.5], "float32")], {}, 13),
    ("Cast", [np.array([2.7, 3.2], "float32")], {"to": 7}, 13),
    ("ConstantOfShape", [np.array([2, 3], "int64")], {}, 13),
    ("Range", [np.array(1, "int64"), np.array(9, "int64"), np.array(3, "int64")], {}, 13),
    ("Reshape", [np.array([[1, 2, 3], [4, 5, 6]], "int64"), np.array([0, -1], "int64")], {}, 14),
    ("ReduceProd", [np.array([2, 3, 4], "int64")], {"keepdims": 0}, 13),
    ("Equal", [np.array([1, 2], "int64"), np.array([1, 3], "int64")], {}, 13),
    ("Where", [np.array([True, False], "bool"), np.array([1, 2], "int64"), np.array([3, 4], "int64")], {}, 13),
    ("Expand", [np.array([[1], [2]], "int64"), np.array([2, 3], "int64")], {}, 13),
    ("CastLike", [np.array([2.7, -3.2], "float32"), np.array([0], "int64")], {}, 15),
    # Swin's shifted-window mask: a window of the zeros written with one count, rows 1..2 of columns 0..1.
    ("ScatterND", [np.zeros((4, 3), "float32"), np.array([[[1, 0], [1, 1]], [[2, 0], [2, 1]]], "int64"),
                   np.array([[5, 5], [5, 5]], "float32")], {}, 13),
    ("ScatterND", [np.zeros((4, 3), "float32"), np.array([[1], [3]], "int64"), np.ones((2, 3), "float32")],
     {"reduction": "add"}, 16),
    ("LessOrEqual", [np.array([1, 2, 3], "int64"), np.array([2], "int64")], {}, 16),
    ("GreaterOrEqual", [np.array([1.0, 2.0, 3.0], "float32"), np.array([2.0], "float32")], {}, 16),
    # RAFT's coordinate grid passes a Relu on constants.
    ("Relu", [np.array([[-1.5, 0.0], [2.0, -0.0]], "float32")], {}, 14),
    ("Relu", [np.array([-3, 4], "int64")], {}, 14),
    # onnxruntime's QDQ models: a weight stored quantized behind a DequantizeLinear, per tensor, per channel
    # (axis 0), per block.
    ("DequantizeLinear", [np.array([[0, 3], [200, 255]], "uint8"), np.array(0.5, "float32"), np.array(3, "uint8")],
     {}, 19),
    ("DequantizeLinear", [np.array([[-4, 3], [100, -128]], "int8"), np.array([0.5, 0.25], "float32"),
                          np.array([1, -2], "int8")], {"axis": 0}, 19),
    ("DequantizeLinear", [np.array([[-4, 3, 7], [100, -128, 5]], "int8"),
                          np.array([[0.5, 2.0], [0.25, 4.0]], "float32"), np.array([[1, 0], [-2, 3]], "int8")],
     {"axis": 1, "block_size": 2}, 21),
    # Fake-quantised exports (NVIDIA's pytorch-quantization, torch's QAT) quantise float weights in the graph:
    # halves round to even, values saturate, per tensor and per channel, to uint8 with no zero point, per block,
    # and to output_dtype's type.
    ("QuantizeLinear", [np.array([[0.5, 1.5, 2.5], [-0.5, 300.0, -300.0]], "float32"), np.array(1.0, "float32"),
                        np.array(0, "int8")], {}, 13),
    ("QuantizeLinear", [np.array([[0.26, -1.1], [7.0, 0.124]], "float32"), np.array([0.5, 0.25], "float32"),
                        np.array([3, -2], "int8")], {"axis": 0}, 13),
    ("QuantizeLinear", [np.array([[2.0, -2.0], [260.0, 3.5]], "float32"), np.array(2.0, "float32")], {}, 13),
    ("QuantizeLinear", [np.array([[-4.0, 3.0, 7.0], [100.0, -128.0, 5.0]], "float32"),
                        np.array([[0.5, 2.0], [0.25, 4.0]], "float32"), np.array([[1, 0], [-2, 3]], "int8")],
     {"axis": 1, "block_size": 2}, 21),
    ("QuantizeLinear", [np.array([1.0, -70000.0, 40000.0], "float32"), np.array(1.0, "float32")],
     {"output_dtype": 5}, 21),
]


SPLITS = [  # (inputs, attributes, opset, outputs): Split's parts, each an output
    ([np.arange(10, dtype="int64").reshape(2, 5), np.array([2, 3], "int64")], {"axis": 1}, 13, 2),
    ([np.arange(6, dtype="float32")], {}, 13, 3),
    ([np.arange(12, dtype="float32").reshape(2, 6)], {"axis": -1, "split": [1, 5]}, 11, 2),
    ([np.arange(7, dtype="int64")], {"num_outputs": 3}, 18, 3),
]


@pytest.mark.parametrize("inputs, attributes, opset, outputs", SPLITS)
def test_split_folds_into_each_part_as_onnx_reference(inputs, attributes, opset, outputs):
    """RAFT's coordinate grid comes through a Split of constants: every part, as onnx.reference computes it."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator
    from scnn_tools.netfile import onnxfold
    from scnn_tools.onnx_model_pb2 import NodeProto
    names, outs = [f"i{k}" for k in range(len(inputs))], [f"y{k}" for k in range(outputs)]
    theirs = helper.make_node("Split", names, outs, name="n", **attributes)
    graph = helper.make_graph([theirs], "g", [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(
        v.dtype), v.shape) for n, v in zip(names, inputs)], [helper.make_empty_tensor_value_info(o) for o in outs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    want = ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))
    got = onnxfold.run(NodeProto.FromString(theirs.SerializeToString()), inputs)
    assert len(got) == len(want)
    assert all(g.dtype == w.dtype and g.shape == w.shape and (g == w).all() for g, w in zip(got, want))


def test_bfloat16_constants_are_read_as_onnx_reads_them():
    """A bfloat16 tensor (raw_data, or its bits in int32_data) is read as the float32 values onnx's
    numpy_helper gives, exactly (bfloat16 is float32's top half)."""
    from onnx import TensorProto, helper, numpy_helper
    from scnn_tools.netfile import onnxfold
    from scnn_tools.onnx_model_pb2 import TensorProto as Ours
    values = np.array([[1.0, -2.5], [3.140625, 65280.0]], "float32")
    for raw in (True, False):
        t = helper.make_tensor("b", TensorProto.BFLOAT16, values.shape, values.reshape(-1).tolist(), raw=False)
        if raw:
            bits = (values.view(np.uint32) >> 16).astype("<u2")
            t = helper.make_tensor("b", TensorProto.BFLOAT16, values.shape, bits.tobytes(), raw=True)
        want = numpy_helper.to_array(t).astype(np.float32)
        got = onnxfold.to_array(Ours.FromString(t.SerializeToString()))
        assert got.dtype == np.float32 and (got == want).all() and (got == values).all()


@pytest.mark.parametrize("op, inputs, attributes, opset", FOLDS, ids=[f[0] for f in FOLDS])
def test_folding_computes_what_onnx_reference_computes(op, inputs, attributes, opset):
    """onnxfold's value of each op against onnx's own reference evaluator (onnx.reference), which shares no
    code with it."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator
    from scnn_tools.netfile import onnxfold
    from scnn_tools.onnx_model_pb2 import NodeProto
    names = [f"i{k}" for k in range(len(inputs))]
    theirs = helper.make_node(op, names, ["y"], name="n", **attributes)
    graph = helper.make_graph([theirs], "g", [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(
        v.dtype), v.shape) for n, v in zip(names, inputs)], [helper.make_empty_tensor_value_info("y")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    want = ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))[0]
    got = onnxfold.run(NodeProto.FromString(theirs.SerializeToString()), inputs)[0]
    assert got.dtype == want.dtype and got.shape == want.shape and (got == want).all()


CUTS = """
g (float[1,1,12,12] x) => (t) <float[1,1,3,3] w, int64[8] pads = {0, 0, 2, 1, 0, 0, 1, 0}, int64[1] st = {1},
                               int64[1] en = {100}, int64[1] ax = {2}, int64[1] sp = {2}, int64[2] parts = {5, 6}> {
    p = Pad (x, pads)
    c = Conv (p, w)
    s = Slice (c, st, en, ax, sp)
    a, b = Split <axis = 3> (s, parts)
    t = Transpose <perm = [0, 1, 3, 2]> (b)
}
"""


def test_pads_slices_splits_and_transposes_move_fields_as_worked_out_by_hand(tmp_path):
    blobs = by_blob(api.analyze(small(tmp_path, text=CUTS)))
    # Pad: 15 x 13; its position o reads x at o - 2 (rows) and o - 1 (columns). The 3x3 conv (13 x 11): feature
    # 0 reads rows -2..0 and columns -1..1, centres -1 and 0.
    assert blobs["c"][1]["shape"] == [1, 1, 13, 11]
    assert blobs["c"][1]["rf"]["start"] == [-1, 0] and blobs["c"][1]["rf"]["size"] == [3, 3]
    # Slice rows 1, 3, ..., 11 of c: 6 rows, jump 2, starting at conv row 1 (centre 0).
    assert blobs["s"][1]["shape"] == [1, 1, 6, 11] and blobs["s"][1]["rf"]["jump"] == [2, 1]
    assert blobs["s"][1]["rf"]["start"] == [0, 0]
    # Split's second piece starts at column 5. Transpose swaps the blob's axes; a field is given per axis of the
    # image ([h, w]), so t's axis 2 carries the image's w: the same field as b's.
    assert blobs["b"][1]["shape"] == [1, 1, 6, 6] and blobs["b"][1]["rf"]["start"] == [0, 5]
    t = blobs["t"][1]
    assert t["shape"] == [1, 1, 6, 6] and t["rf"]["jump"] == [2, 1] and t["rf"]["start"] == [0, 5]
    assert t["rf"]["size"] == [3, 3]
    # query's y and x index the blob's axes that carry the image's rows and columns (t's axes 3 and 2): t's
    # y 0, x 1 is b's row 0, column 1, s's (0, 6), c's (1, 6): p's rows 1..3 and columns 6..8, x's rows -1..1
    # and columns 5..7.
    assert api.query(tmp_path / "small.onnx", "t", 0, 1)["box"] == {"y": [-1, 1], "x": [5, 7]}


def test_a_weight_several_nodes_read_counts_once(tmp_path):
    # SCNN's message passing: one kernel for every slice (Caffe's param { name }, export's one initializer).
    text = """
    g (float[1,2,5,5] x) => (b) <float[2,2,3,3] w, float[2] bias> {
        a = Conv <pads = [1, 1, 1, 1]> (x, w, bias)
        b = Conv <pads = [1, 1, 1, 1]> (a, w, bias)
    }
    """
    result = api.analyze(small(tmp_path, text=text))
    assert [layer["params"] for layer in result["layers"]] == [0, 38, 0]
    assert result["totals"]["params"] == 38 and result["totals"]["macc"] == 2 * 50 * 18


WINDOWS = """
g (float[1,1,5,7] x) => (p, u) <float[1,1,1,3] w> {
    p = MaxPool <kernel_shape = [2, 3], strides = [3, 2], pads = [0, 1, 1, 1], ceil_mode = 1> (x)
    u = ConvTranspose <strides = [1, 2], pads = [0, 1, 0, 0]> (x, w)
}
"""


def test_ceil_mode_pooling_and_transposed_convolution_boxes_worked_out_by_hand(tmp_path):
    path = small(tmp_path, text=WINDOWS)
    # MaxPool: output (r, c) reads rows 3r + 0..1 and columns 2c - 1 + 0..2; 2 x 4 outputs (the row table).
    assert api.query(path, "p", 1, 3)["box"] == {"y": [3, 4], "x": [5, 7]}
    assert api.query(path, "p", 0, 0)["box"] == {"y": [0, 1], "x": [-1, 1]}
    # ConvTranspose, columns: output o reads input i where o = 2i - 1 + t, t = 0..2 (7 inputs: 2*6 + 3 - 1 =
    # 14 outputs): o = 2 only i = 1 (t = 1); o = 3 i = 1 (t = 2) and i = 2 (t = 0).
    blobs = by_blob(api.analyze(path))
    assert blobs["u"][1]["shape"] == [1, 1, 5, 14]
    assert api.query(path, "u", 0, 2)["box"]["x"] == [1, 1]
    assert api.query(path, "u", 0, 3)["box"]["x"] == [1, 2]
    assert blobs["u"][1]["rf"]["jump"] == [1, 0.5]


def test_split_without_sizes_before_opset_18_needs_equal_parts():
    """Split-13 without `split` cuts into equal parts (onnxruntime refuses 5 into 2: "not evenly
    splittable"); Split-18's num_outputs gives the last part what is left: 5 into 2 is 3 and 2."""
    from onnx import TensorProto, helper
    from scnn_tools.engine.analysis import Analysis

    def model(opset, **attrs):
        node = helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, **attrs)
        graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 5, 4, 4])],
                                  [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ab"])
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]).SerializeToString()

    with pytest.raises(InputError, match="equal parts"):
        Analysis(read_bytes(model(13), "split13.onnx"))
    analysis = Analysis(read_bytes(model(18, num_outputs=2), "split18.onnx"))
    assert [analysis.shapes.blobs[analysis.graph.blob(n).id] for n in "ab"] == [[1, 3, 4, 4], [1, 2, 4, 4]]


def _external(model):
    """The model with every initializer's data left out, as the zoo's stripped graphs are."""
    for tensor in model.graph.initializer:
        for field in ("raw_data", "float_data", "int64_data"):
            tensor.ClearField(field)
        tensor.data_location = onnx.TensorProto.EXTERNAL
        tensor.external_data.add(key="location", value="weights.bin")  # (not written)
    return model


# RAFT's first iteration: its motion encoder convolves the initial flow, a constant, with the weights every
# later iteration convolves a computed flow with.
FIRST_FLOW = """
g (float[1,2,6,6] x) => (y) <float[1,2,6,6] flow, float[4,2,3,3] w, float[4] b> {
    c0 = Conv <pads = [1, 1, 1, 1]> (flow, w, b)
    c1 = Conv <pads = [1, 1, 1, 1]> (x, w, b)
    y = Add (c0, c1)
}
"""

# swin_v2's continuous position bias as torch.onnx writes it: the first Linear folded into a table (tab), its
# bias added, a Relu, the second Linear (w2, no bias), moved to the scores' layout and added to them.
POSITION_BIAS = """
g (float[1,3,4,4] x) => (y) <float[1,4,4,8] tab, float[8] b1, float[8,3] w2, float[1,4,4,2] grid> {
    h = Add (tab, b1)
    r = Relu (h)
    m = MatMul (r, w2)
    t = Transpose <perm = [0, 3, 1, 2]> (m)
    parts = Constant <value = int64[2] {1, 1}> ()
    gx, gy = Split <axis = 3> (grid, parts)
    g2 = Relu (gx)
    s = Add (x, t)
    gt = Transpose <perm = [0, 3, 1, 2]> (g2)
    y = Mul (s, gt)
}
"""


def _analysed(tmp_path, text, stripped):
    """(the analysis, by_blob of it) of the model in `text`, its weights' data in the file or not."""
    model = text_model(text)
    path = tmp_path / "m.onnx"
    path.write_bytes((_external(model) if stripped else model).SerializeToString())
    result = api.analyze(path)
    return result, by_blob(result)


@pytest.mark.parametrize("stripped", [False, True])
def test_a_convolution_of_constants_with_learnt_weights_is_a_layer(tmp_path, stripped):
    """RAFT: the Conv of the constant flow stays a layer: its output has Conv's shape, its multiply-adds count
    (4 x 6 x 6 outputs of 2 x 9 products each, 2,592, as the Conv of x), its weights once with the other's."""
    result, blobs = _analysed(tmp_path, FIRST_FLOW, stripped)
    assert blobs["c0"][0]["type"] == "onnx.Conv" and blobs["c0"][1]["shape"] == [1, 4, 6, 6]
    assert blobs["y"][1]["shape"] == [1, 4, 6, 6]
    assert blobs["c0"][0]["macc"] == 2592 and result["totals"]["macc"] == 2 * 2592
    assert result["totals"]["params"] == 4 * 2 * 9 + 4
    assert not [w for w in result["warnings"] if w["code"] in ("onnx-unknown-value", "unknown-shape")]


@pytest.mark.parametrize("stripped", [False, True])
def test_a_position_bias_mlp_counts_its_matmul_not_the_table(tmp_path, stripped):
    """swin_v2: Add and Relu of the table fold (a Relu of constants is no weight), the MatMul with w2 is a layer
    learning w2 (8 x 3 = 24) and multiplying 1 x 4 x 4 x 3 outputs of 8 products (384); what reads it has its
    shape. The grid's Split and Relu (RAFT's coordinate grid) fold into constants."""
    result, blobs = _analysed(tmp_path, POSITION_BIAS, stripped)
    assert blobs["m"][0]["type"] == "onnx.MatMul" and blobs["m"][1]["shape"] == [1, 4, 4, 3]
    assert (blobs["m"][0]["params"], blobs["m"][0]["macc"]) == (24, 384)
    assert "h" not in blobs and "r" not in blobs and "g2" not in blobs
    assert blobs["y"][1]["shape"] == [1, 3, 4, 4]
    assert (result["totals"]["params"], result["totals"]["macc"]) == (24, 384)

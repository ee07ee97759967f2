"""The quantized convolutions' fields (QLinearConv, ConvInteger: layers/onnx/quantized.py) against onnxruntime.

onnxprobe.py rewrites float nets; these run on integers, so they are probed here the same way by hand: with
every weight 1, zero points 0 and scales 1, an input of zeros gives zeros, and raising one row (column) of
the image to 1 changes exactly the outputs whose field holds it (a sum of ones: nothing cancels, and 1 x 1
x 1 / 1 rounds to 1). The fields found are compared position by position with scnn-tools' (test_onnx_oracle's
compare), the same check the float probe makes.
"""

import numpy as np
import pytest

from onnxrow import text_model

onnxruntime = pytest.importorskip("onnxruntime")

from onnxprobe import Fields  # noqa: E402
from test_onnx_oracle import compare  # noqa: E402

H, W = 9, 11
GEOMETRY = "strides = [2, 1], pads = [1, 0, 2, 1], dilations = [1, 2]"
MODELS = {
    "QLinearConv": f"""g (uint8[1,2,{H},{W}] x) => (y) <float xs = {{1.0}}, uint8 xz = {{0}}, uint8[3,2,3,3] w,
        float ws = {{1.0}}, uint8 wz = {{0}}, float ys = {{1.0}}, uint8 yz = {{0}}> {{
        y = QLinearConv <{GEOMETRY}> (x, xs, xz, w, ws, wz, ys, yz)
    }}""",
    "ConvInteger": f"""g (uint8[1,2,{H},{W}] x) => (y) <uint8[3,2,3,3] w> {{
        y = ConvInteger <{GEOMETRY}> (x, w)
    }}""",
}


def _ones(model):
    for tensor in model.graph.initializer:
        if tensor.name == "w" or tensor.name.endswith("s"):
            from onnx import numpy_helper
            dtype = numpy_helper.to_array(tensor).dtype
            tensor.CopyFrom(numpy_helper.from_array(np.ones(list(tensor.dims), dtype), tensor.name))
    return model


def _fields(model):
    """Fields of output y from raising each input row, then each column, to 1."""
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    base = np.zeros((1, 2, H, W), np.uint8)
    zero = session.run(None, {"x": base})[0][0]
    rows, cols = [], []
    for axis, out in ((2, rows), (3, cols)):
        for i in range(base.shape[axis]):
            raised = base.copy()
            raised[(slice(None),) * axis + (i,)] = 1
            out.append((session.run(None, {"x": raised})[0][0] != zero).any(axis=0))
    return Fields(np.stack(rows, axis=-1), np.stack(cols, axis=-1))


@pytest.mark.parametrize("op", sorted(MODELS))
def test_quantized_convolution_fields_are_onnxruntimes(op):
    model = _ones(text_model(MODELS[op], opset=13))
    bad, compared, unknown = compare(model, {"y": _fields(model)}, exact=True)
    assert not bad and compared == ["y"] and not unknown


# A float net of the operators onnxruntime's quantizer rewrites: its learnt values are 8 * 27 + 8 = 224, 8 * 72 + 8
# = 584 and 16 * 4 + 4 = 68 (876); its multiply-adds 8 * 8 * 8 * 27 = 13,824 and 8 * 4 * 4 * 72 = 9,216 in the
# convolutions, 16 * 4 = 64 in the Gemm (23,104).
FLOAT = """g (float[1,3,8,8] x) => (y) <float[8,3,3,3] w1, float[8] b1, float[8,8,3,3] w2, float[8] b2, float[16,4] fw,
                                   float[4] fb> {
    c1 = Conv <pads = [1, 1, 1, 1]> (x, w1, b1)
    r1 = Relu (c1)
    a = AveragePool <kernel_shape = [2, 2], strides = [2, 2]> (r1)
    c2 = Conv <pads = [1, 1, 1, 1], strides = [2, 2]> (r1, w2, b2)
    s = Sigmoid (c2)
    m = Mul (c2, s)
    k = Concat <axis = 1> (a, m)
    p = GlobalAveragePool (k)
    f = Flatten (p)
    g = Gemm (f, fw, fb)
    y = Softmax (g)
}"""


@pytest.mark.parametrize("form", ["QDQ", "QOperator"])
def test_a_net_quantized_by_onnxruntime_costs_what_the_float_net_costs(tmp_path, form):
    """onnxruntime's static quantizer writes the net with its weights quantized behind DequantizeLinear (QDQ), or
    as QLinearConv, com.microsoft's QLinearAveragePool, QLinearMul, QLinearSigmoid, QLinearConcat,
    QLinearGlobalAveragePool, QGemm and QLinearSoftmax (QOperator):
    every blob has a shape, and the weights and multiply-adds are the float net's."""
    from onnx import numpy_helper
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static
    from scnn_tools import api
    rng = np.random.default_rng(0)
    model = text_model(FLOAT, opset=13)
    for tensor in model.graph.initializer:
        values = rng.uniform(-1, 1, list(tensor.dims)).astype(np.float32)
        tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
    (tmp_path / "f.onnx").write_bytes(model.SerializeToString())

    class Images(CalibrationDataReader):
        def __init__(self):
            self.left = 3

        def get_next(self):
            self.left -= 1
            return {"x": rng.uniform(0, 1, (1, 3, 8, 8)).astype(np.float32)} if self.left >= 0 else None

    quantize_static(str(tmp_path / "f.onnx"), str(tmp_path / "q.onnx"), Images(),
                    quant_format=getattr(QuantFormat, form))
    result = api.analyze(tmp_path / "q.onnx")
    if form == "QOperator":
        written = {layer["type"] for layer in result["layers"]}
        assert {f"onnx.com.microsoft.QLinear{op}" for op in ("AveragePool", "Concat", "Softmax")} <= written
    assert all(o["shape"] is not None for layer in result["layers"] for o in layer["outputs"])
    assert (result["totals"]["params"], result["totals"]["macc"]) == (876, 23104)


# A fake-quantised export, as NVIDIA's pytorch-quantization and torch's fake_quantize_per_channel_affine write it:
# each convolution's float weight passes QuantizeLinear and DequantizeLinear in the graph, its per-channel scale
# computed there too (max |w| / 127). The convolution's learnt values are 8 * 3 * 3 * 3 + 8 = 224, its
# multiply-adds 8 * 16 * 16 * 27 = 55,296 (stride 2 on 32 x 32, pads 1).
FAKE_QUANTISED = """g (float[1,3,32,32] x) => (y) <float[8,3,3,3] w, float[8] b, float xs = {0.02}, int8 xz = {0},
                                                  float m = {127.0}, int8[8] wz> {
    xq = QuantizeLinear (x, xs, xz)
    xd = DequantizeLinear (xq, xs, xz)
    a = Abs (w)
    top = ReduceMax <axes = [1, 2, 3], keepdims = 0> (a)
    ws = Div (top, m)
    wq = QuantizeLinear <axis = 0> (w, ws, wz)
    wd = DequantizeLinear <axis = 0> (wq, ws, wz)
    y = Conv <pads = [1, 1, 1, 1], strides = [2, 2]> (xd, wd, b)
}"""


def test_a_fake_quantised_export_costs_what_its_float_weights_cost(tmp_path):
    """Before QuantizeLinear folded, the weight was unknown and the convolution refused for want of its kernel."""
    from onnx import numpy_helper
    from scnn_tools import api
    model = text_model(FAKE_QUANTISED, opset=13)
    rng = np.random.default_rng(1)
    for tensor in model.graph.initializer:
        if tensor.name in ("w", "b"):
            values = rng.uniform(-1, 1, list(tensor.dims)).astype(np.float32)
            tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
    (tmp_path / "q.onnx").write_bytes(model.SerializeToString())
    result = api.analyze(tmp_path / "q.onnx")
    conv = next(layer for layer in result["layers"] if layer["type"] == "onnx.Conv")
    assert conv["outputs"][0]["shape"] == [1, 8, 16, 16] and (conv["params"], conv["macc"]) == (224, 55296)
    assert not [w for w in result["warnings"] if "fold" in w["message"]]


# The rest of the com.microsoft operators onnxruntime's QOperator quantizer writes (registry.py's QLinearOpsRegistry:
# AveragePool, Concat, Softmax, Where), each probed in onnxruntime as above, a line raised to 100, 112, ..., 232,
# 100, ... (not all alike: a softmax along a raised row would not move): at scale 1 every average that reads the line
# moves (100 / 6 rounds to 17), and every softmax along an axis that crosses it (y_scale 1/256: shares of 1/11,
# 23, become others); the condition of Where is all true.
CONTRIB = f"""g (uint8[1,2,{H},{W}] x) => (p, pl, q, s, s11, w) <float xs = {{1.0}}, uint8 xz = {{0}},
        float ss = {{0.00390625}}, bool[1,1,1,{W}] c, uint8 one = {{1}}> {{
    p = com.microsoft.QLinearAveragePool <kernel_shape = [3, 2], strides = [2, 2], pads = [1, 0, 1, 1],
                                          ceil_mode = 1> (x, xs, xz, xs, xz)
    t = Transpose <perm = [0, 2, 3, 1]> (x)
    pl = com.microsoft.QLinearAveragePool <kernel_shape = [2, 3], strides = [1, 2], pads = [0, 1, 1, 1],
                                           channels_last = 1> (t, xs, xz, xs, xz)
    q = com.microsoft.QLinearConcat <axis = 2> (xs, xz, x, xs, xz, x, xs, xz)
    s = com.microsoft.QLinearSoftmax <axis = -1, opset = 13> (x, xs, xz, ss, xz)
    s11 = com.microsoft.QLinearSoftmax <axis = 2, opset = 11> (x, xs, xz, ss, xz)
    w = com.microsoft.QLinearWhere (c, x, xs, xz, one, xs, xz, xs, xz)
}}"""


def test_the_quantizers_contrib_operators_fields_are_onnxruntimes():
    from onnx import numpy_helper
    model = text_model(CONTRIB, opset=13)
    for tensor in model.graph.initializer:
        if tensor.name == "c":
            tensor.CopyFrom(numpy_helper.from_array(np.ones(list(tensor.dims), bool), "c"))
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in model.graph.output]
    base = np.zeros((1, 2, H, W), np.uint8)
    zero = dict(zip(names, session.run(None, {"x": base})))
    raised = {name: ([], []) for name in names}
    for axis in (2, 3):
        for i in range(base.shape[axis]):
            x = base.copy()
            line = (slice(None),) * axis + (i,)
            x[line] = (100 + 12 * (np.arange(x[line].size) % 12)).reshape(x[line].shape)
            for name, out in zip(names, session.run(None, {"x": x})):
                changed = out[0] != zero[name][0]
                # (pl is N x H x W x C: its channels last)
                raised[name][axis - 2].append(changed.any(axis=-1) if name == "pl" else changed.any(axis=0))
    fields = {name: Fields(np.stack(rows, axis=-1), np.stack(cols, axis=-1)) for name, (rows, cols) in raised.items()}
    bad, compared, unknown = compare(model, fields, exact=True)
    assert not bad and sorted(compared) == sorted(names) and not unknown


def test_a_net_quantized_dynamically_counts_its_reshaped_biases(tmp_path):
    """onnxruntime's dynamic quantizer writes ConvInteger and adds each convolution's bias after it, reshaped to
    C x 1 x 1 by a Reshape of the initializer: those are the float net's learnt values still (876, 23,104 as
    above; before, the two biases' 16 were lost)."""
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from scnn_tools import api
    model = text_model(FLOAT, opset=13)
    rng = np.random.default_rng(2)
    for tensor in model.graph.initializer:
        values = rng.uniform(-1, 1, list(tensor.dims)).astype(np.float32)
        tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
    (tmp_path / "f.onnx").write_bytes(model.SerializeToString())
    quantize_dynamic(str(tmp_path / "f.onnx"), str(tmp_path / "d.onnx"), weight_type=QuantType.QUInt8,
                     op_types_to_quantize=["Conv", "MatMul", "Gemm"])
    result = api.analyze(tmp_path / "d.onnx")
    written = {layer["type"] for layer in result["layers"]}
    assert {"onnx.ConvInteger", "onnx.Reshape"} - written == {"onnx.Reshape"}  # (the Reshape folded, no layer)
    assert (result["totals"]["params"], result["totals"]["macc"]) == (876, 23104)

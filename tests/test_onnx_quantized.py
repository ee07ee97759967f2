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

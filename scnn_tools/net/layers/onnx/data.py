"""onnx.Input: a graph input that is no initializer (the reader makes one layer of each)."""

from ..registry import DATA, register
from .node import ALREADY


def _declared(layer, image):
    if image is not None:
        return [image]
    if layer.onnx_param.no_shape:
        return [None]
    return [[d.value if d.HasField("value") else None for d in layer.onnx_param.dim]]


register("onnx.Input", DATA, declared_shapes=_declared, no_onnx=ALREADY,
         note="the model leaves some of its dims dynamic")

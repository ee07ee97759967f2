"""ONNX operators, registered as "onnx.<OpType>" layer types (the reader, netfile/onnxfile.py, makes each
ONNX node such a layer). Each module cites the ONNX operator spec, onnx/docs/Operators.md, it follows."""

from . import data, conv, pool, elementwise, merge, inner, shape, resize, spatial  # noqa: F401
from . import quantized, deformable, elements, recurrent, transformer, control  # noqa: F401
from . import axes, reduce, norm, maths, gather, einsum, detection  # noqa: F401

"""The layer types of BVLC Caffe and of the forks met in real files, by family.

A type not registered anywhere in this package is unknown: it is reported
with a warning that names it, and passed through. Families with rules of
their own (data.py) register their types there instead.
"""

from . import register

_FAMILIES = {
    "convolution": "Convolution Deconvolution Im2col",
    "pooling": "Pooling SPP ROIPooling",
    "inner-product": "InnerProduct Embed",
    # Shape-keeping, element by element (most may run in place).
    "elementwise": "ReLU PReLU ELU Sigmoid TanH AbsVal BNLL Power Exp Log Threshold Clip Swish "
                   "Dropout BatchNorm BN Scale Bias MVN LRN Softmax Normalize",
    "merge": "Eltwise Concat",
    "split": "Slice Split Silence",
    "resize": "Interp Upsample Crop Tile",
    "reshape": "Reshape Flatten Permute BatchReindex Filter Reduction ArgMax Parameter",
    "recurrent": "RNN LSTM",
    "detection": "PriorBox DetectionOutput DetectionEvaluate",
    "loss": "SoftmaxWithLoss SigmoidCrossEntropyLoss EuclideanLoss HingeLoss InfogainLoss "
            "MultinomialLogisticLoss ContrastiveLoss SmoothL1Loss MultiBoxLoss",
    "metric": "Accuracy SegAccuracy",
    "output": "HDF5Output MatWrite",
    # Python layers may be anything; their shapes are declared by their code.
    "python": "Python",
}

for _family, _names in _FAMILIES.items():
    register(_names, _family)

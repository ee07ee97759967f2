"""An image as an SCNN lane model reads it, for training (scnn_tools/lanedata.py, which Caffe's own Python
loads) and for detection (lanes/detect.py, which runs without Caffe): so this imports numpy and Pillow only.

The whole image is resized to the net's input, bilinearly (no crop: XingangPan/SCNN datasets/laneTest.lua
ScaleWH(800, 288) of the full 1640x590 image), turned to BGR and VGG16's ImageNet mean taken off, as the
VGG16 weights the models start from were trained (Caffe's BGR order).
"""

import numpy as np
from PIL import Image

MEAN_BGR = (103.939, 116.779, 123.68)  # VGG16's ImageNet mean, in Caffe's BGR order


def net_input(image, height, width):
    """An RGB PIL image as the net's 3 x H x W float32 input."""
    data = np.asarray(image.resize((width, height), Image.BILINEAR), np.float32)[:, :, ::-1] - \
        np.array(MEAN_BGR, np.float32)
    return np.ascontiguousarray(data.transpose(2, 0, 1))

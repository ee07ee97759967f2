"""A Caffe Python data layer for CULane-format lane data, written into `scnn-tools lane` nets.

Caffe's own Python loads it (`python_param { module: "scnn_tools.lanedata" layer: "CULaneData" }`,
with this project on PYTHONPATH), so it imports nothing but numpy, Pillow and caffe, whatever
protobuf that Python has (the image's preparation is scnn_tools/lanes/prepare.py's, which lane-detect
shares). The list file has one line per image, CULane's format:

    /driver_23_30frame/05151649_0422.MP4/00000.jpg /laneseg_label_w16/.../00000.png 1 1 1 0

(image, label map of lane indices 0..L, existence of lanes 1..L), paths relative to `root`; L is
4 for CULane, 6 for TuSimple's lists in the same format.
Tops: data (N x 3 x H x W, BGR minus VGG16's mean), label (N x 1 x H x W), existence (N x L).
"""

import json
import os
import random

import numpy as np
from PIL import Image

import caffe
from scnn_tools.lanes.prepare import net_input


def read_list(path, root, lanes=4):
    """[(image path, label path, (e1, ..., eL)), ...]; a malformed line names the file and line."""
    items = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 + lanes or any(p not in ("0", "1") for p in parts[2:]):
                flags = " ".join(f"e{i}" for i in range(1, lanes + 1))
                raise ValueError(f"{path}:{number}: expected 'image.jpg label.png {flags}' "
                                 f"(existence 0 or 1), got {line.strip()!r}")
            image, label = (os.path.join(root, p.lstrip("/")) for p in parts[:2])
            items.append((image, label, tuple(int(p) for p in parts[2:])))
    if not items:
        raise ValueError(f"{path}: no images listed")
    return items


def load(item, height, width, lanes=4):
    """One example, resized to the net's input: (data 3 x H x W, label 1 x H x W, existence L)."""
    image_path, label_path, existence = item
    for path in (image_path, label_path):
        if not os.path.isfile(path):
            raise ValueError(f"{path}: no such file (listed in the data list)")
    image = Image.open(image_path).convert("RGB")
    label = Image.open(label_path)
    if label.size != image.size:
        raise ValueError(f"{label_path}: label is {label.size[0]}x{label.size[1]}, its image "
                         f"{image.size[0]}x{image.size[1]}: they must be the same size")
    if label.mode in ("RGB", "RGBA"):
        label = label.getchannel(0)  # labels written as grey RGB (some TuSimple converters do)
    label = np.asarray(label.resize((width, height), Image.NEAREST))  # lane indices must stay indices
    if label.max(initial=0) > lanes:
        raise ValueError(f"{label_path}: label value {int(label.max())} is above this model's {lanes} lanes")
    return net_input(image, height, width), label.astype(np.float32)[None], np.array(existence, np.float32)


class CULaneData(caffe.Layer):
    """param_str (JSON): root, list, batch, height, width, lanes (default 4), shuffle (default true),
    seed (default 0)."""

    def setup(self, bottom, top):
        p = json.loads(self.param_str)
        self.batch, self.height, self.width = int(p["batch"]), int(p["height"]), int(p["width"])
        self.lanes = int(p.get("lanes", 4))
        self.items = read_list(p["list"] if os.path.isabs(p["list"]) else os.path.join(p["root"], p["list"]),
                               p["root"], self.lanes)
        self.shuffle = p.get("shuffle", True)
        self.random = random.Random(p.get("seed", 0))
        self.order, self.next = [], 0
        if len(top) != 3:
            raise ValueError("CULaneData makes three tops: data, label, existence")

    def reshape(self, bottom, top):
        top[0].reshape(self.batch, 3, self.height, self.width)
        top[1].reshape(self.batch, 1, self.height, self.width)
        top[2].reshape(self.batch, self.lanes)

    def forward(self, bottom, top):
        for n in range(self.batch):
            if self.next >= len(self.order):
                self.order = list(range(len(self.items)))
                if self.shuffle:
                    self.random.shuffle(self.order)
                self.next = 0
            data, label, existence = load(self.items[self.order[self.next]], self.height, self.width, self.lanes)
            self.next += 1
            top[0].data[n], top[1].data[n], top[2].data[n] = data, label, existence

    def backward(self, top, propagate_down, bottom):
        pass

"""TuSimple's annotations (label_data_*.json) as the label images and `list6` files the lane data layer
reads (scnn_tools/lanedata.py: `image label e1 .. e6`, paths relative to the dataset's root).

The SCNN authors published their TuSimple labels (cardwing/Codes-for-Lane-Detection, the segGT6
images its list6 files name) but not the code that drew them. The converter the SCNN PyTorch
reimplementation published, harryhan618/SCNN_Pytorch dataset/Tusimple.py (generate_label), and its
six-lane form in ZJULearning/resa tools/generate_seg_tusimple.py, which this follows:

- a lane is its points with x >= 0; lanes of fewer than two points are dropped;
- the rest are ordered by the angle atan2(y_last - y_first, x_first - x_last) in degrees (h_samples
  run down the image); those of 90 or less run up to the right, the lanes left of the car: the last of
  them is lane 3, the two before it lanes 2 and 1; the first beyond 90 is lane 4, the next two 5 and 6;
- a lane of fewer than four points is marked absent (0) and not drawn; the others are drawn in
  order as cv2.line segments between consecutive points, value = lane number, thickness
  SEG_WIDTH // 2 = 15 on the 1280x720 image (a later lane overwrites an earlier one where they cross).
"""

import os

import numpy as np

from ..errors import InputError
from . import raster
from .formats import read_tusimple_json

HEIGHT, WIDTH = 720, 1280  # resa generate_seg_tusimple.py: H, W = 720, 1280
THICKNESS = 30 // 2  # SEG_WIDTH = 30; cv2.line(..., SEG_WIDTH // 2)
LANES = 6
MIN_POINTS = 4  # `if len(coords) < 4: list_str.append('0')`
# The splits of resa's TRAIN_SET / VAL_SET, which cardwing's list6_train.txt / list6_val.txt cover too.
TRAIN = ("label_data_0313.json", "label_data_0601.json")
VAL = ("label_data_0531.json",)


def order_lanes(record):
    """The six lane slots of one annotation: each a list of (x, y) or None."""
    lanes, slopes = [], []
    for xs in record["lanes"]:
        points = [(x, y) for x, y in zip(xs, record["h_samples"]) if x >= 0]
        if len(points) > 1:
            lanes.append(points)
            slopes.append(np.arctan2(points[-1][1] - points[0][1], points[0][0] - points[-1][0]) / np.pi * 180)
    order = np.argsort(slopes)
    lanes = [lanes[i] for i in order]
    slopes = [slopes[i] for i in order]
    slots = [None] * LANES
    for i, slope in enumerate(slopes):
        if slope <= 90:
            slots[2] = i
            slots[1] = i - 1 if i > 0 else None
            slots[0] = i - 2 if i > 1 else None
        else:
            slots[3] = i
            slots[4] = i + 1 if i + 1 < len(slopes) else None
            slots[5] = i + 2 if i + 2 < len(slopes) else None
            break
    return [None if s is None else lanes[s] for s in slots]


def label_image(record):
    """(uint8 HEIGHT x WIDTH label map, existence flags) for one annotation."""
    label = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    exist = []
    for number, points in enumerate(order_lanes(record), 1):
        if points is None or len(points) < MIN_POINTS:
            exist.append(0)
            continue
        canvas = raster.Canvas(HEIGHT, WIDTH)
        xs, ys = zip(*points)
        raster.polyline(canvas, raster.cv_round(np.asarray(xs, float)), raster.cv_round(np.asarray(ys, float)),
                        THICKNESS)
        got = canvas.mask()
        if got is not None:
            top, left, window = got
            region = label[top:top + window.shape[0], left:left + window.shape[1]]
            region[window] = number
        exist.append(1)
    return label, exist


def label_path(raw_file, labels):
    """clips/0313-1/6040/20.jpg -> segGT6/0313-1/6040/20.png (the clip folders under the labels')."""
    parts = raw_file.strip("/").split("/")
    stem = os.path.splitext(parts[-1])[0]
    return "/".join([labels, *parts[1:-1], stem + ".png"])


def convert(root, splits, labels="segGT6", list_dir="list6"):
    """Write the label PNGs under root/labels and one list per split, root/list_dir/list6_<split>.txt.
    `splits`: {split name: [annotation files, relative to root or absolute]}. Returns {split: (list
    path, images)}."""
    from PIL import Image

    if not os.path.isdir(root):
        raise InputError("no such directory (the TuSimple root)", root)
    written = {}
    for split, files in splits.items():
        lines = []
        for name in files:
            path = name if os.path.isabs(name) else os.path.join(root, name)
            for number, record in enumerate(read_tusimple_json(path), 1):
                try:
                    label, exist = label_image(record)
                    raw = record["raw_file"]
                except (KeyError, TypeError, ValueError):
                    raise InputError(f"record {number}: expected raw_file, lanes and h_samples "
                                     f"(one x per h_sample)", path) from None
                relative = label_path(raw, labels)
                target = os.path.join(root, relative)
                try:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    Image.fromarray(label).save(target)  # uint8 2-D: a grey (L) PNG
                except OSError as exc:
                    raise InputError(f"cannot write it: {exc.strerror}", target) from None
                lines.append(" ".join(["/" + raw.lstrip("/"), "/" + relative, *map(str, exist)]))
        list_path = os.path.join(root, list_dir, f"list6_{split}.txt")
        try:
            os.makedirs(os.path.dirname(list_path), exist_ok=True)
            with open(list_path, "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
        except OSError as exc:
            raise InputError(f"cannot write it: {exc.strerror}", list_path) from None
        written[split] = (list_path, len(lines))
    return written

"""`scnn-tools lane`: the SCNN lane-detection model for CULane or TuSimple, as BVLC Caffe trains it.

Writes train_val.prototxt, deploy.prototxt, solver.prototxt, the class-weight matrix the loss
reads and a README, after reading both nets back and analyzing them in every phase.
"""

import json
import os
from collections import namedtuple

from scnn_tools.errors import InputError, option
from scnn_tools.output import replacing, size
from .scnn import Spec, generate

Dataset = namedtuple("Dataset", "title height width lanes root train val max_iter source")
DATASETS = {
    # XingangPan/SCNN: experiments/train.sh (-backWeight 0.4, -batchSize 12), opts.lua (60,000 iterations),
    # tools: 288x800 inputs, four lanes.
    "culane": Dataset("CULane", 288, 800, 4, "data/CULane", "list/train_gt.txt", "list/val_gt.txt", 60000,
                      "XingangPan/SCNN (experiments/train.sh, opts.lua)"),
    # The SCNN authors' group's TuSimple code, cardwing/Codes-for-Lane-Detection ENet-TuSimple-Torch:
    # opts.lua -nLane 6; datasets/laneE.lua ScaleWH(640, 368); train.sh -batchSize 12 -maxIter 50000
    # -backWeight 0.4 with list6/list6_train.txt and list6/list6_val.txt, CULane's line format.
    "tusimple": Dataset("TuSimple", 368, 640, 6, "data/TuSimple", "list6/list6_train.txt", "list6/list6_val.txt",
                        50000, "cardwing/Codes-for-Lane-Detection (ENet-TuSimple-Torch: opts.lua, train.sh)"),
}
# ResNets as Kaiming He released them for Caffe, dilated to stride 8; the ImageNet weights they load.
RESNETS = {"resnet50": (50, [3, 4, 6, 3]), "resnet101": (101, [3, 4, 23, 3])}
BACKBONES = ("vgg16",) + tuple(RESNETS)
TITLES = {"vgg16": "VGG16", "resnet50": "ResNet-50", "resnet101": "ResNet-101"}
IMAGENET = {"vgg16": "VGG_ILSVRC_16_layers.caffemodel", "resnet50": "ResNet-50-model.caffemodel",
            "resnet101": "ResNet-101-model.caffemodel"}
# Where each comes from, as its publishers give it: the VGG team's Model Zoo entry
# (gist ksimonyan/211839e770f7b538e2d8, caffemodel_url) and Kaiming He's repository README ("Model files").
IMAGENET_SOURCE = {
    "vgg16": "the VGG team (Simonyan and Zisserman, Oxford), as Caffe's Model Zoo lists it (gist "
             "ksimonyan/211839e770f7b538e2d8):\nhttp://www.robots.ox.ac.uk/~vgg/software/very_deep/caffe/"
             "VGG_ILSVRC_16_layers.caffemodel",
    "resnet": "Kaiming He's release of the original ResNets (github.com/KaimingHe/deep-residual-networks, "
              "\"Model files\":\nmodels.zip from Microsoft Research, or its OneDrive link there)",
}
BACKGROUND_WEIGHT = 0.4          # both datasets' train.sh: -backWeight 0.4
SOLVER_BATCH = 12                # both train.sh: -batchSize 12, reached with iter_size
WEIGHTS_FILE = "class_weights.binaryproto"


def model(dataset="culane", height=None, width=None, batch=2, root=None, train_list=None, val_list=None,
          channels=128, variants=None, backbone="vgg16"):
    """{file name: text or bytes}, checked; and a summary of the model.

    The dataset gives the defaults of size, root and lists; `variants`: the block's options
    (scnn.Spec: directions, init, bias, activation).
    """
    if dataset not in DATASETS:
        raise InputError(f"{option('dataset')} must be one of {', '.join(DATASETS)} (got {dataset!r})")
    if backbone not in BACKBONES:
        raise InputError(f"{option('backbone')} must be one of {', '.join(BACKBONES)} (got {backbone!r})")
    d = DATASETS[dataset]
    # (0 is a size, refused below, not a request for the default)
    height, width = d.height if height is None else height, d.width if width is None else width
    root, train_list, val_list = root or d.root, train_list or d.train, val_list or d.val
    lanes = d.lanes
    classes = lanes + 1
    if height % 8 or width % 8 or not 16 <= height <= 4096 or not 16 <= width <= 4096:
        raise InputError(f"{option('size')} must be H x W, both multiples of 8 from 16 to 4096, so that the 1/8 map "
                         f"is whole (got {height}x{width}; {d.title}'s is {d.height}x{d.width})")
    if not 1 <= batch <= SOLVER_BATCH or SOLVER_BATCH % batch:
        raise InputError(f"{option('batch')} must divide {SOLVER_BATCH}, the solver's batch, reached with iter_size "
                         f"(got {batch})")
    block = generate(Spec(height // 8, width // 8, channels, 9, "fc7_lane",
                          **(variants or {})))
    data = {phase: json.dumps({"root": root, "list": lst, "batch": batch, "height": height, "width": width,
                               "lanes": lanes, "shuffle": phase == "TRAIN"}, separators=(",", ":"))
            for phase, lst in (("TRAIN", train_list), ("TEST", val_list))}
    if any("'" in d for d in data.values()):
        raise InputError(f"{option('data_root')} and the lists must not contain a single quote (')")
    from .render import render
    name = f"scnn_{dataset}" + ("" if backbone == "vgg16" else f"_{backbone}")
    depth, units = RESNETS.get(backbone, (0, []))
    common = dict(name=name, H=height, W=width, classes=classes, lanes=lanes, scnn=block, data=data,
                  weights=WEIGHTS_FILE, channels=channels, backbone=backbone, depth=depth, units=units,
                  stem_bias=depth == 50, dilated=True, fillers=True)
    files = {"train_val.prototxt": render("lane.prototxt.j2", deploy=False, **common),
             "deploy.prototxt": render("lane.prototxt.j2", deploy=True, **common),
             "solver.prototxt": _solver(batch, name, d),
             WEIGHTS_FILE: _weights(classes)}
    summary = _check(files, height, width, batch, channels, classes, lanes, f"{d.title} with {TITLES[backbone]}")
    files["README.md"] = _readme(d, backbone, name, height, width, batch, root, train_list, val_list, summary)
    return files, summary


def parse_size(size):
    """(height, width) from "HxW" (as --size takes it) or a pair; (None, None) for the dataset's own."""
    if size is None:
        return None, None
    if not isinstance(size, str):
        height, width = size
        return int(height), int(width)
    h, sep, w = size.partition("x")
    if not (sep and h.isdigit() and w.isdigit()):
        raise InputError(f"{option('size')} must be HxW, e.g. 288x800 (got {size!r})")
    return int(h), int(w)


def write(directory, files):
    """Every file whole, or none changed (each is written beside and renamed)."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InputError("exists and is not a directory", directory)
    try:
        os.makedirs(os.path.join(directory, "snapshots"), exist_ok=True)  # Caffe refuses a missing snapshot folder
    except OSError as exc:
        raise InputError(f"cannot write the model here: {exc.strerror}" + (f" ({exc.filename})" if exc.filename else ""),
                         directory) from None
    for name, content in files.items():
        with replacing(os.path.join(directory, name)) as tmp:
            with open(tmp, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))


def _solver(batch, name, dataset):
    return (f'# SGD as the SCNN code trains ({dataset.source}): batch {SOLVER_BATCH} as '
            f'{SOLVER_BATCH // batch} steps of {batch}\n'
            'net: "train_val.prototxt"\n'
            'test_iter: 100\ntest_interval: 2000\ntest_initialization: false\n'
            'base_lr: 0.01\nlr_policy: "poly"\npower: 0.9\nmomentum: 0.9\nweight_decay: 0.0001\n'
            f'max_iter: {dataset.max_iter}\niter_size: {SOLVER_BATCH // batch}\ndisplay: 20\n'
            f'snapshot: 5000\nsnapshot_prefix: "snapshots/{name}"\nsolver_mode: GPU\ntype: "SGD"\n')


def _weights(classes):
    """The InfogainLoss matrix: diagonal, the background weighted 0.4, each lane 1."""
    from scnn_tools import caffe_pb2
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend([1, 1, classes, classes])
    blob.data.extend((BACKGROUND_WEIGHT if i == 0 else 1.0) if i == j else 0.0
                     for i in range(classes) for j in range(classes))
    return blob.SerializeToString()


def _check(files, height, width, batch, channels, classes, lanes, what):
    from scnn_tools.engine.analysis import Analysis, report
    from scnn_tools.netfile.reader import read_text
    expected = {"lane_up": [classes, height, width], "exist_score": [lanes], "SCNN": [channels, height // 8, width // 8]}
    out = {}
    for name, phases in (("train_val.prototxt", ("TRAIN", "TEST")), ("deploy.prototxt", ("TEST",))):
        for phase in phases:
            analysis = Analysis(read_text(files[name], f"<{name}>"), phase)
            assert not analysis.warnings, f"{name} ({phase}) reads back with warnings: {analysis.warnings}"
            n = batch if name == "train_val.prototxt" else 1
            for blob, shape in expected.items():
                got = analysis.shapes.blobs[analysis.graph.blob(blob).id]
                assert got == [n] + shape, f"{name} ({phase}): '{blob}' is {got}, not {[n] + shape}"
            out[(name, phase)] = report(analysis)
    train = out[("train_val.prototxt", "TRAIN")]
    deploy = out[("deploy.prototxt", "TEST")]
    return (f"SCNN lane model, {what}, for {height}x{width} (a {height // 8}x{width // 8}x{channels} map): "
            f"{deploy['totals']['params']:,} parameters, {deploy['totals']['macc']:,} multiply-adds per image; "
            f"training at batch {batch} per step needs about {size(train['memory']['training'])} at float32 "
            f"(iter_size {SOLVER_BATCH // batch} makes the solver's batch {SOLVER_BATCH})")


def _readme(d, backbone, name, height, width, batch, root, train_list, val_list, summary):
    flags = " ".join(f"e{i}" for i in range(1, d.lanes + 1))
    if backbone == "vgg16":
        names = ("VGG16's layers keep their names (conv1_1 ... conv5_3), so its ImageNet weights initialise "
                 "them; fc6\nand fc7 differ in shape from VGG16's and are named fc6_lane and fc7_lane.")
    else:
        names = ("The ResNet's layers keep the names of Kaiming He's released Caffe model (conv1, res2a_branch1 "
                 "... res5c),\nso its ImageNet weights initialise them, its BatchNorm statistics included "
                 "(they stay fixed:\nuse_global_stats, as DeepLab trains ResNets at small batches). Stages 4 "
                 "and 5 are dilated by 2\nand 4 instead of strided, which changes no weight's shape. "
                 "fc7_lane (1x1 to the block's width)\nis new. Start from those weights: BatchNorm with zero "
                 "statistics does not train.")
    where = "absolute" if os.path.isabs(root) else (
        "relative to the directory Caffe runs in (train from this one, or\nwrite the model again with "
        "`scnn-tools lane --data-root /abs/path`)")
    example = (", as CULane's own lists give them: `/driver_23_30frame/.../00000.jpg`\n"
               "`/laneseg_label_w16/driver_23_30frame/.../00000.png 1 1 1 1`") if d.title == "CULane" else ""
    source = IMAGENET_SOURCE["vgg16" if backbone == "vgg16" else "resnet"]
    return f"""# An SCNN lane-detection model for {d.title}, written by scnn-tools

{summary}.

Files: `train_val.prototxt` (the Python data layer `scnn_tools.lanedata.CULaneData` reads
`{os.path.join(root, train_list)}` and `{os.path.join(root, val_list)}`, CULane's `image.jpg label.png {flags}` lines),
`deploy.prototxt` (outputs `lane_prob`, the {d.lanes + 1}-class probability map at {height}x{width}, and
`exist_prob`, the {d.lanes} lane-existence probabilities), `solver.prototxt` (SGD as the SCNN code
trains: base_lr 0.01, poly with power 0.9, momentum 0.9, weight decay 1e-4, {d.max_iter:,} iterations, batch
{SOLVER_BATCH} as iter_size {SOLVER_BATCH // batch} x {batch}), `{WEIGHTS_FILE}` (the loss's class weights:
background {BACKGROUND_WEIGHT}, lanes 1).

The data root `{root}` is {where}; the paths in the lists are
under it (a leading `/` is dropped){example}.

The initial weights, `{IMAGENET[backbone]}`, come from {source}.
Train from this directory, with scnn-tools' source directory on Caffe's Python path so that the data
layer loads (it imports only numpy, Pillow and caffe):

    PYTHONPATH=/path/to/scnn-tools caffe train --solver solver.prototxt --weights {IMAGENET[backbone]}

{names} Run the deploy net with
pycaffe: `net = caffe.Net("deploy.prototxt", "snapshots/{name}_iter_{d.max_iter}.caffemodel", caffe.TEST)`,
fill `net.blobs["data"]` with a {height}x{width} BGR image minus the data layer's ImageNet mean
(B 103.939, G 116.779, R 123.68), `net.forward()`.
"""

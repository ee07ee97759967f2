"""`scnn-tools lane`: the SCNN lane-detection model for CULane, as BVLC Caffe trains it.

Writes train_val.prototxt, deploy.prototxt, solver.prototxt, the class-weight matrix the loss
reads and a README, after reading both nets back and analyzing them in every phase.
"""

import json
import os

from .errors import InputError
from .output import replacing, size
from .scnn import Spec, generate

CLASSES, LANES = 5, 4            # background and four lanes (CULane)
BACKGROUND_WEIGHT = 0.4          # SCNN's experiments/train.sh: -backWeight 0.4
SOLVER_BATCH = 12                # SCNN's train.sh: -batchSize 12, reached with iter_size
WEIGHTS_FILE = "class_weights.binaryproto"


def model(height=288, width=800, batch=2, root="data/CULane", train_list="list/train_gt.txt",
          val_list="list/val_gt.txt", channels=128, variants=None):
    """{file name: text or bytes}, checked; and a summary of the model.

    `variants`: the block's options (scnn.Spec: directions, init, bias, activation).
    """
    if height % 8 or width % 8 or not 16 <= height <= 4096 or not 16 <= width <= 4096:
        raise InputError(f"--size must be H x W, both multiples of 8 from 16 to 4096, so that the 1/8 map "
                         f"is whole (got {height}x{width}; CULane's is 288x800)")
    if not 1 <= batch <= SOLVER_BATCH or SOLVER_BATCH % batch:
        raise InputError(f"--batch must divide {SOLVER_BATCH}, the solver's batch, reached with iter_size "
                         f"(got {batch})")
    block = generate(Spec(height // 8, width // 8, channels, 9, "fc7_lane", flags={"channel": "--channels"},
                          **(variants or {})))
    data = {phase: json.dumps({"root": root, "list": lst, "batch": batch, "height": height, "width": width,
                               "shuffle": phase == "TRAIN"}, separators=(",", ":"))
            for phase, lst in (("TRAIN", train_list), ("TEST", val_list))}
    if any("'" in d for d in data.values()):
        raise InputError("--data-root and the lists must not contain a single quote (')")
    from .render import render
    common = dict(H=height, W=width, classes=CLASSES, lanes=LANES, scnn=block, data=data, weights=WEIGHTS_FILE,
                  channels=channels)
    files = {"train_val.prototxt": render("lane.prototxt.j2", deploy=False, **common),
             "deploy.prototxt": render("lane.prototxt.j2", deploy=True, **common),
             "solver.prototxt": _solver(batch),
             WEIGHTS_FILE: _weights()}
    summary = _check(files, height, width, batch, channels)
    files["README.md"] = _readme(height, width, batch, root, train_list, val_list, summary)
    return files, summary


def write(directory, files):
    """Every file whole, or none changed (each is written beside and renamed)."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InputError("exists and is not a directory", directory)
    os.makedirs(os.path.join(directory, "snapshots"), exist_ok=True)  # Caffe refuses a missing snapshot folder
    for name, content in files.items():
        with replacing(os.path.join(directory, name)) as tmp:
            with open(tmp, "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))


def _solver(batch):
    return (f'# SGD as the SCNN code trains (experiments/train.sh, opts.lua): batch {SOLVER_BATCH} as '
            f'{SOLVER_BATCH // batch} steps of {batch}\n'
            'net: "train_val.prototxt"\n'
            'test_iter: 100\ntest_interval: 2000\ntest_initialization: false\n'
            'base_lr: 0.01\nlr_policy: "poly"\npower: 0.9\nmomentum: 0.9\nweight_decay: 0.0001\n'
            f'max_iter: 60000\niter_size: {SOLVER_BATCH // batch}\ndisplay: 20\n'
            'snapshot: 5000\nsnapshot_prefix: "snapshots/scnn_culane"\nsolver_mode: GPU\ntype: "SGD"\n')


def _weights():
    """The InfogainLoss matrix: diagonal, the background weighted 0.4, each lane 1."""
    from . import caffe_pb2
    blob = caffe_pb2.BlobProto()
    blob.shape.dim.extend([1, 1, CLASSES, CLASSES])
    blob.data.extend((BACKGROUND_WEIGHT if i == 0 else 1.0) if i == j else 0.0
                     for i in range(CLASSES) for j in range(CLASSES))
    return blob.SerializeToString()


def _check(files, height, width, batch, channels):
    from .analysis import Analysis, report
    from .reader import read_text
    expected = {"lane_up": [CLASSES, height, width], "exist_score": [LANES], "SCNN": [channels, height // 8, width // 8]}
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
    return (f"SCNN lane model for {height}x{width} (a {height // 8}x{width // 8}x{channels} map): "
            f"{deploy['totals']['params']:,} parameters, {deploy['totals']['macc']:,} multiply-adds per image; "
            f"training at batch {batch} per step needs about {size(train['memory']['training'])} at float32 "
            f"(iter_size {SOLVER_BATCH // batch} makes the solver's batch {SOLVER_BATCH})")


def _readme(height, width, batch, root, train_list, val_list, summary):
    return f"""# An SCNN lane-detection model for CULane, written by scnn-tools

{summary}.

Files: `train_val.prototxt` (the Python data layer `scnn_tools.lanedata.CULaneData` reads
`{root}/{train_list}` and `{root}/{val_list}`, CULane's `image.jpg label.png e1 e2 e3 e4` lines),
`deploy.prototxt` (outputs `lane_prob`, the {CLASSES}-class probability map at {height}x{width}, and
`exist_prob`, the {LANES} lane-existence probabilities), `solver.prototxt` (SGD as the SCNN code
trains: base_lr 0.01, poly with power 0.9, momentum 0.9, weight decay 1e-4, 60,000 iterations, batch
{SOLVER_BATCH} as iter_size {SOLVER_BATCH // batch} x {batch}), `{WEIGHTS_FILE}` (the loss's class weights:
background {BACKGROUND_WEIGHT}, lanes 1).

Train from this directory, with scnn-tools' source directory on Caffe's Python path so that the data
layer loads (it imports only numpy, Pillow and caffe):

    PYTHONPATH=/path/to/scnn-tools caffe train --solver solver.prototxt --weights VGG_ILSVRC_16_layers.caffemodel

VGG16's layers keep their names (conv1_1 ... conv5_3), so its ImageNet weights initialise them; fc6
and fc7 differ in shape from VGG16's and are named fc6_lane and fc7_lane. Run the deploy net with
pycaffe: `net = caffe.Net("deploy.prototxt", "snapshots/scnn_culane_iter_60000.caffemodel", caffe.TEST)`,
fill `net.blobs["data"]` with a {height}x{width} BGR image minus VGG16's mean, `net.forward()`.
"""

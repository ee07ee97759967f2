"""The Python API: what a script needs, with the command line's own engine behind it.

Each function is the library function its command runs, and returns what the command prints with
`--format json` (the README lists the keys). Each `net` argument is a path or a net returned by
`read` (a file) or `read_text` (text in memory). Inputs' shapes are given as in the command line:
`input_shape=[1, 3, 512, 512]` for the image, `inputs={"rois": [300, 5]}` for any other input.
Errors are `scnn_tools.InputError`, whose message says what is wrong and where, naming options by
their Python names (`kernel_width`; its `option` attribute holds the name). Nothing heavy is
imported until a function needs it.
"""

from __future__ import annotations

import os

from .errors import InputError, Said

TYPE_CHECKING = False  # typing itself costs `scnn-tools --help` a third of its time: only checkers read these
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping, Sequence, Union

    from .engine.analysis import Analysis
    from .netfile.reader import NetFile

    Net = Union[str, os.PathLike[str], NetFile]
    Shape = Sequence[int]


def read(path: str | os.PathLike[str]) -> NetFile:
    """The net in the file at `path` ("-": standard input), read and upgraded to the current format
    (V0 and V1 files, binary NetParameters too), with its warnings.

    >>> net = read("examples/plain_5.prototxt")
    >>> net.net.name, len(net.net.layer), net.warnings
    ('plain_5', 6, [])
    """
    from .netfile.reader import read_net
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"read takes a path (for text in memory: read_text), not {type(path).__name__}")
    return read_net(os.fspath(path))


def read_text(text: str, source: str = "<text>") -> NetFile:
    """The net in prototxt `text`, read and upgraded; `source` names it in messages.

    >>> net = read_text('input: "data" input_dim: [1, 3, 8, 8]\\n'
    ...                 'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
    ...                 'convolution_param { num_output: 4 kernel_size: 3 } }')
    >>> analyze(net)["layers"][-1]["outputs"][0]["shape"]
    [1, 4, 6, 6]
    """
    from .netfile.reader import read_text as _read_text
    return _read_text(text, source)


def _netfile(net: Net) -> NetFile:
    from .netfile.reader import NetFile
    return net if isinstance(net, NetFile) else read(net)


def _analysis(net: Net, phase: str, input_shape: Shape | None, inputs: Mapping[str, Shape] | None,
              stages: Iterable[str], batch: int | None = None, require_image: bool = True) -> Analysis:
    from .engine.analysis import Analysis
    return Analysis(_netfile(net), phase, input_shape, dict(inputs or {}), tuple(stages), batch, require_image)


def info(net: Net, phase: str | None = None, stages: Iterable[str] = ()) -> dict[str, Any]:
    """What the file is: its format and upgrades, inputs, layer counts by type and warnings (or, for a
    solver file, what it trains): the dict `scnn-tools info --format json` prints.

    >>> report = info("examples/resnet50.prototxt")
    >>> report["format"], report["inputs"][0]["shape"], report["types"]["Convolution"]
    ('V2', [1, 3, 224, 224], 53)
    """
    from .views.info import describe
    from .netfile.reader import NetFile
    return describe(net if isinstance(net, NetFile) else os.fspath(net), phase, tuple(stages))


def analyze(net: Net, phase: str | None = None, input_shape: Shape | None = None, inputs: Mapping[str, Shape] | None = None,
            stages: Iterable[str] = (), scale_model: str = "exact", batch: int | None = None) -> dict[str, Any]:
    """Every blob's shape, receptive field, spatial scale, cost and the net's memory: the dict that
    `scnn-tools analyze --format json` prints (keys documented in the README).

    >>> result = analyze("models/bvlc_alexnet/deploy.prototxt")
    >>> pool5 = next(o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "pool5")
    >>> pool5["shape"], pool5["rf"]["size"], pool5["rf"]["jump"]
    ([10, 256, 6, 6], [195, 195], [32, 32])
    """
    from .engine.analysis import report
    return report(_analysis(net, phase, input_shape, inputs, stages, batch, require_image=False), scale_model)


def query(net: Net, blob: str, y: int, x: int, phase: str | None = None, input_shape: Shape | None = None,
          inputs: Mapping[str, Shape] | None = None, stages: Iterable[str] = ()) -> dict[str, Any]:
    """The input box of feature (y, x) of `blob`: the dict `scnn-tools query --format json` prints
    (blob, index, box, center, clipped; input pixels, hi inclusive; global per axis [h, w]: every feature of
    the blob sees the whole image along it, as analyze's rf says).

    >>> query("models/bvlc_alexnet/deploy.prototxt", "pool5", 5, 5)["clipped"]
    {'y': [96, 226], 'x': [96, 226]}
    """
    from .engine.analysis import query as _query
    return _query(_analysis(net, phase, input_shape, inputs, stages), blob, y, x)


def generate(height: int, width: int, channels: int, kernel_width: int = 9, bottom: str = "conv5_4",
             prefix: str = "", directions: str = "DURL", init: str = "caffe", bias: bool = False,
             activation: str = "relu") -> str:
    """The SCNN block for a height x width x channels map, as prototxt text (the original generator's
    layers, names and fillers by default).

    >>> text = generate(36, 100, 128, bottom="fc7")  # CULane's map
    >>> text.count("layer {")
    808
    """
    from .builders.scnn import Spec
    from .builders.scnn import generate as _generate
    return _generate(Spec(height, width, channels, kernel_width, bottom, prefix, directions=directions, init=init,
                          bias=bias, activation=activation))


def splice(host: Net, at: str, reduce_to: int | None = None, kernel_width: int = 9, prefix: str = "",
           phase: str | None = None, input_shape: Shape | None = None, inputs: Mapping[str, Shape] | None = None,
           stages: Iterable[str] = (), rename_suffix: str | None = None, **variants: Any) -> tuple[str, str, list[str]]:
    """The host with an SCNN block after blob `at`, every reader rewired: (text, summary, warnings).
    `host` is a path or a net from `read`/`read_text` (its text is edited byte for byte); `variants`
    are generate's directions, init, bias and activation. Host layers whose parameters change shape
    (after `reduce_to`) get `rename_suffix` (default "_scnn") after their names, so that the host's weights
    load into the rest.

    >>> text, summary, warnings = splice("examples/resnet101.prototxt", "conv5_5")
    >>> summary[:62]
    "spliced after 'conv5_5/relu' (line 6836): SCNN block for a 128"
    """
    from .builders.splicing import splice as _splice
    text, summary, warnings = _splice(_netfile(host), at, kernel_width, prefix, reduce_to, phase, input_shape,
                                      dict(inputs or {}), tuple(stages), variants=variants or None,
                                      rename_suffix=rename_suffix)
    return text, summary, [str(Said(w)) for w in warnings]


def profile(net: Net, phase: str | None = None, input_shape: Shape | None = None,
            inputs: Mapping[str, Shape] | None = None, stages: Iterable[str] = ()) -> dict[str, Any]:
    """The spatial-scale profile along the net's main path: {"net", "points"}, one point per layer that
    computes a new field, from the image on (depth, layer, blob, rf: the larger side of its box on the
    unbounded plane, global per axis [h, w] as analyze's rf says, jump, shape, exact and blog scales); what
    `scnn-tools profile --format json` prints for each net.

    >>> points = profile("examples/resnet50.prototxt")["points"]
    >>> [(p["blob"], round(p["exact"]["width"]), p["global"]) for p in points if p["blob"] in ("res2c", "pool5")]
    [('res2c', 35, [False, False]), ('pool5', 224, [True, True])]
    """
    from .engine.profiles import result, spatial_profile
    return result(spatial_profile(_analysis(net, phase, input_shape, inputs, stages)))


def match(net: Net, objects: str | os.PathLike[str], maps: Sequence[str] = (), scale_model: str = "exact",
          output: str | os.PathLike[str] | None = None, phase: str | None = None, input_shape: Shape | None = None,
          inputs: Mapping[str, Shape] | None = None, stages: Iterable[str] = ()) -> dict[str, Any]:
    """Which feature map fits which object sizes: per octave of size (sqrt(w*h), boxes scaled as their
    images are fitted to the input), the map with the smallest spatial scale that covers it. `objects`
    is a COCO-style JSON or a CSV of boxes; `maps` the candidates (default: the end of each stride);
    `output` also draws the figure. The dict `scnn-tools match --format json` prints.

    >>> result = match("examples/resnet50.prototxt", "examples/objects_synthetic.csv", input_shape=[1, 3, 512, 512])
    >>> [(b["from"], b["map"]) for b in result["bands"] if b["from"] in (16, 32, 64)]
    [(16.0, 'res2c'), (32.0, 'res3d'), (64.0, 'res4f')]
    """
    from .engine.match import match as _match
    if output is not None:
        from .views.plot import check_output
        check_output(os.fspath(output))
    return _match(_analysis(net, phase, input_shape, inputs, stages), os.fspath(objects), scale_model, list(maps),
                  None if output is None else os.fspath(output))


def erf(net: Net, blob: str, output: str | os.PathLike[str] | None = None, log: bool = False,
        phase: str | None = None, input_shape: Shape | None = None, inputs: Mapping[str, Shape] | None = None,
        stages: Iterable[str] = ()) -> dict[str, Any]:
    """The effective receptive field of `blob`'s centre feature (Luo et al., 2016): the dict
    `scnn-tools erf --format json` prints (`blob`, `image` [H, W], `centre` [y, x], `radius` {"50", "90"}
    holding 50% and 90% of the mass, `box` {"50", "90"} and `theoretical`, each {"y": [lo, hi], "x":
    [lo, hi]} inclusive, and `global` [h, w] as analyze's rf says), plus `field`: the H x W numpy array over the image, summing to 1. `output`
    also saves the map (.npy) or draws it (.png, .svg or .pdf; `log`: on a log scale).

    >>> e = erf("examples/resnet50.prototxt", "res4f")
    >>> e["field"].shape, round(e["radius"]["50"]), e["theoretical"]
    ((224, 224), 29, {'y': [-47, 243], 'x': [-47, 243]})
    """
    from .engine.effective_field import check_output, report, write
    if output is not None:
        check_output(os.fspath(output))
    analysis = _analysis(net, phase, input_shape, inputs, stages)
    result = report(analysis, blob)
    if output is not None:
        write(result, os.fspath(output), f"{analysis.netfile.name}: effective receptive field of {blob}", log)
    return result


def draw(net: Net, output: str | os.PathLike[str], phase: str | None = None, input_shape: Shape | None = None,
         inputs: Mapping[str, Shape] | None = None, stages: Iterable[str] = ()) -> int:
    """Draw the layer graph into `output` (.svg, .png, .pdf, or .html to explore); the number of nodes.

    >>> draw("examples/plain_5.prototxt", "plain_5.svg")
    6
    """
    from .views.draw import draw_net
    # Like Caffe's draw_net, a drawing needs no image size: shapes it cannot know read '?'; a net whose shapes
    # fail at a layer is drawn without them.
    return draw_net(_netfile(net), os.fspath(output), phase, input_shape, dict(inputs or {}), tuple(stages))[0]


def lane(output: str | os.PathLike[str] | None = None, dataset: str = "culane", backbone: str = "vgg16",
         size: str | tuple[int, int] | None = None, batch: int = 2, data_root: str | None = None,
         train_list: str | None = None, val_list: str | None = None, channels: int = 128,
         **variants: Any) -> tuple[dict[str, str | bytes], str]:
    """The SCNN lane model for CULane or TuSimple: ({file name: content}, summary), every net read back
    and analyzed; written into the directory `output` as well when given. `size`: "HxW" or (H, W)
    (default: the dataset's); `variants` as generate's.

    >>> files, summary = lane("culane_model", backbone="resnet50")
    >>> sorted(files)[:3]
    ['README.md', 'class_weights.binaryproto', 'deploy.prototxt']
    """
    from .builders.lane import model, parse_size, write
    height, width = parse_size(size)
    files, summary = model(dataset, height, width, batch, data_root, train_list, val_list, channels,
                           variants or None, backbone)
    if output is not None:
        write(os.fspath(output), files)
    return files, summary


def export(net: Net, output: str | os.PathLike[str] | None = None, weights: str | None = None,
           outputs: Sequence[str] | None = None, opset: int = 17, phase: str | None = None,
           input_shape: Shape | None = None, inputs: Mapping[str, Shape] | None = None,
           stages: Iterable[str] = ()) -> bytes:
    """The net as an ONNX model (bytes), weights from `weights` (a .caffemodel) or the fillers; written to
    `output` as well, whole or not at all, when given.

    >>> data = export("lenet.prototxt", "lenet.onnx", weights="lenet.caffemodel")
    >>> import onnxruntime
    >>> [o.name for o in onnxruntime.InferenceSession(data).get_outputs()]
    ['prob']
    """
    from .builders.onnx_export import export as _export
    from .builders.onnx_export import write
    exported = _export(_netfile(net), phase, input_shape, dict(inputs or {}), tuple(stages), weights,
                       list(outputs) if outputs else None, opset)
    if output is not None:
        write(exported, os.fspath(output))
    return exported.data


def lane_detect(model: str | os.PathLike[str], images: Sequence[str | os.PathLike[str]], output: str | os.PathLike[str],
                weights: str | None = None, dataset: str = "culane", batch: int = 1, root: str | None = None,
                runtime: str = "onnxruntime", pictures: bool = False, probmaps: bool = False,
                progress: Any = None) -> dict[str, Any]:
    """Run a trained lane model (`model`: a deploy prototxt with outputs lane_prob and exist_prob, or the
    folder `lane` wrote; `weights`: its .caffemodel) on `images` (files, folders, image lists; list entries
    relative to `root`), decode the lanes as the SCNN authors do and write them into the folder `output`:
    CULane `.lines.txt` per image, or TuSimple's predictions.json; `pictures`/`probmaps` draw them. Runs
    in onnxruntime through the export, or in Caffe (`runtime="caffe"`). A summary: images, lanes, runtime,
    output, warnings, setup_seconds, seconds (the images, of which forward_seconds and decode_seconds).

    >>> summary = lane_detect("culane_model", ["driver_100_30frame"], "found", weights="culane.caffemodel")
    >>> sorted(summary)[:3]
    ['decode_seconds', 'forward_seconds', 'images']
    """
    from .lanes.detect import detect
    return detect(model, list(images), output, weights, dataset, batch, root, runtime, pictures, probmaps, progress)


def lane_eval(predictions: str | os.PathLike[str], annotations: str | os.PathLike[str], dataset: str = "culane",
              image_list: str | os.PathLike[str] | None = None, split_dir: str | os.PathLike[str] | None = None,
              iou: float = 0.5, lane_width: int = 30, size: tuple[int, int] = (590, 1640),
              jobs: int | None = None) -> dict[str, Any]:
    """The benchmark's own scores of detected lanes. CULane: `predictions` and `annotations` are
    directories of .lines.txt files, scored over the images of `image_list` (test.txt) or per category
    over the nine lists in `split_dir` (list/test_split), as XingangPan/SCNN's evaluator with its
    Run.sh settings (IoU above `iou` of lanes drawn `lane_width` wide on a `size` = (height, width)
    canvas): {dataset, iou, lane_width, size, total: {images, tp, fp, fn, precision, recall, f1,
    missing_predictions, missing_annotations}, categories: {name: the same}}; None where a score is
    undefined; `jobs` processes share long lists (default: one per CPU). TuSimple: two JSON-lines files,
    scored as its lane.py: {dataset, images, accuracy, fp, fn}.

    >>> scores = lane_eval("predictions", "data/CULane", split_dir="data/CULane/list/test_split")
    >>> list(scores["categories"])[:3], sorted(scores["total"])[:4]
    (['normal', 'crowd', 'hlight'], ['f1', 'fn', 'fp', 'images'])
    """
    from .errors import option
    from .lanes.metrics import evaluate_culane, evaluate_tusimple
    lists = f"{option('image_list', 'test.txt')} or {option('split_dir', 'list/test_split')}"
    if dataset == "tusimple":
        if image_list is not None or split_dir is not None:
            raise InputError(f"tusimple scores every image of the annotations: no {lists}")
        return evaluate_tusimple(os.fspath(predictions), os.fspath(annotations))
    if dataset != "culane":
        raise InputError(f"{option('dataset')} is culane or tusimple, not {dataset!r}")
    if (image_list is None) == (split_dir is None):
        raise InputError(f"culane scores the images of a list: give {lists}, one of the two")
    height, width = size
    if not 0 < iou < 1:
        raise InputError(f"{option('iou')} must lie between 0 and 1, not {iou}")
    for name, value, least in (("lane_width", lane_width, 2), ("size", min(size), 1),
                               ("jobs", 1 if jobs is None else jobs, 1)):
        if not value >= least:
            raise InputError(f"{option(name)} must be at least {least}, not {value}")
    return evaluate_culane(os.fspath(predictions), os.fspath(annotations),
                           None if image_list is None else os.fspath(image_list),
                           None if split_dir is None else os.fspath(split_dir), iou, (height, width), lane_width, jobs)


def tusimple_labels(root: str | os.PathLike[str], train: Sequence[str] | None = None, val: Sequence[str] | None = None,
                    labels: str = "segGT6") -> dict[str, Any]:
    """TuSimple's annotations under `root` as label PNGs (root/`labels`/...) and the lists the lane data
    layer reads, root/list6/list6_train.txt and list6_val.txt: {split: {list, images}}. `train`, `val`:
    the annotation files (default: label_data_0313.json and label_data_0601.json; label_data_0531.json).

    >>> tusimple_labels("data/TuSimple")["train"]["images"]  # as cardwing's list6_train.txt
    3268
    """
    from .lanes.tusimple import TRAIN, VAL, convert
    splits = {"train": list(TRAIN if train is None else train), "val": list(VAL if val is None else val)}
    written = convert(os.fspath(root), {k: v for k, v in splits.items() if v}, labels)
    return {split: {"list": path, "images": count} for split, (path, count) in written.items()}


__all__ = ["InputError", "analyze", "draw", "erf", "export", "generate", "info", "lane", "lane_detect", "lane_eval",
           "match", "profile", "query", "read", "read_text", "splice", "tusimple_labels"]

"""`scnn-tools lane-detect`: a trained SCNN lane model run on images, its maps decoded into lanes and
written in the dataset's format, with pictures to look at.

The net is any deploy net with the two outputs `lane_prob` (N x (L+1) x H x W, background first) and
`exist_prob` (N x L), reading one image input of N x 3 x H x W: what `scnn-tools lane` writes, or a net
spliced by hand. It runs through the ONNX export in onnxruntime (no Caffe), or in Caffe's own Python
where `import caffe` works (`runtime="caffe"`). Each image is prepared as the training data layer
prepares it (prepare.py, which scnn_tools/lanedata.py uses too), and the maps decoded as decode.py says.
"""

import json
import os
import sys
import time

import numpy as np

from scnn_tools.errors import InputError, option
from . import decode as lanes_decode
from .formats import culane_text, tusimple_line, worded_lines
from .prepare import net_input

IMAGE_TYPES = (".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".tif", ".tiff", ".webp")
OUTPUTS = ("lane_prob", "exist_prob")
RUNTIMES = ("onnxruntime", "caffe")
TUSIMPLE_FILE = "predictions.json"
# The authors' lane colours, main.m:42 ['g','b','r','y'], then two more for TuSimple's six lanes.
COLOURS = [(0, 255, 0), (0, 0, 255), (255, 0, 0), (255, 255, 0), (0, 255, 255), (255, 0, 255)]


def collect(items, root=None, output=None):
    """[(image path, path relative to the output)] from image files, folders (every image inside, sorted,
    but those under `output`: pictures written before) and lists (a text file of image paths, one a line,
    the first word read: CULane's lists work; relative to `root`, else to the list's folder)."""
    found = []
    skip = os.path.realpath(output) + os.sep if output is not None else None
    for item in map(os.fspath, items):
        if os.path.isdir(item):
            inside = sorted(os.path.join(d, f) for d, _, files in os.walk(item) for f in files
                            if f.lower().endswith(IMAGE_TYPES)
                            and not (skip and os.path.realpath(os.path.join(d, f)).startswith(skip)))
            if not inside:
                raise InputError("a folder with no images in it", item)
            found += [(p, os.path.relpath(p, item)) for p in inside]
        elif not os.path.isfile(item):
            raise InputError("no such file or folder", item)
        elif item.lower().endswith(IMAGE_TYPES):
            found.append((item, os.path.basename(item)))
        else:
            found += _listed(item, root)
    if not found:
        raise InputError("no images given")
    return found


def _listed(path, root):
    base = root if root is not None else os.path.dirname(os.path.abspath(path))
    found = []
    try:
        lines = list(worded_lines(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read it as a list of images ({exc})", path) from None
    for number, words, line in lines:
        entry = words[0]
        if entry.startswith("{"):  # TuSimple's test_tasks_0627.json or test_label.json: the image is raw_file
            try:
                entry = json.loads(line)["raw_file"]
            except (ValueError, KeyError, TypeError):
                raise InputError("a JSON line without a raw_file (TuSimple's lists give one a line)", path,
                                 number) from None
        relative = entry.lstrip("/")
        image = os.path.join(base, relative)
        if not entry.lower().endswith(IMAGE_TYPES):
            raise InputError(f"{entry!r} is not an image path (a list has one image path a line)", path, number)
        if not os.path.isfile(image):
            raise InputError(f"no such image: {image}" + ("" if root is not None else
                             f" (list entries are read relative to the list's folder; give {option('root')})"),
                             path, number)
        found.append((image, relative))
    return found


def load(path, height, width):
    """(the image as RGB, the net's 3 x H x W input), prepared as the training data layer prepares images."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise InputError(f"cannot read the image ({type(exc).__name__}: {exc})", path) from None
    return image, net_input(image, height, width)


class OnnxModel:
    """The deploy net exported to ONNX in memory (weights from the .caffemodel) and run in onnxruntime."""

    def __init__(self, net, weights, batch):
        from scnn_tools.builders.onnx_export import export
        from scnn_tools.netfile.reader import read_net
        from scnn_tools.views.info import describe
        netfile = read_net(net)
        images = [i for i in describe(netfile)["inputs"] if i["shape"] and len(i["shape"]) == 4]
        if len(images) != 1 or None in images[0]["shape"] or images[0]["shape"][1] != 3:
            raise InputError(f"expected one image input of N x 3 x H x W, found "
                             f"{', '.join(str(i['blob']) + ' ' + str(i['shape']) for i in images) or 'none'}", net)
        self.height, self.width = images[0]["shape"][2:]
        self.input = images[0]["blob"]
        _check_outputs(netfile, net)
        self.exported = export(netfile, image_shape=[batch, 3, self.height, self.width], weights=weights,
                               outputs=list(OUTPUTS))
        import onnxruntime
        self.session = onnxruntime.InferenceSession(self.exported.data, providers=["CPUExecutionProvider"])
        self.lanes = _lanes(*(self.exported.outputs[o] for o in OUTPUTS), net)
        self.batch = batch
        self.warnings = [w["message"] for w in self.exported.warnings]

    def run(self, data):
        return self.session.run(list(OUTPUTS), {next(iter(self.exported.inputs)): data})


def _lanes(lane_shape, exist_shape, path):
    """How many lanes the outputs' shapes say, or a clear error where they do not fit together."""
    lane_shape, exist_shape = list(lane_shape), list(exist_shape)
    if len(lane_shape) != 4 or len(exist_shape) != 2 or lane_shape[1] != exist_shape[1] + 1:
        raise InputError(f"lane_prob is {lane_shape} and exist_prob {exist_shape}: lane-detect reads lane_prob as "
                         "N x (lanes+1) x H x W (the background first) and exist_prob as N x lanes", path)
    return exist_shape[1]


def _check_outputs(netfile, path):
    from scnn_tools.net.graph import build
    names = {b.name for b in build(netfile, "TEST").blobs}
    missing = [o for o in OUTPUTS if o not in names]
    if missing:
        raise InputError(f"the net has no blob '{missing[0]}': lane-detect reads a net's lane_prob "
                         "(N x (lanes+1) x H x W) and exist_prob (N x lanes), as `scnn-tools lane` writes them", path)


class CaffeModel:
    """The deploy net in Caffe's own Python (pycaffe), CPU."""

    def __init__(self, net, weights, batch):
        try:
            import caffe
        except ImportError as exc:
            raise InputError(f"{option('runtime', 'caffe', repr('caffe'))} needs Caffe's Python (import caffe: "
                             f"{exc}); use onnxruntime") from None
        caffe.set_mode_cpu()
        self.net = caffe.Net(net, weights, caffe.TEST) if weights else caffe.Net(net, caffe.TEST)
        missing = [o for o in OUTPUTS if o not in self.net.blobs]
        if missing or len(self.net.inputs) != 1:
            raise InputError(f"lane-detect needs one image input and blobs {', '.join(OUTPUTS)}", net)
        self.input = self.net.inputs[0]
        _, _, self.height, self.width = self.net.blobs[self.input].data.shape
        self.net.blobs[self.input].reshape(batch, 3, self.height, self.width)
        self.net.reshape()
        self.lanes = _lanes(*(self.net.blobs[o].data.shape for o in OUTPUTS), net)
        self.batch = batch
        self.warnings = []

    def run(self, data):
        self.net.blobs[self.input].data[...] = data
        self.net.forward()
        return [np.array(self.net.blobs[o].data) for o in OUTPUTS]


def deploy_path(model):
    """A model directory's deploy.prototxt, or the file given."""
    model = os.fspath(model)
    if os.path.isdir(model):
        model = os.path.join(model, "deploy.prototxt")
    if not os.path.isfile(model):
        raise InputError("no such file (give a deploy prototxt or the folder `scnn-tools lane` wrote)", model)
    return model


def detect(model, images, output, weights=None, dataset="culane", batch=1, root=None, runtime="onnxruntime",
           pictures=False, probmaps=False, progress=None):
    """Run the model on `images` (files, folders, lists) and write what it finds into the folder `output`:
    CULane `.lines.txt` beside each image's relative path, or TuSimple's predictions.json; with `pictures`
    each image with its lanes drawn (`NAME.lanes.png`), with `probmaps` the lanes' maps (`NAME.prob.png`).
    `progress(done, total)` is called after each batch. A summary dict: images, lanes, runtime, output,
    warnings, and times: setup_seconds (reading and exporting the net), seconds (the images, from reading
    to writing), of which forward_seconds and decode_seconds."""
    if dataset not in lanes_decode.SCHEMES:
        raise InputError(f"{option('dataset')} must be one of {', '.join(lanes_decode.SCHEMES)} (got {dataset!r})")
    if runtime not in RUNTIMES:
        raise InputError(f"{option('runtime')} must be one of {', '.join(RUNTIMES)} (got {runtime!r})")
    if not isinstance(batch, int) or batch < 1:
        raise InputError(f"{option('batch')} must be a whole number from 1 (got {batch!r})")
    if weights is not None and not os.path.isfile(weights):
        raise InputError("no such file", weights)
    scheme = lanes_decode.SCHEMES[dataset]
    output = os.fspath(output)
    found = collect(images, root, output)
    _make_folder(output)
    batch = min(batch, len(found))
    began = time.perf_counter()
    net = (OnnxModel if runtime == "onnxruntime" else CaffeModel)(deploy_path(model), weights, batch)
    summary = {"images": len(found), "lanes": 0, "runtime": runtime, "setup_seconds": time.perf_counter() - began,
               "seconds": 0.0, "forward_seconds": 0.0, "decode_seconds": 0.0, "warnings": net.warnings,
               "output": output}
    began = time.perf_counter()
    lines = []
    for start in range(0, len(found), batch):
        chunk = found[start:start + batch]
        loaded = [load(path, net.height, net.width) for path, _ in chunk]
        data = np.zeros((batch, 3, net.height, net.width), np.float32)  # a short last batch is padded
        for i, (_, x) in enumerate(loaded):
            data[i] = x
        t0 = time.perf_counter()
        lane_prob, exist_prob = net.run(data)
        t1 = time.perf_counter()
        decoded = lanes_decode.decode(lane_prob[:len(chunk)], exist_prob[:len(chunk)],
                                      [image.size for image, _ in loaded], scheme)
        t2 = time.perf_counter()
        summary["forward_seconds"] += t1 - t0
        summary["decode_seconds"] += t2 - t1
        for i, ((path, relative), (image, _), found_lanes) in enumerate(zip(chunk, loaded, decoded)):
            summary["lanes"] += len(found_lanes)
            stem = os.path.join(output, os.path.splitext(relative)[0])
            if dataset == "culane":
                _write(stem + ".lines.txt", culane_text([lane.points for lane in found_lanes]))
            else:
                rows = lanes_decode.tusimple_rows(image.size[1])
                lines.append(tusimple_line(relative, [lanes_decode.on_rows(lane.points, rows) for lane in found_lanes],
                                           rows, (t1 - t0) * 1000 / len(chunk)))
            if pictures:
                draw(image, found_lanes, stem + ".lanes.png")
            if probmaps:
                draw_maps(lane_prob[i], stem + ".prob.png")
        if progress:
            progress(min(start + batch, len(found)), len(found))
    if dataset == "tusimple":
        _write(os.path.join(output, TUSIMPLE_FILE), "".join(lines))
    summary["seconds"] = time.perf_counter() - began
    return summary


def _make_folder(path):
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError("exists and is not a folder", path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write here: {exc.strerror}", path) from None


def _write(path, text):
    from scnn_tools.output import replacing
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)


def draw(image, found_lanes, path):
    """The image with each lane drawn through its points in its lane's colour, as wide as the image is
    large (3 px at 1640 wide), points marked."""
    from PIL import ImageDraw
    picture = image.copy()
    pen = ImageDraw.Draw(picture)
    width = max(2, round(picture.size[0] / 500))
    for lane in found_lanes:
        colour = COLOURS[(lane.index - 1) % len(COLOURS)]
        points = [tuple(map(int, p)) for p in lane.points]
        pen.line(points, fill=colour, width=width)
        for x, y in points:
            pen.ellipse((x - 2 * width, y - 2 * width, x + 2 * width, y + 2 * width), fill=colour)
    _save(picture, path)


def draw_maps(lane_prob, path):
    """Each lane's probability map in its lane's colour, summed, at the net's size."""
    from PIL import Image
    maps = np.asarray(lane_prob[1:], np.float32)
    colours = np.array([COLOURS[i % len(COLOURS)] for i in range(len(maps))], np.float32)
    picture = np.clip(np.einsum("lhw,lc->hwc", maps, colours), 0, 255).astype(np.uint8)
    _save(Image.fromarray(picture), path)


def _save(picture, path):
    from scnn_tools.output import replacing
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with replacing(path) as tmp:
        picture.save(tmp, format="PNG")


def progress_bar(stream=sys.stderr):
    """A progress callback drawing a bar on `stream` if it is a terminal, else None."""
    if not stream.isatty():
        return None
    start = time.perf_counter()

    def show(done, total):
        filled = round(30 * done / total)
        rate = done / max(time.perf_counter() - start, 1e-9)
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} images, {rate:.2f}/s")
        if done == total:
            stream.write("\n")
        stream.flush()
    return show

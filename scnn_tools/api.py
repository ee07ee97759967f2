"""The Python API: what a script needs, with the command line's own engine behind it.

Each `net` argument is a path, the text of a prototxt, or a net returned by `read`. Inputs' shapes are
given as in the command line: `input_shape=[1, 3, 512, 512]` for the image, `inputs={"rois": [300, 5]}`
for any other input. Errors are `scnn_tools.InputError`, whose message says what is wrong and where.
Nothing heavy is imported until a function needs it.
"""

import os

from .errors import InputError


def read(net):
    """A net file, read and upgraded to the current format (V0 and V1 files too), with its warnings.

    >>> net = read("examples/plain_5.prototxt")
    >>> net.net.name, len(net.net.layer), net.warnings
    ('plain_5', 6, [])
    """
    from .reader import NetFile, read_net, read_text
    if isinstance(net, NetFile):
        return net
    if isinstance(net, str) and not os.path.exists(net) and ("\n" in net or "{" in net):
        return read_text(net, "<text>")
    return read_net(os.fspath(net))


def analyze(net, phase="TEST", input_shape=None, inputs=None, stages=(), scale_model="exact", batch=None):
    """Every blob's shape, receptive field, spatial scale, cost and the net's memory: the dict that
    `scnn-tools analyze --format json` prints (keys documented in the README).

    >>> result = analyze("models/bvlc_alexnet/deploy.prototxt")
    >>> pool5 = next(o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "pool5")
    >>> pool5["shape"], pool5["rf"]["size"], pool5["rf"]["jump"]
    ([10, 256, 6, 6], [195, 195], [32, 32])
    """
    from .analysis import Analysis, report
    return report(Analysis(read(net), phase, input_shape, dict(inputs or {}), stages, batch), scale_model)


def generate(height, width, channels, kernel_width=9, bottom="conv5_4", prefix="", directions="DURL",
             init="caffe", bias=False, activation="relu"):
    """The SCNN block for a height x width x channels map, as prototxt text (the original generator's
    layers, names and fillers by default).

    >>> text = generate(36, 100, 128, bottom="fc7")  # CULane's map
    >>> text.count("layer {")
    808
    """
    from .scnn import Spec
    from .scnn import generate as _generate
    return _generate(Spec(height, width, channels, kernel_width, bottom, prefix, directions=directions, init=init,
                          bias=bias, activation=activation))


def splice(host, at, reduce_to=None, kernel_width=9, prefix="", phase="TEST", input_shape=None, inputs=None,
           stages=(), **variants):
    """The host with an SCNN block after blob `at`, every reader rewired: (text, summary, warnings).
    `host` is a path; `variants` are generate's directions, init, bias and activation.

    >>> text, summary, warnings = splice("examples/resnet101.prototxt", "conv5_5")
    >>> summary[:62]
    "spliced after 'conv5_5/relu' (line 6836): SCNN block for a 128"
    """
    from .splicing import splice as _splice
    return _splice(os.fspath(host), at, kernel_width, prefix, reduce_to, phase, input_shape, dict(inputs or {}),
                   stages, variants=variants or None)


def profile(net, phase="TEST", input_shape=None, inputs=None, stages=()):
    """The spatial-scale profile along the net's main path: one dict per layer that computes a new
    field, from the image on (depth, layer, blob, rf, jump, shape, exact and blog scales).

    >>> points = profile("examples/resnet50.prototxt")
    >>> [(p["blob"], round(p["exact"]["width"])) for p in points if p["blob"] in ("res2c", "res5c")]
    [('res2c', 35), ('res5c', 483)]
    """
    from .analysis import Analysis
    from .profiles import profile as _profile
    prof = _profile(Analysis(read(net), phase, input_shape, dict(inputs or {}), stages))
    return [{"depth": p.depth, "layer": p.layer, "blob": p.label, "rf": p.rf, "jump": p.jump, "shape": p.shape,
             "exact": p.exact, "blog": p.blog} for p in prof.points]


def erf(net, blob, phase="TEST", input_shape=None, inputs=None, stages=()):
    """The effective receptive field of `blob`'s centre feature (Luo et al., 2016): a dict with `field`
    (an H x W numpy array over the image, summing to 1), `centre` (y, x), `r50`/`r90` (radii holding
    50% and 90% of it), `box50`/`box90` and `theoretical_box` ((y0, y1), (x0, x1), inclusive).

    >>> e = erf("examples/resnet50.prototxt", "res4f")
    >>> e["field"].shape, round(e["r50"]), e["theoretical_box"]
    ((224, 224), 29, ((-47, 243), (-47, 243)))
    """
    from .analysis import Analysis
    from .effective_field import describe, effective_field
    field, centre, box = effective_field(Analysis(read(net), phase, input_shape, dict(inputs or {}), stages), blob)
    d = describe(field, centre, box)
    return {"field": field, "centre": centre, "r50": d["r50"], "r90": d["r90"], "box50": d["box50"],
            "box90": d["box90"], "theoretical_box": d["theoretical_box"]}


def export(net, output=None, weights=None, outputs=None, opset=17, phase="TEST", input_shape=None, inputs=None,
           stages=()):
    """The net as an ONNX model (bytes), weights from `weights` (a .caffemodel) or the fillers; written to
    `output` as well, whole or not at all, when given.

    >>> data = export("lenet.prototxt", "lenet.onnx", weights="lenet.caffemodel")
    >>> import onnxruntime
    >>> [o.name for o in onnxruntime.InferenceSession(data).get_outputs()]
    ['prob']
    """
    from .onnx_export import export as _export
    from .onnx_export import write
    exported = _export(read(net), phase, input_shape, dict(inputs or {}), stages, weights, outputs, opset)
    if output is not None:
        write(exported, output)
    return exported.data


__all__ = ["InputError", "analyze", "erf", "export", "generate", "profile", "read", "splice"]

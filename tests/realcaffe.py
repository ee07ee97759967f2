"""Real Caffe, built by ../shared/tools/caffe/build.sh, asked for blob shapes, memory and forward passes.

Found through SCNN_TOOLS_CAFFE_HOME (default ~/.cache/scnn-tools-caffe, where
build.sh puts it). Tests that need it skip, saying so, where it is absent.
What Caffe answered is cached by the text of the net and the build asked, so
that the suite stays fast once a machine has run it.
"""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

HOME = Path(os.environ.get("SCNN_TOOLS_CAFFE_HOME", Path.home() / ".cache/scnn-tools-caffe"))
CACHE = Path(os.environ.get("SCNN_TOOLS_CAFFE_CACHE", Path.home() / ".cache/scnn-tools-tests/caffe"))


def available(build="bvlc"):
    return (HOME / build / "venv/bin/python").is_file() and (HOME / build / "shapes.py").is_file()


def needs(build="bvlc"):
    return pytest.mark.skipif(not available(build), reason=f"real Caffe ({build}) is not built at {HOME / build}: "
                              "run ../shared/tools/caffe/build.sh (or set SCNN_TOOLS_CAFFE_HOME)")


def _cached(key, compute, keep=lambda result: True):
    """What Caffe answered for this key before, or compute it (in a child process) and keep it if `keep`."""
    key = hashlib.sha256(key.encode()).hexdigest()
    cached = CACHE / f"{key}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    result = compute(CACHE / f"{key}.{os.getpid()}.prototxt")  # (another run may be asking Caffe the same)
    if not keep(result):
        return result
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")  # (two runs writing the same key must not share a file)
    tmp.write_text(json.dumps(result))
    os.replace(tmp, cached)
    return result


def _run(net, text, args, **kw):
    net.write_text(text)
    try:
        return subprocess.run(args + [str(net)], capture_output=True, text=True, timeout=600, **kw)
    finally:
        net.unlink()


def shapes(text, build="bvlc", forward=False):
    """Caffe's answer for a net given as text: {"load_ok", "error", "blobs": {name: shape}, "forward_ok", ...}."""
    def compute(net):
        proc = _run(net, text, [str(HOME / build / "venv/bin/python"), str(HOME / build / "shapes.py"),
                                "--hide-splits"] + (["--forward"] if forward else []))
        return json.loads(proc.stdout)
    return _cached(f"{build}\0{forward}\0{text}", compute)


MEMORY = """
import os, sys
os.environ["GLOG_minloglevel"] = "0"
import caffe
caffe.set_mode_cpu()
caffe.Net(sys.argv[1], caffe.TEST)
"""


def memory(text, build="bvlc"):
    """The last "Memory required for data" Caffe logs while it builds the net (bytes), or None."""
    import re

    def compute(net):
        proc = _run(net, text, [str(HOME / build / "venv/bin/python"), "-c", MEMORY],
                    env=dict(os.environ, GLOG_minloglevel="0"))
        found = re.findall(r"Memory required for data: (\d+)", proc.stderr)
        return int(found[-1]) if proc.returncode == 0 and found else None
    return _cached(f"memory\0{build}\0{text}", compute)


FORWARD = """
import json, os, sys
os.environ["GLOG_minloglevel"] = "2"
import numpy as np
import caffe
caffe.set_mode_cpu()
proto, base, wanted, norm_bottoms, labels, input_std = sys.argv[1], sys.argv[2], *map(json.loads, sys.argv[3:7])
net = caffe.Net(proto, caffe.TEST)
rng = np.random.RandomState(0)
for name in net.inputs:  # one image: the model is the same at any batch
    net.blobs[name].reshape(1, *net.blobs[name].data.shape[1:])
net.reshape()
for name, layer in zip(net._layer_names, net.layers):
    for i, b in enumerate(layer.blobs):
        if layer.type in ("BatchNorm", "BN"):
            continue  # set from the activations below
        if b.data.ndim > 1:
            b.data[...] = rng.normal(0, np.sqrt(2.0 / np.prod(b.data.shape[1:])), b.data.shape)
        elif i == 0 and layer.type in ("Scale", "Normalize"):
            # Trained residual nets scale their branches down; random nets at scale 1 are chaotic (a rounding
            # difference grows ~5% a layer: 1e-3 after ResNet-152), so these are scaled by ~0.2.
            b.data[...] = 0.2 * (1 + rng.normal(0, 0.1, b.data.shape))
        else:
            b.data[...] = rng.normal(0, 0.1, b.data.shape)
for name in net.inputs:  # labels 0: a loss reads them as class indices
    net.blobs[name].data[...] = 0 if name in labels else rng.normal(0, input_std, net.blobs[name].data.shape)
inputs = {name: net.blobs[name].data.copy() for name in net.inputs}
# Run layer by layer, giving each normalisation the statistics of what reaches it, as a trained net's are
# (BatchNorm's stored with a scale factor of 2, which the export must undo). The variances get a floor of
# 0.01: a channel random weights leave dead (variance ~0) would otherwise scale float32 rounding by
# 1/sqrt(eps), about 300, in both Caffe and the runtime, and the comparison would measure rounding.
for index, (name, layer) in enumerate(zip(net._layer_names, net.layers)):
    if layer.type in ("BatchNorm", "BN"):
        x = net.blobs[norm_bottoms[name]].data
        axes = (0,) + tuple(range(2, x.ndim))
        mean, var = x.mean(axis=axes), x.var(axis=axes) + 0.01
        if layer.type == "BatchNorm":
            layer.blobs[0].data[...], layer.blobs[1].data[...], layer.blobs[2].data[...] = 2 * mean, 2 * var, 2.0
        else:  # PSPNet's BN: slope, bias, mean, variance, each 1 x C x 1 x 1
            c = x.shape[1]
            layer.blobs[0].data[...] = (0.2 * (1 + rng.normal(0, 0.1, c))).reshape(1, c, 1, 1)
            layer.blobs[1].data[...] = rng.normal(0, 0.1, c).reshape(1, c, 1, 1)
            layer.blobs[2].data[...] = mean.reshape(1, c, 1, 1)
            layer.blobs[3].data[...] = var.reshape(1, c, 1, 1)
    net._forward(index, index)  # (the PSPNet fork's pycaffe takes forward's `end` for a blob name)
net.save(base + ".caffemodel")
arrays = dict(("i%d" % k, v) for k, v in enumerate(inputs.values()))
arrays.update(("b%d" % k, net.blobs[name].data.copy()) for k, name in enumerate(wanted))
# Caffe's own float32 noise: every weight and input moved by about one rounding step (relative 2^-24),
# the net run again. A faithful export differs from Caffe by rounding too, so by about as much.
for layer in net.layers:
    for b in layer.blobs:
        b.data[...] *= 1 + rng.normal(0, 2.0 ** -24, b.data.shape)
for name, value in inputs.items():
    net.blobs[name].data[...] = value * (1 + rng.normal(0, 2.0 ** -24, value.shape))
net.forward()
arrays.update(("p%d" % k, net.blobs[name].data) for k, name in enumerate(wanted))
np.savez(base + ".npz", **arrays)
print(json.dumps({"inputs": list(inputs), "wanted": wanted}), flush=True)
os._exit(0)
"""


LOAD = """
import sys
import caffe
caffe.set_mode_cpu()
caffe.Net(sys.argv[2], sys.argv[1], caffe.TEST)
"""


def loads(text, weights, build="bvlc"):
    """Whether Caffe builds the net and copies the .caffemodel's weights into it: {"load_ok", "error"}."""
    digest = hashlib.sha256(Path(weights).read_bytes()).hexdigest()

    def compute(net):
        proc = _run(net, text, [str(HOME / build / "venv/bin/python"), "-c", LOAD, str(weights)])
        return {"load_ok": proc.returncode == 0, "error": proc.stderr[-2000:] if proc.returncode else None}
    return _cached(f"load\0{build}\0{text}\0{digest}", compute)


def forward(text, wanted, build="bvlc", input_std=1.0):
    """Real Caffe's forward pass of the net with random weights on one random image (N(0, input_std)): the
    .caffemodel it saved, the inputs, the `wanted` blobs and Caffe's own rounding noise on each, cached by
    net text. Each normalisation gets the statistics of what reaches it; data layers' second tops (labels)
    are 0."""
    import numpy as np
    from scnn_tools.net.graph import build as graph_of
    from scnn_tools.netfile.reader import read_text
    graph = graph_of(read_text(text), "TEST")
    norm_bottoms = {n.name: graph.blobs[n.bottoms[0]].name for n in graph.nodes if n.type in ("BatchNorm", "BN")}
    labels = [graph.blobs[t].name for n in graph.nodes if n.is_source for t in n.tops[1:]]

    def compute(net):
        net.write_text(text)
        base = str(net.with_suffix(""))
        proc = subprocess.run([str(HOME / build / "venv/bin/python"), "-c", FORWARD, str(net), base,
                               json.dumps(wanted), json.dumps(norm_bottoms), json.dumps(list(labels)),
                               json.dumps(input_std)],
                              capture_output=True, text=True, timeout=1200)
        net.unlink()
        if proc.returncode:
            return {"error": proc.stderr[-3000:] + f"\n(exit status {proc.returncode})"}
        return dict(json.loads(proc.stdout), base=base)
    key = f"export-forward\0{build}\0{text}\0{json.dumps(wanted)}\0{list(labels)}\0{input_std}\0{FORWARD}"
    result = _cached(key, compute, keep=lambda r: "error" not in r)
    if "error" in result:
        return result
    data = np.load(result["base"] + ".npz")
    return dict(result, weights=result["base"] + ".caffemodel",
                input_arrays={n: data[f"i{k}"] for k, n in enumerate(result["inputs"])},
                blobs={n: data[f"b{k}"] for k, n in enumerate(result["wanted"])},
                noise={n: _noise(data[f"p{k}"], data[f"b{k}"]) for k, n in enumerate(result["wanted"])})


def _noise(perturbed, blob):
    """How far Caffe's own rounding moves a blob; None where it changes the blob's shape (how many
    detections SSD's DetectionOutput keeps), so that no noise figure widens a bound."""
    return disagreement(perturbed, blob) if perturbed.shape == blob.shape else None


def disagreement(ours, theirs):
    """max |ours - theirs| / max |theirs|: the largest error against the blob's scale."""
    import numpy as np
    scale = float(np.abs(theirs).max()) if theirs.size else 0.0
    return float(np.abs(ours.astype(np.float64) - theirs).max()) / scale if scale else float(np.abs(ours).max())


TRANSPLANT = """
import json, os, sys
os.environ["GLOG_minloglevel"] = "2"
import numpy as np
import caffe
caffe.set_mode_cpu()
host, spliced, weights = sys.argv[1:4]
net = caffe.Net(host, caffe.TEST)
rng = np.random.RandomState(0)
# Values no filler gives, as trained weights are: each blob its own (a shared one ends with the last drawn).
for layer in net.layers:
    for b in layer.blobs:
        b.data[...] = rng.uniform(-1, 1, b.data.shape)
net.save(weights)
saved = {(name, j): b.data.copy() for name, layer in zip(net._layer_names, net.layers) for j, b in enumerate(layer.blobs)}
del net
net = caffe.Net(spliced, caffe.TEST)
filled = {(name, j): b.data.copy() for name, layer in zip(net._layer_names, net.layers) for j, b in enumerate(layer.blobs)}
print("<<<loading>>>", flush=True)
net.copy_from(weights)  # Caffe's CopyTrainedLayersFrom: aborts the process on a shape mismatch
layers = {}
for name, layer in zip(net._layer_names, net.layers):
    if not len(layer.blobs):
        continue
    layers[name] = [{"shape": list(b.data.shape),
                     "from_filler": bool(np.array_equal(b.data, filled[(name, j)])),
                     "zeros": bool(not b.data.any()),
                     "equal_to": sorted("%s/%d" % k for k, v in saved.items()
                                        if v.shape == b.data.shape and np.array_equal(v, b.data))}
                    for j, b in enumerate(layer.blobs)]
print(json.dumps({"load_ok": True, "error": None, "layers": layers,
                  "host": {"%s/%d" % k: list(v.shape) for k, v in saved.items()}}), flush=True)
os._exit(0)
"""


def transplant(host, spliced, build="bvlc"):
    """Real Caffe's answer to: do a host's weights, saved by Caffe, load into the spliced net? The host is
    built (TEST), every blob set to its own uniform random values and saved as a .caffemodel; the spliced
    net is built and loads it with copy_from (CopyTrainedLayersFrom). {"load_ok", "error", "layers": {name:
    [{"shape", "from_filler": as the net's fillers made it, "zeros", "equal_to": ["host layer/blob index",
    ...] whose saved values it equals}]}, "host": {"layer/index": shape}}; cached by both texts."""
    def compute(net):
        other = net.with_suffix(".spliced.prototxt")
        weights = net.with_suffix(".caffemodel")
        other.write_text(spliced)
        try:
            net.write_text(host)
            proc = subprocess.run([str(HOME / build / "venv/bin/python"), "-c", TRANSPLANT, str(net), str(other),
                                   str(weights)], capture_output=True, text=True, timeout=1800)
        finally:
            for f in (net, other, weights):
                f.unlink(missing_ok=True)
        if proc.returncode == 0:
            return json.loads(proc.stdout.splitlines()[-1])
        stage = "loading the weights" if "<<<loading>>>" in proc.stdout else "building a net or saving its weights"
        return {"load_ok": False, "error": f"{stage}: " + proc.stderr[-2000:] + f" (exit status {proc.returncode})"}
    return _cached(f"transplant\0{build}\0{host}\0{spliced}\0{TRANSPLANT}", compute)

"""`scnn-tools export`: ONNX models proven equal to real Caffe's forward pass, and to numpy where Caffe is absent.

Agreement is measured per blob as max |ONNX - Caffe| / max |Caffe| (the largest error against the blob's
scale; an element-wise ratio means nothing where values cross zero), and must be <= 1e-4, or, where Caffe's
own float32 rounding moves the blob by more than that (deep nets: ResNet-101's res5c moves by 2e-4 when
every weight and input moves by one rounding step), within 3 times that noise, measured per blob by running
Caffe again so perturbed.
"""

import json
import math
import subprocess

import numpy as np
import pytest

import realcaffe
from conftest import CORPUS, ROOT, corpus_files, corpus_id, run_cli
from scnn_tools import layers
from scnn_tools.errors import InputError
from scnn_tools.export import _needed, export
from scnn_tools.graph import build
from scnn_tools.reader import read_text

onnxruntime = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4

FORWARD = """
import json, os, sys
os.environ["GLOG_minloglevel"] = "2"
import numpy as np
import caffe
caffe.set_mode_cpu()
proto, base, wanted, norm_bottoms = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
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
for name in net.inputs:
    net.blobs[name].data[...] = rng.normal(0, 1, net.blobs[name].data.shape)
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


def caffe_forward(text, wanted, norm_bottoms, build="bvlc"):
    """Real Caffe's forward pass of the net (random weights, one random image): the .caffemodel it saved and
    the inputs and `wanted` blobs, cached by net text. norm_bottoms: {normalisation layer: its bottom}."""
    def compute(net):
        net.write_text(text)
        base = str(net.with_suffix(""))
        proc = subprocess.run([str(realcaffe.HOME / build / "venv/bin/python"), "-c", FORWARD, str(net), base,
                               json.dumps(wanted), json.dumps(norm_bottoms)], capture_output=True, text=True,
                              timeout=1200)
        net.unlink()
        if proc.returncode:
            return {"error": proc.stderr[-3000:]}
        return dict(json.loads(proc.stdout), base=base)
    result = realcaffe._cached(f"export-forward\0{build}\0{text}\0{json.dumps(wanted)}\0{FORWARD}", compute,
                               keep=lambda r: "error" not in r)
    if "error" in result:
        return result
    data = np.load(result["base"] + ".npz")
    return dict(result, weights=result["base"] + ".caffemodel",
                input_arrays={n: data[f"i{k}"] for k, n in enumerate(result["inputs"])},
                blobs={n: data[f"b{k}"] for k, n in enumerate(result["wanted"])},
                noise={n: disagreement(data[f"p{k}"], data[f"b{k}"]) for k, n in enumerate(result["wanted"])})


def run_onnx(exported, feeds):
    session = onnxruntime.InferenceSession(exported.data, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, feeds)))


def disagreement(ours, theirs):
    scale = float(np.abs(theirs).max()) if theirs.size else 0.0
    return float(np.abs(ours.astype(np.float64) - theirs).max()) / scale if scale else float(np.abs(ours).max())


def targets(graph, sample=6):
    """What to compare: the net's final tops, or, where a layer has no ONNX form, the blobs it reads;
    and a sample of inner blobs (last versions, which are what Caffe keeps under the name)."""
    refused = [n for n in graph.nodes if not n.is_source and (n.kind is None or n.kind.onnx is None)]
    last = {}
    for b in graph.blobs:
        last[b.name] = b.id
    if refused:
        first = refused[0].index
        ends = []
        for node in refused:
            ends += [graph.blobs[b].name for b in node.bottoms if graph.blobs[b].producer is not None
                     and graph.blobs[b].producer < first and not graph.nodes[graph.blobs[b].producer].is_source]
        outputs = list(dict.fromkeys(ends))
    else:
        outputs = [b.name for b in graph.blobs if not b.consumers and b.producer is not None
                   and not graph.nodes[b.producer].is_source]
    nodes, blobs = _needed(graph, [last[n] for n in outputs])
    inner = [graph.blobs[b].name for b in sorted(blobs) if last[graph.blobs[b].name] == b
             and graph.blobs[b].producer is not None and not graph.nodes[graph.blobs[b].producer].is_source
             and graph.blobs[b].name not in outputs]
    step = max(1, len(inner) // sample)
    return outputs, inner[step - 1::step][:sample]


def check_against_caffe(text, build="bvlc", name="net"):
    netfile = read_text(text, name)
    graph = build_graph(netfile)
    outputs, inner = targets(graph)
    if not outputs:
        pytest.skip("nothing before its first layer without an ONNX form")
    norm = {n.name: graph.blobs[n.bottoms[0]].name for n in graph.nodes if n.type in ("BatchNorm", "BN")}
    caffe = caffe_forward(text, outputs + inner, norm, build)
    if "error" in caffe:
        return caffe["error"]
    named = {n: list(a.shape) for n, a in caffe["input_arrays"].items()}
    exported = export(netfile, named=named, weights=caffe["weights"], outputs=outputs + inner)
    got = run_onnx(exported, caffe["input_arrays"])
    for n in outputs + inner:
        assert got[n].shape == caffe["blobs"][n].shape, (n, got[n].shape, caffe["blobs"][n].shape)
    worst = {n: disagreement(got[n], caffe["blobs"][n]) for n in outputs + inner}
    bad = {n: (d, caffe["noise"][n]) for n, d in worst.items() if not d <= max(TOLERANCE, 3 * caffe["noise"][n])}
    assert not bad, f"blobs differing from Caffe beyond {TOLERANCE} and 3x Caffe's own rounding noise: {bad}"
    return None


def build_graph(netfile):
    return build(netfile, "TEST")


# ----------------------------------------------------------------- real Caffe, the corpus and the SCNN nets

PSPNET_FORK = ("hszhao__PSPNet", "XingangPan__SCNN-prototxt-generator")
TEMPLATES = ("xmojiao__deeplab_v2/",)  # ${NUM_LABELS} and the like, filled in by the authors' scripts


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_every_corpus_net_caffe_runs_exports_equal_to_caffe(path):
    rel = corpus_id(path)
    if rel.startswith(TEMPLATES):
        pytest.skip("a template: Caffe cannot build it until its placeholders are filled in")
    build = "pspnet" if rel.startswith(PSPNET_FORK) else "bvlc"
    if build == "pspnet" and not realcaffe.available("pspnet"):
        pytest.skip("the PSPNet fork's Caffe is not built")
    text = path.read_text()
    try:
        error = check_against_caffe(text, build, str(path))
    except InputError as exc:
        pytest.fail(f"export refused it: {exc}")
    if error is not None:
        lines = error.strip().splitlines()
        why = next((line for line in lines if "Check failed" in line or "Error" in line), lines[-1])
        pytest.skip(f"Caffe ({build}) does not run it: {why.strip()[:200]}")

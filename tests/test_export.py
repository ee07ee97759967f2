"""`scnn-tools export`: ONNX models proven equal to real Caffe's forward pass, and to numpy where Caffe is absent.

Agreement is measured per blob as max |ONNX - Caffe| / max |Caffe| (the largest error against the blob's
scale; an element-wise ratio means nothing where values cross zero), and must be <= 1e-4, or, where Caffe's
own float32 rounding moves the blob by more than that (deep nets: ResNet-101's res5c moves by 2e-4 when
every weight and input moves by one rounding step), within 3 times that noise, measured per blob by running
Caffe again so perturbed.
"""


import functools

import numpy as np
import pytest

import realcaffe
import runtimecache
from conftest import REFERENCE, corpus_file, corpus_files, corpus_id, run_cli
from scnn_tools.errors import InputError
from scnn_tools.builders import runtimes
from scnn_tools.builders.onnx_export import _needed, computed, export, final_tops
from scnn_tools.net.graph import build
from scnn_tools.netfile.reader import read_text

onnxruntime = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-4
REFERENCE_WEIGHTS = REFERENCE / "weights"

def run_onnx(exported, feeds):
    session = onnxruntime.InferenceSession(exported.data, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    feeds = {i.name: feeds[i.name] for i in session.get_inputs()}  # (a net's labels are not the model's inputs)
    return dict(zip(names, session.run(None, feeds)))


def targets(graph, sample=6):
    """What to compare: the net's final tops, or, where a layer has no ONNX form, the blobs the first such
    layers read; and a sample of inner blobs (last versions, which are what Caffe keeps under the name)."""
    refused = [n for n in graph.nodes if not n.is_source and (n.kind is None or n.kind.onnx is None)]
    last = {}
    for b in graph.blobs:
        last[b.name] = b.id
    if refused:
        first = refused[0].index
        outputs = list(dict.fromkeys(graph.blobs[b].name for node in refused for b in node.bottoms
                                     if computed(graph, b) and graph.blobs[b].producer < first))
    else:
        outputs = [graph.blobs[b].name for b in final_tops(graph)]
    nodes, blobs = _needed(graph, [last[n] for n in outputs])
    inner = [graph.blobs[b].name for b in sorted(blobs) if last[graph.blobs[b].name] == b and computed(graph, b)
             and graph.blobs[b].name not in outputs]
    step = max(1, len(inner) // sample)
    return outputs, inner[step - 1::step][:sample]


def bound(noise):
    """How far an export may differ from Caffe: TOLERANCE, or 3 times Caffe's own noise where larger (none
    where Caffe's rounding changes the blob's shape)."""
    return TOLERANCE if noise is None else max(TOLERANCE, 3 * noise)


def check_against_caffe(text, caffe_build="bvlc", name="net", runtime="onnxruntime"):
    """Caffe's error if it cannot run the net; else None, after the comparison's assertions passed: the
    export, with the weights Caffe saved, run in `runtime` on Caffe's input (skipped, saying so, where that
    runtime is not installed)."""
    if runtime not in runtimes.installed():
        pytest.skip(f"{runtime} is not installed here (the test extras in setup.cfg install it)")
    prepared = _exported_for_caffe(text, caffe_build, name)
    if isinstance(prepared, str):
        return prepared
    outputs, inner, caffe, exported = prepared
    wanted, names = outputs + inner, exported.output_names
    got = runtimecache.run(exported.data, {n: caffe["input_arrays"][n] for n in exported.inputs}, runtime, names)
    got = {n: got[o] for n, o in zip(wanted, names)}
    for n in wanted:
        assert got[n].shape == caffe["blobs"][n].shape, (runtime, n, got[n].shape, caffe["blobs"][n].shape)
    worst = {n: realcaffe.disagreement(got[n], caffe["blobs"][n]) for n in wanted}
    bad = {n: (d, caffe["noise"][n]) for n, d in worst.items() if not d <= bound(caffe["noise"][n])}
    assert not bad, f"{runtime}: blobs differing from Caffe beyond {TOLERANCE} and 3x Caffe's own rounding noise: {bad}"
    return None


@functools.lru_cache(maxsize=1)
def _exported_for_caffe(text, caffe_build, name):
    """(outputs, inner blobs, Caffe's forward, the export with Caffe's weights), or Caffe's error: kept for
    the next call, which is the same net in the next runtime."""
    netfile = read_text(text, name)
    graph = build(netfile, "TEST")
    outputs, inner = targets(graph)
    if not outputs:
        pytest.skip("nothing before its first layer without an ONNX form")
    caffe = realcaffe.forward(text, outputs + inner, caffe_build)
    if "error" in caffe:
        return caffe["error"]
    named = {n: list(a.shape) for n, a in caffe["input_arrays"].items()}
    return outputs, inner, caffe, export(netfile, named=named, weights=caffe["weights"], outputs=outputs + inner)


# ----------------------------------------------------------------- real Caffe, the corpus and the SCNN nets

PSPNET_FORK = ("hszhao__PSPNet", "XingangPan__SCNN-prototxt-generator")
SSD_FORK = ("chuanqi305__MobileNet-SSD", "shangzw12__ssd")
TEMPLATES = ("xmojiao__deeplab_v2/",)  # ${NUM_LABELS} and the like, filled in by the authors' scripts


def without_saved_output(text):
    """An SSD deploy without DetectionOutput's save_output_param, whose label map and output directory
    are files on its author's machine (Caffe stops at set-up without them); the detections are the same."""
    import re
    return re.sub(r"\n\s*save_output_param\s*\{[^{}]*\}", "", text)


def check_corpus_net(rel, text, runtime):
    """A corpus net (as `text`) in `runtime` against the Caffe that runs it; skipped, with Caffe's reason,
    where none does."""
    caffe_build = "pspnet" if rel.startswith(PSPNET_FORK) else "ssd" if rel.startswith(SSD_FORK) else "bvlc"
    if caffe_build == "ssd":
        text = without_saved_output(text)
    if not realcaffe.available(caffe_build):
        pytest.skip(f"real Caffe ({caffe_build}) is not built")
    try:
        error = check_against_caffe(text, caffe_build, rel, runtime)
    except InputError as exc:
        pytest.fail(f"export refused it: {exc}")
    if error is not None:
        lines = error.strip().splitlines()
        why = next((line for line in lines if "Check failed" in line or "Error" in line or line[:1] == "F"
                    and line[1:5].isdigit()), lines[-1])  # (F: glog's fatal lines)
        pytest.skip(f"Caffe ({caffe_build}) does not run it: {why.strip()[:200]}")


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("runtime", runtimes.RUNTIMES)
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_every_corpus_net_caffe_runs_exports_equal_to_caffe(path, runtime):
    rel = corpus_id(path)
    if rel.startswith(TEMPLATES):
        pytest.skip("a template: Caffe cannot build it until its placeholders are filled in")
    check_corpus_net(rel, path.read_text(), runtime)


# ----------------------------------------------------------------- numpy, written here (no Caffe needed)

def _onnx_weights(exported):
    import onnx
    from onnx import numpy_helper
    model = onnx.load_from_string(exported.data)
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


# The fork types' tests run in each of these: numpy from the fork's source is the reference, never a runtime.
RUNTIMES = runtimes.installed()


def run_in(runtime, exported, feeds):
    import onnx
    names = [o.name for o in onnx.load_from_string(exported.data).graph.output]  # (an input's later versions: x#2)
    return runtimes.run(exported.data, {n: feeds[n] for n in exported.inputs}, runtime, names)


def _run(text, shape, runtime="onnxruntime", **kw):
    """Export the net (fillers' weights unless given), run it in `runtime` on a random input: (input,
    outputs, weights)."""
    exported = export(read_text(text), **kw)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    return x, run_in(runtime, exported, {"data": x}), _onnx_weights(exported)


def _net(shape, body):
    dims = " ".join(f"dim: {d}" for d in shape)
    return f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}\n{body}'


def conv_reference(x, w, b, stride, pad, dilation, group, out_hw):
    """Caffe's convolution by its definition: zero padding, every output position's window summed."""
    n, c, h, width = x.shape
    o, cg, kh, kw = w.shape
    padded = np.zeros((n, c, h + 2 * pad + kh * dilation, width + 2 * pad + kw * dilation), np.float64)
    padded[:, :, pad:pad + h, pad:pad + width] = x
    out = np.zeros((n, o) + tuple(out_hw))
    og = o // group
    for y in range(out_hw[0]):
        for z in range(out_hw[1]):
            for g in range(group):
                patch = padded[:, g * cg:(g + 1) * cg, y * stride:y * stride + dilation * (kh - 1) + 1:dilation,
                               z * stride:z * stride + dilation * (kw - 1) + 1:dilation]
                out[:, g * og:(g + 1) * og, y, z] = np.einsum("nckl,ockl->no", patch, w[g * og:(g + 1) * og])
    return out + (b.reshape(1, -1, 1, 1) if b is not None else 0)


@pytest.mark.parametrize("h, w, k, s, p, d, g", [(9, 11, 3, 2, 1, 2, 2), (1, 1, 2, 2, 0, 1, 1), (6, 5, 3, 3, 2, 1, 1)])
def test_convolution_is_caffes(h, w, k, s, p, d, g):
    text = _net([1, 4, h, w], f'layer {{ name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param '
                              f'{{ num_output: 6 kernel_size: {k} stride: {s} pad: {p} dilation: {d} group: {g} '
                              f'weight_filler {{ type: "gaussian" std: 0.5 }} bias_filler {{ type: "uniform" }} }} }}')
    x, out, weights = _run(text, [1, 4, h, w])
    expected_hw = [max(1, (n + 2 * p - d * (k - 1) - 1) // s + 1) if n + 2 * p >= d * (k - 1) + 1 else 1
                   for n in (h, w)]  # C++ truncation: an overhanging kernel still gives one output
    ref = conv_reference(x, weights["conv/weight"], weights["conv/bias"], s, p, d, g, expected_hw)
    assert out["conv"].shape == ref.shape and realcaffe.disagreement(out["conv"], ref) < 1e-5


def pool_reference(x, k, s, p, ave, out_hw):
    """Caffe's PoolingLayer::Forward_cpu: windows clipped to the input; AVE divides by the window's extent
    within the padded input (capped at size + pad), not by what it covers."""
    n, c, h, w = x.shape
    out = np.zeros((n, c) + tuple(out_hw))
    for y in range(out_hw[0]):
        for z in range(out_hw[1]):
            hs, ws = y * s - p, z * s - p
            he, we = min(hs + k, h + p), min(ws + k, w + p)
            size = (he - hs) * (we - ws)
            hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, h), min(we, w)
            window = x[:, :, hs:he, ws:we]
            out[:, :, y, z] = window.sum(axis=(2, 3)) / size if ave else window.max(axis=(2, 3))
    return out


@pytest.mark.parametrize("pool", ["MAX", "AVE"])
@pytest.mark.parametrize("size, k, s, p", [(7, 3, 2, 1), (8, 3, 2, 0), (6, 3, 2, 1), (5, 2, 2, 1), (13, 3, 2, 0)])
def test_pooling_is_caffes_with_its_rounding_and_divisors(pool, size, k, s, p):
    text = _net([1, 3, size, size], f'layer {{ name: "pool" type: "Pooling" bottom: "data" top: "pool" '
                                    f'pooling_param {{ pool: {pool} kernel_size: {k} stride: {s} pad: {p} }} }}')
    n = -(-(size + 2 * p - k) // s) + 1
    if p and (n - 1) * s >= size + p:
        n -= 1
    x, out, _ = _run(text, [1, 3, size, size])
    ref = pool_reference(x.astype(np.float64), k, s, p, pool == "AVE", [n, n])
    assert out["pool"].shape == ref.shape and realcaffe.disagreement(out["pool"], ref) < 1e-6


@pytest.mark.parametrize("pool", ["MAX", "AVE"])
def test_darknets_same_pooling_is_the_forks(pool):
    # A sum that BVLC's Pooling (kernel 2 stride 1: 5 x 5 from 6 x 6) makes fail and darknet2caffe's
    # pooling_layer.cpp runs (6 x 6: one more row and column, their windows clipped to the input, its
    # Forward_cpu BVLC's, which pool_reference transcribes).
    text = _net([1, 3, 6, 6], f'layer {{ name: "pool" type: "Pooling" bottom: "data" top: "pool" '
                              f'pooling_param {{ pool: {pool} kernel_size: 2 stride: 1 }} }}\n'
                              'layer { name: "sum" type: "Eltwise" bottom: "pool" bottom: "data" top: "sum" }')
    x, out, _ = _run(text, [1, 3, 6, 6])
    ref = pool_reference(x.astype(np.float64), 2, 1, 0, pool == "AVE", [6, 6]) + x
    assert out["sum"].shape == ref.shape and realcaffe.disagreement(out["sum"], ref) < 1e-6


def test_deconvnets_unpooling_puts_each_maximum_back():
    # HyeonwooNoh/caffe unpooling_layer.cpp Forward_cpu, MAX with a mask: top[mask[i]] = bottom[i], the rest 0;
    # the mask from the 2 x 2 pooling before it: each window's maximum back where it was (no ties in noise).
    text = _net([1, 2, 6, 6], 'layer { name: "pool" type: "Pooling" bottom: "data" top: "p" top: "m" '
                              'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
                              'layer { name: "un" type: "Unpooling" bottom: "p" bottom: "m" top: "u" '
                              'unpooling_param { unpool: MAX kernel_size: 2 stride: 2 unpool_size: 6 } }')
    x, out, _ = _run(text, [1, 2, 6, 6])
    windows = x.reshape(1, 2, 3, 2, 3, 2)
    ref = np.where(x == windows.max(axis=(3, 5)).repeat(2, axis=2).repeat(2, axis=3), x, 0)
    assert out["u"].shape == ref.shape and realcaffe.disagreement(out["u"], ref) < 1e-6


def test_caffe_ocrs_transpose_is_a_transpose():
    # senlinuc/caffe_ocr transpose_layer.cpp transpose_cpu: top axis i is bottom axis dim(i), numpy's transpose.
    text = _net([2, 3, 1, 5], 'layer { name: "t" type: "Transpose" bottom: "data" top: "t" '
                              'transpose_param { dim: 3 dim: 2 dim: 0 dim: 1 } }')
    x, out, _ = _run(text, [2, 3, 1, 5])
    assert np.array_equal(out["t"], np.transpose(x, (3, 2, 0, 1)))


def test_deconvolution_is_a_scatter():
    text = _net([1, 4, 5, 6], 'layer { name: "up" type: "Deconvolution" bottom: "data" top: "up" convolution_param '
                              '{ num_output: 4 group: 2 kernel_size: 4 stride: 2 pad: 1 '
                              'weight_filler { type: "gaussian" std: 0.5 } bias_filler { type: "gaussian" } } }')
    x, out, weights = _run(text, [1, 4, 5, 6])
    w, b = weights["up/weight"], weights["up/bias"]  # cin x cout/g x k x k
    full = np.zeros((1, 4, 2 * 4 + 4, 2 * 5 + 4))
    for c in range(4):
        g = c // 2
        for y in range(5):
            for z in range(6):
                full[0, 2 * g:2 * g + 2, 2 * y:2 * y + 4, 2 * z:2 * z + 4] += x[0, c, y, z] * w[c]
    ref = full[:, :, 1:1 + 10, 1:1 + 12] + b.reshape(1, -1, 1, 1)
    assert out["up"].shape == (1, 4, 10, 12) and realcaffe.disagreement(out["up"], ref) < 1e-5


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_interp_aligns_the_corners_after_cropping(runtime):
    text = _net([1, 2, 6, 5], 'layer { name: "zoom" type: "Interp" bottom: "data" top: "zoom" '
                              'interp_param { zoom_factor: 3 pad_beg: -1 pad_end: 0 } }')
    x, out, _ = _run(text, [1, 2, 6, 5], runtime)
    crop = x[:, :, 1:, 1:].astype(np.float64)
    h2, w2 = (5 - 1) * 3 + 1, (4 - 1) * 3 + 1
    ref = np.zeros((1, 2, h2, w2))
    for y in range(h2):
        for z in range(w2):
            fy, fx = y * 4 / (h2 - 1), z * 3 / (w2 - 1)  # Caffe's caffe_cpu_interp2: (in - 1) / (out - 1)
            y0, x0 = min(int(fy), 3), min(int(fx), 2)
            ay, ax = fy - y0, fx - x0
            ref[:, :, y, z] = ((1 - ay) * ((1 - ax) * crop[:, :, y0, x0] + ax * crop[:, :, y0, x0 + 1])
                               + ay * ((1 - ax) * crop[:, :, y0 + 1, x0] + ax * crop[:, :, y0 + 1, x0 + 1]))
    # (OpenCV weighs in float32: 1.3e-6)
    assert out["zoom"].shape == ref.shape and realcaffe.disagreement(out["zoom"], ref) < 1e-5


@pytest.mark.parametrize("region", ["ACROSS_CHANNELS", "WITHIN_CHANNEL"])
def test_lrn_is_caffes(region):
    text = _net([1, 7, 6, 6], f'layer {{ name: "norm" type: "LRN" bottom: "data" top: "norm" lrn_param '
                              f'{{ local_size: 3 alpha: 0.5 beta: 0.75 k: 2 norm_region: {region} }} }}')
    x, out, _ = _run(text, [1, 7, 6, 6])
    x64, sq = x.astype(np.float64), x.astype(np.float64) ** 2
    if region == "ACROSS_CHANNELS":
        padded = np.pad(sq, ((0, 0), (1, 1), (0, 0), (0, 0)))
        ref = x64 / (2 + 0.5 / 3 * (padded[:, :-2] + padded[:, 1:-1] + padded[:, 2:])) ** 0.75
    else:  # Caffe: 1 + alpha * the 3x3 average of squares (padding counted), to the power -beta; k unused
        padded = np.pad(sq, ((0, 0), (0, 0), (1, 1), (1, 1)))
        mean = sum(padded[:, :, i:i + 6, j:j + 6] for i in range(3) for j in range(3)) / 9
        ref = x64 * (1 + 0.5 * mean) ** -0.75
    assert realcaffe.disagreement(out["norm"], ref) < 1e-6


def test_merges_slices_crops_and_inner_products():
    body = '''
layer { name: "a" type: "Slice" bottom: "data" top: "a1" top: "a2" top: "a3" slice_param { axis: 1 slice_point: 1 slice_point: 3 } }
layer { name: "sum" type: "Eltwise" bottom: "a1" bottom: "a3" top: "sum" eltwise_param { coeff: 2 coeff: -0.5 } }
layer { name: "prod" type: "Eltwise" bottom: "a1" bottom: "a3" bottom: "a1" top: "prod" eltwise_param { operation: PROD } }
layer { name: "cat" type: "Concat" bottom: "sum" bottom: "a2" bottom: "prod" top: "cat" }
layer { name: "ref" type: "Pooling" bottom: "cat" top: "ref" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "crop" type: "Crop" bottom: "cat" bottom: "ref" top: "crop" crop_param { axis: 2 offset: 1 offset: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "crop" top: "fc" inner_product_param { num_output: 5 axis: 2 transpose: true
  weight_filler { type: "gaussian" std: 0.3 } bias_filler { type: "gaussian" std: 0.3 } } }
'''
    x, out, weights = _run(_net([2, 4, 6, 7], body), [2, 4, 6, 7])
    x64 = x.astype(np.float64)
    a1, a2, a3 = x64[:, :1], x64[:, 1:3], x64[:, 3:]
    cat = np.concatenate([2 * a1 - 0.5 * a3, a2, a1 * a3 * a1], axis=1)
    crop = cat[:, :, 1:4, 2:6]  # the reference is 3x4: 2x2 pooling of 6x7, Caffe rounding up
    fc = crop.reshape(2, 4, 12) @ weights["fc/weight"] + weights["fc/bias"]  # transpose: weights are K x N
    assert realcaffe.disagreement(out["fc"], fc) < 1e-5 and out["fc"].shape == (2, 4, 5)


def test_batchnorm_and_scale_from_a_caffemodel(tmp_path):
    """Caffe stores BatchNorm's mean and variance times a scale factor; the export divides it out."""
    from scnn_tools import caffe_pb2
    body = '''
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "data" batch_norm_param { eps: 0.001 } }
layer { name: "scale" type: "Scale" bottom: "data" top: "data" scale_param { bias_term: true } }
'''
    rng = np.random.default_rng(3)
    mean, var, gamma, beta = rng.normal(size=3), rng.uniform(0.5, 2, 3), rng.normal(size=3), rng.normal(size=3)
    model = caffe_pb2.NetParameter()
    for name, blobs in (("bn", [mean * 4, var * 4, [4.0]]), ("scale", [gamma, beta])):
        layer = model.layer.add(name=name)
        for values in blobs:
            blob = layer.blobs.add()
            blob.shape.dim.append(len(values))
            blob.data.extend(values)
    (tmp_path / "w.caffemodel").write_bytes(model.SerializeToString())
    x, out, _ = _run(_net([1, 3, 4, 4], body), [1, 3, 4, 4], weights=str(tmp_path / "w.caffemodel"))
    c = (slice(None), None, None)
    ref = (x - mean[c]) / np.sqrt(var[c] + 0.001) * gamma[c] + beta[c]
    assert realcaffe.disagreement(out["data#2"], ref) < 1e-5  # the input keeps the name "data"; what is computed in place
    # on it is numbered


def test_the_scnn_block_is_spatial_message_passing():
    """The generated block (with the weights real Caffe saved for it, shared by param name) equals SCNN's
    definition: rows then columns, each slice plus ReLU(conv of the slice before it), down, up, right, left."""
    from scnn_tools import caffe_pb2
    weights = REFERENCE_WEIGHTS / "scnn_5x7x16_random.caffemodel"
    if not weights.is_file():
        pytest.skip(f"{weights} is missing (../shared)")
    text = (REFERENCE_WEIGHTS / "scnn_5x7x16.prototxt").read_text()
    text = text.replace('layer { name: "conv5_5" type: "Input" top: "conv5_5"', 'layer { name: "data" type: "Input" top: "data"')
    text = text.replace('bottom: "conv5_5"', 'bottom: "data"')
    net = caffe_pb2.NetParameter.FromString(weights.read_bytes())
    w = {layer.name[5]: np.array(layer.blobs[0].data).reshape(list(layer.blobs[0].shape.dim))
         for layer in net.layer if layer.name in ("SCNN_D_1", "SCNN_U_5", "SCNN_R_1", "SCNN_L_7")}
    x, out, _ = _run(text, [1, 16, 5, 7], weights=str(weights))
    y = x.astype(np.float64)[0]

    def conv_line(v, kernel):  # v: C x L, kernel: O x C x 9, zero padding of 4
        padded = np.pad(v, ((0, 0), (4, 4)))
        return np.stack([np.einsum("ock,ck->o", kernel, padded[:, i:i + 9]) for i in range(v.shape[1])], axis=1)

    for axis, (forward, backward) in ((1, ("D", "U")), (2, ("R", "L"))):
        kernel = {d: w[d].reshape(16, 16, 9) for d in (forward, backward)}
        lines = [np.take(y, i, axis=axis) for i in range(y.shape[axis])]
        for i in range(1, len(lines)):
            lines[i] = lines[i] + np.maximum(conv_line(lines[i - 1], kernel[forward]), 0)
        for i in range(len(lines) - 2, -1, -1):
            lines[i] = lines[i] + np.maximum(conv_line(lines[i + 1], kernel[backward]), 0)
        y = np.stack(lines, axis=axis)
    assert out["SCNN"].shape == (1, 16, 5, 7) and realcaffe.disagreement(out["SCNN"], y[None]) < 1e-5


# ----------------------------------------------------------------- the command, weights and refusals

LENET = "BVLC__caffe/examples/mnist/lenet.prototxt"


def test_export_command_writes_a_checked_model(tmp_path):
    out = tmp_path / "lenet.onnx"
    code, stdout, err = run_cli("export", corpus_file(LENET), "--weights", REFERENCE_WEIGHTS / "lenet_random.caffemodel",
                                "-o", out, "--check")
    assert code == 0, err
    assert f"wrote {out}: " in stdout and "inputs data, outputs prob" in stdout
    assert f"checked in onnxruntime {runtimes.version('onnxruntime')}: prob 64x10, as scnn-tools says" in stdout
    import onnx
    model = onnx.load(out)
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["data"] and [o.name for o in model.graph.output] == ["prob"]
    assert model.opset_import[0].version == 17
    weights = _onnx_weights(export(read_net_path(corpus_file(LENET)), weights=str(REFERENCE_WEIGHTS / "lenet_random.caffemodel")))
    from scnn_tools import caffe_pb2
    saved = caffe_pb2.NetParameter.FromString((REFERENCE_WEIGHTS / "lenet_random.caffemodel").read_bytes())
    conv1 = next(layer for layer in list(saved.layer) + list(saved.layers) if layer.name == "conv1").blobs[0]
    assert np.array_equal(weights["conv1/weight"].ravel(), np.array(conv1.data, np.float32))


def read_net_path(path):
    from scnn_tools.netfile.reader import read_net
    return read_net(path)


@pytest.mark.parametrize("args, words", [
    (["--opset", "9"], "--opset must be from 13 to 21 (got 9)"),
    (["--outputs", "nope"], "--outputs names blob 'nope', which the net does not have"),
    (["--weights", "MISSING"], "cannot read the weights"),
    (["--weights", "TEXT"], "is not a .caffemodel"),
])
def test_export_refusals_name_what_is_wrong(tmp_path, args, words):
    args = [str(tmp_path / "nope.caffemodel") if a == "MISSING" else str(corpus_file(LENET)) if a == "TEXT" else a
            for a in args]
    out = tmp_path / "x.onnx"
    code, _, err = run_cli("export", corpus_file(LENET), "-o", out, *args)
    assert code == 2 and words in err and "Traceback" not in err, err
    assert not out.exists()  # nothing half-written


def test_weights_that_do_not_fit_name_the_layer_and_both_shapes(tmp_path):
    from scnn_tools import caffe_pb2
    net = corpus_file(LENET)
    if not (REFERENCE_WEIGHTS / "lenet_random.caffemodel").is_file():
        pytest.skip(f"{REFERENCE_WEIGHTS} is missing (../shared)")
    saved = caffe_pb2.NetParameter.FromString((REFERENCE_WEIGHTS / "lenet_random.caffemodel").read_bytes())
    layers_ = saved.layer if len(saved.layer) else saved.layers
    conv2 = next(layer for layer in layers_ if layer.name == "conv2")
    del conv2.blobs[0].data[-1]
    conv2.blobs[0].shape.dim[0] = 49
    (tmp_path / "bad.caffemodel").write_bytes(saved.SerializeToString())
    code, _, err = run_cli("export", net, "--weights", tmp_path / "bad.caffemodel", "-o", tmp_path / "x.onnx")
    assert code == 2 and "layer 'conv2': weight blob 0" in err and "(49, 20, 5, 5)" in err and "(50, 20, 5, 5)" in err
    saved = caffe_pb2.NetParameter.FromString((REFERENCE_WEIGHTS / "lenet_random.caffemodel").read_bytes())
    for layer in list(saved.layer) + list(saved.layers):
        if layer.name == "ip2":
            layer.name = "renamed"
    (tmp_path / "missing.caffemodel").write_bytes(saved.SerializeToString())
    code, _, err = run_cli("export", net, "--weights", tmp_path / "missing.caffemodel", "-o", tmp_path / "x.onnx")
    assert code == 2 and "layer 'ip2' has weights, but" in err and "no layer of that name" in err


def _nvidia_raw(values, raw_type):
    """BlobProto fields 10 (raw_data_type, a varint) and 12 (raw_data, bytes) as NVIDIA/caffe's caffe.proto
    numbers them, encoded by hand: what its fp16 snapshots hold in place of `data`."""
    raw = values.tobytes()
    length, size = b"", len(raw)
    while True:
        length += bytes([(size & 0x7F) | (0x80 if size > 0x7F else 0)])
        size >>= 7
        if not size:
            break
    return bytes([10 << 3, raw_type]) + bytes([12 << 3 | 2]) + length + raw


@pytest.mark.parametrize("raw_type, dtype", [(2, "<f2"), (1, "<f4"), (0, "<f8"), (3, None)])
def test_weights_in_nvidia_raw_storage_are_read_by_their_type(tmp_path, raw_type, dtype):
    from scnn_tools import caffe_pb2
    if not (REFERENCE_WEIGHTS / "lenet_random.caffemodel").is_file():
        pytest.skip(f"{REFERENCE_WEIGHTS} is missing (../shared)")
    saved = caffe_pb2.NetParameter.FromString((REFERENCE_WEIGHTS / "lenet_random.caffemodel").read_bytes())
    conv1 = next(layer for layer in list(saved.layer) + list(saved.layers) if layer.name == "conv1").blobs[0]
    original = np.array(conv1.data, np.float32)
    stored = original.astype(dtype or "<i4")
    shape = caffe_pb2.BlobProto(shape=conv1.shape) if conv1.HasField("shape") else caffe_pb2.BlobProto(
        num=conv1.num, channels=conv1.channels, height=conv1.height, width=conv1.width)
    conv1.ParseFromString(shape.SerializeToString() + _nvidia_raw(stored, raw_type))
    assert not len(conv1.data)
    (tmp_path / "raw.caffemodel").write_bytes(saved.SerializeToString())
    code, _, err = run_cli("export", corpus_file(LENET), "--weights", tmp_path / "raw.caffemodel",
                           "-o", tmp_path / "x.onnx")
    if dtype is None:  # INT: NVIDIA's Blob::FromProto stops at "Unsupported raw type"
        assert code == 2 and "layer 'conv1': weight blob 0" in err and "INT" in err, err
        return
    assert code == 0, err
    weights = _onnx_weights(export(read_net_path(corpus_file(LENET)), weights=str(tmp_path / "raw.caffemodel")))
    assert np.array_equal(weights["conv1/weight"].ravel(), stored.astype(np.float32))


def test_a_layer_onnx_cannot_express_is_refused_with_a_way_out(tmp_path):
    rcnn = corpus_file("rbgirshick__py-faster-rcnn/models/pascal_voc/ZF/faster_rcnn_end2end/test.prototxt")
    code, _, err = run_cli("export", rcnn, "-o", tmp_path / "rcnn.onnx")
    assert code == 2 and "layer 'proposal' (Python) has no ONNX form" in err
    assert "--outputs rpn_cls_prob_reshape,rpn_bbox_pred" in err
    code, out, err = run_cli("export", rcnn, "-o", tmp_path / "rcnn.onnx", "--outputs",
                             "rpn_cls_prob_reshape,rpn_bbox_pred", "--check")
    assert code == 0, err
    assert "rpn_bbox_pred 1x36x" in out


def test_an_ssd_deploy_exports_whole_in_one_command(tmp_path):
    """The path off OpenCV's Caffe importer: the deploy file as it is, detections included."""
    ssd = corpus_file("chuanqi305__MobileNet-SSD/deploy.prototxt")
    code, out, err = run_cli("export", ssd, "-o", tmp_path / "ssd.onnx", "--check")
    assert code == 0, err
    assert "detection_out 1x1x" in out and "outputs detection_out" in out


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_priorbox_is_ssds_boxes(runtime):
    """Spot values by SSD's formulas: the first position's first box is min_size square around the
    position's centre (offset 0.5, step = image / map), in image fractions."""
    body = '''
layer { name: "feat" type: "Pooling" bottom: "data" top: "feat" pooling_param { pool: MAX kernel_size: 10 stride: 10 } }
layer { name: "prior" type: "PriorBox" bottom: "feat" bottom: "data" top: "prior"
  prior_box_param { min_size: 30 max_size: 60 aspect_ratio: 2 flip: true clip: false variance: 0.1 variance: 0.1 variance: 0.2 variance: 0.2 } }
'''
    _, out, _ = _run(_net([1, 3, 100, 100], body), [1, 3, 100, 100], runtime=runtime)
    prior = out["prior"]
    assert prior.shape == (1, 2, 10 * 10 * 4 * 4)  # ratios 1, 2, 1/2 and the sqrt(min max) square: 4 per position
    boxes = prior[0, 0].reshape(10, 10, 4, 4)
    s = np.sqrt(30 * 60)
    assert np.allclose(boxes[0, 0, 0], [(5 - 15) / 100, (5 - 15) / 100, (5 + 15) / 100, (5 + 15) / 100])
    assert np.allclose(boxes[0, 0, 1], [(5 - s / 2) / 100, (5 - s / 2) / 100, (5 + s / 2) / 100, (5 + s / 2) / 100])
    w2, h2 = 30 * np.sqrt(2), 30 / np.sqrt(2)
    assert np.allclose(boxes[3, 7, 2], [(75 - w2 / 2) / 100, (35 - h2 / 2) / 100, (75 + w2 / 2) / 100, (35 + h2 / 2) / 100])
    assert np.allclose(prior[0, 1].reshape(-1, 4), [0.1, 0.1, 0.2, 0.2])


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("runtime", runtimes.RUNTIMES)
def test_a_spliced_vgg16_with_scnn_exports_equal_to_caffe(runtime):
    from scnn_tools.builders.splicing import splice
    text = splice(str(corpus_file("ry__tensorflow-vgg16/VGG_2014_16.prototxt")), "conv5_3", reduce_to=64)[0]
    assert "SCNN_D_1" in text
    error = check_against_caffe(text, "bvlc", "vgg16_scnn.prototxt", runtime)
    assert error is None, error


DATA_TYPES = {"Data", "ImageData", "WindowData", "HDF5Data", "Python", "DenseImageData", "ImageSegData",
              "AnnotatedData", "MemoryData", "DummyData"}


# What the data would give, where the file leaves it to the data: MNIST and CIFAR-10 images, and FCN's
# 500 x 500 PASCAL images with their label maps.
DATASETS = {"mnist": [1, 28, 28], "cifar10": [3, 32, 32], "shelhamer__fcn": [3, 500, 500]}


def as_deployed(path):
    """The TEST net with its data layers replaced by Input layers of the shapes they declare (3 channels
    where the data would say): what Caffe can run without the data; None if it has none, or their shapes
    are not otherwise known."""
    from google.protobuf import text_format
    from scnn_tools.engine.shapes import infer
    netfile = read_net_path(path)
    graph = build(netfile, "TEST")
    sources = [n for n in graph.nodes if n.is_source and n.type != "Input"]
    if not sources:
        return None
    try:
        shapes = infer(graph)
    except InputError:
        return None
    rel = corpus_id(path)
    data = next((shape for key, shape in DATASETS.items() if key in rel), None)
    for node in sources:
        image = shapes.blobs[node.tops[0]]
        if data is not None and (image is None or None in image):
            n = 1 if image is None or image[0] is None else image[0]
            shapes.blobs[node.tops[0]] = [n] + data
            for t in node.tops[1:]:
                label = shapes.blobs[t]
                shapes.blobs[t] = [n, 1] + data[1:] if label is None or len(label) == 4 else [n] + label[1:]
        elif image is not None and len(image) == 4 and image[1] is None:
            shapes.blobs[node.tops[0]] = [image[0], 3] + image[2:]
    net = netfile.net.__class__()
    net.CopyFrom(netfile.net)
    del net.layer[:]
    for node in graph.nodes:
        if node.is_source and node.type != "Input":
            if any(shapes.blobs[t] is None or None in shapes.blobs[t] for t in node.tops):
                return None
            layer = net.layer.add(name=node.name, type="Input")
            layer.top.extend(node.param.top)
            for t in node.tops:
                layer.input_param.shape.add().dim.extend(shapes.blobs[t])
        else:
            layer = net.layer.add()
            layer.CopyFrom(node.param)
            del layer.include[:], layer.exclude[:]
    return text_format.MessageToString(net)


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("runtime", runtimes.RUNTIMES)
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_corpus_nets_with_data_layers_export_equal_to_caffe_as_deployed(path, runtime):
    rel = corpus_id(path)
    if rel.startswith(TEMPLATES):
        pytest.skip("a template: Caffe cannot build it until its placeholders are filled in")
    if (path.parent / "deploy.prototxt").is_file() and path.name != "deploy.prototxt":
        pytest.skip("the same net's deploy.prototxt beside it is compared with Caffe above")
    try:
        text = as_deployed(path)
    except InputError as exc:
        pytest.skip(f"not readable as a net: {exc}")
    if text is None:
        pytest.skip("no data layer with known shapes (the deploy form is tested above)")
    check_corpus_net(rel, text, runtime)


# Every BVLC layer type ONNX can express that the corpus nets do not all use, one branch each off one input.
ZOO = """
name: "zoo"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 4 dim: 6 dim: 8 } } }
layer { name: "power" type: "Power" bottom: "data" top: "power" power_param { power: 2 scale: 0.5 shift: 1 } }
layer { name: "exp" type: "Exp" bottom: "data" top: "exp" exp_param { base: 2 scale: 0.5 shift: 0.1 } }
layer { name: "exp_e" type: "Exp" bottom: "data" top: "exp_e" }
layer { name: "log" type: "Log" bottom: "data" top: "log" log_param { base: 10 scale: 1 shift: 10 } }
layer { name: "abs" type: "AbsVal" bottom: "data" top: "abs" }
layer { name: "bnll" type: "BNLL" bottom: "data" top: "bnll" }
layer { name: "threshold" type: "Threshold" bottom: "data" top: "threshold" threshold_param { threshold: 0.3 } }
layer { name: "elu" type: "ELU" bottom: "data" top: "elu" elu_param { alpha: 0.7 } }
layer { name: "sigmoid" type: "Sigmoid" bottom: "data" top: "sigmoid" }
layer { name: "tanh" type: "TanH" bottom: "data" top: "tanh" }
layer { name: "clip" type: "Clip" bottom: "data" top: "clip" clip_param { min: -0.5 max: 0.8 } }
layer { name: "swish" type: "Swish" bottom: "data" top: "swish" swish_param { beta: 1.5 } }
layer { name: "prelu" type: "PReLU" bottom: "data" top: "prelu" }
layer { name: "leaky" type: "ReLU" bottom: "data" top: "leaky" relu_param { negative_slope: 0.1 } }
layer { name: "mvn" type: "MVN" bottom: "data" top: "mvn" }
layer { name: "mvn_c" type: "MVN" bottom: "data" top: "mvn_c" mvn_param { across_channels: true normalize_variance: false } }
layer { name: "softmax" type: "Softmax" bottom: "data" top: "softmax" softmax_param { axis: 2 } }
layer { name: "reshape" type: "Reshape" bottom: "data" top: "reshape" reshape_param { shape { dim: 0 dim: 2 dim: -1 dim: 8 } } }
layer { name: "flatten" type: "Flatten" bottom: "data" top: "flatten" flatten_param { axis: 1 end_axis: 2 } }
layer { name: "argmax" type: "ArgMax" bottom: "data" top: "argmax" argmax_param { axis: 1 } }
layer { name: "argmax_v" type: "ArgMax" bottom: "data" top: "argmax_v" argmax_param { axis: 3 top_k: 2 out_max_val: true } }
layer { name: "argmax_all" type: "ArgMax" bottom: "data" top: "argmax_all" argmax_param { top_k: 3 out_max_val: true } }
layer { name: "sum" type: "Reduction" bottom: "data" top: "sum" reduction_param { axis: 2 coeff: 0.5 } }
layer { name: "asum" type: "Reduction" bottom: "data" top: "asum" reduction_param { operation: ASUM axis: 1 } }
layer { name: "sumsq" type: "Reduction" bottom: "data" top: "sumsq" reduction_param { operation: SUMSQ axis: 3 } }
layer { name: "mean" type: "Reduction" bottom: "data" top: "mean" reduction_param { operation: MEAN axis: 0 } }
layer { name: "tile" type: "Tile" bottom: "data" top: "tile" tile_param { axis: 1 tiles: 2 } }
layer { name: "bias" type: "Bias" bottom: "data" top: "bias" bias_param { axis: 1 num_axes: 2 } }
layer { name: "scale" type: "Scale" bottom: "data" top: "scale" scale_param { axis: 2 num_axes: 1 bias_term: true } }
layer { name: "scale2" type: "Scale" bottom: "data" bottom: "reduced" top: "scale2" scale_param { axis: 0 } }
layer { name: "reduced" type: "Reduction" bottom: "data" top: "reduced_sum" reduction_param { axis: 3 } }
layer { name: "max" type: "Eltwise" bottom: "tanh" bottom: "sigmoid" bottom: "elu" top: "max" eltwise_param { operation: MAX } }
layer { name: "pool_ave" type: "Pooling" bottom: "data" top: "pool_ave" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "pool_global" type: "Pooling" bottom: "data" top: "pool_global" pooling_param { pool: MAX global_pooling: true } }
layer { name: "lrn" type: "LRN" bottom: "data" top: "lrn" lrn_param { local_size: 3 alpha: 0.2 beta: 0.6 norm_region: WITHIN_CHANNEL } }
layer { name: "deconv" type: "Deconvolution" bottom: "data" top: "deconv" convolution_param { num_output: 4 group: 4 kernel_size: 4 stride: 2 pad: 1 bias_term: false weight_filler { type: "bilinear" } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 axis: 2 } }
layer { name: "spp" type: "SPP" bottom: "data" top: "spp" spp_param { pyramid_height: 3 } }
layer { name: "spp_ave" type: "SPP" bottom: "data" top: "spp_ave" spp_param { pyramid_height: 2 pool: AVE } }
layer { name: "ids" type: "Threshold" bottom: "data" top: "ids" threshold_param { threshold: 0.2 } }
layer { name: "embed" type: "Embed" bottom: "ids" top: "embed" embed_param { num_output: 3 input_dim: 2
  weight_filler { type: "gaussian" std: 1 } bias_filler { type: "gaussian" std: 1 } } }
layer { name: "param" type: "Parameter" top: "param" parameter_param { shape { dim: 2 dim: 3 } } }
layer { name: "count" type: "Reduction" bottom: "ids" top: "count" reduction_param { axis: 1 } }
layer { name: "first" type: "Power" bottom: "count" top: "first" power_param { scale: 0 shift: 0 } }
layer { name: "reindex" type: "BatchReindex" bottom: "data" bottom: "first" top: "reindex" }
"""


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("runtime", runtimes.RUNTIMES)
def test_every_bvlc_layer_type_exports_equal_to_caffe(runtime):
    # (scale2 reads a blob written after it: Caffe refuses that, so it goes; the rest is one net. The test runs
    # it at batch 1: BatchReindex picks item 0)
    text = "\n".join(line for line in ZOO.splitlines() if '"scale2"' not in line and '"reduced"' not in line)
    error = check_against_caffe(text, "bvlc", "zoo.prototxt", runtime)
    assert error is None, error
    graph = build(read_text(text), "TEST")
    outputs, _ = targets(graph)
    assert len(outputs) == len(graph.nodes) - 1 - 6  # every layer's top but those others read


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_fork_layers_by_their_definitions(tmp_path, runtime):
    """SSD's Normalize and Permute, SegNet's pooling mask and Upsample: by their forks' definitions."""
    body = '''
layer { name: "norm" type: "Normalize" bottom: "data" top: "norm" norm_param { across_spatial: false channel_shared: false
  scale_filler { type: "constant" value: 20 } } }
layer { name: "norm_all" type: "Normalize" bottom: "data" top: "norm_all" norm_param { } }
layer { name: "perm" type: "Permute" bottom: "data" top: "perm" permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" top: "mask" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "up" type: "Upsample" bottom: "pool" bottom: "mask" top: "up" upsample_param { scale: 2 } }
'''
    x, out, _ = _run(_net([2, 3, 6, 8], body), [2, 3, 6, 8], runtime,
                     outputs=["norm", "norm_all", "perm", "mask", "up"])
    x64 = x.astype(np.float64)
    assert realcaffe.disagreement(out["norm"], 20 * x64 / np.sqrt((x64 ** 2).sum(axis=1, keepdims=True) + 1e-10)) < 1e-6
    assert realcaffe.disagreement(out["norm_all"], x64 / np.sqrt((x64 ** 2).sum(axis=(1, 2, 3), keepdims=True) + 1e-10)) < 1e-6
    assert np.array_equal(out["perm"], x.transpose(0, 2, 3, 1))
    blocks = x.reshape(2, 3, 3, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 4, 4)
    where = blocks.argmax(axis=-1)  # SegNet's mask: h * W + w of each maximum in its plane
    rows, cols = np.meshgrid(np.arange(3), np.arange(4), indexing="ij")
    mask = (2 * rows + where // 2) * 8 + 2 * cols + where % 2
    assert np.array_equal(out["mask"], mask.astype(np.float32))
    up = np.zeros_like(x)
    np.put_along_axis(up.reshape(2, 3, 48), mask.reshape(2, 3, 12), blocks.max(axis=-1).reshape(2, 3, 12), axis=2)
    assert np.array_equal(out["up"], up)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_relu6_by_its_definition(runtime):
    """The forks' ReLU6 (MobileNet-YOLO's relu6_layer): min(max(0, x), 6), plus negative_slope * min(x, 0)
    where relu_param gives one (NVIDIA's Caffe)."""
    body = ('layer { name: "r6" type: "ReLU6" bottom: "data" top: "r6" }\n'
            'layer { name: "leaky" type: "ReLU6" bottom: "data" top: "leaky" relu_param { negative_slope: 0.1 } }\n')
    exported = export(read_text(_net([1, 2, 3, 4], body)), outputs=["r6", "leaky"])
    x = np.linspace(-9, 9, 24, dtype=np.float32).reshape(1, 2, 3, 4)
    out = run_in(runtime, exported, {"data": x})
    assert np.array_equal(out["r6"], np.minimum(np.maximum(x, 0), 6))
    assert np.allclose(out["leaky"], np.minimum(np.maximum(x, 0), 6) + np.float32(0.1) * np.minimum(x, 0))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nvidias_batchnorm_scales_and_shifts(runtime):
    """NVIDIA/caffe's BatchNorm with scale_bias (batch_norm_layer.cpp Forward: normalised, then times blob 3
    plus blob 4 per channel); without a .caffemodel the statistics are mean 0, variance 1."""
    body = ('layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" batch_norm_param { '
            'scale_filler { type: "gaussian" std: 2 } bias_filler { type: "uniform" min: -3 max: 3 } } }\n')
    x, out, weights = _run(_net([2, 3, 4, 5], body), [2, 3, 4, 5], runtime=runtime)
    scale, bias = weights["bn/scale"].reshape(1, 3, 1, 1), weights["bn/bias"].reshape(1, 3, 1, 1)
    assert np.abs(scale - 1).max() > 0.1 and np.abs(bias).max() > 0.1  # (the fillers, not the defaults)
    assert realcaffe.disagreement(out["bn"], x / np.sqrt(1 + 1e-5) * scale + bias) < 1e-5


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_happynears_normalize_by_its_loop(runtime):
    """happynear/caffe-windows's Normalize (normalize_layer.cpp Forward_cpu): each position over its channels,
    L2 sqrt(sum x^2 + 1e-6) or L1 sum |x| + 1e-6; a 2-axis bottom comes out N x C x 1 x 1, the norms as top 1."""
    body = ('layer { name: "flat" type: "InnerProduct" bottom: "data" top: "flat" inner_product_param { '
            'num_output: 5 weight_filler { type: "gaussian" std: 1 } } }\n'
            'layer { name: "l2" type: "Normalize" bottom: "flat" top: "l2" top: "norm" normalize_param { } }\n'
            'layer { name: "l1" type: "Normalize" bottom: "data" top: "l1" normalize_param { normalize_type: "L1" } }\n')
    x, out, weights = _run(_net([2, 3, 4, 5], body), [2, 3, 4, 5], outputs=["l2", "norm", "l1"], runtime=runtime)
    flat = x.reshape(2, -1).astype(np.float64) @ weights["flat/weight"].T.astype(np.float64)
    norm = np.sqrt((flat ** 2).sum(1) + 1e-6)
    assert out["l2"].shape == (2, 5, 1, 1) and out["norm"].shape == (2, 1, 1, 1)
    assert realcaffe.disagreement(out["l2"], (flat / norm[:, None]).reshape(2, 5, 1, 1)) < 1e-5
    assert realcaffe.disagreement(out["norm"], norm.reshape(2, 1, 1, 1)) < 1e-5
    assert realcaffe.disagreement(out["l1"], x / (np.abs(x).sum(1, keepdims=True) + 1e-6)) < 1e-5


def test_a_normalize_whose_fork_is_not_said_is_refused():
    with pytest.raises(InputError, match="norm_param .* normalize_param"):
        export(read_text(_net([1, 3, 4, 5], 'layer { name: "n" type: "Normalize" bottom: "data" top: "n" }\n')))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_depthwise_convolutions_by_their_definitions(runtime):
    """The forks' depthwise layers as grouped convolutions: MobileNet's ConvolutionDepthwise (one kernel per
    channel whatever num_output says) and DepthwiseConvolution (Caffe's convolution with its group)."""
    body = ('layer { name: "dw" type: "ConvolutionDepthwise" bottom: "data" top: "dw" convolution_param { '
            'num_output: 4 kernel_size: 3 stride: 2 pad: 1 weight_filler { type: "gaussian" std: 0.5 } '
            'bias_filler { type: "uniform" } } }\n'
            'layer { name: "g" type: "DepthwiseConvolution" bottom: "data" top: "g" convolution_param { '
            'num_output: 4 group: 2 kernel_size: 3 dilation: 2 weight_filler { type: "gaussian" std: 0.5 } } }\n')
    x, out, weights = _run(_net([1, 4, 7, 9], body), [1, 4, 7, 9], outputs=["dw", "g"], runtime=runtime)
    ref = conv_reference(x, weights["dw/weight"], weights["dw/bias"], 2, 1, 1, 4, [4, 5])
    assert out["dw"].shape == ref.shape and realcaffe.disagreement(out["dw"], ref) < 1e-5
    ref = conv_reference(x, weights["g/weight"], weights["g/bias"], 1, 0, 2, 2, [3, 5])
    assert out["g"].shape == ref.shape and realcaffe.disagreement(out["g"], ref) < 1e-5


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_shuffle_channel_by_its_loop(runtime):
    """farmingyard/ShuffleNet shuffle_channel_layer.cpp Resize_cpu, transcribed: per item, the plane of
    channel i * (C / group) + j is copied to channel j * group + i."""
    body = 'layer { name: "s" type: "ShuffleChannel" bottom: "data" top: "s" shuffle_channel_param { group: 3 } }\n'
    x, out, _ = _run(_net([2, 6, 3, 4], body), [2, 6, 3, 4], runtime=runtime)
    group_row, group_column = 3, 6 // 3
    want = np.empty_like(x)
    for i in range(group_row):
        for j in range(group_column):
            want[:, j * group_row + i] = x[:, i * group_column + j]
    assert np.array_equal(out["s"], want)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_axpy_by_its_definition(runtime):
    """hujie-frank/SENet axpy_layer.cpp: top = y, then caffe_axpy(spatial, a[n, c], x plane, top plane)."""
    body = ('layer { name: "pool" type: "Pooling" bottom: "data" top: "a" pooling_param { pool: AVE global_pooling: true } }\n'
            'layer { name: "y" type: "Power" bottom: "data" top: "y" power_param { scale: 3 shift: 1 } }\n'
            'layer { name: "axpy" type: "Axpy" bottom: "a" bottom: "data" bottom: "y" top: "axpy" }\n')
    x, out, _ = _run(_net([2, 4, 3, 5], body), [2, 4, 3, 5], runtime=runtime)
    x64 = x.astype(np.float64)
    a = x64.mean(axis=(2, 3), keepdims=True)
    assert realcaffe.disagreement(out["axpy"], a * x64 + (3 * x64 + 1)) < 1e-6


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_yolo_upsample_repeats_each_value(runtime):
    """eric612/MobileNet-YOLO upsample_layer.cpp Forward_cpu: output[n, c, h, w] = input[n, c, h / scale,
    w / scale]."""
    body = ('layer { name: "up" type: "Upsample" bottom: "data" top: "up" upsample_param { scale: 3 } }\n'
            'layer { name: "same" type: "Upsample" bottom: "data" top: "same" }\n')
    x, out, _ = _run(_net([1, 2, 3, 4], body), [1, 2, 3, 4], outputs=["up", "same"], runtime=runtime)
    assert np.array_equal(out["up"], x.repeat(3, axis=2).repeat(3, axis=3))
    assert np.array_equal(out["same"], x)  # (its scale defaults to 1)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_reorg_is_darknets_order(runtime):
    """eric612/MobileNet-YOLO's Reorg: reorg_cpu transcribed in test_fork_fields (forward 0, darknet's order);
    with reverse, forward 1: top[(c % C', h * s + o / s, w * s + o % s)] = bottom[(c, h, w)], o = c / C'."""
    from test_fork_fields import darknet_reorg
    body = ('layer { name: "reorg" type: "Reorg" bottom: "data" top: "reorg" reorg_param { stride: 2 } }\n'
            'layer { name: "back" type: "Reorg" bottom: "data" top: "back" reorg_param { stride: 2 reverse: true } }\n')
    x, out, _ = _run(_net([2, 8, 6, 4], body), [2, 8, 6, 4], outputs=["reorg", "back"], runtime=runtime)
    assert np.array_equal(out["reorg"], darknet_reorg(x, 2))
    back = np.empty((2, 2, 12, 8), np.float32)
    for c in range(8):
        o = c // 2
        back[:, c % 2, o // 2::2, o % 2::2] = x[:, c]
    assert np.array_equal(out["back"], back)


def _windows(kernel, stride, out):
    """Per output position of a 3-D map, the slices of its window (in a copy padded where the layer pads)."""
    import itertools
    for o in itertools.product(*(range(n) for n in out)):
        yield o, tuple(slice(i * s, i * s + k) for i, k, s in zip(o, kernel, stride))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_c3d_layers_by_their_definitions(runtime):
    """C3D's Convolution3D, Deconvolution3D and Pooling3D (facebook/C3D C3D-v1.1 src/caffe/layers): a
    convolution over (L, H, W) with kernel_depth x kernel_size^2, its transpose, and pooling with C3D's ceil
    rounding (MAX without padding, AVE dividing by the window's extent within the padded input)."""
    body = (
        'layer { name: "conv" type: "Convolution3D" bottom: "data" top: "conv" convolution3d_param { num_output: 3 '
        'kernel_size: 3 stride: 2 pad: 1 kernel_depth: 2 temporal_pad: 1 weight_filler { type: "gaussian" std: 0.5 } '
        'bias_filler { type: "gaussian" } } }\n'
        'layer { name: "up" type: "Deconvolution3D" bottom: "conv" top: "up" convolution3d_param { num_output: 2 '
        'kernel_size: 4 stride: 2 pad: 1 kernel_depth: 2 temporal_stride: 2 weight_filler { type: "gaussian" std: 0.5 } '
        'bias_filler { type: "gaussian" } } }\n'
        'layer { name: "max" type: "Pooling3D" bottom: "data" top: "max" pooling3d_param { pool: MAX kernel_size: 2 '
        'stride: 2 kernel_depth: 2 temporal_stride: 2 } }\n'
        'layer { name: "ave" type: "Pooling3D" bottom: "data" top: "ave" pooling3d_param { pool: AVE kernel_size: 3 '
        'stride: 2 pad: 1 kernel_depth: 3 } }\n')
    shape = [1, 2, 5, 7, 6]
    x, out, weights = _run(_net(shape, body), shape, outputs=["conv", "up", "max", "ave"], runtime=runtime)
    x64 = x.astype(np.float64)
    # Convolution3D: L (5 + 2 - 2)/1 + 1 = 6, H (7 + 2 - 3)/2 + 1 = 4, W (6 + 2 - 3)/2 + 1 = 3.
    w, b = weights["conv/weight"], weights["conv/bias"].reshape(-1)
    padded = np.pad(x64, [(0, 0), (0, 0), (1, 1), (1, 1), (1, 1)])
    conv = np.zeros((1, 3, 6, 4, 3))
    for o, window in _windows((2, 3, 3), (1, 2, 2), (6, 4, 3)):
        conv[(0, slice(None)) + o] = np.einsum("clhw,oclhw->o", padded[(0, slice(None)) + window], w) + b
    assert out["conv"].shape == conv.shape and realcaffe.disagreement(out["conv"], conv) < 1e-5
    # Deconvolution3D: every input position scattered through the kernel, then the pad cropped: L (6-1)*2 + 2
    # = 12, H (4-1)*2 - 2 + 4 = 8, W (3-1)*2 - 2 + 4 = 6.
    w, b = weights["up/weight"], weights["up/bias"].reshape(-1)
    c = out["conv"].astype(np.float64)
    full = np.zeros((1, 2, 12, 10, 8))
    for o, window in _windows((2, 4, 4), (2, 2, 2), (6, 4, 3)):
        full[(0, slice(None)) + window] += np.einsum("c,colhw->olhw", c[(0, slice(None)) + o], w)
    up = full[:, :, :, 1:9, 1:7] + b.reshape(1, -1, 1, 1, 1)
    assert out["up"].shape == up.shape and realcaffe.disagreement(out["up"], up) < 1e-5
    # MAX: L ceil((5-2)/2)+1 = 3 (the last window clipped to frame 4), H ceil(5/2)+1 = 4, W ceil(4/2)+1 = 3.
    pooled = np.zeros((1, 2, 3, 4, 3))
    for o, window in _windows((2, 2, 2), (2, 2, 2), (3, 4, 3)):
        pooled[(0, slice(None)) + o] = x64[(0, slice(None)) + window].max(axis=(1, 2, 3))
    assert np.array_equal(out["max"], pooled.astype(np.float32))
    # AVE: L (5-3)/1+1 = 3 unpadded, H ceil((7+2-3)/2)+1 = 4, W ceil((6+2-3)/2)+1 = 4, each divided by its
    # window's extent in the padded input (ends capped at size + pad) though it sums the input only.
    ave = np.zeros((1, 2, 3, 4, 4))
    for l in range(3):
        for y in range(4):
            for z in range(4):
                hs, ws = 2 * y - 1, 2 * z - 1
                he, we = min(hs + 3, 7 + 1), min(ws + 3, 6 + 1)
                size = 3 * (he - hs) * (we - ws)
                ave[0, :, l, y, z] = x64[0, :, l:l + 3, max(hs, 0):min(he, 7), max(ws, 0):min(we, 6)].sum(
                    axis=(1, 2, 3)) / size
    assert out["ave"].shape == ave.shape and realcaffe.disagreement(out["ave"], ave) < 1e-6


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tiling_by_its_loop(runtime):
    """tianchenwang/caffe tiling_layer.cpp Forward_cpu, transcribed: top (c, oy + ty, ox + tx) = bottom
    (c * t^2 + ty * t + tx, iy, ix)."""
    body = 'layer { name: "t" type: "Tiling" bottom: "data" top: "t" tiling_param { tile_dim: 2 } }\n'
    x, out, _ = _run(_net([2, 8, 3, 4], body), [2, 8, 3, 4], runtime=runtime)
    ref = np.zeros((2, 2, 6, 8), np.float32)
    for c in range(2):
        for iy in range(3):
            for ix in range(4):
                for ty in range(2):
                    for tx in range(2):
                        ref[:, c, 2 * iy + ty, 2 * ix + tx] = x[:, c * 4 + ty * 2 + tx, iy, ix]
    assert np.array_equal(out["t"], ref)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_driving_forks_fixed_lrn_and_dropout_by_their_loops(runtime):
    """tianchenwang/caffe lrn_fixed_layer.cpp CrossChannelForward_cpu (scale 2 + alpha * the window's sum of
    squares, alpha not divided by the size) and dropout_fixed_layer.cpp at test time (times 1 - ratio)."""
    body = ('layer { name: "n" type: "LRNFixed" bottom: "data" top: "n" lrn_param { local_size: 3 alpha: 0.01 '
            'beta: 0.75 } }\n'
            'layer { name: "d" type: "DropoutFixed" bottom: "data" top: "d" dropout_param { dropout_ratio: 0.3 } }\n')
    x, out, _ = _run(_net([2, 5, 3, 4], body), [2, 5, 3, 4], outputs=["n", "d"], runtime=runtime)
    squares = np.pad(x.astype(np.float64) ** 2, ((0, 0), (1, 1), (0, 0), (0, 0)))
    scale = 2 + 0.01 * sum(squares[:, c:c + 5] for c in range(3))
    assert realcaffe.disagreement(out["n"], x * scale ** -0.75) < 1e-5
    assert np.allclose(out["d"], x * np.float32(0.7))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_reverse_by_its_loop(runtime):
    """senlinuc/caffe_ocr reverse_layer.cpp Forward_cpu, transcribed: for each of the num_fix blocks before
    the axis, the copy_amount-long slices after it are written from the block's end backwards."""
    body = 'layer { name: "r" type: "Reverse" bottom: "data" top: "r" reverse_param { axis: 0 } }\n'
    x, out, _ = _run(_net([5, 2, 3], body), [5, 2, 3], runtime=runtime)
    src, want = x.reshape(-1), np.empty(x.size, np.float32)
    copy_amount, sub_iter_max = 2 * 3, 5  # count(axis + 1); shape(axis)
    for i in range(sub_iter_max):  # (num_fix is 1 at axis 0)
        target = copy_amount * sub_iter_max - copy_amount - i * copy_amount
        want[target:target + copy_amount] = src[i * copy_amount:(i + 1) * copy_amount]
    assert np.array_equal(out["r"], want.reshape(x.shape))


def test_reverse_is_refused_where_the_forks_differ():
    for body, why in (('layer { name: "r" type: "Reverse" bottom: "data" top: "r" reverse_param { axis: 1 } }',
                       "axis 1: caffe_ocr's Reverse turns that axis, textspotter's sequence Reverse axis 0"),
                      ('layer { name: "c" type: "Reduction" bottom: "data" top: "c" reduction_param { axis: 2 } }\n'
                       'layer { name: "r" type: "Reverse" bottom: "c" bottom: "data" top: "r" }',
                       "cuts its sequences where the cont input says")):
        with pytest.raises(InputError) as info:
            export(read_text(_net([4, 2, 3], body)))
        assert "layer 'r' (Reverse) cannot be exported" in info.value.message and why in info.value.message


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_segnet_bn_needs_its_inference_mode(runtime):
    body = 'layer { name: "bn" type: "BN" bottom: "data" top: "bn" bn_param { bn_mode: INFERENCE scale_filler { type: "constant" value: 2 } shift_filler { type: "constant" value: 0.5 } } }'
    x, out, _ = _run(_net([1, 3, 4, 4], body), [1, 3, 4, 4], runtime=runtime)
    assert realcaffe.disagreement(out["bn"], 2 * x.astype(np.float64) + 0.5) < 1e-7
    learn = body.replace("bn_mode: INFERENCE ", "bn_mode: LEARN ")
    with pytest.raises(InputError, match="LEARN mode normalises by each batch's statistics"):
        export(read_text(_net([1, 3, 4, 4], learn)))


def test_a_train_test_net_is_exported_up_to_its_loss(tmp_path):
    net = corpus_file("BVLC__caffe/examples/mnist/lenet_train_test.prototxt")
    code, _, err = run_cli("export", net, "--input-shape", "64,1,28,28", "-o", tmp_path / "x.onnx")
    assert code == 2 and "layer 'accuracy' (Accuracy) has no ONNX form" in err
    assert err.rstrip().endswith("--outputs ip2")  # the scores; not the labels the loss reads
    code, out, err = run_cli("export", net, "--input-shape", "64,1,28,28", "--outputs", "ip2", "-o",
                             tmp_path / "x.onnx", "--check")
    assert code == 0 and "inputs data, outputs ip2" in out, err


def caffe_roi_pooling(x, rois, pooled_h, pooled_w, scale):
    """rbgirshick/caffe-fast-rcnn src/caffe/layers/roi_pooling_layer.cpp Forward_cpu, transcribed in float32
    as Caffe computes it; C's round() rounds half away from zero."""
    f = np.float32
    _, c, height, width = x.shape
    top = np.empty((len(rois), c, pooled_h, pooled_w), f)
    for n, roi in enumerate(rois.reshape(len(rois), -1)[:, :5].astype(f)):
        batch = int(roi[0])
        start_w, start_h, end_w, end_h = (int(np.sign(v) * np.floor(abs(v) + f(0.5))) for v in roi[1:] * f(scale))
        bin_h = f(max(end_h - start_h + 1, 1)) / f(pooled_h)
        bin_w = f(max(end_w - start_w + 1, 1)) / f(pooled_w)
        for ph in range(pooled_h):
            for pw in range(pooled_w):
                hstart = min(max(int(np.floor(f(ph) * bin_h)) + start_h, 0), height)
                hend = min(max(int(np.ceil(f(ph + 1) * bin_h)) + start_h, 0), height)
                wstart = min(max(int(np.floor(f(pw) * bin_w)) + start_w, 0), width)
                wend = min(max(int(np.ceil(f(pw + 1) * bin_w)) + start_w, 0), width)
                empty = hend <= hstart or wend <= wstart
                top[n, :, ph, pw] = 0 if empty else x[batch, :, hstart:hend, wstart:wend].max(axis=(1, 2))
    return top


# Each ROI on an edge of Caffe's rounding: corners half-way (2.5 rounds to 3, -0.5 to -1, where round-half-even
# would give 2 and 0), an ROI ending before it starts (1 x 1), bins of 7/3 and 11/5 positions, ROIs past the
# map (clipped; bins wholly outside are empty and give 0), a fractional batch index (truncated), scale 1/16.
ROIS = {1.0: [[0, 2.5, 0.5, 6.5, 5.5], [1, -0.5, -1.5, 4, 4], [0, -2.5, -0.5, 3, 5], [1, 6, 6, 2, 3],
              [0, 0, 0, 10, 6], [1, 8, 9, 20, 25], [0, -9, -9, -2, -3], [1.9, 1, 2, 11, 8]],
        0.0625: [[0, 8, 24, 100, 130], [1, 40, 56, 168, 72], [0, 24, 40, 56, 88], [1, 0, 0, 500, 500]]}


@pytest.mark.parametrize("runtime", [pytest.param(r, marks=pytest.mark.xfail(
    strict=True, reason="OpenCV 5.1's ONNX importer has no MaxRoiPool")) if r == "opencv" else r for r in RUNTIMES])
@pytest.mark.parametrize("scale", sorted(ROIS))
def test_roi_pooling_is_fast_rcnns_to_the_rounding(runtime, scale):
    rois = np.array(ROIS[scale], np.float32).reshape(-1, 5, 1, 1)  # (as a Python layer's top often is)
    text = (_net([2, 3, 12, 11], "") + f'layer {{ name: "rois" type: "Input" top: "rois" input_param {{ shape {{ '
            f'dim: {len(rois)} dim: 5 dim: 1 dim: 1 }} }} }}\n'
            f'layer {{ name: "pool" type: "ROIPooling" bottom: "data" bottom: "rois" top: "pool" roi_pooling_param '
            f'{{ pooled_h: 3 pooled_w: 5 spatial_scale: {scale} }} }}\n')
    exported = export(read_text(text))
    x = np.random.default_rng(1).standard_normal([2, 3, 12, 11]).astype(np.float32)
    out = run_in(runtime, exported, {"data": x, "rois": rois})["pool"]
    assert np.array_equal(out, caffe_roi_pooling(x, rois, 3, 5, scale))


RCF_SIDE = '''
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 2 kernel_size: 3 pad: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "relu" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool" type: "Pooling" bottom: "conv1" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool" top: "conv2" convolution_param { num_output: 1 kernel_size: 3 pad: 1 } }
layer { name: "up" type: "Deconvolution" bottom: "conv2" top: "up" convolution_param { num_output: 1 stride: 2 %s
  weight_filler { type: "gaussian" std: 0.5 } } }
layer { name: "crop" type: "AutoCrop" bottom: "up" bottom: "data" top: "crop" }
'''


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_autocrop_offset_is_rcfs_coord_map_walk(runtime):
    """yun-liu/rcf auto_crop_layer.cpp LayerSetUp: from data (where the walks back from both bottoms meet) to
    up, util/coords.hpp composes conv1 (k3 s1 p1: FilterMap (1, 1 - 1) inverted, x), pool (k2 s2: (2, 0.5)
    inverted, x / 2 - 1/4), conv2 (x) and the deconvolution (k4 s2, FilterMap (2, 1.5 - pad) itself):
    2 (x / 2 - 1/4) + 1.5 - pad = x + 1 - pad. The in-place BatchNorm and ReLU are not on the walk (it follows
    each blob's first writer). Bottom 1 is data itself, so up = data + (1 - pad) and the crop starts at 1 - pad
    (9x9 -> 5x5 -> 12x12 with pad 0, 10 high with pad_h 1)."""
    x, out, _ = _run(_net([2, 3, 9, 9], RCF_SIDE % "kernel_size: 4 pad_h: 1 pad_w: 0"), [2, 3, 9, 9], runtime,
                     outputs=["up", "crop"])
    assert out["up"].shape == (2, 1, 10, 12) and np.array_equal(out["crop"], out["up"][:, :, 0:9, 1:10])


def test_autocrop_is_refused_where_rcfs_caffe_aborts():
    # A 5-wide deconvolution puts up at data + 2 (x / 2 - 1/4) + 2 - x = 1.5, which no crop aligns.
    for kernel, why in (("kernel_size: 5", "bottom 1 = 1 x -1.5 and 1 x -1.5 of bottom 0"),
                        ("kernel_size: 4", "walked back through layer 'bn2' (BatchNorm): its coord_map() is "
                                           "NOT_IMPLEMENTED")):
        text = _net([1, 3, 9, 9], RCF_SIDE % kernel)
        if kernel.endswith("4"):  # a BatchNorm written out of place is on the walk
            text = text.replace('layer { name: "up" type: "Deconvolution" bottom: "conv2"',
                                'layer { name: "bn2" type: "BatchNorm" bottom: "conv2" top: "norm" }\n'
                                'layer { name: "up" type: "Deconvolution" bottom: "norm"')
        with pytest.raises(InputError) as info:
            export(read_text(text))
        assert "layer 'crop' (AutoCrop) cannot be exported" in info.value.message and why in info.value.message


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bilinear_interpolation_by_its_loop(runtime):
    """stephenyan1231/caffe-public (recurrent_2d) interpolation_layers.cpp Forward_cpu, transcribed: fh =
    (in_h - 1) * h / (out_h - 1), rows floor(fh) and the next (the last row its own next), weighted 1 - dh
    and dh, and so along w."""
    body = ('layer { name: "b" type: "BilinearInterpolation" bottom: "data" top: "b" '
            'bilinear_interpolation_param { interpolation_factor: 3 } }\n')
    x, out, _ = _run(_net([2, 3, 4, 5], body), [2, 3, 4, 5], runtime)
    f = np.float32
    want = np.empty((2, 3, 12, 15), np.float32)
    for h in range(12):
        fh = f(3) * f(h) / f(11)
        prev_h = int(np.floor(fh))
        next_h, dh = min(prev_h + 1, 3), fh - prev_h
        for w in range(15):
            fw = f(4) * f(w) / f(14)
            prev_w = int(np.floor(fw))
            next_w, dw = min(prev_w + 1, 4), fw - prev_w
            want[:, :, h, w] = ((1 - dh) * (1 - dw) * x[:, :, prev_h, prev_w] + (1 - dh) * dw * x[:, :, prev_h, next_w]
                                + dh * (1 - dw) * x[:, :, next_h, prev_w] + dh * dw * x[:, :, next_h, next_w])
    assert realcaffe.disagreement(out["b"], want) < 1e-5  # (OpenCV weighs in float32: 1.3e-6)


def test_bilinear_interpolation_is_refused_where_its_size_is_the_forks_own():
    body = 'layer { name: "b" type: "BilinearInterpolation" bottom: "data" bottom: "data" top: "b" }\n'
    with pytest.raises(InputError, match="layer 'b' \\(BilinearInterpolation\\): the shape of its top is not known "
                       "\\(with a second bottom, the forks take its size from different places\\).*up to it with"):
        export(read_text(_net([1, 3, 4, 5], body)))


def _padded(x, rows, cols, value=0.0):
    """top[h, w] = x[h - rows[0], w - cols[0]] where that is inside x, else value: the forks' constant
    Padding loops (DeepLab's, ctensmeyer's and sophgo's Forward_cpu), for any signs of the pads."""
    n, c, h, w = x.shape
    out = np.full((n, c, h + sum(rows), w + sum(cols)), value, np.float32)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            if 0 <= i - rows[0] < h and 0 <= j - cols[0] < w:
                out[:, :, i, j] = x[:, :, i - rows[0], j - cols[0]]
    return out


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_forks_padding_by_their_loops(runtime):
    """DeepLab's pad_beg/pad_end (pads or crops), ctensmeyer's pad_h/pad_w_left, sophgo's pad_t/pad_l with a
    pad_value, and twerdster's REPEAT (padding_layer.cpp's boxIdx: the nearest edge value)."""
    body = ('layer { name: "p" type: "Padding" bottom: "data" top: "p" padding_param { pad_beg: 2 pad_end: 1 } }\n'
            'layer { name: "c" type: "Padding" bottom: "data" top: "c" padding_param { pad_beg: -1 pad_end: -2 } }\n'
            'layer { name: "h" type: "Padding" bottom: "data" top: "h" padding_param { pad_h: 1 pad_w_left: 2 } }\n'
            'layer { name: "s" type: "Padding" bottom: "data" top: "s" '
            'padding_param { pad_t: 1 pad_b: 2 pad_l: 3 pad_value: -1.5 } }\n'
            'layer { name: "r" type: "Padding" bottom: "data" top: "r" '
            'padding_param { pad_t: 2 pad_r: 1 pad_method: REPEAT } }\n')
    x, out, _ = _run(_net([2, 3, 5, 6], body), [2, 3, 5, 6], runtime=runtime, outputs=list("pchsr"))
    assert np.array_equal(out["p"], _padded(x, (2, 1), (2, 1)))
    assert np.array_equal(out["c"], _padded(x, (-1, -2), (-1, -2)))
    assert np.array_equal(out["h"], _padded(x, (1, 1), (2, 0)))
    assert np.array_equal(out["s"], _padded(x, (1, 2), (3, 0), -1.5))
    rows, cols = np.clip(np.arange(7) - 2, 0, 4), np.clip(np.arange(7), 0, 5)
    assert np.array_equal(out["r"], x[:, :, rows][:, :, :, cols])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_forks_flip_by_their_loops(runtime):
    """happynear/caffe-windows flip_layer.cpp: top[h, w] = bottom[H - 1 - h if flip_height, W - 1 - w if
    flip_width]; shihengcan/caffe-2017's: index |i - (n - 1)| along its axis."""
    body = ('layer { name: "w" type: "Flip" bottom: "data" top: "w" flip_param { flip_width: true } }\n'
            'layer { name: "hw" type: "Flip" bottom: "data" top: "hw" flip_param { flip_height: true } }\n'
            'layer { name: "a" type: "Flip" bottom: "data" top: "a" flip_param { axis: 1 } }\n')
    x, out, _ = _run(_net([2, 3, 4, 5], body), [2, 3, 4, 5], runtime=runtime, outputs=["w", "hw", "a"])
    h, w = np.arange(4), np.arange(5)
    assert np.array_equal(out["w"], x[:, :, h][:, :, :, 4 - w])
    assert np.array_equal(out["hw"], x[:, :, 3 - h][:, :, :, 4 - w])
    assert np.array_equal(out["a"], x[:, np.abs(np.arange(3) - 2)])


def test_region_and_an_unsaid_flip_are_refused_saying_why():
    for body, why in (('layer { name: "r" type: "Region" bottom: "data" top: "r" }',
                       "lay out and decode their boxes each their own way"),
                      ('layer { name: "r" type: "Flip" bottom: "data" top: "r" }',
                       "happynear/caffe-windows the width, shihengcan/caffe-2017 the batch")):
        with pytest.raises(InputError) as info:
            export(read_text(_net([1, 125, 3, 3], body)))
        assert info.value.message.startswith("layer 'r' (") and why in info.value.message
# DeepLab v1's test nets end in MAT_WRITE, which writes the scores to files and has no top; Caffe's Silence
# likewise: every top is read, so there is no default output, and the refusal names what the last layers read.
SINK_NET = ('input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
            'layer { name: "conv" type: "Convolution" bottom: "data" top: "scores" '
            'convolution_param { num_output: 2 kernel_size: 3 } }\n'
            'layer { name: "quiet" type: "Silence" bottom: "scores" }\n')


def test_a_net_whose_last_layers_write_no_top_is_refused_naming_what_they_read(tmp_path):
    with pytest.raises(InputError) as info:
        export(read_text(SINK_NET))
    assert "the last by layers that write no top ('quiet' (Silence))" in info.value.message
    code, _, err = run_cli("export", "-", "-o", tmp_path / "x.onnx", stdin=SINK_NET)
    assert code == 2 and err.strip().endswith("name the blobs to export with --outputs scores")
    code, _, err = run_cli("export", "-", "-o", tmp_path / "x.onnx", "--outputs", "scores", stdin=SINK_NET)
    assert code == 0, err

"""Shapes at the edges of Caffe's rules, against real Caffe (skipped where it is not built).

Convolution and pooling on maps no larger than their kernels, with strides,
pads and both rounding modes: every geometry we accept must give Caffe's
shape, and every one we refuse must be refused by Caffe too.
"""

import itertools

import pytest

import realcaffe
from conftest import needs_shared
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_text
from scnn_tools.engine.shapes import infer
from scnn_tools.net.graph import build

SIZES = (1, 2, 3, 5)


def _layers():
    out = []
    for size, k, s in itertools.product(SIZES, (1, 2, 3, 5), (1, 2, 3)):
        for p in range(k):
            out.append(("conv", size, k, s, p, None))
            for mode in ("CEIL", "FLOOR"):
                out.append(("pool", size, k, s, p, mode))
    return out


def _text(cases):
    lines = [f'layer {{ name: "in{n}" type: "Input" top: "in{n}" input_param {{ shape {{ dim: 1 dim: 1 dim: {n} '
             f'dim: {n} }} }} }}' for n in SIZES]
    for i, (kind, size, k, s, p, mode) in enumerate(cases):
        if kind == "conv":
            lines.append(f'layer {{ name: "l{i}" type: "Convolution" bottom: "in{size}" top: "l{i}" '
                         f'convolution_param {{ num_output: 1 kernel_size: {k} stride: {s} pad: {p} }} }}')
        else:
            lines.append(f'layer {{ name: "l{i}" type: "Pooling" bottom: "in{size}" top: "l{i}" '
                         f'pooling_param {{ pool: MAX kernel_size: {k} stride: {s} pad: {p} round_mode: {mode} }} }}')
    return "\n".join(lines) + "\n"


def _ours(case):
    text = _text([case])
    try:
        graph = build(read_text(text, "edge.prototxt"))
        return infer(graph).blobs[graph.blob("l0").id]
    except InputError:
        return None


CASES = _layers()
OURS = {case: _ours(case) for case in CASES}


@realcaffe.needs("bvlc")
def test_accepted_geometries_have_caffes_shapes():
    accepted = [c for c in CASES if OURS[c] is not None]
    assert len(accepted) > 100
    result = realcaffe.shapes(_text(accepted))
    assert result["load_ok"], result["error"]
    for i, case in enumerate(accepted):
        assert result["blobs"][f"l{i}"] == OURS[case], case


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("case", [c for c in CASES if OURS[c] is None][::7])
def test_refused_geometries_are_refused_by_caffe(case):
    # Caffe refuses a negative size when it builds the net, and an empty blob when it runs it.
    result = realcaffe.shapes(_text([case]), forward=True)
    assert not (result["load_ok"] and result["forward_ok"]), (case, result["blobs"])


def test_a_kernel_larger_than_a_one_pixel_map_is_one_window():
    # Real deploy files declare 1x1 inputs (reshaped at run time) in front of 2x2/2 pools.
    assert OURS[("pool", 1, 2, 2, 0, "CEIL")] == [1, 1, 1, 1]
    assert OURS[("conv", 1, 2, 2, 0, None)] == [1, 1, 1, 1]    # C++ division truncates (-1 / 2 == 0)
    assert OURS[("conv", 1, 3, 1, 0, None)] is None              # -1 outputs: Caffe's shape check


ONE_OF_TWO = [("bvlc", "ImageData", "image_data_param", "new_height: 20"),
              ("bvlc", "ImageData", "image_data_param", "new_width: 20"),
              ("pspnet", "ImageSegData", "image_data_param", "new_height: 20"),
              ("bvlc", "ImageData", "transform_param { crop_size: 8 } image_data_param", "new_width: 20"),
              # facebook/C3D C3D-v1.1 src/caffe/layers/video_data_layer.cpp DataLayerSetUp (no build here)
              (None, "VideoData", "video_data_param", "new_length: 8 new_height: 20")]


@pytest.mark.parametrize("fork, kind, param, given", ONE_OF_TWO)
def test_new_height_without_new_width_is_refused_as_caffe_refuses_it(fork, kind, param, given):
    text = (f'layer {{ name: "images" type: "{kind}" top: "data" top: "label" '
            f'{param} {{ source: "list.txt" batch_size: 2 {given} }} }}\n')
    with pytest.raises(InputError, match="requires both or neither") as refused:
        infer(build(read_text(text, "one_of_two.prototxt")))
    assert "images" in str(refused.value)
    if fork is None:
        return
    realcaffe.needs(fork)
    result = realcaffe.shapes(text, fork)
    assert not result["load_ok"] and "new_height and new_width to be set at the same time" in result["error"]


LEGACY_AXES = [("Concat", "concat_param { concat_dim: %d }", d) for d in (0, 1, 3, 4, 7)] + \
              [("Slice", "slice_param { slice_dim: %d }", d) for d in (1, 3, 4, 7)]


@realcaffe.needs("bvlc")
@pytest.mark.parametrize("kind, param, axis", LEGACY_AXES)
def test_legacy_concat_and_slice_axes_as_caffe(kind, param, axis):
    # concat_dim and slice_dim count from 0 and must be below the bottom's axes (Caffe CHECKs it).
    tops = 'top: "a" top: "b"' if kind == "Slice" else 'top: "a"'
    bottoms = 'bottom: "x"' if kind == "Slice" else 'bottom: "x" bottom: "x"'
    text = ('layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 2 dim: 4 dim: 6 dim: 8 } } }\n'
            f'layer {{ name: "l" type: "{kind}" {bottoms} {tops} {param % axis} }}\n')
    try:
        graph = build(read_text(text, "axes.prototxt"))
        ours = infer(graph).blobs[graph.blob("a").id]
    except InputError:
        ours = None
    caffe = realcaffe.shapes(text)
    assert (caffe["blobs"]["a"] if caffe["load_ok"] else None) == ours, caffe["error"]


# ------------------------------------------------------------------ memory
MEMORY_NETS = ["BVLC__caffe/models/bvlc_alexnet/deploy.prototxt", "BVLC__caffe/models/bvlc_googlenet/deploy.prototxt",
               "KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt",
               "forresti__SqueezeNet/SqueezeNet_v1.0/deploy.prototxt", "shicai__MobileNet-Caffe/mobilenet_deploy.prototxt",
               "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt"]


@needs_shared
@realcaffe.needs("bvlc")
@pytest.mark.parametrize("net", MEMORY_NETS)
def test_memory_for_data_is_caffes(net):
    from conftest import CORPUS
    from scnn_tools.engine.analysis import analyze
    path = CORPUS / net
    assert analyze(path)["memory"]["caffe"] == realcaffe.memory(path.read_text())


@needs_shared
@realcaffe.needs("bvlc")
def test_memory_at_another_batch_is_caffes_at_that_batch():
    from conftest import CORPUS
    from scnn_tools.engine.analysis import analyze
    path = CORPUS / "BVLC__caffe/models/bvlc_googlenet/deploy.prototxt"
    text = path.read_text()
    assert "shape: { dim: 10 dim: 3" in text
    three = text.replace("shape: { dim: 10 dim: 3", "shape: { dim: 3 dim: 3", 1)
    assert analyze(path, batch=3)["memory"]["caffe"] == realcaffe.memory(three) != realcaffe.memory(text)


def test_memory_by_hand():
    # data 1x2x4x4 (32); conv 1x3x4x4 (48), ReLU in place on it, read by two layers (a Split of 2 tops).
    text = ('input: "data" input_dim: 1 input_dim: 2 input_dim: 4 input_dim: 4\n'
            'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
            'convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }\n'
            'layer { name: "r" type: "ReLU" bottom: "c" top: "c" }\n'
            'layer { name: "p" type: "Pooling" bottom: "c" top: "p" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
            'layer { name: "q" type: "Pooling" bottom: "c" top: "q" pooling_param { pool: AVE kernel_size: 4 } }\n')
    from scnn_tools.engine.analysis import Analysis, report
    m = report(Analysis(read_text(text)))["memory"]
    # Caffe: every top (data 32, c 48, r 48, split 2 x 48, p 12, q 3); allocated: data, c, p, q.
    assert m["caffe"] == 4 * (32 + 48 + 48 + 2 * 48 + 12 + 3)
    assert m["blobs"] == 4 * (32 + 48 + 12 + 3)
    params = 3 * 2 * 9 + 3
    assert m["training"] == 4 * (2 * (32 + 48 + 12 + 3) + 2 * 48 + 3 * params)

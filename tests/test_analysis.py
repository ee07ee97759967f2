"""The analysis of real nets against published values (shared/reference/known_values.md), values
fixed in the files themselves, and the outputs of the original spatial-scale code."""

import json

import numpy as np
import pytest

from scnn_tools.engine.analysis import Analysis, analyze, query, report
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_net, read_text

from conftest import CORPUS, REFERENCE, needs_shared

pytestmark = needs_shared


def outputs(result):
    return {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}


def layers(result):
    return {layer["name"]: layer for layer in result["layers"]}


def rf(out):
    """(size, jump, padding) of a square field."""
    r = out["rf"]
    assert r["size"][0] == r["size"][1] and r["jump"][0] == r["jump"][1] and r["padding"][0] == r["padding"][1]
    return r["size"][0], r["jump"][0], r["padding"][0]


@pytest.fixture(scope="module")
def alexnet():
    return analyze(CORPUS / "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt")


def test_alexnet_receptive_fields(alexnet):
    # google-research/receptive_field's alexnet_v2 rows, which apply to BVLC AlexNet.
    expected = {"conv1": (11, 4, 0), "pool1": (19, 8, 0), "conv2": (51, 8, 16), "conv3": (99, 16, 32),
                "conv4": (131, 16, 48), "conv5": (163, 16, 64), "pool5": (195, 32, 64)}
    out = outputs(alexnet)
    assert {name: rf(out[name]) for name in expected} == expected
    assert out["pool5"]["shape"] == [10, 256, 6, 6]
    assert out["fc6"]["rf"] is None and out["fc6"]["scale"] is None


def test_alexnet_cost(alexnet):
    by_layer = layers(alexnet)
    macc = {"conv1": 105415200, "conv2": 223948800, "conv3": 149520384, "conv4": 112140288, "conv5": 74760192,
            "fc6": 37748736, "fc7": 16777216, "fc8": 4096000}
    assert {name: by_layer[name]["macc"] for name in macc} == macc
    assert alexnet["totals"]["params"] == 60965224
    assert alexnet["totals"]["macc"] == 724406816
    assert alexnet["totals"]["flops"] == 2 * 724406816


def test_alexnet_json_keeps_the_design_contract(alexnet):
    conv1 = layers(alexnet)["conv1"]
    assert conv1["params"] == 34944 and conv1["bottoms"] == ["data"] and conv1["tops"] == ["conv1"]
    out = conv1["outputs"][0]
    assert out["rf"] == {"size": [11, 11], "clipped": [11, 11], "jump": [4, 4], "start": [5.0, 5.0], "padding": [0, 0],
                         "uniform": True, "aligned": True, "global": [False, False]}
    assert out["scale"]["area"] == 121 and out["scale"]["width"] == 11.0
    assert out["scale"]["overlap"] == pytest.approx(7 / 11)
    assert alexnet["schema"] == "scnn-tools.analysis/1"
    assert alexnet["input"] == {"blob": "data", "shape": [10, 3, 227, 227]}
    # In-place layers have an output entry too: the blob after them.
    assert layers(alexnet)["relu1"]["outputs"][0]["blob"] == "conv1"
    json.dumps(alexnet)


def test_vgg16_receptive_fields_and_cost():
    result = analyze(CORPUS / "ry__tensorflow-vgg16/VGG_2014_16.prototxt")
    expected = {"conv1_1": (3, 1, 1), "pool1": (6, 2, 2), "conv2_1": (10, 2, 4), "pool2": (16, 4, 6),
                "conv3_1": (24, 4, 10), "conv3_2": (32, 4, 14), "pool3": (44, 8, 18), "conv4_1": (60, 8, 26),
                "conv4_2": (76, 8, 34), "pool4": (100, 16, 42), "conv5_1": (132, 16, 58),
                "conv5_2": (164, 16, 74), "pool5": (212, 32, 90)}
    out = outputs(result)
    assert {name: rf(out[name]) for name in expected} == expected
    assert out["pool5"]["shape"][2:] == [7, 7]
    assert result["totals"]["params"] == 138357544
    assert result["totals"]["macc"] == 15470264320


@pytest.mark.parametrize("depth, size, padding, learnable, paper_gmacc", [
    (50, 483, 239, 25557096, 3.8), (101, 1027, 511, 44549160, 7.6), (152, 1507, 751, 60192808, 11.3),
])
def test_caffe_resnets(depth, size, padding, learnable, paper_gmacc):
    result = analyze(CORPUS / f"KaimingHe__deep-residual-networks/prototxt/ResNet-{depth}-deploy.prototxt")
    out = outputs(result)
    assert rf(out["res5c"]) == (size, 32, padding)
    assert out["res5c"]["rf"]["aligned"] and out["res5c"]["rf"]["uniform"]
    # Caffe's ResNets stride in the first unit of a block (google-research's FAQ): stride 4/8/16 at block ends.
    if depth == 50:
        assert [rf(out[b]) for b in ("res2c", "res3d", "res4f")] == [(35, 4, 15), (99, 8, 47), (291, 16, 143)]
    # Learnable parameters only: BatchNorm's mean and variance are statistics (known_values.md, section 4).
    assert result["totals"]["params"] == learnable
    # The paper's figure is multiply-adds, to two significant digits.
    assert result["totals"]["macc"] / 1e9 == pytest.approx(paper_gmacc, rel=0.02)
    assert out["pool1"]["shape"][2:] == [56, 56]  # 112 -> 56 needs Caffe's ceil rounding
    assert out["pool5"]["rf"]["global"] == [True, True]


def test_classification_parameter_counts():
    counts = {"BVLC__caffe/models/bvlc_googlenet/deploy.prototxt": 6998552,
              "forresti__SqueezeNet/SqueezeNet_v1.0/deploy.prototxt": 1248424,
              "forresti__SqueezeNet/SqueezeNet_v1.1/deploy.prototxt": 1235496,
              "BVLC__caffe/examples/mnist/lenet.prototxt": 431080}
    for rel, params in counts.items():
        assert analyze(CORPUS / rel)["totals"]["params"] == params, rel


def test_lenet_shapes():
    out = outputs(analyze(CORPUS / "BVLC__caffe/examples/mnist/lenet.prototxt"))
    assert [out[b]["shape"][2] for b in ("data", "conv1", "pool1", "conv2", "pool2")] == [28, 24, 12, 8, 4]
    assert by_name_params(CORPUS / "BVLC__caffe/examples/mnist/lenet.prototxt") == \
        {"conv1": 520, "conv2": 25050, "ip1": 400500, "ip2": 5010}


def by_name_params(path):
    return {layer["name"]: layer["params"] for layer in analyze(path)["layers"] if layer["params"]}


def test_mobilenet_v1_field():
    out = outputs(analyze(CORPUS / "shicai__MobileNet-Caffe/mobilenet_deploy.prototxt"))
    # RF and stride as TF-Slim's mobilenet_v1; Caffe pads symmetrically: (315 - 1) / 2.
    assert rf(out["conv6/sep"]) == (315, 32, 157)


@pytest.mark.parametrize("rel, size, final", [
    ("hszhao__PSPNet/evaluation/prototxt/pspnet101_VOC2012_473.prototxt", 60, 473),
    ("hszhao__PSPNet/evaluation/prototxt/pspnet101_cityscapes_713.prototxt", 90, 713),
    ("hszhao__PSPNet/evaluation/prototxt/pspnet50_ADE20K_473.prototxt", 60, 473),
])
def test_pspnet_feature_map_and_output(rel, size, final):
    result = analyze(CORPUS / rel)
    out = outputs(result)
    assert out["conv5_3"]["shape"][2:] == [size, size]
    assert out["conv6_interp"]["shape"][2:] == [final, final]
    # After the pyramid (a 1x1 bin interpolated back over the map) every feature sees all of the image.
    assert out["conv5_4"]["rf"]["global"] == [True, True]
    assert out["conv5_3"]["rf"]["global"] == [False, False]


def test_fcn8s_crops_align_the_fused_paths():
    result = analyze(CORPUS / "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt")
    out = outputs(result)
    assert out["score"]["shape"] == [1, 21, 500, 500]
    # The offsets the authors computed with coord_map make the summed paths share centres.
    for blob in ("fuse_pool4", "fuse_pool3", "score"):
        assert out[blob]["rf"]["aligned"], blob
    # A crop with a different offset breaks that, and the tool says so.
    text = (CORPUS / "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt").read_text()
    shifted = text.replace("offset: 9", "offset: 10")
    assert shifted != text
    moved = outputs(report(Analysis(read_text(shifted, "moved.prototxt"))))
    assert not moved["fuse_pool3"]["rf"]["aligned"]


def test_ssd_priors_and_ceil_pooling():
    out = outputs(analyze(CORPUS / "shangzw12__ssd/models/VGGNet/VOC0712/SSD_300x300/deploy.prototxt"))
    assert out["mbox_priorbox"]["shape"] == [1, 2, 8732 * 4]
    assert out["pool3"]["shape"][2:] == [38, 38]  # 75 -> 38 with Caffe's ceil
    assert out["detection_out"]["shape"] == [1, 1, None, 7]
    mobile = outputs(analyze(CORPUS / "chuanqi305__MobileNet-SSD/deploy.prototxt"))
    assert mobile["mbox_priorbox"]["shape"] == [1, 2, 1917 * 4]


def test_segnet_unpooling_restores_ceil_pooled_sizes():
    out = outputs(analyze(CORPUS / "alexgkendall__SegNet-Tutorial/Example_Models/segnet_model_driving_webdemo.prototxt"))
    assert out["pool4"]["shape"][2:] == [23, 30] and out["pool5"]["shape"][2:] == [12, 15]
    assert out["pool5_D"]["shape"][2:] == [23, 30] and out["pool4_D"]["shape"][2:] == [45, 60]
    assert out["conv1_1_D"]["shape"][2:] == [360, 480]


def test_segnet_from_its_data_layer_is_analysed_as_far_as_it_says_and_takes_an_input_shape():
    # Its DenseImageData layer declares 1 colour image but no size: the channels and what follows from them
    # (conv1_1: 64*3*9 + 64 = 1792 parameters) are known, sizes and what needs them are not, and the
    # warning names the flag; the commands that need the image refuse.
    path = CORPUS / "alexgkendall__SegNet-Tutorial/Models/segnet_inference.prototxt"
    result = analyze(path)
    out = outputs(result)
    assert out["data"]["shape"] == [1, 3, None, None] and out["conv1_1"]["shape"] == [1, 64, None, None]
    conv = next(layer for layer in result["layers"] if layer["name"] == "conv1_1")
    assert (conv["params"], conv["macc"]) == (1792, None) and out["conv1_1"]["rf"] is None
    (warned,) = [w for w in result["warnings"] if w["code"] == "undeclared-input"]
    assert "--input-shape N,C,H,W" in warned["message"]
    with pytest.raises(InputError, match=r"input 'data' is not fully declared .*: give it with input_shape=\[N, C, H, W\] or "
                                        r"inputs=\{'data': \[N, C, H, W\]\}$"):
        query(Analysis(read_net(path)), "conv1_1", 0, 0)
    out = outputs(analyze(path, image_shape=[1, 3, 360, 480]))
    assert out["conv1_1_D"]["shape"] == [1, 11, 360, 480]


def test_scnn_host_and_deeplab_feature_maps():
    host = outputs(analyze(CORPUS / "XingangPan__SCNN-prototxt-generator/examples/resnet101.prototxt"))
    assert host["conv5_5"]["shape"] == [1, 128, 46, 46]
    deeplab = outputs(analyze(CORPUS / "DrSleep__tensorflow-deeplab-resnet/misc/deploy.prototxt"))
    assert deeplab["fc1_voc12"]["shape"][2:] == [41, 41]


def test_after_an_scnn_block_every_feature_sees_the_whole_map():
    result = analyze(CORPUS / "XingangPan__SCNN-prototxt-generator/examples/resnet101_SCNN.prototxt")
    out = outputs(result)
    assert out["SCNN"]["shape"] == out["conv5_5"]["shape"] == [1, 128, 46, 46]
    assert out["conv5_5"]["rf"]["global"] == [False, False]
    for blob in ("SCNN", "conv6", "conv6_interp"):
        assert out[blob]["rf"]["global"] == [True, True], blob
    # The four message kernels are shared by name: 4 x 128 x 128 x 9 parameters in all.
    block = sum(layer["params"] for layer in result["layers"] if layer["name"].startswith("SCNN_"))
    assert block == 4 * 128 * 128 * 9


def test_an_scnn_block_alone_sees_exactly_its_map():
    # The fragment's free input is the image: after the block each feature sees all 5 rows, no more.
    result = analyze(REFERENCE / "scnn/SCNN_5_7_16.prototxt", named={"conv5_5": [1, 16, 5, 7]})
    out = outputs(result)["SCNN"]
    assert out["shape"] == [1, 16, 5, 7]
    assert out["rf"]["size"][0] == 5 and out["rf"]["padding"][0] == 0 and out["rf"]["jump"] == [1, 1]
    assert out["rf"]["global"] == [True, True] and out["rf"]["uniform"]
    # Its fields are no products (SCNN's passes): past the 2-D walks' budget the scale is a bound, the whole map;
    # the walk itself finds every pixel of it can change the centre feature and its neighbour.
    assert out["scale"]["area"] in (None, 35) and out["scale"].get("area_at_most", 35) == 35
    block = Analysis(read_net(str(REFERENCE / "scnn/SCNN_5_7_16.prototxt")), None, None, {"conv5_5": [1, 16, 5, 7]})
    assert query(block, "SCNN", 2, 3)["pixels"] == query(block, "SCNN", 2, 4)["pixels"] == 35
    with pytest.raises(InputError, match=r"input 'conv5_5' is not fully declared"):
        analyze(REFERENCE / "scnn/SCNN_5_7_16.prototxt")


def test_dilation_holes_count_as_holes():
    # Five 3x3 convolutions with dilation 2: a 21x21 box but 11x11 pixels.
    net = 'input: "data" input_dim: [1, 1, 64, 64]\n' + "".join(
        f'layer {{ name: "d{i}" type: "Convolution" bottom: "{"data" if i == 1 else f"d{i - 1}"}" top: "d{i}" '
        'convolution_param { num_output: 1 kernel_size: 3 dilation: 2 pad: 2 } }\n' for i in range(1, 6))
    result = report(Analysis(read_text(net)))
    last = outputs(result)["d5"]
    assert last["rf"]["size"] == [21, 21]
    assert last["scale"]["area"] == 121 and last["scale"]["width"] == 11.0
    assert last["scale_models"]["blog"]["width"] == 243.0  # the original's 3**5


def _windows(x, k, s, p, d=1, pool=False):
    """A 2-D layer of all-one weights on a batch of images x (N x H x W): each output sums the input pixels
    its window reads, padding read as nothing. Caffe's sizes: a convolution floors, a pooling ceils and
    drops a last window that starts in the padding; a pooling window stops at the padded edge."""
    n, size_h, size_w = x.shape
    outs = []
    for size in (size_h, size_w):
        if pool:
            out = -(-(size + 2 * p - k) // s) + 1
            out -= 1 if p and (out - 1) * s >= size + p else 0
        else:
            out = (size + 2 * p - (d * (k - 1) + 1)) // s + 1
        outs.append(out)
    y = np.zeros((n, *outs))
    for oy in range(outs[0]):
        for ox in range(outs[1]):
            taps = []
            for o, size in ((oy, size_h), (ox, size_w)):
                first = o * s - p
                reads = range(first, min(first + k, size + p)) if pool else range(first, first + k * d, d)
                taps.append([i for i in reads if 0 <= i < size])
            y[:, oy, ox] = x[:, taps[0]][:, :, taps[1]].sum(axis=(1, 2))
    return y


def test_scale_counts_the_image_pixels_that_can_change_the_centre_feature():
    # A small net whose fields reach well past the image: strided convolution and pooling, dilation, a wide
    # kernel, a residual sum, a last pooling. Brute force: one image per input pixel, that pixel alone lit,
    # through all-one windows (a max pooling can be changed by any pixel its window reads, so a sum stands
    # for it); the centre feature can be changed by exactly the pixels whose image reaches it.
    h, w = 21, 17
    conv = 'layer {{ name: "{0}" type: "Convolution" bottom: "{1}" top: "{0}" convolution_param {{ {2} }} }}\n'
    text = (f'input: "data" input_dim: 1 input_dim: 1 input_dim: {h} input_dim: {w}\n'
            + conv.format("c1", "data", "num_output: 1 kernel_size: 3 stride: 2 pad: 1")
            + 'layer { name: "p1" type: "Pooling" bottom: "c1" top: "p1" '
              'pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }\n'
            + conv.format("c2", "p1", "num_output: 1 kernel_size: 3 dilation: 2 pad: 2")
            + conv.format("c3", "c2", "num_output: 1 kernel_size: 5 pad: 2")
            + 'layer { name: "sum" type: "Eltwise" bottom: "c3" bottom: "p1" top: "sum" }\n'
            + 'layer { name: "p2" type: "Pooling" bottom: "sum" top: "p2" '
              'pooling_param { pool: AVE kernel_size: 2 stride: 2 } }\n'
            + 'layer { name: "g" type: "Pooling" bottom: "p2" top: "g" pooling_param { pool: MAX global_pooling: true } }\n')
    lit = np.eye(h * w).reshape(h * w, h, w)  # image i lights pixel i alone
    maps = {"c1": _windows(lit, 3, 2, 1)}
    maps["p1"] = _windows(maps["c1"], 3, 2, 1, pool=True)
    maps["c2"] = _windows(maps["p1"], 3, 1, 2, d=2)
    maps["c3"] = _windows(maps["c2"], 5, 1, 2)
    maps["sum"] = maps["c3"] + maps["p1"]
    maps["p2"] = _windows(maps["sum"], 2, 2, 0, pool=True)
    maps["g"] = maps["p2"].sum(axis=(1, 2), keepdims=True)
    out = outputs(report(Analysis(read_text(text))))
    padded = 0
    for blob, y in maps.items():
        assert out[blob]["shape"][2:] == list(y.shape[1:]), blob
        cy, cx = (y.shape[1] - 1) // 2, (y.shape[2] - 1) // 2
        centre = set(np.flatnonzero(y[:, cy, cx]))
        scale = out[blob]["scale"]
        assert scale["area"] == len(centre), blob
        assert scale["width"] == pytest.approx(len(centre) ** 0.5), blob
        if y.shape[2] > 1:
            after = set(np.flatnonzero(y[:, cy, cx + 1]))
            assert scale["overlap"] == pytest.approx(len(centre & after) / len(centre)), blob
        size = out[blob]["rf"]["size"]
        padded += size[0] * size[1] > len(centre)  # (the box on the unbounded plane is larger)
    assert out["g"]["scale"]["area"] == h * w and out["g"]["rf"]["global"] == [True, True]
    assert padded >= 4


def test_query_gives_the_box_of_one_feature():
    path = CORPUS / "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt"
    alexnet = Analysis(read_net(path))
    q = query(alexnet, "pool5", 0, 5)
    # start 33, jump 32, size 195 (Hien's guide: centre = start + index * jump).
    assert q["center"] == [33.0, 33.0 + 5 * 32]
    assert q["box"] == {"y": [33 - 97, 33 + 97], "x": [193 - 97, 193 + 97]}
    assert q["clipped"] == {"y": [0, 130], "x": [96, 226]}
    with pytest.raises(InputError, match="outside blob 'pool5'"):
        query(alexnet, "pool5", 0, 6)
    with pytest.raises(InputError, match="no spatial axes"):
        query(alexnet, "fc6", 0, 0)


def test_padding_beyond_a_map_reads_no_pixel():
    """Worked by hand (issue 23's oracle found it). 7 rows x 6 columns; a: 3x3 stride 2, no pad -> 3 x 2:
    its columns 0 and 1 read image columns 0..2 and 2..4; column 5 is read by none. b: 3x3 pad 1 on a -> 3 x 2:
    b's column 1 reads a's columns 0, 1 and the padding at 2 (a zero), so image columns 0..4; b's column 0
    reads the padding at -1, then 0 and 1: columns 0..4 too. On the unbounded plane a's column 2 would read
    4..6, so b's column 1 has the box 0..6 (rf.size 7, kept), but in the image only 0..4: clipped 5, never 6.
    Rows: a has 3 rows (0..2, 2..4, 4..6), all real; b's row 1 reads all three: rows 0..6. b's centre
    (row 1, column 0) can be changed by 7 x 5 = 35 pixels, and its next along w by the same 0..4: overlap 1.
    g, a global pooling of a, reads a's every real position: rows 0..6, global; columns 0..4 only, so
    not global along w (column 5 cannot change it)."""
    text = ('input: "data" input_dim: 1 input_dim: 1 input_dim: 7 input_dim: 6\n'
            'layer { name: "a" type: "Convolution" bottom: "data" top: "a" '
            'convolution_param { num_output: 1 kernel_size: 3 stride: 2 } }\n'
            'layer { name: "b" type: "Convolution" bottom: "a" top: "b" '
            'convolution_param { num_output: 1 kernel_size: 3 pad: 1 } }\n'
            'layer { name: "g" type: "Pooling" bottom: "a" top: "g" pooling_param { pool: AVE global_pooling: true } }\n')
    analysis = Analysis(read_text(text))
    out = outputs(report(analysis))
    b, g = out["b"], out["g"]
    assert b["shape"][2:] == [3, 2] and b["rf"]["size"] == [7, 7] and b["rf"]["clipped"] == [7, 5]
    assert b["scale"] == {"area": 35, "width": pytest.approx(35 ** 0.5, abs=1e-6), "overlap": 1.0}
    q = query(analysis, "b", 1, 1)
    assert q["box"] == {"y": [0, 6], "x": [0, 6]} and q["clipped"] == {"y": [0, 6], "x": [0, 4]}
    assert g["rf"]["global"] == [True, False] and g["rf"]["clipped"] == [7, 5] and g["scale"]["area"] == 35


# ----------------------------------------------------- the blog's scale model
PROFILE = REFERENCE / "spatial_scale/resnet50_profile.json"
CASES = REFERENCE / "spatial_scale/cases.json"


def test_blog_model_reproduces_the_original_resnet50_profile():
    profile = json.loads(PROFILE.read_text())
    result = analyze(CORPUS / "KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt",
                     scale_model="blog")
    out = outputs(result)
    for row in profile["layers"]:
        blog = out[row["caffe_name"]]["scale"]
        assert blog["area"] == pytest.approx(row["S"], rel=1e-9), row["caffe_name"]
        assert blog["overlap"] == pytest.approx(row["P"], abs=1e-6), row["caffe_name"]
    widths = {b: out[b]["scale"]["width"] for b in ("res2c", "res3d", "res4f", "res5c")}
    assert widths == pytest.approx({"res2c": 35, "res3d": 99, "res4f": 291, "res5c": 483})
    # Without holes the two models agree inside the image; beyond it the blog counts padding as pixels,
    # the exact model counts the 224 x 224 pixels there are.
    for b in ("res2c", "res3d", "res4f", "res5c"):
        assert out[b]["scale_models"]["exact"]["width"] == pytest.approx(min(out[b]["scale"]["width"], 224))


KINDS = {
    "conv_3x3_stride_1": ["conv 3 1 1 1"],
    "conv_3x3_stride_2": ["conv 3 2 1 1"],
    "conv_1x1_stride_1": ["conv 1 1 0 1"],
    "conv_1x1_stride_2": ["conv 1 2 0 1"],
    "conv_7x7_stride_2": ["conv 7 2 3 1"],
    "conv_3x3_stride_1_dilate_2": ["conv 3 1 2 2"],
    "pooling_2x2_stride_2": ["pool 2 2 0"],
    "pooling_3x3_stride_2": ["pool 3 2 0"],
    "conv_3x3_stride_1_pooling_2x2_stride_2": ["conv 3 1 1 1", "pool 2 2 0"],
}


def case_net(kinds):
    lines, bottom, tops = ['input: "data" input_dim: [1, 1, 1024, 1024]'], "data", []
    for i, kind in enumerate(kinds):
        for j, spec in enumerate(KINDS[kind]):
            op, *nums = spec.split()
            top = f"l{i}_{j}"
            if op == "conv":
                k, s, p, d = nums
                lines.append(f'layer {{ name: "{top}" type: "Convolution" bottom: "{bottom}" top: "{top}" '
                             f'convolution_param {{ num_output: 1 kernel_size: {k} stride: {s} pad: {p} '
                             f'dilation: {d} }} }}')
            else:
                k, s, p = nums
                lines.append(f'layer {{ name: "{top}" type: "Pooling" bottom: "{bottom}" top: "{top}" '
                             f'pooling_param {{ pool: MAX kernel_size: {k} stride: {s} pad: {p} }} }}')
            bottom = top
        tops.append(bottom)
    return "\n".join(lines), tops


@pytest.mark.parametrize("case", sorted(k for k, v in json.loads(CASES.read_text()).items() if "layers" in v)
                         if CASES.is_file() else [])
def test_blog_model_reproduces_the_original_case_studies(case):
    data = json.loads(CASES.read_text())[case]
    text, tops = case_net(data["layers"])
    result = report(Analysis(read_text(text, case)), "blog")
    out = outputs(result)
    # Where the original's dilated formula leaves the range of an area and an overlap (S <= 0 or
    # P outside 0..1), its values mean nothing: null from there on, and a warning names the layer.
    broken = next((i for i in range(1, len(tops) + 1)
                   if data["S_profile"][i] <= 0 or not 0 <= data["P_profile"][i] <= 1), None)
    for i, top in enumerate(tops, 1):
        blog = out[top]["scale"]
        if broken is not None and i >= broken:
            assert blog is None, (case, i)
        else:
            assert blog["area"] == pytest.approx(data["S_profile"][i], rel=1e-9, abs=1e-6), (case, i)
            assert blog["overlap"] == pytest.approx(data["P_profile"][i], abs=1e-6), (case, i)
        # The exact model: the bounding box the original's file lists beside it.
        assert out[top]["rf"]["size"][0] == data["exact_bbox_rf_profile"][i], (case, i)
    warned = [w["layer"] for w in result["warnings"] if w["code"] == "blog-model-out-of-range"]
    assert warned == ([] if broken is None else [tops[broken - 1]]), case


# ------------------------------------------------------------------ errors
def net_error(text):
    with pytest.raises(InputError) as info:
        Analysis(read_text(text, "bad.prototxt"))
    return info.value


def test_shapes_that_cannot_meet_name_the_layer_and_both_shapes():
    e = net_error('input: "a" input_dim: [1, 3, 8, 8]\ninput: "b" input_dim: [1, 3, 9, 8]\n'
                  'layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "b" top: "s" }\n')
    assert e.layer == "sum" and e.line == 3
    assert "'a' is (1, 3, 8, 8), 'b' is (1, 3, 9, 8)" in e.message


@pytest.mark.parametrize("layer, words", [
    ('type: "Convolution" convolution_param { num_output: 4 kernel_size: 11 }', "kernel extent 11 with stride 1 does not fit"),
    ('type: "Convolution" convolution_param { kernel_size: 3 }', "num_output is required"),
    ('type: "Convolution" convolution_param { num_output: 4 kernel_size: 3 group: 2 }', "group 2 must divide"),
    ('type: "Pooling" pooling_param { kernel_size: 3 pad: 3 }', "pad (3, 3) must be smaller than the kernel"),
    ('type: "Pooling" pooling_param { pool: MAX }', "kernel_size (or kernel_h and kernel_w) is required"),
    ('type: "Slice" slice_param { axis: 2 slice_point: 3 slice_point: 2 } top: "t2" top: "t3"',
     "slice points [3, 2] must increase strictly"),
    ('type: "Reshape" reshape_param { shape { dim: 7 dim: -1 } }', "cannot infer dim 1"),
    ('type: "Concat" bottom: "data2" concat_param { axis: 1 }', "bottoms must agree on every axis but 1"),
    # Fork types: what their sources check, or what their loops would run past.
    ('type: "ShuffleChannel" shuffle_channel_param { group: 2 }', "group 2 does not divide the 3 channels"),
    ('type: "Axpy" bottom: "data2" bottom: "data2"', "the scale (1, 3, 8, 8) must be 1x1"),
    ('type: "Upsample" upsample_param { scale_h: 2 }', "scale_h belong to SegNet's unpooling"),
    ('type: "Reorg" reorg_param { stride: 3 }', "stride 3 does not divide the 8x8 map"),
    ('type: "Reorg" reorg_param { stride: 2 }', "stride 2: its 4 channel blocks do not divide the 3 channels"),
    ('type: "Reorg" reorg_param { reverse: true }', "reorg_param needs a positive stride"),
    # Fork types (C).
    ('type: "Reverse" reverse_param { axis: 4 }', "axis 4 must be from 0 to 3 for (1, 3, 8, 8)"),
    ('type: "ScaleRoute"', "the rois (1, 3, 8, 8) must have 5 channels"),
    ('type: "ScaleRoute" bottom: "data2"', "needs a top per bottom, has 1 for 2"),
    ('type: "Downsample" downsample_param { top_height: 4 }',
     "downsample_param needs top_height and top_width of at least 1 (has 4, 0)"),
])
def test_impossible_layers_are_errors_naming_the_layer(layer, words):
    e = net_error('input: "data" input_dim: [1, 3, 8, 8]\ninput: "data2" input_dim: [1, 3, 4, 4]\n'
                  f'layer {{ name: "bad" bottom: "data" top: "t" {layer} }}\n')
    assert e.layer == "bad" and words in e.message


def test_fork_refusals_the_table_above_cannot_write():
    # caffe_ocr's Reverse CHECKs it is not in place; textspotter's sequence Reverse, that x has cont's T x N;
    # RCF's AutoCrop CHECKs its offset is not negative, which a data blob smaller than the reference breaks.
    e = net_error('input: "data" input_dim: [1, 3, 8, 8]\n'
                  'layer { name: "bad" type: "Reverse" bottom: "data" top: "data" }\n')
    assert e.layer == "bad" and "cannot run in place" in e.message
    e = net_error('input: "cont" input_shape { dim: 8 dim: 2 }\ninput: "x" input_shape { dim: 8 dim: 3 dim: 5 }\n'
                  'layer { name: "bad" type: "Reverse" bottom: "cont" bottom: "x" top: "t" }\n')
    assert e.layer == "bad" and "x (8, 3, 5) must have the num and channels (T, N) of cont (8, 2)" in e.message
    e = net_error('input: "small" input_dim: [1, 1, 8, 9]\ninput: "big" input_dim: [1, 3, 8, 10]\n'
                  'layer { name: "bad" type: "AutoCrop" bottom: "small" bottom: "big" top: "t" }\n')
    assert e.layer == "bad" and "the data (1, 1, 8, 9) is smaller in width than the reference (1, 3, 8, 10)" in e.message


@pytest.mark.parametrize("layer, verb", [
    ('type: "Pooling" pooling_param { kernel_size: 2 }', "pools"),
    ('type: "Interp" interp_param { zoom_factor: 2 }', "interpolates"),
    ('type: "Upsample" upsample_param { scale: 2 }', "upsamples"),
])
def test_image_layers_refuse_blobs_that_are_not_images(layer, verb):
    e = net_error('input: "v" input_shape { dim: 1 dim: 3 }\n'
                  f'layer {{ name: "bad" bottom: "v" top: "t" {layer} }}\n')
    assert e.layer == "bad" and f"{verb} 4-axis blobs only, bottom is (1, 3)" in e.message


@pytest.mark.parametrize("depth, all_blobs", [(50, 25610269), (101, 44654608), (152, 60344387)])
def test_published_all_blob_counts_are_learnable_plus_batchnorm_statistics(depth, all_blobs):
    # dlcookbook's counts (netscope-based) include BatchNorm's mean, variance and scale factor,
    # which Caffe stores as blobs but never learns: C + C + 1 per BatchNorm layer.
    result = analyze(CORPUS / f"KaimingHe__deep-residual-networks/prototxt/ResNet-{depth}-deploy.prototxt")
    statistics = sum(2 * layer["outputs"][0]["shape"][1] + 1 for layer in result["layers"]
                     if layer["type"] == "BatchNorm")
    assert result["totals"]["params"] + statistics == all_blobs


# --------------------------------------------------- jump: the feature grid
def test_jump_is_the_spacing_of_the_feature_grid():
    # FCN-8s: its crop offsets come from Caffe's coord_map, so the scores lie on the input grid,
    # feature o at input pixel o (start 0, jump 1); upscore2 doubles pool5's 32 to 16.
    out = outputs(analyze(CORPUS / "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt"))
    assert out["upscore2"]["rf"]["jump"] == [16, 16] and out["score_pool4c"]["rf"]["jump"] == [16, 16]
    assert out["score"]["rf"]["jump"] == [1, 1] and out["score"]["rf"]["start"] == [0.0, 0.0]
    assert out["score"]["rf"]["aligned"]


def test_paths_on_different_grids_are_flagged_not_averaged():
    # PSPNet's pyramid concat: conv5_3 (60x60 at jump 8 for 473) beside maps interpolated from
    # 1, 2, 3 and 6 bins. The concat keeps conv5_3's grid, and a warning names the layer.
    result = analyze(CORPUS / "hszhao__PSPNet/evaluation/prototxt/pspnet50_ADE20K_473.prototxt")
    out = outputs(result)
    assert out["conv5_3_concat"]["rf"]["jump"] == out["conv5_4"]["rf"]["jump"] == [8, 8]
    assert out["conv6_interp"]["rf"]["jump"] == [1, 1]  # 8 x (60 - 1) / (473 - 1)
    assert out["conv5_4"]["rf"]["global"] == [True, True] and out["conv5_4"]["rf"]["clipped"] == [473, 473]
    grids = [w for w in result["warnings"] if w["code"] == "different-grids"]
    assert [w["layer"] for w in grids] == ["conv5_3_concat"]
    assert "conv5_3" in grids[0]["message"] and "6.78" in grids[0]["message"]


def test_blog_model_is_null_where_its_formulas_leave_their_range():
    # pspnet50's first dilated 3x3: the blog's fit gives area -12051 and overlap -0.17 there.
    result = analyze(CORPUS / "hszhao__PSPNet/evaluation/prototxt/pspnet50_ADE20K_473.prototxt", scale_model="blog")
    out = outputs(result)
    assert out["conv4_1_1x1_reduce"]["scale"]["area"] > 0
    assert out["conv4_1_3x3"]["scale"] is None and out["conv6_interp"]["scale"] is None
    assert out["conv4_1_3x3"]["scale_models"]["exact"]["area"] > 0
    warned = [w for w in result["warnings"] if w["code"] == "blog-model-out-of-range"]
    assert [w["layer"] for w in warned] == ["conv4_1_3x3"] and "-12051" in warned[0]["message"]


# ------------------------------------------------------- cost per image
FASTER_RCNN = CORPUS / "rbgirshick__py-faster-rcnn/models/pascal_voc/VGG16/faster_rcnn_end2end/test.prototxt"


def test_cost_per_image_counts_every_region():
    with_rois = analyze(FASTER_RCNN, named={"rois": [300, 5]})
    without = analyze(FASTER_RCNN)
    fc6 = {layer["name"]: layer for layer in with_rois["layers"]}["fc6"]
    assert fc6["macc"] == 300 * (512 * 7 * 7) * 4096  # one image runs fc6 once per region
    # The layers after ROI pooling, per region, from their definitions: fc6, fc7, cls_score, bbox_pred.
    per_region = 512 * 7 * 7 * 4096 + 4096 * 4096 + 4096 * 21 + 4096 * 84
    totals = without["totals"]
    assert totals["macc"] is None and totals["macc_per_item"] == {"rois": per_region}
    assert with_rois["totals"]["macc"] == totals["macc_known"] + 300 * per_region
    assert 51e9 < with_rois["totals"]["macc"] < 53e9
    # Parameters do not depend on the count: known either way.
    assert totals["params"] == with_rois["totals"]["params"] == 137078239
    [w] = [w for w in without["warnings"] if w["code"] == "unknown-count"]
    assert w["layer"] == "roi_pool5" and "--input rois=R,5" in w["message"] and "rois=300,5" in w["message"]


def test_activations_per_image_count_blobs_made_once_per_pass_whole():
    # Per image: the image 3x16x16 = 768 and the feature map 4x4x4 = 64 (per item of the batch of 2);
    # PriorBox's (1, 2, 4*4*4) priors are made once whatever the batch: 128, not 64 per image; a
    # Reduction over the batch axis leaves one number: 1, not 0.5.
    text = ('layer { name: "d" type: "Input" top: "d" input_param { shape { dim: 2 dim: 3 dim: 16 dim: 16 } } }\n'
            'layer { name: "f" type: "Input" top: "f" input_param { shape { dim: 2 dim: 4 dim: 4 dim: 4 } } }\n'
            'layer { name: "p" type: "PriorBox" bottom: "f" bottom: "d" top: "p" prior_box_param { min_size: 8 } }\n'
            'layer { name: "r" type: "Reduction" bottom: "f" top: "r" reduction_param { axis: 0 } }\n')
    result = report(Analysis(read_text(text)))
    assert [o["shape"] for layer in result["layers"] for o in layer["outputs"]] == \
        [[2, 3, 16, 16], [2, 4, 4, 4], [1, 2, 64], []]
    assert result["totals"]["activations"] == 768 + 64 + 128 + 1
    assert isinstance(result["totals"]["activations"], int)


POSE = """input: "image"
input_dim: 1
input_dim: 3
input_dim: 1
input_dim: 1
layer { name: "c1" type: "Convolution" bottom: "image" top: "c1"
        convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }
layer { name: "p1" type: "Pooling" bottom: "c1" top: "p1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
"""


def test_a_placeholder_image_is_said_to_be_one():
    # OpenPose's deploy files declare 1x3x1x1 and reshape at run time: p1's 2-wide window reads a 1-wide map.
    (w,) = [w for w in Analysis(read_text(POSE)).warnings if w["code"] == "placeholder-input"]
    assert w["layer"] == "p1" and "1x1" in w["message"] and "--input-shape" in w["message"]
    # At the size the net runs at, or wherever the user gave one, nothing is said.
    assert not [w for w in Analysis(read_text(POSE.replace("input_dim: 1\ninput_dim: 1", "input_dim: 368\n"
                                                           "input_dim: 368"))).warnings]
    assert not Analysis(read_text(POSE), image_shape=[1, 3, 1, 1]).warnings


def test_costs_that_do_not_depend_on_unknown_shapes_are_known():
    # Two Python layers (shapes decided by their code) joined by a Concat: the Concat and the ReLU learn
    # and multiply nothing whatever the shapes; the InnerProduct's weights depend on its input's size.
    text = ('layer { name: "d" type: "Input" top: "d" input_param { shape { dim: 1 dim: 3 dim: 16 dim: 16 } } }\n'
            'layer { name: "c" type: "Convolution" bottom: "d" top: "c" convolution_param { num_output: 4 '
            'kernel_size: 3 } }\n'
            'layer { name: "p1" type: "Python" bottom: "c" top: "a" python_param { module: "m" layer: "A" } }\n'
            'layer { name: "p2" type: "Python" bottom: "c" top: "b" python_param { module: "m" layer: "B" } }\n'
            'layer { name: "cat" type: "Concat" bottom: "a" bottom: "b" top: "cat" }\n'
            'layer { name: "r" type: "ReLU" bottom: "cat" top: "cat" }\n'
            'layer { name: "fc" type: "InnerProduct" bottom: "cat" top: "fc" inner_product_param { num_output: 2 } }\n')
    result = report(Analysis(read_text(text)))
    cost = {layer["name"]: (layer["params"], layer["macc"]) for layer in result["layers"]}
    # c: 4 x 3 x 3 x 3 + 4 = 112 parameters; 14 x 14 x 4 outputs of 27 multiply-adds = 21,168.
    assert cost == {"d": (0, 0), "c": (112, 21168), "p1": (0, 0), "p2": (0, 0), "cat": (0, 0), "r": (0, 0),
                    "fc": (None, None)}
    # Blobs of unknown shape leave the activation total unknown, not smaller.
    assert result["totals"]["activations"] is None


@needs_shared
@pytest.mark.parametrize("net, header", [
    ("KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt",
     r'input: "data"\s*input_dim: 1\s*input_dim: 3\s*input_dim: 224\s*input_dim: 224'),
    ("BVLC__caffe/models/bvlc_googlenet/deploy.prototxt",
     r'layer {\s*name: "data"\s*type: "Input"\s*top: "data"\s*input_param { shape: { dim: 10 dim: 3 dim: 224 dim: 224 } }\s*}'),
])
def test_an_undeclared_image_size_leaves_exactly_what_depends_on_it_unknown(net, header):
    # The same net fed by a data layer that declares its batch and channels (three mean values) but not its
    # size. Every dimension and cost reported must be the one the net has at every size it runs at (checked
    # here at four), and each one left unknown must change with the size.
    import re
    text = (CORPUS / net).read_text()
    data = ('layer { name: "data" type: "Data" top: "data" transform_param { mean_value: 104 mean_value: 117 '
            'mean_value: 123 } data_param { source: "db" batch_size: 2 } }')
    assert re.search(header, text)
    unsized = report(Analysis(read_text(re.sub(header, data, text, count=1), "unsized.prototxt"),
                              require_image=False))
    sizes = [(224, 224), (227, 301), (256, 320), (480, 640)]
    sized = [report(Analysis(read_text(text, "sized.prototxt"), image_shape=[2, 3, h, w])) for h, w in sizes]
    known = fields = 0
    for k, layer in enumerate(unsized["layers"][1:], 1):
        for cost in ("params", "macc"):
            values = {r["layers"][k][cost] for r in sized}
            assert layer[cost] == values.pop() and not values if layer[cost] is not None else len(values) > 1 or \
                cost == "macc" and layer["type"] not in ("Convolution", "InnerProduct"), (layer["name"], cost)
        for o, out in enumerate(layer["outputs"]):
            for key in ("size", "jump", "start", "padding"):  # receptive fields, where the size does not matter
                for axis, value in enumerate((out["rf"] or {}).get(key) or []):
                    if value is not None:
                        assert {r["layers"][k]["outputs"][o]["rf"][key][axis] for r in sized} == {value}, \
                            (layer["name"], key)
                        fields += 1
            for axis, dim in enumerate(out["shape"] or []):
                seen = {r["layers"][k]["outputs"][o]["shape"][axis] for r in sized}
                if dim is None:
                    assert len(seen) > 1, (layer["name"], axis)
                else:
                    assert seen == {dim}, (layer["name"], axis)
                    known += 1
    assert known > len(unsized["layers"])  # batches and channels at least
    assert fields > 4 * len(unsized["layers"])  # box, jump, start, padding on both axes, nearly everywhere
    # Every convolution's parameters are known (their channels are); the classifier's are not: its 7x7 average
    # pooling makes 1x1 only from a 224 image, so fc's inputs, and its weights, grow with the size.
    convs = [layer for layer in unsized["layers"] if layer["type"] == "Convolution"]
    assert convs and all(layer["params"] is not None for layer in convs)



@needs_shared
def test_an_image_of_declared_size_but_not_channels_is_analysed_at_its_size(tmp_path):
    """CaffeNet's train_val crops its Data layer to 227 x 227 and leaves the channels to its database. Fields and
    scales do not depend on the channels: every one is what the net has at each channel count (three here), and
    those of conv1 and pool1 are worked out below; profile and query take the file as it is. Before, scale was
    unknown everywhere and profile and query refused the file for want of an image shape."""
    from scnn_tools import api
    path = CORPUS / "BVLC__caffe/models/bvlc_reference_caffenet/train_val.prototxt"
    unsized = report(Analysis(read_net(str(path)), require_image=False))
    assert unsized["input"]["shape"] == [50, None, 227, 227]
    for channels in (1, 3, 4):
        sized = report(Analysis(read_net(str(path)), image_shape=[50, channels, 227, 227]))
        for ours, theirs in zip(unsized["layers"], sized["layers"]):
            for o, t in zip(ours["outputs"], theirs["outputs"]):
                assert (o["rf"], o["scale_models"]) == (t["rf"], t["scale_models"]), ours["name"]
    out = {o["blob"]: o for layer in unsized["layers"] for o in layer["outputs"]}
    # conv1, kernel 11 stride 4: the centre feature (27, 27) of 55 sees rows 108..118, all in the image: 121
    # pixels; the next along w sees columns 112..122, 7 of them shared. pool1 (3, stride 2): 19 x 19, 11 shared.
    assert out["conv1"]["scale"] == {"area": 121, "width": 11.0, "overlap": round(7 / 11, 6)}
    assert out["pool1"]["scale"] == {"area": 361, "width": 19.0, "overlap": round(11 / 19, 6)}
    # What depends on the channels stays unknown: conv1's weights and multiply-adds.
    conv1 = next(layer for layer in unsized["layers"] if layer["name"] == "conv1")
    assert (conv1["params"], conv1["macc"]) == (None, None)
    assert api.query(path, "conv5", 6, 6)["box"] == {"y": [32, 194], "x": [32, 194]}
    assert api.profile(path)["points"][1]["rf"] == 11


@needs_shared
def test_a_large_batch_does_not_cost_the_size_free_fields():
    """cifar10_full_sigmoid_train_test_bn reads batches of 1000 images of a size its database decides: its fields
    are worked out at made-up sizes, at batch 1 (at its own batch those sizes exceed Caffe's count limit, and every
    field was lost). conv1, kernel 5, pad 2: a 5 x 5 box padded by 2."""
    path = CORPUS / "BVLC__caffe/examples/cifar10/cifar10_full_sigmoid_train_test_bn.prototxt"
    result = report(Analysis(read_net(str(path)), require_image=False))
    assert result["input"]["shape"] == [1000, None, None, None]
    conv1 = next(o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "conv1")
    assert (conv1["rf"]["size"], conv1["rf"]["padding"]) == ([5, 5], [2, 2])


def test_an_image_whose_channels_reach_a_blob_with_a_field_is_still_refused():
    """Where a blob with a field other than the image has the image's channels (a Power layer scales the data
    before conv1), what the net computes may depend on them: as before, no scale, and query asks for them."""
    text = ('layer { name: "data" type: "Data" top: "data" transform_param { crop_size: 32 } '
            'data_param { source: "db" batch_size: 2 } }\n'
            'layer { name: "s" type: "Power" bottom: "data" top: "s" power_param { scale: 0.5 } }\n'
            'layer { name: "c" type: "Convolution" bottom: "s" top: "c" convolution_param { num_output: 4 '
            'kernel_size: 3 } }\n')
    result = report(Analysis(read_text(text), require_image=False))
    assert all(o["scale"] is None for layer in result["layers"][1:] for o in layer["outputs"])
    with pytest.raises(InputError, match="not fully declared"):
        Analysis(read_text(text))

_CLIP_NET = '''input: "clip" input_shape {{ dim: 1 dim: 3 dim: 8 dim: 20 dim: 20 }}
{layer} {{ name: "t" type: {conv} bottom: "clip" top: "t" {cparam} {{ num_output: 2 kernel_size: 1 kernel_depth: 5
  temporal_pad: 2 }} }}
{layer} {{ name: "c1" type: {conv} bottom: "t" top: "c1" {cparam} {{ num_output: 2 kernel_size: 3 kernel_depth: 3
  pad: 1 temporal_pad: 1 }} }}
{layer} {{ name: "p1" type: {pool} bottom: "c1" top: "p1" {pparam} {{ kernel_size: 2 stride: 2 kernel_depth: 2
  temporal_stride: 2 }} }}
{layer} {{ name: "c2" type: {conv} bottom: "p1" top: "c2" {cparam} {{ num_output: 2 kernel_size: 3 kernel_depth: 1
  pad: 1 }} }}
'''


@pytest.mark.parametrize("spelling", [
    dict(layer="layer", conv='"Convolution3D"', pool='"Pooling3D"', cparam="convolution3d_param",
         pparam="pooling3d_param"),  # C3D v1.1
    dict(layer="layers", conv="CONVOLUTION3D", pool="POOLING3D", cparam="convolution_param",
         pparam="pooling_param"),  # C3D v1.0, V1
])
def test_a_c3d_clip_has_fields_along_h_and_w(spelling):
    """Fields of an N x C x L x H x W clip are along its last two axes; its frames' axis L has none, and a
    kernel_depth widens nothing in H and W."""
    result = report(Analysis(read_text(_CLIP_NET.format(**spelling))))
    out = outputs(result)
    # t: 1x1 in H and W (its depth 5 is along L). c1: 3x3 pad 1: [-1, 1]. p1: 2x2 stride 2 over c1 positions
    # 0..1: [-1, 2], jump 2, centre 0.5. c2: 3x3 pad 1 over p1 positions -1..1 at jump 2: [-3, 4].
    assert [rf(out[b]) for b in ("t", "c1", "p1", "c2")] == [(1, 1, 0), (3, 1, 1), (4, 2, 1), (8, 2, 3)]
    assert out["p1"]["rf"]["start"] == [0.5, 0.5] and out["p1"]["shape"] == [1, 2, 4, 10, 10]
    assert out["c2"]["scale"]["area"] == 64


@pytest.mark.parametrize("layer, words", [
    ('type: "Convolution3D" bottom: "data" convolution3d_param { num_output: 2 kernel_size: 3 kernel_depth: 1 }',
     "reads N x C x L x H x W blobs, bottom is (1, 3, 8, 8)"),
    ('type: "Pooling3D" bottom: "clip" pooling3d_param { pool: MAX kernel_size: 3 pad: 1 kernel_depth: 1 }',
     "C3D pads average pooling only"),
    ('type: "Convolution3D" bottom: "clip" convolution_param { num_output: 2 kernel_h: 3 kernel_w: 1 '
     'kernel_depth: 1 }', "it has no kernel_h, kernel_w"),
    ('type: "Convolution3D" bottom: "clip" convolution3d_param { num_output: 2 kernel_size: 3 }',
     "needs kernel_size and kernel_depth"),
    ('type: "Pooling" bottom: "clip" pooling_param { kernel_size: 2 }', "pools 4-axis blobs only"),
    ('type: "PSROIPooling" bottom: "data" bottom: "rois" psroi_pooling_param { output_dim: 2 group_size: 2 }',
     "its bottom has 3 channels; output_dim 2 with group_size 2 reads 8"),
    ('type: "Yolov3DetectionOutput" bottom: "data" yolov3_detection_output_param { mask_group_num: 3 }',
     "has 1 bottom(s); its mask_group_num says 3"),
    # DeepLab's padding_layer.cpp: LOG(FATAL) unless both pads have one sign; CHECK_GT(height_out_, 0).
    ('type: "Padding" bottom: "data" padding_param { pad_beg: 1 pad_end: -1 }', "pads both or crops both"),
    ('type: "Padding" bottom: "data" padding_param { pad_beg: -4 pad_end: -4 }',
     "leave 0 of the 8 positions along axis 2"),
    ('type: "Padding" bottom: "data" padding_param { pad_beg: 1 pad_t: 1 }',
     "sets fields of different forks' Padding (pad_beg and pad_t)"),
    ('type: "Padding" bottom: "data" padding_param { pad_l: -1 pad_method: REPEAT }',
     "pad_method REPEAT is twerdster/caffe's"),
    # happynear's and shihengcan's Flip read the 4 legacy axes.
    ('type: "Flip" bottom: "clip" flip_param { axis: 2 }', "reads at most 4 axes"),
    ('type: "Flip" bottom: "data" flip_param { axis: 2 flip_width: true }', "sets fields of different forks' Flip"),
    # zhangnju/nv_caffe region_layer.cpp: CHECK_EQ(bottom[0]->count(1), side * side * num * (coords + classes + 1)):
    # 192 values are not 13 * 13 * 5 boxes', nor 2 * 2 * 2 boxes of 4 + 20 + 1.
    ('type: "Region" bottom: "data" top: "u" region_loss_param { side: 13 }', "not side * side * num = 845"),
    ('type: "Region" bottom: "data" top: "u" region_loss_param { side: 2 num: 2 num_class: 20 }',
     "its bottom gives 24 values per box; coords + classes + 1 = 25"),
    ('type: "Region" bottom: "data" top: "u" top: "v" top: "w"', "has 4 tops"),
])
def test_fork_layers_refuse_what_their_caffe_refuses(layer, words):
    e = net_error('input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
                  'input: "rois" input_shape { dim: 4 dim: 5 }\n'
                  'input: "clip" input_shape { dim: 1 dim: 3 dim: 4 dim: 8 dim: 8 }\n'
                  f'layer {{ name: "bad" top: "t" {layer} }}\n')
    assert e.layer == "bad" and words in e.message


def test_query_of_a_blob_an_unknown_type_rewrote_names_that_layer():
    # darknet2caffe's yolov4.prototxt: every convolution's blob is rewritten in place by a Mish, a type
    # scnn-tools does not know; query of it said only that it had no spatial axes.
    text = ('input: "data" input_shape { dim: 1 dim: 3 dim: 16 dim: 16 }\n'
            'layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" '
            'convolution_param { num_output: 4 kernel_size: 3 } }\n'
            'layer { name: "act" type: "Mish" bottom: "conv" top: "conv" }\n')
    a = Analysis(read_text(text))
    why = "the shape of 'conv' is unknown (layer 'act' is of type 'Mish', which scnn-tools does not know)"
    with pytest.raises(InputError) as info:
        a.box(a.graph.blob("conv").id, 0, 0)
    assert info.value.message.endswith(why)
    from scnn_tools.engine.effective_field import effective_field  # (erf said as little)
    with pytest.raises(InputError) as info:
        effective_field(a, "conv")
    assert info.value.message.endswith(why)

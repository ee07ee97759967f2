"""The numbers behind the pictures (profiles, object matching, effective receptive fields), and the pictures."""

import json
import math
import struct

import pytest

import numpy as np

from scnn_tools.engine.analysis import Analysis
from scnn_tools.builders.backbone import backbone
from scnn_tools.engine.effective_field import effective_field, radii
from scnn_tools.errors import InputError
from scnn_tools.engine.match import assign, bands, read_objects
from scnn_tools.engine.profiles import profile
from scnn_tools.netfile.reader import read_text
from scnn_tools.builders.stack import parse, stack

from conftest import REFERENCE, needs_shared, run_cli

SCALE = REFERENCE / "spatial_scale"


def analysis_of(text, **kw):
    return Analysis(read_text(text), **kw)


@pytest.fixture(scope="module")
def resnet50():
    return profile(analysis_of(backbone(depth=50, size=224, style="caffe")))


@pytest.mark.skipif(not SCALE.is_dir(), reason="../shared/reference/spatial_scale is missing")
def test_resnet50_profile_is_the_original_studys(resnet50):
    rows = json.loads((SCALE / "resnet50_profile.json").read_text())["layers"]
    points = resnet50.points[:len(rows)]
    assert [p.layer for p in points[1:]] == [r["caffe_name"] for r in rows[1:]]
    for p, row in zip(points, rows):
        assert p.blog["area"] == pytest.approx(row["S"], rel=1e-9)
        assert p.blog["overlap"] == pytest.approx(row["P"], abs=1e-9)
        assert (p.rf, p.jump) == (row["exact_rf"], row["jump"])
    widths = {n: resnet50.find(n).width("blog") for n in ("res2c", "res3d", "res4f", "res5c")}
    assert widths == pytest.approx({"res2c": 35, "res3d": 99, "res4f": 291, "res5c": 483})
    assert resnet50.stride_changes()[:4] == [(1, 2), (2, 4), (12, 8), (24, 16)]


STUDIES = {"i_20x_conv3x3_s1_no_pool": "20*conv3",
           "ii_20x_conv3x3_s1_pool_every4": "5*conv3,pool2,4*conv3,pool2,4*conv3,pool2,4*conv3,pool2,3*conv3",
           "iii_5x_dilated3x3_d2_s1": "5*conv3d2", "iv_5x_conv3x3_s2": "5*conv3s2", "v_5x_conv3x3_s1": "5*conv3"}


@pytest.mark.skipif(not SCALE.is_dir(), reason="../shared/reference/spatial_scale is missing")
@pytest.mark.parametrize("case", sorted(STUDIES))
def test_study_stacks_give_the_original_profiles(case):
    data = json.loads((SCALE / "cases.json").read_text())[case]
    points = profile(analysis_of(stack(STUDIES[case], 512))).points
    # The original fuses "conv + pool" into one step: compare where its steps end.
    steps = [p for p, nxt in zip(points, points[1:] + [None]) if not (nxt and nxt.layer.startswith("pool"))]
    assert len(steps) == len(data["S_profile"])
    for p, s, q, rf in zip(steps, data["S_profile"], data["P_profile"], data["exact_bbox_rf_profile"]):
        assert p.blog["area"] == pytest.approx(s, rel=1e-9) and p.blog["overlap"] == pytest.approx(q, abs=1e-9)
        assert p.rf == rf
    if case.startswith("iii"):
        assert steps[-1].exact["area"] == 121 and steps[-1].width("blog") == pytest.approx(243)


def test_stack_specs():
    assert [(l["op"], l["kernel"], l["stride"], l["dilation"], l["pad"]) for l in parse("2*conv3d2,pool2,conv7s2")] \
        == [("conv", 3, 1, 2, 2), ("conv", 3, 1, 2, 2), ("pool", 2, 2, 1, 0), ("conv", 7, 2, 1, 3)]
    for bad in ("conv", "3*", "pool2d2", "conv0", "conv3,,conv3"):
        with pytest.raises(InputError, match="bad stack item"):
            parse(bad)


# ------------------------------------------------------------------ match
def test_object_bands_and_levels(tmp_path, resnet50):
    sizes = [5, 9, 15, 20, 40, 63, 64, 130, 300, 600]  # square boxes: sqrt(w*h) is the side
    path = tmp_path / "o.csv"
    path.write_text("width,height\n" + "".join(f"{s},{s}\n" for s in sizes))
    objects = read_objects(path, (224, 224))
    assert not objects.scaled and objects.sizes == pytest.approx(sizes)
    # Octaves, counted by hand: [4,8) 1, [8,16) 2, [16,32) 1, [32,64) 2, [64,128) 1, [128,256) 1, [256,512) 1, [512,1024) 1
    assert [(lo, count) for lo, _, count in bands(objects.sizes)] == \
        [(4, 1), (8, 2), (16, 1), (32, 2), (64, 1), (128, 1), (256, 1), (512, 1)]
    chosen = [(lo, point.label, covered) for lo, _, _, point, covered in assign(resnet50, objects)]
    # Stage ends at 224: res2c 35, res3d 99, then res4f, res5c and pool5 see every pixel of the image (their
    # boxes, 291, 483 and 675, reach past it): the smallest that covers, and a map that sees the whole image
    # covers whatever the image holds.
    assert chosen == [(4, "res2c", True), (8, "res2c", True), (16, "res2c", True), (32, "res3d", True),
                      (64, "res4f", True), (128, "res4f", True), (256, "res4f", True), (512, "res4f", True)]


def test_coco_boxes_are_scaled_as_their_images(tmp_path):
    coco = {"images": [{"id": 1, "width": 448, "height": 448}, {"id": 2, "width": 896, "height": 448}],
            "annotations": [{"image_id": 1, "bbox": [0, 0, 40, 10]}, {"image_id": 2, "bbox": [5, 5, 80, 80]}]}
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(coco))
    objects = read_objects(path, (224, 224))
    assert objects.scaled and objects.sizes == pytest.approx([20 * 0.5, 80 * 0.25])


@pytest.mark.parametrize("content, words", [
    ("", "empty"),
    ("width,height\n", "no objects"),
    ("a,b\n3,4\n", "needs a header naming the box: width,height or w,h"),
    ("width,height\n3,-4\n", "must have a positive width and height"),
    ("x1,y1,x2,y2\n5,5,3,9\n", "must have a positive width and height"),
    ('{"annotations": [{"bbox": [1, 2, 3]}]}', r"annotations\[0\] needs a bbox"),
    ('{"annotations": [{"bbox": [1, 2, 0, 3]}]}', "both must be positive"),
    ('{"images": []}', "needs an 'annotations' list"),
    ('{"annotations": [', "not valid JSON"),
])
def test_bad_annotation_files(tmp_path, content, words):
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(InputError, match=words):
        read_objects(path, (224, 224))


# -------------------------------------------------------------------- erf
def erf_of(text, blob):
    e, centre, box = effective_field(analysis_of(text), blob)
    return e, centre, box


def test_erf_of_nets_small_enough_to_compute_by_hand():
    e, centre, box = erf_of(stack("conv3", 9), "conv1")
    assert np.allclose(e[3:6, 3:6], 1 / 9) and e.sum() == pytest.approx(1) and centre == (4, 4)
    assert radii(e, centre) == pytest.approx([1, math.sqrt(2)])  # 5/9 within 1; all within sqrt(2)
    e, centre, _ = erf_of(stack("2*conv3", 11), "conv2")
    tent = np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1]) / 81
    assert np.allclose(e[3:8, 3:8], tent)
    # 9/81 at the centre, 33/81 within 1, 49/81 within sqrt(2); 77/81 within sqrt(5).
    assert radii(e, centre) == pytest.approx([math.sqrt(2), math.sqrt(5)])
    e, centre, _ = erf_of(stack("conv3d2", 9), "conv1")
    assert np.allclose(e[2:7:2, 2:7:2], 1 / 9) and np.allclose(e[3:6:2, :], 0)  # holes stay holes


def test_erf_follows_residual_paths():
    text = ('input: "data" input_dim: [1, 1, 9, 9]\n'
            'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
            'convolution_param { num_output: 1 kernel_size: 3 pad: 1 } }\n'
            'layer { name: "sum" type: "Eltwise" bottom: "data" bottom: "c" top: "sum" }\n')
    e, centre, _ = erf_of(text, "sum")
    # Half through the shortcut (all on the centre), half through the 3x3 mean.
    assert e[4, 4] == pytest.approx((1 + 1 / 9) / 2) and e[3, 4] == pytest.approx(1 / 18)
    # 5/9 at the centre; with the four neighbours 7/9, short of 90%: the corners (sqrt 2) complete it.
    assert radii(e, centre) == pytest.approx([0, math.sqrt(2)])


def test_erf_of_a_deep_net_is_far_inside_its_theoretical_field():
    e, centre, box = erf_of(backbone(depth=50, size=224, style="caffe"), "res4f")
    r50, r90 = radii(e, centre)
    assert box[1] - box[0] + 1 == 291
    assert 0 < r50 < r90 < 291 / 2  # Luo et al.: the effective field is a fraction of the theoretical one


# ---------------------------------------------------------------- figures
def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("ext", ["png", "svg", "pdf"])
def test_figures_are_valid_files(tmp_path, ext):
    net = tmp_path / "net.prototxt"
    net.write_text(stack("4*conv3,pool2,4*conv3d2", 64))
    objects = tmp_path / "o.csv"
    objects.write_text("width,height\n3,3\n10,12\n30,20\n")
    for args in (["profile", net, "--scale-model", "both", "--mark", "conv4"],
                 ["match", net, "--objects", objects], ["erf", net, "conv8"]):
        out = tmp_path / f"{args[0]}.{ext}"
        code, stdout, err = run_cli(*args, "-o", out)
        assert code == 0 and err == "" and f"wrote {out}" in stdout
        data = out.read_bytes()
        if ext == "png":
            width, height = png_size(out)
            assert width > 300 and height > 300
        elif ext == "svg":
            import xml.etree.ElementTree as ET
            assert ET.fromstring(data).tag.endswith("svg")
        else:
            assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary files left


def test_figure_commands_refuse_clearly(tmp_path):
    net = tmp_path / "net.prototxt"
    net.write_text(stack("2*conv3", 32))
    code, _, err = run_cli("profile", net, "-o", tmp_path / "x.jpg")
    assert code == 2 and "must end in .png, .svg or .pdf" in err
    code, _, err = run_cli("erf", net, "nope")
    assert code == 2 and "no blob 'nope'" in err
    code, _, err = run_cli("match", net, "--objects", tmp_path / "none.csv")
    assert code == 2 and "no such file" in err
    code, _, err = run_cli("match", net, "--objects", net, "--maps", "conv9")
    assert code == 2


def test_nets_without_an_image_input_are_refused_clearly(tmp_path):
    net = tmp_path / "flat.prototxt"
    net.write_text('input: "x" input_shape { dim: 1 dim: 784 }\n'
                   'layer { name: "fc" type: "InnerProduct" bottom: "x" top: "fc" inner_product_param { num_output: 10 } }\n')
    objects = tmp_path / "o.csv"
    objects.write_text("width,height\n3,3\n")
    for args in (["profile", net, "-o", tmp_path / "p.png"], ["match", net, "--objects", objects], ["erf", net, "fc"],
                 ["query", net, "fc", "0", "0"]):
        code, _, err = run_cli(*args)
        assert code == 2 and ("nothing to profile" in err or "no spatial axes" in err), (args[0], err)
    code, out, _ = run_cli("analyze", net, "--format", "json")
    assert code == 0 and json.loads(out)["totals"]["params"] == 7850


@needs_shared
def test_the_profile_marks_where_the_blog_model_ends(tmp_path):
    from scnn_tools.views.plot import _end
    from scnn_tools.engine.profiles import load
    from conftest import CORPUS
    prof = load(CORPUS / "hszhao__PSPNet/evaluation/prototxt/pspnet50_ADE20K_473.prototxt")
    last, stop = _end(prof.points, "blog")
    assert stop.layer == "conv4_1_3x3" and last.width("blog") > 0
    assert _end(prof.points, "exact") is None
    code, _, err = run_cli("profile", prof.source, "--scale-model", "both", "-o", tmp_path / "p.png")
    assert code == 0 and (tmp_path / "p.png").stat().st_size > 0, err


def test_erf_of_a_uniform_chain_is_the_nfold_convolution_of_a_box():
    for n, k in ((3, 3), (4, 5), (2, 7)):
        size = 2 * n * k + 9
        e, centre, _ = erf_of(stack(f"{n}*conv{k}", size), f"conv{n}")
        line = np.ones(k) / k
        for _ in range(n - 1):
            line = np.convolve(line, np.ones(k) / k)
        expected = np.zeros((size, size))
        c, r = (size - 1) // 2, n * (k - 1) // 2
        expected[c - r:c + r + 1, c - r:c + r + 1] = np.outer(line, line)
        assert centre == (c, c) and np.allclose(e, expected, atol=1e-12), (n, k)


class LinearNet:
    """A random small net as prototxt and, beside it, its linearised forward pass in numpy:
    convolutions (strides, pads, dilation) as the mean of their taps with zero padding,
    residual sums, spatial slices put back together by a concat along h or w."""

    def __init__(self, seed):
        import random
        self.rng = random.Random(seed)
        h, w = self.rng.randint(9, 17), self.rng.randint(9, 17)
        self.lines = [f'input: "data" input_dim: 1 input_dim: 1 input_dim: {h} input_dim: {w}']
        self.ops = {"data": None}
        self.sizes = {"data": (h, w)}
        self.order = ["data"]
        self.n = 0

    def name(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def conv(self, bottom, same=False):
        h, w = self.sizes[bottom]
        k = [self.rng.choice([1, 2, 3]) for _ in range(2)]
        s = [1, 1] if same else [self.rng.choice([1, 1, 2]) for _ in range(2)]
        d = 1 if same else self.rng.choice([1, 1, 2])
        p = [d * (kk - 1) // 2 if same else self.rng.randint(0, d * (kk - 1)) for kk in k]
        if same:
            k = [2 * (kk // 2) + 1 for kk in k]
            p = [d * (kk - 1) // 2 for kk in k]
        out = [(n + 2 * pp - d * (kk - 1) - 1) // ss + 1 for n, kk, ss, pp in zip((h, w), k, s, p)]
        if min(out) < 1:
            return None
        top = self.name("c")
        self.lines.append(f'layer {{ name: "{top}" type: "Convolution" bottom: "{bottom}" top: "{top}" '
                          f'convolution_param {{ num_output: 1 kernel_h: {k[0]} kernel_w: {k[1]} stride_h: {s[0]} '
                          f'stride_w: {s[1]} pad_h: {p[0]} pad_w: {p[1]} dilation: {d} }} }}')
        self.ops[top] = ("conv", bottom, k, s, p, d)
        self.sizes[top] = tuple(out)
        self.order.append(top)
        return top

    def residual(self, bottom):
        branch = self.conv(bottom, same=True)
        top = self.name("sum")
        self.lines.append(f'layer {{ name: "{top}" type: "Eltwise" bottom: "{bottom}" bottom: "{branch}" '
                          f'top: "{top}" }}')
        self.ops[top] = ("sum", bottom, branch)
        self.sizes[top] = self.sizes[bottom]
        self.order.append(top)
        return top

    def spatial_concat(self, bottom):
        axis = self.rng.randint(0, 1)
        n = self.sizes[bottom][axis]
        if n < 2:
            return None
        cut = self.rng.randint(1, n - 1)
        a, b = self.name("sa"), self.name("sb")
        self.lines.append(f'layer {{ name: "{a}" type: "Slice" bottom: "{bottom}" top: "{a}" top: "{b}" '
                          f'slice_param {{ axis: {axis + 2} slice_point: {cut} }} }}')
        for x, (lo, hi) in ((a, (0, cut)), (b, (cut, n))):
            self.ops[x] = ("slice", bottom, axis, lo, hi)
            size = list(self.sizes[bottom])
            size[axis] = hi - lo
            self.sizes[x] = tuple(size)
        ca, cb = self.conv(a, same=True), self.conv(b, same=True)
        top = self.name("cat")
        self.lines.append(f'layer {{ name: "{top}" type: "Concat" bottom: "{ca}" bottom: "{cb}" top: "{top}" '
                          f'concat_param {{ axis: {axis + 2} }} }}')
        self.ops[top] = ("concat", axis, ca, cb)
        self.sizes[top] = self.sizes[bottom]
        self.order.append(top)
        return top

    def build(self, steps):
        for _ in range(steps):
            op = self.rng.choice([self.conv, self.conv, self.residual, self.spatial_concat])
            op(self.order[-1])
        return "\n".join(self.lines) + "\n", self.order[-1]

    def forward(self, blob, x):
        """The linearised net on a batch of images x (B x H x W)."""
        op = self.ops[blob]
        if op is None:
            return x
        if op[0] == "sum":
            return self.forward(op[1], x) + self.forward(op[2], x)
        if op[0] == "slice":
            _, bottom, axis, lo, hi = op
            y = self.forward(bottom, x)
            return y[:, lo:hi] if axis == 0 else y[:, :, lo:hi]
        if op[0] == "concat":
            _, axis, a, b = op
            return np.concatenate([self.forward(a, x), self.forward(b, x)], axis=axis + 1)
        _, bottom, k, s, p, d = op
        y = self.forward(bottom, x)
        oh, ow = self.sizes[blob]
        padded = np.zeros((y.shape[0], y.shape[1] + 2 * p[0] + d * k[0], y.shape[2] + 2 * p[1] + d * k[1]))
        padded[:, p[0]:p[0] + y.shape[1], p[1]:p[1] + y.shape[2]] = y
        out = np.zeros((y.shape[0], oh, ow))
        for t0 in range(k[0]):
            for t1 in range(k[1]):
                out += padded[:, t0 * d:t0 * d + s[0] * (oh - 1) + 1:s[0], t1 * d:t1 * d + s[1] * (ow - 1) + 1:s[1]]
        return out / (k[0] * k[1])


@pytest.mark.parametrize("seed", range(12))
def test_erf_matches_the_dense_jacobian_of_the_linearised_net(seed):
    net = LinearNet(seed)
    text, last = net.build(steps=5)
    e, _, _ = erf_of(text, last)
    h, w = net.sizes["data"]
    basis = np.eye(h * w).reshape(h * w, h, w)  # every input pixel at once: the Jacobian's columns
    out = net.forward(last, basis)
    oh, ow = net.sizes[last]
    jacobian = out[:, (oh - 1) // 2, (ow - 1) // 2].reshape(h, w)
    assert np.allclose(e, jacobian / jacobian.sum(), atol=1e-12), text


def test_erf_follows_an_scnn_block():
    from conftest import ROOT
    e, centre, box = erf_of((ROOT / "examples/resnet101_SCNN.prototxt").read_text(), "SCNN")
    assert e.shape == (361, 361) and e.sum() == pytest.approx(1) and (e >= 0).all()
    # The block passes messages along both axes: its centre feature draws on far more of the image
    # than conv5_5's does.
    before, c0, _ = erf_of((ROOT / "examples/resnet101_SCNN.prototxt").read_text(), "conv5_5")
    assert radii(e, centre)[1] > radii(before, c0)[1]


def test_erf_json_and_npy_for_scripts(tmp_path):
    net = tmp_path / "n.prototxt"
    net.write_text(stack("3*conv3", 21))
    code, out, err = run_cli("erf", net, "conv3", "--format", "json", "-o", tmp_path / "e.npy")
    assert code == 0, err
    d = json.loads(out)
    saved = np.load(tmp_path / "e.npy")
    assert saved.shape == (21, 21) and saved.sum() == pytest.approx(1)
    # Three 3x3 means: the 1-D weights are (1, 3, 6, 7, 6, 3, 1) / 27 around pixel 10.
    line = np.array([1, 3, 6, 7, 6, 3, 1]) / 27
    assert np.allclose(saved[7:14, 7:14], np.outer(line, line))
    assert d["centre"] == [10, 10] and d["theoretical"] == {"y": [7, 13], "x": [7, 13]}
    # The smallest squares around the centre holding 50% and 90% of that mass, by brute force.
    for share, key in ((0.5, "50"), (0.9, "90")):
        r = next(r for r in range(11) if saved[10 - r:11 + r, 10 - r:11 + r].sum() >= share - 1e-12)
        assert d["box"][key] == {"y": [10 - r, 10 + r], "x": [10 - r, 10 + r]}
    assert d["radius"]["50"] <= d["radius"]["90"]


def test_erf_refuses_maps_too_large_before_allocating(tmp_path):
    net = tmp_path / "n.prototxt"
    net.write_text(stack("conv3", 8))
    code, _, err = run_cli("erf", net, "conv1", "--input-shape", "1,1,40000,40000")
    assert code == 2 and "1,600,000,000 numbers" in err and "GiB" in err, err


@pytest.mark.parametrize("header, row", [("width,height", "30,120"), ("w,h", "30,120"), ("x,y,w,h", "7,9,30,120"),
                                         ("x1,y1,x2,y2", "7,9,37,129"), ("image,W,H", None)])
def test_objects_as_csv_with_any_common_header(tmp_path, header, row):
    path = tmp_path / "o.csv"
    if row is None:  # upper case and extra columns: the header is read by name
        path.write_text("image,W,H\nfoo.jpg,30,120\n")
    else:
        path.write_text(f"{header}\n{row}\n")
    assert read_objects(path, (224, 224)).sizes == pytest.approx([60.0])  # sqrt(30 * 120)


def test_match_reads_standard_input_speaks_json_and_warns_of_large_objects(tmp_path):
    import subprocess
    import sys
    net = tmp_path / "net.prototxt"
    net.write_text(stack("4*conv3,pool2,4*conv3,pool2,4*conv3", 64))
    proc = subprocess.run([sys.executable, "-m", "scnn_tools", "match", str(net), "--objects", "-", "--format", "json"],
                          input="w,h\n3,3\n10,12\n100,20\n", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["objects"] == 3 and result["larger_than_input"] == 1
    assert sum(b["objects"] for b in result["bands"]) == 3 and {"from", "to", "map", "covered", "scale"} <= set(
        result["bands"][0])
    assert "1 of 3 boxes are wider or taller than the input (64x64)" in proc.stderr


def test_match_measures_a_clip_by_its_frames_height_and_width(tmp_path):
    """A C3D clip is N x C x L x H x W: objects are compared with H x W (40 x 40), not with L x H (16 x 40)."""
    from scnn_tools.engine.match import match
    net = ('layer { name: "clip" type: "Input" top: "clip" input_param { shape { dim: 1 dim: 3 dim: 16 dim: 40 dim: 40 } } }\n'
           'layer { name: "c" type: "Convolution3D" bottom: "clip" top: "c" convolution3d_param { num_output: 2 '
           'kernel_size: 3 kernel_depth: 3 } }\n')
    path = tmp_path / "o.csv"
    path.write_text("w,h\n20,30\n")
    assert match(Analysis(read_text(net)), path)["larger_than_input"] == 0


@pytest.mark.parametrize("content, words", [(b"\x89PNG\r\n\x1a\n\x00\x00", "is a binary file, not annotations"),
                                            (b"w,h\n3,4\n\xff\xfe5,6\n", "is not UTF-8 text (byte 0xff at offset 8)")])
def test_match_says_plainly_when_the_objects_are_not_text(tmp_path, content, words):
    net = tmp_path / "net.prototxt"
    net.write_text(stack("2*conv3", 32))
    path = tmp_path / "objects.csv"
    path.write_bytes(content)
    code, _, err = run_cli("match", net, "--objects", path)
    assert code == 2 and words in err and "codec" not in err and "Traceback" not in err


def test_figures_refuse_an_unwritable_place_before_computing(tmp_path):
    net = tmp_path / "net.prototxt"
    net.write_text(stack("2*conv3", 32))
    objects = tmp_path / "o.csv"
    objects.write_text("w,h\n3,3\n")
    for args in (["match", net, "--objects", objects], ["erf", net, "conv2"], ["profile", net]):
        code, _, err = run_cli(*args, "-o", tmp_path / "no" / "such" / "f.png")
        assert code == 2 and "cannot write the figure: no directory" in err, args


def test_profile_legend_names_files_and_takes_labels_and_a_title(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "stack.prototxt").write_text(stack("2*conv3,pool2,conv3", 32))
    nets = [tmp_path / "a" / "stack.prototxt", tmp_path / "b" / "stack.prototxt"]
    out = tmp_path / "p.svg"
    code, _, err = run_cli("profile", *nets, "-o", out)
    assert code == 0, err
    text = out.read_text()
    assert "<!-- a/stack -->" in text and "<!-- b/stack -->" in text  # not "stack" twice
    code, _, err = run_cli("profile", *nets, "-o", out, "--labels", "plain,again", "--title", "Two stacks")
    assert code == 0, err
    text = out.read_text()
    assert "<!-- plain -->" in text and "<!-- again -->" in text and "Two stacks" in text
    code, _, err = run_cli("profile", *nets, "-o", out, "--labels", "one")
    assert code == 2 and "--labels gives 1 name(s) for 2 net(s)" in err


def test_profile_marks_that_match_nothing_are_an_error_with_close_names(tmp_path):
    out = tmp_path / "p.png"
    net = tmp_path / "resnet50.prototxt"
    net.write_text(backbone(50, style="caffe"))
    code, _, err = run_cli("profile", net, "-o", out, "--mark", "res4f,res5cc")
    assert code == 2 and "--mark res5cc: no layer or blob of that name" in err and "close names: res5c" in err
    assert not out.exists()


# ------------------------------------------------------- figure layout
# The figures as a reader sees them: matplotlib is asked where it drew every text, the legend and the
# marks (after drawing), and nothing may cover anything else.

def drawn(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def text_boxes(fig, renderer):
    """Every visible, non-empty text of the figure outside the legends, with its box in pixels (an
    annotation's text alone, without the line leading to its point)."""
    from matplotlib.text import Text
    texts = []
    for ax in fig.axes:
        texts += list(ax.texts) + [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.offsetText,
                                   ax.yaxis.offsetText] + tick_labels(ax, renderer)
    return [(t, Text.get_window_extent(t, renderer)) for t in texts if t.get_visible() and t.get_text().strip()]


def tick_labels(ax, renderer):
    """The tick labels drawn: matplotlib lays out some beyond the axes' limits without drawing them."""
    from matplotlib.text import Text
    frame = ax.get_window_extent(renderer)
    labels = []
    for axis, lo, hi, centre in ((ax.xaxis, frame.x0, frame.x1, lambda b: (b.x0 + b.x1) / 2),
                                 (ax.yaxis, frame.y0, frame.y1, lambda b: (b.y0 + b.y1) / 2)):
        for label in axis.get_ticklabels() + axis.get_ticklabels(minor=True):
            if lo - 1 <= centre(Text.get_window_extent(label, renderer)) <= hi + 1:
                labels.append(label)
    return labels


def overlapping(boxes):
    return [(a.get_text(), b.get_text()) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
            if ba.overlaps(bb)]


def outside(box, frame):
    return box.x0 < frame.x0 - 0.5 or box.x1 > frame.x1 + 0.5 or box.y0 < frame.y0 - 0.5 or box.y1 > frame.y1 + 0.5


def curves(ax):
    """The lines drawn along the depth axis (not the one-point marks, not the vertical stride lines)."""
    return [line for line in ax.lines if len(set(np.asarray(line.get_xdata(), float))) > 1]


def check_profile_layout(fig):
    renderer = drawn(fig)
    plot = next(ax for ax in fig.axes if ax.get_xlabel())
    strips = [ax for ax in fig.axes if ax.get_ylabel() == "stride"]
    boxes = text_boxes(fig, renderer)
    assert overlapping(boxes) == []
    frame = plot.get_window_extent(renderer)
    for note in plot.texts:  # annotations stay in the plot
        assert not outside(note.get_window_extent(renderer), frame), note.get_text()
    for strip in strips:  # stride labels in their strip, all above the plot
        band = strip.get_window_extent(renderer)
        assert band.y0 >= frame.y1 and band.x0 == pytest.approx(frame.x0) and band.x1 == pytest.approx(frame.x1)
        for label in strip.texts:
            assert not outside(label.get_window_extent(renderer), band), label.get_text()
    legend = plot.get_legend()
    box = legend.get_window_extent(renderer)
    assert not box.overlaps(frame)
    assert [t.get_text() for t, b in boxes if b.overlaps(box)] == []
    # One entry per net (by colour, where there are several) and one per line style drawn.
    lines = curves(plot)
    styles, colours = {line.get_linestyle() for line in lines}, {line.get_color() for line in lines}
    entries = legend.get_lines()
    assert len(entries) == len(styles) + (len(colours) if len(colours) > 1 else 0)
    assert {e.get_linestyle() for e in entries} == styles
    return plot, strips


def profile_of(path):
    from scnn_tools.engine.profiles import load
    return load(path)


def test_profile_of_the_readmes_resnet50_is_laid_out_clearly(tmp_path):
    from conftest import ROOT
    from scnn_tools.engine.profiles import figure
    prof = profile_of(ROOT / "examples/resnet50.prototxt")
    fig = figure([prof], tmp_path / "p.png", "both", ["res2c", "res3d", "res4f", "res5c"])
    assert (tmp_path / "p.png").stat().st_size > 0
    plot, (strip,) = check_profile_layout(fig)
    notes = {t.get_text() for t in plot.texts}
    assert {"res5c: 224\nblog 483", "blog model ends at pool5", "global from pool5"} <= notes
    assert sorted(t.get_text() for t in strip.texts) == ["16", "2", "32", "4", "8"]
    # One net: the styles alone, in its colour, under its name.
    legend = plot.get_legend()
    assert legend.get_title().get_text() == "resnet50" and len(legend.get_lines()) == 3


def test_profile_with_a_mark_at_every_block_keeps_every_note_inside_and_apart(tmp_path):
    """Sixteen two-line notes three layers apart: where no corner is free the notes move away by lines of
    text, and where nothing is free at all they still stay inside the plot."""
    from conftest import ROOT
    from scnn_tools.engine.profiles import figure
    blocks = [f"res{stage}{b}" for stage, n in ((2, 3), (3, 4), (4, 6), (5, 3)) for b in "abcdef"[:n]]
    fig = figure([profile_of(ROOT / "examples/resnet50.prototxt")], tmp_path / "p.png", "both", blocks)
    plot, _ = check_profile_layout(fig)
    assert len(plot.texts) == 16 + 2


@pytest.mark.parametrize("nets", [("dilated_5", "strided_5", "plain_5"), ("plain_20", "pooled_20")])
def test_profiles_of_the_readmes_stacks_have_a_legend_per_net_and_style(tmp_path, nets):
    from conftest import ROOT
    from scnn_tools.engine.profiles import figure
    fig = figure([profile_of(ROOT / f"examples/{n}.prototxt") for n in nets], tmp_path / "p.svg", "both")
    plot, _ = check_profile_layout(fig)
    texts = [t.get_text() for t in plot.get_legend().get_texts()]
    # Colour = net and line style = what is drawn, each said once: 3 + 3 entries for nine lines, not nine.
    assert texts == list(nets) + ["scale width, exact model", "scale width, blog model", "receptive field (box side)"]


@needs_shared
def test_profile_of_three_real_nets_with_marks_is_laid_out_clearly(tmp_path):
    """The issue's case: VGG16, ResNet-101 and PSPNet-101 with both models and marks that several nets share
    (pool5), ending close together at the top right; 17 stride labels, several at the same depth."""
    from conftest import CORPUS
    from scnn_tools.engine.profiles import figure
    nets = ["ry__tensorflow-vgg16/VGG_2014_16.prototxt", "KaimingHe__deep-residual-networks/prototxt/ResNet-101-deploy.prototxt",
            "hszhao__PSPNet/evaluation/prototxt/pspnet101_VOC2012_473.prototxt"]
    fig = figure([profile_of(CORPUS / n) for n in nets], tmp_path / "p.png", "both", ["pool5", "res5c", "conv5_3"])
    plot, (strip,) = check_profile_layout(fig)
    assert len(strip.texts) == 5 + 5 + 7
    notes = [t.get_text() for t in plot.texts]
    assert notes.count("pool5: 224") == 1 and "blog model ends at pool5" in notes and "res5c: 224\nblog 1027" in notes


@needs_shared
@pytest.mark.parametrize("net, marks", [
    ("shangzw12__ssd/models/VGGNet/VOC0712/SSD_300x300/deploy.prototxt", ["conv4_3", "fc7"]),
    ("chuanqi305__MobileNet-SSD/deploy.prototxt", ["conv11", "conv13"]),
    ("hszhao__PSPNet/evaluation/prototxt/pspnet50_ADE20K_473.prototxt", ["conv5_3"])])
def test_profiles_of_detectors_and_a_segmenter_are_laid_out_clearly(tmp_path, net, marks):
    from conftest import CORPUS
    from scnn_tools.engine.profiles import figure
    check_profile_layout(figure([profile_of(CORPUS / net)], tmp_path / "p.png", "both", marks))


def test_profile_of_a_spliced_pspnet_beside_its_host(tmp_path):
    from conftest import ROOT
    from scnn_tools.engine.profiles import figure
    nets = [profile_of(ROOT / "examples" / n) for n in ("resnet101.prototxt", "resnet101_SCNN.prototxt")]
    fig = figure(nets, tmp_path / "p.png", "both", ["conv5_5", "SCNN"])
    plot, _ = check_profile_layout(fig)
    notes = [t.get_text() for t in plot.texts]
    # The block makes every feature global: the spliced net's field line ends at its first layer.
    assert "SCNN: 361" in notes and "global from Slice2" in notes and notes.count("conv5_5: 361") == 2


def test_profile_stride_labels_do_not_overlap(tmp_path):
    """Stride changes one layer apart, in two nets at the same depths: lanes, not a pile."""
    from scnn_tools.views import plot
    prof = profile(analysis_of(stack("conv3s2,conv3s2,conv3s2,conv3s2,conv3,pool2,pool2", 256)))
    fig = plot.profile_figure([prof, prof], tmp_path / "p.png")
    _, (strip,) = check_profile_layout(fig)
    assert len(strip.texts) == 12


def luminance(rgb):
    """WCAG's relative luminance of an sRGB colour."""
    c = np.asarray(rgb, float)[..., :3]
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ [0.2126, 0.7152, 0.0722]


def contrast(a, b):
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def mark_colours(artist):
    """The colour of a line and of the outlines its path effects stroke around it."""
    from matplotlib.colors import to_rgba
    return [to_rgba(artist.get_color())] + [to_rgba(e._gc["foreground"]) for e in artist.get_path_effects()
                                            if "foreground" in getattr(e, "_gc", {})]


def check_erf_layout(fig, erf):
    from matplotlib.colors import to_rgba
    renderer = drawn(fig)
    ax = next(a for a in fig.axes if a.images)
    image = ax.images[0]
    boxes = text_boxes(fig, renderer)
    assert overlapping(boxes) == []
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert [t.get_text() for t, b in boxes if b.overlaps(box)] == []
    assert not any(box.overlaps(a.get_window_extent(renderer)) for a in fig.axes)
    assert box.y1 < ax.xaxis.label.get_window_extent(renderer).y0  # under the axis label
    # Every mark shows on the map under it: along each line, at every pixel it crosses, its colour or its
    # outline's has a contrast of at least 3:1 (WCAG's least for graphics) with the map's colour there.
    h, w = erf.shape
    marks = ax.lines  # the box's sides and the circles
    assert len(marks) >= 2
    for line in marks:
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        t = np.linspace(0, 1, 50)[:, None]
        px = (xs[:-1] + t * np.diff(xs)).ravel()
        py = (ys[:-1] + t * np.diff(ys)).ravel()
        keep = (px >= -0.5) & (px <= w - 0.5) & (py >= -0.5) & (py <= h - 0.5)
        under = image.to_rgba(erf[np.rint(py[keep]).astype(int).clip(0, h - 1),
                                  np.rint(px[keep]).astype(int).clip(0, w - 1)])
        best = np.max([contrast(colour, under) for colour in mark_colours(line)], axis=0)
        assert best.min() >= 3, (line.get_label(), best.min())
    # and the legend's samples show on the page
    page = to_rgba(fig.get_facecolor())
    for handle in legend.get_lines():
        assert max(contrast(c, page) for c in mark_colours(handle)) >= 3, handle.get_label()
    return ax, legend


@pytest.fixture(scope="module")
def lane_model(tmp_path_factory):
    """The 288x800 SCNN lane model `scnn-tools lane` writes: a wide map."""
    folder = tmp_path_factory.mktemp("lane")
    code, _, err = run_cli("lane", "-o", folder / "culane")
    assert code == 0, err
    return folder / "culane" / "deploy.prototxt"


@pytest.mark.parametrize("blob", ["SCNN", "conv5_3"])
def test_erf_of_a_wide_lane_model_keeps_its_legend_and_marks_visible(tmp_path, lane_model, blob):
    """SCNN's field is pale over most of the map, where white circles vanished; conv5_3's is small and dark."""
    from scnn_tools.engine.analysis import Analysis
    from scnn_tools.engine.effective_field import report, write
    from scnn_tools.netfile.reader import read_net
    result = report(Analysis(read_net(lane_model)), blob)
    assert result["image"] == [288, 800]
    fig = write(result, tmp_path / "e.png", f"lane model: effective receptive field of {blob}")
    assert (tmp_path / "e.png").stat().st_size > 0
    ax, legend = check_erf_layout(fig, result["field"])
    assert len(legend.get_lines()) == 3


@pytest.mark.parametrize("log", [False, True])
def test_erf_of_a_square_map_keeps_its_legend_and_marks_visible(tmp_path, log):
    from scnn_tools.engine.effective_field import report, write
    result = report(analysis_of(backbone(depth=50, size=224, style="caffe")), "res4f")
    fig = write(result, tmp_path / "e.png", "res4f", log=log)
    check_erf_layout(fig, result["field"])


def test_erf_figure_clips_the_theoretical_box_and_draws_a_log_scale(tmp_path):
    from scnn_tools.views.plot import clipped_box
    assert clipped_box((-5, 20, 3, 8), (16, 16)) == (0, 15, 3, 8, (False, False, True, True))
    assert clipped_box((20, 30, 0, 4), (16, 16)) is None
    net = tmp_path / "n.prototxt"
    net.write_text(stack("6*conv3", 16))
    code, out, err = run_cli("erf", net, "conv6", "-o", tmp_path / "e.svg", "--log")
    assert code == 0, err
    text = (tmp_path / "e.svg").read_text()
    assert "input x (pixels)" in text and "input y (pixels)" in text and "log scale" in text


def test_a_net_whose_fields_are_known_on_one_axis_only_says_which_layer_lost_the_other(tmp_path):
    # happynear/AMSoftmax's face_deploy_mirror_normalize.prototxt: a Flip without flip_param (the forks turn
    # different axes), so every field after it is unknown along the width
    net = tmp_path / "flip.prototxt"
    net.write_text('input: "data" input_shape { dim: 1 dim: 3 dim: 16 dim: 16 }\n'
                   'layer { name: "flip" type: "Flip" bottom: "data" top: "f" }\n'
                   'layer { name: "conv" type: "Convolution" bottom: "f" top: "c" '
                   'convolution_param { num_output: 2 kernel_size: 3 } }\n')
    code, _, err = run_cli("profile", net, "-o", tmp_path / "p.png")
    assert code == 2 and "from layer 'flip' (Flip) on, one axis' field is unknown" in err, err
    assert not (tmp_path / "p.png").exists()

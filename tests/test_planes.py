"""2-D fields against a brute force: for every position of every blob, the exact set of input pixels that can
change it.

The brute force owes nothing to the engine: it reads the prototxt with protobuf's own text parser and
propagates, layer by layer, one boolean pixel set per position (an array [y, x, pixel]) by each layer's
definition in Caffe: a window's taps beyond a bottom's ends read zero padding (no pixel), pooling's windows
are cut to the map (pooling_layer.cpp), a sum or a channel concat is the union, a spatial concat and slice
stack and cut the positions. Channels are not told apart (a feature is a position, as the engine's fields).

Against it: `query`'s pixel count, set and box inside the image at every position, and analyze's area and
overlap of the centre feature: exact, or null with an `area_at_most` that bounds the true area. The nets: a
1x3 beside a 3x1 summed (a cross, not a square), branches concatenated along h and w, slices along both
axes put back through different kernels, dilations and strides, random nets of those, and small SCNN
blocks from `generate` (all four directions, and D only, whose rows see cones).
"""

import random

import numpy as np
import pytest
from google.protobuf import text_format

from scnn_tools import api, caffe_pb2
from scnn_tools.engine import products, sheets
from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.netfile.reader import read_text

from conftest import CORPUS, needs_shared


# ------------------------------------------------------------------ the brute force
def brute(text):
    """{blob name: bool array [h, w, image h * image w]} of the last version of every blob."""
    net = text_format.Parse(text, caffe_pb2.NetParameter())
    dims = list(net.input_shape[0].dim) if net.input_shape else list(net.input_dim)
    height, width = dims[2], dims[3]
    image = np.zeros((height, width, height * width), bool)
    for y in range(height):
        for x in range(width):
            image[y, x, y * width + x] = True
    sets = {net.input[0]: image}
    for layer in net.layer:
        bottoms = [sets[b] for b in layer.bottom]
        tops = _layer(layer, bottoms)
        for name, value in zip(layer.top, tops):
            sets[name] = value
    return sets, (height, width)


def _pair(scalar, h, w, default):
    """(h, w) of a Caffe parameter given as repeated, or _h/_w."""
    if h or w:
        return h, w
    values = list(scalar) or [default]
    return values[0], values[-1]


def _window(source, k, s, p, d, out, cut=False):
    """out[o] = union of source[o*s - p + t*d], t < k, along axis 0, taps beyond the ends reading nothing;
    `cut`: pooling's windows, whose taps stop at the end of the padded map as Caffe's do (the same set)."""
    n = source.shape[0]
    result = np.zeros((out,) + source.shape[1:], bool)
    for o in range(out):
        for t in range(k):
            i = o * s - p + t * d
            if 0 <= i < n:
                result[o] |= source[i]
    return result


def _layer(layer, bottoms):
    kind = layer.type
    if kind in ("ReLU", "TanH", "Sigmoid", "Split", "Dropout", "BatchNorm", "Scale"):
        return [bottoms[0]] * len(layer.top)
    if kind in ("Convolution", "Pooling"):
        x = bottoms[0]
        if kind == "Convolution":
            q = layer.convolution_param
            kh, kw = _pair(q.kernel_size, q.kernel_h, q.kernel_w, 1)
            sh, sw = _pair(q.stride, q.stride_h, q.stride_w, 1)
            ph, pw = _pair(q.pad, q.pad_h, q.pad_w, 0)
            dh, dw = _pair(q.dilation, 0, 0, 1)
            oh = (x.shape[0] + 2 * ph - ((kh - 1) * dh + 1)) // sh + 1
            ow = (x.shape[1] + 2 * pw - ((kw - 1) * dw + 1)) // sw + 1
        else:
            q = layer.pooling_param
            kh, kw = (q.kernel_h, q.kernel_w) if q.kernel_h else (q.kernel_size, q.kernel_size)
            sh, sw = (q.stride_h, q.stride_w) if q.stride_h else (q.stride, q.stride)
            ph, pw = (q.pad_h, q.pad_w) if q.pad_h or q.pad_w else (q.pad, q.pad)
            dh = dw = 1
            oh, ow = (_pooled(x.shape[0], kh, sh, ph), _pooled(x.shape[1], kw, sw, pw))
        rows = _window(x, kh, sh, ph, dh, oh)
        return [_window(rows.swapaxes(0, 1), kw, sw, pw, dw, ow).swapaxes(0, 1)]
    if kind == "Eltwise":
        out = bottoms[0].copy()
        for b in bottoms[1:]:
            out |= b
        return [out]
    if kind == "Concat":
        axis = layer.concat_param.axis if layer.concat_param.HasField("axis") else 1
        if axis == 1:
            return _layer(caffe_pb2.LayerParameter(type="Eltwise"), bottoms)
        return [np.concatenate(bottoms, axis=axis - 2)]
    if kind == "Slice":
        q = layer.slice_param
        axis = q.axis if q.HasField("axis") else 1
        if axis == 1:
            return [bottoms[0]] * len(layer.top)
        n = bottoms[0].shape[axis - 2]
        points = list(q.slice_point) or [n * (i + 1) // len(layer.top) for i in range(len(layer.top) - 1)]
        return np.split(bottoms[0], points, axis=axis - 2)
    raise AssertionError(f"the brute force does not know {kind}")


def _pooled(n, k, s, p):
    """Caffe's pooled size (pooling_layer.cpp): ceil, and the last window must start inside the image."""
    out = -(-(n + 2 * p - k) // s) + 1
    if p and (out - 1) * s >= n + p:
        out -= 1
    return out


# ------------------------------------------------------------------ comparing
def check(text):
    """Every position of every blob: query's pixels and box; analyze's area and overlap of the centre."""
    truth, (height, width) = brute(text)
    analysis = Analysis(read_text(text), None, None)
    result = report(analysis)
    outputs = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    for name, sets in truth.items():
        blob = analysis.graph.blob(name)
        h, w = sets.shape[:2]
        for y in range(h):
            for x in range(w):
                true = sets[y, x]
                box = analysis.box(blob.id, y, x)
                pixels = box["pixels"]
                mine = np.zeros(height * width, bool)
                for r0, r1, cols in pixels.bands:
                    for r in range(r0, r1 + 1):
                        for c0, c1 in cols:
                            mine[r * width + c0:r * width + c1 + 1] = True
                assert (mine == true).all(), (name, y, x)
                assert pixels.count() == true.sum()
                if not true.any():  # (a position that reads only padding)
                    assert box["h"].clipped_lo is None and box["w"].clipped_lo is None
                    continue
                rows, cols = np.nonzero(true.reshape(height, width))
                assert (box["h"].clipped_lo, box["h"].clipped_hi) == (rows.min(), rows.max()), (name, y, x)
                assert (box["w"].clipped_lo, box["w"].clipped_hi) == (cols.min(), cols.max()), (name, y, x)
                assert box["h"].lo <= rows.min() and box["h"].hi >= rows.max()
                assert box["w"].lo <= cols.min() and box["w"].hi >= cols.max()
        scale = outputs[name]["scale"]
        cy, cx = (h - 1) // 2, (w - 1) // 2
        area = int(sets[cy, cx].sum())
        if scale["area"] is None:
            assert scale["width"] is None and scale["overlap"] is None, name
            assert scale["area_at_most"] >= area, name
            continue
        assert scale["area"] == area, (name, scale, area)
        assert scale["width"] == pytest.approx(area ** 0.5, abs=1e-6)
        if w > 1:
            shared = int((sets[cy, cx] & sets[cy, cx + 1]).sum())
            assert scale["overlap"] == pytest.approx(shared / area if area else 0.0, abs=1e-6), (name, scale)
    return result


HEAD = 'input: "data" input_shape { dim: 1 dim: 1 dim: %d dim: %d }\n'


def conv(name, bottom, kh, kw, ph=0, pw=0, sh=1, sw=1, dilation=1, top=None):
    return (f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{top or name}" convolution_param '
            f'{{ num_output: 1 kernel_h: {kh} kernel_w: {kw} pad_h: {ph} pad_w: {pw} stride_h: {sh} stride_w: {sw} '
            f'dilation: {dilation} }} }}\n')


def merge(name, kind, bottoms, axis=None):
    param = "" if axis is None else f" concat_param {{ axis: {axis} }}"
    return f'layer {{ name: "{name}" type: "{kind}" ' + " ".join(f'bottom: "{b}"' for b in bottoms) + \
        f' top: "{name}"{param} }}\n'


def test_a_1x3_beside_a_3x1_is_a_cross_of_five():
    text = HEAD % (9, 9) + conv("a", "data", 1, 3, pw=1) + conv("b", "data", 3, 1, ph=1) + \
        merge("s", "Eltwise", ["a", "b"])
    result = check(text)
    s = [o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "s"][0]
    assert s["scale"]["area"] == 5 and s["scale"]["overlap"] == pytest.approx(0.4)
    assert api.query(read_text(text), "s", 4, 4)["pixels"] == 5


def test_branches_concatenated_along_h_keep_their_own_columns():
    # (The ONNX form of this net is tests/test_onnx_unknown.py's.)
    text = HEAD % (8, 12) + conv("p", "data", 3, 3, 1, 1) + conv("q", "data", 7, 7, 3, 3) + \
        merge("y", "Concat", ["p", "q"], axis=2)
    check(text)
    found = api.query(read_text(text), "y", 2, 5)
    assert found["box"] == {"y": [1, 3], "x": [4, 6]} and found["pixels"] == 9


def test_slices_along_both_axes_through_different_kernels():
    text = HEAD % (10, 9) + \
        'layer { name: "cut" type: "Slice" bottom: "data" top: "t0" top: "t1" top: "t2" ' \
        'slice_param { axis: 2 slice_point: 3 slice_point: 7 } }\n' + \
        conv("u0", "t0", 1, 5, 0, 2) + conv("u1", "t1", 3, 1, 1, 0) + conv("u2", "t2", 3, 3, 2, 2, dilation=2) + \
        merge("back", "Concat", ["u0", "u1", "u2"], axis=2) + \
        'layer { name: "cut2" type: "Slice" bottom: "back" top: "v0" top: "v1" slice_param { axis: 3 slice_point: 4 } }\n' + \
        conv("w0", "v0", 5, 1, 2, 0) + conv("w1", "v1", 1, 3, 0, 1) + merge("again", "Concat", ["w0", "w1"], axis=3) + \
        conv("last", "again", 3, 3, 1, 1, 2, 2)
    check(text)


def test_nested_branches_stay_products():
    """A residual sum and an Inception-like concat of branches centred alike: products, exact without any
    2-D walk (no warning either)."""
    text = HEAD % (11, 11) + conv("a", "data", 3, 3, 1, 1) + conv("b", "a", 3, 3, 1, 1) + \
        merge("res", "Eltwise", ["a", "b"]) + conv("c", "res", 5, 5, 2, 2) + conv("d", "res", 1, 1) + \
        merge("inc", "Concat", ["c", "d"], axis=1)
    result = check(text)
    analysis = Analysis(read_text(text), None, None)
    assert all(f is not False for f in analysis.planar.flat)
    assert not [w for w in result["warnings"] if w["code"] == "field-not-product"]


def test_a_join_that_reads_one_blob_twice_is_that_blob():
    """An Eltwise of a blob with itself (cifar10_full's ONNX read-back, the forks' Axpy) joins a set with
    itself: a product, exact (the nesting check once stopped with an internal error there)."""
    text = HEAD % (9, 9) + conv("a", "data", 3, 1, 1, 0) + merge("twice", "Eltwise", ["a", "a"]) + \
        conv("b", "twice", 1, 3, 0, 1)
    result = check(text)
    assert not [w for w in result["warnings"] if w["code"] == "field-not-product"]


def test_a_branch_that_reads_only_padding_on_the_edge_rows():
    """ENet's asymmetric bottlenecks (TimoSaemann/ENet's enet_deploy_final.prototxt, conv2_3_1_a and conv2_3_1):
    a 5x1 convolution with pad 1 on both axes, then a 1x5 with pad 1, keeps the map's size, but its first and
    last rows read only padding. Summed with the shortcut, those rows see the shortcut's pixels alone while
    the per-axis w set holds the branch's too: not a product there, a product at the centre, whose area the
    per-axis sets give without a 2-D walk; anything after that reads the edge rows is counted in 2-D."""
    text = HEAD % (9, 11) + conv("a", "data", 3, 3, 1, 1) + conv("b", "a", 5, 1, 1, 1) + conv("c", "b", 1, 5, 1, 1) + \
        merge("s", "Eltwise", ["a", "c"]) + conv("d", "s", 3, 3, 1, 1)
    result = check(text)
    analysis = Analysis(read_text(text), None, None)
    planar = analysis.planar
    s = analysis.graph.blob("s").id
    assert planar.flat[s] is False and planar.bad[s].holds(0, 5) and not planar.bad[s].holds(4, 5)
    assert planar.product(s)  # (its centre is a product)
    assert not [w for w in result["warnings"] if w["code"] == "field-not-product"]


@pytest.mark.parametrize("directions", ["DURL", "D", "RL"])
@pytest.mark.parametrize("budget", ["default", "unlimited"])
def test_small_scnn_blocks(directions, budget, monkeypatch):
    """Every area exact, at the default budget (the sheets') as with no limit on the walks."""
    if budget == "unlimited":
        monkeypatch.setattr(products, "BUDGET_BASE", 10 ** 9)
        monkeypatch.setattr(products, "BUDGET_PER_WALK", 10 ** 9)
    h, w = (6, 8) if directions != "DURL" else (5, 6)
    block = api.generate(h, w, 2, kernel_width=3, directions=directions)
    text = f'input: "conv5_4" input_shape {{ dim: 1 dim: 2 dim: {h} dim: {w} }}\n' + block
    result = check(text)
    assert all(o["scale"]["area"] is not None for layer in result["layers"] for o in layer["outputs"])


def test_a_full_block_of_kernel_9_at_the_default_budget():
    """The generator's default block (all four passes, kernel 9) over an 8x10 map: every blob's area exact and
    the brute force's (the later passes' sets are unions of cones, which saturate: the output's centre sees
    the whole image), every overlap of a map wider than one position too."""
    block = api.generate(8, 10, 2)
    text = 'input: "conv5_4" input_shape { dim: 1 dim: 2 dim: 8 dim: 10 }\n' + block
    result = check(text)
    out = {o["blob"]: o["scale"] for layer in result["layers"] for o in layer["outputs"]}
    assert all(s["area"] is not None for s in out.values())
    assert out["SCNN"] == {"area": 80, "width": pytest.approx(80 ** 0.5), "overlap": 1.0}
    assert not [w for w in result["warnings"] if w["code"] == "field-not-product"]


def test_the_full_block_of_culane_size():
    """The 36x100 block (kernel 9, CULane's map) at the default budget: every blob's area exact. The brute
    force is too large here; each centre's area is checked against `query`, whose walk owes nothing to the
    sheets, on a sample of blobs from every pass, and the output's centre sees all 3,600 pixels."""
    block = api.generate(36, 100, 2)
    net = read_text('input: "conv5_4" input_shape { dim: 1 dim: 2 dim: 36 dim: 100 }\n' + block)
    out = {o["blob"]: o for layer in api.analyze(net)["layers"] for o in layer["outputs"]}
    assert all(o["scale"]["area"] is not None for o in out.values())
    assert out["SCNN"]["scale"] == {"area": 3600, "width": 60.0, "overlap": 1.0}
    for name in ["SCNN_D_9/message", "SCNN_D_30", "SCNN_U_30", "SCNN_U_12/message", "SCNN", "slice2_3",
                 "SCNN_R_2", "SCNN_R_40/message", "SCNN_L_77", "SCNN_L_3/message"]:
        shape = out[name]["shape"]
        cy, cx = (shape[2] - 1) // 2, (shape[3] - 1) // 2
        assert out[name]["scale"]["area"] == api.query(net, name, cy, cx)["pixels"], name


def test_the_d_only_block_of_culane_size():
    """The D-only block at 36x100 (kernel 9): row 0 of the output is the input's row 0 passed through, so it
    sees exactly one pixel; row 17 (SCNN_D_18) sees a cone: row 17 - d at columns 50 +- 4d, 1,137 pixels."""
    block = api.generate(36, 100, 2, directions="D")
    net = read_text('input: "conv5_4" input_shape { dim: 1 dim: 2 dim: 36 dim: 100 }\n' + block)
    first = api.query(net, "SCNN", 0, 50)
    assert first["box"] == {"y": [0, 0], "x": [50, 50]} and first["pixels"] == 1
    assert api.query(net, "SCNN_D_18", 0, 50)["pixels"] == 1137
    cone = sum(len(range(max(0, 50 - 4 * d), min(99, 50 + 4 * d) + 1)) for d in range(18))
    assert cone == 1137
    out = {o["blob"]: o for layer in api.analyze(net)["layers"] for o in layer["outputs"]}
    scale = out["SCNN_D_18"]["scale"]
    centre = sum(len(range(max(0, 49 - 4 * d), min(99, 49 + 4 * d) + 1)) for d in range(18))  # (column 49)
    assert scale["area"] in (None, centre)
    if scale["area"] is None:
        assert scale["area_at_most"] == 1800


def random_net(seed):
    rng = random.Random(seed)
    height, width = rng.randint(6, 10), rng.randint(6, 10)
    lines, names = [HEAD % (height, width)], iter(f"n{i}" for i in range(1000))
    trunk, size = "data", [height, width]

    def same(bottom):
        kh, kw = rng.choice([(1, 3), (3, 1), (3, 3), (1, 5), (5, 1), (1, 1)])
        d = rng.choice([1, 1, 2])
        name = next(names)
        lines.append(conv(name, bottom, kh, kw, (kh - 1) * d // 2, (kw - 1) * d // 2, dilation=d))
        return name

    for _ in range(rng.randint(3, 6)):
        step = rng.choice(["conv", "sum", "concat", "slice", "spatial", "pool"])
        if step == "conv" and min(size) >= 4:
            kh, kw, s = rng.choice([1, 2, 3]), rng.choice([1, 2, 3]), rng.choice([1, 2])
            name = next(names)
            lines.append(conv(name, trunk, kh, kw, rng.randint(0, kh - 1), rng.randint(0, kw - 1), s, s))
            trunk = name
        elif step == "pool" and min(size) >= 4:
            name = next(names)
            lines.append(f'layer {{ name: "{name}" type: "Pooling" bottom: "{trunk}" top: "{name}" '
                         f'pooling_param {{ pool: MAX kernel_size: 3 stride: 2 pad: {rng.randint(0, 1)} }} }}\n')
            trunk = name
        elif step in ("sum", "concat"):
            branches = [same(trunk) for _ in range(rng.randint(2, 3))]
            if rng.random() < 0.5:
                branches[0] = same(branches[0])
            name = next(names)
            lines.append(merge(name, "Eltwise" if step == "sum" else "Concat", branches))
            trunk = name
        elif step == "spatial":
            axis = rng.choice([2, 3])
            name = next(names)
            lines.append(merge(name, "Concat", [same(trunk), same(trunk)], axis=axis))
            trunk = name
        elif step == "slice" and min(size) >= 2:
            axis = rng.choice([2, 3])
            name, parts = next(names), [next(names) for _ in range(2)]
            point = rng.randint(1, size[axis - 2] - 1)
            lines.append(f'layer {{ name: "{name}" type: "Slice" bottom: "{trunk}" '
                         + " ".join(f'top: "{p}"' for p in parts) + f' slice_param {{ axis: {axis} slice_point: {point} }} }}\n')
            joined = next(names)
            lines.append(merge(joined, "Concat", [same(p) for p in parts], axis=axis))
            trunk = joined
        size = list(brute("".join(lines))[0][trunk].shape[:2])
    return "".join(lines)


def test_residual_blocks_after_edge_rows_keep_the_centre_a_product():
    """Two of ENet's asymmetric bottlenecks in a row: the edge rows that read only padding stay edge rows
    through the second residual sum (it reads them, and its other positions read products that nest), so the
    centre is still a product, counted without a 2-D walk."""
    text = HEAD % (11, 11) + conv("a", "data", 3, 3, 1, 1) + conv("b", "a", 5, 1, 1, 1) + \
        conv("c", "b", 1, 5, 1, 1) + merge("s", "Eltwise", ["a", "c"]) + conv("b2", "s", 5, 1, 1, 1) + \
        conv("c2", "b2", 1, 5, 1, 1) + merge("s2", "Eltwise", ["s", "c2"]) + conv("d", "s2", 3, 3, 1, 1)
    result = check(text)
    analysis = Analysis(read_text(text), None, None)
    planar = analysis.planar
    s2 = analysis.graph.blob("s2").id
    assert planar.bad[s2] is not products.ALL and not planar.bad[s2].holds(5, 5)
    assert planar.product(s2) and planar.product(analysis.graph.blob("d").id)
    assert not [w for w in result["warnings"] if w["code"] == "field-not-product"]


def test_a_residual_branch_is_nested_without_looking_at_positions(monkeypatch):
    """x + conv(relu(conv(x))): the branch keeps each position's own tap, so its sets hold x's: the join is
    settled from the layers alone (no position's sets formed), and stays a product (the brute force agrees)."""
    text = HEAD % (9, 9) + conv("x", "data", 3, 3, 1, 1) + conv("f", "x", 3, 3, 1, 1) + \
        'layer { name: "r" type: "ReLU" bottom: "f" top: "f" }\n' + conv("g", "f", 3, 3, 2, 2, dilation=2) + \
        merge("s", "Eltwise", ["x", "g"])

    def no_look(*args):
        raise AssertionError("a position's sets were formed")

    monkeypatch.setattr(products, "_contributions", no_look)
    analysis = Analysis(read_text(text), None, None)
    assert all(f is not False for f in analysis.planar.flat)
    monkeypatch.undo()
    check(text)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("budget", ["default", "unlimited"])
def test_random_nets(seed, budget, monkeypatch):
    if budget == "unlimited":
        monkeypatch.setattr(products, "BUDGET_BASE", 10 ** 9)
        monkeypatch.setattr(products, "BUDGET_PER_WALK", 10 ** 9)
    result = check(random_net(seed))
    if budget == "unlimited":
        assert all(o["scale"]["area"] is not None for layer in result["layers"] for o in layer["outputs"])


def test_over_the_budget_a_bound_that_bounds(monkeypatch):
    """With no budget for 2-D walks or sheets, every blob that is not a product says only a bound, and one
    warning names the first layer where fields stop being products."""
    monkeypatch.setattr(products, "BUDGET_BASE", 0)
    monkeypatch.setattr(products, "BUDGET_PER_LAYER", 0)
    monkeypatch.setattr(sheets, "WORK_BASE", 0)
    monkeypatch.setattr(sheets, "WORK_PER_LAYER", 0)
    text = HEAD % (9, 9) + conv("a", "data", 1, 3, pw=1) + conv("b", "data", 3, 1, ph=1) + \
        merge("s", "Eltwise", ["a", "b"]) + conv("c", "s", 3, 3, 1, 1)
    result = check(text)
    out = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    assert out["s"]["scale"] == {"area": None, "width": None, "overlap": None, "area_at_most": 9}
    assert out["c"]["scale"]["area_at_most"] == 25
    found = [w for w in result["warnings"] if w["code"] == "field-not-product"]
    assert len(found) == 1 and found[0]["layer"] == "s"


@needs_shared
def test_the_bound_warning_counts_the_blobs_printed_as_bounds():
    """ENet past its budget: the warning says how many blobs' areas are bounds, from which one. A 1x1 convolution
    reads its bottom position for position, so its 2-D sets are its bottom's; it was walked on its own past the
    budget and counted as a bound (103, from 'conv2_8_2'), though the table printed its bottom's exact area."""
    result = api.analyze(CORPUS / "TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt")
    bounded = [o["blob"] for layer in result["layers"] for o in layer["outputs"]
               if o["scale"] and "area_at_most" in o["scale"]]
    (said,) = [w["message"] for w in result["warnings"] if w["code"] == "field-not-product"]
    assert bounded and f"of {len(bounded)} blob(s), from '{bounded[0]}' on" in said

"""The onnxruntime probe (onnxprobe.py) against fields worked out by hand, then
scnn-tools' fields against the probe, position by position, on random ONNX
nets (onnxnets.py) and on real models.

What "exact" means here: the probe finds the input pixels a position *can*
depend on through weights that are not zero by the operator's definition
(module docstring of onnxprobe.py): a linear interpolation landing exactly on a
sample reads one pixel, not two; padding is no pixel. That is the set
scnn-tools' per-axis fields describe (tests/test_fields_bruteforce.py keeps the
same conventions for Caffe nets), cut to the image.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).parent))
from onnxprobe import Probe, ProbeError, probe, positive  # noqa: E402

ort = pytest.importorskip("onnxruntime")


# ------------------------------------------------------------ hand-built models
class Hand:
    """A small model written node by node: x is 1 x 2 x H x W."""

    def __init__(self, h, w, channels=2):
        self.nodes, self.inits = [], []
        self.input = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, h, w])
        self.channels = channels

    def weight(self, dims, value=None):
        name = f"w{len(self.inits)}"
        data = np.random.default_rng(len(self.inits)).standard_normal(dims) if value is None else value
        self.inits.append(numpy_helper.from_array(np.asarray(data, np.float32), name))
        return name

    def node(self, op, inputs, **attrs):
        name = f"{op.lower()}{len(self.nodes)}"
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, k, s=(1, 1), pads=(0, 0, 0, 0), d=(1, 1), out=None):
        out = out or self.channels
        return self.node("Conv", [x, self.weight([out, self.channels] + list(k)), self.weight([out])],
                         kernel_shape=list(k), strides=list(s), pads=list(pads), dilations=list(d))

    def model(self, *outputs, opset=17):
        graph = helper.make_graph(self.nodes, "hand", [self.input],
                                  [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
                                  self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def clipped(lo, hi, n):
    return max(lo, 0), min(hi, n - 1)


def test_conv_3x3_is_its_window_cut_to_the_image():
    net = Hand(8, 10)
    top = net.node("Relu", [net.conv("x", (3, 3), pads=(1, 1, 1, 1))])
    f = probe(net.model(top), [top])[top]
    assert f.shape == (8, 10)
    for (oy, ox), _ in np.ndenumerate(f.not_box):
        assert tuple(f.boxes[oy, ox]) == clipped(oy - 1, oy + 1, 8) + clipped(ox - 1, ox + 1, 10)
    assert not f.not_box.any()


def test_stride_2_chain():
    """Two 3x3 convolutions of stride 2 and pad 1: size 3 + 2 * 2 = 7, jump 4, feature o centred at 4o,
    so its box is [4o - 3, 4o + 3]; a 5x5 max pool of stride 1 and pad 2 after them widens it by 2 * 4
    on each side, [4o - 11, 4o + 11] (the max pool probed as any other window: the raise wins)."""
    net = Hand(16, 21)
    a = net.conv("x", (3, 3), (2, 2), (1, 1, 1, 1))
    b = net.conv(net.node("Sigmoid", [a]), (3, 3), (2, 2), (1, 1, 1, 1))
    c = net.node("MaxPool", [b], kernel_shape=[5, 5], pads=[2, 2, 2, 2])
    fields = probe(net.model(c), [b, c], mode="pixels")
    for blob, half in ((b, 3), (c, 11)):
        f = fields[blob]
        assert f.shape == (4, 6)
        for (oy, ox), _ in np.ndenumerate(f.not_box):
            want = clipped(4 * oy - half, 4 * oy + half, 16) + clipped(4 * ox - half, 4 * ox + half, 21)
            assert tuple(f.boxes[oy, ox]) == want, (blob, oy, ox)
        assert not f.not_box.any()


def test_dilation_leaves_holes():
    """A 3x3 convolution of dilation 2 and no pad: feature (oy, ox) reads rows oy, oy+2, oy+4 and the same
    columns: nine pixels of a 5x5 box, which is not a box."""
    net = Hand(9, 9)
    top = net.conv("x", (3, 3), d=(2, 2))
    f = probe(net.model(top), [top], mode="pixels")[top]
    assert f.shape == (5, 5)
    for (oy, ox), _ in np.ndenumerate(f.not_box):
        assert f.projection(0, oy) == {oy, oy + 2, oy + 4} and f.projection(1, ox) == {ox, ox + 2, ox + 4}
        assert f.sets[oy, ox].sum() == 9
    assert f.not_box.all()


def test_a_cross_is_seen_only_pixel_by_pixel():
    """A 1x7 beside a 7x1, summed: every field is a cross, whose projections are 7 wide on both axes. Lines
    see its bounding box; pixels see the cross (13 pixels in the 7x7 box, inside the image)."""
    net = Hand(12, 12)
    a = net.conv("x", (1, 7), pads=(0, 3, 0, 3))
    b = net.conv("x", (7, 1), pads=(3, 0, 3, 0))
    top = net.node("Add", [a, b])
    lines = probe(net.model(top), [top], mode="lines")[top]
    pixels = probe(net.model(top), [top], mode="pixels")[top]
    assert (lines.boxes == pixels.boxes).all() and not lines.not_box.any()
    assert pixels.sets[6, 6].sum() == 13 and pixels.not_box[6, 6]


def test_linear_interpolation_on_a_sample_reads_one_pixel():
    """Resize linear with align_corners from 5 to 9 along each axis: output 2k lands on input k exactly
    (its neighbour's weight is 0) and output 2k + 1 halfway between k and k + 1."""
    net = Hand(5, 5)
    net.inits.append(numpy_helper.from_array(np.array([1, 2, 9, 9], np.int64), "sizes"))
    top = net.node("Resize", ["x", "", "", "sizes"], mode="linear", coordinate_transformation_mode="align_corners")
    f = probe(net.model(top), [top])[top]
    for o in range(9):
        want = {o // 2} if o % 2 == 0 else {o // 2, o // 2 + 1}
        assert f.projection(0, o) == want and f.projection(1, o) == want


def test_squeeze_excitation_makes_every_field_global():
    """x * sigmoid(conv(GlobalAveragePool(x))): every output reads every pixel through the pooled branch.
    The probe turns the Mul of two data tensors into Add (the same dependencies, positive)."""
    net = Hand(7, 9)
    gate = net.node("Sigmoid", [net.conv(net.node("GlobalAveragePool", ["x"]), (1, 1))])
    top = net.node("Mul", [net.conv("x", (3, 3), pads=(1, 1, 1, 1)), gate])
    f = probe(net.model(top), [top])[top]
    assert (f.boxes == [0, 6, 0, 8]).all()
    ops = [n.op_type for n in positive(net.model(top)).graph.node]
    assert "Mul" not in ops and "Sigmoid" not in ops


def test_asymmetric_pads_shift_the_field():
    """Pads (top 2, left 0, bottom 0, right 2) on a 3x3 of stride 1: feature (oy, ox) reads rows oy-2..oy and
    columns ox..ox+2; the output is as large as the input along both axes."""
    net = Hand(6, 7)
    top = net.conv("x", (3, 3), pads=(2, 0, 0, 2))
    f = probe(net.model(top), [top])[top]
    assert f.shape == (6, 7)
    for (oy, ox), _ in np.ndenumerate(f.not_box):
        assert tuple(f.boxes[oy, ox]) == clipped(oy - 2, oy, 6) + clipped(ox, ox + 2, 7)


def test_cubic_resize_is_refused():
    net = Hand(5, 5)
    top = net.node("Resize", ["x", "", net.weight([4], [1, 1, 2, 2])], mode="cubic")
    with pytest.raises(ProbeError, match="cubic"):
        positive(net.model(top), [top])


# ------------------------------------------------------------ scnn-tools against the probe
def engine_fields(model, source="probe.onnx"):
    """scnn-tools' analysis of the model: {blob: (shape [H, W], {axis 0/1: field})}, fields None where
    unknown."""
    from scnn_tools.engine.analysis import Analysis
    from scnn_tools.netfile.reader import read_bytes
    analysis = Analysis(read_bytes(model.SerializeToString(), source))
    out = {}
    for blob in analysis.graph.blobs:
        shape = analysis.shapes.blobs[blob.id]
        traced = analysis.traced[blob.id]
        axes = {"hw".index(image_axis): f for a, (image_axis, f) in traced.axes.items()} if traced else None
        # (a blob's h and w are the axes its fields follow: not the last two where a model works channels-last)
        at = {image_axis: a for a, (image_axis, _) in traced.axes.items()} if traced else {}
        hw = [at["h"], at["w"]] if set(at) == {"h", "w"} else [-2, -1]
        # (a blob of fewer than two axes, such as the flat ScatterND an exported unpooling writes, has no h and w)
        flat = shape is None or None in shape or len(shape) < 2
        out[blob.name] = (None if flat else [shape[a] for a in hw], axes)
    return out, analysis


def compare(model, fields, exact=True, source="probe.onnx"):
    """(mismatches [(blob, what, detail)], blobs compared, blobs scnn-tools leaves unknown).

    Per axis and position o, scnn-tools' set cut to the image (and to the probed lines) must equal what
    the probe finds along that axis for the whole row (column) o of the blob: fields are kept per axis, so
    one position's own projection may be smaller where its 2-D field is no product (side-by-side
    branches), never larger. exact=False asks only that scnn-tools misses no pixel the probe finds: its
    fields are those of the unbounded plane (DESIGN.md), where a position beyond a map's ends, which the
    next layer reads as zero padding, continues the map's pattern; cut to the image that can hold pixels
    no weights make matter (test_padding_beyond_a_map_is_read_on works one out)."""
    ours, analysis = engine_fields(model, source)
    extent = [analysis.image_extent()["h"], analysis.image_extent()["w"]]
    bad, compared, unknown = [], [], []
    for blob, true in fields.items():
        shape, axes = ours.get(blob, (None, None))
        if shape != list(true.shape):
            (unknown if shape is None else bad).append((blob, "shape", (shape, true.shape)))
            continue
        if not axes or set(axes) != {0, 1}:
            unknown.append((blob, "field", None))
            continue
        compared.append(blob)
        for axis in (0, 1):
            probed = true.probed[axis]
            for o in range(shape[axis]):
                got = {i for lo, hi in axes[axis].at(o) for i in range(max(lo, 0), min(hi, extent[axis] - 1) + 1)
                       if i in probed}
                want = true.projection(axis, o)
                if want - got or (exact and got != want):
                    bad.append((blob, "hw"[axis], (o, "ours", _runs(got), "probe", _runs(want))))
                    break
    return bad, compared, unknown


def _runs(indices):
    """Sorted indices as inclusive runs, for short messages."""
    out = []
    for i in sorted(indices):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [tuple(r) for r in out]


def _check(model, blobs, exact, mode="lines", lines=None):
    fields = probe(model, blobs, mode, lines=lines)
    bad, compared, unknown = compare(model, fields, exact)
    ops = {o: n.op_type for n in model.graph.node for o in n.output}
    assert not bad, [(blob, ops.get(blob), *rest) for blob, *rest in bad]
    if not compared:
        pytest.skip(f"scnn-tools knows no field of these blobs (unknown: {sorted({ops[b] for b, *_ in unknown})})")
    return compared, unknown


@pytest.mark.parametrize("seed", range(12))
def test_random_net_without_inner_padding_is_exact(seed):
    """Nets where no layer but those reading the image reads beyond its input's ends, and nothing is
    concatenated along H or W (after which one field per axis holds the union over the other axis: those
    are held to missing no pixel below): every position of every blob scnn-tools knows, along each axis,
    is exactly the set of pixels the probe finds."""
    from onnxnets import random_model
    model, blobs = random_model(seed, interior=True, separable=True)
    _check(model, blobs, exact=True)


@pytest.mark.parametrize("seed", range(12))
def test_random_net_misses_no_pixel(seed):
    """Any random net (padding everywhere, ceil_mode, transposed windows): scnn-tools misses no pixel the
    probe finds; where it holds more, they come through a map's padding (see compare())."""
    from onnxnets import random_model
    model, blobs = random_model(seed)
    _check(model, blobs, exact=False)


@pytest.mark.parametrize("seed", range(100, 106))
def test_random_net_centre_area_is_the_true_one(seed):
    """scale.area, the pixels that can change the centre feature, is the count the probe finds pixel by pixel
    (2-D, so side-by-side branches count their cross, not its box), and overlap the share the next feature
    along w has of them; or, where the 2-D walk is past its budget, null with a bound that holds."""
    from onnxnets import random_model
    model, blobs = random_model(seed, size=(16, 26), interior=True)
    fields = probe(model, blobs, mode="pixels")
    ours, analysis = engine_fields(model)
    checked = 0
    for blob, true in fields.items():
        b = analysis.graph.blob(blob)
        exact, _ = analysis.scales(b.id)
        if exact is None or ours[blob][0] != list(true.shape):
            continue
        cy, cx = ((n - 1) // 2 for n in true.shape)
        found = true.sets[cy, cx]
        if exact["area"] is None:
            assert found.sum() <= exact["area_at_most"], blob
        else:
            assert found.sum() == exact["area"], blob
            if true.shape[1] > 1 and found.sum():
                shared = (found & true.sets[cy, cx + 1]).sum() / found.sum()
                assert exact["overlap"] == pytest.approx(shared), blob
        checked += 1
    if not checked:
        pytest.skip("scnn-tools knows no field of these blobs")


@pytest.mark.parametrize("seed", range(200, 206))
def test_random_net_every_position_in_2d(seed):
    """query's pixels of every position of every blob are the probe's, pixel by pixel: padding anywhere,
    ceil_mode, transposed windows, Resize, and Concat and Split along H and W, where one field per axis would
    give a part the other parts' columns."""
    from onnxnets import random_model
    from scnn_tools.errors import InputError
    model, blobs = random_model(seed, size=(10, 16))
    fields = probe(model, blobs, mode="pixels")
    ours, analysis = engine_fields(model)
    h, w = analysis.image_extent()["h"], analysis.image_extent()["w"]
    checked = 0
    for blob, true in fields.items():
        if not ours[blob][1] or set(ours[blob][1]) != {0, 1} or ours[blob][0] != list(true.shape):
            continue
        b = analysis.graph.blob(blob)
        for oy in range(true.shape[0]):
            for ox in range(true.shape[1]):
                want = true.sets[oy, ox]
                try:
                    pixels = analysis.box(b.id, oy, ox)["pixels"]
                except InputError:
                    assert not want.any(), (blob, oy, ox)  # (query refuses a position that reads nothing)
                    continue
                got = np.zeros((h, w), bool)
                for r0, r1, cols in pixels.bands:
                    for lo, hi in cols:
                        got[r0:r1 + 1, lo:hi + 1] = True
                assert (got == want).all(), (blob, oy, ox)
        checked += 1
    if not checked:
        pytest.skip("scnn-tools knows no field of these blobs")


def test_padding_beyond_a_map_is_read_on():
    """A 3x3 convolution of stride 2 and no pad on 6 columns gives 2 positions, reading columns 0..2 and
    2..4; column 5 is read by none. A 3x3 convolution of pad 1 on those: its position 1 reads positions
    0, 1 and the padding at 2, a zero, so it sees columns 0..4. On the unbounded plane (DESIGN.md's
    coordinates) position 2 of the first map continues the pattern, 4..6, so scnn-tools' field of position
    1 is 0..6 and, cut to the image, 0..5: column 5, which cannot change it. Rows: the same net along h
    with 7 rows reads all of them (3 positions, 0..2, 2..4, 4..6, and no pad is read at the ends)."""
    net = Hand(7, 6)
    a = net.conv("x", (3, 3), (2, 2))
    b = net.conv(a, (3, 3), pads=(0, 1, 0, 1))
    true = probe(net.model(b), [b])[b]
    assert true.projection(1, 1) == {0, 1, 2, 3, 4}
    ours, analysis = engine_fields(net.model(b))
    field = ours[b][1][1]
    assert [tuple(r) for r in field.at(1)] == [(0, 6)]  # the unbounded plane's continuation, as designed
    bad, compared, _ = compare(net.model(b), {b: true}, exact=False)
    assert compared == [b] and not bad
    bad, _, _ = compare(net.model(b), {b: true}, exact=True)
    assert bad == [(b, "w", (1, "ours", [(0, 5)], "probe", [(0, 4)]))]


# ------------------------------------------------------------ real models
MODELS = Path(__file__).parent / "onnx_models"


def _real_models():
    return sorted(MODELS.glob("*.onnx")) if MODELS.is_dir() else []


def _lines(n, count=3):
    """A few rows (or columns) to raise: both ends, the middle, and evenly between."""
    picks = {0, 1, n // 2, n - 2, n - 1} | {round(i * (n - 1) / (count - 1)) for i in range(count)}
    return sorted(i for i in picks if 0 <= i < n)


def probe_real(path, count=2, depth=None):
    """(model, fields) of `count` Conv outputs spread over the first `depth` of the model's convolutions
    (a quarter, a tenth for images over 320x320, which cost more to run), probed on a few lines: the
    weights the file leaves out are the probe's own, from their dims."""
    import onnx
    model = onnx.load(str(path), load_external_data=False)
    if depth is None:
        dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        depth = 0.25 if np.prod(dims) <= 3 * 320 * 320 else 0.1
    convs = [n.output[0] for n in model.graph.node if n.op_type == "Conv"]
    convs = convs[:max(1, int(len(convs) * depth))]
    blobs = sorted({convs[round(i * (len(convs) - 1) / max(1, count - 1))] for i in range(count)},
                   key=convs.index)
    try:
        runs = Probe(model, blobs)
        _, h, w = runs.chw
        fields = runs.fields(lines=(_lines(h), _lines(w)), batch=32)
    except ProbeError as e:
        pytest.skip(f"{path.name}: {e}")
    return model, fields


@pytest.mark.parametrize("path", _real_models(), ids=lambda p: p.name)
def test_real_model_misses_no_pixel(path):
    """Real exported models (tests/onnx_models, where present; a model with dynamic H and W is skipped):
    a few Conv outputs along the first half of the net, probed on a few rows and columns."""
    import onnx
    dims = [d.dim_value for d in onnx.load(str(path), load_external_data=False).graph.input[0]
            .type.tensor_type.shape.dim]
    if len(dims) != 4 or 0 in dims:
        pytest.skip(f"{path.name}: input {dims} is not of fixed size")
    model, fields = probe_real(path)
    bad, compared, unknown = compare(model, fields, exact=False, source=path.name)
    assert not bad, bad
    if not compared:
        pytest.skip(f"{path.name}: scnn-tools knows none of {sorted(fields)}")

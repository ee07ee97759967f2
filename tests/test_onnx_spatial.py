"""Fields through the ONNX operators that move positions (ConvTranspose, Resize, Upsample, Pad, Slice,
Split, DepthToSpace, SpaceToDepth, spatial Concat), each checked position by position against what
onnxruntime computes: the probe of tests/onnxprobe.py (raise input lines in a net made positive, see which
outputs change), which owes nothing to scnn-tools, and, where the map is worked out by hand, that too."""

import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).parent))
from test_onnx_oracle import Hand, compare, engine_fields  # noqa: E402
from onnxprobe import probe  # noqa: E402

pytest.importorskip("onnxruntime")


def _exact(model, blobs, mode="lines", exact=True):
    """Every blob's field equals the probe's, along each axis and at every position (exact=False: holds every
    pixel the probe finds, more only where a layer reads beyond its input's ends, which scnn-tools reads on
    along the unbounded plane as DESIGN.md says)."""
    fields = probe(model, blobs, mode)
    bad, compared, unknown = compare(model, fields, exact=exact)
    assert not bad, bad
    assert sorted(compared) == sorted(blobs), unknown


def _ints(net, name, values):
    net.inits.append(numpy_helper.from_array(np.array(values, np.int64), name))
    return name


def _floats(net, name, values):
    net.inits.append(numpy_helper.from_array(np.array(values, np.float32), name))
    return name


# ------------------------------------------------------------------ ConvTranspose
def test_convtranspose_field_by_hand():
    """Kernel 3, stride 2, pads (1, 1) on 4 rows: output y reads input i where y = 2i - 1 + t, t = 0..2: even y
    = 2j reads j only (t = 1), odd y = 2j + 1 reads j and j + 1; output 6 of 7 reads input 3 alone."""
    net = Hand(4, 5)
    top = net.node("ConvTranspose", ["x", net.weight([2, 2, 3, 3])], strides=[2, 2], pads=[1, 1, 1, 1])
    ours, _ = engine_fields(net.model(top))
    shape, axes = ours[top]
    assert shape == [7, 9]
    for y in range(7):
        want = [(y // 2, y // 2)] if y % 2 == 0 else [(y // 2, y // 2 + 1)]
        assert [tuple(r) for r in axes[0].at(y)] == want
    _exact(net.model(top), [top])


@pytest.mark.parametrize("attrs", [
    dict(strides=[2, 3], pads=[0, 1, 2, 0], kernel_shape=[4, 3]),
    dict(strides=[2, 2], auto_pad="SAME_UPPER", kernel_shape=[3, 3]),
    dict(strides=[3, 3], auto_pad="SAME_LOWER", kernel_shape=[4, 4]),
    dict(strides=[3, 2], output_shape=[10, 9], kernel_shape=[4, 3]),
    dict(strides=[1, 1], pads=[1, 0, 0, 1], kernel_shape=[3, 2]),
])
def test_convtranspose_against_the_probe(attrs):
    """A 3x3 convolution before (so that positions read fields, not single pixels) and the transposed one."""
    net = Hand(6, 7)
    a = net.conv("x", (3, 3), pads=(1, 1, 1, 1))
    top = net.node("ConvTranspose", [a, net.weight([2, 2] + attrs["kernel_shape"])], **attrs)
    _exact(net.model(top), [a, top])


def test_convtranspose_output_padding_reads_on():
    """output_padding adds end positions that read no input (the bias alone): on the unbounded plane they read
    the positions past the input's end, whose fields go on (as Caffe's Deconvolution reading its padding)."""
    net = Hand(6, 7)
    a = net.conv("x", (3, 3), pads=(1, 1, 1, 1))
    top = net.node("ConvTranspose", [a, net.weight([2, 2, 3, 3])], strides=[2, 2], dilations=[2, 1],
                   output_padding=[1, 1])
    _exact(net.model(top), [a, top], exact=False)
    ours, _ = engine_fields(net.model(top))
    assert [tuple(r) for r in ours[top][1][1].at(15)] == [(6, 8)]  # (input 7 of a: columns 6..8 of the plane)


# ------------------------------------------------------------------ Resize, Upsample
_TRANSFORMS = ["half_pixel", "asymmetric", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn",
               "half_pixel_symmetric"]
# (input h, w; sizes or scales for h and w): up, down, by whole and by fractional factors, to one position.
_SIZES = [((5, 7), "sizes", (10, 21)), ((6, 9), "sizes", (4, 5)), ((4, 6), "scales", (1.5, 2.5)),
          ((9, 8), "scales", (0.5, 0.75)), ((3, 7), "sizes", (1, 3)), ((7, 5), "sizes", (13, 11))]


def _resize(net, x, how, values, **attrs):
    if how == "sizes":  # (on axes 2 and 3 only, opset 18: sizes with a batch of 1 would resize the probe's batch)
        return net.node("Resize", [x, "", "", _ints(net, f"s{len(net.inits)}", list(values))], axes=[2, 3], **attrs)
    return net.node("Resize", [x, "", _floats(net, f"s{len(net.inits)}", [1, 1, *values])], **attrs)


@pytest.mark.parametrize("transform", _TRANSFORMS)
@pytest.mark.parametrize("size", _SIZES, ids=str)
@pytest.mark.parametrize("mode", ["linear", "round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
def test_resize_reads_what_onnxruntime_weighs(mode, size, transform):
    """Resize on the image itself: each output position's field along each axis is the set of input positions
    onnxruntime gives a weight that is not zero (linear landing on a sample reads one), position by position."""
    (h, w), how, values = size
    net = Hand(h, w)
    attrs = dict(mode="linear") if mode == "linear" else dict(mode="nearest", nearest_mode=mode)
    top = _resize(net, "x", how, values, coordinate_transformation_mode=transform, **attrs)
    _exact(net.model(top, opset=19), [top])


@pytest.mark.parametrize("mode", ["linear", "round_prefer_floor", "ceil"])
@pytest.mark.parametrize("roi", [(0.2, 0.1, 0.9, 0.7), (-0.25, 0.0, 1.25, 0.5)])
def test_resize_tf_crop_and_resize(mode, roi):
    """tf_crop_and_resize samples the roi; beyond the input (the second roi reaches past both ends of h)
    outputs are the extrapolation value and read nothing."""
    net = Hand(6, 8)
    attrs = dict(mode="linear") if mode == "linear" else dict(mode="nearest", nearest_mode=mode)
    top = net.node("Resize", ["x", _floats(net, "roi", list(roi)), "", _ints(net, "sizes", [9, 5])], axes=[2, 3],
                   coordinate_transformation_mode="tf_crop_and_resize", **attrs)
    _exact(net.model(top, opset=19), [top])


def _one_hot_reads(model, shape):
    """[(output axis, output position) -> input positions]: which input positions change an output position
    in onnxruntime, per spatial axis, one input position raised at a time (a weight of any sign counts)."""
    import onnxruntime as ort
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    base = session.run(None, {"x": np.zeros(shape, np.float32)})[0]
    reads = [{}, {}]
    for axis in (0, 1):
        for i in range(shape[2 + axis]):
            x = np.zeros(shape, np.float32)
            if axis == 0:
                x[:, :, i, :] = 1
            else:
                x[:, :, :, i] = 1
            changed = session.run(None, {"x": x})[0] != base
            along = changed.any(axis=(0, 1, 3 - axis))
            for o in np.flatnonzero(along):
                reads[axis].setdefault(int(o), set()).add(i)
    return reads


@pytest.mark.parametrize("transform", ["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"])
@pytest.mark.parametrize("attrs", [{}, {"exclude_outside": 1}, {"cubic_coeff_a": -0.5}])
@pytest.mark.parametrize("size", [((5, 6), (11, 13)), ((5, 6), (10, 12))], ids=str)
def test_cubic_resize_reads_what_onnxruntime_weighs(transform, attrs, size):
    """Cubic weights are negative in places, which the probe refuses: one input row or column at a time, each
    output position changes exactly where scnn-tools says it reads."""
    (h, w), out = size
    net = Hand(h, w)
    top = net.node("Resize", ["x", "", "", _ints(net, "sizes", list(out))], axes=[2, 3], mode="cubic",
                   coordinate_transformation_mode=transform, **attrs)
    model = net.model(top, opset=19)
    true = _one_hot_reads(model, [1, 2, h, w])
    ours, _ = engine_fields(model)
    shape, axes = ours[top]
    assert shape == list(out)
    for axis in (0, 1):
        for o in range(out[axis]):
            got = {i for lo, hi in axes[axis].at(o) for i in range(lo, hi + 1)}
            assert got == true[axis].get(o, set()), (axis, o)


@pytest.mark.parametrize("mode", ["linear", "round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
@pytest.mark.parametrize("how, values", [("scales", (2.0, 2.0)), ("scales", (1.5, 2.5)), ("sizes", (3, 4)),
                                         ("sizes", (13, 9))], ids=str)
def test_resize_between_convolutions(mode, how, values):
    """A stride-2 convolution, a Resize (half_pixel), a 3x3 convolution without padding: fields compose
    through the resampling exactly (the runs of the convolution's field cut where the Resize's taps cross
    them); with padding after it, the Resize's ends are read on."""
    attrs = dict(mode="linear") if mode == "linear" else dict(mode="nearest", nearest_mode=mode)
    for pads, exact in (((0, 0, 0, 0), True), ((1, 1, 1, 1), False)):
        net = Hand(11, 14)
        a = net.conv("x", (3, 3), (2, 2))
        b = _resize(net, a, how, values, **attrs)
        c = net.conv(b, (3, 3), pads=pads)
        _exact(net.model(c, opset=19), [a, b, c], exact=exact)


@pytest.mark.parametrize("opset, mode", [(7, "nearest"), (9, "nearest"), (9, "linear"), (10, "nearest")])
def test_upsample_and_resize_10(opset, mode):
    """Upsample-7 (scales attribute), Upsample-9 and Resize-10 (scales input): asymmetric coordinates, nearest
    truncating; a Resize-10 that shrinks takes the ceiling."""
    net = Hand(5, 6)
    scales = [1.0, 1.0, 2.0, 3.0] if opset < 10 else [1.0, 1.0, 0.6, 0.5]
    if opset == 7:
        top = net.node("Upsample", ["x"], mode=mode, scales=scales)
    else:
        top = net.node("Upsample" if opset == 9 else "Resize", ["x", _floats(net, "scales", scales)], mode=mode)
    _exact(net.model(top, opset=opset), [top])


# ------------------------------------------------------------------ Pad, Slice, Split, DepthToSpace, SpaceToDepth
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("pads", [(2, 1, 3, 0), (1, -1, 0, 2)], ids=str)
def test_pad(mode, pads):
    """Pad on the image (its padded positions read no pixel in any mode but the mirrored ones), then after a
    stride-2 convolution: reflect, edge and wrap read inside and are exact; constant padding is read on along
    the plane, as a convolution's own padding is."""
    (hb, wb, he, we) = pads
    net = Hand(9, 10)
    p = _ints(net, "pads", [0, 0, hb, wb, 0, 0, he, we])
    a = net.node("Pad", ["x", p], mode=mode)
    b = net.conv("x", (3, 3), (2, 2))
    c = net.node("Pad", [b, p], mode=mode)
    d = net.conv(c, (3, 3))
    _exact(net.model(d, opset=19), [a])
    _exact(net.model(d, opset=19), [b, c, d], exact=mode != "constant")


@pytest.mark.parametrize("starts, ends, steps", [((1, -6), (6, 100), (2, 1)), ((0, 2), (-1, -2), (3, 2))])
def test_slice_along_space(starts, ends, steps):
    net = Hand(9, 10)
    a = net.conv("x", (3, 3), pads=(1, 1, 1, 1))
    top = net.node("Slice", [a, _ints(net, "st", starts), _ints(net, "en", ends), _ints(net, "ax", [2, 3]),
                             _ints(net, "sp", steps)])
    _exact(net.model(top), [top])


def test_split_along_space_and_concat_back():
    """Split along w into 3 + 4 + 3, each part through its own convolution (no padding: interior), concatenated
    along w, then along h with itself: every part keeps its columns."""
    net = Hand(8, 10)
    a = net.conv("x", (3, 3), pads=(1, 1, 1, 1))
    parts = ["p0", "p1", "p2"]
    net.nodes.append(__import__("onnx").helper.make_node("Split", [a, _ints(net, "split", [3, 4, 3])], parts,
                                                         axis=3, name="split"))
    convs = [net.conv(p, (1, 3), pads=(0, 1, 0, 1)) for p in parts]
    cat = net.node("Concat", convs, axis=3)
    both = net.node("Concat", [cat, a], axis=2)
    _exact(net.model(both), ["p0", "p1", "p2", cat, both], exact=False)
    _exact(net.model(both), ["p0", "p1", "p2"])
    # Without padding after the split nothing reads beyond a part's ends: the concatenation is exact too.
    inner = net.node("Concat", [net.conv(p, (3, 3)) for p in parts], axis=3)
    _exact(net.model(inner), [inner])


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space_and_back(mode):
    """SpaceToDepth reads a b x b block per position, DepthToSpace spreads one position over a block. Back to
    back, each output channel reads one position of the block the first gathered, but fields are kept over all
    channels (a position's field is what any of its channels reads): the block, a superset."""
    net = Hand(6, 8, channels=4)
    a = net.node("SpaceToDepth", ["x"], blocksize=2)
    b = net.node("DepthToSpace", [a], blocksize=2, mode=mode)
    c = net.node("DepthToSpace", ["x"], blocksize=2, mode=mode)
    _exact(net.model(b), [a, c])
    _exact(net.model(b), [b], exact=False)
    ours, _ = engine_fields(net.model(b))
    assert [tuple(r) for r in ours[a][1][0].at(2)] == [(4, 5)] and [tuple(r) for r in ours[b][1][0].at(5)] == [(4, 5)]
    assert [tuple(r) for r in ours[c][1][0].at(5)] == [(2, 2)]


@pytest.mark.parametrize("image, policy, sizes", [((6, 7), "not_larger", (10, 9)), ((6, 7), "not_smaller", (10, 9)),
                                                  ((6, 7), "stretch", (10, 9)), ((6, 7), "not_smaller", (5, 15)),
                                                  ((6, 5), "not_larger", (3, 20))])
def test_resize_keep_aspect_ratio_policy(image, policy, sizes):
    """Resize-18's keep_aspect_ratio_policy: one scale for both axes (the least or greatest of out / in), the
    output rounded half away from zero (6 x 5 at 0.5: 3 x 3); its size is onnxruntime's, its fields as the
    probe finds."""
    import onnxruntime as ort
    net = Hand(*image)
    top = net.node("Resize", ["x", "", "", _ints(net, "sizes", list(sizes))], axes=[2, 3], mode="linear",
                   keep_aspect_ratio_policy=policy)
    model = net.model(top, opset=19)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = list(session.run(None, {"x": np.zeros([1, 2, *image], np.float32)})[0].shape[2:])
    ours, _ = engine_fields(model)
    assert ours[top][0] == want
    _exact(model, [top])


@pytest.mark.parametrize("mode, attrs", [("linear", {}), ("cubic", {}), ("cubic", {"exclude_outside": 1}),
                                         ("cubic", {"cubic_coeff_a": -0.5}), ("linear", {"exclude_outside": 1})])
@pytest.mark.parametrize("transform", ["half_pixel", "align_corners", "asymmetric"])
@pytest.mark.parametrize("size", [((9, 8), "sizes", (4, 3)), ((12, 7), "scales", (0.25, 0.6)),
                                  ((5, 6), "sizes", (11, 6)), ((10, 10), "sizes", (7, 3))], ids=str)
def test_antialias_reads_what_onnxruntime_weighs(mode, attrs, transform, size):
    """Resize-18's antialias stretches the kernel by 1 / scale where shrinking (onnxruntime's upsample_aa.h):
    one input row or column at a time, each output position changes exactly where scnn-tools says it reads."""
    (h, w), how, values = size
    net = Hand(h, w)
    top = _resize(net, "x", how, values, mode=mode, antialias=1, coordinate_transformation_mode=transform, **attrs)
    model = net.model(top, opset=19)
    true = _one_hot_reads(model, [1, 2, h, w])
    ours, _ = engine_fields(model)
    shape, axes = ours[top]
    for axis in (0, 1):
        for o in range(shape[axis]):
            got = {i for lo, hi in axes[axis].at(o) for i in range(lo, hi + 1)}
            assert got == true[axis].get(o, set()), (axis, o)


def test_antialias_between_convolutions():
    """The stretched kernel's pattern, composed with the fields of a convolution before it and read on past the
    ends by a padded one after it (linear: a positive filter, so the probe applies)."""
    for pads, exact in (((0, 0, 0, 0), True), ((1, 1, 1, 1), False)):
        net = Hand(19, 23)
        a = net.conv("x", (3, 3))
        b = _resize(net, a, "sizes", (6, 5), mode="linear", antialias=1)
        c = net.conv(b, (3, 3), pads=pads)
        _exact(net.model(c, opset=19), [a, b, c], exact=exact)


# ------------------------------------------------------------------ jumps and starts
def _grid(model, blob):
    """(jump, start) per axis [h, w] of a blob, as the report gives them."""
    _, analysis = engine_fields(model)
    blob_id = next(b.id for b in analysis.graph.blobs if b.name == blob)
    rf = analysis.rf(blob_id)
    return rf["jump"], rf["start"]


def test_jumps_and_starts():
    """Where output o lies on the input, worked out from each operator's definition:
    - ConvTranspose k 4, stride 2, pad 1: input i spreads to outputs 2i - 1 .. 2i + 2, centred on 2i + 0.5,
      so output o lies at (o - 0.5) / 2: jump 1/2, start -1/4;
    - Resize x2 linear half_pixel after a 3x3 stride-2 convolution of pad 1 (jump 2, start 0): output o samples
      (o + 0.5) / 2 - 0.5 of the convolution's grid, 2 * (o / 2 - 1/4) = o - 0.5 on the input;
    - Resize x2 nearest (asymmetric, floor): outputs 2i and 2i + 1 read i, centred on i at 2i + 0.5: start -1/4;
    - Resize align_corners from 5 to 9 along both axes: output o samples o * 4 / 8: jump 1/2, start 0;
    - SpaceToDepth 2: the block 2o, 2o + 1: jump 2, start 1/2; DepthToSpace 2: as nearest x2;
    - Pad 2 at the beginning of h, 1 of w: output o is input o - 2 (o - 1): jump 1, starts -2 and -1."""
    net = Hand(5, 5)
    ct = net.node("ConvTranspose", ["x", net.weight([2, 2, 4, 4])], strides=[2, 2], pads=[1, 1, 1, 1])
    lin = _resize(net, net.conv("x", (3, 3), (2, 2), (1, 1, 1, 1)), "scales", (2.0, 2.0), mode="linear")
    near = _resize(net, "x", "scales", (2.0, 2.0), mode="nearest", coordinate_transformation_mode="asymmetric",
                   nearest_mode="floor")
    corners = _resize(net, "x", "sizes", (9, 9), mode="linear", coordinate_transformation_mode="align_corners")
    net4 = Hand(4, 4, channels=4)
    s2d = net4.node("SpaceToDepth", ["x"], blocksize=2)
    d2s = net4.node("DepthToSpace", ["x"], blocksize=2)
    pad = net4.node("Pad", ["x", _ints(net4, "p", [0, 0, 2, 1, 0, 0, 0, 0])])
    model, model4 = net.model(ct, lin, near, corners, opset=19), net4.model(s2d, d2s, pad)
    assert _grid(model, ct) == ([0.5, 0.5], [-0.25, -0.25])
    assert _grid(model, lin) == ([1, 1], [-0.5, -0.5])
    assert _grid(model, near) == ([0.5, 0.5], [-0.25, -0.25])
    assert _grid(model, corners) == ([0.5, 0.5], [0, 0])
    assert _grid(model4, s2d) == ([2, 2], [0.5, 0.5])
    assert _grid(model4, d2s) == ([0.5, 0.5], [-0.25, -0.25])
    assert _grid(model4, pad) == ([1, 1], [-2, -1])

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

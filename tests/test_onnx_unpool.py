"""PyTorch's max_unpool2d as torch.onnx writes it (tests/onnx_models/segnet_unpool.onnx: no MaxUnpool node, a flat
ScatterND of the pooling's offset indices, netfile/onnxunpool.py): fields go through it where the numbers bear
it out, exactly as through a MaxUnpool node, checked by hand, against MaxUnpool's own rule position by position,
and against onnxruntime's probe (tests/onnxprobe.py); elsewhere they stop, saying why."""

import sys
from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, str(Path(__file__).parent))
from test_onnx_oracle import Hand, compare, engine_fields  # noqa: E402
from onnxprobe import probe  # noqa: E402

from scnn_tools import api  # noqa: E402

pytest.importorskip("onnxruntime")


def _int(net, name, values, dims=None):
    array = np.asarray(values, np.int64)
    net.inits.append(numpy_helper.from_array(array.reshape(dims) if dims is not None else array, name))
    return name


def torch_unpool(net, x, kernel, strides, size, pads=(0, 0, 0, 0), offset=None, plane=True):
    """The nodes torch 2.13's exporter writes for MaxPool2d(return_indices=True) of x, a 1 x 1 convolution of
    the pooled map, then max_unpool2d back to `size` (H, W), as in segnet_unpool.onnx (node for node, names
    aside). offset: the constant added per channel (torch: c * Ho * Wo). (pooled, unpooled)."""
    c, k = net.channels, len(net.nodes)
    ho, wo = size
    pooled, where, every, first = f"pooled{k}", f"where{k}", f"every{k}", f"first{k}"
    net.nodes.append(helper.make_node("MaxPool", [x], [pooled, where], name=pooled, kernel_shape=list(kernel),
                                      strides=list(strides), pads=list(pads), ceil_mode=0, dilations=[1, 1],
                                      storage_order=0))
    net.nodes.append(helper.make_node("MaxPool", [x], [f"ones{k}", every], name=f"ones{k}", kernel_shape=[1, 1],
                                      strides=[1, 1], ceil_mode=0, dilations=[1, 1], storage_order=0))
    indices = where
    if plane:
        net.nodes.append(helper.make_node("Slice", [every, _int(net, f"s{k}", [0, 0]), _int(net, f"e{k}", [1, 1]),
                                                    _int(net, f"a{k}", [2, 3])], [first], name=first))
        indices = net.node("Sub", [where, first])
    values = net.conv(pooled, (1, 1))
    offsets = [i * ho * wo for i in range(c)] if offset is None else offset
    added = net.node("Add", [indices, _int(net, f"mul{k}", offsets, [1, c, 1, 1])])
    flat = _int(net, f"flat{k}", [-1])
    zeros = net.node("ConstantOfShape", [_int(net, f"size{k}", [1, c, ho, wo])])
    scatter = net.node("ScatterND", [net.node("Reshape", [zeros, flat]),
                                     net.node("Unsqueeze", [net.node("Reshape", [added, flat]), flat]),
                                     net.node("Reshape", [values, flat])])
    return pooled, net.node("Reshape", [scatter, f"size{k}"])


def max_unpool(net, x, kernel, strides, size, pads=(0, 0, 0, 0)):
    """The same net with ONNX's MaxUnpool in place of torch's nodes."""
    k = len(net.nodes)
    pooled, where = f"pooled{k}", f"where{k}"
    attrs = dict(kernel_shape=list(kernel), strides=list(strides), pads=list(pads))
    net.nodes.append(helper.make_node("MaxPool", [x], [pooled, where], name=pooled, **attrs))
    values = net.conv(pooled, (1, 1))
    shape = _int(net, f"size{k}", [1, net.channels, *size])
    return pooled, net.node("MaxUnpool", [values, where, shape], **attrs)


def test_the_unpooled_field_is_the_window_its_value_came_from_by_hand():
    """Kernel 2, stride 2 on 6 x 8 after a 1 x 1 convolution: unpooled (y, x) holds the value of pooled
    (y // 2, x // 2) or 0, the max of input rows 2 (y // 2) and 2 (y // 2) + 1: its field along h is those two
    rows, along w those two columns. Before, the Reshape after the flat ScatterND had no field at all."""
    net = Hand(6, 8)
    _, top = torch_unpool(net, net.conv("x", (1, 1)), (2, 2), (2, 2), (6, 8))
    ours, _ = engine_fields(net.model(top))
    shape, axes = ours[top]
    assert shape == [6, 8] and set(axes) == {0, 1}
    for y in range(6):
        assert [tuple(r) for r in axes[0].at(y)] == [(2 * (y // 2), 2 * (y // 2) + 1)]
    for x in range(8):
        assert [tuple(r) for r in axes[1].at(x)] == [(2 * (x // 2), 2 * (x // 2) + 1)]


@pytest.mark.parametrize("kernel, strides, pads, hw, size", [
    ((2, 2), (2, 2), (0, 0, 0, 0), (8, 10), (8, 10)),
    ((3, 3), (2, 2), (1, 1, 1, 1), (9, 10), (9, 10)),   # overlapping windows, padded
    ((3, 2), (2, 2), (0, 0, 0, 0), (9, 8), (10, 8)),    # a taller output than the pooled map (SegNet's sizes)
])
def test_fields_through_torchs_nodes_are_maxunpools_and_onnxruntimes(kernel, strides, pads, hw, size):
    """Position by position, the field of every blob after the unpooling equals the one through a MaxUnpool
    node in the same net; and it holds every pixel onnxruntime's probe finds (exact=False, as for MaxUnpool:
    a raise moves a maximum, so the probe sees one position of a window where any may take the value)."""
    nets, tops = [], []
    for unpool in (torch_unpool, max_unpool):
        net = Hand(*hw)
        _, top = unpool(net, net.conv("x", (3, 3), pads=(1, 1, 1, 1)), kernel, strides, size, pads)
        tops.append(net.conv(top, (3, 3), pads=(1, 1, 1, 1)))
        nets.append((net, top))
    (torch_net, torch_top), (onnx_net, onnx_top) = nets
    ours, _ = engine_fields(torch_net.model(tops[0]))
    theirs, _ = engine_fields(onnx_net.model(tops[1]))
    for a, b in ((torch_top, onnx_top), (tops[0], tops[1])):
        (shape, axes), (shape_b, axes_b) = ours[a], theirs[b]
        assert shape == shape_b == list(size) and set(axes) == set(axes_b) == {0, 1}
        for axis in (0, 1):
            for o in range(-2, shape[axis] + 2):
                assert axes[axis].at(o) == axes_b[axis].at(o), (a, axis, o)
    model = torch_net.model(tops[0])
    bad, compared, unknown = compare(model, probe(model, [torch_top, tops[0]], "lines"), exact=False)
    assert not bad and sorted(compared) == sorted([torch_top, tops[0]]), (bad, unknown)


@pytest.mark.parametrize("change, said", [
    (dict(offset=[0, 7]), "is not each plane's first position"),
    (dict(size=(6, 9)), "rows of 8 positions and its output's rows have 9"),
    (dict(size=(4, 8)), "beyond its output's 4 rows"),
])
def test_where_the_numbers_do_not_make_an_unpooling_the_field_is_unknown_and_said(tmp_path, change, said):
    """The same nodes with another channel offset (values land in the wrong plane), a wider output (torch's
    y * W + x read against Wo lands elsewhere) or a shorter one (a window's rows beyond it): no field, a reason."""
    net = Hand(6, 8)
    args = dict(size=(6, 8))
    args.update(change)
    _, top = torch_unpool(net, net.conv("x", (1, 1)), (2, 2), (2, 2), **args)
    path = tmp_path / "m.onnx"
    path.write_bytes(net.model(top).SerializeToString())
    result = api.analyze(path)
    (last,) = [o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == top]
    assert last["rf"] is None
    (why,) = [w["message"] for w in result["warnings"] if "max_unpool2d" in w["message"]]
    assert said in why


def test_the_exported_segnet_unpools_with_fields_to_its_logits():
    """tests/onnx_models/segnet_unpool.onnx (make.py, torch 2.13): two unpoolings, after which the fields went
    on where before they stopped at the first ScatterND. Parameters and memory are unchanged (the blobs the
    unpooling's fields read are not read again)."""
    result = api.analyze(Path(__file__).parent / "onnx_models" / "segnet_unpool.onnx")
    rf = {o["blob"]: o["rf"] for layer in result["layers"] for o in layer["outputs"]}
    # encoder: conv3 (3), pool2 (4, jump 2), conv3 (8), pool2 (10, jump 4); unpooling to 32: the pooled
    # window's 10 at jump 2; conv3: 10 + 2 * 2 = 14; unpooling to 64: 14 at jump 1; two conv3: 16, 18.
    assert (rf["view_4"]["size"], rf["view_4"]["jump"]) == ([10, 10], [2, 2])
    assert (rf["view_9"]["size"], rf["view_9"]["jump"]) == ([14, 14], [1, 1])
    assert (rf["logits"]["size"], rf["logits"]["jump"]) == ([18, 18], [1, 1])
    assert result["totals"]["params"] == 12402 and result["memory"]["caffe"] == 5292224
    assert not [w for w in result["warnings"] if "max_unpool2d" in w["message"]]

"""Reading a model without copying its weights (netfile/onnxfile.parse_model): the large initializers'
raw_data stays out of the parsed ModelProto, and is read only where a value is folded from it."""

import numpy as np
import pytest

from scnn_tools.engine.analysis import Analysis
from scnn_tools.netfile import onnxfile
from scnn_tools.netfile.reader import read_bytes, read_net

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

# Large enough to be left out (onnxfile.RAW_LIMIT bytes): 20,000 float32 and 10,000 int64.
BIG = 20_000


def model():
    """A Conv reading a large weight, and a Reshape whose target is gathered from a large int64 initializer
    (so its values are folded from raw_data the parse left out)."""
    table = np.arange(10_000, dtype=np.int64)
    table[:4] = [1, 3, 64, 1]
    inits = [numpy_helper.from_array(np.full((BIG // 27 + 1, 3, 3, 3), 0.5, np.float32), "w"),
             numpy_helper.from_array(table, "table"),
             numpy_helper.from_array(np.array([0, 1, 2, 3], np.int64), "first"),
             numpy_helper.from_array(np.ones(4, np.float32), "small")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Gather", ["table", "first"], ["target"], name="gather"),
             helper.make_node("Reshape", ["x", "target"], ["r"], name="reshape")]
    graph = helper.make_graph(nodes, "big", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("c", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("r", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_large_raw_data_is_left_out_of_the_parse_and_given_apart():
    m = model()
    data = m.SerializeToString()
    parsed, raws = onnxfile.parse_model(data, "big.onnx")
    full = [t.raw_data for t in m.graph.initializer]
    assert sorted(raws) == [0, 1]
    assert [bytes(raws[i]) for i in (0, 1)] == full[:2]
    # Everything else as protobuf's parse of the whole file has it.
    got = [(t.name, list(t.dims), t.data_type, t.raw_data) for t in parsed.graph.initializer]
    assert got == [(t.name, list(t.dims), t.data_type, b"" if i < 2 else t.raw_data)
                   for i, t in enumerate(m.graph.initializer)]
    assert [n.SerializeToString() for n in parsed.graph.node] == [n.SerializeToString() for n in m.graph.node]
    assert parsed.graph.input[0].SerializeToString() == m.graph.input[0].SerializeToString()


@pytest.mark.parametrize("how", ["file", "bytes"])
def test_a_value_folded_from_left_out_raw_data_is_the_file_s(tmp_path, how):
    data = model().SerializeToString()
    if how == "file":
        path = tmp_path / "big.onnx"
        path.write_bytes(data)
        netfile = read_net(str(path))
    else:
        netfile = read_bytes(data, "big.onnx")
    a = Analysis(netfile)
    shapes = {a.graph.blobs[t].name: a.shapes.blobs[t] for node in a.graph.nodes for t in node.tops}
    assert shapes["r"] == [1, 3, 64, 1]
    assert shapes["c"] == [1, BIG // 27 + 1, 8, 8]


def test_bytes_that_do_not_walk_as_a_model_are_left_to_protobuf():
    data = model().SerializeToString()
    assert onnxfile._without_raw_data(memoryview(data[:-3])) is None
    assert onnxfile.parse_model(data[:-3], "big.onnx") is None


def test_each_node_is_read_once_into_a_record_the_rules_read():
    """The layer of a node holds no copy of it to parse again (its onnx_param is an Input's alone): the rules
    read the node's record, which holds the parsed NodeProto and its inputs' sources."""
    from scnn_tools.netfile.onnxfile import Source
    netfile = read_bytes(model().SerializeToString(), "big.onnx")
    layers, records = list(netfile.net.layer), netfile.onnx_layers
    assert [layer.type for layer in layers] == ["onnx.Input", "onnx.Conv", "onnx.Reshape"]
    assert records[0] is None and layers[0].HasField("onnx_param")
    assert [layer.HasField("onnx_param") for layer in layers[1:]] == [False, False]
    conv, reshape = records[1:]
    assert (conv.node.op_type, conv.node.name, list(conv.node.input)) == ("Conv", "conv", ["x", "w"])
    assert [(i.name, i.source, i.dims) for i in conv.inputs] == [("x", Source.DATA, ()),
                                                                 ("w", Source.WEIGHT, [BIG // 27 + 1, 3, 3, 3])]
    # Gather's folded value is a constant the Reshape reads.
    assert reshape.inputs[1].source == Source.CONSTANT and reshape.data_bottoms == 1


def _misnamed(nodes):
    """The model's bytes with `nodes` first and the conv node's name made bytes that are not UTF-8."""
    m = model()
    m.graph.node[0].name = "conv\u00e9"  # (two bytes in UTF-8: 0xc3 0xa9)
    kept = list(m.graph.node)
    del m.graph.node[:]
    m.graph.node.extend(nodes + kept)
    data = m.SerializeToString()
    assert data.count("conv\u00e9".encode()) == 1
    return data.replace("conv\u00e9".encode(), b"conv\xff\xfe")


@pytest.mark.parametrize("also", ["nothing", "a missing input"])
def test_a_name_that_is_not_text_is_said_whatever_else_is_wrong(also):
    """The reader checks each name as it reads it; where the file is damaged otherwise too (a node reading
    a value nothing gives, which the reader meets first), the name is what it says, as it was when every
    name was checked before reading."""
    from scnn_tools.errors import InputError
    extra = [] if also == "nothing" else [helper.make_node("Relu", ["nowhere"], ["y"], name="relu")]
    data = _misnamed(extra)
    with pytest.raises(InputError, match="a name in it is not UTF-8 text"):
        read_bytes(data, "big.onnx")


def test_the_reader_s_numbers_are_the_schema_s():
    """onnxfile names the attribute types and the external data location by number, not through a message."""
    from scnn_tools.onnx_model_pb2 import AttributeProto as A, TensorProto as T
    assert (onnxfile._FLOAT, onnxfile._INT, onnxfile._STRING, onnxfile._TENSOR, onnxfile._GRAPH, onnxfile._FLOATS,
            onnxfile._INTS, onnxfile._STRINGS) == (A.FLOAT, A.INT, A.STRING, A.TENSOR, A.GRAPH, A.FLOATS, A.INTS,
                                                   A.STRINGS)
    assert onnxfile._EXTERNAL == T.EXTERNAL
    node = helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], alpha=0.5, mode="a", group=2)
    assert onnxfile.attributes(node) == {"pads": [1, 1, 1, 1], "alpha": 0.5, "mode": "a", "group": 2}
    assert type(onnxfile.attributes(node)["pads"]) is list

"""One row per registered layer type, as torch-scan keeps a table per module.

Each row is one small net: an Input layer per bottom (named b0, b1, ...) and
the layer under test (named "l"), with the tops' shapes, the layer's learnable
parameters and its multiply-adds per image that Caffe's definition of the
type gives. The comment above a row works those numbers out from the type's
Caffe source (the file is named), never from scnn-tools' output. A new type
adds a row; a type without one fails `test_every_type_has_a_row`.
"""

from collections import namedtuple

import pytest

from scnn_tools.analysis import Analysis, layer_cost, report
from scnn_tools.errors import InputError
from scnn_tools.graph import build
from scnn_tools.layers import names
from scnn_tools.reader import read_text
from scnn_tools.shapes import infer

# type: the registered name ("Python.module.Layer" for a Python layer's class);
# layer: its prototxt, named "l", reading b0, b1, ...; bottoms: their shapes;
# tops: the expected shapes (None for a dimension that cannot be known);
# params: learnable parameters; macc: multiply-adds per image.
Row = namedtuple("Row", "type layer bottoms tops params macc")

ROWS = [
    # ---------------------------------------------------------------- section A
    # data, conv, pool, inner, merge, resize, and the Python layers' classes

    # ---------------------------------------------------------------- section B
    # reshape, elementwise, detection, misc (losses, metrics, outputs, recurrent)

]


def net_text(row):
    inputs = [f'layer {{ name: "b{i}" type: "Input" top: "b{i}" input_param {{ shape {{ '
              + " ".join(f"dim: {d}" for d in shape) + " } } }"
              for i, shape in enumerate(row.bottoms)]
    return "\n".join(inputs + [row.layer]) + "\n"


def analysed(row):
    netfile = read_text(net_text(row), f"{row.type}.prototxt")
    try:
        result = report(Analysis(netfile))
    except InputError:
        if row.bottoms:
            raise
        return declared(netfile)
    (layer,) = [entry for entry in result["layers"] if entry["name"] == "l"]
    return layer


def declared(netfile):
    """A data layer whose own first top is not fully declared (a database's channels): Analysis refuses
    such an image without --input-shape, so the shapes come from shapes.infer, which does not require it,
    and the cost from the same layer_cost the report uses."""
    graph = build(netfile, "TEST")
    shapes = infer(graph)
    (node,) = [n for n in graph.nodes if n.name == "l"]
    params, macc, _ = layer_cost(None, node, set())  # (a source layer's cost needs no analysis)
    return {"outputs": [{"shape": shapes.blobs[t]} for t in node.tops], "params": params, "macc": macc}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.type)
def test_row(row):
    layer = analysed(row)
    assert [tuple(o["shape"]) if o["shape"] is not None else None for o in layer["outputs"]] == \
        [tuple(t) if t is not None else None for t in row.tops]
    assert (layer["params"], layer["macc"]) == (row.params, row.macc)


def test_every_type_has_a_row():
    assert sorted(set(names()) - {row.type for row in ROWS}) == []

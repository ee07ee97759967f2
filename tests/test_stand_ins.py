"""A rule run at stand-in sizes (a dynamic axis, a count nobody knows: engine/shapes.py runs the rules at
made-up values) must not read a stand-in as a size: Squeeze without axes drops every axis of size 1, and
whether a dynamic axis is 1 is not known; with axes, the model says the axis is 1 (it fails otherwise)."""

import pytest

from onnxrow import text_model

from scnn_tools import api

pytest.importorskip("onnx")


def analysed(tmp_path, text):
    path = tmp_path / "m.onnx"
    path.write_bytes(text_model(text).SerializeToString())
    result = api.analyze(path)
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    return shapes, [w["message"] for w in result["warnings"] if w["code"] == "unknown-by-rule"]


def test_squeeze_without_axes_of_a_dynamic_axis_is_unknown_and_says_why(tmp_path):
    """(1, 3, H, 1) squeezed without axes is (3, H) where H > 1 and (3) where H = 1: the rank turns on H.
    Before, the stand-in H (10007) was read as "not 1" and the top given as (3, ?)."""
    shapes, said = analysed(tmp_path, """g (float[1,3,H,W] x) => (y) {
        r = ReduceMean <axes = [3], keepdims = 1> (x)
        y = Squeeze (r)
    }""")
    assert shapes["r"] == [1, 3, None, 1]
    assert shapes["y"] is None
    (why,) = said
    assert "whether axis 2 is 1 depends on a size not known" in why


def test_squeeze_without_axes_of_a_count_is_unknown_and_says_why(tmp_path):
    """NonMaxSuppression's rows are a count the data decides (the shapes run it at 1, 2 and 3): a count of 1
    would be squeezed away, one of 2 kept."""
    shapes, said = analysed(tmp_path, """g (float[1,6,4] b, float[1,3,6] s) => (y) <int64[1] m = {2}> {
        n = NonMaxSuppression (b, s, m)
        y = Squeeze (n)
    }""")
    assert shapes["n"] == [None, 3] and shapes["y"] is None
    assert any("whether axis 0 is 1" in why for why in said)


def test_squeeze_of_a_dynamic_axis_named_in_axes_drops_it(tmp_path):
    """Squeeze axes {2} of (1, 3, H, W): the model says H is 1, so the top is (1, 3, W) whatever the sizes.
    Before, the stand-in H failed the size-1 check and the top was unknown (with nothing said)."""
    shapes, said = analysed(tmp_path, """g (float[1,3,H,W] x) => (y) <int64[1] s = {2}> { y = Squeeze (x, s) }""")
    assert shapes["y"] == [1, 3, None] and not said


@pytest.mark.parametrize("text, want", [
    # a global pooling's 1s are 1 at every size: exact without axes
    ("g (float[1,3,H,W] x) => (y) { r = GlobalAveragePool (x)\n y = Squeeze (r) }", [3]),
    # known sizes: as before
    ("g (float[1,3,1,W] x) => (y) <int64[1] s = {2}> { y = Squeeze (x, s) }", [1, 3, None]),
])
def test_squeeze_where_every_size_it_reads_is_known_is_exact(tmp_path, text, want):
    shapes, said = analysed(tmp_path, text)
    assert shapes["y"] == want and not said

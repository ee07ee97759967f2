"""Unknown is never silent in an ONNX model: an attribute no rule of its operator reads, a custom domain's
operator, and each place a rule leaves a shape or a field unknown is a warning naming the node and why; and
where an attribute may change what a node computes, its outputs are unknown, not computed as if it were
absent."""

import pytest

from onnxrow import text_model

from scnn_tools import api
from scnn_tools.net.layers import registry

onnx = pytest.importorskip("onnx")


def analysed(tmp_path, text, opset=17, **kw):
    path = tmp_path / "m.onnx"
    path.write_bytes(text_model(text, opset).SerializeToString())
    result = api.analyze(path, **kw)
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    rfs = {o["blob"]: o["rf"] for layer in result["layers"] for o in layer["outputs"]}
    return result["warnings"], shapes, rfs


def coded(warnings, code):
    return [w for w in warnings if w["code"] == code]


CONV = """g (float[1,3,16,16] x) => (y) <float[8,3,3,3] w> {
    c = Conv <pads = [1, 1, 1, 1], %s> (x, w)
    y = Relu (c)
}"""


@pytest.mark.parametrize("attribute", ["stride = [2, 2]", 'vendor_hint = "fast"'])
def test_an_attribute_no_rule_reads_is_warned_and_the_outputs_are_unknown(tmp_path, attribute):
    # (a typo of strides would give 8 x 8 in onnxruntime's eyes if it were strides; read as absent, 16 x 16)
    text = CONV % attribute
    model = text_model(text)
    model.graph.node[0].name = "conv1"
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    result = api.analyze(path)
    (w,) = coded(result["warnings"], "onnx-unread-attribute")
    name = attribute.split()[0]
    assert w["layer"] == "conv1" and f"attribute {name} " in w["message"] and "(Conv)" in w["message"]
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    assert shapes["c"] is None and shapes["y"] is None
    (later,) = coded(result["warnings"], "unknown-shape")
    assert name in later["message"]  # (what follows says why it is unknown)
    assert result["totals"]["macc"] is None


def test_the_attributes_a_rule_reads_warn_nothing(tmp_path):
    warnings, shapes, _ = analysed(tmp_path, CONV % "strides = [2, 2], dilations = [1, 1]")
    assert not coded(warnings, "onnx-unread-attribute") and shapes["y"] == [1, 8, 8, 8]


def test_a_legacy_broadcast_is_unknown_unless_it_is_numpys(tmp_path):
    # Add-6 with broadcast = 1 aligns B at `axis` (B (3) on axis 1 of A (1, 3, 4, 4)), not as numpy does.
    text = """g (float[1,3,4,4] a, float[3] b) => (y) { y = Add <broadcast = %d, axis = 1> (a, b) }"""
    warnings, shapes, _ = analysed(tmp_path, text % 1, opset=6, input_shape=[1, 3, 4, 4])
    (w,) = coded(warnings, "onnx-unread-attribute")
    assert "broadcast = 1" in w["message"] and shapes["y"] is None
    text = """g (float[1,3,4,4] a, float[4] b) => (y) { y = Add <broadcast = 0> (a, b) }"""
    warnings, shapes, _ = analysed(tmp_path, text, opset=6, input_shape=[1, 3, 4, 4])
    assert not coded(warnings, "onnx-unread-attribute") and shapes["y"] == [1, 3, 4, 4]


def test_every_attribute_of_an_operator_in_the_spec_is_read_or_listed_as_unread():
    """Each ONNX rule says which of its operator's attributes (at every opset) it reads; the few it does not
    (a legacy form no exporter writes now) are named here, so that a new opset's attribute is a decision."""
    from onnx import defs
    unread = {"Reshape": {"shape"}, "Pad": {"paddings"}, "Upsample": {"height_scale", "width_scale"}}
    spec = {}
    for schema in defs.get_all_schemas_with_history():
        if schema.domain == "":
            spec.setdefault(schema.name, set()).update(schema.attributes)
    for kind in registry.kinds():
        op = kind.name[len(registry.ONNX):]
        if not kind.name.startswith(registry.ONNX) or op == "Input" or op not in spec and "." in op:
            continue  # (another domain's operator, com.microsoft's: no schema in onnx to hold its rules to)
        check = kind.check
        missing = spec[op] - check.reads - set(check.defaults) - unread.get(op, set())
        assert not missing, f"{op}: the rules do not say whether they read {sorted(missing)}"
        assert not (check.reads | set(check.defaults)) - spec[op], op


def test_a_custom_domain_operator_is_unknown_naming_domain_and_op(tmp_path):
    from onnx import helper
    model = text_model("""g (float[1,3,8,8] x) => (y) { r = Relu (x)
                          y = Identity (r) }""")
    node = model.graph.node[0]
    node.op_type, node.domain, node.name = "FusedGelu", "com.microsoft", "fg"
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    result = api.analyze(path)
    (w,) = coded(result["warnings"], "onnx-custom-operator")
    assert "'FusedGelu'" in w["message"] and "'com.microsoft'" in w["message"] and w["layer"] == "fg"
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    assert shapes["r"] is None and shapes["y"] is None


# ------------------------------------------------------------------ rules that leave something unknown
def said(warnings):
    return [w["message"] for w in coded(warnings, "unknown-by-rule")]


def test_tiled_axes_have_no_field_and_say_so(tmp_path):
    text = """g (float[1,3,8,8] x) => (y) <int64[4] r = {1, 1, 2, 1}> { y = Tile (x, r) }"""
    warnings, shapes, rfs = analysed(tmp_path, text)
    assert shapes["y"] == [1, 3, 16, 8]
    (message,) = said(warnings)
    assert "axis 2" in message and "repeats" in message
    assert rfs["y"]["size"] == [None, 1]  # (h unknown, w read position by position)


def test_group_normalisation_over_some_channels_says_the_channel_axis_is_unknown(tmp_path):
    text = """g (float[1,4,6,6] x) => (y) <float[2] s, float[2] b> {
              y = GroupNormalization <num_groups = 2> (x, s, b) }"""
    warnings, shapes, _ = analysed(tmp_path, text, opset=18)
    (message,) = said(warnings)
    assert "group of 2 channels" in message and shapes["y"] == [1, 4, 6, 6]


def test_data_indexed_gather_says_its_axes_have_no_field(tmp_path):
    text = """g (float[1,3,8,8] x, int64[5] i) => (y) { y = Gather <axis = 3> (x, i) }"""
    warnings, shapes, rfs = analysed(tmp_path, text, input_shape=[1, 3, 8, 8])
    assert shapes["y"] == [1, 3, 8, 5]
    (message,) = said(warnings)
    assert "indices are not known" in message and "axis 3" in message
    assert rfs["y"]["size"] == [1, None]


def test_constant_indices_that_are_no_run_say_so(tmp_path):
    text = """g (float[1,3,8,8] x) => (y) <int64[3] i = {0, 5, 1}> { y = Gather <axis = 2> (x, i) }"""
    warnings, shapes, _ = analysed(tmp_path, text)
    (message,) = said(warnings)
    assert "[0, 5, 1]" in message and shapes["y"] == [1, 3, 3, 8]


def test_a_backwards_slice_says_its_axis_has_no_field(tmp_path):
    text = """g (float[1,3,8,8] x) => (y) <int64[1] s = {-1}, int64[1] e = {-100}, int64[1] a = {3}, int64[1] p = {-1}>
              { y = Slice (x, s, e, a, p) }"""
    warnings, shapes, rfs = analysed(tmp_path, text)
    (message,) = said(warnings)
    assert "axis 3" in message and "step -1" in message and shapes["y"] == [1, 3, 8, 8]
    assert rfs["y"]["size"] == [1, None]


def test_antialias_with_tf_crop_and_resize_says_its_axes_have_no_field(tmp_path):
    text = """g (float[1,1,8,8] x) => (y) <float[4] roi = {0.0, 0.0, 1.0, 1.0}, int64[2] sz = {4, 4},
              int64[2] ax = {2, 3}> { y = Resize <mode = "linear", antialias = 1, axes = [2, 3],
              coordinate_transformation_mode = "tf_crop_and_resize"> (x, roi, , sz) }"""
    warnings, shapes, rfs = analysed(tmp_path, text, opset=18)
    assert shapes["y"] == [1, 1, 4, 4]
    assert len(said(warnings)) == 2 and all("antialiasing" in m for m in said(warnings))
    assert rfs["y"] is None


def test_a_shape_known_only_when_the_net_runs_says_why(tmp_path):
    # The Reshape's target is data (a graph input): its output and what follows are unknown, and say why, once:
    # in the warning where the unknown shape starts (the rule's own line would repeat it).
    text = """g (float[1,3,4,4] x, int64[2] s) => (y) { r = Reshape (x, s)
              y = Relu (r) }"""
    warnings, shapes, _ = analysed(tmp_path, text, input_shape=[1, 3, 4, 4])
    assert shapes["r"] is None
    assert not any("shape (input 1) is not known" in m for m in said(warnings))
    (later,) = coded(warnings, "unknown-shape")
    assert "shape (input 1) is not known" in later["message"]


def test_a_top_k_of_a_computed_k_says_its_axis_is_unknown(tmp_path):
    text = """g (float[1,3,8,8] x, int64[1] k) => (v, i) { v, i = TopK <axis = 3> (x, k) }"""
    warnings, shapes, _ = analysed(tmp_path, text, input_shape=[1, 3, 8, 8])
    assert shapes["v"] == [1, 3, 8, None]
    assert any("K (input 1) is not known" in m for m in said(warnings))


# ------------------------------------------------------------------ fields that are not products (engine/products.py)
def test_a_feature_of_the_narrower_part_of_an_h_concat_has_its_own_w_box(tmp_path):
    """x (8 x 12) -> a 3x3 convolution (pads 1) and a 7x7 one (pads 3), concatenated along h (16 x 12).
    Feature (2, 5) lies in the 3x3 part: it sees rows 1..3 and columns 4..6, 3 x 3. The centre feature
    (7, 5), also in that part, sees rows 6..7 of the image (row 8 is padding) and columns 4..6: area 6.
    rf.size (the largest box, 7 x 7, the 7x7 part's) and uniform false are right either way."""
    text = """g (float[1,1,8,12] x) => (y) <float[1,1,3,3] a, float[1,1,7,7] b> {
        p = Conv <pads = [1, 1, 1, 1]> (x, a)
        q = Conv <pads = [3, 3, 3, 3]> (x, b)
        y = Concat <axis = 2> (p, q)
    }"""
    path = tmp_path / "m.onnx"
    path.write_bytes(text_model(text).SerializeToString())
    result = api.analyze(path)
    y = [o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "y"][0]
    assert y["rf"]["size"] == [7, 7] and y["rf"]["uniform"] is False
    box = api.query(path, "y", 2, 5)["box"]
    assert box == {"y": [1, 3], "x": [4, 6]} and y["scale"]["area"] == 6

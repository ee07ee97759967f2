"""The text-format parser: equal to protobuf's own on real files, tolerant of forks, precise on errors."""

import math

import pytest
from google.protobuf import text_format

from scnn_tools import caffe_pb2
from scnn_tools.netfile import textformat
from scnn_tools.errors import InputError

import realcaffe
from conftest import corpus_files, corpus_id, needs_shared


def parse(text):
    net = caffe_pb2.NetParameter()
    parsed = textformat.parse(text, net, "t.prototxt")
    return net, parsed


def error(text):
    with pytest.raises(InputError) as info:
        parse(text)
    return info.value


@needs_shared
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_equal_to_protobuf_text_format_on_the_corpus(path):
    text = path.read_text(encoding="utf-8")
    reference = caffe_pb2.NetParameter()
    try:
        text_format.Parse(text, reference)
    except text_format.ParseError:
        pytest.skip("protobuf's own parser rejects this file (a template); see test_reader")
    ours, parsed = parse(text)
    assert ours == reference
    assert parsed.warnings == []


def test_grammar_forms():
    net, _ = parse("""
        name: 'a' "b" # adjacent strings concatenate
        input: "data"; input_dim: [1, 3, 0x10, 010]
        layer < name: "c\\"q" type: "Convolution" >
        layer: { name: "d", type: "Pooling", pooling_param { pool: AVE kernel_size: 2 } }
        layer { name: "e" type: "Power" power_param { power: 1e-3 scale: 2.5f shift: -inf } }
        layer { name: "f" type: "Eltwise" eltwise_param { operation: 2 coeff: [] } propagate_down: t }
    """)
    assert net.name == "ab"
    assert list(net.input_dim) == [1, 3, 16, 8]
    assert net.layer[0].name == 'c"q'
    assert net.layer[1].pooling_param.pool == caffe_pb2.PoolingParameter.AVE
    p = net.layer[2].power_param
    assert math.isclose(p.power, 1e-3, rel_tol=1e-6) and p.scale == 2.5 and p.shift == -math.inf
    assert net.layer[3].eltwise_param.operation == caffe_pb2.EltwiseParameter.MAX
    assert list(net.layer[3].propagate_down) == [True]


def test_unknown_field_is_skipped_with_a_warning_naming_field_layer_and_line():
    net, parsed = parse("""layer {
  type: "Convolution"
  convolution_param {
    num_output: 8
    fancy_mode: true
    fancy_block { inner { x: 1 } list: [1, 2] }
    kernel_size: 3
  }
  name: "conv1"
}
layer { name: "relu1" type: "ReLU" }
""")
    assert [w["code"] for w in parsed.warnings] == ["unknown-field", "unknown-field"]
    first, second = parsed.warnings
    assert "fancy_mode" in first["message"] and "ConvolutionParameter" in first["message"]
    assert first["line"] == 5 and second["line"] == 6
    assert first["_context"] == ("layer", 0)
    # Everything around the unknown fields is still read.
    assert net.layer[0].convolution_param.num_output == 8
    assert list(net.layer[0].convolution_param.kernel_size) == [3]
    assert [layer.name for layer in net.layer] == ["conv1", "relu1"]


def test_unknown_enum_value_is_skipped_with_a_warning():
    net, parsed = parse('layer { name: "p" pooling_param { pool: MEDIAN kernel_size: 2 } }')
    (w,) = parsed.warnings
    assert w["code"] == "unknown-enum-value" and "MEDIAN" in w["message"] and "MAX, AVE" in w["message"]
    assert not net.layer[0].pooling_param.HasField("pool")
    assert net.layer[0].pooling_param.kernel_size == 2


def test_a_singular_field_given_twice_warns_and_keeps_the_last():
    net, parsed = parse('name: "a"\nname: "b"')
    assert net.name == "b"
    assert parsed.warnings[0]["code"] == "duplicate-field" and parsed.warnings[0]["line"] == 2
    assert "Caffe refuses" in parsed.warnings[0]["message"]


TWICE = """input: "data"
input_shape { dim: 1 dim: 3 dim: 20 dim: 20 }
layer { name: "c" type: "Convolution" bottom: "data" top: "c"
  convolution_param { num_output: 4 kernel_size: 3 %s } %s }
"""


@pytest.mark.parametrize("given_twice", [("bias_term: false bias_term: true", ""),
                                         ("", "convolution_param { stride: 2 }")])
def test_real_caffe_refuses_what_the_duplicate_warning_says_it_refuses(given_twice):
    realcaffe.needs()
    text = TWICE % given_twice
    assert not realcaffe.shapes(text)["load_ok"]
    _, parsed = parse(text)
    assert [w["code"] for w in parsed.warnings] == ["duplicate-field"]


def test_lines_of_top_level_blocks_are_recorded():
    _, parsed = parse('name: "n"\n\nlayer {\n}\n# c\nlayer { name: "x" }\n')
    assert parsed.lines["layer"] == [3, 6]


@pytest.mark.parametrize("text, line, col, words", [
    ('layer {\n  name: "a"\n', 3, 1, "end of file: expected '}'"),
    ('layer { name: "a" }\n}\n', 2, 1, "unexpected '}'"),
    ('layer {\n  name "a"\n}', 2, 8, "expected ':' after name"),
    ('layer {\n  convolution_param { num_output: "8" }\n}', 2, 35, "bad value for num_output"),
    ('layer { convolution_param { num_output: -8 } }', 1, 41, "out of range"),
    ('layer { convolution_param { num_output: 1.5 } }', 1, 41, "expected an integer"),
    ('layer { name: "a\n" }', 1, 15, "unterminated string"),
    ('layer { name: "a" } @', 1, 21, "unexpected character '@'"),
    ('layer { 12: "a" }', 1, 9, "expected a field name"),
    ('layer { name: }', 1, 15, "bad value for name"),
    ('name: [1]', 1, 7, "takes one value"),
    ('input_dim: [1 2]', 1, 15, "expected ',' or ']'"),
])
def test_syntax_errors_name_line_and_column(text, line, col, words):
    e = error(text)
    assert (e.line, e.col) == (line, col), str(e)
    assert words in e.message
    assert str(e).startswith(f"t.prototxt:{line}:{col}: ")


def test_template_placeholders_are_named():
    e = error('layer {\n name: "fc8_${EXP}"\n convolution_param { num_output: ${NUM_LABELS} }\n'
              ' bottom: "${X}" top: ${TOP}\n}\n')
    assert (e.line, e.col) == (3, 34)
    assert "${NUM_LABELS}, ${TOP}" in e.message
    assert "${EXP}" not in e.message  # inside a quoted string it is ordinary text


# Blocks of one shape (a generated SCNN block's thousands of layers) are parsed once and the others copied with
# their own strings: every copy must read as that block alone would, positions and warnings included.
def test_blocks_that_differ_only_in_their_strings_read_as_each_alone():
    rows = [("a", '"in"', "gaussian"), ('b\\"q', "'in2'", "ms\\x72a"), ("c", '"in3"', ""), ("d", '"i" "n4"', "x")]
    text = "".join(f'layer {{ name: "{n}" type: "Convolution" bottom: {b} top: "{n}" top: "x"\n'
                   f'  param {{ name: "w" }} convolution_param {{ num_output: 8 weight_filler {{ type: "{f}" }} }} }},\n'
                   for n, b, f in rows)
    net, parsed = parse(text)
    reference = caffe_pb2.NetParameter()
    text_format.Parse(text, reference)
    assert net == reference
    assert [layer.name for layer in net.layer] == ["a", 'b"q', "c", "d"]
    assert net.layer[1].convolution_param.weight_filler.type == "msra"
    assert parsed.lines["layer"] == [1, 3, 5, 7] and parsed.warnings == []
    assert [text[s:e][-3:] for s, e in parsed.spans["layer"]] == ["} }"] * 4
    assert [text[s:e][:7] for s, e in parsed.spans["layer"]] == ["layer {"] * 4


def test_each_block_of_a_shape_that_warns_warns():
    net, parsed = parse('layer { name: "a" fancy: 1 }\nlayer { name: "b" fancy: 1 }\n'
                        'layers { name: "c" type: Fork }\nlayers { name: "d" type: Fork }\n')
    assert [(w["line"], w["_context"]) for w in parsed.warnings] == [(1, ("layer", 0)), (2, ("layer", 1))]
    assert [layer.name for layer in net.layer] == ["a", "b"]
    assert [(v1.name, v1.type_name) for v1 in net.layers] == [("c", "Fork"), ("d", "Fork")]


def test_a_bad_escape_in_a_block_of_a_shape_met_before_is_named():
    e = error('layer { name: "a" }\nlayer { name: "\\x" }\n')
    assert (e.line, e.col) == (2, 15) and "bad value for name" in e.message


def test_the_first_error_in_the_file_is_the_one_named():
    # The text is read as it is parsed, as Caffe's parser reads it: a stray character further on does not
    # hide the mistake before it.
    e = error('layer { name "a" }\nlayer { name: "b" } @\n')
    assert (e.line, e.col) == (1, 14) and "expected ':' after name" in e.message

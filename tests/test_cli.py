"""The command line, run for real: output, exit codes, and no traceback on bad input."""

import json

import pytest

from scnn_tools import __version__

from conftest import CORPUS, needs_shared, run_cli

LENET = CORPUS / "BVLC__caffe/examples/mnist/lenet.prototxt"


def test_version_and_help():
    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip() == f"scnn-tools {__version__}"
    for command in ("info", "generate"):
        code, out, _ = run_cli(command, "--help")
        assert code == 0 and f"scnn-tools {command}" in out


def test_no_command_prints_help_and_fails():
    code, _, err = run_cli()
    assert code == 2 and "commands" in err


@pytest.mark.parametrize("args, words", [
    (["info"], "the following arguments are required: NET"),
    (["info", "x", "--phase", "DEPLOY"], "invalid choice: 'DEPLOY' (choose from"),
    (["info", "x", "--format", "xml"], "invalid choice: 'xml'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_flags_say_what_is_allowed(args, words):
    code, _, err = run_cli(*args)
    assert code == 2 and words in err


@needs_shared
def test_info_text_and_json():
    code, out, err = run_cli("info", LENET)
    assert code == 0 and err == ""
    assert "LeNet" in out and "data  64x1x28x28  (Input layer 'data')" in out
    code, out, _ = run_cli("info", LENET, "--format", "json")
    report = json.loads(out)
    assert report["schema"] == "scnn-tools.info/1" and report["format"] == "V2"
    assert report["types"] == {"Convolution": 2, "Pooling": 2, "InnerProduct": 2, "Input": 1, "ReLU": 1,
                               "Softmax": 1}
    assert report["inputs"] == [{"blob": "data", "shape": [64, 1, 28, 28], "complete": True, "layer": "data",
                                 "type": "Input", "note": None}]


@needs_shared
def test_info_reads_stdin():
    code, out, _ = run_cli("info", "-", "--format", "json", stdin=LENET.read_text())
    assert code == 0 and json.loads(out)["net"] == "LeNet"


BAD = {
    "empty.prototxt": ("", "empty"),
    "garbage.prototxt": (bytes(range(256)) * 4, "neither prototxt text nor a Caffe NetParameter"),
    "truncated.prototxt": ('layer {\n  name: "a"\n  type: "ReLU"\n', ":4:1: unexpected end of file"),
    "unbalanced.prototxt": ('layer { name: "a" type: "ReLU" } }\n', ":1:34: unexpected '}'"),
    "cycle.prototxt": ('input: "d" input_dim: [1, 1, 2, 2]\nlayer { name: "A" type: "Eltwise" bottom: "d" '
                       'bottom: "b" top: "a" }\nlayer { name: "B" type: "ReLU" bottom: "a" top: "b" }\n',
                       ":2: cycle: 'A' → 'B' → 'A'"),
    "duplicate.prototxt": ('input: "d" input_dim: [1, 1, 2, 2]\nlayer { name: "A" type: "ReLU" bottom: "d" '
                           'top: "a" }\nlayer { name: "B" type: "ReLU" bottom: "d" top: "a" }\n',
                           ":3: layer 'B' writes blob 'a', which layer 'A' already wrote"),
    "missing.prototxt": ('input: "d" input_dim: [1, 1, 2, 2]\nlayer { name: "A" type: "ReLU" bottom: "e" '
                         'top: "a" }\n', ":2: layer 'A' reads blob 'e', which no layer produces"),
    "template.prototxt": ('layer { name: "a" type: "InnerProduct" inner_product_param { num_output: ${N} } }',
                          ":1:74: template placeholder ${N} must be substituted"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gets_one_clear_line_and_exit_code_2(tmp_path, name):
    content, words = BAD[name]
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run_cli("info", path)
    assert code == 2 and out == ""
    assert err.startswith(f"scnn-tools: error: {path}")
    assert words in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_unknown_layer_type_warns_and_strict_refuses(tmp_path):
    path = tmp_path / "odd.prototxt"
    path.write_text('input: "d" input_dim: [1, 1, 2, 2]\nlayer { name: "x" type: "FancyNorm" bottom: "d" top: "x" '
                    'fancy_param { k: 1 } }\n')
    code, out, _ = run_cli("info", path)
    assert code == 0
    assert "line 2: unknown field 'fancy_param' in LayerParameter; skipped" in out
    assert "line 2: unknown layer type 'FancyNorm' (layer 'x'): passed through" in out
    code, _, err = run_cli("info", path, "--strict")
    assert code == 2 and "2 warning(s) with --strict" in err


def test_missing_file(tmp_path):
    code, _, err = run_cli("info", tmp_path / "nope.prototxt")
    assert code == 2 and "nope.prototxt: no such file" in err


@needs_shared
def test_output_file_is_written_whole_and_never_over_the_input(tmp_path):
    out = tmp_path / "info.json"
    code, stdout, _ = run_cli("info", LENET, "--format", "json", "-o", out)
    assert code == 0 and stdout == ""
    assert json.loads(out.read_text())["net"] == "LeNet"
    assert [p.name for p in tmp_path.iterdir()] == ["info.json"]  # no temporary file left behind
    copy = tmp_path / "lenet.prototxt"
    copy.write_text(LENET.read_text())
    before = copy.read_bytes()
    code, _, err = run_cli("info", copy, "-o", copy)
    assert code == 2 and "refusing to write over the input file" in err
    assert copy.read_bytes() == before


def test_generate_says_it_is_not_yet_available():
    code, _, err = run_cli("generate", "--height", "36", "--width", "100", "--channel", "128")
    assert code == 2 and "not yet available" in err

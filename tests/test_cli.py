"""The command line, run for real: output, exit codes, and no traceback on bad input."""

import json

import pytest

from scnn_tools import __version__

from conftest import CORPUS, needs_shared, run_cli

LENET = CORPUS / "BVLC__caffe/examples/mnist/lenet.prototxt"


def test_version_and_help():
    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip() == f"scnn-tools {__version__}"
    for command in ("info", "analyze", "query", "generate", "splice", "lane", "lane-detect", "backbone", "stack",
                    "profile", "match", "erf"):
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
    assert "line 2: layer 'x': unknown field 'fancy_param' in LayerParameter; skipped" in out
    assert "line 2: unknown layer type 'FancyNorm' (layer 'x'): its tops' shapes, fields and cost are unknown" in out
    code, _, err = run_cli("info", path, "--strict")
    assert code == 2 and "2 warning(s) with --strict" in err


def test_an_unknown_layer_type_is_unknown_never_a_guess(tmp_path):
    # A fork's type read as identity gave ShuffleNet 3.8 G multiply-adds for about 146 M: now the type's
    # tops, fields and cost are unknown, what follows is too, and the totals say so; what comes before
    # is still analyzed.
    path = tmp_path / "fork.prototxt"
    path.write_text('input: "d" input_dim: [1, 3, 8, 8]\n'
                    'layer { name: "c" type: "Convolution" bottom: "d" top: "c" convolution_param { num_output: 4 '
                    'kernel_size: 3 } }\n'
                    'layer { name: "s" type: "FancyShuffle" bottom: "c" top: "s" }\n'
                    'layer { name: "c2" type: "Convolution" bottom: "s" top: "c2" convolution_param { num_output: 4 '
                    'kernel_size: 3 } }\n')
    code, out, err = run_cli("analyze", path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    layers = {layer["name"]: layer for layer in result["layers"]}
    assert layers["c"]["outputs"][0]["shape"] == [1, 4, 6, 6] and layers["c"]["params"] == 4 * 3 * 9 + 4
    assert layers["s"]["outputs"][0]["shape"] is None and layers["s"]["params"] is None
    assert layers["c2"]["outputs"][0]["shape"] is None and layers["c2"]["params"] is None
    assert result["totals"]["params"] is None and result["totals"]["macc"] is None
    (why,) = [w for w in result["warnings"] if w["code"] == "unknown-shape"]
    assert "type 'FancyShuffle', which scnn-tools does not know" in why["message"] and "--input s=" in why["message"]


def test_a_fork_type_is_read_by_its_parameters_and_blamed_where_shapes_meet(tmp_path):
    # A fork's BinaryConvolution carries convolution_param: read as a convolution, with a warning. 9x9, k3 s2
    # p1: (9+2-3)/2+1 = 5; params 8*3*9 + 8 = 224; macc 8*3*9 * 25 = 5400. A two-bottom DeformableConvolution
    # does not fit that reading: its tops are unknown, not an error. Where a read-by-parameters shape meets a
    # real one and they disagree, the error names the fork layer upstream.
    path = tmp_path / "fork.prototxt"
    head = ('input: "d" input_dim: [1, 3, 9, 9]\n'
            'layer { name: "b" type: "BinaryConvolution" bottom: "d" top: "b" convolution_param { num_output: 8 '
            'kernel_size: 3 stride: 2 pad: 1 } }\n')
    path.write_text(head + 'layer { name: "df" type: "DeformableConvolution" bottom: "b" bottom: "d" top: "df" '
                           'convolution_param { num_output: 8 kernel_size: 3 pad: 1 } }\n')
    code, out, err = run_cli("analyze", path, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    b, df = result["layers"][1:]
    assert (b["outputs"][0]["shape"], b["params"], b["macc"]) == ([1, 8, 5, 5], 224, 5400)
    assert b["outputs"][0]["rf"]["size"] == [3, 3] and b["outputs"][0]["rf"]["jump"] == [2, 2]
    assert df["outputs"][0]["shape"] is None and df["macc"] is None
    codes = [(w["code"], w["layer"]) for w in result["warnings"]]
    assert ("layer-read-by-parameters", "b") in codes and ("layer-read-by-parameters", "df") in codes
    (why,) = [w for w in result["warnings"] if w["code"] == "unknown-shape"]
    assert "'df' (type 'DeformableConvolution', read as a Convolution) does not fit" in why["message"]
    path.write_text(head + 'layer { name: "c" type: "Convolution" bottom: "d" top: "c" convolution_param { '
                           'num_output: 8 kernel_size: 3 pad: 1 } }\n'
                           'layer { name: "sum" type: "Eltwise" bottom: "c" bottom: "b" top: "sum" }\n')
    code, _, err = run_cli("analyze", path)
    assert code == 2 and "layer 'sum' (Eltwise): bottoms must have one shape" in err
    assert "upstream, layer 'b' (BinaryConvolution) was read as a Convolution by its convolution_param" in err


def test_a_shape_error_names_the_fields_skipped_on_its_way(tmp_path):
    # A fork's pooling field we do not know (same_pad) may be what makes its 6x6 an 8x8: the error, the one line a
    # failed command prints, names it where the shapes meet, as the warning would had the analysis gone on;
    # and the failing layer's own skipped field. 8x8, kernel 3 stride 1: 6x6 by BVLC's rule.
    path = tmp_path / "skipped.prototxt"
    head = 'input: "data" input_dim: [1, 3, 8, 8]\n'
    pool = 'layer {{ name: "p" type: "Pooling" bottom: "data" top: "p" pooling_param {{ kernel_size: 3 {} }} }}\n'
    concat = 'layer {{ name: "c" type: "Concat" bottom: "p" bottom: "data" top: "c" {} }}\n'
    path.write_text(head + pool.format("same_pad: true") + concat.format(""))
    code, _, err = run_cli("analyze", path)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "upstream, layer 'p' (Pooling) has fields scnn-tools does not know, skipped: 'same_pad'" in err
    path.write_text(head + pool.format("") + concat.format("concat_param { fancy: 1 }"))
    code, _, err = run_cli("analyze", path)
    assert code == 2 and "layer 'c' has fields scnn-tools does not know, skipped: 'fancy'" in err and "upstream" not in err


def test_strict_acts_on_every_command_that_offers_it(tmp_path):
    path = tmp_path / "odd.prototxt"
    path.write_text('input: "d" input_dim: [1, 1, 8, 8]\nlayer { name: "x" type: "FancyNorm" bottom: "d" top: "x" }\n')
    for args in (["info", path], ["analyze", path], ["query", path, "x", "0", "0"],
                 ["profile", path, "-o", tmp_path / "p.png"], ["erf", path, "x"]):
        code, _, err = run_cli(*args, "--strict")
        assert code == 2 and "1 warning(s) with --strict" in err, args[0]
    code, _, err = run_cli("splice", path, "--at", "x", "--strict")
    assert code == 2 and "unrecognized arguments: --strict" in err  # splice does not offer it


def test_missing_file(tmp_path):
    code, _, err = run_cli("info", tmp_path / "nope.prototxt")
    assert code == 2 and "nope.prototxt: no such file" in err


@needs_shared
def test_output_file_is_written_whole_and_never_over_the_input(tmp_path):
    out = tmp_path / "info.json"
    code, stdout, _ = run_cli("info", LENET, "--format", "json", "-o", out)
    assert code == 0 and stdout == f"wrote {out}: its description as json\n"  # said, not silent
    assert json.loads(out.read_text())["net"] == "LeNet"
    assert [p.name for p in tmp_path.iterdir()] == ["info.json"]  # no temporary file left behind
    copy = tmp_path / "lenet.prototxt"
    copy.write_text(LENET.read_text())
    before = copy.read_bytes()
    code, _, err = run_cli("info", copy, "-o", copy)
    assert code == 2 and "refusing to write over the input file" in err
    assert copy.read_bytes() == before


@needs_shared
def test_output_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(tmp_path):
    # -o /dev/null or a named pipe: a file renamed into its place would replace the device (as root, /dev/null
    # itself became a regular file)
    import os
    import stat
    import threading
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    code, stdout, _ = run_cli("info", LENET, "--format", "json", "-o", fifo)
    reader.join(timeout=30)
    assert code == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and json.loads(got[0])["net"] == "LeNet"
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


ALEXNET = CORPUS / "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt"


@needs_shared
def test_analyze_table_json_and_csv():
    code, out, err = run_cli("analyze", ALEXNET)
    assert code == 0 and err == ""
    assert "pool5  Pooling       pool5  10x256x6x6    195    32     33  195.0" in out
    assert "total: 60,965,224 learnable parameters, 724,406,816 multiply-adds per image" in out
    code, out, _ = run_cli("analyze", ALEXNET, "--format", "json")
    result = json.loads(out)
    assert result["totals"]["params"] == 60965224 and len(result["layers"]) == 24
    assert len(out.splitlines()) == 24 + 2  # one line per layer
    code, out, _ = run_cli("analyze", ALEXNET, "--format", "csv")
    rows = out.splitlines()
    assert rows[0].startswith("layer,type,blob,shape,rf_h,rf_w") and len(rows) == 25
    assert rows[16].startswith("pool5,Pooling,pool5,10x256x6x6,195,195,195,195,32,32,33.0,33.0,64,64,True,True")


@needs_shared
def test_analyze_with_another_input_shape_and_the_blog_model():
    code, out, _ = run_cli("analyze", ALEXNET, "--input-shape", "1,3,451,451", "--format", "json",
                           "--scale-model", "blog")
    result = json.loads(out)
    pool5 = [o for layer in result["layers"] for o in layer["outputs"] if o["blob"] == "pool5"][0]
    assert pool5["shape"] == [1, 256, 13, 13]  # (451 - 227) / 32 + 6 positions
    assert result["scale_model"] == "blog"
    assert any(w["code"] == "blog-model-uncovered" for w in result["warnings"])  # 11x11 stride 4 is no blog kind


@pytest.mark.parametrize("args, words", [
    (["analyze", "x", "--input-shape", "1,3,a,4"], "bad shape '1,3,a,4'"),
    (["analyze", "x", "--input-shape", "1,3,0,4"], "every dimension must be a positive integer"),
    (["analyze", "x", "--input", "1,3,4,4"], "expected NAME=N,C,H,W"),
    (["analyze", "x", "--scale-model", "area"], "invalid choice: 'area'"),
    (["query", "x", "pool5", "zero", "0"], "invalid int value: 'zero'"),
])
def test_bad_analysis_flags_say_what_is_allowed(args, words):
    code, _, err = run_cli(*args)
    assert code == 2 and words in err


@needs_shared
def test_analyze_errors_are_one_line():
    code, _, err = run_cli("analyze", CORPUS / "XingangPan__SCNN-prototxt-generator/examples/SCNN.prototxt")
    assert code == 2 and "input 'conv5_5' is not fully declared" in err and err.count("\n") == 1
    code, _, err = run_cli("analyze", ALEXNET, "--input", "nope=1,2,3,4")
    assert code == 2 and "blob 'nope', which the net does not have" in err
    # The library names its options (input_shape, inputs); the command line names the flags.
    code, _, err = run_cli("query", CORPUS / "alexgkendall__SegNet-Tutorial/Models/segnet_inference.prototxt",
                           "conv1_1", "0", "0")
    assert code == 2 and err.endswith("give it with --input-shape N,C,H,W or --input data=N,C,H,W\n"), err
    code, _, err = run_cli("analyze", ALEXNET, "--input", "nope=1,2,3,4")
    assert code == 2 and "error: --input names blob 'nope'" in err


@needs_shared
def test_query_text_and_json():
    code, out, _ = run_cli("query", ALEXNET, "conv1", "2", "3")
    assert code == 0
    assert out == ("conv1[2, 3] sees input rows 8..18 and columns 12..22 (11x11), centred at (13, 17); "
                   "inside the image: rows 8..18, columns 12..22; 121 pixels can change it\n")
    code, out, _ = run_cli("query", ALEXNET, "pool5", "5", "5", "--format", "json")
    assert json.loads(out)["clipped"] == {"y": [96, 226], "x": [96, 226]}
    code, _, err = run_cli("query", ALEXNET, "nope", "0", "0")
    assert code == 2 and "no blob 'nope'" in err


@needs_shared
def test_the_analyze_path_imports_no_heavy_module(tmp_path):
    import subprocess
    import sys
    code = ("import sys\nfrom scnn_tools.cli import main\n"
            f"main(['analyze', {str(ALEXNET)!r}, '-o', {str(tmp_path / 'a.txt')!r}])\n"
            "print(sorted(m for m in ('numpy', 'matplotlib', 'jinja2', 'onnx', 'onnxruntime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("argv", [
    ["analyze", "examples/plain_5.prototxt", "-o", "DIR"],
    ["generate", "--height", "4", "--width", "4", "--channel", "2", "--output", "DIR"],
    ["splice", "examples/resnet101.prototxt", "--at", "conv5_5", "-o", "DIR"],
    ["stack", "conv3", "-o", "DIR"],
    ["profile", "examples/plain_5.prototxt", "-o", "DIR"],
    ["erf", "examples/plain_5.prototxt", "conv5", "-o", "DIR"],
    ["export", "examples/plain_5.prototxt", "-o", "DIR"],
])
def test_output_naming_a_directory_is_a_clear_error(tmp_path, argv):
    flag = argv[-2]
    code, out, err = run_cli(*[str(tmp_path) if a == "DIR" else a for a in argv])
    assert code == 2 and err == f"scnn-tools: error: {flag} {tmp_path}: that is a directory; give the name of a file " \
                                "to write\n", err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spec", ["99999999999999999999*conv3", "100000000*conv3", "0*conv3", "999*conv3,2*pool2",
                                  "9" * 5000 + "*conv3", "conv" + "9" * 5000, "conv3s" + "9" * 5000])
def test_stack_limits_are_checked_before_building(spec):
    code, out, err = run_cli("stack", spec)
    assert code == 2 and out == "" and err.startswith("scnn-tools: error: ") and err.count("\n") == 1, err
    assert len(err) < 300


def test_flags_follow_one_convention(tmp_path):
    # -o on every writing command; hyphenated long flags, the original's --kernel_width still taken.
    for flag in ("-o", "--output"):
        code, _, err = run_cli("generate", "--height", "3", "--width", "4", "--channel", "2", flag,
                               tmp_path / f"g{flag}.prototxt")
        assert code == 0 and (tmp_path / f"g{flag}.prototxt").is_file(), err
    for flag in ("--kernel-width", "--kernel_width"):
        code, _, err = run_cli("generate", flag, "5", "-o", tmp_path / "k.prototxt")
        assert code == 0 and "kernel_w: 5" in (tmp_path / "k.prototxt").read_text(), err
        # A message names the flag as the user typed it.
        code, _, err = run_cli("generate", flag, "4", "-o", tmp_path / "k.prototxt")
        assert code == 2 and err.startswith(f"scnn-tools: error: {flag} must be odd"), err
        code, _, err = run_cli("splice", "examples/resnet101.prototxt", "--at", "conv5_5", flag, "4")
        assert code == 2 and err.startswith(f"scnn-tools: error: {flag} must be odd"), err


def test_backbone_caffe_applies_classes_and_refuses_head():
    code, out, err = run_cli("backbone", "--style", "caffe", "--depth", "50", "--classes", "7")
    assert code == 0 and "num_output: 7\n" in out.split('name: "fc1000"')[1].split("}")[0], err
    code, out, err = run_cli("backbone", "--style", "caffe", "--head", "64")
    assert code == 2 and "--head sets the channels of conv5_5 in --style pspnet" in err


def test_analyze_says_what_it_wrote(tmp_path):
    out = tmp_path / "a.csv"
    code, stdout, err = run_cli("analyze", "examples/plain_5.prototxt", "--format", "csv", "-o", out)
    assert code == 0 and stdout == f"wrote {out}: 6 layers as csv\n" and out.read_text().startswith("layer,type")
    code, stdout, _ = run_cli("analyze", "examples/plain_5.prototxt")
    assert "wrote" not in stdout  # printed, not written


def test_erf_help_says_percent_once():
    code, stdout, _ = run_cli("erf", "--help")
    assert code == 0 and "50% and 90%" in stdout and "%%" not in stdout


def test_skipped_fields_are_named_before_the_table(tmp_path):
    # DenseNet-121's stem as its Caffe files write it: ceil_mode false floors (112+2-3)/2 + 1 = 56, where
    # Caffe's default ceiling gives 57; a field we do not know is named with its layer and line, above the table.
    path = tmp_path / "stem.prototxt"
    path.write_text('input: "data" input_dim: [1, 3, 224, 224]\n'
                    'layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" '
                    'convolution_param { num_output: 64 kernel_size: 7 stride: 2 pad: 3 } }\n'
                    'layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" '
                    'pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 ceil_mode: false pad_type: 1 } }\n')
    code, out, _ = run_cli("analyze", path)
    assert code == 0
    lines = out.splitlines()
    warned = lines.index("warning: line 3: layer 'pool1': unknown field 'pad_type' in PoolingParameter; skipped")
    assert warned < next(i for i, line in enumerate(lines) if line.startswith("layer "))
    assert "1x64x56x56" in out and "ceil_mode" not in out

"""`scnn-tools export` side by side with the Caffe-to-ONNX converters people use (run by benchmark.py --converters).

caffe2onnx (PyPI) and caffe-onnx (PyPI) are each installed in a virtual environment of their own under
~/.cache/scnn-tools-bench (SCNN_TOOLS_BENCH), made on first use. Every tool is given the same prototxt and
the .caffemodel real Caffe saved for it (tests/realcaffe.py forward()), as a user would give them; each
conversion runs in a subprocess with a timeout (a crash, an exception or no model written is "not
converted", with the reason's last line); every model written is run in onnxruntime on Caffe's input and
its outputs are judged by Caffe's as tests/test_export.py judges ours: max |ONNX - Caffe| / max |Caffe|
within 1e-4 or 3 times Caffe's own float32 noise. Nothing in the test suite depends on this file.
"""

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import realcaffe
from conftest import CORPUS
from test_export import TOLERANCE, targets
from scnn_tools.builders import runtimes
from scnn_tools.net.graph import build
from scnn_tools.netfile.reader import read_text

BENCH = Path(os.environ.get("SCNN_TOOLS_BENCH", Path.home() / ".cache/scnn-tools-bench"))

# (name, corpus file, the Caffe build that runs it). Every net real Caffe runs here that people take off
# Caffe: classifiers, a segmenter, detectors and a fork. ENet and SegNet need forks not built here.
NETS = (
    ("LeNet", "BVLC__caffe/examples/mnist/lenet.prototxt", "bvlc"),
    ("AlexNet", "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt", "bvlc"),
    ("GoogLeNet", "BVLC__caffe/models/bvlc_googlenet/deploy.prototxt", "bvlc"),
    ("VGG16", "ry__tensorflow-vgg16/VGG_2014_16.prototxt", "bvlc"),
    ("ResNet-50", "KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt", "bvlc"),
    ("SqueezeNet 1.1", "forresti__SqueezeNet/SqueezeNet_v1.1/deploy.prototxt", "bvlc"),
    ("MobileNet v1", "shicai__MobileNet-Caffe/mobilenet_deploy.prototxt", "bvlc"),
    ("MobileNet v2", "shicai__MobileNet-Caffe/mobilenet_v2_deploy.prototxt", "bvlc"),
    ("FCN-8s 500x500", "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt", "bvlc"),
    (r"MobileNet-SSD \*", "chuanqi305__MobileNet-SSD/deploy.prototxt", "ssd"),
    (r"SSD300 VGG16 \*", "shangzw12__ssd/models/VGGNet/VOC0712/SSD_300x300/deploy.prototxt", "ssd"),
    ("PSPNet-50 ADE20K 473", "hszhao__PSPNet/evaluation/prototxt/pspnet50_ADE20K_473.prototxt", "pspnet"),
)


def _python(minor_versions):
    """A CPython of one of these 3.x minor versions that runs on this machine (pyenv's, then PATH's; pyenv's
    shims on PATH fail where that version is not selected), or None."""
    for minor in minor_versions:
        found = [str(home / "bin/python3") for home in sorted(Path.home().glob(f".pyenv/versions/3.{minor}.*"),
                                                                reverse=True)]
        for python in found + [shutil.which(f"python3.{minor}")]:
            if python and subprocess.run([python, "-c", ""], capture_output=True).returncode == 0:
                return python
    return None


class Converter:
    def __init__(self, name, package, requirements, pythons, why, command):
        self.name, self.package, self.requirements = name, package, requirements
        self.pythons, self.why, self.command = pythons, why, command
        self.home = BENCH / name

    def install(self):
        """Its environment, made on first use: None, or why it cannot be made here."""
        if (self.home / "installed").is_file():
            return None
        python = _python(self.pythons)
        if python is None:
            return f"needs CPython 3.{', 3.'.join(map(str, self.pythons))} ({self.why}); none found"
        shutil.rmtree(self.home, ignore_errors=True)
        pip = [str(self.home / "bin/python"), "-m", "pip", "install", "-q"]
        # (Python 3.6's own pip predates the wheel tags protobuf's compiled wheels carry; without them
        # protobuf parses a caffemodel in pure Python, over ten minutes for AlexNet's. 21 is 3.6's last.)
        for step in ([python, "-m", "venv", str(self.home)], pip + ["-U", "pip<22"],
                     pip + ["--only-binary", "onnx,protobuf", *self.requirements]):
            done = subprocess.run(step, capture_output=True, text=True)
            if done.returncode:
                return f"{' '.join(step[-3:])} failed: {_last_line(done.stderr)}"
        (self.home / "installed").write_text("")
        return None

    def versions(self):
        listed = subprocess.run([str(self.home / "bin/python"), "-m", "pip", "list", "--format", "json"],
                                capture_output=True, text=True, check=True).stdout
        have = {p["name"].lower(): p["version"] for p in json.loads(listed)}
        py = subprocess.run([str(self.home / "bin/python"), "-c", "import platform; print(platform.python_version())"],
                            capture_output=True, text=True, check=True).stdout.strip()
        return (f"{self.package} {have.get(self.package)} (Python {py}, onnx {have.get('onnx')}, "
                f"protobuf {have.get('protobuf')})")


CONVERTERS = (
    # Its pin onnx==1.6.0 has wheels for CPython 3.5-3.7 only; it asks for any protobuf, and protobuf 4's
    # runtime refuses the modules onnx 1.6 generated ("Descriptors cannot be created directly"), so < 4.
    Converter("caffe2onnx", "caffe2onnx", ["caffe2onnx==2.0.1", "protobuf<4"], (7, 6),
              "its pin onnx==1.6.0 has wheels for CPython <= 3.7",
              lambda home, proto, weights, out: [str(home / "bin/python"), "-m", "caffe2onnx.convert",
                                                 "--prototxt", proto, "--caffemodel", weights, "--onnx", out]),
    # Its console script is named caffe2onnx too (module src.cli): positional prototxt, caffemodel, model
    # name, directory; it writes DIRECTORY/NAME.onnx, and where onnx's checker refuses the model, prints why
    # and writes nothing, with exit status 0. Its README pins onnx==1.4.0 (its metadata asks for >= 1.4.0): wheels for CPython <= 3.6. Given what pip
    # resolves instead (onnx 1.17 under 3.10), onnx's checker refuses its Dropout ("Unrecognized attribute:
    # ratio") and broadcasting Add nodes, and it writes no model for AlexNet, VGG16, FCN-8s and others.
    # (typing-extensions 4.2 and later need CPython 3.7, which pip finds out only after choosing one)
    Converter("caffe-onnx", "caffe-onnx", ["caffe-onnx==0.1.2", "onnx==1.4.0",
                                                "typing-extensions<4.2"], (6, 5),
              "its README's pin onnx==1.4.0 has wheels for CPython <= 3.6",
              lambda home, proto, weights, out: [str(home / "bin/caffe2onnx"), proto, weights,
                                                 Path(out).stem, str(Path(out).parent)]),
)


def _ours(proto, weights, out):
    return [sys.executable, "-m", "scnn_tools", "export", proto, "--weights", weights, "-o", out]


def _last_line(text):
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(nothing said)"


def as_run(text):
    """The net as Caffe ran it and all three tools are given it: one image (a declared batch of 10 copies
    is nothing to compare), and up to its first layer scnn-tools cannot export (SSD's DetectionOutput), so
    that all are judged on the same net. Only the batch's number and those layers' text change."""
    text = re.sub(r"(input_param\s*\{\s*shape\s*:?\s*\{\s*dim\s*:\s*)\d+", r"\g<1>1", text)
    text = re.sub(r"(input_shape\s*\{\s*dim\s*:\s*)\d+", r"\g<1>1", text)
    text = re.sub(r"(input_dim\s*:\s*)\d+((\s*input_dim\s*:\s*\d+){3})", r"\g<1>1\2", text)
    netfile = read_text(text)
    graph = build(netfile, "TEST")
    if any(i.shape and i.shape[0] != 1 for i in graph.inputs):
        raise ValueError("an input's batch is declared in a way as_run does not rewrite")
    refused = [n for n in graph.nodes if not n.is_source and (n.kind is None or n.kind.onnx is None)]
    if not refused:
        return text
    spans = sorted(netfile.layer_spans[n.source_index] for n in graph.nodes if n.index >= refused[0].index)
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text


def _feeds(model, arrays):
    """Caffe's inputs under the model's input names: by name, or the one for the one (a converter names an
    Input layer's output after the layer)."""
    weights = {t.name for t in model.graph.initializer}  # (older IRs list them as inputs too)
    names = [v.name for v in model.graph.input if v.name not in weights]
    if len(names) == len(arrays) == 1:
        return {names[0]: next(iter(arrays.values()))}
    return {n: arrays[n] for n in names if n in arrays}


def _output_names(model, graph, wanted):
    """Each Caffe output's name among the model's outputs: its own; or the name of the last layer writing it
    (the converters name an in-place layer's output after the layer); or where both have one, the one."""
    have = [o.name for o in model.graph.output]
    names = {}
    for blob in wanted:
        writers = [n.name for n in graph.nodes if any(graph.blobs[t].name == blob for t in n.tops)]
        found = [c for c in [blob] + writers[-1:] if c in have]
        names[blob] = found[0] if found else have[0] if len(have) == len(wanted) == 1 else None
    return names


def judge(data, graph, caffe, wanted):
    """'equal', or how the model differs from Caffe, and the worst disagreement (None where it did not run)."""
    import onnx
    model = onnx.load_from_string(data)
    names = _output_names(model, graph, wanted)
    missing = [b for b, n in names.items() if n is None]
    if missing:
        return f"no output for {', '.join(missing)}", None
    try:
        got = runtimes.run(data, _feeds(model, caffe["input_arrays"]), "onnxruntime", list(names.values()))
    except Exception as exc:  # noqa: BLE001 -- whatever the runtime says is the verdict
        return f"does not run: {_last_line(str(exc))}", None
    worst, verdict = 0.0, "equal"
    for blob, name in names.items():
        out, theirs = got[name], caffe["blobs"][blob]
        if out.shape != theirs.shape:
            return f"wrong shape: {blob} {list(out.shape)}, Caffe's {list(theirs.shape)}", None
        d = realcaffe.disagreement(out, theirs)
        worst = max(worst, d) if d == d else float("nan")
        if not d <= max(TOLERANCE, 3 * caffe["noise"][blob]):
            verdict = "differs"
    return verdict, worst


def convert(command, proto, weights, out, timeout):
    """(CPU seconds, model bytes or None, why not). CPU time, not wall time: other work on the machine
    (two cores) moves the one and hardly the other."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(command(proto, weights, out), capture_output=True, text=True, timeout=timeout,
                              cwd=Path(out).parent)
    except subprocess.TimeoutExpired:
        return timeout, None, f"did not finish in {timeout:.0f} s"
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode:
        return took, None, f"{_last_line(done.stderr or done.stdout)} (exit {done.returncode})"
    if not Path(out).is_file():  # (caffe-onnx prints onnx's refusal and exits 0)
        return took, None, f"{_last_line(done.stdout or done.stderr)} (no model written)"
    return took, Path(out).read_bytes(), None


def run(args):
    import onnx
    import onnxruntime
    onnxruntime.set_default_logger_severity(3)  # (the converters' models draw a warning per weight)
    tools = {"scnn-tools": _ours}
    versions = {"scnn-tools": "scnn-tools (this tree)"}
    for conv in CONVERTERS:
        trouble = conv.install()
        if trouble:
            print(f"{conv.name}: cannot be installed here: {trouble}")
            continue
        tools[conv.name] = lambda p, w, o, c=conv: c.command(c.home, p, w, o)
        versions[conv.name] = conv.versions()
    print("versions: " + "; ".join(versions.values()) +
          f"; judged in onnxruntime {onnxruntime.__version__} (onnx {onnx.__version__})")
    rows = []
    for label, rel, build_name in NETS:
        path = CORPUS / rel
        if not path.is_file() or not realcaffe.available(build_name):
            print(f"{label}: skipped ({path if not path.is_file() else f'no Caffe build {build_name}'})")
            continue
        text = as_run(path.read_text())
        graph = build(read_text(text), "TEST")
        outputs, inner = targets(graph)
        # (the suite's request for the same net, so that its cached answer serves)
        caffe = realcaffe.forward(text, outputs + inner, build_name)
        if "error" in caffe:
            print(f"{label}: Caffe ({build_name}) does not run it: {_last_line(caffe['error'])}")
            continue
        cells = {}
        with tempfile.TemporaryDirectory() as tmp:
            proto = str(Path(tmp) / "deploy.prototxt")
            Path(proto).write_text(text)
            for tool, command in tools.items():
                out = Path(tmp) / tool / "model.onnx"
                out.parent.mkdir()
                took, data, why = convert(command, proto, caffe["weights"], str(out), args.timeout)
                cells[tool] = (took, ("not converted: " + why, None) if data is None else judge(data, graph, caffe,
                                                                                               outputs))
                print(f"{label} / {tool}: {took:.1f} s, {cells[tool][1][0]}"
                      + (f" (worst {cells[tool][1][1]:.1e})" if cells[tool][1][1] is not None else ""), flush=True)
        rows.append((label, cells))
    table(rows, list(tools))


def table(rows, tools):
    """The README's table: a cell per net and tool, the reasons below it, totals last."""
    print("\n| net | " + " | ".join(tools) + " |")
    print("|---|" + "---|" * len(tools))
    reasons = []
    for label, cells in rows:
        line = []
        for t in tools:
            took, (said, worst) = cells[t]
            if said == "equal":
                line.append(f"equal ({worst:.0e}), {took:.1f} s")
            elif said == "differs":
                line.append(f"**differs** ({worst:.1g}), {took:.1f} s")
            else:
                reasons.append(f"{t}, {label}: {said}")
                line.append(f"{said.split(':')[0]} ({len(reasons)}), {took:.1f} s")
        print(f"| {label} | " + " | ".join(line) + " |")
    totals = []
    for t in tools:
        converted = sum(1 for _, c in rows if not c[t][1][0].startswith("not converted"))
        equal = sum(1 for _, c in rows if c[t][1][0] == "equal")
        totals.append(f"{converted} converted, {equal} equal, {sum(c[t][0] for _, c in rows):.0f} s")
    print(f"| **{len(rows)} nets** | " + " | ".join(totals) + " |\n")
    for i, reason in enumerate(reasons, 1):
        print(f"({i}) {reason}")

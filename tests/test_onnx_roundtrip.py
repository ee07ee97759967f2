"""ONNX read back: every corpus net `export` writes (without options), read as ONNX, gives the Caffe file's
shapes, fields, jumps, starts, parameters and multiply-adds, blob by blob; and onnx's own shape inference
agrees with the shapes scnn-tools gives every ONNX model the tests have.

Conventions compared under (each is export's, onnx_export.py and layers/*.py's onnx rules):
- names: a Caffe blob keeps its name in the model at its last version, an earlier version (before an
  in-place layer) is NAME#VERSION; an input keeps its name at version 0. Nodes export adds between (a
  Flatten before a Gemm) write blobs of other names, which Caffe does not have.
- cost: a Caffe layer's parameters and multiply-adds are its first top's; in the model, the layers that
  run from the previous Caffe blob up to that blob add up to it (InnerProduct is Flatten + Gemm).
- Caffe's BatchNorm learns nothing (its Scale does); export writes it as BatchNormalization with a scale of
  ones and a bias of zeros, which ONNX counts as 2 x C learnt, as it counts a PyTorch BatchNorm's.
The models are cached without their weights (shapes only, as a model saved with external data), keyed by
the net's text and the code that exports it: a warm run takes seconds.
"""

import hashlib
import os
from pathlib import Path

import pytest

import onnxrow
from conftest import ROOT, corpus_files, corpus_id, needs_shared

from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_bytes, read_net

onnx = pytest.importorskip("onnx")

CACHE = Path(os.environ.get("SCNN_TOOLS_EXPORT_CACHE", Path.home() / ".cache/scnn-tools-tests/onnx-exports"))
# What export's output depends on: every module but the ONNX reader's and its operator rules.
_READER = ("netfile/onnxfile.py", "netfile/onnxfold.py", "net/layers/onnx/", "onnx_model_pb2.py")


def _code_key():
    key = hashlib.sha256(Path(__file__).read_bytes())  # (without_weights below decides the cached bytes too)
    for path in sorted((ROOT / "scnn_tools").rglob("*.py")):
        rel = path.relative_to(ROOT / "scnn_tools").as_posix()
        if not rel.startswith(_READER):
            key.update(rel.encode() + b"\0" + path.read_bytes())
    return key.hexdigest()


CODE_KEY = _code_key()


def without_weights(data):
    """The model as onnx.save writes it with external data (tensors of 1024 bytes and more in another file,
    onnx's size_threshold), that file absent."""
    model = onnx.ModelProto()
    model.ParseFromString(data)
    for tensor in model.graph.initializer:
        if len(tensor.raw_data) >= 1024 or 4 * len(tensor.float_data) >= 1024:
            for field in ("raw_data", "float_data"):
                tensor.ClearField(field)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            tensor.external_data.add(key="location", value="weights.bin")
    return model.SerializeToString()


def exported(path):
    """(the model `export` writes for the net at `path`, weights left out, or None; why export refused it)."""
    from scnn_tools.builders.onnx_export import export
    key = hashlib.sha256(CODE_KEY.encode() + b"\0" + path.read_bytes()).hexdigest()
    cached, refused = CACHE / f"{key}.onnx", CACHE / f"{key}.refused"
    if cached.is_file():
        return cached.read_bytes(), None
    if refused.is_file():
        return None, refused.read_text()
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        data = without_weights(export(read_net(str(path))).data)
    except InputError as exc:
        data, why, cached = None, str(exc), refused
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data) if data is not None else tmp.write_text(why)
    os.replace(tmp, cached)
    return (data, None) if data is not None else (None, why)


def caffe_blobs(analysis):
    """{name in the model: (blob id, the layer that writes it, whether it is that layer's first top)}."""
    graph = analysis.graph
    last, fed = {}, set()
    for b in graph.blobs:
        last[b.name] = max(last.get(b.name, 0), b.version)
        if b.version == 0 and (b.producer is None or graph.nodes[b.producer].is_source):
            fed.add(b.name)
    out = {}
    for b in graph.blobs:
        name = b.name if (b.version == 0 if b.name in fed else b.version == last[b.name]) else f"{b.name}#{b.version}"
        node = graph.nodes[b.producer] if b.producer is not None else None
        out[name] = (b.id, node, node is not None and node.tops[0] == b.id)
    return out


def per_layer(result):
    return {layer["name"]: layer for layer in result["layers"]}


def field(analysis, blob_id):
    rf = analysis.rf(blob_id)
    return None if rf is None else {k: rf[k] for k in ("size", "clipped", "jump", "start", "padding", "global")}


def compare(caffe, model):
    """Per blob of the model that Caffe has: the differences (a list of strings), and how many were compared
    with every quantity known."""
    expected = caffe_blobs(caffe)
    caffe_cost = per_layer(report(caffe))
    model_cost = per_layer(report(model))
    differences, compared = [], 0
    pending = [0, 0]
    said = any(w["code"] == "unknown-by-rule" for w in model.warnings)
    for node in model.graph.nodes:
        cost = model_cost[node.name]
        pending = [None if p is None or c is None else p + c for p, c in zip(pending, (cost["params"], cost["macc"]))]
        for top in node.tops:
            name = model.graph.blobs[top].name
            if name not in expected:
                continue
            blob, writer, first = expected[name]
            shape = model.shapes.blobs[top]
            if shape is None or None in shape:
                pending = [0, 0]
                continue  # an operator scnn-tools has no rule for yet, or what follows one
            compared += 1
            want = caffe.shapes.blobs[blob]
            if shape != want:
                differences.append(f"{name}: shape {shape}, Caffe {want}")
            ours = field(model, top)
            # (a field a rule leaves unknown saying why is no wrong number: Caffe's mask unpooling, which export
            # writes as a ScatterElements of the mask's indices, whose field depends on their values)
            if ours != field(caffe, blob) and not (ours is None and said):
                differences.append(f"{name}: field {ours}, Caffe {field(caffe, blob)}")
            if writer is not None and first and not writer.is_source:
                params, macc = caffe_cost[writer.name]["params"], caffe_cost[writer.name]["macc"]
                if writer.type == "BatchNorm":
                    params = 2 * want[1]  # (the convention above)
                if pending != [params, macc]:
                    differences.append(f"{name}: params and multiply-adds {pending}, Caffe {[params, macc]} "
                                       f"(layer '{writer.name}', {writer.type})")
            pending = [0, 0]
    return differences, compared


def exported_or_skip(path):
    data, why = exported(path)
    if data is None:
        pytest.skip(f"export refuses it without further options: {why}")
    return data


@needs_shared
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_a_corpus_net_read_back_from_onnx_is_the_caffe_net(path):
    data = exported_or_skip(path)
    caffe = Analysis(read_net(str(path)), require_image=False)
    model = Analysis(read_bytes(data, f"{path.stem}.onnx"), require_image=False)
    differences, compared = compare(caffe, model)
    assert not differences, "\n".join(differences[:20])
    assert compared > 0


@needs_shared
@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_onnx_shape_inference_agrees_on_every_exported_corpus_net(path):
    assert_inference_agrees(exported_or_skip(path), path.stem)


def assert_inference_agrees(data, name):
    """Every blob whose shape both onnx's shape inference and scnn-tools know has one shape."""
    model = onnx.ModelProto()
    model.ParseFromString(data)
    inferred = onnxrow.inferred(model)
    analysis = Analysis(read_bytes(data, f"{name}.onnx"), require_image=False)
    differences = []
    for blob in analysis.graph.blobs:
        ours, theirs = analysis.shapes.blobs[blob.id], inferred.get(blob.name)
        if ours is None or theirs is None or len(ours) != len(theirs):
            if ours is not None and theirs is not None:
                differences.append(f"{blob.name}: ours {ours}, onnx {theirs}")
            continue
        if any(a is not None and b is not None and a != b for a, b in zip(ours, theirs)):
            differences.append(f"{blob.name}: ours {ours}, onnx {theirs}")
    assert not differences, "\n".join(differences[:20])


MODELS = sorted((ROOT / "tests").rglob("*.onnx"))


@pytest.mark.parametrize("path", MODELS, ids=lambda p: str(p.relative_to(ROOT)))
def test_onnx_shape_inference_agrees_on_every_model_in_the_tests(path):
    assert_inference_agrees(path.read_bytes(), path.stem)

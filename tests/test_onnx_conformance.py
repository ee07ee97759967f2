"""ONNX's own conformance cases against every operator rule.

The onnx package carries its backend test cases as code (onnx.backend.test.case.node): for each, a model of
one node (or a function body expanded into several), its inputs, and the outputs onnx's numpy reference
computes. They owe nothing to scnn-tools. Each case is analysed twice:

- "constants": as an exporter writes such a node: the inputs the operator's schema marks non-differentiable
  (shapes, axes, indices, scales, pads), the weights (Conv's W and B, BatchNormalization's four, ...) and
  the scalars and integers of an input the schema leaves uncategorised become initializers holding the case's
  values; the first input, and every other, stays a graph input declared with the case's shape;
- "inputs": every input a graph input, as the case declares it (Reshape's shape then is data: unknown).

Every output must have exactly the shape onnx computed, or be unknown (null, or null axes within a bound a
rule gives) with a warning that says why; an output that depends on an operator no rule knows must be
unknown, with the warning naming the operator. A different number is a defect of a rule.

Where the node moves positions (Conv, the pools, Resize, Pad, Slice, DepthToSpace, ...), its parameters and
multiply-adds are held to what the case's own tensors give, and its fields position by position to the
onnxruntime probe (tests/onnxprobe.py) on the case's model; so are BatchNormalization's in training mode.

Collecting the cases runs onnx's reference for each (15 s, most of it its pure-Python pooling): the
collection is kept in ~/.cache/scnn-tools-tests (SCNN_TOOLS_CONFORMANCE_CACHE), keyed by onnx's version.
"""

import os
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import ModelProto, TensorProto, defs, numpy_helper  # noqa: E402

from scnn_tools.engine.analysis import Analysis, report  # noqa: E402
from scnn_tools.errors import InputError  # noqa: E402
from scnn_tools.net.layers import registry  # noqa: E402
from scnn_tools.netfile import onnxfold  # noqa: E402
from scnn_tools.netfile.reader import read_bytes  # noqa: E402

CACHE = Path(os.environ.get("SCNN_TOOLS_CONFORMANCE_CACHE", Path.home() / ".cache/scnn-tools-tests/onnx-conformance"))


def _collect():
    """[(name, model bytes, [input TensorProto bytes], [output shape or None])]; None for a sequence or an
    optional, which no scnn-tools rule reads."""
    import warnings
    from onnx.backend.test.case.node import collect_testcases

    def tensor(x):
        if isinstance(x, (np.ndarray, np.generic)):  # (a case may give a scalar input as a numpy scalar)
            return numpy_helper.from_array(np.asarray(x)).SerializeToString()
        return x.SerializeToString() if isinstance(x, TensorProto) else None

    def shape(x):
        if isinstance(x, (np.ndarray, np.generic)):
            return list(np.shape(x))
        return list(x.dims) if isinstance(x, TensorProto) else None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the reference's overflows in its casts' cases)
        cases = collect_testcases(None)
    return [(c.name, c.model.SerializeToString(), [tensor(x) for x in c.data_sets[0][0]],
             [shape(x) for x in c.data_sets[0][1]]) for c in cases]


def _cases():
    path = CACHE / f"onnx-{onnx.__version__}.pickle"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    cases = _collect()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(f".{os.getpid()}")
    part.write_bytes(pickle.dumps(cases))
    part.replace(path)  # (whole or not at all: two test workers may write it at once)
    return cases


CASES = {name: (model, inputs, outputs) for name, model, inputs, outputs in _cases()}


def _declared(model):
    """A graph input's declared dims, None where its type is no tensor of known shape."""
    out = []
    for vi in model.graph.input:
        t = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
        out.append(None if t is None or not t.HasField("shape") else
                   [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim])
    return out


def _readable(name):
    """Why scnn-tools cannot read the case's model as given, or None."""
    model, inputs, outputs = CASES[name]
    m = ModelProto.FromString(model)
    if None in inputs or None in outputs:
        return "a sequence or an optional among its inputs or outputs: scnn-tools reads tensors"
    declared = _declared(m)
    if None in declared:
        return "an input of no tensor type or no shape"
    if not m.graph.input:
        return "no graph input: a model of constants only, which the reader refuses ('nothing to analyze')"
    return None


NAMES = sorted(CASES)
READ = [name for name in NAMES if _readable(name) is None]


# ------------------------------------------------------------ the two ways a case's inputs are given
# Inputs an exporter writes as initializers though the schema does not mark them non-differentiable: learnt
# weights, and Upsample's scales (its schema categorises none of its inputs).
WEIGHTS = {"Conv": (1, 2), "ConvTranspose": (1, 2), "DeformConv": (1, 3), "BatchNormalization": (1, 2, 3, 4),
           "InstanceNormalization": (1, 2), "LayerNormalization": (1, 2), "GroupNormalization": (1, 2), "PRelu": (1,),
           "Gemm": (1, 2), "Upsample": (1,)}
CATEGORY = defs.OpSchema.DifferentiationCategory
FLOATS = {TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16, TensorProto.BFLOAT16}


def _base(name):
    """The case a function-body expansion was made from (test_x_expanded_ver18 -> test_x)."""
    return re.sub(r"_expanded(_ver\d+)?$", "", name)


def _constant_inputs(name):
    """The graph inputs the "constants" variant makes initializers, decided on the case's own node (for an
    expansion, on the node it expands: its body's nodes read the same graph inputs)."""
    base = _base(name)
    model = ModelProto.FromString(CASES[base if base in CASES else name][0])
    opset = {o.domain or "": o.version for o in model.opset_import}
    inputs = {vi.name: vi.type.tensor_type for vi in model.graph.input}
    out, first = set(), set()
    for node in model.graph.node:
        try:
            schema = defs.get_schema(node.op_type, opset.get(node.domain or "", 1), node.domain)
        except Exception:  # (no such operator: every input stays one)
            continue
        for pos, input_name in enumerate(node.input):
            if input_name not in inputs:
                continue
            if pos == 0:
                first.add(input_name)
                continue
            formal = schema.inputs[min(pos, len(schema.inputs) - 1)]
            category = formal.differentiation_category
            t = inputs[input_name]
            small = t.elem_type not in FLOATS or np.prod([d.dim_value for d in t.shape.dim]) <= 1
            if (category == CATEGORY.NonDifferentiable or pos in WEIGHTS.get(node.op_type, ())
                    or (category == CATEGORY.Unknown and small)):
                out.add(input_name)
    return out - first


def case_model(name, variant):
    model, inputs, _ = CASES[name]
    m = ModelProto.FromString(model)
    if variant == "inputs":
        return m
    constants = _constant_inputs(name)
    kept = []
    for vi, data in zip(list(m.graph.input), inputs):
        if vi.name in constants:
            tensor = TensorProto.FromString(data)
            tensor.name = vi.name
            m.graph.initializer.append(tensor)
        else:
            kept.append(vi)
    del m.graph.input[:]
    m.graph.input.extend(kept)
    return m


# ------------------------------------------------------------ what is known of each output
_REGISTERED = None

# A warning that says why a shape is unknown.
SAID = {"unknown-by-rule", "onnx-unread-attribute", "unknown-shape", "onnx-unknown-value", "unknown-layer-type",
        "onnx-custom-operator"}
# ... and where an input's declared shape leaves a dim open (a case's symbolic batch).
INPUTS_SAID = {"undeclared-input", "onnx-dynamic-batch", "placeholder-input"}


def _known_op(node):
    global _REGISTERED
    if _REGISTERED is None:
        _REGISTERED = {k.name for k in registry.kinds()}
    return node.domain in ("", "ai.onnx") and (f"onnx.{node.op_type}" in _REGISTERED or onnxfold.foldable(node.op_type))


def _unknown_ops(model):
    """({output computed from an operator no rule knows}, {those operators})."""
    tainted, ops = set(), set()
    for node in model.graph.node:
        if not _known_op(node):
            ops.add(node.op_type)
        if not _known_op(node) or tainted.intersection(node.input):
            tainted.update(node.output)
    return tainted, ops


def analysed(model):
    return Analysis(read_bytes(model.SerializeToString(), "case.onnx"), require_image=False)


def verdicts(name, variant):
    """Per graph output: (output, "equal" / "bounded" / "unknown" / "folded" / "wrong", detail)."""
    model = case_model(name, variant)
    analysis = analysed(model)
    tainted, ops = _unknown_ops(model)
    blobs = {b.name: b.id for b in analysis.graph.blobs}
    codes = {w["code"] for w in analysis.warnings}
    named = " ".join(w["message"] for w in analysis.warnings
                     if w["code"] in ("unknown-layer-type", "onnx-custom-operator"))
    out = []
    for output, want in zip(model.graph.output, CASES[name][2]):
        if output.name not in blobs:
            # (computed while reading: a Shape or Size of a blob is an expression of shapes, not a blob)
            producer = next(n for n in model.graph.node if output.name in n.output)
            verdict = ("folded" if onnxfold.foldable(producer.op_type) else
                       "unknown" if output.name in tainted else "wrong")
            out.append((output.name, verdict, f"no blob, made by {producer.op_type}"))
            continue
        got = analysis.shapes.blobs[blobs[output.name]]
        bound = analysis.shapes.bounds.get(blobs[output.name])
        if output.name in tainted:
            said = all(f"'{op}'" in named or f"'onnx.{op}'" in named for op in ops)
            out.append((output.name, "unknown" if got is None and said else "wrong",
                        f"{got} after {sorted(ops)}" + ("" if said else ", not named in a warning")))
        elif got is not None and None not in got:
            out.append((output.name, "equal" if list(got) == want else "wrong", f"ours {got}, onnx {want}"))
        elif got is not None and (len(got) != len(want) or any(g is not None and g != w for g, w in zip(got, want))):
            out.append((output.name, "wrong", f"ours {got}, onnx {want}"))
        elif bound is not None and all(g is not None or w <= b for g, w, b in zip(got, want, bound)):
            out.append((output.name, "bounded", f"ours {got} at most {bound}, onnx {want}"))
        else:
            silent = _unexplained(analysis, blobs[output.name])
            out.append((output.name, "wrong" if silent else "unknown",
                        f"ours {got}, onnx {want}"
                        + (f"; no warning says why {silent} leaves it unknown" if silent else "")))
    return out


def _unexplained(analysis, blob_id):
    """The layers where what leaves the blob's shape unknown starts (a top not fully known from bottoms that
    are) that no warning names with a reason: an "unknown-shape" warning further on says only that it is."""
    shapes, nodes = analysis.shapes.blobs, analysis.graph.nodes
    reasons = [w for w in analysis.warnings if w["code"] in SAID - {"unknown-shape"} | INPUTS_SAID]
    named = {w["layer"] for w in reasons}
    # (layers of one type that say the same are counted in the first one's warning: "so do 2 more onnx.Mul")
    named |= {node.name for node in nodes for w in reasons if f" more {node.type} layers" in w["message"]}
    # (the warning where an unknown shape starts gives the reason of the layer that made the blob, once)
    made = {b.name: nodes[b.producer].name for b in analysis.graph.blobs if b.producer is not None}
    named |= {made.get(m[1]) for w in analysis.warnings if w["code"] == "unknown-shape"
              for m in [re.search(r"the shape of '([^']*)' is unknown \(", w["message"])] if m}
    full = lambda b: shapes[b] is not None and None not in shapes[b]  # noqa: E731
    silent, todo, seen = [], [blob_id], set()
    while todo:
        b = todo.pop()
        producer = analysis.graph.blobs[b].producer
        if b in seen or full(b) or producer is None:
            continue
        seen.add(b)
        node = nodes[producer]
        unknown = [u for u in node.bottoms if not full(u)]
        if not unknown and node.name not in named:
            silent.append(node.name)
        todo += unknown
    return silent


# Known bugs of onnx's own expectations: {case: why} (none found in onnx 1.23's cases).
ONNX_BUGS = {}


@pytest.mark.parametrize("variant", ["constants", "inputs"])
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=ONNX_BUGS[n]))
                                  if n in ONNX_BUGS else n for n in READ])
def test_shapes_are_onnxs_or_unknown_saying_why(name, variant):
    try:
        found = verdicts(name, variant)
    except InputError as e:
        pytest.fail(f"refused a valid model: {e}")
    wrong = [(output, detail) for output, verdict, detail in found if verdict == "wrong"]
    assert not wrong


def test_the_cases_not_read_are_few_and_for_a_reason():
    """What the parametrised test leaves out, and why: sequences and optionals (no rule reads them), a model
    of constants only. A new onnx's cases read by none of these reasons run above."""
    why = {}
    for name in NAMES:
        reason = _readable(name)
        if reason is not None:
            why.setdefault(reason.split(":")[0], []).append(name)
    assert len(READ) > 0.85 * len(NAMES), {k: len(v) for k, v in why.items()}


# ------------------------------------------------------------ the operators that move positions
SPATIAL = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool",
           "Resize", "Upsample", "Pad", "Slice", "DepthToSpace", "SpaceToDepth", "MaxUnpool", "Col2Im",
           "RoiAlign", "MaxRoiPool", "GridSample", "DeformConv", "CenterCropPad"}


# Moves no position, but in training mode reads its channel's whole batch and plane: probed too.
STATISTICS = {"BatchNormalization"}


def _single(name, ops=SPATIAL):
    """The operator of a case of one node, where it is one of `ops`; else None."""
    nodes = ModelProto.FromString(CASES[name][0]).graph.node
    return nodes[0].op_type if len(nodes) == 1 and nodes[0].op_type in ops else None


ONE_SPATIAL = [name for name in READ if _single(name)]
PROBED = ONE_SPATIAL + [name for name in READ if _single(name, STATISTICS)]


def _case_layer(name):
    """(the model, its analysis, its one layer's report row) of the "constants" variant."""
    model = case_model(name, "constants")
    analysis = analysed(model)
    (layer,) = [row for row in report(analysis)["layers"] if row["type"] != "onnx.Input"]
    return model, analysis, layer


def _expected_costs(model):
    """(params, multiply-adds per image) from the case's own tensors, as the Caffe rules count them: a
    convolution's are its weight's and bias's elements, and C/group x kernel products per output value (a
    transposed one: per input value, into M/group channels); nothing else learns or multiplies."""
    node = model.graph.node[0]
    if node.op_type not in ("Conv", "ConvTranspose", "DeformConv"):
        return 0, 0
    inits = {t.name: list(t.dims) for t in model.graph.initializer}
    w = inits[node.input[1]]
    # (DeformConv's offset and mask, inputs 2 and 4, are no weights)
    learnt = node.input[1:] if node.op_type != "DeformConv" else node.input[1:2] + node.input[3:4]
    params = sum(int(np.prod(inits[i])) for i in learnt if i)
    x = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    y = CASES[model.graph.name][2][0]
    counted = x if node.op_type == "ConvTranspose" else y
    return params, int(np.prod(counted[1:])) * int(np.prod(w[1:]))


@pytest.mark.parametrize("name", ONE_SPATIAL)
def test_spatial_costs_are_the_cases_own(name):
    model, _, layer = _case_layer(name)
    params, macc = _expected_costs(model)
    if layer["outputs"][0]["shape"] is None:
        assert layer["macc"] is None or layer["macc"] == macc
        return
    assert (layer["params"], layer["macc"]) == (params, macc)


# Operators the probe cannot read: what it computes is not monotone in its input (cubic interpolation's
# negative weights), or where it writes depends on values (MaxUnpool's indices, GridSample's grid,
# RoiAlign's regions, DeformConv's offsets).
NOT_MONOTONE = {"MaxUnpool", "GridSample", "RoiAlign", "MaxRoiPool", "DeformConv", "Col2Im"}


@pytest.mark.parametrize("name", PROBED)
def test_spatial_fields_are_onnxruntimes(name):
    """Position by position, each axis' field of each output is exactly the pixels onnxruntime's probe finds
    (a node reading the image itself: no map's padding is read beyond its ends, so exact). BatchNormalization
    too: in training mode each value reads its channel's whole plane."""
    pytest.importorskip("onnxruntime")
    from onnxprobe import ProbeError, probe
    from test_onnx_oracle import compare
    op = _single(name, SPATIAL | STATISTICS)
    model = case_model(name, "constants")
    node = model.graph.node[0]
    if op in NOT_MONOTONE or (op == "Resize" and any(a.name == "mode" and a.s == b"cubic" for a in node.attribute)):
        pytest.skip(f"{op} is not probed: not monotone, or it writes where values say")
    declared = _declared(model)
    if len(declared[0]) != 4 or model.graph.input[0].type.tensor_type.elem_type != TensorProto.FLOAT:
        pytest.skip("the probe raises the pixels of a float N x C x H x W input")
    analysis = analysed(model)
    outputs = [o.name for o in model.graph.output if o.type.tensor_type.elem_type == TensorProto.FLOAT]
    shapes = {b.name: analysis.shapes.blobs[b.id] for b in analysis.graph.blobs}
    outputs = [o for o in outputs if shapes.get(o) is not None and len(shapes[o]) == 4]
    if not outputs:
        pytest.skip("no output of ours is N x C x H x W")
    try:
        fields = probe(model, outputs)
    except ProbeError as e:
        pytest.skip(f"not probed: {e}")
    except Exception as e:  # (onnxruntime refuses the model: an opset or mode it does not run)
        pytest.skip(f"onnxruntime does not run it: {str(e)[:200]}")
    bad, compared, unknown = compare(model, fields, exact=True)
    assert not bad
    assert compared or unknown

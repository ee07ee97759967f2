"""One-node ONNX models for the per-type table (test_layers.py) and the ONNX tests.

A row's `layer` for an onnx.* type is the node in onnx's text syntax (onnx.parser), reading the bottoms
b0, b1, ..., optionally preceded by declarations of its constant inputs in angle brackets:

    "<float[8,3,3,3] W, float[8] B> t = Conv <pads = [1, 1, 1, 1]> (b0, W, B)"

A declaration with a value (`int64[2] s = {1, -1}`) is an initializer with that value; one without is an
initializer of zeros of that shape (weights: only their shapes matter). onnx.Input's row gives the graph
input instead (`float[N,3,5,7] l`), read by an Identity node. The node (or graph input) is named "l".

A row of an operator whose rule changed between opsets says which it is written for first,
`opset 11: t = Softmax (b0)`; other rows are built at OPSET (or the opset a caller asks for). The bottoms are
float, or of the type a row names first for an operator that takes no floats (`bool inputs: t = Not (b0)`), or
of the types it names one per bottom, the last for the rest (`float, int64 inputs: t = MaxUnpool (b0, b1)`).
"""

import re

import numpy as np

OPSET = 17


def model(row, opset=None):
    from onnx import helper, parser
    text = row.layer.strip()
    own, dtype = None, None
    header = re.match(r"(?:opset (\d+) ?)?(?:((?:\w+, )*\w+) inputs)?:\s*", text)
    if header and any(header.groups()):
        (own, dtype), text = header.groups(), text[header.end():]
    opset = int(own) if own else opset or OPSET
    if row.type == "onnx.Input":
        name = text.split()[-1]
        graph = parser.parse_graph(f"g ({text}) => (t) {{ t = Identity ({name}) }}")
    else:
        decls = ""
        if text.startswith("<"):
            end = text.index(">") + 1
            decls, text = text[:end], text[end:].strip()
        outputs = [o for o in parser.parse_node(text).output if o]
        types = (dtype or "float").split(", ")
        # (a scalar is written without brackets: onnx's parser reads `float[]` as no shape at all)
        inputs = ", ".join(types[min(i, len(types) - 1)] + (f"[{','.join(str(d) for d in shape)}]" if shape else "")
                           + f" b{i}" for i, shape in enumerate(row.bottoms))
        return text_model(f"g ({inputs}) => ({', '.join(outputs)}) {decls} {{ {text} }}", opset, "l")
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="scnn-tools tests")


def text_model(text, opset=OPSET, first_name=None):
    """A model from a graph in onnx's text syntax, its declarations without values made initializers of zeros
    (`g (float[1,3,8,8] x) => (y) <float[8,3,3,3] w> { y = Conv (x, w) }`)."""
    from onnx import helper, numpy_helper, parser
    graph = parser.parse_graph(text)
    for info in list(graph.value_info):
        dims = [d.dim_value for d in info.type.tensor_type.shape.dim]
        dtype = helper.tensor_dtype_to_np_dtype(info.type.tensor_type.elem_type)
        graph.initializer.append(numpy_helper.from_array(np.zeros(dims, dtype), info.name))
    del graph.value_info[:]
    if first_name is not None:
        graph.node[0].name = first_name
    # (an operator of a runtime's own domain, com.microsoft's QLinearAdd: its opset 1)
    domains = sorted({n.domain for n in graph.node} - {"", "ai.onnx"})
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]
                             + [helper.make_opsetid(d, 1) for d in domains], producer_name="scnn-tools tests")


def inferred(model_proto):
    """{output name: its shape as onnx's own shape inference (strict) gives it, None for a dim it leaves open}."""
    import onnx
    done = onnx.shape_inference.infer_shapes(model_proto, check_type=True, strict_mode=True, data_prop=True)
    out = {}
    for info in list(done.graph.value_info) + list(done.graph.output):
        t = info.type.tensor_type
        if t.HasField("shape"):
            out[info.name] = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
    return out


def ran(model_proto):
    """{output name: its shape} from running the model in onnxruntime on zeros."""
    import onnxruntime
    from onnx import helper
    session = onnxruntime.InferenceSession(model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    types = {i.name: helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type) for i in model_proto.graph.input}
    feeds = {i.name: np.zeros(i.shape, types[i.name]) for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    return {name: list(value.shape) for name, value in zip(names, session.run(names, feeds))}

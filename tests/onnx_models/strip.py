"""What make.py and make_tf.py share: weights out of an exported model, shapes kept, and the manifest.

Only the onnx package is needed, so both generators' environments can import it.
"""

import hashlib
import json
import math
import os

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "manifest.json")
KEEP_INLINE = 8  # elements: a float initializer up to this size stays in the file
FLOATS = (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE)


def strip(model, data_name):
    """Each float initializer larger than KEEP_INLINE becomes a reference into data_name (never
    written), at the offsets a real save would use; small ones (shape constants, Resize scales, Clip
    bounds) stay because the graph's meaning depends on their values. Metadata (torch's stack traces,
    half of each file) and doc strings go; node and blob names stay."""
    offset = 0
    for init in model.graph.initializer:
        numel = math.prod(init.dims)
        if init.data_type not in FLOATS or numel <= KEEP_INLINE:
            continue
        length = numel * onnx.helper.tensor_dtype_to_np_dtype(init.data_type).itemsize
        for field in ("raw_data", "float_data", "double_data", "int32_data"):
            init.ClearField(field)
        init.data_location = onnx.TensorProto.EXTERNAL
        del init.external_data[:]
        for key, value in (("location", data_name), ("offset", str(offset)), ("length", str(length))):
            entry = init.external_data.add()
            entry.key, entry.value = key, value
        offset += (length + 4095) // 4096 * 4096
    g = model.graph
    for item in [*g.node, *g.value_info, *g.input, *g.output, *g.initializer]:
        item.ClearField("metadata_props")
        item.ClearField("doc_string")
    g.ClearField("doc_string")
    return model


def write(model, stem):
    """Write the stripped model; return its manifest facts."""
    model = strip(model, stem + ".weights")
    data = model.SerializeToString()
    with open(os.path.join(HERE, stem + ".onnx"), "wb") as f:
        f.write(data)
    counts = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    print(f"{stem}: {len(data):,} bytes, {len(model.graph.node)} nodes", flush=True)
    return {"file": stem + ".onnx", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "opset": model.opset_import[0].version, "producer": f"{model.producer_name} {model.producer_version}",
            "nodes": len(model.graph.node), "ops": counts, "initializers": len(model.graph.initializer)}


def update_manifest(generator_key, generator, entries):
    """Replace this generator's record and its models' entries, keeping the other generator's."""
    manifest = {}
    if os.path.exists(MANIFEST):
        with open(MANIFEST) as f:
            manifest = json.load(f)
    manifest[generator_key] = generator
    models = {m["file"]: m for m in manifest.get("models", [])}
    models.update({m["file"]: m for m in entries})
    manifest["models"] = sorted(models.values(), key=lambda m: m["file"])
    with open(MANIFEST, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")

"""Sweep whole model zoos through scnn-tools' ONNX reader, once, outside the test suite.

Three steps, each in the environment that has what it needs (see make.py and make_tf.py for the two
scratch environments); every model runs in a child process with a time limit, so one that crashes or
hangs costs only its own row:

    /work/scratch-torch/bin/python tests/onnx_models/sweep.py torch [--out DIR] [NAME ...]
    /work/scratch-tf/bin/python    tests/onnx_models/sweep.py keras [--out DIR] [NAME ...]
    PYTHONPATH=. .venv/bin/python  tests/onnx_models/sweep.py analyze [--out DIR] [NAME ...]
    /work/scratch-torch/bin/python tests/onnx_models/sweep.py recount NAME ...   (torch's count only)

`torch` exports every model of `torchvision.models.list_models()` as make.py does (weights=None, every
float parameter and buffer uniform in [0.5, 1.5), torch.onnx.export's default exporter and optimiser with
BatchNormalization kept) at the input size its first weights entry was measured at, strips the weights
(strip.py) and writes DIR/torch/NAME.onnx beside NAME.json: the published num_params and _ops (GFLOPS,
multiply-adds of convolutions and matrix products in billions), torch's own parameter count and
multiply-adds (half of torch.utils.flop_counter's FLOPs), what was exported and how long it took.
Detectors are exported as make.py does SSDlite: the parts that run on the image (backbone, FPN and the
heads that read it); R-CNN's ROI heads need torchvision's C extension (roi_align), which this registry's
CPU wheels cannot load, so those export backbone, FPN and RPN head and the JSON says which parameters
were left out and how many multiply-adds the box head makes on the RPN's 1000 proposals (torchvision's
published GFLOPS counts those too). Video models take 16 frames, RAFT two images.

`keras` does the same for every model of `keras.applications` (tf-keras, tf2onnx, opset 17) at its
default input size, recording model.count_params() (trainable and not: BatchNormalization's moving mean
and variance are weights Keras counts), the trainable count, and BatchNormalization's parts.

`analyze` runs `python -m scnn_tools analyze --format json` on every file in DIR/torch and DIR/keras
and writes DIR/zoo.md (one row a model) and DIR/zoo.json. DIR defaults to /work/sweep-zoo.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 1800  # seconds one model may take to export


def child(argv, limit):
    """Run a child process; return (exit code, CPU seconds of children, wall seconds, stderr tail)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=limit)
        code, out, err = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as e:
        code, out, err = "timeout", e.stdout or "", e.stderr or ""
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return code, cpu, time.time() - start, out, err


# ---------------------------------------------------------------- torchvision

def torch_setup():
    import torch
    sys.path.insert(0, HERE)
    import make  # noqa: F401  (its import works around torchvision's C extension; see its header)
    return torch, make


def torch_models():
    torch, make = torch_setup()
    from torchvision import models
    names = models.list_models()
    # cheap first: the largest (by published multiply-adds) last, so a stopped run has the most rows
    return sorted(names, key=lambda n: torch_entry(models, n)[0].meta.get("_ops", 1e9))


def torch_entry(models, name):
    """The weights entry whose figures describe the model weights=None builds: the first at the
    builder's default image size (vit_h_14's and regnet_y_128gf's first entries are SWAG's at 518 and
    384, whose ViT has another position table; their LINEAR entries are at 224)."""
    entries = list(models.get_model_weights(name))
    for e in entries:
        if "SWAG_E2E" not in e.name:
            return e, entries
    return entries[0], entries


def crop(entry):
    kw = getattr(entry.transforms, "keywords", {}) or {}
    size = kw.get("crop_size") or kw.get("resize_size")
    if isinstance(size, (tuple, list)):
        size = size[0] if len(size) == 1 else list(size)
    return size


def torch_build(name):
    """(module, input shapes, what it is, parameters of the model left out of the export)."""
    import torch
    from torch import nn
    from torchvision import models
    from torchvision.models import detection as tvd
    from torchvision.models import optical_flow as tvf
    from torchvision.models import quantization as tvq
    from torchvision.models import segmentation as tvs
    from torchvision.models import video as tvv
    sys.path.insert(0, HERE)
    import make

    entry, _ = torch_entry(models, name)
    size = crop(entry)
    if name.startswith("quantized_"):
        # weights=None, quantize=False: the float model with QuantStub/DeQuantStub, which are identities
        m = getattr(tvq, name[len("quantized_"):])(weights=None, quantize=False)
        return m, [[1, 3, size, size]], "float model (quantize=False)", 0
    if hasattr(tvs, name) and name in [n for n in models.list_models(module=tvs)]:
        aux = name != "lraspp_mobilenet_v3_large"
        kwargs = {"aux_loss": True} if aux else {}
        m = getattr(tvs, name)(weights=None, weights_backbone=None, num_classes=21, **kwargs)
        return make.Outputs(m, ["out", "aux"] if aux else ["out"]), [[1, 3, 520, 520]], \
            "segmenter, 21 classes" + (", auxiliary head" if aux else ""), 0
    if name in models.list_models(module=tvv):
        m = getattr(tvv, name)(weights=None)
        hw = size if isinstance(size, list) else [size, size]
        return m, [[1, 3, 16, *hw]], "video, 16 frames", 0
    if name in models.list_models(module=tvf):
        m = getattr(tvf, name)(weights=None)

        class Flow(nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, a, b):
                return self.model(a, b, num_flow_updates=12)[-1]
        return Flow(m), [[1, 3, 368, 496], [1, 3, 368, 496]], "optical flow, 12 updates, last flow", 0
    if name in models.list_models(module=tvd):
        kw = {"weights": None, "weights_backbone": None}
        m = getattr(tvd, name)(**kw)
        if name.startswith("ssd"):
            side = 320 if "320" in name else 300
            return make.SSDNoPost(m), [[1, 3, side, side]], "backbone + heads (no anchors, no post-processing)", 0
        side = 320 if "_320_" in name else 800
        if hasattr(m, "rpn"):
            class RPN(nn.Module):
                def __init__(self, model):
                    super().__init__()
                    self.backbone, self.head = model.backbone, model.rpn.head

                def forward(self, x):
                    feats = list(self.backbone(x).values())
                    logits, boxes = self.head(feats)
                    return tuple(logits) + tuple(boxes)
            left = sum(p.numel() for p in m.roi_heads.parameters())
            rpn = RPN(m)
            rpn.roi_macs = roi_box_macs(m)
            return rpn, [[1, 3, side, side]], "backbone + FPN + RPN head (ROI heads left out)", left

        class Dense(nn.Module):
            def __init__(self, model):
                super().__init__()
                self.backbone, self.head = model.backbone, model.head

            def forward(self, x):
                out = self.head(list(self.backbone(x).values()))
                return tuple(out.values())
        return Dense(m), [[1, 3, side, side]], "backbone + FPN + heads (no anchors, no post-processing)", 0
    m = models.get_model(name, weights=None)
    return m, [[1, 3, size, size]], "classifier", 0


def roi_box_macs(model):
    """The multiply-adds the R-CNN's box head and predictor make on the RPN's proposals at test time
    (post_nms_top_n, 1000; each pooled to 256 x 7 x 7), as torch's flop counter counts them: the part of
    torchvision's published GFLOPS the export leaves out (the mask and keypoint heads, which run on the
    detections, are in neither)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    heads = model.roi_heads
    n = model.rpn._post_nms_top_n["testing"]
    h, w = heads.box_roi_pool.output_size
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        heads.box_predictor(heads.box_head(torch.randn(n, model.backbone.out_channels, h, w)))
    return counter.get_total_flops() // 2


def torch_count(torch, module, args, record):
    """torch's own multiply-adds: half of torch.utils.flop_counter's FLOPs (convolutions and matrix products)."""
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    torch.backends.mha.set_fastpath_enabled(False)  # (make.torch_macs says why)
    from torch.nn.attention import SDPBackend, sdpa_kernel
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
            module(*args)
        record["torch_macs"] = counter.get_total_flops() // 2
        if hasattr(module, "roi_macs"):
            record["torch_roi_macs_left_out"] = module.roi_macs
        record["torch_flops_by_op"] = {str(k): v for k, v in counter.get_flop_counts().get("Global", {}).items()}
    except Exception as e:  # the forward itself fails: the export will say why
        record["torch_macs_error"] = f"{type(e).__name__}: {str(e)[:300]}"


def torch_export_one(name, out, recount_only=False):
    torch, make = torch_setup()
    import onnx
    import tempfile
    from torchvision import models

    record = {"model": name, "framework": "torchvision"}
    entry, entries = torch_entry(models, name)
    record["published"] = {"weights": f"{type(entry).__name__}.{entry.name}", "num_params": entry.meta.get("num_params"),
                           "gflops": entry.meta.get("_ops"), "crop": crop(entry)}
    torch.manual_seed(0)
    module, shapes, what, left = torch_build(name)
    module = module.eval()
    make.distinct_values(module)
    record.update({"what": what, "inputs": shapes, "params_left_out": left,
                   "torch_params": sum(p.numel() for p in module.parameters())})
    args = tuple(torch.randn(*s) for s in shapes)
    t = time.process_time()
    torch_count(torch, module, args, record)
    record["count_cpu_s"] = round(time.process_time() - t, 1)
    if recount_only:
        return record
    t = time.process_time()
    program = torch.onnx.export(module, args, None, input_names=[f"input{i}" if i else "input" for i in range(len(args))],
                                optimize=False, dynamo=True)
    make.optimize(program, fuse_bn=False)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        # external data: models beyond protobuf's 2 GB (vit_h_14, regnet_y_128gf) save too
        program.save(os.path.join(tmp, "m.onnx"), external_data=True)
        model = onnx.load(os.path.join(tmp, "m.onnx"), load_external_data=False)
    return save(model, name, out, record, t)


def save(model, name, out, record, started):
    """Write the model stripped (strip.py) to out/NAME.onnx; add what it is and how long it took to record."""
    sys.path.insert(0, HERE)
    import strip
    data = strip.strip(model, name + ".weights").SerializeToString()
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(data)
    record["export_cpu_s"] = round(time.process_time() - started, 1)
    record.update({"bytes": len(data), "nodes": len(model.graph.node),
                   "opset": model.opset_import[0].version, "ops": ops_of(model)})
    return record


def ops_of(model):
    counts = {}
    for node in model.graph.node:
        key = node.op_type if node.domain in ("", "ai.onnx") else f"{node.domain}.{node.op_type}"
        counts[key] = counts.get(key, 0) + 1
    return counts


# ---------------------------------------------------------------- Keras

def keras_setup():
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras as keras
    return keras


def keras_models():
    keras = keras_setup()
    apps = keras.applications
    names = sorted(n for n in dir(apps) if n[0].isupper() and callable(getattr(apps, n)))
    return names


def keras_export_one(name, out):
    keras = keras_setup()
    import numpy as np
    import tensorflow as tf
    import tf2onnx

    record = {"model": name, "framework": "keras"}
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(weights=None)
    if None in model.input_shape[1:]:  # (MobileNetV3's include_top takes any size: its published one)
        model = getattr(keras.applications, name)(weights=None, input_shape=(224, 224, 3))
    rng = np.random.default_rng(0)
    # make_tf.py's reason: zeros (biases, BatchNorm's beta) are dropped by tf2onnx, equal tensors merged
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in model.get_weights()])
    shape = [1, *model.input_shape[1:]]
    count = keras.backend.count_params
    bn = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    record.update({
        "inputs": [shape], "what": "classifier, include_top=True",
        "keras_params": int(model.count_params()),
        "keras_trainable": int(sum(count(w) for w in model.trainable_weights)),
        "keras_non_trainable": int(sum(count(w) for w in model.non_trainable_weights)),
        "bn_layers": len(bn),
        "bn_gamma_beta": int(sum(count(w) for layer in bn for w in layer.trainable_weights)),
        "bn_moving": int(sum(count(w) for layer in bn for w in layer.non_trainable_weights)),
        "keras_macs": keras_macs(keras, model),
        "keras_expected_folded": keras_folded(keras, model),
    })
    t = time.process_time()
    spec = (tf.TensorSpec(shape, tf.float32, name="input"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec, opset=17)
    return save(proto, name, out, record, t)


def keras_folded(keras, model):
    """The trainable count as tf2onnx should write it: it folds a BatchNormalization that reads a
    convolution into that convolution (gamma and beta go; the folded shift becomes the convolution's
    bias, a new one of C values where the convolution had none) and keeps the others, whose scale and
    bias are learnt as Keras's gamma and beta. An estimate of the converter's habit, for the table."""
    L = keras.layers
    total = int(sum(keras.backend.count_params(w) for w in model.trainable_weights))
    for layer in model.layers:
        if not isinstance(layer, L.BatchNormalization):
            continue
        before = layer._inbound_nodes[0].inbound_layers
        if isinstance(before, (L.Conv2D, L.DepthwiseConv2D)) and not isinstance(before, L.Conv2DTranspose):
            total -= int(sum(keras.backend.count_params(w) for w in layer.trainable_weights))
            if not before.use_bias:
                total += int(layer.output_shape[-1])
    return total


def keras_macs(keras, model):
    """Multiply-adds of Conv2D, DepthwiseConv2D, SeparableConv2D and Dense, from each layer's config and
    output shape (a count independent of scnn-tools): a k x k convolution makes C_in/groups * k*k
    multiply-adds per output value, a depthwise one k*k, Dense C_in; None if a layer of another
    multiplying kind (Conv2DTranspose, attention) is there."""
    L = keras.layers
    total = 0
    for layer in model.layers:
        if not isinstance(layer, (L.Conv2D, L.DepthwiseConv2D, L.SeparableConv2D, L.Dense)):
            if isinstance(layer, (L.Conv2DTranspose, L.Conv1D, L.Conv3D, L.MultiHeadAttention)):
                return None
            continue
        out = layer.output_shape
        if isinstance(out, list):
            return None
        values = int(np.prod(out[1:]))
        cin = layer.input_shape[-1]
        if isinstance(layer, L.SeparableConv2D):
            kh, kw = layer.kernel_size
            spatial = int(np.prod(out[1:-1]))
            total += spatial * cin * layer.depth_multiplier * (kh * kw + layer.filters)
        elif isinstance(layer, L.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            total += values * kh * kw
        elif isinstance(layer, L.Conv2D):
            kh, kw = layer.kernel_size
            total += values * (cin // layer.groups) * kh * kw
        else:
            total += values * cin
    return int(total)


try:
    import numpy as np
except ImportError:  # the analyze step's environment has numpy too; this keeps the header importable
    np = None


# ---------------------------------------------------------------- analyze

def analyze_one(path):
    env = dict(os.environ)
    code, cpu, wall, out, err = child([sys.executable, "-m", "scnn_tools", "analyze", "--format", "json", path], 180)
    row = {"exit": code, "cpu_s": round(cpu, 2), "stderr": err.strip()[-600:]}
    if code == 0:
        result = json.loads(out)
        totals = result["totals"]
        row.update({
            "params": totals.get("params"), "params_known": totals.get("params_known"),
            "macc": totals.get("macc"), "macc_known": totals.get("macc_known"),
            "macc_missing": totals.get("macc_missing"),
            "warnings": {}, "unknown_types": sorted({w["message"].split("'")[1] for w in result["warnings"]
                                                     if w["code"] == "unknown-layer-type"}),
            "layers": len(result["layers"]),
            "unknown_shapes": sum(1 for layer in result["layers"] for o in layer["outputs"] if o["shape"] is None
                                  or None in o["shape"]),
        })
        for w in result["warnings"]:
            row["warnings"][w["code"]] = row["warnings"].get(w["code"], 0) + 1
        row["warning_examples"] = {}
        for w in result["warnings"]:
            row["warning_examples"].setdefault(w["code"], f"{w.get('layer')}: {w['message'][:200]}")
        del env
    return row


def fmt(n):
    return "?" if n is None else f"{n:,}"


def table(rows):
    head = ("| model | exported | analyze | params ours | published / framework | diff | macc ours | "
            "independent macc | diff | unknown / warnings | cpu s (export, analyze) |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        a = r.get("analysis") or {}
        exp = "ok" if r.get("bytes") else f"FAIL: {r.get('error', '')[:80]}"
        ours_p, ours_m = a.get("params"), a.get("macc")
        if r["framework"] == "keras":
            ref_p, ref_m = r.get("keras_expected_folded"), r.get("keras_macs")
            ref_p_s = (f"{fmt(ref_p)} folded ({fmt(r.get('keras_params'))} all, "
                       f"{fmt(r.get('keras_trainable'))} trainable)")
        else:
            pub = r.get("published") or {}
            ref_p = (pub.get("num_params") or 0) - (r.get("params_left_out") or 0) if pub.get("num_params") else r.get("torch_params")
            ref_p_s = f"{fmt(pub.get('num_params'))}" + (f" - {fmt(r['params_left_out'])}" if r.get("params_left_out") else "") \
                + ("" if ref_p == r.get("torch_params") else f" (torch {fmt(r.get('torch_params'))})")
            ref_m = r.get("torch_macs")
        dp = "" if ours_p is None or ref_p is None else f"{ours_p - ref_p:+,}"
        dm = "" if ours_m is None or ref_m is None else f"{ours_m - ref_m:+,}"
        ref_m_s = fmt(ref_m)
        if r["framework"] == "torch" or r["framework"] == "torchvision":
            g = (r.get("published") or {}).get("gflops")
            ref_m_s += f" (torch); pub {g}"
            roi = r.get("torch_roi_macs_left_out")
            if roi and ref_m is not None:
                ref_m_s += f"; ROI box heads left out {fmt(roi)}, torch + those {(ref_m + roi) / 1e9:.3f}"
        unk = ", ".join(a.get("unknown_types", []))
        warn = ", ".join(f"{k} {v}" for k, v in sorted((a.get("warnings") or {}).items()))
        status = a.get("exit", "-") if r.get("bytes") else "-"
        if status == 0 and a.get("macc") is None:
            status = "0, partly unknown"
        lines.append(f"| {r['model']} | {exp} | {status} | {fmt(ours_p) if ours_p is not None else fmt(a.get('params_known')) + ' known'} | "
                     f"{ref_p_s} | {dp} | {fmt(ours_m) if ours_m is not None else fmt(a.get('macc_known')) + ' known'} | "
                     f"{ref_m_s} | {dm} | {unk}{'; ' if unk and warn else ''}{warn} | "
                     f"{r.get('export_cpu_s', '')}, {a.get('cpu_s', '')} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("step", choices=["torch", "keras", "analyze", "torch-one", "keras-one", "recount"])
    p.add_argument("names", nargs="*")
    p.add_argument("--out", default="/work/sweep-zoo")
    args = p.parse_args()
    if args.step == "recount":  # torch's multiply-adds again, into each named model's record
        for name in args.names:
            path = os.path.join(args.out, "torch", name + ".json")
            record = json.load(open(path))
            record.update({k: v for k, v in torch_export_one(name, None, recount_only=True).items()
                           if k.startswith("torch_")})
            with open(path, "w") as f:
                json.dump(record, f, indent=1)
        return
    if args.step in ("torch-one", "keras-one"):
        kind = args.step.split("-")[0]
        out = os.path.join(args.out, kind)
        one = torch_export_one if kind == "torch" else keras_export_one
        record = one(args.names[0], out)
        with open(os.path.join(out, args.names[0] + ".json"), "w") as f:
            json.dump(record, f, indent=1)
        return
    if args.step in ("torch", "keras"):
        out = os.path.join(args.out, args.step)
        os.makedirs(out, exist_ok=True)
        names = args.names or (torch_models() if args.step == "torch" else keras_models())
        for name in names:
            if os.path.exists(os.path.join(out, name + ".json")):
                continue
            code, cpu, wall, _, err = child([sys.executable, __file__, args.step + "-one", name, "--out", args.out], LIMIT)
            if code != 0:
                with open(os.path.join(out, name + ".json"), "w") as f:
                    json.dump({"model": name, "framework": "torchvision" if args.step == "torch" else "keras",
                               "error": f"exit {code}: {err.strip()[-1500:]}"}, f, indent=1)
            print(f"{name}: exit {code}, {cpu:.0f} s CPU, {wall:.0f} s", flush=True)
        return
    rows = []
    for kind in ("torch", "keras"):
        folder = os.path.join(args.out, kind)
        if not os.path.isdir(folder):
            continue
        for fname in sorted(os.listdir(folder)):
            if not fname.endswith(".json"):
                continue
            record = json.load(open(os.path.join(folder, fname)))
            if args.names and record["model"] not in args.names:
                continue
            onnx_path = os.path.join(folder, record["model"] + ".onnx")
            if record.get("bytes") and os.path.exists(onnx_path):
                record["analysis"] = analyze_one(onnx_path)
                print(f"{record['model']}: {record['analysis'].get('exit')} "
                      f"{record['analysis'].get('cpu_s')} s", flush=True)
            rows.append(record)
    name = "zoo" if not args.names else "zoo-part"
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(rows, f, indent=1)
    with open(os.path.join(args.out, name + ".md"), "w") as f:
        f.write(table(rows) + "\n")


if __name__ == "__main__":
    main()

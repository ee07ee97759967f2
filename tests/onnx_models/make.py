"""Make the real PyTorch-exported ONNX models under tests/onnx_models/, graphs only.

Made with: Python 3.11.7, torch 2.13.0+cpu, torchvision 0.28.0, onnx 1.23.2, onnxscript 0.7.2
(the exact versions of the run that wrote the committed files are in manifest.json, "generator").
torch is not a dependency of scnn-tools: run this from a scratch environment, e.g.

    python3 -m venv /work/scratch-torch
    /work/scratch-torch/bin/pip install torch torchvision onnx onnxscript
    /work/scratch-torch/bin/python tests/onnx_models/make.py

Every model is built with weights=None and filled with distinct random values (only the graph is
kept; see distinct_values for why not torchvision's own initialisation), exported by
torch.onnx.export's default exporter (torch.export + onnxscript, opset 20 here) and then stripped by
strip.py: each float initializer with more than 8 elements becomes an external-data reference to a file
that is never written, its dims kept, so a reader that needs only the initializer shapes (scnn-tools)
reads the model whole while onnxruntime cannot run it. `make.py NAME...` remakes only those models.

The exporter's default optimisation folds each eval-mode BatchNormalization into the Conv before it
(onnxscript's FuseBatchNormIntoConv), which turns the two learnable vectors of a BatchNorm2d into one conv
bias and so changes the parameter count. The models here keep BatchNormalization (the default rewrite
rules minus that one), so parameters compare with torchvision's published counts; resnet50_fused.onnx is
the same ResNet-50 exactly as the default writes it.

Input sizes: 224x224 for the classifiers (the crop_size torchvision's published GFLOPs were measured at);
520x520 for DeepLabV3 and FCN (torchvision's SemanticSegmentation preset, resize_size=520, which its
segmentation GFLOPs refer to); 320x320 for SSDlite320 (its fixed transform size); 512x512 for the U-Net
(four 2x poolings need a multiple of 16, which 520 is not); 416x416 for the YOLO-style net (YOLOv3's
usual size, a multiple of its stride 32). yolo_spp_dynamic.onnx has symbolic H and W (multiples of 32).
"""

import os
import platform
import sys
import tempfile

import torch

# The torchvision wheels this registry serves are CUDA builds; beside a CPU-only torch their C
# extension does not load, and torchvision's import then fails registering a fake kernel for nms
# (torchvision/_meta_registrations.py registers it unguarded). Defining the two schemas lets the pure
# Python models import; nms itself stays unusable, and no model here runs it (no detection
# post-processing is exported).
try:
    import importlib.util

    _spec = importlib.util.find_spec("torchvision")
    _so = [f for f in os.listdir(os.path.dirname(_spec.origin)) if f.startswith("_C")]
    torch.ops.load_library(os.path.join(os.path.dirname(_spec.origin), _so[0]))
except Exception:  # the extension is unusable: see above
    _lib = torch.library.Library("torchvision", "DEF")
    _lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")

import onnx  # noqa: E402
import onnxscript  # noqa: E402
import onnxscript.rewriter as rewriter  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402
from torchvision import models as tvm  # noqa: E402
from torchvision.models import detection as tvd  # noqa: E402
from torchvision.models import segmentation as tvs  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strip  # noqa: E402



def conv_bn_act(cin, cout, k=3, s=1, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), act())


class UNet(nn.Module):
    """Ronneberger et al.'s U-Net as PyTorch code usually writes it: padded 3x3 convolutions (so the
    output has the input's size), four 2x2 max-poolings, 2x2 stride-2 transposed convolutions, skip
    concatenations; 32 base channels instead of 64."""

    def __init__(self, cin=3, classes=2, base=32):
        super().__init__()
        widths = [base * 2**i for i in range(5)]
        self.down = nn.ModuleList()
        prev = cin
        for w in widths:
            self.down.append(nn.Sequential(conv_bn_act(prev, w), conv_bn_act(w, w)))
            prev = w
        self.pool = nn.MaxPool2d(2)
        self.ups = nn.ModuleList()
        self.up_convs = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.ups.append(nn.ConvTranspose2d(w * 2, w, 2, stride=2))
            self.up_convs.append(nn.Sequential(conv_bn_act(w * 2, w), conv_bn_act(w, w)))
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        for up, conv, skip in zip(self.ups, self.up_convs, reversed(skips[:-1])):
            x = conv(torch.cat([up(x), skip], dim=1))
        return self.head(x)


class SPP(nn.Module):
    """YOLOv3-SPP's block: max-poolings of 5, 9 and 13 at stride 1, 'same' padding, concatenated."""

    def __init__(self):
        super().__init__()
        self.pools = nn.ModuleList(nn.MaxPool2d(k, 1, k // 2) for k in (5, 9, 13))

    def forward(self, x):
        return torch.cat([x] + [p(x) for p in self.pools], dim=1)


class YoloSPP(nn.Module):
    """A small YOLO-style detector: a strided backbone to stride 32, SPP on the last map, and a
    two-scale head whose second scale upsamples (nearest, x2) and concatenates the stride-16 map."""

    def __init__(self, anchors=3, classes=20):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.1)  # noqa: E731
        widths = [16, 32, 64, 128, 256, 512]
        self.stem = conv_bn_act(3, widths[0], act=act)
        self.stages = nn.ModuleList(
            nn.Sequential(conv_bn_act(a, b, 3, 2, act=act), conv_bn_act(b, b, 1, act=act), conv_bn_act(b, b, act=act))
            for a, b in zip(widths, widths[1:]))
        out = anchors * (5 + classes)
        self.neck = nn.Sequential(conv_bn_act(512, 256, 1, act=act), SPP(), conv_bn_act(1024, 256, 1, act=act),
                                  conv_bn_act(256, 512, act=act))
        self.head32 = nn.Conv2d(512, out, 1)
        self.lateral = conv_bn_act(512, 128, 1, act=act)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.fuse16 = nn.Sequential(conv_bn_act(128 + 256, 256, act=act), conv_bn_act(256, 256, act=act))
        self.head16 = nn.Conv2d(256, out, 1)

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        p32 = self.neck(feats[-1])
        p16 = self.fuse16(torch.cat([self.up(self.lateral(p32)), feats[-2]], dim=1))
        return self.head32(p32), self.head16(p16)


class SegNetUnpool(nn.Module):
    """SegNet's decoder as PyTorch code writes it: max-pooling that keeps its indices, and max-unpooling
    back through them (nn.MaxUnpool2d's aten.max_unpool2d, called directly: torch 2.13's exporters both
    fail in the module's output-size check). The exporter writes the unpooling as a flat ScatterND."""

    def __init__(self, cin=3, classes=2, widths=(16, 32)):
        super().__init__()
        self.enc = nn.ModuleList([conv_bn_act(cin, widths[0]), conv_bn_act(widths[0], widths[1])])
        self.pool = nn.MaxPool2d(2, 2, return_indices=True)
        self.dec = nn.ModuleList([conv_bn_act(widths[1], widths[0]), conv_bn_act(widths[0], widths[0])])
        self.head = nn.Conv2d(widths[0], classes, 3, padding=1)

    def forward(self, x):
        sizes, indices = [], []
        for block in self.enc:
            x = block(x)
            sizes.append(list(x.shape[2:]))
            x, where = self.pool(x)
            indices.append(where)
        for block, where, size in zip(self.dec, reversed(indices), reversed(sizes)):
            x = block(torch.ops.aten.max_unpool2d(x, where, size))
        return self.head(x)


class EinsumAttention(nn.Module):
    """A self-attention block over a feature map written with torch.einsum (as many vision transformers
    and non-local blocks are): q, k, v 1x1 convolutions, scores "bci,bcj->bij", output "bij,bcj->bci"."""

    def __init__(self, cin=3, width=16):
        super().__init__()
        self.stem = nn.Conv2d(cin, width, 3, 2, 1)
        self.q, self.k, self.v = (nn.Conv2d(width, width, 1) for _ in range(3))

    def forward(self, x):
        x = self.stem(x)
        q, k, v = (f(x).flatten(2) for f in (self.q, self.k, self.v))
        a = torch.einsum("bci,bcj->bij", q, k).softmax(-1)
        return torch.einsum("bij,bcj->bci", a, v).reshape(x.shape) + x


class Outputs(nn.Module):
    """A torchvision model whose outputs are a dict, returned as a tuple in a fixed order."""

    def __init__(self, model, keys):
        super().__init__()
        self.model, self.keys = model, keys

    def forward(self, x):
        out = self.model(x)
        return tuple(out[k] for k in self.keys)


class SSDNoPost(nn.Module):
    """SSDlite without its transform, anchors and post-processing: backbone, extra layers and the
    classification and box-regression heads, which hold all of the model's parameters."""

    def __init__(self, model):
        super().__init__()
        self.backbone, self.head = model.backbone, model.head

    def forward(self, x):
        out = self.head(list(self.backbone(x).values()))
        return out["cls_logits"], out["bbox_regression"]


def weights_meta(enum_value, note=""):
    """Published figures from the installed torchvision's weights metadata: num_params and _ops (the
    GFLOPS column of torchvision's model tables)."""
    meta = enum_value.meta
    cls = type(enum_value)
    return {"weights": f"torchvision.models.{cls.__name__}.{enum_value.name}",
            "source": f"torchvision {torchvision.__version__}: {cls.__module__.replace('.', '/')}.py, "
                      f"{cls.__name__}.{enum_value.name}.meta",
            "num_params": meta["num_params"], "gflops": meta["_ops"], **({"note": note} if note else {})}


def segmenter(stem, builder, weights):
    """A torchvision segmenter as its published weights have it: 21 classes and the auxiliary FCN head
    (aux_loss=True), both outputs exported, at 520x520."""
    return (stem, lambda: Outputs(builder(weights=None, weights_backbone=None, num_classes=21, aux_loss=True),
                                  ["out", "aux"]),
            [1, 3, 520, 520], ["out", "aux"],
            lambda: weights_meta(weights, "the published model has the auxiliary FCN head (aux_loss=True), as here"),
            False, False, "")


MODELS = [
    # (file stem, builder, input [N,C,H,W], output names, published meta or None, dynamic, fuse BN, note)
    ("resnet50", lambda: tvm.resnet50(weights=None), [1, 3, 224, 224], ["logits"],
     lambda: weights_meta(tvm.ResNet50_Weights.IMAGENET1K_V1), False, False, ""),
    ("resnet50_fused", lambda: tvm.resnet50(weights=None), [1, 3, 224, 224], ["logits"],
     lambda: weights_meta(tvm.ResNet50_Weights.IMAGENET1K_V1), False, True,
     "torch.onnx.export's default: each BatchNorm2d folded into its Conv's bias"),
    ("mobilenet_v3_large", lambda: tvm.mobilenet_v3_large(weights=None), [1, 3, 224, 224], ["logits"],
     lambda: weights_meta(tvm.MobileNet_V3_Large_Weights.IMAGENET1K_V1), False, False, ""),
    ("efficientnet_b0", lambda: tvm.efficientnet_b0(weights=None), [1, 3, 224, 224], ["logits"],
     lambda: weights_meta(tvm.EfficientNet_B0_Weights.IMAGENET1K_V1), False, False, ""),
    segmenter("deeplabv3_resnet50", tvs.deeplabv3_resnet50, tvs.DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1),
    segmenter("fcn_resnet50", tvs.fcn_resnet50, tvs.FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1),
    ("ssdlite320_mobilenet_v3_large",
     lambda: SSDNoPost(tvd.ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=91)),
     [1, 3, 320, 320], ["cls_logits", "bbox_regression"],
     lambda: weights_meta(tvd.SSDLite320_MobileNet_V3_Large_Weights.COCO_V1,
                          "whole detector; anchors and post-processing have no parameters and are not exported"),
     False, False, ""),
    ("vit_b_32", lambda: tvm.vit_b_32(weights=None), [1, 3, 224, 224], ["logits"],
     lambda: weights_meta(tvm.ViT_B_32_Weights.IMAGENET1K_V1), False, False,
     "the class token arrives as an initializer the Concat before the encoder reads"),
    ("swin_t", lambda: tvm.swin_t(weights=None), [1, 3, 224, 224], ["logits"],
     lambda: weights_meta(tvm.Swin_T_Weights.IMAGENET1K_V1), False, False,
     "the shifted windows' mask is a ScatterND on a stripped initializer: its dims fold, its values are unknown"),
    ("unet", lambda: UNet(), [1, 3, 512, 512], ["logits"], None, False, False, "written in make.py"),
    ("yolo_spp", lambda: YoloSPP(), [1, 3, 416, 416], ["p32", "p16"], None, False, False, "written in make.py"),
    ("yolo_spp_dynamic", lambda: YoloSPP(), [1, 3, 416, 416], ["p32", "p16"], None, True, False,
     "H and W symbolic (32*h, 32*w); exported from a 416x416 example"),
    ("segnet_unpool", lambda: SegNetUnpool(), [1, 3, 64, 64], ["logits"], None, False, False,
     "written in make.py: max-unpooling through the pooling indices, which the exporter writes as ScatterND"),
    ("einsum_attention", lambda: EinsumAttention(), [1, 3, 32, 32], ["out"], None, False, False,
     "written in make.py: a self-attention written with torch.einsum"),
]


def distinct_values(module):
    """Fill every float parameter and buffer with values in [0.5, 1.5), as a trained model's are.
    torchvision initialises BatchNorm to ones and zeros and many biases to zeros, and the exporter's
    optimiser merges initializers of equal value (DeduplicateInitializersPass): a random-init export
    would share one tensor among many layers, which a reader rightly counts once, and show fewer
    parameters than the model has. Positive values keep BatchNorm's variances valid."""
    with torch.no_grad():
        for tensor in [*module.parameters(), *module.buffers()]:
            if tensor.is_floating_point():
                tensor.uniform_(0.5, 1.5)


def torch_macs(module, shape):
    """Multiply-adds by torch's own counter (torch.utils.flop_counter), which counts 2 FLOPs per
    multiply-add of convolutions and matrix products and nothing else in these nets: a figure that owes
    nothing to scnn-tools."""
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    # Attention must run as the matrix products the exporter writes: nn.MultiheadAttention's eval-mode
    # fast path (torch._native_multi_head_attention) and CPU's fused scaled_dot_product_attention are
    # ops the counter has no formula for (ViT-B/32: 2.95 G with the first, 4.363 G with the second,
    # 4,409,186,304 = torchvision's 4.409 with neither).
    from torch.nn.attention import SDPBackend, sdpa_kernel
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
            module(torch.randn(*shape))
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    total = counter.get_total_flops()
    assert total % 2 == 0, total
    return total // 2


# Receptive fields one can source, each worked out by hand in tests/test_onnx_models.py (which checks
# them with its own copy, so that this table is documentation only).
KNOWN_FIELDS = {
    "resnet50.onnx": "layer4 (the output of layer4.2.conv3 and of the block): 427 pixels, jump 32, start 0 -- "
                     "torchvision's ResNet-50 is V1.5 (stride in each stage's first 3x3, "
                     "torchvision/models/resnet.py); the 483 often quoted is the original's (Caffe, Keras, "
                     "TF-slim resnet_v1_50: 35, 99, 291, 483 at the stage ends; ../shared/reference/known_values.md)",
    "resnet50_fused.onnx": "as resnet50.onnx: folding BatchNorm into the convolutions moves no position",
    "deeplabv3_resnet50.onnx": "backbone layer4: 427 pixels at jump 8 (dilation instead of stride in layer3 and "
                               "layer4); ASPP's rate-36 branch 1003; the head's output global (ASPP image pooling)",
    "yolo_spp.onnx": "p32: 637 pixels, jump 32, start 0; p16 (6, 6) and (6, 7): rows/columns -254..446",
    "keras_resnet50.onnx": "the last block: 483 pixels, jump 32, padding 241 (google-research/receptive_field "
                           "printed the same for the Keras model)",
}


def optimize(program, fuse_bn):
    """The exporter's default optimisation, without FuseBatchNormIntoConv unless fuse_bn (the header says why)."""
    rules = rewriter._DEFAULT_REWRITE_RULES
    if not fuse_bn:
        from onnxscript.rewriter import _fuse_batchnorm
        drop = {id(r) for r in _fuse_batchnorm.rules}
        rewriter._DEFAULT_REWRITE_RULES = tuple(r for r in rules if id(r) not in drop)
    try:
        program.optimize()
    finally:
        rewriter._DEFAULT_REWRITE_RULES = rules


def export(module, shape, outputs, dynamic, fuse_bn):
    x = torch.randn(*shape)
    kwargs = {}
    if dynamic:
        h, w = torch.export.Dim("h", min=1, max=64), torch.export.Dim("w", min=1, max=64)
        kwargs["dynamic_shapes"] = {"x": {2: 32 * h, 3: 32 * w}}
    program = torch.onnx.export(module, (x,), None, input_names=["input"], output_names=outputs,
                                optimize=False, dynamo=True, **kwargs)
    optimize(program, fuse_bn)
    with tempfile.TemporaryDirectory() as tmp:
        program.save(os.path.join(tmp, "m.onnx"), external_data=False)
        model = onnx.load(os.path.join(tmp, "m.onnx"))
    return model


def main():
    only = set(sys.argv[1:])
    entries = []
    for stem, build, shape, outputs, published, dynamic, fuse_bn, note in MODELS:
        if only and stem not in only:
            continue
        torch.manual_seed(0)
        module = build().eval()
        distinct_values(module)
        macs = torch_macs(module, shape)
        entry = strip.write(export(module, shape, outputs, dynamic, fuse_bn), stem)
        entry.update({
            "input": {"name": "input", "shape": shape if not dynamic else [1, 3, "32*h", "32*w"],
                      "example_shape": shape},
            "outputs": outputs, "dynamic_hw": dynamic, "batchnorm_fused": fuse_bn,
            "torch_params": sum(p.numel() for p in module.parameters()), "torch_macs": macs,
            "published": published() if published else None,
        })
        if note:
            entry["note"] = note
        entries.append(entry)
    strip.update_manifest("known_fields", KNOWN_FIELDS, [])
    strip.update_manifest("generator", {
        "script": "tests/onnx_models/make.py", "python": platform.python_version(),
        "torch": torch.__version__, "torchvision": torchvision.__version__,
        "onnx": onnx.__version__, "onnxscript": onnxscript.__version__,
        "exporter": "torch.onnx.export(dynamo=True, optimize=False) then ONNXProgram.optimize() with "
                    "onnxscript's default rewrite rules, FuseBatchNormIntoConv left out unless batchnorm_fused",
        "weights": "weights=None, then every float parameter and buffer uniform in [0.5, 1.5) after "
                   "torch.manual_seed(0); float initializers > 8 elements stripped to external-data "
                   "references (file never written)",
        "gflops": "published gflops are torchvision's _ops: multiply-adds of convolutions and matrix "
                  "products in billions (see tests/test_onnx_models.py); torch_macs is half of "
                  "torch.utils.flop_counter's FLOPs"}, entries)


if __name__ == "__main__":
    main()

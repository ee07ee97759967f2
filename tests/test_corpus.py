"""Every real file of ../shared/corpus: read, upgraded and connected, checked against the files themselves."""

import csv
import re
from collections import Counter

import pytest

from scnn_tools.errors import InputError
from scnn_tools.net.graph import build
from scnn_tools.netfile.reader import read_net

from conftest import CORPUS, corpus_files, corpus_id, needs_shared

pytestmark = needs_shared

TEMPLATES = {"xmojiao__deeplab_v2/voc2012/config/deeplab_largeFOV/test.prototxt",
             "xmojiao__deeplab_v2/voc2012/config/deeplab_largeFOV/train.prototxt"}

# Caffe's names of the V1 enum and V0 string layer types, as the manifest writes them, in V2.
LEGACY_NAMES = {
    "RELU": "ReLU", "CONVOLUTION": "Convolution", "POOLING": "Pooling", "INNER_PRODUCT": "InnerProduct",
    "LRN": "LRN", "DROPOUT": "Dropout", "SOFTMAX": "Softmax", "DATA": "Data", "ACCURACY": "Accuracy",
    "SOFTMAX_LOSS": "SoftmaxWithLoss", "relu": "ReLU", "conv": "Convolution", "pool": "Pooling",
    "innerproduct": "InnerProduct", "lrn": "LRN", "dropout": "Dropout", "softmax": "Softmax",
}


def manifest():
    with open(CORPUS / "MANIFEST.tsv", newline="") as f:
        return {row["local_path"]: row for row in csv.DictReader(f, delimiter="\t")}


def manifest_counts(row):
    """'ReLUx7, Convolutionx5 | features: ...' → {'ReLU': 7, 'Convolution': 5}."""
    listed = row["notable_layer_types"].split("|")[0]
    counts = {}
    for item in listed.split(","):
        name, _, count = item.strip().rpartition("x")
        counts[LEGACY_NAMES.get(name, name)] = int(count)
    return counts


def top_level_blocks(text):
    """Brute force, independent of the reader: the top-level `name { ... }` blocks of a prototxt."""
    blocks, depth, start, i, n = [], 0, None, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if ch in "\"'":
            i = text.index(ch, i + 1) + 1
            continue
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                head = re.search(r"(\w+)\s*:?\s*$", text[max(0, start - 100):start]).group(1)
                blocks.append((head, text[start:i + 1]))
        i += 1
    return blocks


def kept_in_test_phase(block):
    """TEST phase, no stages: a rule naming a stage cannot be met."""
    def met(rule):
        phase = re.search(r"phase\s*:\s*(\w+)", rule)
        return (phase is None or phase.group(1) == "TEST") and not re.search(r"\bstage\s*:", rule)
    include = [met(r) for r in re.findall(r"include\s*:?\s*\{([^}]*)\}", block)]
    exclude = [met(r) for r in re.findall(r"exclude\s*:?\s*\{([^}]*)\}", block)]
    if include:
        return any(include)
    return not any(exclude)


# What is truly odd in the files: BVLC's autoencoder names two layers "loss".
# (mnist_autoencoder's two layers named 'loss' learn nothing: weights by name cannot go astray, no warning)
WARNINGS = {}


@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_every_corpus_file_reads_into_a_graph(path):
    rel = corpus_id(path)
    if rel in TEMPLATES:
        with pytest.raises(InputError, match=r"template placeholder.*\$\{NUM_LABELS\}"):
            read_net(path)
        return
    netfile = read_net(path)
    graph = build(netfile, "TEST")
    assert netfile.warnings == []
    assert [(w["code"], w["layer"]) for w in graph.warnings] == WARNINGS.get(rel, [])
    text = path.read_text(encoding="utf-8")

    # The layer count after upgrade and phase filtering, counted independently from the text.
    blocks = [body for head, body in top_level_blocks(text) if head in ("layer", "layers")]
    expected = sum(kept_in_test_phase(b) for b in blocks)
    if re.search(r"^input\s*:", text, re.M):
        expected += 1  # Caffe turns net-level inputs into one Input layer
    assert len(graph.nodes) == expected

    # Per-type counts over all phases, as the manifest lists them.
    row = manifest()[rel]
    counts = Counter(layer.type for layer in netfile.net.layer)
    for type_name, count in manifest_counts(row).items():
        assert counts[type_name] == count, type_name
    assert netfile.format == {"V2": "V2", "V1": "V1", "V0": "V0"}[row["format"][:2]]


# Input declarations, as written in each file.
INPUTS = {
    "BVLC__caffe/models/bvlc_alexnet/deploy.prototxt": [("data", [10, 3, 227, 227])],
    "BVLC__caffe/models/bvlc_googlenet/deploy.prototxt": [("data", [10, 3, 224, 224])],
    "BVLC__caffe@2f5889cb/models/bvlc_alexnet/deploy.prototxt": [("data", [10, 3, 227, 227])],
    "BVLC__caffe@2e330581/examples/imagenet/imagenet_deploy.prototxt": [("data", [10, 3, 227, 227])],
    "KaimingHe__deep-residual-networks/prototxt/ResNet-50-deploy.prototxt": [("data", [1, 3, 224, 224])],
    "forresti__SqueezeNet/SqueezeNet_v1.0/deploy.prototxt": [("data", [10, 3, 227, 227])],
    "hszhao__PSPNet/evaluation/prototxt/pspnet101_cityscapes_713.prototxt": [("data", [1, 3, 713, 713])],
    "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/deploy.prototxt": [("data", [1, 3, 500, 500])],
    "rbgirshick__py-faster-rcnn/models/pascal_voc/VGG16/faster_rcnn_end2end/test.prototxt":
        [("data", [1, 3, 224, 224]), ("im_info", [1, 3])],
    "chuanqi305__MobileNet-SSD/deploy.prototxt": [("data", [1, 3, 300, 300])],
    "TimoSaemann__ENet/prototxts/enet_deploy_final.prototxt": [("data", [1, 3, 512, 1024])],
    "XingangPan__SCNN-prototxt-generator/examples/resnet101.prototxt": [("data", [1, 3, 361, 361])],
    # Data layers: what the file declares, `None` where the data decides.
    "BVLC__caffe/examples/finetune_pascal_detection/pascal_finetune_trainval_test.prototxt":
        [("data", [128, 3, 227, 227]), ("label", [128])],
    "TimoSaemann__ENet/prototxts/enet_train_encoder_decoder.prototxt":
        [("data", [3, 3, 512, 1024]), ("label", [3, 1, 512, 1024])],
    "alexgkendall__SegNet-Tutorial/Models/segnet_inference.prototxt":
        [("data", [1, 3, None, None]), ("label", [1, 1, None, None])],
    "BVLC__caffe/examples/mnist/lenet_train_test.prototxt": [("data", [100, None, None, None]), ("label", [100])],
    "XingangPan__SCNN-prototxt-generator/examples/SCNN.prototxt": [("conv5_5", None)],
}


@pytest.mark.parametrize("rel", sorted(INPUTS))
def test_input_shapes_as_the_files_declare_them(rel):
    graph = build(read_net(CORPUS / rel), "TEST")
    got = [(graph.blobs[i.blob].name, i.shape) for i in graph.inputs]
    assert got == INPUTS[rel]
    for i in graph.inputs:
        assert i.complete == (i.shape is not None and None not in i.shape)
        assert (i.note is None) == i.complete


# What Caffe learns from the data and the file cannot say: (phase, stages, image shape, other named shapes).
DATA = {
    "BVLC__caffe/examples/cifar10/cifar10_full_sigmoid_train_test_bn.prototxt": ("TEST", [], [100, 3, 32, 32], {}),
    "BVLC__caffe/examples/mnist/lenet_train_test.prototxt": ("TEST", [], [100, 1, 28, 28], {}),
    "BVLC__caffe@f15210cd/examples/mnist/lenet_train_test.prototxt": ("TEST", [], [100, 1, 28, 28], {}),
    "BVLC__caffe/examples/mnist/mnist_autoencoder.prototxt": ("TEST", ["test-on-test"], [100, 1, 28, 28], {}),
    "BVLC__caffe/examples/siamese/mnist_siamese_train_test.prototxt": ("TEST", [], [100, 2, 28, 28], {}),
    "BVLC__caffe/models/bvlc_alexnet/train_val.prototxt": ("TEST", [], [50, 3, 227, 227], {}),
    "BVLC__caffe/models/bvlc_reference_caffenet/train_val.prototxt": ("TEST", [], [50, 3, 227, 227], {}),
    "BVLC__caffe@a6610018/models/bvlc_reference_caffenet/train_val.prototxt": ("TEST", [], [50, 3, 227, 227], {}),
    "BVLC__caffe/models/bvlc_googlenet/train_val.prototxt": ("TEST", [], [50, 3, 224, 224], {}),
    "forresti__SqueezeNet/SqueezeNet_v1.0/train_val.prototxt": ("TEST", [], [25, 3, 227, 227], {}),
    "alexgkendall__SegNet-Tutorial/Models/segnet_inference.prototxt": ("TEST", [], [1, 3, 360, 480], {}),
    "alexgkendall__SegNet-Tutorial/Models/bayesian_segnet_inference.prototxt": ("TEST", [], [4, 3, 360, 480], {}),
    "alexgkendall__SegNet-Tutorial/Models/segnet_basic_train.prototxt": ("TEST", [], [4, 3, 360, 480], {}),
    "chuanqi305__MobileNet-SSD/train.prototxt": ("TRAIN", [], [24, 3, 300, 300], {}),
    # How many boxes and sampled ROIs there are is the data's and the solver's.
    "rbgirshick__py-faster-rcnn/models/pascal_voc/VGG16/faster_rcnn_end2end/train.prototxt":
        ("TRAIN", [], [1, 3, 600, 1000], {"gt_boxes": [4, 5], "rois": [128, 5], "labels": [128],
                                          "bbox_targets": [128, 84], "bbox_inside_weights": [128, 84],
                                          "bbox_outside_weights": [128, 84]}),
    "rbgirshick__py-faster-rcnn/models/pascal_voc/VGG16/faster_rcnn_end2end/test.prototxt":
        ("TEST", [], None, {"rois": [300, 5]}),
    "rbgirshick__py-faster-rcnn/models/pascal_voc/ZF/faster_rcnn_end2end/test.prototxt":
        ("TEST", [], None, {"rois": [300, 5]}),
    "shelhamer__fcn.berkeleyvision.org/voc-fcn8s/val.prototxt": ("TEST", [], [1, 3, 500, 500], {}),
    "shelhamer__fcn.berkeleyvision.org/voc-fcn32s/val.prototxt": ("TEST", [], [1, 3, 500, 500], {}),
    "shelhamer__fcn.berkeleyvision.org/voc-fcn-alexnet/val.prototxt": ("TEST", [], [1, 3, 500, 500], {}),
    "shelhamer__fcn.berkeleyvision.org/nyud-fcn32s-color-hha/trainval.prototxt":
        ("TEST", [], [1, 3, 425, 560], {"hha": [1, 3, 425, 560]}),
    "XingangPan__SCNN-prototxt-generator/examples/SCNN.prototxt": ("TEST", [], None, {"conv5_5": [1, 128, 46, 46]}),
}


@pytest.mark.parametrize("path", corpus_files(), ids=corpus_id)
def test_every_corpus_net_caffe_would_build_is_analyzed(path):
    from scnn_tools.engine.analysis import analyze

    rel = corpus_id(path)
    if rel in TEMPLATES:
        pytest.skip("a template: Caffe cannot build it until its placeholders are filled in")
    phase, stages, image, named = DATA.get(rel, ("TEST", [], None, {}))
    result = analyze(path, phase, image, named, stages)
    assert [w for w in result["warnings"] if w["code"] == "unknown-shape"] == []
    for layer in result["layers"]:
        for out in layer["outputs"]:
            assert out["shape"] is not None, (layer["name"], out["blob"])
    assert result["totals"]["params"] is not None and result["totals"]["macc"] is not None
    traced = [o for layer in result["layers"] for o in layer["outputs"] if o["rf"]]
    assert traced and all(o["scale"] is not None for o in traced if None not in o["rf"]["size"])
    # Counts are whole numbers wherever they are known (a blob made once per batch, divided by the batch,
    # once gave 1,048,593.0078125 activations), and no feature can be changed by more pixels than the
    # image has, whatever its box on the unbounded plane.
    numbers = [v for part in (result["totals"], result["memory"]) for v in part.values()]
    numbers += [v for d in numbers if isinstance(d, dict) for v in d.values()]
    assert all(isinstance(v, int) for v in numbers if not isinstance(v, (dict, list, type(None)))), numbers
    assert all(isinstance(layer["macc"], (int, type(None))) for layer in result["layers"])
    h, w = result["input"]["shape"][2:]
    # (an area only bounded, where a field is no product and its 2-D count was past the budget, by its bound)
    assert all((o["scale"]["area"] if o["scale"]["area"] is not None else o["scale"]["area_at_most"]) <= h * w
               for o in traced if o["scale"])

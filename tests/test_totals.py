"""Totals say what is known and what is missing: per item of a count nobody knows before the net runs,
as a bound where the layer's parameters give one, and never a guess. Every expected number is worked
out here from the layers' definitions; the bounds are also what real Caffe (the SSD fork) writes."""

import json
from pathlib import Path

import pytest

import realcaffe
from conftest import run_cli
from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.errors import InputError
from scnn_tools.netfile.reader import read_text
from scnn_tools.views.report import to_table

INPUT = 'layer {{ name: "{0}" type: "Input" top: "{0}" input_param {{ shape {{ {1} }} }} }}\n'


def dims(*shape):
    return " ".join(f"dim: {d}" for d in shape)


def analyzed(text, named=None):
    return report(Analysis(read_text(text), named=named))


# A detector's head on ROIs that a Python layer of a class scnn-tools does not know proposes: the ROIs'
# shape is unknown, but ROI pooling reads only how many there are (ROIPoolingLayer::Reshape: num x C x
# pooled_h x pooled_w), so what follows is known per ROI.
ROIS = (INPUT.format("data", dims(1, 3, 32, 32))
        + 'layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" '
          'convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }\n'
        + 'layer { name: "propose" type: "Python" bottom: "conv" top: "rois" top: "rois2" '
          'python_param { module: "mine" layer: "Proposals" } }\n'
        + 'layer { name: "pool" type: "ROIPooling" bottom: "conv" bottom: "rois" top: "pool" '
          'roi_pooling_param { pooled_h: 2 pooled_w: 3 spatial_scale: 1 } }\n'
        + 'layer { name: "pool2" type: "ROIPooling" bottom: "conv" bottom: "rois2" top: "pool2" '
          'roi_pooling_param { pooled_h: 2 pooled_w: 3 spatial_scale: 1 } }\n'
        + 'layer { name: "both" type: "Concat" bottom: "pool" bottom: "pool2" top: "both" concat_param { axis: 0 } }\n'
        + 'layer { name: "fc" type: "InnerProduct" bottom: "both" top: "fc" inner_product_param { num_output: 10 } }\n'
        + 'layer { name: "relu" type: "ReLU" bottom: "fc" top: "fc" }\n'
        + 'layer { name: "score" type: "InnerProduct" bottom: "fc" top: "score" '
          'inner_product_param { num_output: 5 } }\n')


def test_rois_from_an_unknown_python_layer_leave_only_their_count_unknown():
    result = analyzed(ROIS)
    shapes = {o["blob"]: o["shape"] for layer in result["layers"] for o in layer["outputs"]}
    assert shapes["rois"] is None and shapes["pool"] == shapes["pool2"] == [None, 4, 2, 3]
    assert shapes["both"] == [None, 4, 2, 3] and shapes["score"] == [None, 5]
    t = result["totals"]
    # conv 4 x 3 x 3 x 3 + 4; fc (4 x 2 x 3) x 10 + 10; score 10 x 5 + 5: known whatever the counts.
    assert t["params"] == 112 + 250 + 55
    # conv: 32 x 32 x 4 outputs of 27; per ROI of either stream (the concat holds both): fc 24 x 10, score 10 x 5.
    assert t["macc"] is None and t["macc_known"] == 32 * 32 * 4 * 27
    assert t["macc_per_item"] == {"rois": 290, "rois2": 290} and "macc_missing" not in t
    # Per image: data 3072 and conv 4096; per ROI: its pooled 24, its 24 in the concat, fc 10 and score 5.
    # The ROI blobs themselves are of unknown shape: the total is at least that, and says where it stops.
    assert t["activations"] is None and t["activations_known"] == 3072 + 4096
    assert t["activations_per_item"] == {"rois": 63, "rois2": 63}
    assert t["activations_missing"] == ["rois", "rois2"]
    warned = [w for w in result["warnings"] if w["code"] == "unknown-count"]
    assert [w["layer"] for w in warned] == ["pool", "pool2"] and "'rois'" in warned[0]["message"]
    table = to_table(result)
    assert "110,592 multiply-adds per image plus 290 per item of each of 'rois' and 'rois2'" in table
    assert "at least 7,168 activations per image" in table
    assert "what depends on 'rois' and 'rois2' is not counted" in table


def test_given_counts_turn_the_totals_per_item_into_numbers():
    # With the ROIs given (7 and 3 of them, 5 numbers each), everything is known: what was known, plus
    # each count times what its items add, plus the ROI blobs themselves.
    counted = analyzed(ROIS)["totals"]
    given = analyzed(ROIS, named={"rois": [7, 5], "rois2": [3, 5]})["totals"]
    assert given["macc"] == counted["macc_known"] + (7 + 3) * 290
    assert given["activations"] == counted["activations_known"] + (7 + 3) * 63 + (7 + 3) * 5
    assert given["params"] == counted["params"]


def test_memory_is_known_per_item_where_only_counts_are_unknown():
    # Faster R-CNN's proposal layer gives R x 5: every blob is known but for R, and both ROI poolings
    # read the same R ROIs.
    text = ROIS.replace('top: "rois" top: "rois2" python_param { module: "mine" layer: "Proposals" }',
                        'top: "rois" python_param { module: "rpn.proposal_layer" layer: "ProposalLayer" }')
    result = analyzed(text.replace('bottom: "rois2"', 'bottom: "rois"'))
    m = result["memory"]
    # Per ROI, allocated: rois 5, pool 24, pool2 24, both 2 x 24, fc 2 x 10, score 2 x 5 (relu is in place);
    # Caffe's figure adds relu's top (2 x 10) and the split of rois (read twice: 2 x 5); at 4 bytes a number.
    # Known: data 3072 and conv 4096, and for Caffe the split of conv (read by three layers: 3 x 4096).
    per_roi = 5 + 24 + 24 + 48 + 20 + 10
    assert m["blobs"] is None and m["blobs_known"] == 4 * (3072 + 4096)
    assert m["blobs_per_item"] == {"rois": 4 * per_roi}
    assert m["caffe_known"] == 4 * (3072 + 4096 + 3 * 4096)
    assert m["caffe_per_item"] == {"rois": 4 * (per_roi + 20 + 2 * 5)}
    # Training: data and diff of every blob, the splits' diffs, and 3 x the 417 parameters.
    assert m["training_known"] == 4 * (2 * (3072 + 4096) + 3 * 4096 + 3 * 417)
    assert m["training_per_item"] == {"rois": 4 * (2 * per_roi + 2 * 5)}
    assert f"plus {4 * per_roi} B per item of 'rois'" in to_table(result)


# SSD's DetectionOutput: 1 x 1 x (detections kept) x 7, bounded by its parameters.
def detections(keep_top_k=None, top_k=None, classes=3):
    """A net of 16 priors (4 x 4 positions, one box each) and their predictions, detected."""
    nms = "nms_param { nms_threshold: 1.0" + (f" top_k: {top_k}" if top_k is not None else "") + " }"
    keep = f" keep_top_k: {keep_top_k}" if keep_top_k is not None else ""
    return (INPUT.format("data", dims(1, 3, 32, 32)) + INPUT.format("feat", dims(1, 2, 4, 4))
            + INPUT.format("loc", dims(1, 16 * 4)) + INPUT.format("conf", dims(1, 16 * classes))
            + 'layer { name: "priors" type: "PriorBox" bottom: "feat" bottom: "data" top: "priors" '
              'prior_box_param { min_size: 8 clip: true } }\n'
            + 'layer { name: "detect" type: "DetectionOutput" bottom: "loc" bottom: "conf" bottom: "priors" '
              f'top: "detect" detection_output_param {{ num_classes: {classes} {nms}{keep} }} }}\n')


# keep_top_k caps what NMS leaves; NMS keeps at most top_k of the 16 priors for each class but the
# background; with nothing kept, one row per image (detection_output_layer.cpp, Forward_cpu).
BOUNDS = [(dict(keep_top_k=5, top_k=4), 5), (dict(top_k=4), 2 * 4), (dict(), 2 * 16), (dict(keep_top_k=0), 1),
          (dict(keep_top_k=100, top_k=6, classes=4), 3 * 6)]


@pytest.mark.parametrize("params, rows", BOUNDS)
def test_detections_are_bounded_by_their_parameters(params, rows):
    result = analyzed(detections(**params))
    out = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    assert out["detect"]["shape"] == [1, 1, None, 7]  # (unknown stays null; the bound has its own fields)
    classes = params.get("classes", 3)
    # data, feat, loc, conf, priors (1 x 2 x 16 x 4): exactly; the detections: at most rows x 7.
    exact = 3072 + 32 + 64 + 16 * classes + 128
    t, m = result["totals"], result["memory"]
    assert t["activations"] is None and t["activations_at_most"] == exact + 7 * rows
    assert m["blobs"] is None and m["blobs_at_most"] == 4 * (exact + 7 * rows)
    assert m["caffe_at_most"] == m["blobs_at_most"] and m["training_at_most"] == 2 * m["blobs_at_most"]
    assert f"at most {exact + 7 * rows:,} activations per image" in to_table(result)


@realcaffe.needs("ssd")
@pytest.mark.parametrize("params, rows", BOUNDS)
def test_the_bound_is_what_real_caffe_writes_when_nms_keeps_every_box(params, rows):
    # nms_threshold 1 keeps every box that scores (any score does, without confidence_threshold): NMS and
    # keep_top_k leave exactly as many rows as the bound allows.
    analysis = Analysis(read_text(detections(**params)))
    ours = analysis.shapes.bounds[analysis.graph.blob("detect").id]
    result = realcaffe.forward(detections(**params), ["detect"], build="ssd")
    assert "error" not in result, result.get("error")
    assert list(result["blobs"]["detect"].shape) == ours == [1, 1, rows, 7]


# A fork's PriorBox that makes more boxes than SSD's with no field to say so (TextBoxes's vertical offsets
# double them): predictions for `predicted` priors where SSD's rule makes 16 (4 x 4 positions, one box each).
# The SSD fork's Reshape of DetectionOutput and MultiBoxLoss CHECKs that priors * 4 (share_location) and
# priors * classes are the channels, and stops there; so must the analysis, rather than print 16 as the net's.
def fork_priors(layer, predicted=32):
    loss = layer == "MultiBoxLoss"
    return (INPUT.format("data", dims(1, 3, 32, 32)) + INPUT.format("feat", dims(1, 2, 4, 4))
            + INPUT.format("loc", dims(1, predicted * 4)) + INPUT.format("conf", dims(1, predicted * 3))
            + (INPUT.format("gt", dims(1, 1, 2, 8)) if loss else "")
            + 'layer { name: "priors" type: "PriorBox" bottom: "feat" bottom: "data" top: "priors" '
              'prior_box_param { min_size: 8 clip: true } }\n'
            + f'layer {{ name: "head" type: "{layer}" bottom: "loc" bottom: "conf" bottom: "priors" '
            + ('bottom: "gt" top: "loss" multibox_loss_param { num_classes: 3 } }\n' if loss else
               'top: "detect" detection_output_param { num_classes: 3 nms_param { nms_threshold: 0.45 } } }\n'))


@pytest.mark.parametrize("layer", ["DetectionOutput", "MultiBoxLoss"])
def test_priors_that_do_not_fit_the_predictions_are_refused_naming_the_layer(layer):
    with pytest.raises(InputError) as info:
        Analysis(read_text(fork_priors(layer)))
    assert f"layer 'head' ({layer})" in info.value.message
    assert "16 priors (bottom 2, (1, 2, 64)) need 64 location and 48 confidence channels; " \
           "the bottoms are (1, 128) and (1, 96), and the SSD fork's Caffe stops here (a fork whose PriorBox makes " \
           "more boxes" in info.value.message
    Analysis(read_text(fork_priors(layer, predicted=16)))


@realcaffe.needs("ssd")
@pytest.mark.parametrize("layer", ["DetectionOutput", "MultiBoxLoss"])
def test_real_caffe_refuses_those_priors_too(layer):
    caffe = realcaffe.shapes(fork_priors(layer), "ssd")
    assert not caffe["load_ok"] and "Number of priors must match" in caffe["error"]
    fitting = realcaffe.shapes(fork_priors(layer, predicted=16), "ssd")
    assert fitting["load_ok"], fitting["error"]


def test_a_count_reshaped_into_a_later_axis_is_still_counted():
    # Proposals (R x 5) reshaped into 1 x 5R: the first axis is known, the second is five per ROI.
    text = (INPUT.format("data", dims(1, 3, 8, 8))
            + 'layer { name: "propose" type: "Python" bottom: "data" top: "rois" '
              'python_param { module: "rpn.proposal_layer" layer: "ProposalLayer" } }\n'
            + 'layer { name: "flat" type: "Reshape" bottom: "rois" top: "flat" '
              'reshape_param { shape { dim: 1 dim: -1 } } }\n')
    result = analyzed(text)
    assert [o["shape"] for layer in result["layers"] for o in layer["outputs"]][-1] == [1, None]
    t = result["totals"]
    assert t["activations_known"] == 192 and t["activations_per_item"] == {"rois": 5 + 5}
    assert "activations_missing" not in t


README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_names_every_key_a_total_can_have(tmp_path):
    # The README is the JSON's contract (DESIGN.md's JSON section predates the partial totals): every key
    # the command writes in `totals` and `memory`, for nets with unknown counts and with a bound, is named
    # there, the partial ones by their NAME_suffix pattern, each with what it holds.
    keys = set()
    for i, text in enumerate((ROIS, ROIS.split('layer { name: "propose"')[0], detections(keep_top_k=5, top_k=4))):
        path = tmp_path / f"net{i}.prototxt"
        path.write_text(text)
        code, out, err = run_cli("analyze", path, "--format", "json")
        assert code == 0, err
        result = json.loads(out)
        keys |= {("totals", k) for k in result["totals"]} | {("memory", k) for k in result["memory"]}
    section = README.read_text().split("`--format json` writes one object", 1)[1].split("`--format csv`", 1)[0]
    suffixes = {k.rsplit("_", 2)[-1] if k.endswith("per_item") or k.endswith("at_most") else k.rsplit("_", 1)[-1]
                for _, k in keys if k.endswith(("_known", "_per_item", "_missing", "_at_most"))}
    assert suffixes == {"known", "item", "missing", "most"}, suffixes  # each kind of partial total occurred
    for where, key in sorted(keys):
        for suffix in ("_known", "_per_item", "_missing", "_at_most"):
            if key.endswith(suffix):
                assert key[:-len(suffix)] in section, (where, key)
                assert f"`NAME{suffix}`" in section, f"README's JSON section does not describe {where}'s {key}"
                break
        else:
            assert f"`{key}`" in section or f"{key}," in section or f"{key}}}" in section, (where, key)


def test_a_batch_of_zero_leaves_what_is_per_image_unknown():
    """Caffe builds a net whose input batch is 0; per image there is nothing to divide by. Before, the
    activations' total stopped analyze with an internal error. Weights do not depend on the batch: 2 x 3 x 3 x 3
    + 2 = 56; at --batch 2, each image's multiply-adds are 2 x 6 x 6 outputs of 27 (1,944) and its activations
    3 x 8 x 8 + 2 x 6 x 6 (264)."""
    text = ('input: "data" input_dim: 0 input_dim: 3 input_dim: 8 input_dim: 8\n'
            'layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 '
            'kernel_size: 3 } }\n')
    result = report(Analysis(read_text(text)))
    assert (result["totals"]["params"], result["totals"]["macc"], result["totals"]["activations"]) == (56, None, None)
    assert "a batch of 0 has no image to count per" in to_table(result)
    result = report(Analysis(read_text(text), batch=2))
    assert (result["totals"]["params"], result["totals"]["macc"], result["totals"]["activations"]) == (56, 1944, 264)

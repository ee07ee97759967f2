"""lane-eval against CULane's evaluator binary itself (XingangPan/SCNN tools/lane_evaluation built with OpenCV 4's
C++ library: tests/lane_evaluator.py), on random lanes: annotated ones and detections near them, lost,
added, leaving the image, curved."""

import numpy as np

import lane_evaluator
from scnn_tools import lane_eval


def random_lane(rng):
    """A CULane-like lane: points bottom up, 20 px apart from a row near the bottom, on a bent line that may
    leave the image."""
    rows = 589 - rng.integers(0, 40) - 20 * np.arange(rng.integers(2, 19))
    rows = rows[rows >= 0]
    x = rng.uniform(-100, 1740) + rng.uniform(-3, 3) * (589 - rows) + rng.uniform(-0.004, 0.004) * (589 - rows) ** 2
    return np.stack([np.round(x, 3), rows], 1)


def write(path, lanes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(" ".join(f"{v:g}" for v in lane.ravel()) + "\n" for lane in lanes))


def near_copy(lane, rng):
    moved = lane.copy()
    moved[:, 0] += rng.normal(0, 6) + rng.normal(0, 2, len(lane))  # whole lane shifted, each point jittered
    return np.round(moved, 2)


@lane_evaluator.needs()
def test_lane_eval_counts_what_the_evaluator_counts(tmp_path):
    rng = np.random.default_rng(0)
    images = []
    for i in range(150):
        image = f"/driver_{i % 7}/clip_{i // 7}/{i:05d}.jpg"
        images.append(image)
        stem = image[1:-4] + ".lines.txt"
        annotated = [random_lane(rng) for _ in range(rng.integers(0, 5))]
        found = [near_copy(lane, rng) for lane in annotated if rng.random() < 0.8]
        found += [random_lane(rng) for _ in range(rng.integers(0, 3))]
        write(tmp_path / "gt" / stem, annotated)
        if i % 11:  # every eleventh image has no detection file: no lanes, for both
            write(tmp_path / "pred" / stem, [found[k] for k in rng.permutation(len(found))])
    (tmp_path / "list.txt").write_text("".join(image + "\n" for image in images))
    theirs = lane_evaluator.run(tmp_path / "gt", tmp_path / "pred", tmp_path / "list.txt")
    ours = lane_eval(tmp_path / "pred", tmp_path / "gt", image_list=tmp_path / "list.txt", jobs=1)["total"]
    assert {k: ours[k] for k in ("tp", "fp", "fn")} == {k: theirs[k] for k in ("tp", "fp", "fn")}
    assert theirs["tp"] > 150 and theirs["fp"] > 120 and theirs["fn"] > 80   # all three well exercised
    for name in ("precision", "recall", "f1"):
        assert f"{ours[name]:.6g}" == theirs[name]


@lane_evaluator.needs()
def test_lane_eval_at_other_widths_and_thresholds(tmp_path):
    rng = np.random.default_rng(1)
    images = [f"/d/{i}.jpg" for i in range(40)]
    for image in images:
        annotated = [random_lane(rng) for _ in range(rng.integers(1, 5))]
        write(tmp_path / "gt" / image[1:].replace(".jpg", ".lines.txt"), annotated)
        write(tmp_path / "pred" / image[1:].replace(".jpg", ".lines.txt"),
              [near_copy(lane, rng) for lane in annotated] + [random_lane(rng)])
    (tmp_path / "list.txt").write_text("".join(image + "\n" for image in images))
    for width, iou in ((10, 0.3), (30, 0.7), (15, 0.5)):
        theirs = lane_evaluator.run(tmp_path / "gt", tmp_path / "pred", tmp_path / "list.txt", width, iou)
        ours = lane_eval(tmp_path / "pred", tmp_path / "gt", image_list=tmp_path / "list.txt", iou=iou,
                         lane_width=width, jobs=1)["total"]
        assert {k: ours[k] for k in ("tp", "fp", "fn")} == {k: theirs[k] for k in ("tp", "fp", "fn")}, (width, iou)

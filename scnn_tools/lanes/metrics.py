"""The benchmarks' own metrics: CULane's F1 as the SCNN repository's evaluator computes it, TuSimple's
accuracy, FP and FN as its lane.py does, each rule from the authors' code (file and line cited).

CULane (XingangPan/SCNN tools/lane_evaluation): every lane, annotated or detected, with more than
two points is resampled by a natural cubic spline through its points, parametrised by chord length,
50 points per piece (spline.cpp:7-48, 103-178; lane_compare.cpp:22-38), kept as float (Point2f) and
drawn as cv::line segments 30 pixels wide (Run.sh: -w 30) on a 1640x590 canvas (-c 1640 -r 590)
after rounding to whole pixels, as OpenCV 2.4.8 draws them (raster.py); the IoU of two drawn lanes is
their common pixels over the pixels of either (lane_compare.cpp:50-54). The annotated and detected
lanes of an image are matched by the Kuhn-Munkres maximum-weight matching of hungarianGraph.hpp on
those IoUs, and a match counts as a true positive when its IoU exceeds 0.5 (counter.cpp:97, Run.sh
-t 0.5). Unmatched detections are false positives, unmatched annotations false negatives
(counter.cpp:61-109); the sums give precision, recall and F1 (evaluate.cpp:165-178); the per-category
results add up to the total as calTotal.m does.
"""

import math
import os

import numpy as np

from ..errors import InputError
from . import raster
from .formats import read_culane_lines, read_tusimple_json

# XingangPan/SCNN tools/lane_evaluation/Run.sh: w_lane=30, iou=0.5, im_w=1640, im_h=590
CULANE_LANE_WIDTH = 30
CULANE_IOU = 0.5
CULANE_SIZE = (590, 1640)  # height, width
SPLINE_TIMES = 50  # lane_compare.cpp:28, 37
# Run.sh's test_split lists, in calTotal.m's order; the paper reports only FP for "cross", which has
# no lanes to find.
CULANE_CATEGORIES = ("normal", "crowd", "hlight", "shadow", "noline", "arrow", "curve", "cross", "night")
FP_ONLY = ("cross",)


# --- CULane ---

def spline_points(points, times=SPLINE_TIMES):
    """Spline::splineInterpTimes for more than two points: `times` points per piece, then the last
    point, as float32 (Point2f). Consecutive equal points make a zero-length piece: its division by
    zero gives NaN here as in C++."""
    points = points.astype(np.float32)
    p = points.astype(np.float64)
    n = len(p)
    step = (points[1:] - points[:-1]).astype(np.float64)  # Point2f minus Point2f is a float in C++
    h = np.sqrt(step[:, 0] ** 2 + step[:, 1] ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = step / h[:, None]
        a, b, c = h[:-1].copy(), 2 * (h[:-1] + h[1:]), h[1:].copy()
        d = 6 * (slope[1:] - slope[:-1])
        # The tridiagonal system of the natural spline's second derivatives, solved as cal_fun does
        # (spline.cpp:139-156), in its order of operations.
        c[0] = c[0] / b[0]
        d[0] = d[0] / b[0]
        for i in range(1, n - 2):
            tmp = b[i] - a[i] * c[i - 1]
            c[i] = c[i] / tmp
            d[i] = (d[i] - a[i] * d[i - 1]) / tmp
        m = np.zeros((n, 2))
        m[n - 2] = d[n - 3]
        for i in range(n - 4, -1, -1):
            m[i + 1] = d[i] - c[i] * m[i + 2]
        m[0] = m[n - 1] = 0
        coef_b = slope - (2 * h[:, None] * m[:-1] + h[:, None] * m[1:]) / 6
        coef_c = m[:-1] / 2
        coef_d = (m[1:] - m[:-1]) / (6 * h[:, None])
        t = (h / times)[:, None] * np.arange(times)[None, :]  # delta * k
        t = t[:, :, None]
        out = (p[:-1, None, :] + coef_b[:, None, :] * t + coef_c[:, None, :] * np.power(t, 2)
               + coef_d[:, None, :] * np.power(t, 3))
    out = out.reshape(-1, 2).astype(np.float32)
    return np.concatenate([out, points[-1:].astype(np.float32)])


def lane_pixels(lane):
    """The integer points cv::line is given for a lane (lane_compare.cpp:22-48): the lane's own two
    points, or its spline; Point2f to Point rounds (cvRound). None for fewer than two points."""
    if len(lane) < 2:
        return None
    points = lane.astype(np.float32) if len(lane) == 2 else spline_points(lane)
    return raster.cv_round(points[:, 0]), raster.cv_round(points[:, 1])


def lane_window(lane, size=CULANE_SIZE, width=CULANE_LANE_WIDTH):
    """The lane drawn as the evaluator draws it: (top, left, boolean window), None when it has fewer
    than two points or no pixel on the canvas."""
    pixels = lane_pixels(lane)
    if pixels is None:
        return None
    canvas = raster.Canvas(*size)
    raster.polyline(canvas, pixels[0], pixels[1], width)
    return canvas.mask() or (0, 0, np.zeros((0, 0), dtype=bool))


def _overlap(a, b):
    (ta, la, wa), (tb, lb, wb) = a, b
    top, left = max(ta, tb), max(la, lb)
    bottom = min(ta + wa.shape[0], tb + wb.shape[0])
    right = min(la + wa.shape[1], lb + wb.shape[1])
    if bottom <= top or right <= left:
        return 0
    return int(np.count_nonzero(wa[top - ta:bottom - ta, left - la:right - la]
                                & wb[top - tb:bottom - tb, left - lb:right - lb]))


def iou_matrix(annotated, detected, size=CULANE_SIZE, width=CULANE_LANE_WIDTH):
    """IoU of every annotated lane with every detected one (get_lane_similarity): 0 where a lane has
    fewer than two points (lane_compare.cpp:12-16), NaN where neither has a pixel on the canvas (0/0)."""
    wins_a = [lane_window(lane, size, width) for lane in annotated]
    wins_d = [lane_window(lane, size, width) for lane in detected]
    sims = np.zeros((len(annotated), len(detected)))
    for i, wa in enumerate(wins_a):
        for j, wd in enumerate(wins_d):
            if wa is None or wd is None:
                continue
            inter = _overlap(wa, wd)
            union = int(np.count_nonzero(wa[2])) + int(np.count_nonzero(wd[2])) - inter
            sims[i, j] = inter / union if union else math.nan
    return sims


def km_match(similarity):
    """For each row, the column the maximum-weight matching gives it (-1: none), by the Kuhn-Munkres
    search of hungarianGraph.hpp (with its 1e-2 tolerance on the equality subgraph), the smaller side
    on the left as Counter::makeMatch puts it (counter.cpp:112-134)."""
    sim = np.asarray(similarity, dtype=float)
    swap = sim.shape[0] > sim.shape[1]
    mat = (sim.T if swap else sim).tolist()
    n_left, n_right = len(mat), len(mat[0])
    left_match, right_match = [-1] * n_left, [-1] * n_right
    right_w = [0.0] * n_right
    left_w = []
    for row in mat:
        w = -1e5
        for v in row:
            if w < v:
                w = v
        left_w.append(w)
    left_used, right_used = [False] * n_left, [False] * n_right

    def dfs(u):
        left_used[u] = True
        for v in range(n_right):
            if not right_used[v] and abs(left_w[u] + right_w[v] - mat[u][v]) < 1e-2:
                right_used[v] = True
                if right_match[v] == -1 or dfs(right_match[v]):
                    right_match[v] = u
                    left_match[u] = v
                    return True
        return False

    for u in range(n_left):
        while True:
            left_used[:] = [False] * n_left
            right_used[:] = [False] * n_right
            if dfs(u):
                break
            d = 1e10
            for i in range(n_left):
                if left_used[i]:
                    for j in range(n_right):
                        if not right_used[j]:
                            d = min(d, left_w[i] + right_w[j] - mat[i][j])
            if d == 1e10:
                return right_match if swap else left_match
            for i in range(n_left):
                if left_used[i]:
                    left_w[i] -= d
            for j in range(n_right):
                if right_used[j]:
                    right_w[j] += d
    return right_match if swap else left_match


def count_image(annotated, detected, iou=CULANE_IOU, size=CULANE_SIZE, width=CULANE_LANE_WIDTH):
    """Counter::count_im_pair: (tp, fp, fn, match) for one image; match[i] is the detected lane the
    i-th annotated lane was matched to with IoU above `iou`, else -1."""
    if not annotated:
        return 0, len(detected), 0, []
    if not detected:
        return 0, 0, len(annotated), [-1] * len(annotated)
    sims = iou_matrix(annotated, detected, size, width)
    match = km_match(sims)
    match = [j if j >= 0 and sims[i, j] > iou else -1 for i, j in enumerate(match)]
    tp = sum(j >= 0 for j in match)
    return tp, len(detected) - tp, len(annotated) - tp, match


def scores(tp, fp, fn):
    """Precision, recall and F1; None where the evaluator prints -1 or nan (no detection, no
    annotated lane: counter.cpp:13-28)."""
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall else None)
    return precision, recall, f1


def read_list(path):
    """The image names of a CULane list (test.txt, test_split/test0_normal.txt, or a list with labels:
    its first column)."""
    try:
        with open(path, encoding="utf-8") as f:
            names = [line.split()[0] for line in f if line.strip()]
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", path) from None
    if not names:
        raise InputError("no images listed", path)
    return names


def lines_file(directory, image):
    """Where the evaluator looks for an image's lanes: its path under `directory`, the extension
    replaced by .lines.txt (evaluate.cpp:148)."""
    stem = image[: image.rfind(".")] if "." in image else image
    return os.path.join(directory, stem.lstrip("/") + ".lines.txt")


CHUNK = 100  # images per task when the list is shared among processes


def _count_images(task):
    """(tp, fp, fn, missing predictions, missing annotations, lanes repeating a point) over some images."""
    predictions, annotations, images, iou, size, width = task
    counts = [0] * 6
    for image in images:
        annotated = read_culane_lines(lines_file(annotations, image))
        detected = read_culane_lines(lines_file(predictions, image))
        found = count_image(annotated or [], detected or [], iou, size, width)[:3]
        extra = (detected is None, annotated is None, sum(map(repeats_a_point, (annotated or []) + (detected or []))))
        counts = [a + b for a, b in zip(counts, (*found, *extra))]
    return counts


def evaluate_list(predictions, annotations, images, iou=CULANE_IOU, size=CULANE_SIZE, width=CULANE_LANE_WIDTH,
                  jobs=None):
    """Counts over a list of images: {images, tp, fp, fn, precision, recall, f1, missing_predictions,
    missing_annotations, lanes_repeating_a_point}. A missing file is an image with no lanes, as the
    evaluator reads it; the count of each says when paths are wrong (the evaluator says nothing and
    prints -nan). Images are shared among `jobs` processes (default: one per CPU) when there are many."""
    tasks = [(predictions, annotations, images[i:i + CHUNK], iou, size, width) for i in range(0, len(images), CHUNK)]
    jobs = min(jobs or os.cpu_count() or 1, len(tasks))
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(jobs) as pool:
            parts = list(pool.map(_count_images, tasks))
    else:
        parts = [_count_images(task) for task in tasks]
    tp, fp, fn, no_pred, no_anno, repeated = (sum(column) for column in zip(*parts)) if parts else (0,) * 6
    return _row(len(images), tp, fp, fn, {"predictions": no_pred, "annotations": no_anno, "repeated": repeated})


def repeats_a_point(lane):
    """A spline's piece of length 0 divides by zero (spline.cpp:135): every point of that lane's spline is
    NaN, which OpenCV 2.4 draws from the image's corner. Scored as the evaluator scores it, and said."""
    return len(lane) > 2 and bool(np.any(np.all(lane[1:] == lane[:-1], axis=1)))


def _row(images, tp, fp, fn, missing):
    precision, recall, f1 = scores(tp, fp, fn)
    return {"images": images, "tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall,
            "f1": f1, "missing_predictions": missing["predictions"], "missing_annotations": missing["annotations"],
            "lanes_repeating_a_point": missing["repeated"]}


def category_lists(directory):
    """CULane's test_split lists in `directory`: {category: path} (test0_normal.txt ... test8_night.txt)."""
    found = {}
    for index, name in enumerate(CULANE_CATEGORIES):
        path = os.path.join(directory, f"test{index}_{name}.txt")
        if not os.path.isfile(path):
            raise InputError(f"no test{index}_{name}.txt here (CULane's list/test_split holds the nine "
                             f"category lists)", directory)
        found[name] = path
    return found


def evaluate_culane(predictions, annotations, image_list=None, split_dir=None, iou=CULANE_IOU,
                    size=CULANE_SIZE, width=CULANE_LANE_WIDTH, jobs=None):
    """CULane's evaluation of a prediction directory against the annotations: over one list, or per
    category over the nine test_split lists plus their total (calTotal.m adds their TP, FP, FN, cross's
    FP included). The cross category's precision, recall and F1 are None: it has no lanes to find."""
    for directory, what in ((predictions, "predictions"), (annotations, "annotations")):
        if not os.path.isdir(directory):
            raise InputError(f"no such directory (the {what})", directory)
    result = {"dataset": "culane", "iou": iou, "lane_width": width, "size": list(size)}
    if image_list is not None:
        result["total"] = evaluate_list(predictions, annotations, read_list(image_list), iou, size, width, jobs)
        return result
    categories = {}
    for name, path in category_lists(split_dir).items():
        row = evaluate_list(predictions, annotations, read_list(path), iou, size, width, jobs)
        if name in FP_ONLY:
            row.update(precision=None, recall=None, f1=None)
        categories[name] = row
    sums = {k: sum(row[k] for row in categories.values())
            for k in ("images", "tp", "fp", "fn", "missing_predictions", "missing_annotations",
                      "lanes_repeating_a_point")}
    result["categories"] = categories
    result["total"] = _row(sums["images"], sums["tp"], sums["fp"], sums["fn"],
                           {"predictions": sums["missing_predictions"], "annotations": sums["missing_annotations"],
                            "repeated": sums["lanes_repeating_a_point"]})
    return result


# --- TuSimple ---

# TuSimple/tusimple-benchmark evaluate/lane.py:7-9
TUSIMPLE_PIXEL_THRESH = 20
TUSIMPLE_POINT_THRESH = 0.85


def _angle(xs, ys):
    """LaneEval.get_angle (lane.py:11-20): the angle of the least-squares line x = k y + b through the
    lane's points (x >= 0), 0 with fewer than two."""
    keep = xs >= 0
    xs, ys = xs[keep], ys[keep]
    if len(xs) <= 1:
        return 0.0
    yc = ys - ys.mean()
    denominator = np.dot(yc, yc)
    k = np.dot(yc, xs - xs.mean()) / denominator if denominator else 0.0
    return math.atan(k)


def tusimple_image(pred, gt, y_samples, running_time):
    """LaneEval.bench (lane.py:28-53) for one image: (accuracy, fp, fn). Its rules kept: a point absent
    (< 0) from both lanes counts as correct; a run time above 200 ms, or more than two lanes more than
    annotated, scores (0, 0, 1); with more than four annotated lanes the worst is dropped."""
    if any(len(p) != len(y_samples) for p in pred):
        raise ValueError("a predicted lane has not one x per h_sample")
    if running_time > 200 or len(gt) + 2 < len(pred):
        return 0.0, 0.0, 1.0
    ys = np.asarray(y_samples, dtype=float)
    pred_x = np.asarray(pred, dtype=float).reshape(len(pred), len(ys))
    pred_x = np.where(pred_x >= 0, pred_x, -100)
    line_accs, fn, matched = [], 0.0, 0.0
    for x_gts in gt:
        gx = np.asarray(x_gts, dtype=float)
        thresh = TUSIMPLE_PIXEL_THRESH / math.cos(_angle(gx, ys))
        gx = np.where(gx >= 0, gx, -100)
        accs = (np.abs(pred_x - gx[None, :]) < thresh).sum(axis=1) / len(gx)
        best = float(accs.max()) if len(accs) else 0.0
        if best < TUSIMPLE_POINT_THRESH:
            fn += 1
        else:
            matched += 1
        line_accs.append(best)
    fp = len(pred) - matched
    if len(gt) > 4 and fn > 0:
        fn -= 1
    s = sum(line_accs)
    if len(gt) > 4:
        s -= min(line_accs)
    return (s / max(min(4.0, len(gt)), 1.0), fp / len(pred) if len(pred) > 0 else 0.0,
            fn / max(min(len(gt), 4.0), 1.0))


def evaluate_tusimple(prediction_file, annotation_file):
    """LaneEval.bench_one_submit (lane.py:56-90): accuracy, FP and FN averaged over the annotated
    images, with its checks as clear errors."""
    preds = read_tusimple_json(prediction_file)
    gts = read_tusimple_json(annotation_file)
    if len(gts) != len(preds):
        raise InputError(f"{len(preds)} predictions for {len(gts)} annotated images: the benchmark wants "
                         f"one per image", prediction_file)
    by_file = {}
    for number, g in enumerate(gts, 1):
        if not isinstance(g, dict) or not {"raw_file", "lanes", "h_samples"} <= set(g):
            raise InputError(f"record {number}: no raw_file, lanes or h_samples", annotation_file)
        by_file[g["raw_file"]] = g
    accuracy = fp = fn = 0.0
    for number, p in enumerate(preds, 1):
        if not isinstance(p, dict) or not {"raw_file", "lanes", "run_time"} <= set(p):
            raise InputError(f"record {number}: raw_file, lanes or run_time missing", prediction_file)
        gt = by_file.get(p["raw_file"])
        if gt is None:
            raise InputError(f"record {number}: {p['raw_file']} is not among the annotated images", prediction_file)
        try:
            a, f, n = tusimple_image(p["lanes"], gt["lanes"], gt["h_samples"], p["run_time"])
        except (ValueError, TypeError):
            raise InputError(f"record {number} ({p['raw_file']}): its lanes must each give one x per "
                             f"h_sample ({len(gt['h_samples'])})", prediction_file) from None
        accuracy, fp, fn = accuracy + a, fp + f, fn + n
    num = len(by_file)
    return {"dataset": "tusimple", "images": num, "accuracy": accuracy / num, "fp": fp / num, "fn": fn / num}

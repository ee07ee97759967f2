"""Lanes scored as the benchmarks score them: the cv::line rasteriser against OpenCV itself, CULane's F1 and
TuSimple's accuracy on cases worked out by hand, the TuSimple label converter pixel by pixel against cv2.

OpenCV (cv2) is a test tool here, never used by the product: it is the independent rasteriser the official
CULane evaluator and the TuSimple converters call.
"""

import json
import math

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from conftest import run_cli  # noqa: E402
from scnn_tools import InputError, lane_eval, tusimple_labels  # noqa: E402
from scnn_tools.lanes import metrics, raster  # noqa: E402

H, W = 120, 160


def cv2_line(points, thickness, height=H, width=W):
    image = np.zeros((height, width), np.uint8)
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        cv2.line(image, (int(x0), int(y0)), (int(x1), int(y1)), 1, thickness)
    return image.astype(bool)


def ours(points, thickness, height=H, width=W):
    points = np.asarray(points)
    return raster.line_mask(points[:, 0], points[:, 1], thickness, height, width)


def opencv24_thick_line(p0, p1, thickness, height=H, width=W):
    """cv::line as OpenCV 2.4.8 (the official evaluator's OpenCV) builds a thick line, from cv2's own parts:
    ThickLine (modules/core/src/drawing.cpp) fills the quadrilateral of the ends moved half the thickness
    across the line, in 16.16 fixed point, with FillConvexPoly, and puts a filled circle of radius
    thickness/2 at each end."""
    image = np.zeros((height, width), np.uint8)
    (x0, y0), (x1, y1) = p0, p1
    fx0, fy0, fx1, fy1 = (int(v) << 16 for v in (x0, y0, x1, y1))
    dx, dy = (fx0 - fx1) / 65536, (fy1 - fy0) / 65536
    if dx * dx + dy * dy > 0:
        r = ((thickness << 15) + (thickness & 1) * 32768) / math.sqrt(dx * dx + dy * dy)
        px, py = int(np.rint(dy * r)), int(np.rint(dx * r))
        quad = np.array([[fx0 + px, fy0 + py], [fx0 - px, fy0 - py], [fx1 - px, fy1 - py], [fx1 + px, fy1 + py]],
                        np.int32)
        cv2.fillConvexPoly(image, quad, 1, cv2.LINE_8, 16)
    radius = ((thickness << 15) + 32768) >> 16
    cv2.circle(image, (int(x0), int(y0)), radius, 1, -1)
    cv2.circle(image, (int(x1), int(y1)), radius, 1, -1)
    return image.astype(bool)


# --- the rasteriser ---

def test_thick_lines_inside_the_image_are_cv2_lines_pixel_for_pixel():
    rng = np.random.default_rng(0)
    for trial in range(1500):
        thickness = int(rng.choice([2, 3, 5, 8, 15, 30]))
        points = np.stack([rng.integers(0, W, 2), rng.integers(0, H, 2)], 1)
        if trial % 5 == 0:
            points[1] = points[0] + rng.integers(-2, 3, 2).clip(0)  # short and zero-length segments
        assert np.array_equal(ours(points, thickness), cv2_line(points, thickness)), (points.tolist(), thickness)


def test_polylines_are_the_union_of_their_segments_as_cv2_draws_them():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(2, 8))
        points = np.stack([rng.integers(0, W, n), rng.integers(0, H, n)], 1)
        if rng.random() < 0.3:
            points[1:3] = points[0]  # repeated points, as rounding a spline makes
        for thickness in (15, 30):
            assert np.array_equal(ours(points, thickness), cv2_line(points, thickness)), points.tolist()


def test_lines_leaving_the_image_are_opencv_2_4s_quadrilateral_and_circles():
    # Ends outside the image (CULane's lanes run off its bottom edge): newer OpenCV's ThickLine clips the
    # ends to the image (with a margin) before filling (opencv/opencv pull 27366, for issue 27365), which
    # moves the quadrilateral's edges by a pixel here and there: its cv2.line is not the 2.4.8 the
    # evaluator was built with. 2.4's ThickLine is FillConvexPoly plus two circles, and cv2 still draws
    # those parts as 2.4 did.
    rng = np.random.default_rng(2)
    differ = 0
    trials = 1500
    for _ in range(trials):
        thickness = int(rng.choice([2, 3, 15, 30]))
        p0 = (int(rng.integers(-80, W + 80)), int(rng.integers(-80, H + 80)))
        p1 = (int(rng.integers(-80, W + 80)), int(rng.integers(-80, H + 80)))
        got = ours([p0, p1], thickness)
        assert np.array_equal(got, opencv24_thick_line(p0, p1, thickness)), (p0, p1, thickness)
        differ += not np.array_equal(got, cv2_line([p0, p1], thickness))
    # Measured with OpenCV 5.1: 58% of segments 15 or 30 wide with an end outside the 160x120 image
    # differ from its cv2.line, by a median 25 pixels (1.5% of the line's); none inside (the test above).
    assert differ < trials


def fill_convex_poly_2_4(v, height=H, width=W):
    """OpenCV 2.4.8's FillConvexPoly (modules/core/src/drawing.cpp) for LINE_8 and shift 16, line by line:
    the edges by Line2, then the two chains walked down from the top corner; int arithmetic as there."""
    image = np.zeros((height, width), bool)

    def put(x, y):
        if 0 <= x < width and 0 <= y < height:
            image[y, x] = True

    def cdiv(a, b):
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q

    def line2(p1, p2):
        q1, q2 = list(p1), list(p2)
        x1, y1, x2, y2, inside = raster._clip(q1[0], q1[1], q2[0], q2[1], (width << 16) - 1, (height << 16) - 1)
        if not inside:
            return
        x1, y1, x2, y2 = int(x1), int(y1), int(x2), int(y2)
        dx, dy = x2 - x1, y2 - y1
        ax, ay = abs(dx), abs(dy)
        if ax > ay:
            if dx < 0:
                x1, x2, y1, y2, dy = x2, x1, y2, y1, -dy
            y_step, count = cdiv(dy << 16, ax | 1), (x2 - x1) >> 16
        else:
            if dy < 0:
                x1, x2, y1, y2, dx = x2, x1, y2, y1, -dx
            x_step, count = cdiv(dx << 16, ay | 1), (y2 - y1) >> 16
        x1, y1 = x1 + 32768, y1 + 32768
        put((x2 + 32768) >> 16, (y2 + 32768) >> 16)
        if ax > ay:
            x1 >>= 16
            for _ in range(count + 1):
                put(x1, y1 >> 16)
                x1, y1 = x1 + 1, y1 + y_step
        else:
            y1 >>= 16
            for _ in range(count + 1):
                put(x1 >> 16, y1)
                x1, y1 = x1 + x_step, y1 + 1

    n = len(v)
    p0 = v[-1]
    for p in v:
        line2(p0, p)
        p0 = p
    imin = min(range(n), key=lambda i: (v[i][1], i))
    xmin, xmax = (min(p[0] for p in v) + 32768) >> 16, (max(p[0] for p in v) + 32768) >> 16
    ymin, ymax = (v[imin][1] + 32768) >> 16, (max(p[1] for p in v) + 32768) >> 16
    if xmax < 0 or ymax < 0 or xmin >= width or ymin >= height:
        return image
    ymax = min(ymax, height - 1)
    edges = n
    edge = [dict(idx=imin, di=1, x=0, dx=0, ye=ymin), dict(idx=imin, di=n - 1, x=0, dx=0, ye=ymin)]
    left, right, y = 0, 1, ymin
    while True:
        for e in edge:
            if y >= e["ye"]:
                idx, xs, ty = e["idx"], 0, 0
                while True:
                    ty = (v[idx][1] + 32768) >> 16
                    if ty > y or edges == 0:
                        break
                    xs = v[idx][0]
                    idx = (idx + e["di"]) % n
                    edges -= 1
                if y >= ty:
                    return image  # no more edges
                e.update(ye=ty, dx=cdiv((v[idx][0] - xs) * 2 + (ty - y), 2 * (ty - y)), x=xs, idx=idx)
        if edge[left]["x"] > edge[right]["x"]:
            left, right = right, left
        if y >= 0:
            xx1, xx2 = (edge[left]["x"] + 32768) >> 16, (edge[right]["x"] + 32768) >> 16
            if xx2 >= 0 and xx1 < width:
                image[y, max(xx1, 0):min(xx2, width - 1) + 1] = True
        for e in edge:
            e["x"] += e["dx"]
        y += 1
        if y > ymax:
            return image


def test_the_vectorised_fill_is_opencv_2_4s_fillconvexpoly():
    # The fill walks the chains as OpenCV 5 writes it (an edge budget spent per test); 2.4 spent it per
    # corner passed. Thick lines' quadrilaterals give the same rows either way.
    rng = np.random.default_rng(4)
    for _ in range(400):
        thickness = int(rng.choice([2, 3, 15, 30]))
        (x0, y0), (x1, y1) = rng.integers(-60, W + 60, 2), rng.integers(-60, H + 60, 2)
        fx0, fy0, fx1, fy1 = (int(a) << 16 for a in (x0, y0, x1, y1))
        dx, dy = (fx0 - fx1) / 65536, (fy1 - fy0) / 65536
        if dx * dx + dy * dy == 0:
            continue
        r = ((thickness << 15) + (thickness & 1) * 32768) / math.sqrt(dx * dx + dy * dy)
        px, py = int(np.rint(dy * r)), int(np.rint(dx * r))
        quad = [(fx0 + px, fy0 + py), (fx0 - px, fy0 - py), (fx1 - px, fy1 - py), (fx1 + px, fy1 + py)]
        canvas = raster.Canvas(H, W)
        raster._fill_convex(canvas, np.array([[q[0] for q in quad]]), np.array([[q[1] for q in quad]]))
        got = np.zeros((H, W), bool)
        window = canvas.mask()
        if window:
            top, left, win = window
            got[top:top + win.shape[0], left:left + win.shape[1]] = win
        assert np.array_equal(got, fill_convex_poly_2_4(quad)), quad


def test_clipping_a_line_to_the_image_is_cv2_cliplines():
    # Line2 clips a polygon's edges to the image first; with small coordinates OpenCV 5's double division
    # and 2.4's int64 one agree, so cv2.clipLine checks every branch of ours.
    rng = np.random.default_rng(3)
    p = rng.integers(-300, 300, (5000, 4))
    x1, y1, x2, y2, inside = raster._clip(p[:, 0], p[:, 1], p[:, 2], p[:, 3], W - 1, H - 1)
    for i, (a, b, c, d) in enumerate(p):
        ok, q1, q2 = cv2.clipLine((0, 0, W, H), (int(a), int(b)), (int(c), int(d)))
        assert inside[i] == ok
        if ok:
            assert (x1[i], y1[i], x2[i], y2[i]) == (*q1, *q2), p[i]


def test_cv_round_rounds_half_to_even_and_nan_to_int_min():
    assert raster.cv_round(np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999], np.float32)).tolist() == [0, 2, 2, 0, -2, 2]
    assert raster.cv_round(np.array([np.nan]))[0] == -2 ** 31


# --- CULane ---

def vertical(x, top=40, bottom=540):
    return np.array([[x, bottom], [x, top]], np.float32)


def brute_iou(a, b, width=30, size=(590, 1640)):
    """IoU of two lanes of points drawn with cv2.line, counted pixel by pixel."""
    masks = []
    for lane in (a, b):
        pts = metrics.lane_pixels(lane)
        masks.append(cv2_line(list(zip(pts[0], pts[1])), width, *size))
    inter = np.count_nonzero(masks[0] & masks[1])
    return inter / (np.count_nonzero(masks[0]) + np.count_nonzero(masks[1]) - inter)


def test_identical_lanes_score_f1_one():
    lanes = [vertical(300), vertical(700), np.array([[900, 590], [950, 450], [1020, 330], [1100, 250]], np.float32)]
    assert metrics.count_image(lanes, [lane.copy() for lane in lanes])[:3] == (3, 0, 0)
    assert metrics.scores(3, 0, 0) == (1.0, 1.0, 1.0)
    assert metrics.iou_matrix(lanes[:1], lanes[:1])[0, 0] == 1.0


@pytest.mark.parametrize("shift", [3, 10, 12, 25])
def test_a_lane_shifted_sideways_has_the_iou_counted_pixel_by_pixel(shift):
    # A vertical lane 500 rows long is a 31-pixel-wide band (x - 15 .. x + 15: the quadrilateral is
    # 15 pixels either side, rounded half up) with round ends; moved `shift` pixels sideways it keeps
    # 31 - shift of each row's 31 + shift: IoU about (31 - s) / (31 + s), the ends change it a little.
    gt, det = vertical(400), vertical(400 + shift)
    iou = metrics.iou_matrix([gt], [det])[0, 0]
    assert iou == pytest.approx(brute_iou(gt, det), abs=1e-12)
    assert iou == pytest.approx((31 - shift) / (31 + shift), abs=0.01)
    tp = (31 - shift) / (31 + shift) > 0.5  # 10 pixels: 0.512, a match; 12: 0.442, none
    assert metrics.count_image([gt], [det])[:3] == ((1, 0, 0) if tp else (0, 1, 1))


def test_a_curved_lane_goes_through_its_spline_and_matches_cv2():
    lane = np.array([[600, 590], [640, 500], [700, 420], [780, 350], [880, 290]], np.float32)
    pts = metrics.spline_points(lane)
    # 50 points per piece, then the last; each piece starts at its knot
    assert len(pts) == 50 * 4 + 1 and np.array_equal(pts[::50], lane)
    other = lane + np.float32([8, 0])
    assert metrics.iou_matrix([lane], [other])[0, 0] == pytest.approx(brute_iou(lane, other), abs=1e-12)


def test_the_spline_is_the_natural_cubic_spline_by_chord_length():
    # Solved here another way: the second derivatives from the whole (dense) system, each piece evaluated in
    # the symmetric form M_i (h - t)^3 / 6h + M_i+1 t^3 / 6h + (p_i / h - M_i h / 6)(h - t) + (p_i+1 / h - ...) t.
    rng = np.random.default_rng(6)
    for n in (3, 4, 7, 18):
        ys = np.sort(rng.uniform(250, 590, n))[::-1]
        lane = np.stack([rng.uniform(200, 1400, n), ys], 1).astype(np.float32)
        p = lane.astype(np.float64)
        h = np.hypot(*(p[1:] - p[:-1]).T)
        a = np.zeros((n, n))
        rhs = np.zeros((n, 2))
        a[0, 0] = a[-1, -1] = 1
        for i in range(1, n - 1):
            a[i, i - 1:i + 2] = h[i - 1], 2 * (h[i - 1] + h[i]), h[i]
            rhs[i] = 6 * ((p[i + 1] - p[i]) / h[i] - (p[i] - p[i - 1]) / h[i - 1])
        m = np.linalg.solve(a, rhs)
        expected = []
        for i in range(n - 1):
            t = (h[i] / 50 * np.arange(50))[:, None]
            expected.append(m[i] * (h[i] - t) ** 3 / (6 * h[i]) + m[i + 1] * t ** 3 / (6 * h[i])
                            + (p[i] / h[i] - m[i] * h[i] / 6) * (h[i] - t) + (p[i + 1] / h[i] - m[i + 1] * h[i] / 6) * t)
        expected = np.concatenate(expected + [p[-1:]])
        assert np.allclose(metrics.spline_points(lane), expected, atol=2e-3), n


def test_collinear_points_give_a_straight_spline():
    # Points on a line: every second derivative of the natural spline is 0; the points are the line's.
    lane = np.array([[100, 500], [120, 460], [150, 400]], np.float32)
    pts = metrics.spline_points(lane)
    assert np.allclose(pts[:, 0] - 100, -(pts[:, 1] - 500) / 2, atol=1e-4)
    assert np.allclose(pts[:50, 1], 500 - 40 * np.arange(50) / 50, atol=1e-4)


def test_empty_and_extra_predictions_count_as_the_evaluator_counts_them():
    gt = [vertical(300), vertical(800)]
    assert metrics.count_image(gt, [])[:3] == (0, 0, 2)
    assert metrics.count_image([], gt)[:3] == (0, 2, 0)
    extra = [vertical(300), vertical(1200), vertical(1500), vertical(800)]
    assert metrics.count_image(gt, extra)[:3] == (2, 2, 0)
    assert metrics.scores(2, 2, 0) == (0.5, 1.0, pytest.approx(2 / 3))
    assert metrics.scores(0, 0, 2) == (None, 0.0, None)  # the evaluator prints -1 and -nan
    # a lane of one point is compared with nothing (IoU 0) but still counts
    assert metrics.count_image([np.array([[5, 5]], np.float32)], [vertical(300)])[:3] == (0, 1, 1)


def test_the_matching_maximises_the_total_iou_not_greedily():
    # Greedy takes 0.9 and is left with 0.1; the best matching is 0.8 + 0.85.
    assert metrics.km_match([[0.9, 0.8], [0.85, 0.1]]) == [1, 0]
    assert metrics.km_match([[0.2], [0.7], [0.6]]) == [-1, 0, -1]
    assert metrics.km_match([[0.0, 0.6, 0.7]]) == [2]


def test_the_matching_is_a_maximum_weight_matching_by_brute_force():
    # Every one-to-one assignment tried; the port's total is the best one's, within the 1e-2 the
    # evaluator's equality test allows per augmenting step.
    import itertools
    rng = np.random.default_rng(7)
    for _ in range(300):
        rows, cols = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        sim = rng.random((rows, cols))
        match = metrics.km_match(sim)
        assert sorted(j for j in match if j >= 0) == sorted(set(j for j in match if j >= 0))  # one to one
        got = sum(sim[i, j] for i, j in enumerate(match) if j >= 0)
        k = min(rows, cols)
        best = max(sum(sim[i, j] for i, j in zip(r, c))
                   for r in itertools.combinations(range(rows), k) for c in itertools.permutations(range(cols), k))
        assert got >= best - 0.01 * k, (sim, match)


def write_lines(path, lanes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(" ".join(f"{v:g}" for v in lane.ravel()) + "\n" for lane in lanes))


def test_lines_files_are_read_as_the_evaluators_stream_reads_them(tmp_path):
    from scnn_tools.lanes.formats import read_culane_lines
    path = tmp_path / "a.lines.txt"
    # every line a lane (a blank one too); pairs until a read fails: nan and 1e999 fail a C++ stream,
    # an odd number is dropped, and "1.5.3" reads as 1.5 then .3
    path.write_text("1 2 3 4\n5 6 nan 7 8\n\n1.5.3 4 12abc 5\n+.5 -2e1 1e999 3\n9 8 7\n")
    lanes = [lane.tolist() for lane in read_culane_lines(path)]
    assert lanes == [[[1, 2], [3, 4]], [[5, 6]], [], [[1.5, np.float32(0.3)], [4, 12]], [[0.5, -20]], [[9, 8]]]
    assert read_culane_lines(tmp_path / "none.lines.txt") is None


def test_categories_and_their_total_as_calTotal_adds_them(tmp_path):
    gt_root, pred_root, split = tmp_path / "CULane", tmp_path / "pred", tmp_path / "test_split"
    split.mkdir()
    for index, name in enumerate(metrics.CULANE_CATEGORIES):
        image = f"/driver_{index}/clip/00000.jpg"
        (split / f"test{index}_{name}.txt").write_text(image + "\n")
        stem = image[1:-4] + ".lines.txt"
        if name == "cross":  # no lanes annotated; one detected
            write_lines(gt_root / stem, [])
            write_lines(pred_root / stem, [vertical(500)])
        else:  # two annotated, one found
            write_lines(gt_root / stem, [vertical(300), vertical(900)])
            write_lines(pred_root / stem, [vertical(302)])
    result = lane_eval(pred_root, gt_root, split_dir=split)
    cats = result["categories"]
    assert list(cats) == list(metrics.CULANE_CATEGORIES)
    assert (cats["normal"]["tp"], cats["normal"]["fp"], cats["normal"]["fn"]) == (1, 0, 1)
    assert cats["normal"]["precision"] == 1.0 and cats["normal"]["recall"] == 0.5
    assert cats["cross"]["fp"] == 1 and cats["cross"]["f1"] is None and cats["cross"]["precision"] is None
    total = result["total"]
    assert (total["tp"], total["fp"], total["fn"], total["images"]) == (8, 1, 8, 9)
    assert total["f1"] == pytest.approx(2 * (8 / 9) * 0.5 / (8 / 9 + 0.5))
    # one list instead: the same counts as that category
    one = lane_eval(pred_root, gt_root, image_list=split / "test0_normal.txt")["total"]
    assert {k: one[k] for k in ("tp", "fp", "fn")} == {"tp": 1, "fp": 0, "fn": 1}


def test_processes_sharing_a_long_list_count_the_same(tmp_path):
    images = [f"d/{i}.jpg" for i in range(metrics.CHUNK + 30)]
    for i, image in enumerate(images):
        write_lines(tmp_path / "gt" / image.replace(".jpg", ".lines.txt"), [vertical(300 + i)])
        if i % 3:
            write_lines(tmp_path / "pred" / image.replace(".jpg", ".lines.txt"), [vertical(300 + i + i % 20)])
    one = metrics.evaluate_list(tmp_path / "pred", tmp_path / "gt", images, jobs=1)
    # shifted by i % 20 pixels: a match up to 10 (IoU > 0.5, see above), missing for every third image
    tp = sum(1 for i in range(len(images)) if i % 3 and i % 20 <= 10)
    assert (one["tp"], one["fn"], one["missing_predictions"]) == (tp, len(images) - tp, len(images[::3]))
    assert metrics.evaluate_list(tmp_path / "pred", tmp_path / "gt", images, jobs=2) == one


def test_lane_eval_command_prints_a_table_json_and_clear_errors(tmp_path):
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    write_lines(gt / "a/1.lines.txt", [vertical(300), vertical(900)])
    write_lines(pred / "a/1.lines.txt", [vertical(305), vertical(900), vertical(1400)])
    (tmp_path / "list.txt").write_text("a/1.jpg\na/2.jpg\n")
    code, out, err = run_cli("lane-eval", pred, gt, "--list", tmp_path / "list.txt")
    assert code == 0, err
    assert "total" in out and "66.67" in out and "100.00" in out  # P 2/3, R 1
    assert "1 of 2 images have no predictions file" in err
    code, out, err = run_cli("lane-eval", pred, gt, "--list", tmp_path / "list.txt", "--format", "json")
    total = json.loads(out)["total"]
    assert (total["tp"], total["fp"], total["fn"]) == (2, 1, 0)
    for args, words in ((("--list", tmp_path / "nope.txt"), "no such file"), ((), "--list test.txt"),
                        (("--list", tmp_path / "list.txt", "--size", "big"), "--size"),
                        (("--list", tmp_path / "list.txt", "--iou", "2"), "--iou must lie between 0 and 1"),
                        (("--list", tmp_path / "list.txt", "--iou", "0"), "--iou must lie between 0 and 1"),
                        (("--list", tmp_path / "list.txt", "--jobs", "0"), "--jobs must be at least 1"),
                        (("--by-category", tmp_path, "--dataset", "tusimple"), "no --list test.txt or --by-category")):
        code, out, err = run_cli("lane-eval", pred, gt, *args)
        assert code == 2 and words in err and "Traceback" not in err, err
    code, _, err = run_cli("lane-eval", tmp_path / "missing", gt, "--list", tmp_path / "list.txt")
    assert code == 2 and "no such directory" in err


# --- TuSimple ---

Y = list(range(160, 720, 10))  # TuSimple's h_samples


def tus_lane(x_at_bottom, slope, first=0):
    """x per h_sample for a straight lane x = x_at_bottom + slope * (710 - y), -2 above row `first`."""
    return [-2 if i < first else round(x_at_bottom + slope * (710 - y)) for i, y in enumerate(Y)]


def test_tusimple_perfect_and_shifted_lanes():
    gt = [tus_lane(300, 0), tus_lane(600, 0), tus_lane(900, 0)]
    assert metrics.tusimple_image(gt, gt, Y, 10) == (1.0, 0.0, 0.0)
    # vertical lanes: angle 0, 20 pixels: 19 off is right, 21 off is wrong on every point
    near = [[x + 19 for x in lane] for lane in gt]
    far = [[x + 21 for x in lane] for lane in gt]
    assert metrics.tusimple_image(near, gt, Y, 10) == (1.0, 0.0, 0.0)
    assert metrics.tusimple_image(far, gt, Y, 10) == (0.0, 1.0, 1.0)
    # missing one lane: accuracy (1 + 1 + 0) / 3, no FP, FN 1/3
    assert metrics.tusimple_image(gt[:2], gt, Y, 10) == (pytest.approx(2 / 3), 0.0, pytest.approx(1 / 3))


def test_tusimple_threshold_grows_with_the_lanes_angle():
    # x = 200 + y: 45 degrees, threshold 20 / cos(45) = 28.28 pixels
    gt = [[200 + y for y in Y]]
    assert metrics.tusimple_image([[x + 25 for x in gt[0]]], gt, Y, 10) == (1.0, 0.0, 0.0)
    assert metrics.tusimple_image([[x + 29 for x in gt[0]]], gt, Y, 10) == (0.0, 1.0, 1.0)


def test_tusimple_rules_kept_as_lane_py_has_them():
    gt = [tus_lane(300, 0, first=28)]  # annotated on the lower half only
    pred = [[x if x >= 0 else -2 for x in gt[0]]]
    # points absent from both count as right: 56 of 56
    assert metrics.tusimple_image(pred, gt, Y, 10) == (1.0, 0.0, 0.0)
    # too slow, or more than two lanes too many: (0, 0, 1)
    assert metrics.tusimple_image(pred, gt, Y, 201) == (0.0, 0.0, 1.0)
    assert metrics.tusimple_image(pred * 4, gt, Y, 10) == (0.0, 0.0, 1.0)
    # 85% of the points: 48 of 56 right matches, 47 does not
    half = [x if i >= 8 else x + 50 for i, x in enumerate(tus_lane(300, 0))]
    assert metrics.tusimple_image([half], [tus_lane(300, 0)], Y, 10)[1:] == (0.0, 0.0)
    worse = [x if i >= 9 else x + 50 for i, x in enumerate(tus_lane(300, 0))]
    assert metrics.tusimple_image([worse], [tus_lane(300, 0)], Y, 10)[1:] == (1.0, 1.0)
    # five annotated lanes: the worst is dropped, one FN forgiven, divided by 4
    gt5 = [tus_lane(100 + 250 * i, 0) for i in range(5)]
    assert metrics.tusimple_image(gt5[:4], gt5, Y, 10) == (1.0, 0.0, 0.0)


def test_tusimple_files_and_their_errors(tmp_path):
    gt = [{"raw_file": f"clips/a/{i}/20.jpg", "h_samples": Y, "lanes": [tus_lane(300, 0), tus_lane(700, 0)]}
          for i in range(2)]
    pred = [{"raw_file": gt[0]["raw_file"], "lanes": gt[0]["lanes"], "run_time": 5},
            {"raw_file": gt[1]["raw_file"], "lanes": gt[1]["lanes"][:1], "run_time": 5}]
    (tmp_path / "gt.json").write_text("".join(json.dumps(r) + "\n" for r in gt))
    (tmp_path / "pred.json").write_text("".join(json.dumps(r) + "\n" for r in pred))
    result = lane_eval(tmp_path / "pred.json", tmp_path / "gt.json", dataset="tusimple")
    assert result["accuracy"] == 0.75 and result["fp"] == 0.0 and result["fn"] == 0.25
    (tmp_path / "short.json").write_text(json.dumps(pred[0]) + "\n")
    with pytest.raises(InputError, match="1 predictions for 2"):
        lane_eval(tmp_path / "short.json", tmp_path / "gt.json", dataset="tusimple")
    bad = dict(pred[0], lanes=[[1, 2, 3]])
    (tmp_path / "bad.json").write_text(json.dumps(bad) + "\n" + json.dumps(pred[1]) + "\n")
    code, _, err = run_cli("lane-eval", "--dataset", "tusimple", tmp_path / "bad.json", tmp_path / "gt.json")
    assert code == 2 and "one x per h_sample" in err and "Traceback" not in err
    code, out, _ = run_cli("lane-eval", "--dataset", "tusimple", tmp_path / "pred.json", tmp_path / "gt.json")
    assert code == 0 and "accuracy 75.00%" in out


# --- TuSimple labels ---

def test_tusimple_labels_are_cv2_lines_numbered_by_angle(tmp_path):
    root = tmp_path / "TuSimple"
    root.mkdir()
    # Lanes left of the car run right going up the image (angle below 90), right ones run left.
    lanes = {
        "far_left": tus_lane(0, 1.2),  # from (660, 160) to (0, 710): atan2(550, 660) = 39.8 degrees
        "left": tus_lane(300, 0.6),  # 59.0
        "right": tus_lane(1000, -0.6),  # 121.0
        "short_right": tus_lane(1270, -1.0, first=53),  # 135.0; 3 points: slot kept, marked absent, not drawn
        "one_point": [-2] * 55 + [640],  # dropped before ordering
    }
    record = {"raw_file": "clips/0313-1/6040/20.jpg", "h_samples": Y,
              "lanes": [lanes[k] for k in ("right", "one_point", "short_right", "left", "far_left")]}
    (root / "label_data_0313.json").write_text(json.dumps(record) + "\n")
    done = tusimple_labels(root, train=["label_data_0313.json"], val=[])
    assert done == {"train": {"list": str(root / "list6/list6_train.txt"), "images": 1}}
    # the last of those at 90 or less is lane 3, the one before lane 2; the first beyond, 4, then 5
    assert (root / "list6/list6_train.txt").read_text() == \
        "/clips/0313-1/6040/20.jpg /segGT6/0313-1/6040/20.png 0 1 1 1 0 0\n"
    from PIL import Image
    label = np.asarray(Image.open(root / "segGT6/0313-1/6040/20.png"))
    expected = np.zeros((720, 1280), np.uint8)
    for number, name in ((2, "far_left"), (3, "left"), (4, "right")):
        points = [(x, y) for x, y in zip(lanes[name], Y) if x >= 0]
        for p, q in zip(points[:-1], points[1:]):
            cv2.line(expected, p, q, number, 15)
    assert label.shape == (720, 1280) and np.array_equal(label, expected)


def test_tusimple_labels_command_and_its_errors(tmp_path):
    code, _, err = run_cli("tusimple-labels", tmp_path / "nope")
    assert code == 2 and "no such directory" in err
    code, _, err = run_cli("tusimple-labels", tmp_path)
    assert code == 2 and "label_data_0313.json" in err and "no such file" in err
    (tmp_path / "x.json").write_text('{"raw_file": "clips/a/b/1.jpg"}\n')
    code, _, err = run_cli("tusimple-labels", tmp_path, "--train", "x.json", "--val", "x.json")
    assert code == 2 and "record 1" in err and "Traceback" not in err


def test_a_lane_repeating_a_point_is_drawn_from_the_corner_as_opencv_2_4_does(tmp_path):
    # Two equal points make a spline piece of length 0: spline.cpp divides by it, every interpolated
    # point is NaN but the last, cvRound gives INT_MIN, and OpenCV 2.4's int fixed point (INT_MIN << 16)
    # puts it at (0, 0): the lane is one thick line from the corner to its last point.
    lane = np.array([[100, 500], [100, 500], [150, 400], [200, 300]], np.float32)
    top, left, window = metrics.lane_window(lane)
    drawn = np.zeros((590, 1640), bool)
    drawn[top:top + window.shape[0], left:left + window.shape[1]] = window
    assert np.array_equal(drawn, opencv24_thick_line((0, 0), (200, 300), 30, 590, 1640))
    write_lines(tmp_path / "gt/a.lines.txt", [lane])
    write_lines(tmp_path / "pred/a.lines.txt", [lane])
    (tmp_path / "list.txt").write_text("a.jpg\n")
    code, out, err = run_cli("lane-eval", tmp_path / "pred", tmp_path / "gt", "--list", tmp_path / "list.txt")
    assert code == 0 and "2 lanes repeat a point" in err

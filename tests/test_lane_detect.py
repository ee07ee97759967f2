"""`scnn-tools lane-detect` and the decoding of lane maps: painted maps decoded against transcriptions of the
SCNN authors' own decoders, painted roads run through a net that paints them, real runs of the lane model."""

import importlib.util
import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from PIL import Image, ImageDraw

import realcaffe
import scnn_tools
from scnn_tools.lanes import decode, formats
from conftest import ROOT, run_cli

cv2 = pytest.importorskip("cv2")  # the independent check of smoothing and resizing (a test tool only)


def matlab_uint16(x):
    """MATLAB's uint16() of a double: rounds half away from zero."""
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def paint(lanes, exist, map_size, image_size, width=3.0):
    """A model's output that paints `lanes` (functions image y -> image x, each with a peak probability and
    the image rows it covers): lane j's map a Gaussian across the row at the lane's x, background the rest."""
    h, w = map_size
    iw, ih = image_size
    prob = np.zeros((1, len(exist) + 1, h, w), np.float32)
    cols = np.arange(w)
    for j, (fx, peak, (top, bottom)) in enumerate(lanes, 1):
        for r in range(h):
            y = (r + 0.5) * ih / h - 0.5                       # the image row this map row's centre lies on
            if top <= y <= bottom:
                c = (fx(y) + 0.5) * w / iw - 0.5                # the lane's x as a map column
                prob[0, j, r] = peak * np.exp(-((cols - c) ** 2) / (2 * width ** 2))
    prob[0, 0] = 1 - prob[0, 1:].sum(0)
    return prob, np.array([exist], np.float32)


def saved_png(score):
    """The bytes of the PNG testLane.lua's image.save writes of a float map (torch/image init.lua clampImage:
    a double copy, clamped to [0, 1], times 255; generic/png.c: each double assigned to a png_byte)."""
    return np.trunc(np.clip(np.float32(score).astype(np.float64), 0, 1) * 255).astype(np.uint8)


def prob2lines(lane_prob, exist_prob, image_size):
    """XingangPan/SCNN's CULane decoding transcribed as written, 1-based: testLane.lua process() (the 9x9 mean,
    zero padded: here OpenCV's filter2D) saved as an 8-bit PNG, exist > 0.5 (testLane.lua:124), getLane.m
    (MATLAB's max of the bytes: the first largest) and main.m:70-73."""
    width, height = image_size
    found = []
    for j in range(1, len(exist_prob) + 1):
        if not exist_prob[j - 1] > 0.5:
            continue
        score = saved_png(cv2.filter2D(lane_prob[j].astype(np.float64), -1, np.full((9, 9), 1 / 81),
                                       borderType=cv2.BORDER_CONSTANT))
        h, w = score.shape
        coordinate = [0] * 18
        for i in range(1, 19):
            line_id = matlab_uint16(h - (i - 1) * 20 / height * h)
            if line_id < 1 or height - (i - 1) * 20 - 1 < 0:
                break  # above an image less than 360 rows high: MATLAB's uint16 gives index 0, an error
            line = score[line_id - 1, :]
            if float(line.max()) / 255 > 0.3:
                coordinate[i - 1] = int(np.argmax(line)) + 1
        if sum(c > 0 for c in coordinate) < 2:
            continue
        found.append((j, [(matlab_uint16(c * width / w) - 1, matlab_uint16(height - (m - 1) * 20) - 1)
                          for m, c in enumerate(coordinate, 1) if c > 0]))
    return found


def culane_row(y, image_height=590, map_height=288):
    """The image row at the centre of the map row getLane.m reads for image row y (main.m writes y): the
    map row is rounded, so the lane's x is the one on this row, up to a map row from y."""
    k = (image_height - 1 - y) / 20
    line_id = matlab_uint16(map_height - k * 20 / image_height * map_height)
    return (line_id - 0.5) * image_height / map_height - 0.5


def near(points, f, reach, tolerance=2.5, row=lambda y: y):
    """Each point within `tolerance` px of lane f on the image row `row(y)` the point was read from, but the
    lane's two ends: there the mean window is cut (by the end of the paint or the image's border) and pulls
    the maximum along the lane, by up to `reach` image rows (half the window) times the lane's slope."""
    errors = [abs(x - f(row(y))) for x, y in points]
    slope = abs(f(1.0) - f(0.0))
    return max(errors[1:-1]) <= tolerance and max(errors[0], errors[-1]) <= tolerance + reach * slope


CULANE_REACH = 4 * 590 / 288    # the 9x9 window's half, in CULane image rows
TUSIMPLE_REACH = 2 * 720 / 368  # the 5x5 window's half, in TuSimple image rows


def ours(lane_prob, exist_prob, image_size, scheme):
    lanes, = decode.decode(lane_prob, exist_prob, [image_size], scheme)
    return [(lane.index, [tuple(map(int, p)) for p in lane.points]) for lane in lanes]


CULANE_IMAGE = (1640, 590)
# Straight and slanted lanes of a road seen from the car (painted from the bottom of the image to row 200).
ROAD = [lambda y: 560 - 0.9 * (y - 260) + 0.3, lambda y: 760 - 0.2 * (y - 260) + 0.7,
        lambda y: 870 + 0.8 * (y - 260) + 0.2, lambda y: 1000 + 1.6 * (y - 260) + 0.45]


def test_culane_decoding_finds_painted_lanes_as_prob2lines_does():
    prob, exist = paint([(f, 0.95, (200, 590)) for f in ROAD], [0.9, 0.8, 0.99, 0.7], (288, 800), CULANE_IMAGE)
    got = ours(prob, exist, CULANE_IMAGE, decode.CULANE)
    assert got == prob2lines(prob[0], exist[0], CULANE_IMAGE)
    assert [j for j, _ in got] == [1, 2, 3, 4]
    for (j, points), f in zip(got, ROAD):
        assert [y for _, y in points] == [589 - 20 * k for k in range(18)]  # main.m:73's rows, 0-based
        # One map column is 2.05 image pixels; main.m's x (id*1640/800 - 1) lies half a pixel right of the
        # column's centre: within 2.5 px of the painted lane on every row but the bottom one, where the 9x9
        # mean is cut by the image's border.
        assert near(points, f, CULANE_REACH, row=culane_row), (j, points)


def test_culane_drops_what_the_authors_drop():
    lanes = [(ROAD[0], 0.95, (255, 590)),    # existence exactly 0.5: not above it, dropped (testLane.lua:124)
             (ROAD[1], 0.2, (255, 590)),     # never above 0.3: no point (getLane.m:9)
             (ROAD[2], 0.95, (560, 590)),    # two sample rows long (569 and 589): kept
             (ROAD[3], 0.95, (575, 590))]    # one sample row: fewer than 2 points, dropped (getLane.m:13)
    prob, exist = paint(lanes, [0.5, 0.9, 0.9, 0.9], (288, 800), CULANE_IMAGE)
    got = ours(prob, exist, CULANE_IMAGE, decode.CULANE)
    assert got == prob2lines(prob[0], exist[0], CULANE_IMAGE)
    assert [(j, [y for _, y in p]) for j, p in got] == [(3, [589, 569])]
    assert formats.culane_text([]) == ""


def test_culane_decoding_at_another_image_and_map_size():
    image = (820, 295)  # half CULane's size, the net at 144x400: the same rules with their own sizes
    road = [lambda y: 280 - 0.45 * (y - 130) + 0.1, lambda y: 500 + 0.8 * (y - 130) + 0.3]
    prob, exist = paint([(f, 0.9, (128, 295)) for f in road], [0.9, 0.9, 0.1, 0.1], (144, 400), image)
    got = ours(prob, exist, image, decode.CULANE)
    assert got == prob2lines(prob[0], exist[0], image)
    assert [y for _, y in got[0][1]] == [294 - 20 * k for k in range(9)]  # rows inside the image's lower part


def pred_json(lane_prob, exist_prob, image_size=(1280, 720)):
    """cardwing/Codes-for-Lane-Detection ENet-TuSimple-Torch's TuSimple decoding transcribed: the 5x5 mean
    (testLaneE.lua:60-61) saved as an 8-bit PNG (:132), exist > 0.5 (:139), then pred_json.py as written:
    getLane (maxArea with OpenCV's contours, cv2.resize of the bytes, rows 160..710, > 0.2, fixGap) for each
    lane in order, rmShort(20), connect, rmShort(70), cutMax."""
    lanes = []
    for j in range(1, len(exist_prob) + 1):
        if exist_prob[j - 1] > 0.5:
            probs = saved_png(cv2.filter2D(lane_prob[j].astype(np.float64), -1, np.full((5, 5), 1 / 25),
                                           borderType=cv2.BORDER_CONSTANT))
            lanes += get_lane(probs, 0.2, *probs.shape, image_size)
    lanes = [lane for lane in lanes if not is_short(lane, 20)]
    lanes = [lane for lane in connect(lanes) if not is_short(lane, 70)]
    if lanes:  # pred_json.py's cutMax fails on no lanes (min of nothing)
        starts = [[k for k, x in enumerate(lane) if x > 0][0] for lane in lanes]
        m = min(starts)
        if starts.index(m) + starts[::-1].index(m) == len(starts) - 1:
            lanes[starts.index(m)][m] = -2
    return lanes


def max_area(probs, h, w):
    binary = np.zeros((h, w), np.uint8)
    binary[probs > 40] = 1
    contours, hierarchy = cv2.findContours(binary.copy(), cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    areas = [cv2.contourArea(contour) for contour in contours]
    if not areas:
        return [probs]
    pieces = []
    for k in range(2 if len(areas) > 1 else 1):
        if k == 0:
            area = max(areas)
        else:
            rest = areas[:]
            rest.remove(max(areas))
            area = max(rest)
            if not area > 800:
                break
        mask = np.zeros((h, w), np.uint8)
        cv2.drawContours(mask, contours, areas.index(area), 1, -1, 8, hierarchy, 0)
        pieces.append(np.multiply(probs, mask))
    return pieces


def get_lane(probs, thr, h, w, size):
    found = []
    for piece in max_area(probs, h, w):
        coordinate = [-2] * 56
        piece = cv2.resize(piece, size, interpolation=cv2.INTER_LINEAR)
        for i, y in enumerate(range(160, 720, 10)):
            row = piece[y, :]
            if float(max(row)) / 255 > thr:
                coordinate[i] = int(row.argmax())
        found.append(fix_gap(coordinate))
    return found


def connect(lanes):
    joined, used = [], [0] * len(lanes)
    for i in range(len(lanes) - 1):
        for j in range(i + 1, len(lanes)):
            a, b = lanes[i], lanes[j]
            sa, sb = [k for k, x in enumerate(a) if x > 0][0], [k for k, x in enumerate(b) if x > 0][0]
            ea = [k for k, x in reversed(list(enumerate(a))) if x > 0][0]
            eb = [k for k, x in reversed(list(enumerate(b))) if x > 0][0]
            if ea > sb or eb > sa:
                upper_first = ea < sb
                (l1, s1, e1), (l2, s2, e2) = ((a[:], sa, ea), (b[:], sb, eb)) if upper_first else \
                    ((b[:], sb, eb), (a[:], sa, ea))
                id1 = max(s1, e1 - 5)
                k1 = float(l1[e1] - l1[id1]) / (10 * (e1 - id1))
                id2 = min(e2, s2 + 5)
                k2 = float(l2[id2] - l2[s2]) / (10 * (id2 - s2))
                extend = l1[e1] + k1 * (s2 - e1) * 10
                if abs(k1 - k2) < 0.2 and abs(extend - l2[s2]) < 50:
                    new = [-2] * 56
                    new[s1:e1 + 1] = l1[s1:e1 + 1]
                    new[s2:e2 + 1] = l2[s2:e2 + 1]
                    joined.append(new)
                    used[i] = used[j] = 1
    joined += [lane for lane, u in zip(lanes, used) if not u]
    return [fix_gap(lane) for lane in joined]


def fix_gap(coordinate):
    if any(x > 0 for x in coordinate):
        start = [i for i, x in enumerate(coordinate) if x > 0][0]
        end = [i for i, x in reversed(list(enumerate(coordinate))) if x > 0][0]
        lane = coordinate[start:end + 1]
        gap_start = [i for i, x in enumerate(lane[:-1]) if x > 0 and lane[i + 1] < 0]
        gap_end = [i + 1 for i, x in enumerate(lane[:-1]) if x < 0 and lane[i + 1] > 0]
        for k in [i for i, x in enumerate(lane) if x < 0]:
            for s, e in zip(gap_start, gap_end):
                if s < k < e:
                    lane[k] = int((k - s) / float(e - s) * lane[e] + (e - k) / float(e - s) * lane[s])
        coordinate[start:end + 1] = lane
    return coordinate


def is_short(lane, thr):
    present = [i for i, x in enumerate(lane) if x > 0]
    if not present:
        return True
    s, e = present[0], present[-1]
    return ((lane[s] - lane[e]) ** 2 + (s - e) ** 2 * 100) ** 0.5 <= thr


def test_tusimple_decoding_as_pred_json_does():
    image = (1280, 720)
    f = [lambda y: 600 - 1.1 * (y - 300) + 0.3, lambda y: 700 + 0.1 * (y - 300) + 0.6,
         lambda y: 760 + 1.3 * (y - 300) + 0.2, lambda y: 300 + 0.5 * y]
    lanes = [(f[0], 0.9, (300, 720)), (f[1], 0.9, (250, 720)), (f[2], 0.9, (330, 720)),
             (f[3], 0.9, (600, 640))]  # lane 4: 5 rows, 41 px long: rmShort drops it
    prob, exist = paint(lanes, [0.9, 0.9, 0.9, 0.9, 0.2, 0.3], (368, 640), image, width=4.0)
    prob[0, 2, 200:230] = 0  # a gap in lane 2 (image rows ~391-450), which fixGap fills
    prob[0, 0] = 1 - prob[0, 1:].sum(0)
    got = ours(prob, exist, image, decode.TUSIMPLE)
    rows = decode.tusimple_rows(720)
    assert list(rows) == list(range(160, 720, 10))
    expected = pred_json(prob[0], exist[0], image)
    assert [list(decode.on_rows(p, rows)) for _, p in got] == expected
    # The gap cuts lane 2's map in two contours, both over 800 pixels: maxArea makes two lanes of them and
    # connect joins them again (its new lanes first), filling in across the gap.
    assert len(decode.max_area(decode.png_bytes(decode.box(prob[0], 5, np.arange(368), [2]))[0])) == 2
    assert [j for j, _ in got] == [2, 1, 3]
    lane2 = dict(got)[2]
    assert set(range(400, 450, 10)) <= {y for _, y in lane2}
    assert min(y for _, y in lane2) == 260  # it started highest, alone, at 250: cutMax took that point
    for (j, points) in got:
        assert near(points, f[j - 1], TUSIMPLE_REACH), (j, points)
    line = json.loads(formats.tusimple_line("clips/a/20.jpg", [decode.on_rows(p, rows) for _, p in got], rows, 12.7))
    assert line["h_samples"] == list(range(160, 720, 10)) and len(line["lanes"]) == 3 and line["run_time"] == 12
    assert all(len(lane) == 56 and all(x == -2 or x >= 0 for x in lane) for lane in line["lanes"])


def test_maps_are_read_as_the_bytes_the_authors_save():
    """Values within 1/255 of a threshold, and a row whose maximum is shared once rounded down to bytes: the
    authors read PNG bytes (byte/255 above the threshold; the first column of the largest byte)."""
    prob = np.zeros((1, 5, 288, 800), np.float32)
    prob[0, 1:4, :, 100:300] = [[[0.9]], [[76.99 / 255]], [[77.01 / 255]]]
    prob[0, 1, :, 250:300] = 0.9009   # a higher float, the same byte (229) as 0.9's
    exist = np.full((1, 4), 0.9, np.float32)
    got = ours(prob, exist, CULANE_IMAGE, decode.CULANE)
    assert got == prob2lines(prob[0], exist[0], CULANE_IMAGE)
    # Lane 1: column 104 (the first whose 9x9 window lies inside the plateau) on every row, not 254 where the
    # floats peak; at 1640 wide, uint16(105 * 1640 / 800) - 1 = 214. Lane 2: 76.99/255 is above 0.3 but its
    # byte, 76, is not (76/255 = 0.298): no lane. Lane 3: byte 77, every row but the bottom one, where the
    # zero padding halves the mean.
    assert [(j, sorted({x for x, _ in p}), len(p)) for j, p in got] == [(1, [214], 18), (3, [214], 17)]
    tusimple = np.zeros((1, 3, 368, 640), np.float32)
    tusimple[0, 1:, :, 100:300] = [[[51.99 / 255]], [[52.01 / 255]]]   # 0.2 is byte 51: 51.99 is not above
    got = ours(tusimple, np.full((1, 2), 0.9, np.float32), (1280, 720), decode.TUSIMPLE)
    assert [list(decode.on_rows(p, decode.tusimple_rows(720))) for _, p in got] == pred_json(tusimple[0], [0.9, 0.9])
    assert [j for j, _ in got] == [2]


def test_tusimple_pieces_joined_where_they_line_up_and_only_there():
    image = (1280, 720)
    near_lane, far_lane = (lambda y: 300 + 0.5 * y), (lambda y: 1000 - 0.5 * y)
    # Lane 1's map holds two strokes, maxArea's two largest contours, which connect leaves apart: their
    # slopes (px across per px down) differ by 1, and connect joins below 0.2. Lane 2's
    # map continues the first stroke 20 rows lower and 30 px right, at its slope: within 50 px of where the
    # first stroke carried on would be, so joined with it (the joined lane first, then the far stroke).
    prob, exist = paint([(near_lane, 0.9, (250, 450)), (lambda y: near_lane(y) + 30, 0.9, (470, 720))],
                        [0.9, 0.9], (368, 640), image, width=4.0)
    far, _ = paint([(far_lane, 0.9, (300, 700))], [0.9], (368, 640), image, width=4.0)
    prob[0, 1] += far[0, 1]
    prob[0, 0] = 1 - prob[0, 1:].sum(0)
    got = ours(prob, exist, image, decode.TUSIMPLE)
    rows = decode.tusimple_rows(720)
    assert [list(decode.on_rows(p, rows)) for _, p in got] == pred_json(prob[0], exist[0])
    assert [j for j, _ in got] == [1, 1]
    joined, apart = (np.array(p) for _, p in got)
    assert set(range(270, 720, 10)) <= {y for _, y in joined}   # across the 20-row gap, filled in
    assert near(joined[joined[:, 1] < 440], near_lane, TUSIMPLE_REACH)
    assert near(joined[joined[:, 1] > 480], lambda y: near_lane(y) + 30, TUSIMPLE_REACH)
    assert near(apart, far_lane, TUSIMPLE_REACH)


def test_box_is_the_zero_padded_mean():
    rng = np.random.default_rng(3)
    maps = rng.random((2, 17, 23)).astype(np.float32)
    rows = np.array([0, 1, 5, 15, 16, 3])
    for k in (1, 5, 9):
        want = [cv2.filter2D(m.astype(np.float64), -1, np.full((k, k), 1 / k ** 2), borderType=cv2.BORDER_CONSTANT)
                for m in maps]
        assert np.allclose(decode.box(maps, k, rows), np.array(want)[:, rows], atol=1e-12)


def test_culane_files_read_back(tmp_path):
    lanes = [np.array([[10, 589], [12.5, 569]]), np.array([[100, 589], [90, 569], [80, 549]])]
    (tmp_path / "a.lines.txt").write_text(formats.culane_text(lanes))
    assert (tmp_path / "a.lines.txt").read_text() == "10 589 12.5 569\n100 589 90 569 80 549\n"
    assert [lane.tolist() for lane in formats.read_culane_lines(tmp_path / "a.lines.txt")] == [
        [[10, 589], [12.5, 569]], [[100, 589], [90, 569], [80, 549]]]


# A net that paints lanes: lane k's score is the image's colour channel k (red, green, blue: lanes 1-3) after
# the data layer's mean, times 0.1; the background's 0; lane 4's -100. A pure red line on black scores
# 0.1 * (255 - 123.68) = 13 for lane 1 and -12 off it: softmax ~1 on the line. Existence: sigmoid(5) = 0.993.
PAINTER = """name: "painter"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: %(h)d dim: %(w)d } } }
layer { name: "bgr" type: "Slice" bottom: "data" top: "b" top: "g" top: "r" slice_param { axis: 1 } }
%(convs)s
layer { name: "scores" type: "Concat" bottom: "bg" bottom: "s_r" bottom: "s_g" bottom: "s_b" bottom: "never"
  top: "scores" }
layer { name: "lane_prob" type: "Softmax" bottom: "scores" top: "lane_prob" }
layer { name: "pool" type: "Pooling" bottom: "bg" top: "pool" pooling_param { pool: AVE global_pooling: true } }
layer { name: "exist" type: "InnerProduct" bottom: "pool" top: "exist"
  inner_product_param { num_output: 4 weight_filler { type: "constant" value: 0 }
                        bias_filler { type: "constant" value: 5 } } }
layer { name: "exist_prob" type: "Sigmoid" bottom: "exist" top: "exist_prob" }
"""
CONV = ('layer { name: "%s" type: "Convolution" bottom: "%s" top: "%s" convolution_param { num_output: 1 '
        'kernel_size: 1 weight_filler { type: "constant" value: %g } bias_filler { type: "constant" value: %g } } }')


def painter(path, h, w):
    convs = [CONV % ("bg", "b", "bg", 0, 0), CONV % ("s_r", "r", "s_r", 0.1, 0), CONV % ("s_g", "g", "s_g", 0.1, 0),
             CONV % ("s_b", "b", "s_b", 0.1, 0), CONV % ("never", "b", "never", 0, -100)]
    path.write_text(PAINTER % dict(h=h, w=w, convs="\n".join(convs)))
    return path


COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def road(path, size, lanes, top):
    """A dark road with lanes painted 16 px wide in lane 1-3's colours, from the bottom to row `top`."""
    image = Image.new("RGB", size, (0, 0, 0))
    pen = ImageDraw.Draw(image)
    for f, colour in zip(lanes, COLOURS):
        pen.line([(f(size[1] - 1), size[1] - 1), (f(top), top)], fill=colour, width=16)
    image.save(path)
    return path


def test_a_painted_road_through_a_net_that_paints_it_decodes_to_its_lanes(tmp_path):
    net = painter(tmp_path / "painter.prototxt", 288, 800)
    os.makedirs(tmp_path / "images/day")
    lanes = ROAD[:3]
    road(tmp_path / "images/day/1.jpg", CULANE_IMAGE, lanes, 260)
    road(tmp_path / "images/2.png", CULANE_IMAGE, lanes[1:], 300)
    summary = scnn_tools.lane_detect(net, [tmp_path / "images"], tmp_path / "out", batch=2, pictures=True,
                                     probmaps=True)
    assert summary["images"] == 2 and summary["lanes"] == 5 and summary["runtime"] == "onnxruntime"
    first = formats.read_culane_lines(tmp_path / "out/day/1.lines.txt")
    second = formats.read_culane_lines(tmp_path / "out/2.lines.txt")
    assert [len(lane) for lane in first] == [17, 17, 17]  # rows 589 ... 269, those below row 260
    assert [len(lane) for lane in second] == [15, 15]     # rows 589 ... 309, all below row 300
    for found, painted in ((first, lanes), (second, lanes[1:])):
        for lane, f in zip(found, painted):
            assert near(lane, f, CULANE_REACH, row=culane_row), lane
    with Image.open(tmp_path / "out/day/1.lanes.png") as picture:
        assert picture.size == CULANE_IMAGE
        # lane 1 drawn in the authors' first colour (green) on the lane's painted (red) line
        x, y = (int(v) for v in first[0][5])
        assert picture.getpixel((x, y)) == (0, 255, 0)
    with Image.open(tmp_path / "out/2.prob.png") as maps:
        assert maps.size == (800, 288)


def test_tusimple_through_the_painting_net(tmp_path):
    net = painter(tmp_path / "painter.prototxt", 368, 640)
    f = [lambda y: 600 - 1.1 * (y - 300) + 0.3, lambda y: 700 + 0.1 * (y - 300) + 0.6]
    road(tmp_path / "20.jpg", (1280, 720), f, 300)
    (tmp_path / "list.txt").write_text("/clips/0530/20.jpg\n")
    os.makedirs(tmp_path / "clips/0530")
    os.replace(tmp_path / "20.jpg", tmp_path / "clips/0530/20.jpg")
    code, out, err = run_cli("lane-detect", net, tmp_path / "list.txt", "-o", tmp_path / "out", "--dataset",
                             "tusimple")
    assert code == 0, err
    record, = formats.read_tusimple_json(tmp_path / "out/predictions.json")
    assert record["raw_file"] == "clips/0530/20.jpg" and record["h_samples"] == list(range(160, 720, 10))
    assert len(record["lanes"]) == 2 and record["run_time"] >= 0
    for lane, fx in zip(record["lanes"], f):
        points = [(x, y) for x, y in zip(lane, record["h_samples"]) if x != -2]
        assert min(y for _, y in points) in (300, 310)  # from the painted top (cutMax may take one row)
        # The net is sure of the whole 16-px stroke: its saved bytes are the same (254) over the columns where
        # the 5x5 window lies inside the stroke, and the authors take the first of them, up to 4 px left of
        # the stroke's middle.
        assert near(points, fx, TUSIMPLE_REACH, tolerance=4), points
    assert "1 image, 2 lanes found" in out


def test_the_preprocessing_is_the_training_data_layers(tmp_path, monkeypatch):
    """lanedata.load (what the model was trained on) and lane-detect share lanes/prepare.py: both give what the
    data layer is specified to give, written out here: the whole image resized bilinearly (Pillow's, as
    the layer has always used), BGR, minus VGG16's mean (103.939, 116.779, 123.68), channels first."""
    import types
    monkeypatch.setitem(sys.modules, "caffe", types.SimpleNamespace(Layer=object))
    from scnn_tools import lanedata
    from scnn_tools.lanes import detect
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (59, 164, 3), np.uint8)
    Image.fromarray(pixels).save(tmp_path / "i.png")
    Image.fromarray(np.zeros((59, 164), np.uint8)).save(tmp_path / "l.png")
    resized = np.asarray(Image.fromarray(pixels).resize((80, 32), Image.BILINEAR), np.float64)
    want = np.stack([resized[..., 2] - 103.939, resized[..., 1] - 116.779, resized[..., 0] - 123.68])
    data, _, _ = lanedata.load((str(tmp_path / "i.png"), str(tmp_path / "l.png"), (0, 0, 0, 0)), 32, 80)
    image, ours_data = detect.load(tmp_path / "i.png", 32, 80)
    assert image.size == (164, 59) and ours_data.shape == (3, 32, 80) and ours_data.dtype == np.float32
    assert np.array_equal(ours_data, data) and np.abs(ours_data - want).max() < 1e-4
    assert "caffe" not in sys.modules["scnn_tools.lanes.prepare"].__dict__


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    scnn_tools.lane(directory / "culane", size="64x160")
    scnn_tools.lane(directory / "tusimple", dataset="tusimple", size="64x112")
    return directory


def images(directory, size, n):
    os.makedirs(directory, exist_ok=True)
    for i in range(n):
        road(directory / f"{i}.jpg", size, ROAD[i % 2:i % 2 + 2], 280)
    return directory


def test_the_lane_model_runs_on_folders_and_lists(tmp_path, small_model):
    folder = images(tmp_path / "data/driver/01.MP4", CULANE_IMAGE, 3)
    (tmp_path / "data/list.txt").write_text("/driver/01.MP4/0.jpg\n/driver/01.MP4/2.jpg\n")
    code, out, err = run_cli("lane-detect", small_model / "culane", folder, tmp_path / "data/list.txt", "-o",
                             tmp_path / "out", "--batch", "2", "--pictures")
    assert code == 0, err
    assert "no --weights" in err and "5 images" in out
    for name in ("0", "1", "2", "driver/01.MP4/0", "driver/01.MP4/2"):
        lines = tmp_path / f"out/{name}.lines.txt"
        for lane in formats.read_culane_lines(lines):  # the model's weights are random: only the format is known
            assert 2 <= len(lane) <= 18 and all(0 <= x < 1640 + 2 and (589 - y) % 20 == 0 for x, y in lane)
        with Image.open(lines.with_name(lines.name.replace(".lines.txt", ".lanes.png"))) as picture:
            assert picture.size == CULANE_IMAGE
    # Again, writing into the folder read: the pictures written the first time are not taken for images.
    code, out, err = run_cli("lane-detect", small_model / "culane", folder, "-o", folder / "found", "--pictures")
    code, out, err = run_cli("lane-detect", small_model / "culane", folder, "-o", folder / "found", "--pictures")
    assert code == 0 and "3 images" in out, err
    folder = images(tmp_path / "tu", (1280, 720), 3)
    summary = scnn_tools.lane_detect(small_model / "tusimple", [folder], tmp_path / "tu_out", dataset="tusimple",
                                     batch=2)
    records = formats.read_tusimple_json(tmp_path / "tu_out/predictions.json")
    assert [r["raw_file"] for r in records] == ["0.jpg", "1.jpg", "2.jpg"] and summary["images"] == 3
    assert all(len(lane) == 56 for r in records for lane in r["lanes"])


def test_bad_input_is_a_clear_error(tmp_path, small_model):
    images(tmp_path / "ok", CULANE_IMAGE, 1)
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    (tmp_path / "list.txt").write_text("/ok/0.jpg\n/ok/9.jpg\n")
    net = small_model / "culane"
    cases = [
        ((net, tmp_path / "broken.jpg"), "broken.jpg: cannot read the image"),
        ((net, tmp_path / "missing.jpg"), "missing.jpg: no such file or folder"),
        ((net, tmp_path / "list.txt"), "list.txt:2: no such image"),
        ((net, tmp_path / "ok", "--batch", "0"), "--batch must be a whole number from 1"),
        ((tmp_path / "nowhere", tmp_path / "ok"), "nowhere: no such file"),
        ((net, tmp_path / "ok", "--weights", tmp_path / "w.caffemodel"), "w.caffemodel: no such file"),
        ((tmp_path / "nolane.prototxt", tmp_path / "ok"), "the net has no blob 'lane_prob'"),
        ((tmp_path / "twolanes.prototxt", tmp_path / "ok"), "lane_prob is [1, 5, 32, 32] and exist_prob [1, 2]"),
        ((net, tmp_path / "ok", "--dataset", "other"), "invalid choice: 'other'"),
    ]
    if importlib.util.find_spec("caffe") is None:
        cases.append(((net, tmp_path / "ok", "--runtime", "caffe"), "--runtime caffe needs Caffe's Python"))
    # The painting net with exist_prob cut to two lanes, beside lane_prob's four.
    (tmp_path / "twolanes.prototxt").write_text(painter(tmp_path / "p.prototxt", 32, 32).read_text().replace(
        "num_output: 4", "num_output: 2"))
    (tmp_path / "nolane.prototxt").write_text(
        'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 8 dim: 8 } } }\n'
        'layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 2 kernel_size: 1 } }\n')
    for args, message in cases:
        code, out, err = run_cli("lane-detect", *args, "-o", tmp_path / "out")
        assert code == 2 and message in err and "Traceback" not in err, (args, err)
    (tmp_path / "file").write_text("")
    code, _, err = run_cli("lane-detect", net, tmp_path / "ok", "-o", tmp_path / "file")
    assert code == 2 and "not a folder" in err


CAFFE_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
from scnn_tools.cli import main
sys.exit(main(sys.argv[2:]))
"""

CAFFE_MAPS = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from scnn_tools.lanes import detect
net = detect.CaffeModel(sys.argv[2], sys.argv[3], 2)
data = np.stack([detect.load(path, net.height, net.width)[1] for path in sys.argv[5:]])
lane_prob, exist_prob = net.run(data)
np.savez(sys.argv[4], lane_prob=lane_prob, exist_prob=exist_prob, lane_up=net.net.blobs["lane_up"].data)
"""


@realcaffe.needs("bvlc")
def test_caffe_and_onnxruntime_find_the_same_lanes(tmp_path, small_model):
    """Real Caffe (pycaffe) and the export in onnxruntime, through lane-detect: the same files from the painting
    net; from the lane model with the random weights Caffe wrote (which find no lane), the same maps."""
    caffe_python = str(realcaffe.HOME / "bvlc/venv/bin/python")
    folder = images(tmp_path / "images", CULANE_IMAGE, 2)
    net = painter(tmp_path / "painter.prototxt", 288, 800)
    outputs = {}
    for runtime in ("caffe", "onnxruntime"):
        argv = ["lane-detect", str(net), str(folder), "-o", str(tmp_path / runtime), "--runtime", runtime]
        if runtime == "caffe":
            proc = subprocess.run([caffe_python, "-c", CAFFE_RUN, str(ROOT)] + argv, capture_output=True, text=True,
                                  env=dict(os.environ, GLOG_minloglevel="2"))
            code, err = proc.returncode, proc.stderr
        else:
            code, _, err = run_cli(*argv)
        assert code == 0, err
        outputs[runtime] = {p.name: p.read_text() for p in sorted((tmp_path / runtime).glob("*.lines.txt"))}
    assert outputs["caffe"] == outputs["onnxruntime"]
    assert [v.count("\n") for v in outputs["caffe"].values()] == [2, 2]  # both painted lanes, each image

    deploy = small_model / "culane/deploy.prototxt"
    caffe = realcaffe.forward(deploy.read_text(), ["lane_prob", "exist_prob"])
    assert "error" not in caffe, caffe.get("error")
    paths = [str(p) for p in sorted(folder.glob("*.jpg"))]
    proc = subprocess.run([caffe_python, "-c", CAFFE_MAPS, str(ROOT), str(deploy), caffe["weights"],
                           str(tmp_path / "caffe.npz")] + paths, capture_output=True, text=True,
                          env=dict(os.environ, GLOG_minloglevel="2"))
    assert proc.returncode == 0, proc.stderr
    from scnn_tools.lanes import detect
    model = detect.OnnxModel(str(deploy), caffe["weights"], 2)
    ours_maps = model.run(np.stack([detect.load(p, model.height, model.width)[1] for p in paths]))
    theirs = np.load(tmp_path / "caffe.npz")
    # Random weights make logits in the thousands, which the softmax turns into 0s and 1s: a rounding step of
    # a logit moves a probability by up to 1e-3. So the maps' logits (lane_up, read beside) and exist_prob are
    # compared, at float32's rounding of a net this deep.
    up = scnn_tools.export(deploy, weights=caffe["weights"], input_shape=[2, 3, 64, 160], outputs=["lane_up"])
    import onnxruntime
    logits = onnxruntime.InferenceSession(up).run(None, {"data": np.stack([detect.load(p, 64, 160)[1] for p in paths])})
    assert realcaffe.disagreement(logits[0], theirs["lane_up"]) < 1e-5
    assert realcaffe.disagreement(ours_maps[1], theirs["exist_prob"]) < 1e-5
    assert np.abs(ours_maps[0] - theirs["lane_prob"]).max() < 1e-2


def test_the_progress_bar_only_on_a_terminal():
    import io
    from scnn_tools.lanes import detect

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    assert detect.progress_bar(io.StringIO()) is None
    screen = Terminal()
    show = detect.progress_bar(screen)
    show(1, 4)
    show(4, 4)
    assert screen.getvalue().startswith("\r[########......................] 1/4 images")
    assert "\r[##############################] 4/4 images" in screen.getvalue() and screen.getvalue().endswith("\n")


def test_tusimples_json_lists_give_their_raw_files(tmp_path):
    from scnn_tools.errors import InputError
    from scnn_tools.lanes.detect import collect
    os.makedirs(tmp_path / "clips/0530/a")
    Image.new("RGB", (1280, 720)).save(tmp_path / "clips/0530/a/20.jpg")
    tasks = tmp_path / "test_tasks_0627.json"  # as TuSimple gives it: one JSON object a line
    tasks.write_text(json.dumps({"lanes": [], "h_samples": [160], "raw_file": "clips/0530/a/20.jpg"}) + "\n")
    assert collect([tasks], root=tmp_path) == [(str(tmp_path / "clips/0530/a/20.jpg"), "clips/0530/a/20.jpg")]
    tasks.write_text('{"lanes": []}\n')
    with pytest.raises(InputError, match="without a raw_file"):
        collect([tasks], root=tmp_path)

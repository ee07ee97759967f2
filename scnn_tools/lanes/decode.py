"""Probability maps to lane points, as the SCNN authors decode them.

The net gives `lane_prob` (N x (L+1) x H x W, a softmax whose class 0 is the background) and `exist_prob`
(N x L) at the net's input size, which is the whole image resized (no crop: XingangPan/SCNN
datasets/laneTest.lua:56 ScaleWH(800, 288) of the full 1640x590 image; scnn_tools/lanedata.py does the
same when training). Each lane whose existence exceeds 0.5 is read from its own map.

Both authors save each lane's smoothed map as an 8-bit PNG (testLane.lua:119, testLaneE.lua:132
`image.save`) and decode the PNG, so the maps are quantised here as they were saved: torch/image
init.lua:161-169 clampImage copies the float map into a double tensor (testLane*.lua never change Torch's
default tensor type), clamps it to [0, 1] and multiplies by 255, and generic/png.c:301 (Main_save) assigns
each double to a png_byte, which truncates: byte = floor(255 * clamp(p, 0, 1)). The thresholds below
compare byte/255, and the maximum on a row is the first column of the largest byte.

CULane, XingangPan/SCNN: experiments/test.sh runs testLane.lua with `-smooth true`, so each lane's
softmax map is averaged over 9x9 with zero padding (testLane.lua:49-50: SpatialConvolution 9x9, pad 4,
weights 1/81); existence > 0.5 (testLane.lua:124); then tools/prob2lines/getLane.m: on each of 18 rows
(main.m:18, 20 px apart from the image's bottom row), row `uint16(288-(i-1)*20/590*288)` of the map
(getLane.m:6, 1-based), the first column of its maximum (MATLAB's max), kept if the value/255 exceeds
0.3 (getLane.m:3,9); a lane with fewer than 2 points is dropped (getLane.m:13, main.m:70); main.m:73
writes `uint16(id*1640/800)-1, uint16(590-(m-1)*20)-1` (id the 1-based column; uint16 rounds half
away from zero). 1640, 590, 800 and 288 are the image's and the map's sizes, so images of other sizes
are decoded with their own.

TuSimple, cardwing/Codes-for-Lane-Detection ENet-TuSimple-Torch: a 5x5 average (testLaneE.lua:60-61,
test.sh `-smooth true`); existence > 0.5 (testLaneE.lua:139); pred_json.py, for each lane in order:
maxArea (:99-125) splits its map into the largest contour of the bytes above 40 and, if the second
largest covers more than 800 (map pixels), that one too (regions.py: OpenCV's findContours,
contourArea and drawContours without OpenCV), each piece the map's bytes inside its filled contour;
each piece is resized to the 1280x720 image with cv2.resize INTER_LINEAR (:151, on bytes: OpenCV's
fixed point, `resize_bytes`), the first column of the maximum on rows 160, 170, ..., 710 (:152-155)
kept where it exceeds 0.2 * 255 (:156, :181), else -2; gaps inside a lane filled by linear
interpolation (fixGap, :127-144); then over all the pieces (:204-207): lanes shorter than 20 px
dropped (rmShort; length from the first to the last point with rows 10 px apart), lanes whose ends
line up joined (connect, :39-82), lanes shorter than 70 px dropped, and of the lanes starting highest,
if only one does, its top point dropped (cutMax, :84-97: `m < 350` compares a row index, always true).
A piece's lane keeps its map's index; a joined lane the index of the first of the two.

What can still differ from the authors' files: the smoothing is summed here in float64 and rounded to
float32 once, theirs in float32 on the GPU (cuDNN's order), so a byte may differ where the average
lies within a float32 rounding of a multiple of 1/255; and where their code fails (pred_json.py's
cutMax on an image with no lane, fixGap's assertion on a lane with a point at column 0) this goes on.
"""

from collections import namedtuple

import numpy as np

from .formats import ABSENT
from .regions import Contours

Scheme = namedtuple("Scheme", "name smooth exist point")
Lane = namedtuple("Lane", "index points")  # index 1..L (the map's class); points: M x 2 int (x, y) image pixels
CULANE = Scheme("culane", 9, 0.5, 0.3)
TUSIMPLE = Scheme("tusimple", 5, 0.5, 0.2)
SCHEMES = {s.name: s for s in (CULANE, TUSIMPLE)}

CULANE_ROWS, CULANE_STEP = 18, 20           # main.m:18 pts = 18; getLane.m:6 and main.m:73, 20 px apart
CULANE_MIN_POINTS = 2                        # getLane.m:13 sum(coordinate>0)<2 -> no lane
TUSIMPLE_HEIGHT = 720                        # pred_json.py:151, the image the rows below refer to
TUSIMPLE_ROWS = np.arange(160, 720, 10)      # pred_json.py:152
TUSIMPLE_MIN_LENGTH = 70                     # pred_json.py:206 rmShort(lanes, 70)
TUSIMPLE_MIN_PIECE = 20                      # pred_json.py:204 rmShort(lanes, 20), before connect
PIECE_BYTE = 40                              # pred_json.py:102 binary[probs > 40] = 1
SECOND_PIECE_AREA = 800                      # pred_json.py:119 max_area2 > 800
FIXED = 2048                                 # OpenCV resize's INTER_RESIZE_COEF_SCALE (11 bits)


def box(maps, k, rows, lanes=None):
    """The k x k mean with zero padding (Torch's SpatialConvolution of weights 1/k^2, pad k//2) of each of
    `maps` (L x H x W; of those `lanes` index), on the map rows `rows` only, which is all decoding reads:
    L x len(rows) x W."""
    p = k // 2
    h, w = maps.shape[-2:]
    lanes = np.arange(len(maps)) if lanes is None else np.asarray(lanes)
    window = np.asarray(rows)[:, None] + np.arange(-p, p + 1)           # R x k rows, some beyond the map
    inside = ((window >= 0) & (window < h)).astype(np.float64)
    picked = maps[lanes[:, None, None], np.clip(window, 0, h - 1)[None], :]
    column = np.einsum("lrkw,rk->lrw", picked, inside, dtype=np.float64, casting="same_kind")
    s = np.pad(column, ((0, 0), (0, 0), (p + 1, p))).cumsum(-1)         # a zero column first, then p either side
    return (s[..., k:k + w] - s[..., :w]) / (k * k)


def _round(x):
    """MATLAB's rounding to an integer type: half away from zero (the values here are positive)."""
    return np.floor(np.asarray(x, np.float64) + 0.5).astype(np.int64)


def png_bytes(maps):
    """The 8-bit PNG the authors save of a float map: floor(255 * clamp(p, 0, 1)), as torch/image writes it."""
    return (np.clip(np.asarray(maps, np.float32).astype(np.float64), 0, 1) * 255).astype(np.uint8)


def culane_rows(map_height, image_height):
    """(the map's rows, 0-based, the image's rows) that getLane.m and main.m sample: 18 rows 20 px apart
    from the bottom, those inside the image."""
    k = np.arange(CULANE_ROWS)
    k = k[(image_height - k * CULANE_STEP - 1 >= 0)
          & (_round(map_height - k * CULANE_STEP / image_height * map_height) >= 1)]
    return _round(map_height - k * CULANE_STEP / image_height * map_height) - 1, image_height - k * CULANE_STEP - 1


def decode(lane_prob, exist_prob, image_sizes, scheme=CULANE):
    """Per image, its lanes: [Lane(index, points)], bottom point first, in the order of their index (for
    TuSimple, the points are on `tusimple_rows`). `image_sizes`: (width, height) of each original image."""
    lane_prob, exist_prob = np.asarray(lane_prob, np.float32), np.asarray(exist_prob, np.float32)
    if lane_prob.ndim != 4 or exist_prob.ndim != 2 or lane_prob.shape[1] != exist_prob.shape[1] + 1 \
            or lane_prob.shape[0] != exist_prob.shape[0]:
        raise ValueError(f"lane_prob must be N x (L+1) x H x W and exist_prob N x L (got {list(lane_prob.shape)} "
                         f"and {list(exist_prob.shape)})")
    decoder = _culane if scheme.name == "culane" else _tusimple
    return [decoder(lane_prob[n, 1:], exist_prob[n] > scheme.exist, tuple(image_sizes[n]), scheme)
            for n in range(len(lane_prob))]


def _culane(maps, exists, size, scheme):
    width, height = size
    map_rows, image_rows = culane_rows(maps.shape[1], height)
    rows = png_bytes(box(maps, scheme.smooth, map_rows, np.flatnonzero(exists)))  # E x R x W, all at once
    column = rows.argmax(-1)                                           # the first maximum, as MATLAB's max
    found = rows.max(-1) / 255 > scheme.point
    xs = _round((column + 1) * width / maps.shape[2]) - 1
    return [Lane(int(index), np.stack([x[keep], image_rows[keep]], 1))
            for index, x, keep in zip(np.flatnonzero(exists) + 1, xs, found) if keep.sum() >= CULANE_MIN_POINTS]


def tusimple_rows(image_height):
    """The image rows pred_json.py samples, for an image of this height (TuSimple's are 720 high)."""
    return _round(TUSIMPLE_ROWS * image_height / TUSIMPLE_HEIGHT)


def _fixed_linear(dst, src):
    """cv2.resize(INTER_LINEAR)'s source positions and fixed-point weights along one axis of `dst` pixels
    from `src` (OpenCV's resize.cpp: fx = float((d + 0.5) * scale - 0.5), its floor and fraction,
    clamped at the edges, weights rounded to 1/2048): (first source, second, their weights)."""
    f = ((np.arange(dst) + 0.5) * (1 / (dst / src)) - 0.5).astype(np.float32)
    first = np.floor(f).astype(np.int64)
    f = f - first.astype(np.float32)
    weight = [np.rint(v * np.float32(FIXED)).astype(np.int32) for v in (np.float32(1) - f, f)]
    return np.clip(first, 0, src - 1), np.clip(first + 1, 0, src - 1), weight[0], weight[1]


def resize_bytes(maps, rows, size):
    """cv2.resize(maps[i], size, interpolation=INTER_LINEAR) of uint8 maps (P x h x w), on the rows `rows` of
    the result only: P x len(rows) x width. OpenCV resizes bytes in fixed point: each row of the map
    across (weights times 2048, exact in integers), then down, as its vector code (VResizeLinearVec_32s8u,
    which cv2's builds run on every column) rounds: ((a >> 4) * b0 >> 16) + ((c >> 4) * b1 >> 16) + 2 >> 2."""
    h, w = maps.shape[1:]
    c0, c1, a0, a1 = _fixed_linear(size[0], w)
    r0, r1, b0, b1 = (v[rows] for v in _fixed_linear(size[1], h))
    picked = maps[:, np.concatenate([r0, r1])].astype(np.int32)   # 255 * 2048 and (x >> 4) * 2048 fit
    across = picked[..., c0] * a0 + picked[..., c1] * a1
    top, bottom = across[:, :len(rows)], across[:, len(rows):]
    down = ((top >> 4) * b0[:, None] >> 16) + ((bottom >> 4) * b1[:, None] >> 16)
    return np.clip((down + 2) >> 2, 0, 255).astype(np.uint8)


def max_area(probs):
    """pred_json.py maxArea: the byte map inside its largest contour of bytes above 40 and, if the second
    largest covers more than 800, inside that one too (where two tie for the largest, `areas.remove` and
    `areas.index` there pick the first of them both times)."""
    contours = Contours(probs > PIECE_BYTE)
    ranked = contours.largest(2)
    if not ranked:
        return [probs]
    (largest, first), pieces = ranked[0], [probs * contours.filled(ranked[0][1])]
    if len(ranked) > 1 and ranked[1][0] > SECOND_PIECE_AREA:
        pieces.append(probs * contours.filled(first if ranked[1][0] == largest else ranked[1][1]))
    return pieces


def _tusimple(maps, exists, size, scheme):
    samples = tusimple_rows(size[1])
    lanes = np.flatnonzero(exists)
    probs = png_bytes(box(maps, scheme.smooth, np.arange(maps.shape[1]), lanes))   # E x H x W bytes
    pieces = [(int(index), piece) for index, p in zip(lanes + 1, probs) for piece in max_area(p)]
    found = []
    if pieces:
        rows = resize_bytes(np.stack([piece for _, piece in pieces]), samples, size)   # P x 56 x width
        column, present = rows.argmax(-1), rows.max(-1) / 255 > scheme.point
        found = [(index, _fix_gaps(np.where(p, c, ABSENT))) for (index, _), p, c in zip(pieces, present, column)]
    found = [lane for lane in found if not _short(lane[1], TUSIMPLE_MIN_PIECE)]
    found = [lane for lane in _connect(found) if not _short(lane[1], TUSIMPLE_MIN_LENGTH)]
    _cut_top([lane for _, lane in found])
    return [Lane(index, np.stack([lane[lane != ABSENT], samples[lane != ABSENT]], 1)[::-1])
            for index, lane in found]


def on_rows(points, rows):
    """A lane's x on each of `rows` (TuSimple's h_samples), ABSENT where it has no point."""
    xs = np.full(len(rows), ABSENT, np.int64)
    where = {int(y): int(x) for x, y in points}
    for i, y in enumerate(rows):
        xs[i] = where.get(int(y), ABSENT)
    return xs


def _fix_gaps(lane):
    """pred_json.py fixGap: absent points between a lane's first and last filled in from their
    neighbours, int((id-s)/w * x[e] + (e-id)/w * x[s]), as it computes them."""
    present = np.flatnonzero(lane > 0)
    if len(present) < 2:
        return lane
    inside = np.arange(present[0], present[-1] + 1)
    gaps = inside[lane[inside] < 0]
    if len(gaps):
        after = present[np.searchsorted(present, gaps)]
        before = present[np.searchsorted(present, gaps) - 1]
        span = (after - before).astype(np.float64)
        lane = lane.copy()
        lane[gaps] = ((gaps - before) / span * lane[after] + (after - gaps) / span * lane[before]).astype(np.int64)
    return lane


def _short(lane, threshold):
    """pred_json.py isShort: from the first to the last point (rows 10 px apart), no longer than threshold."""
    present = np.flatnonzero(lane > 0)
    if not len(present):
        return True
    s, e = present[0], present[-1]
    return float(np.sqrt((lane[s] - lane[e]) ** 2 + (s - e) ** 2 * 100)) <= threshold


def _ends(lane):
    present = np.flatnonzero(lane > 0)
    return int(present[0]), int(present[-1])


def _connect(lanes):
    """pred_json.py connect, on [(index, lane)]: every pair (i < j) whose slopes near their facing ends
    differ by less than 0.2 (px across per px down, over up to 5 rows) and of which the upper one's end,
    carried on at its slope to the lower one's start row, lands within 50 px of it, is joined into a new
    lane (rows of the upper one, then the lower one's over them; gaps filled); the new lanes come first,
    then the lanes never joined. "Upper" is as written there: lane i if it ends above lane j's start,
    else lane j, even where the two overlap; a lane joined twice gives two new lanes."""
    joined, used = [], [False] * len(lanes)
    ends = [_ends(lane) for _, lane in lanes]
    for i in range(len(lanes) - 1):
        for j in range(i + 1, len(lanes)):
            (start_a, end_a), (start_b, end_b) = ends[i], ends[j]
            if not (end_a > start_b or end_b > start_a):
                continue
            (upper, s1, e1), (lower, s2, e2) = ((lanes[i][1], start_a, end_a), (lanes[j][1], start_b, end_b)) \
                if end_a < start_b else ((lanes[j][1], start_b, end_b), (lanes[i][1], start_a, end_a))
            near1, near2 = max(s1, e1 - 5), min(e2, s2 + 5)
            k1 = float(upper[e1] - upper[near1]) / (10 * (e1 - near1))
            k2 = float(lower[near2] - lower[s2]) / (10 * (near2 - s2))
            if abs(k1 - k2) < 0.2 and abs(upper[e1] + k1 * (s2 - e1) * 10 - lower[s2]) < 50:
                lane = np.full(len(upper), ABSENT, np.int64)
                lane[s1:e1 + 1] = upper[s1:e1 + 1]
                lane[s2:e2 + 1] = lower[s2:e2 + 1]
                joined.append((lanes[i][0], _fix_gaps(lane)))
                used[i] = used[j] = True
    return joined + [lane for lane, u in zip(lanes, used) if not u]


def _cut_top(lanes):
    """pred_json.py cutMax, in place: where exactly one lane starts on the highest row of all, that point goes."""
    if not lanes:
        return
    starts = [int(np.flatnonzero(lane > 0)[0]) for lane in lanes]
    top = min(starts)
    if starts.count(top) == 1:
        lanes[starts.index(top)][top] = ABSENT

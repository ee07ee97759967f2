"""Probability maps to lane points, as the SCNN authors decode them.

The net gives `lane_prob` (N x (L+1) x H x W, a softmax whose class 0 is the background) and `exist_prob`
(N x L) at the net's input size, which is the whole image resized (no crop: XingangPan/SCNN
datasets/laneTest.lua:56 ScaleWH(800, 288) of the full 1640x590 image; scnn_tools/lanedata.py does the
same when training). Each lane whose existence exceeds 0.5 is read from its own map:

CULane, XingangPan/SCNN: experiments/test.sh runs testLane.lua with `-smooth true`, so each lane's
softmax map is averaged over 9x9 with zero padding (testLane.lua:49-50: SpatialConvolution 9x9, pad 4,
weights 1/81); existence > 0.5 (testLane.lua:124); then tools/prob2lines/getLane.m: on each of 18 rows
(main.m:18, 20 px apart from the image's bottom row), row `uint16(288-(i-1)*20/590*288)` of the map
(getLane.m:6, 1-based), the first column of its maximum (MATLAB's max), kept if the value exceeds 0.3
(getLane.m:3,9); a lane with fewer than 2 points is dropped (getLane.m:13, main.m:70); main.m:73
writes `uint16(id*1640/800)-1, uint16(590-(m-1)*20)-1` (id the 1-based column; uint16 rounds half
away from zero). 1640, 590, 800 and 288 are the image's and the map's sizes, so images of other sizes
are decoded with their own.

TuSimple, cardwing/Codes-for-Lane-Detection ENet-TuSimple-Torch: a 5x5 average (testLaneE.lua:60-61,
test.sh `-smooth true`); existence > 0.5 (testLaneE.lua:139); pred_json.py: the map resized to the
1280x720 image with bilinear interpolation (:151, cv2.INTER_LINEAR), the first column of the maximum on
rows 160, 170, ..., 710 (:152-155), kept above 0.2 (:156, :181), else -2; gaps inside a lane filled
by linear interpolation (fixGap, :127-144), lanes shorter than 70 px dropped (rmShort, :35, :204-206;
length from the first to the last point with rows 10 px apart), and of the lanes starting highest,
if only one does, its top point dropped (cutMax, :84-97: `m < 350` compares a row index, always true).
Not done: maxArea (:99-125, which splits a map into its two largest contours with OpenCV) and connect
(:39-82, which joins lanes whose ends line up); so a lane is one map's lane, and rmShort(20) before
connect reduces to rmShort(70).

The authors read 8-bit PNGs of the maps (value/255 > threshold); here the float maps are compared, so
a value within 1/255 of a threshold, or a row whose maximum is shared after rounding to 8 bits, may
decide differently.
"""

from collections import namedtuple

import numpy as np

from .formats import ABSENT

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
    rows = box(maps, scheme.smooth, map_rows, np.flatnonzero(exists))   # E x R x W, every lane and row at once
    column = rows.argmax(-1)                                           # the first maximum, as MATLAB's max
    found = np.take_along_axis(rows, column[..., None], -1)[..., 0] > scheme.point
    xs = _round((column + 1) * width / maps.shape[2]) - 1
    return [Lane(int(index), np.stack([x[keep], image_rows[keep]], 1))
            for index, x, keep in zip(np.flatnonzero(exists) + 1, xs, found) if keep.sum() >= CULANE_MIN_POINTS]


def tusimple_rows(image_height):
    """The image rows pred_json.py samples, for an image of this height (TuSimple's are 720 high)."""
    return _round(TUSIMPLE_ROWS * image_height / TUSIMPLE_HEIGHT)


def _linear(dst, size, src):
    """Where cv2.resize(INTER_LINEAR) reads destination positions `dst` of `size` from `src` source
    positions: half-pixel centres, edges clamped; (first source, second, weight of the second)."""
    pos = np.clip((dst + 0.5) * (src / size) - 0.5, 0, src - 1)
    lo = np.floor(pos).astype(np.int64)
    return lo, np.minimum(lo + 1, src - 1), pos - lo


def _resized_rows(maps, k, rows, size, lanes):
    """The k x k means of `maps` (those `lanes` index) resized to `size` (width, height) by
    cv2.resize(INTER_LINEAR), on the image rows `rows` only: E x R x width."""
    h, w = maps.shape[-2:]
    r0, r1, fr = _linear(rows, size[1], h)
    c0, c1, fc = _linear(np.arange(size[0]), size[0], w)
    both = box(maps, k, np.concatenate([r0, r1]), lanes)
    m = both[:, :len(r0)] * (1 - fr)[:, None] + both[:, len(r0):] * fr[:, None]
    return m[..., c0] * (1 - fc) + m[..., c1] * fc


def _tusimple(maps, exists, size, scheme):
    width, height = size
    samples = tusimple_rows(height)
    rows = _resized_rows(maps, scheme.smooth, samples, size, np.flatnonzero(exists))  # E x 56 x width
    column = rows.argmax(-1)
    found = np.take_along_axis(rows, column[..., None], -1)[..., 0] > scheme.point
    lanes = [_fix_gaps(np.where(f, c, ABSENT)) for f, c in zip(found, column)]
    kept = [(index, lane) for index, lane in zip(np.flatnonzero(exists) + 1, lanes)
            if not _short(lane, TUSIMPLE_MIN_LENGTH)]
    _cut_top([lane for _, lane in kept])
    return [Lane(int(index), np.stack([lane[lane != ABSENT], samples[lane != ABSENT]], 1)[::-1])
            for index, lane in kept]


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


def _cut_top(lanes):
    """pred_json.py cutMax, in place: where exactly one lane starts on the highest row of all, that point goes."""
    if not lanes:
        return
    starts = [int(np.flatnonzero(lane > 0)[0]) for lane in lanes]
    top = min(starts)
    if starts.count(top) == 1:
        lanes[starts.index(top)][top] = ABSENT

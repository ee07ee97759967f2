"""The OpenCV steps of cardwing's TuSimple decoding done without OpenCV (scnn_tools/lanes/regions.py and
decode.resize_bytes), compared with OpenCV itself (a test tool only) on random and painted maps."""

import numpy as np
import pytest

from scnn_tools.lanes import decode
from scnn_tools.lanes.regions import Contours, label

cv2 = pytest.importorskip("cv2")


def opencv_contours(binary):
    """What pred_json.py maxArea asks of OpenCV: each contour's area and its drawContours mask, in order."""
    contours, hierarchy = cv2.findContours(binary.astype(np.uint8), cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    masks = []
    for i in range(len(contours)):
        mask = np.zeros(binary.shape, np.uint8)
        cv2.drawContours(mask, contours, i, 1, -1, 8, hierarchy, 0)
        masks.append(mask)
    return [cv2.contourArea(c) for c in contours], masks


def same_as_opencv(binary, step=1):
    """Every contour's area, the largest three, and the masks of those and of every `step`-th contour."""
    areas, masks = opencv_contours(binary)
    ours = Contours(binary)
    assert [ours.area(i) for i in range(len(ours.contours))] == areas
    ranked = sorted(((a, i) for i, a in enumerate(areas)), key=lambda f: (-f[0], f[1]))
    assert ours.largest(3) == ranked[:3]
    for i in sorted(set(range(0, len(masks), step)) | {i for _, i in ranked[:3]}):
        assert np.array_equal(ours.filled(i), masks[i]), i


def test_contours_of_random_maps_are_opencvs():
    """Speckle of every density, at every size from one pixel: holes, holes in holes, regions touching the
    map's edge, diagonal contacts, many ties of area (which findContours' order decides)."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        h, w = rng.integers(1, 32, 2)
        same_as_opencv(rng.random((h, w)) < rng.random())


def test_contours_of_painted_maps_are_opencvs():
    """Lane-like strokes, rings with islands in them and blobs, on the 368x640 TuSimple map."""
    rng = np.random.default_rng(1)
    for _ in range(30):
        canvas = np.zeros((368, 640), np.uint8)
        for _ in range(rng.integers(1, 6)):
            x0, x1 = rng.integers(-50, 690, 2)
            y0, y1 = rng.integers(-20, 388, 2)
            cv2.line(canvas, (int(x0), int(y0)), (int(x1), int(y1)), 1, int(rng.integers(1, 25)))
        for _ in range(rng.integers(0, 4)):
            centre = (int(rng.integers(0, 640)), int(rng.integers(0, 368)))
            radius = int(rng.integers(3, 80))
            cv2.circle(canvas, centre, radius, 1, int(rng.integers(1, 9)))
            cv2.circle(canvas, centre, radius // 3, 1, -1)
        canvas[rng.random(canvas.shape) < 0.0005] ^= 1
        same_as_opencv(canvas, step=7)


def test_labels_are_connected_regions_in_raster_order():
    rng = np.random.default_rng(2)
    for _ in range(100):
        mask = rng.random(tuple(rng.integers(1, 30, 2))) < 0.5
        for eight in (True, False):
            ours, firsts, boxes = label(mask, eight)
            n, theirs = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8 if eight else 4)
            assert ours.max() == n - 1 and np.array_equal(ours > 0, theirs > 0)
            pairs = set(zip(ours[mask].tolist(), theirs[mask].tolist()))
            assert len(pairs) == n - 1  # one region of ours for each of theirs
            for k, (row, col) in enumerate(firsts, 1):
                rows, cols = np.nonzero(ours == k)
                assert (row, col) == (rows[0], cols[0])
                assert list(boxes[k - 1]) == [rows.min(), rows.max(), cols.min(), cols.max()]


def test_bytes_resize_as_opencv_does():
    rng = np.random.default_rng(3)
    for (h, w), (width, height) in [((368, 640), (1280, 720)), ((368, 640), (1283, 721)), ((46, 80), (37, 29)),
                                    ((288, 800), (1640, 590)), ((7, 5), (640, 368))]:
        maps = rng.integers(0, 256, (2, h, w)).astype(np.uint8)
        maps[1] = cv2.GaussianBlur(maps[1], (9, 9), 3)
        rows = np.arange(height)
        got = decode.resize_bytes(maps, rows, (width, height))
        for m, g in zip(maps, got):
            assert np.array_equal(g, cv2.resize(m, (width, height), interpolation=cv2.INTER_LINEAR))


def test_max_area_keeps_the_second_contour_only_above_800():
    probs = np.zeros((368, 640), np.uint8)
    probs[10:60, 10:30] = 200     # 49 x 19 between the border pixels' centres: 931
    probs[100:130, 100:130] = 41  # 29 x 29: 841
    probs[200:230, 200:229] = 90  # 29 x 28: 812
    probs[300:310, 300:310] = 41  # below the largest two
    first, second = decode.max_area(probs)
    assert np.array_equal(first, np.where(probs == 200, probs, 0))
    assert np.array_equal(second, np.where(probs == 41, probs, 0) * (np.arange(368) < 200)[:, None])
    probs[100:130, 100:130] = 40  # not above 40: the next largest, 812, is over 800 as well
    assert np.array_equal(decode.max_area(probs)[1], np.where(probs == 90, probs, 0))
    probs[200:230, 200:229] = 0   # only 81 left beside the largest: one piece
    assert len(decode.max_area(probs)) == 1
    probs[:] = 40                 # nothing above 40: no contour, the map whole
    assert decode.max_area(probs)[0] is probs
    twins = np.zeros((368, 640), np.uint8)
    twins[10:40, 10:40] = twins[100:130, 300:330] = 99   # equal areas: pred_json.py takes the same one twice
    pieces = decode.max_area(twins)
    assert len(pieces) == 2 and np.array_equal(pieces[0], pieces[1])
    assert pieces[0][100:130, 300:330].all() and not pieces[0][10:40, 10:40].any()  # the latest found first

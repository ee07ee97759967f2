"""The two largest contours of a binary map, as cardwing's pred_json.py finds them with OpenCV, in numpy.

pred_json.py maxArea (cardwing/Codes-for-Lane-Detection ENet-TuSimple-Torch/pred_json.py:99-125) calls
cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE), cv2.contourArea of each contour, and
cv2.drawContours(mask, contours, i, 1, -1, 8, hierarchy, 0) (that contour filled, nothing nested drawn
apart). OpenCV is not needed for that: findContours (Suzuki and Abe's border following) gives one
outer contour per 8-connected region of ones and one hole contour per 4-connected region of zeros
that such a region encloses, each through the centres of its border pixels (the region's pixels
4-adjacent to the outside or to the hole), and

- contourArea of such a polygon is counted on the 2x2 blocks of pixel centres (Contours.area: a block
  covered whole counts 1, one the polygon cuts along its diagonal 1/2);
- the filled polygon is, for an outer contour, its region with everything it encloses; for a hole
  contour, the hole with everything inside it and the hole's border pixels;
- the order (which decides between contours of equal area) is RETR_TREE's: the outermost contours,
  then depth first, each contour followed by its children, siblings latest found first, a contour
  found where the raster scan meets its start pixel (an outer contour's first pixel, the pixel left of
  a hole's first pixel).

OpenCV 3.2 and later pad the map with a zero frame, so regions touching its edge are whole; 2.4 set
the map's outermost pixels to 0 instead (pred_json.py's `contours0, hierarchy = ...` runs in 2.4 or 4,
its comment shows 3): done here as the later versions do. tests/test_lane_regions.py compares this with
cv2 (5.1) on random and painted maps; OpenCV 4.6's C++ library, whose findContours predates 4.9's
rewrite, gives the same contours, order, areas and masks on random maps (checked once, by hand).
"""

import numpy as np


def label(mask, eight):
    """Connected regions of `mask` (8-connected if `eight`, else 4-connected), numbered from 1 in the raster
    order of their first pixel: (labels, each region's first pixel (row, column), each region's box
    (first row, last row, first column, last column))."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    row, start = np.nonzero(step == 1)            # row major: the runs of ones in raster order
    end = np.nonzero(step == -1)[1]               # one past each run
    n = len(row)
    labels = np.zeros((h, w), np.int64)
    if not n:
        return labels, np.zeros((0, 2), np.int64), np.zeros((0, 4), np.int64)
    stride, k = w + 3, int(eight)                 # w + 3: a key of one row never reaches the next row's
    key_start, key_end = row * stride + start, row * stride + end
    above = (row - 1) * stride
    lo = np.searchsorted(key_end, above + start - k, "right")    # runs of the row above that touch
    hi = np.searchsorted(key_start, above + end + k, "left")
    count = np.maximum(hi - lo, 0)
    a = np.repeat(lo, count) + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    b = np.repeat(np.arange(n), count)
    root = np.arange(n)
    while True:                                   # hook roots onto the smaller, then jump to the roots
        ra, rb = root[a], root[b]
        if np.array_equal(ra, rb):
            break
        low = np.minimum(ra, rb)
        np.minimum.at(root, ra, low)
        np.minimum.at(root, rb, low)
        while True:
            jumped = root[root]
            if np.array_equal(jumped, root):
                break
            root = jumped
    firsts, number = np.unique(root, return_inverse=True)   # a region's smallest run is its first pixel's
    length = end - start
    offsets = np.repeat(row * w + start - np.cumsum(length) + length, length) + np.arange(length.sum())
    labels.reshape(-1)[offsets] = np.repeat(number + 1, length)
    runs = np.argsort(number, kind="stable")
    cut = np.searchsorted(number[runs], np.arange(len(firsts)))
    box = [np.minimum.reduceat(row[runs], cut), np.maximum.reduceat(row[runs], cut),
           np.minimum.reduceat(start[runs], cut), np.maximum.reduceat(end[runs], cut) - 1]
    return labels, np.stack([row[firsts], start[firsts]], 1), np.stack(box, 1)


def _blocks(inside):
    """How many pixels of each 2x2 block of pixel centres are inside."""
    m = np.pad(inside, 1).astype(np.int8)
    return m[:-1, :-1] + m[1:, :-1] + m[:-1, 1:] + m[1:, 1:]


class Contours:
    """findContours(RETR_TREE)'s contours of `binary`, in its order: `area(i)` (contourArea), `largest(k)`
    and `filled(i)` (the mask drawContours fills)."""

    def __init__(self, binary):
        frame = np.pad(binary != 0, 1)             # OpenCV 3.2+'s zero frame around the map
        ones, one_first, one_box = label(frame, True)
        zeros, zero_first, zero_box = label(~frame, False)   # 1: the outside, which the frame makes one region
        n1 = len(one_first)
        # One id space: regions of ones 0..n1-1, regions of zeros after them; each region's parent is the
        # region above its first pixel (nothing of a region lies above its first pixel's row, and a region
        # enclosed by another is enclosed on all sides).
        self.region = np.where(frame, ones - 1, zeros - 1 + n1)
        firsts = np.concatenate([one_first, zero_first])
        self.parent = np.append(self.region[firsts[:, 0] - 1, firsts[:, 1]], -1)
        self.parent[n1] = -1                        # the outside, whose first pixel is the frame's corner
        self.ones = n1
        self.boxes = np.concatenate([one_box, zero_box])
        found = np.concatenate([one_first, zero_first - [0, 1]])  # where each contour's border starts
        order = found[:, 0] * frame.shape[1] + found[:, 1]
        children = {}
        for r in np.argsort(-order, kind="stable"):    # siblings: the latest found first
            children.setdefault(int(self.parent[r]), []).append(int(r))
        self.contours = []                         # region ids, in findContours' order
        stack = list(reversed(children.get(n1, [])))
        while stack:
            r = stack.pop()
            self.contours.append(r)
            stack.extend(reversed(children.get(r, [])))

    def _nested(self, r):
        """Region r and everything nested in it, in r's box one pixel wider: (mask, box)."""
        top, bottom, left, right = self.boxes[r]
        box = (slice(max(top - 1, 0), bottom + 2), slice(max(left - 1, 0), right + 2))
        ancestor = self.region[box]
        inside = np.zeros(ancestor.shape, bool)
        while True:
            inside |= ancestor == r
            ancestor = self.parent[ancestor]
            if (ancestor < 0).all():
                return inside, box

    def area(self, i):
        """contourArea of contour i, from the 2x2 blocks of pixel centres. An outer contour's polygon runs
        through the centres of its region's edge pixels: it covers each block whose four pixels are the
        region's or nested in it, and half of one with three (it cuts the block's diagonal on its way
        round the fourth). A hole's polygon runs through the centres of the pixels 4-adjacent to the hole:
        it covers each block with two pixels or more of the hole or nested in it, and half of one with
        one (the triangle of that pixel and its two neighbours)."""
        r = self.contours[i]
        n = _blocks(self._nested(r)[0])
        if r < self.ones:
            return float((n == 4).sum() + (n == 3).sum() / 2)
        return float((n >= 2).sum() + (n == 1).sum() / 2)

    def largest(self, k):
        """The k largest contours, ties in findContours' order: [(area, i)]. Areas are only computed where
        the contour's box could hold one as large (an outer contour lies inside its region's box, a hole's
        in the hole's box one pixel wider), so a map of many small specks costs little."""
        top, bottom, left, right = self.boxes[self.contours].T
        hole = np.array(self.contours) >= self.ones
        bound = (bottom - top + 2 * hole) * (right - left + 2 * hole)
        found = []
        for i in np.argsort(-bound, kind="stable"):
            if len(found) >= k and bound[i] < found[k - 1][0]:
                break
            found = sorted(found + [(self.area(i), int(i))], key=lambda f: (-f[0], f[1]))
        return found[:k]

    def filled(self, i):
        """drawContours(mask, contours, i, 1, FILLED): contour i's filled polygon, the map's size, uint8."""
        r = self.contours[i]
        inside, box = self._nested(r)
        if r >= self.ones:                          # a hole's polygon runs through its border pixels
            hole = self.region[box] == r
            near = np.zeros_like(hole)
            near[1:] |= hole[:-1]
            near[:-1] |= hole[1:]
            near[:, 1:] |= hole[:, :-1]
            near[:, :-1] |= hole[:, 1:]
            inside |= near & (self.region[box] == self.parent[r])
        mask = np.zeros(self.region.shape, np.uint8)
        mask[box] = inside
        return mask[1:-1, 1:-1]

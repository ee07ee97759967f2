"""Thick polylines rasterised pixel for pixel as OpenCV's cv::line draws them (LINE_8, shift 0), in numpy.

CULane's F1 is an IoU of lanes drawn with cv::line 30 pixels wide (XingangPan/SCNN
tools/lane_evaluation/src/lane_compare.cpp:43), and the TuSimple label images of the SCNN PyTorch
code are drawn with cv2.line 15 wide: an approximate rasteriser would give other pixel counts, other
IoUs, other labels. What cv::line does in OpenCV 2.4.8, the version the evaluator was built with
(XingangPan/SCNN README.md), read in its modules/core/src/drawing.cpp (ThickLine, FillConvexPoly,
Line2, clipLine, Circle; OpenCV 3.4 and 4 draw lines inside the image the same, but since
opencv/opencv pull 27366 a thick line's ends are clipped to the image first, which moves edge pixels
of lines leaving it): a line thicker than 1 is a convex quadrilateral, its corners the end points
moved by half the thickness across the line in 16.16 fixed point, filled by FillConvexPoly (two
edge chains walked down row by row, each row filled between them, rounded half up) with its four
edges drawn too (Line2, fixed-point Bresenham); plus a filled circle of radius thickness/2 (Circle's
midpoint rows) at each end. All of it sets pixels, so a polyline is the union of its segments, the
order never matters, and each segment's pixels are computed for all segments at once: the edge
chains change at most four times per segment, so rows between changes come from one multiply each.
tests/test_lane_metrics.py compares this with cv2.line on thousands of random segments inside the
image, and with cv2's FillConvexPoly and circles (2.4's parts) and a port of 2.4's FillConvexPoly
on segments leaving it.
"""

import numpy as np

SHIFT = 16  # drawing.cpp's XY_SHIFT: 16.16 fixed point
ONE = 1 << SHIFT
HALF = ONE >> 1
INT_MIN = -(2 ** 31)  # cvRound of NaN on x86 (cvtss2si's "integer indefinite")
DBL_EPSILON = 2.220446049250313e-16  # ThickLine's test of a zero-length line


def cv_round(values):
    """cvRound / saturate_cast<int> of float32 or float64: to nearest, ties to even; NaN and
    out-of-range values give INT_MIN, as SSE2's conversion does."""
    values = np.asarray(values)
    out = np.full(values.shape, INT_MIN, dtype=np.int64)
    rounded = np.rint(values)
    ok = np.isfinite(rounded) & (rounded >= INT_MIN) & (rounded <= 2 ** 31 - 1)
    out[ok] = rounded[ok].astype(np.int64)
    return out


def _int32(values):
    """OpenCV 2.4 keeps fixed-point coordinates in int: they wrap past 2^31 (a NaN point, INT_MIN,
    shifted 16 bits left, becomes 0: the image's corner)."""
    return (values + 2 ** 31) % 2 ** 32 - 2 ** 31


def _cdiv(a, b):
    """C's integer division (truncates toward zero); numpy's // floors."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


class Canvas:
    """Pixels set on an image of `height` x `width`: horizontal spans and single points, collected
    from every segment, then made into a boolean mask of their bounding box (a lane covers a small part
    of the image: its mask is a window, not the image)."""

    def __init__(self, height, width):
        self.height, self.width = height, width
        self.rows, self.lefts, self.rights = [], [], []

    def spans(self, rows, lefts, rights):
        """Fill [left, right] on each row, clipped to the image, as ICV_HLINE after its callers' clips."""
        keep = (rows >= 0) & (rows < self.height) & (rights >= 0) & (lefts < self.width) & (lefts <= rights)
        self.rows.append(rows[keep])
        self.lefts.append(np.maximum(lefts[keep], 0))
        self.rights.append(np.minimum(rights[keep], self.width - 1))

    def points(self, xs, ys):
        self.spans(ys, xs, xs)

    def mask(self):
        """(top, left, boolean window); None when nothing is on the image."""
        if not self.rows:
            return None
        rows, lefts, rights = (np.concatenate(a) for a in (self.rows, self.lefts, self.rights))
        if not len(rows):
            return None
        top, left = int(rows.min()), int(lefts.min())
        h, w = int(rows.max()) - top + 1, int(rights.max()) - left + 1
        start = (rows - top) * (w + 1) + (lefts - left)
        stop = (rows - top) * (w + 1) + (rights - left) + 1
        # A span adds 1 from its left end and takes it back after its right end: the running sum
        # along the row counts the spans covering a pixel.
        cover = np.bincount(start, minlength=h * (w + 1)) - np.bincount(stop, minlength=h * (w + 1))
        window = np.cumsum(cover.reshape(h, w + 1), axis=1)[:, :w] > 0
        return top, left, window


def _moved(a, b, c, d):
    """a + b * c / d in int64, C's division (truncating), as OpenCV 2.4's clipLine moves an end
    (OpenCV 4 divides in double: a pixel apart, now and then, on lines leaving the image)."""
    with np.errstate(over="ignore"):
        return a + _cdiv(b * c, np.where(d == 0, 1, d))


def _clip(x1, y1, x2, y2, right, bottom):
    """clipLine(Size, Point&, Point&) over arrays: the clipped ends and whether any part is inside.
    Its four steps in its order (the first end onto the top or bottom edge, then the second, each
    slope from both ends as they are by then; then onto the left or right edge), each where it applies."""
    ends = [[np.array(v, dtype=np.int64) for v in xy] for xy in ((x1, y1), (x2, y2))]

    def code(x, y):
        return (x < 0) * 1 + (x > right) * 2 + (y < 0) * 4 + (y > bottom) * 8

    codes = [code(*ends[0]), code(*ends[1])]
    todo = ((codes[0] & codes[1]) == 0) & ((codes[0] | codes[1]) != 0)
    for axis, (low, high) in ((1, (8, bottom)), (0, (1, right))):  # y first, then x
        if axis == 0:
            todo &= ((codes[0] & codes[1]) == 0) & ((codes[0] | codes[1]) != 0)
        for e in (0, 1):
            m = todo & (((codes[e] & 12) != 0) if axis == 1 else (codes[e] != 0))
            if not m.any():
                continue
            edge = np.where(codes[e] < 8, 0, high) if axis == 1 else np.where(codes[e] == 1, 0, high)
            along = ends[1][1 - axis] - ends[0][1 - axis]
            across = ends[1][axis] - ends[0][axis]
            ends[e][1 - axis] = np.where(m, _moved(ends[e][1 - axis], edge - ends[e][axis], along, across),
                                         ends[e][1 - axis])
            ends[e][axis] = np.where(m, edge, ends[e][axis])
            x = ends[e][0]
            codes[e] = np.where(m, (x < 0) * 1 + (x > right) * 2 if axis == 1 else 0, codes[e])
    (x1, y1), (x2, y2) = ends
    return x1, y1, x2, y2, (codes[0] | codes[1]) == 0


def _line2(canvas, x1, y1, x2, y2):
    """Line2: one-pixel lines between fixed-point ends, as FillConvexPoly draws a polygon's edges."""
    x1, y1, x2, y2, inside = _clip(x1, y1, x2, y2, (canvas.width << SHIFT) - 1, (canvas.height << SHIFT) - 1)
    x1, y1, x2, y2 = x1[inside], y1[inside], x2[inside], y2[inside]
    dx, dy = x2 - x1, y2 - y1
    ax, ay = np.abs(dx), np.abs(dy)
    along_x = ax > ay
    # Walk from the end with the smaller coordinate along the longer axis (the XOR swaps).
    swap = np.where(along_x, dx < 0, dy < 0)
    x1, x2 = np.where(swap, x2, x1), np.where(swap, x1, x2)
    y1, y2 = np.where(swap, y2, y1), np.where(swap, y1, y2)
    dx, dy = np.where(swap, -dx, dx), np.where(swap, -dy, dy)
    step_y = _cdiv(dy << SHIFT, ax | 1)
    step_x = _cdiv(dx << SHIFT, ay | 1)
    count = np.where(along_x, (x2 - x1) >> SHIFT, (y2 - y1) >> SHIFT)
    canvas.points((x2 + HALF) >> SHIFT, (y2 + HALF) >> SHIFT)
    x1, y1 = x1 + HALF, y1 + HALF
    # One pixel per step along the longer axis, the other coordinate moving by the step in fixed point.
    n = np.maximum(count + 1, 0)
    t = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    major = np.repeat(np.where(along_x, x1, y1) >> SHIFT, n) + t
    minor = (np.repeat(np.where(along_x, y1, x1), n) + t * np.repeat(np.where(along_x, step_y, step_x), n)) >> SHIFT
    ax_ = np.repeat(along_x, n)
    canvas.points(np.where(ax_, major, minor), np.where(ax_, minor, major))


def _fill_convex(canvas, vx, vy):
    """FillConvexPoly(shift 16, LINE_8) of quadrilaterals vx, vy (S x 4, fixed point): the edges,
    then the rows between the two chains walked down from the top corner."""
    npts = vx.shape[1]
    prev = np.roll(np.arange(npts), 1)  # each edge from the corner before (the last for the first)
    _line2(canvas, vx[:, prev].ravel(), vy[:, prev].ravel(), vx.ravel(), vy.ravel())
    ty = (vy + HALF) >> SHIFT  # each corner's row
    xmin, xmax = (vx.min(1) + HALF) >> SHIFT, (vx.max(1) + HALF) >> SHIFT
    ymin, ymax = ty.min(1), ty.max(1)
    keep = ~((xmax < 0) | (ymax < 0) | (xmin >= canvas.width) | (ymin >= canvas.height))
    vx, vy, ty, ymin, ymax = vx[keep], vy[keep], ty[keep], ymin[keep], ymax[keep]
    ymax = np.minimum(ymax, canvas.height - 1)
    S = len(vx)
    seg = np.arange(S)
    imin = np.argmin(vy, axis=1)  # the first corner with the smallest y, as the strict < picks it
    idx = np.stack([imin, imin], 1)
    ye = np.stack([ymin, ymin], 1)
    X = np.full((S, 2), -ONE, dtype=np.int64)
    DX = np.zeros((S, 2), dtype=np.int64)
    edges = np.full(S, npts)
    y = ymin.copy()
    alive = np.ones(S, dtype=bool)
    pieces = []
    while alive.any():
        for i, di in ((0, 1), (1, npts - 1)):
            walking = alive & (y >= ye[:, i])
            idx0 = idx[:, i].copy()
            idxn = (idx0 + di) % npts
            while walking.any():
                # for (; edges-- > 0; ): the test spends one edge whether it passes or not
                passed = walking & (edges > 0)
                edges = np.where(walking, edges - 1, edges)
                t = ty[seg, idxn]
                hit = passed & (t > y)
                if hit.any():
                    n = t - y
                    xs, xe = vx[seg, idx0], vx[seg, idxn]
                    DX[:, i] = np.where(hit, _cdiv((xe - xs) * 2 + n, np.where(hit, 2 * n, 1)), DX[:, i])
                    X[:, i] = np.where(hit, xs, X[:, i])
                    ye[:, i] = np.where(hit, t, ye[:, i])
                    idx[:, i] = np.where(hit, idxn, idx[:, i])
                walking = passed & ~hit
                idx0 = np.where(walking, idxn, idx0)
                idxn = np.where(walking, (idxn + di) % npts, idxn)
        alive &= edges >= 0
        # Rows y .. nxt-1 need no walk: each chain's x moves by its dx per row.
        nxt = np.minimum(np.minimum(ye[:, 0], ye[:, 1]), ymax + 1)
        first, last = np.maximum(y, 0), nxt  # rows above the image are walked, not filled
        n = np.where(alive, np.maximum(last - first, 0), 0)
        if n.any():
            rows = np.repeat(first, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
            k = rows - np.repeat(y, n)
            x0 = np.repeat(X[:, 0], n) + k * np.repeat(DX[:, 0], n)
            x1 = np.repeat(X[:, 1], n) + k * np.repeat(DX[:, 1], n)
            lo, hi = np.minimum(x0, x1), np.maximum(x0, x1)
            pieces.append((rows, (lo + HALF) >> SHIFT, (hi + HALF) >> SHIFT))
        X += (nxt - y)[:, None] * DX
        y = nxt
        alive &= y <= ymax
    for rows, lefts, rights in pieces:
        canvas.spans(rows, lefts, rights)


def _circle_rows(radius):
    """Circle(fill=1)'s half-widths by row offset -radius..radius, from its midpoint loop."""
    half = np.full(2 * radius + 1, -1, dtype=np.int64)
    err, dx, dy, plus, minus = 0, radius, 0, 1, (radius << 1) - 1
    while dx >= dy:
        for off, w in ((dy, dx), (-dy, dx), (dx, dy), (-dx, dy)):
            half[off + radius] = max(half[off + radius], w)
        dy += 1
        err += plus
        plus += 2
        mask = (err <= 0) - 1
        err -= minus & mask
        dx += mask
        minus -= mask & 2
    return half


def _circles(canvas, cx, cy, radius):
    half = _circle_rows(radius)
    offs = np.arange(-radius, radius + 1)[half >= 0]
    half = half[half >= 0]
    rows = (cy[:, None] + offs[None, :]).ravel()
    lefts = (cx[:, None] - half[None, :]).ravel()
    rights = (cx[:, None] + half[None, :]).ravel()
    canvas.spans(rows, lefts, rights)


def polyline(canvas, xs, ys, thickness):
    """cv::line(img, (xs[n], ys[n]), (xs[n+1], ys[n+1]), 1, thickness) for every n onto `canvas`;
    xs, ys are the integer points cv::line is given (the caller rounds as OpenCV converts)."""
    if thickness < 2:
        raise ValueError("thickness must be at least 2 (cv::line draws 1-pixel lines another way)")
    xs, ys = np.asarray(xs, dtype=np.int64), np.asarray(ys, dtype=np.int64)
    if len(xs) < 2:
        return
    # A segment from a point to itself draws only its end circles, which its neighbours draw too.
    keep = np.ones(len(xs), dtype=bool)
    keep[1:] = (xs[1:] != xs[:-1]) | (ys[1:] != ys[:-1])
    xs, ys = xs[keep], ys[keep]
    half = thickness << (SHIFT - 1)
    fx, fy = _int32(xs << SHIFT), _int32(ys << SHIFT)
    # both ends of every segment: every point
    _circles(canvas, (fx + HALF) >> SHIFT, (fy + HALF) >> SHIFT, (half + HALF) >> SHIFT)
    if len(xs) < 2:
        return
    x0, y0, x1, y1 = fx[:-1], fy[:-1], fx[1:], fy[1:]
    ddx = _int32(x0 - x1) / ONE
    ddy = _int32(y1 - y0) / ONE
    r2 = ddx * ddx + ddy * ddy
    long = np.abs(r2) > DBL_EPSILON
    if long.any():
        scale = (half + (thickness & 1) * ONE * 0.5) / np.sqrt(r2[long])
        dpx, dpy = cv_round(ddy[long] * scale), cv_round(ddx[long] * scale)
        a0, b0, a1, b1 = x0[long], y0[long], x1[long], y1[long]
        vx = _int32(np.stack([a0 + dpx, a0 - dpx, a1 - dpx, a1 + dpx], 1))
        vy = _int32(np.stack([b0 + dpy, b0 - dpy, b1 - dpy, b1 + dpy], 1))
        _fill_convex(canvas, vx, vy)


def line_mask(xs, ys, thickness, height, width):
    """The boolean height x width image of polyline(xs, ys, thickness)."""
    canvas = Canvas(height, width)
    polyline(canvas, xs, ys, thickness)
    image = np.zeros((height, width), dtype=bool)
    got = canvas.mask()
    if got is not None:
        top, left, window = got
        image[top:top + window.shape[0], left:left + window.shape[1]] = window
    return image

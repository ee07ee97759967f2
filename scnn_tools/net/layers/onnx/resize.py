"""Resize-10/11/13/18/19 and Upsample-7/9 (onnx/docs/Operators.md), with onnxruntime's arithmetic where the
spec leaves it open.

Inputs: Resize-10 (X, scales); from 11 (X, roi, scales, sizes), exactly one of scales and sizes given (an
empty tensor counts as not given); from 18 `axes` names the axes scales / sizes / roi refer to (the others
keep their size) and `keep_aspect_ratio_policy` (stretch / not_larger / not_smaller) reinterprets sizes.
Upsample-7 has a `scales` attribute, Upsample-9 a scales input (each >= 1).

Output size: sizes[i], or floor(in * scale) computed as onnxruntime does (upsamplebase.h
ComputeOutputShape: float(scale) * in, truncated). With sizes, the scale the coordinates use is
float(out) / float(in) (ParseScalesDataAndAdjustOutputSize); with not_larger / not_smaller one scale, the
least / greatest of those, for every named axis and out = round(scale * in).

Which input positions an output position reads (indexmaps.Resampled): the coordinate transform
(coordinate_transformation_mode: half_pixel, the default from 11; asymmetric, the only one of Upsample and
Resize-10; pytorch_half_pixel, align_corners, tf_half_pixel_for_nn, tf_crop_and_resize with roi,
half_pixel_symmetric) gives the sample point x; nearest reads the one position its nearest_mode rounds x
to (round_prefer_floor by default; Upsample and Resize-10 truncate, or take the ceiling when shrinking),
clamped to the axis; linear reads floor(x) and floor(x) + 1 after clamping x to [0, in - 1], the second
only where its weight x - floor(x) is not zero; cubic the four positions floor(x) - 1 .. floor(x) + 2,
clamped to the axis (exclude_outside: those outside dropped), where x is not whole. tf_crop_and_resize
reads nothing where x falls outside [0, in - 1] (extrapolation_value). The rows are computed in float32 as
onnxruntime's upsamplebase.h GetOriginalCoordinateFromResizedCoordinate and GetNearestPixelFromOriginal do
(tests/test_onnx_spatial.py checks them against onnxruntime 1.32 by running it on one-hot inputs).
antialias (18): onnxruntime's antialiasing filter (the triangle or the cubic, stretched by 1 / scale where
shrinking; upsample_aa.h), its rows computed as it computes its weights; with tf_crop_and_resize left unknown.
"""

from fractions import Fraction

from scnn_tools.net.indexmaps import IDENTITY, Resampled
from ..registry import RESIZE, fmt_shape
from .node import ALREADY, node, register
from .shape import _axes_of

_MODES = ("half_pixel", "asymmetric", "pytorch_half_pixel", "align_corners", "tf_half_pixel_for_nn",
          "tf_crop_and_resize", "half_pixel_symmetric")
_NEAREST = {"round_prefer_floor": "half_down", "round_prefer_ceil": "half_up", "floor": "floor", "ceil": "ceil"}


class _Axis:
    """One resized axis: sizes in and out, the scale as onnxruntime holds it (float32), roi ends."""

    __slots__ = ("n", "m", "scale", "exact", "roi")

    def __init__(self, n, m, scale, exact, roi):
        self.n, self.m, self.scale, self.exact, self.roi = n, m, scale, exact, roi


def _given(o, i):
    """Input i's values if it is given and not empty; None if absent or empty; False if not known."""
    if not o.present(i):
        return None
    value = o.value(i)
    if value is None:
        shape = o.shape(i)
        return None if shape is not None and 0 in shape else False
    return None if value.size == 0 else [v.item() for v in value.reshape(-1)]


def _plan(ctx):
    return ctx.once("onnx.resize", _resize)


def _resize(ctx):
    """(X's shape, {resized axis: _Axis}, whether the node is Upsample or Resize-10, which sample asymmetrically
    and truncate), the plan None where the sizes are not known before the net runs."""
    import math
    import numpy as np
    o = node(ctx)
    x = o.data(0, "X")
    rank = len(x)
    upsample = o.op == "Upsample"
    old = upsample or o.opset < 11
    if upsample and o.opset < 9:
        o.need_inputs(1, 1)
        scales, sizes, roi = o.attr("scales", kind=list), None, None
        if scales is None:
            o.fail("Upsample-7 needs its scales attribute")
    elif old:
        o.need_inputs(2, 2)
        scales, sizes, roi = _given(o, 1), None, None
    else:
        o.need_inputs(1, 4)
        roi, scales, sizes = _given(o, 1), _given(o, 2), _given(o, 3)
    if scales is False or sizes is False:
        return x, o.not_known("scales or sizes"), None
    if (scales is None) == (sizes is None):
        o.fail("needs exactly one of scales and sizes")
    axes = list(range(rank))
    if o.attr("axes", kind=list) is not None and o.opset >= 18:
        axes = _axes_of(o, rank, 4)  # (Resize has no input 4: the attribute)
    given = scales if scales is not None else sizes
    if len(given) != len(axes):
        o.fail(f"{'scales' if scales is not None else 'sizes'} {given} has {len(given)} values for "
               f"{len(axes)} axes of X {fmt_shape(x)}")
    if roi is False:
        roi = None
    f32 = np.float32
    plan = {}
    if scales is not None:
        if any(s <= 0 or (upsample and s < 1) for s in scales):
            o.fail(f"scales {scales} must be positive" + (" and at least 1 (Upsample)" if upsample else ""))
        for a, s in zip(axes, scales):
            n = x[a]
            m = None if n is None else int(f32(s) * f32(n))
            if m is not None and m < 1:
                o.fail(f"scale {s} leaves axis {a} of {n} positions empty")
            plan[a] = _Axis(n, m, f32(s), Fraction(float(f32(s))), None)
    else:
        if any(s < 1 for s in sizes):
            o.fail(f"sizes {sizes} must be positive")
        policy = o.attr("keep_aspect_ratio_policy", "stretch") if o.opset >= 18 else "stretch"
        if policy not in ("stretch", "not_larger", "not_smaller"):
            o.fail(f"keep_aspect_ratio_policy {policy!r} is none of stretch, not_larger, not_smaller")
        ratios = [f32(m) / f32(x[a]) if x[a] is not None else None for a, m in zip(axes, sizes)]
        if policy != "stretch":
            if None in ratios:
                return x, None, None  # (the one scale needs every named axis' size)
            one = min(ratios) if policy == "not_larger" else max(ratios)
            ratios = [one] * len(axes)
            sizes = [math.floor(float(one * f32(x[a])) + 0.5) for a in axes]  # (std::round: half away from 0)
        for a, m, r in zip(axes, sizes, ratios):
            n = x[a]
            exact = None if n is None else Fraction(m, n) if policy == "stretch" else Fraction(float(r))
            plan[a] = _Axis(n, m, r, exact, None)
    if roi is not None and o.attr("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize":
        if len(roi) != 2 * len(axes):
            o.fail(f"roi {roi} has {len(roi)} values for {len(axes)} axes (a start and an end each)")
        for i, a in enumerate(axes):
            plan[a].roi = (f32(roi[i]), f32(roi[len(axes) + i]))
    return x, plan, old


def _shape(ctx):
    o = node(ctx)
    if ctx.ntops != 1:
        o.fail(f"makes {ctx.ntops} outputs")
    x, plan, _ = _plan(ctx)
    if plan is None:
        return [[None] * len(x)]
    return [[plan[a].m if a in plan else d for a, d in enumerate(x)]]


def _kind(o, old):
    mode = o.attr("mode", "nearest")
    if mode not in ("nearest", "linear", "cubic") or (o.op == "Upsample" and mode == "cubic"):
        o.fail(f"mode {mode!r} is none of nearest, linear" + ("" if o.op == "Upsample" else ", cubic"))
    if mode != "nearest":
        return mode
    if old:
        return "simple"
    nearest = o.attr("nearest_mode", "round_prefer_floor")
    if nearest not in _NEAREST:
        o.fail(f"nearest_mode {nearest!r} is none of {', '.join(_NEAREST)}")
    return _NEAREST[nearest]


def _transform(o, old):
    mode = "asymmetric" if old else o.attr("coordinate_transformation_mode", "half_pixel")
    if mode not in _MODES:
        o.fail(f"coordinate_transformation_mode {mode!r} is none of {', '.join(_MODES)}")
    return mode


def _line(mode, ax):
    """(x0, b): the exact sample point x0 + b*o of output o."""
    n, m, s = ax.n, ax.m, ax.exact
    half = Fraction(1, 2)
    if mode == "asymmetric":
        return 0, 1 / s
    if mode == "align_corners" or (mode == "tf_crop_and_resize" and ax.roi is None):
        return (0, 0) if m == 1 else (0, Fraction(n - 1, m - 1))
    if mode == "tf_crop_and_resize":
        start, end = (Fraction(float(v)) for v in ax.roi)
        return ((start + end) / 2 * (n - 1), 0) if m == 1 else (start * (n - 1), (end - start) * (n - 1) / (m - 1))
    if mode == "pytorch_half_pixel" and m == 1:
        return 0, 0
    if mode == "tf_half_pixel_for_nn":
        return half / s, 1 / s
    x0 = half / s - half
    if mode == "half_pixel_symmetric":
        x0 += Fraction(n, 2) * (1 - m / (s * n))
    return x0, 1 / s


def _coordinates(mode, ax):
    """x of every output position, as onnxruntime computes it (float32; half_pixel_symmetric in double)."""
    import numpy as np
    f32 = np.float32
    o = np.arange(ax.m, dtype=f32)
    s, n, m = ax.scale, f32(ax.n), f32(ax.m)
    if mode == "asymmetric":
        return o / s
    if mode in ("half_pixel", "pytorch_half_pixel"):
        x = (o + f32(0.5)) / s - f32(0.5)
        return np.zeros_like(o) if mode == "pytorch_half_pixel" and ax.m == 1 else x
    if mode == "tf_half_pixel_for_nn":
        return (o + f32(0.5)) / s
    if mode == "align_corners" or (mode == "tf_crop_and_resize" and ax.roi is None):
        return np.zeros_like(o) if ax.m == 1 else o * (n - f32(1)) / (m - f32(1))
    if mode == "tf_crop_and_resize":
        start, end = ax.roi
        if ax.m == 1:
            return np.full_like(o, f32(0.5 * (float(start) + float(end)) * (float(n) - 1)))
        return start * (n - f32(1)) + o * (end - start) * (n - f32(1)) / (m - f32(1))
    width = s * n
    offset = (n / f32(2)) * (f32(1) - m / width)
    return (float(offset) + (o.astype(np.float64) + 0.5) / float(s) - 0.5).astype(f32)


def _rows(kind, mode, ax, exclude):
    """Per output position, the input positions onnxruntime weighs with a weight that is not zero."""
    import numpy as np
    f32 = np.float32
    n = ax.n
    xs = _coordinates(mode, ax)
    outside = mode == "tf_crop_and_resize"
    rows = []
    for x in xs:
        if outside and (x < 0 or x > f32(n - 1)):
            rows.append(())  # the extrapolation value
            continue
        if kind in ("linear", "cubic"):
            if kind == "linear":
                x = min(max(x, f32(0)), f32(n - 1))
            f = int(np.floor(x))
            if x == f:
                taps = [f]
            else:
                taps = [f, f + 1] if kind == "linear" else [f - 1, f, f + 1, f + 2]
            if kind == "cubic" and exclude:
                taps = [i for i in taps if 0 <= i < n]
        else:
            taps = [_nearest(kind, float(x), ax.scale < 1)]
        rows.append(tuple(min(max(i, 0), n - 1) for i in taps))
    return rows


def _antialiased_rows(kind, mode, ax, exclude, a):
    """Per output position, the input positions onnxruntime's antialiasing filter weighs with a weight that is
    not zero (upsample_aa.h SetupUpsampleFilterAntiAlias, in float32): the kernel (the triangle, or the cubic
    of coefficient a) stretched by 1 / scale where shrinking, around center = x + 0.5, over positions
    floor(center -+ support + 0.5); the weights of positions outside the axis are added to its end ones
    (dropped with exclude_outside). An axis whose size is kept is copied."""
    import math
    import numpy as np
    f32 = np.float32
    n, m = ax.n, ax.m
    if n == m:
        return [(i,) for i in range(m)]
    scale = f32(1) / ax.scale
    size = f32(2 if kind == "linear" else 4)
    support = size * f32(0.5) * scale if scale >= 1 else size * f32(0.5)
    inv = f32(1) / scale if scale >= 1 else f32(1)
    xs = _coordinates(mode, ax)
    rows = []
    for x in xs:
        center = f32(0.5) + x
        lo, hi = math.floor(center - support + f32(0.5)), math.floor(center + support + f32(0.5))
        taps = set()
        for i in range(lo, hi):
            t = abs((f32(i) - center + f32(0.5)) * inv)
            if kind == "linear":
                w = f32(1) - t if t < 1 else f32(0)
            elif t < 1:
                w = ((f32(a) + f32(2)) * t - (f32(a) + f32(3))) * t * t + f32(1)
            else:
                w = (((t - f32(5)) * t + f32(8)) * t - f32(4)) * f32(a) if t < 2 else f32(0)
            if w != 0 and (0 <= i < n or not exclude):
                taps.add(min(max(i, 0), n - 1))
        rows.append(tuple(sorted(taps)))
    return rows


def _nearest(kind, x, shrinking):
    """GetNearestPixelFromOriginal (x a float32 value, exact as a double; std::round rounds half away)."""
    import math
    away = int(math.copysign(math.floor(abs(x) + 0.5), x))
    if kind == "simple":  # (Upsample, Resize-10)
        return math.ceil(x) if shrinking else int(x)
    if kind == "half_down":
        return math.floor(x) if x == int(x) + 0.5 else away
    if kind == "half_up":
        return away
    return math.floor(x) if kind == "floor" else math.ceil(x)


def _deps(ctx):
    o = node(ctx)
    x, plan, old = _plan(ctx)
    deps = {a: [(0, a, IDENTITY)] for a in range(len(x)) if plan is not None and a not in plan}
    if plan is None:
        return [deps]
    kind, mode = _kind(o, old), _transform(o, old)
    antialias = o.opset >= 18 and o.attr("antialias", 0) and kind in ("linear", "cubic")
    exclude = o.attr("exclude_outside", 0)
    for a, ax in plan.items():
        if ax.n is None or ax.m is None or ax.exact is None:
            continue
        x0, b = _line(mode, ax)
        if b < 0:
            o.unknown(f"its roi reads axis {a} back to front, which no field says: it has none")
            continue
        if antialias and mode == "tf_crop_and_resize":
            o.unknown(f"axis {a}: which positions antialiasing reads where tf_crop_and_resize extrapolates is not "
                      "worked out: it has no field")
            continue
        if antialias:
            reach = (1 if kind == "linear" else 2) / min(1, ax.exact)
            rows = _antialiased_rows(kind, mode, ax, exclude, o.attr("cubic_coeff_a", -0.75))
            free = Resampled(rows, x0, b, "band" if kind == "linear" else "cubic-band", reach)
        else:
            free = Resampled(_rows(kind, mode, ax, exclude), x0, b, "floor" if kind == "simple" else kind)
        deps[a] = [(0, a, free)]
    return [deps]


register("onnx.Resize", RESIZE,
         reads=("antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
                "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode"),
         shape=_shape, deps=_deps, no_onnx=ALREADY)
register("onnx.Upsample", RESIZE, reads=("mode", "scales"), shape=_shape, deps=_deps, no_onnx=ALREADY)

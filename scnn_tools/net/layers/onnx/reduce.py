"""Reductions along axes (onnx/docs/Operators.md, Changelog.md), beside ReduceMean/Max/Min/Sum (shape.py).

ReduceProd/L1/L2/LogSum/LogSumExp/SumSquare-1/11/13 take `axes` as an attribute, from opset 18 as input 1,
with the rules ReduceMean's (all axes where none are given unless noop_with_empty_axes; keepdims, default 1,
keeps a reduced axis as size 1, else drops it). ArgMax/ArgMin-1/11/12/13: one `axis` (default 0) and keepdims, the
output holding indices. TopK-1 (`k` attribute) and TopK-10/11 (K as input 1): Values and Indices with the
size of `axis` (default -1) cut to k.

Fields: a kept axis reads its own position; a reduced axis kept as size 1 reads the whole input axis, as
global pooling does (so do TopK's k positions: which k depends on all of it); a dropped axis takes its
field with it. As Caffe's Reduction and ArgMax, none of them counts multiply-adds.
"""

from scnn_tools.net.indexmaps import IDENTITY, Whole
from ..registry import RESHAPE, fmt_shape
from .axes import canonical
from .node import ALREADY, node, register
from .shape import REDUCE, _reduce_deps as reduce_deps, _reduce_shape as reduce_shape


def _one_axis(ctx):
    o = node(ctx)
    o.need_inputs(1, 1)
    x = o.data(0, "data")
    return [canonical(o, o.attr("axis", 0), len(x))], bool(o.attr("keepdims", 1))


def _cut(x, axes, keep):
    return [1 if a in axes else d for a, d in enumerate(x) if keep or a not in axes]


def _through(x, axes, keep):
    """deps of a top that reduces `axes` of data input 0 (kept as size 1 where `keep`)."""
    deps, t = {}, 0
    for a, d in enumerate(x):
        if a not in axes:
            deps[t] = [(0, a, IDENTITY)]
        elif keep:
            deps[t] = [(0, a, Whole(d))]
        else:
            continue
        t += 1
    return deps


def _arg_shape(ctx):
    return [_cut(ctx.bottoms[0], *_one_axis(ctx))]


def _arg_deps(ctx):
    return [_through(ctx.bottoms[0], *_one_axis(ctx))]


def _topk(ctx):
    """(axis, k), k None where not known before the net runs."""
    o = node(ctx)
    o.need_inputs(*((1, 1) if o.opset < 10 else (2, 2)))
    x = o.data(0, "X")
    axis = canonical(o, o.attr("axis", -1), len(x))
    if o.opset < 10:
        k = o.attr("k")
        if k is None:
            o.fail("needs k")
    else:
        ks = o.ints(1)
        if ks is None:
            o.not_known("K (input 1)")
        elif len(ks) != 1:
            o.fail(f"K {ks} must hold one value")
        k = ks and ks[0]
    if k is not None and (k < 0 or (x[axis] is not None and k > x[axis])):
        o.fail(f"k {k} is not between 0 and the {x[axis]} positions of axis {axis} of {fmt_shape(x)}")
    return axis, k


def _topk_shape(ctx):
    axis, k = _topk(ctx)
    out = list(ctx.bottoms[0])
    out[axis] = k
    return [out] * ctx.ntops


def _topk_deps(ctx):
    x = ctx.bottoms[0]
    axis = _topk(ctx)[0]
    return [{a: [(0, a, Whole(d) if a == axis else IDENTITY)] for a, d in enumerate(x)}] * ctx.ntops


INDICES = {0: "holds indices, not features"}

# The core's ReduceMean/Max/Min/Sum rules (shape.py) serve every reduction: the axes' opset is by op name.
register("onnx.ReduceProd", RESHAPE, reads=REDUCE, shape=reduce_shape, deps=reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceL1", RESHAPE, reads=REDUCE, shape=reduce_shape, deps=reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceL2", RESHAPE, reads=REDUCE, shape=reduce_shape, deps=reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceLogSum", RESHAPE, reads=REDUCE, shape=reduce_shape, deps=reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceLogSumExp", RESHAPE, reads=REDUCE, shape=reduce_shape, deps=reduce_deps, no_onnx=ALREADY)
register("onnx.ReduceSumSquare", RESHAPE, reads=REDUCE, shape=reduce_shape, deps=reduce_deps, no_onnx=ALREADY)
register("onnx.ArgMax", RESHAPE, reads=("axis", "keepdims", "select_last_index"), shape=_arg_shape, deps=_arg_deps,
         no_onnx=ALREADY, not_features=INDICES)
register("onnx.ArgMin", RESHAPE, reads=("axis", "keepdims", "select_last_index"), shape=_arg_shape, deps=_arg_deps,
         no_onnx=ALREADY, not_features=INDICES)
register("onnx.TopK", RESHAPE, reads=("axis", "k", "largest", "sorted"), shape=_topk_shape, deps=_topk_deps,
         no_onnx=ALREADY, not_features={1: "holds the indices of the k values"})

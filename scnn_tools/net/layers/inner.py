"""Fully connected layers: InnerProduct, Embed."""

from scnn_tools.net.indexmaps import IDENTITY
from .registry import INNER_PRODUCT, product, register


def _axis(ctx):
    ctx.need_bottoms(1, 1)
    return ctx.axis(ctx.p.inner_product_param.axis)


def _fan_in(ctx):
    return product(ctx.bottoms[0][_axis(ctx):])


def _shape(ctx):
    q = ctx.p.inner_product_param
    if not q.num_output:
        ctx.fail("num_output is required")
    return [list(ctx.bottoms[0][:_axis(ctx)]) + [q.num_output]]


def _deps(ctx):
    # Everything from `axis` on is mixed into each output; the axes before it are kept.
    return [{a: [(0, a, IDENTITY)] for a in range(_axis(ctx))}]


def _params(ctx):
    q = ctx.p.inner_product_param
    weights = [_fan_in(ctx), q.num_output] if q.transpose else [q.num_output, _fan_in(ctx)]
    return [weights] + ([[q.num_output]] if q.bias_term else [])


def _macc(ctx, tops):
    fan_in = _fan_in(ctx)
    rows = product(ctx.bottoms[0][1:_axis(ctx)])  # axes between batch and `axis` repeat the product
    if fan_in is None or rows is None:
        return None
    return rows * fan_in * ctx.p.inner_product_param.num_output


def _embed_shape(ctx):
    ctx.need_bottoms(1, 1)
    e = ctx.p.embed_param
    return [list(ctx.bottoms[0]) + [e.num_output]]


def _embed_params(ctx):
    e = ctx.p.embed_param
    return [[e.input_dim, e.num_output]] + ([[e.num_output]] if e.bias_term else [])


def _onnx(ctx, e):
    """Flatten from `axis`, Gemm (transposed weights as Caffe's `transpose` says), shape back."""
    q = ctx.p.inner_product_param
    arrays = e.weights([q.weight_filler, q.bias_filler])
    axis, top = _axis(ctx), ctx.tops[0]
    flat = e.op("Flatten", [e.x()], axis=axis)
    inputs = [flat, e.const(arrays[0], "weight")] + ([e.const(arrays[1], "bias")] if len(arrays) > 1 else [])
    if len(top) == 2:
        e.op("Gemm", inputs, e.y(), transB=0 if q.transpose else 1)
    else:
        gemm = e.op("Gemm", inputs, transB=0 if q.transpose else 1)
        e.op("Reshape", [gemm, e.ints(top)], e.y())


register("InnerProduct", INNER_PRODUCT, shape=_shape, deps=_deps, params=_params, macc=_macc, onnx=_onnx)
def _embed_onnx(ctx, e):
    """Caffe's Embed: each input value, an index below input_dim, picks a row of the weights."""
    q = ctx.p.embed_param
    arrays = e.weights([q.weight_filler, q.bias_filler])
    rows = e.op("Gather", [e.const(arrays[0], "weight"), e.op("Cast", [e.x()], to=7)], axis=0)
    if len(arrays) > 1:
        e.op("Add", [rows, e.const(arrays[1], "bias")], e.y())
    else:
        e.op("Identity", [rows], e.y())


register("Embed", INNER_PRODUCT, shape=_embed_shape, deps=lambda ctx: [{}], params=_embed_params, onnx=_embed_onnx)

"""If-1/11/13/16/19/21/23, Loop-1/11/13/16/19/21/23 and Scan-8/9/11/16/19/21/23 (onnx/docs/Operators.md): control
flow whose outputs a subgraph computes (If's then_branch / else_branch, Loop's and Scan's body), which may read
any value of the enclosing graph by name, not only the node's inputs. scnn-tools does not analyse subgraphs:
their outputs' shapes, fields, weights and multiply-adds are unknown, each said so naming the node."""

from ..registry import RESHAPE
from .node import ALREADY, node, register


def _shape(ctx):
    o = node(ctx)
    graphs = {"If": "then_branch and else_branch"}.get(o.op, "body")
    return ctx.unknown(f"its outputs are computed by its subgraph ({graphs}), which scnn-tools does not analyse",
                       [None] * ctx.ntops)


def _unknown_params(ctx):
    return [[None]]  # (what the subgraph learns is not known: the totals say so)


def _unknown_macc(ctx, tops):
    return None


_RULES = dict(shape=_shape, deps=lambda ctx: [{}] * ctx.ntops, params=_unknown_params, macc=_unknown_macc,
              no_onnx=ALREADY)
register("onnx.If", RESHAPE, reads=("else_branch", "then_branch"), **_RULES)
register("onnx.Loop", RESHAPE, reads=("body",), **_RULES)
register("onnx.Scan", RESHAPE, reads=("body", "directions", "num_scan_inputs", "scan_input_axes",
                                      "scan_input_directions", "scan_output_axes", "scan_output_directions"), **_RULES)

"""SSD's detection layers: PriorBox, DetectionOutput, DetectionEvaluate, MultiBoxLoss."""

from . import register


def aspect_ratios(prior):
    """SSD's PriorBoxLayer: 1, then each ratio not seen yet, and its inverse with flip."""
    ratios = [1.0]
    for ar in prior.aspect_ratio:
        if any(abs(ar - r) < 1e-6 for r in ratios):
            continue
        ratios.append(ar)
        if prior.flip:
            ratios.append(1.0 / ar)
    return ratios


def priors_per_position(prior):
    return len(aspect_ratios(prior)) * len(prior.min_size) + len(prior.max_size)


def _prior_shape(ctx):
    ctx.need_bottoms(2, 2)
    prior = ctx.p.prior_box_param
    if not len(prior.min_size):
        ctx.fail("prior_box_param needs min_size")
    if len(prior.max_size) and len(prior.max_size) != len(prior.min_size):
        ctx.fail(f"{len(prior.max_size)} max_size for {len(prior.min_size)} min_size")
    h, w = ctx.bottoms[0][2:4]
    # Boxes as (xmin, ymin, xmax, ymax), then their variances: two channels.
    return [[1, 2, h * w * priors_per_position(prior) * 4]]


def _none(ctx):
    return [{}] * ctx.ntops


register("PriorBox", "detection", shape=_prior_shape, deps=_none)
# How many detections survive is known only when the net runs.
register("DetectionOutput", "detection", shape=lambda ctx: [[1, 1, None, 7]], deps=_none, needs=(),
         note="how many detections survive depends on the data")
register("DetectionEvaluate", "detection", shape=lambda ctx: [[1, 1, None, 5]], deps=_none, needs=(),
         note="how many detections there are depends on the data")
register("MultiBoxLoss", "loss", shape=lambda ctx: [[]] * ctx.ntops, deps=_none, needs=())

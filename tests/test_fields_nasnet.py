"""NASNet's cells, whose real fields used to run out of work, against the brute force, and their cost.

Keras's NASNet (keras/src/applications/nasnet.py) pads before every stride-2
window by correct_pad (one pixel fewer before than after on an even map), and
its _adjust_block brings the previous cell's output to half size along two
paths: a 1x1 stride-2 pooling, and the same after ZeroPadding2D(((0, 1), (0, 1)))
and Cropping2D(((1, 0), (1, 0))), a shift by one whose last position is
padding. The paths are then added and concatenated in every cell. In the real
walk (padding reads no pixel), the sets of positions beyond a map's ends keep
whatever lies beyond the image there, and through strides and joins those
became ever more intervals outside the image: Keras's own NASNetMobile (tf2onnx)
spent its work budget at its fourth normal cell, this net's stem alone 5.5
million units and one normal cell 60 million. Cutting them away where no run
needs a new cut (runs.trimmed) keeps each field a few runs.

The net is written in Caffe, whose layers say the same: a pad (a, a + 1)
before a valid stride-2 window of k is a Caffe pooling of pad a, whose ceil rule
takes the one more window; the shift is a 1x1 convolution of pad 1 cropped at
offset 2.
"""

import random

import pytest

from test_fields_bruteforce import Net, check

from scnn_tools.engine import runs
from scnn_tools.engine.analysis import Analysis
from scnn_tools.engine.parts import kept
from scnn_tools.engine.runs import Interval, Run, Runs, trimmed
from scnn_tools.net.intervals import clip
from scnn_tools.netfile.reader import read_text


def _join(net, kind, bottoms):
    top = net._name(kind.lower())
    net.lines.append(f'layer {{ name: "{top}" type: "{kind}" ' + " ".join(f'bottom: "{b}"' for b in bottoms)
                     + f' top: "{top}" }}')
    channels = sum(net.channels[b] for b in bottoms) if kind == "Concat" else net.channels[bottoms[0]]
    net._add(top, net.blobs[bottoms[0]][0], [("union", [(b, x) for b in bottoms]) for x in range(2)], channels)
    return top


def _strided(net, x, k, pool=False):
    """ZeroPadding2D(correct_pad(x, k)), then a k-window of stride 2, 'valid'."""
    if net.blobs[x][0][0] % 2:  # (an odd map: k // 2 on both sides)
        return net._pool(x, [(k, 2, k // 2)] * 2) if pool else net.conv(x, [(k, 2, k // 2, 1)] * 2)
    return net._pool(x, [(k, 2, k // 2 - 1)] * 2)


def _separable(net, x, k, s=1):
    first = _strided(net, x, k) if s == 2 else net.conv(x, [(k, 1, k // 2, 1)] * 2)
    return net.conv(first, [(k, 1, k // 2, 1)] * 2)


def _shifted(net, x):
    padded = net.conv(x, [(1, 1, 1, 1)] * 2)
    top = net._name("crop")
    net.lines.append(f'layer {{ name: "{top}" type: "Crop" bottom: "{padded}" bottom: "{x}" top: "{top}" '
                     'crop_param { axis: 2 offset: 2 offset: 2 } }')
    net._add(top, list(net.blobs[x][0]), [("shift", padded, a, 2) for a in range(2)], 2)
    return top


def _adjust(net, p, ip):
    if p is None:
        return ip
    if net.blobs[p][0] == net.blobs[ip][0]:
        return net.conv(p, [(1, 1, 0, 1)] * 2)
    paths = [net.conv(p, [(1, 2, 0, 1)] * 2), net.conv(_shifted(net, p), [(1, 2, 0, 1)] * 2)]
    return net.conv(_join(net, "Concat", paths), [(1, 1, 0, 1)] * 2)


def _reduction(net, ip, p):
    """Keras's _reduction_a_cell."""
    add = lambda a, b: _join(net, "Eltwise", [a, b])  # noqa: E731
    p = _adjust(net, p, ip)
    h = net.conv(ip, [(1, 1, 0, 1)] * 2)
    x1 = add(_separable(net, h, 5, 2), _separable(net, p, 7, 2))
    x2 = add(_strided(net, h, 3, pool=True), _separable(net, p, 7, 2))
    x3 = add(_strided(net, h, 3, pool=True), _separable(net, p, 5, 2))
    x4 = add(x2, net._pool(x1, [(3, 1, 1)] * 2, "AVE"))
    x5 = add(_separable(net, x1, 3), _strided(net, h, 3, pool=True))
    return _join(net, "Concat", [x2, x3, x4, x5]), ip


def _normal(net, ip, p):
    """Keras's _normal_a_cell."""
    add = lambda a, b: _join(net, "Eltwise", [a, b])  # noqa: E731
    p = _adjust(net, p, ip)
    h = net.conv(ip, [(1, 1, 0, 1)] * 2)
    x1 = add(_separable(net, h, 5), _separable(net, p, 3))
    x2 = add(_separable(net, p, 5), _separable(net, p, 3))
    x3 = add(net._pool(h, [(3, 1, 1)] * 2, "AVE"), p)
    x4 = add(net._pool(p, [(3, 1, 1)] * 2, "AVE"), net._pool(p, [(3, 1, 1)] * 2, "AVE"))
    x5 = add(_separable(net, h, 3), h)
    return _join(net, "Concat", [p, x1, x2, x3, x4, x5]), ip


def nasnet(size, cells):
    """Keras's NASNet at a size x size image: the stem (a valid 3x3 stride-2 convolution and two reduction
    cells), then `cells` normal cells at each of three scales, a reduction cell before the second and third."""
    net = Net(0, shape=(size, size))
    x, p = _reduction(net, net.conv("data", [(3, 2, 0, 1)] * 2), None)
    x, p = _reduction(net, x, p)
    for scale in range(3):
        if scale:
            x, p = _reduction(net, x, p)
        for _ in range(cells):
            x, p = _normal(net, x, p)
    return net, "\n".join(net.lines) + "\n"


@pytest.mark.parametrize("size, cells", [(64, 1), (63, 1), (50, 2), (57, 1)])
def test_nasnet_fields_match_brute_force(size, cells):
    """Every blob's sets on the plane and in the image, sizes, jumps, starts, paddings, clipped boxes and the
    exact 2-D area and overlap, on even and odd maps (correct_pad's two cases)."""
    net, text = nasnet(size, cells)
    check(net, text, f"nasnet-{size}-{cells}")


def _cost(size, cells):
    """(the real walk's crossing-end work, the most intervals any real field keeps) at NASNetMobile's 224."""
    _, text = nasnet(size, cells)
    analysis = Analysis(read_text(text, "nasnet.prototxt"))
    assert all(t is not None for t in analysis.traced[1:]), "a field left unknown"
    spent = runs.runs_spent()  # (the real walk runs last)
    most = max(kept(f) for t in analysis.real if t is not None for _, f in t.axes.values())
    return spent, most


def test_nasnet_cost_stays_bounded():
    """At 224x224 the work grows by about the same amount with each cell, and no field grows: one normal
    cell used to cost 60 million units (the stem alone 5.5 million), now the whole net with three times four
    cells about 20,000 (under 100,000 asked), and no field more than 6 intervals (12 asked)."""
    costs = {cells: _cost(224, cells) for cells in (0, 1, 2, 4)}
    work = {cells: spent for cells, (spent, _) in costs.items()}
    assert work[4] < 100_000, work
    assert work[4] - work[2] <= 2 * (work[2] - work[1]) + 1000, work  # (linear in the cells, never worse)
    assert max(most for _, most in costs.values()) <= 12, costs
    assert costs[4][1] == costs[1][1], costs  # (more cells, no longer formulas)


# ------------------------------------------------------------- runs.trimmed
def _random_runs(rng):
    """Runs over lo..hi of random periods and formulas, every formula's intervals sorted and apart at every q
    (one slope per formula, or its first low end and last high end of their own)."""
    lo = rng.randint(-40, 0)
    hi = lo + rng.randint(0, 60)
    starts = sorted(rng.sample(range(lo + 1, hi + 1), min(rng.randint(0, 4), hi - lo)))
    out = []
    for start in [None] + starts:
        t = rng.choice([1, 1, 2, 3])
        phases = []
        for _ in range(t):
            slope = rng.choice([0, 1, 2, 4, -1])
            x = rng.randint(-30, 30)
            f = []
            for _ in range(rng.randint(0, 4)):
                a = x + rng.randint(0, 6)
                b = a + rng.randint(0, 8)
                f.append(Interval(a, slope, b, slope))
                x = b + 2
            if f and rng.random() < 0.5:  # (ends apart from the others' slopes: widening outwards)
                f[0] = f[0]._replace(lo_slope=slope - rng.randint(0, 2))
                f[-1] = f[-1]._replace(hi_slope=slope + rng.randint(0, 2))
            phases.append(tuple(f))
        out.append(Run(start, t, tuple(phases)))
    return Runs(out, lo, hi) if rng.random() < 0.8 else Runs(out)  # (None: exact everywhere)


@pytest.mark.parametrize("seed", range(300))
def test_trimmed_keeps_every_set_in_the_window(seed):
    """Whatever it drops, every position lo..hi keeps its set inside low..high; nothing beyond is added."""
    rng = random.Random(seed)
    shape = _random_runs(rng)
    low = rng.randint(-20, 10)
    high = low + rng.randint(0, 40)
    out = trimmed(shape, low, high)
    for o in range(-80, 81) if shape.lo is None else range(shape.lo, shape.hi + 1):
        if not _apart(shape.at(o)):
            continue  # (where widening ends have crossed: no set)
        assert clip(out.at(o), low, high) == clip(shape.at(o), low, high), (seed, o)
        assert _apart(out.at(o)), (seed, o)  # (no empty interval made)


def _apart(s):
    return all(a <= b for a, b in s) and all(b + 1 < c for (_, b), (c, _) in zip(s, s[1:]))


def test_trimmed_drops_what_lies_beyond_and_merges():
    """A NASNet-like end: positions -2..0 carry intervals wholly left of the image besides the formula of the
    positions after them; trimmed, they read that formula, and the two runs are one. (Their low end, left of
    the image at each of them, stays: the high end too is left of it at -2, so the interval is no edge.)"""
    shape = Runs([Run(None, 1, ((Interval(-12, 0, -10, 0), Interval(-8, 0, -6, 0), Interval(-4, 4, 5, 4)),)),
                  Run(1, 1, ((Interval(-4, 4, 5, 4),),))], -2, 20)
    out = trimmed(shape, 0, 100)
    for o in range(-2, 21):
        assert clip(out.at(o), 0, 100) == clip(shape.at(o), 0, 100)
    assert out.runs == [Run(None, 1, ((Interval(-4, 4, 5, 4),),))]
    assert trimmed(out, 0, 100) is out  # (nothing more to drop: the very same runs)
    assert trimmed(shape, 5, 4) is shape  # (a lattice with no index in the image: nothing to keep)

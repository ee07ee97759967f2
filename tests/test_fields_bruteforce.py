"""Receptive fields of random nets against a direct walk over input indices.

Each net is built from convolutions (asymmetric kernels, strides, pads,
dilations), poolings (Caffe's ceil rule), residual sums, channel concats,
spatial slices put back together through different branches, crops,
deconvolutions, nearest upsampling and interpolation; multi-resolution nets
add branches at two and three resolutions (ICNet's cascade, PSPNet's
pyramid) joined back by Interps, cropped deconvolutions, sums and concats.
The brute force below knows nothing of the engine: per axis it defines, by
each operation's definition, the set of input pixels a position depends on,
memoized, and computes shapes with Caffe's formulas. Every blob's size, jump
(exactly), start, padding, uniformity and exact centre area are then
compared.

Two brute forces: on the unbounded plane (DESIGN.md's coordinates: a position
beyond a blob's ends continues its pattern), which the sizes, jumps, starts
and paddings are; and the real dependency (`Brute(net, real=True)`): a
position beyond a blob's ends is zero padding and depends on nothing, which
the boxes in the image, the area, the overlap and `global` are.
"""

import random
import signal
from fractions import Fraction
from functools import lru_cache
from math import floor

import pytest

from benchmark import icnet

from scnn_tools.engine.analysis import Analysis, report
from scnn_tools.engine.parts import kept
from scnn_tools.netfile.reader import read_text
from scnn_tools.net.intervals import clip


class Net:
    """A random net, as prototxt text and as per-axis definitions for the brute force."""

    def __init__(self, seed, size=(18, 48), shape=None):
        self.rng = random.Random(seed)
        self.lines = []
        self.blobs = {}      # name -> (sizes per axis [h, w], definition per axis)
        self.channels = {}   # name -> channels
        self.order = []
        self.limit = 8 * (size[1] if shape is None else max(shape))  # upsampling stops here
        h, w = shape or (self.rng.randint(*size), self.rng.randint(*size))
        self.lines.append(f'input: "data" input_dim: 1 input_dim: 2 input_dim: {h} input_dim: {w}')
        self._add("data", [h, w], [("input",), ("input",)])
        self.n = 0

    def _add(self, name, sizes, defs, channels=2):
        self.blobs[name] = (sizes, defs)
        self.channels[name] = channels
        self.order.append(name)

    def _name(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def pick(self):
        recent = self.order[-3:]
        return self.rng.choice(recent)

    # ------------------------------------------------------------ operations
    def conv(self, bottom, geo=None, name=None, channels=2):
        """geo: per axis (k, s, p, d); random when not given. Returns the top or None."""
        sizes = self.blobs[bottom][0]
        if geo is None:
            geo = []
            for _ in range(2):
                k = self.rng.choice([1, 2, 3, 3, 5])
                s = self.rng.choice([1, 1, 2, 3])
                d = self.rng.choice([1, 1, 2, 3])
                p = self.rng.randint(0, (k - 1) * d)
                geo.append((k, s, p, d))
        out = [(n + 2 * p - (d * (k - 1) + 1)) // s + 1 for n, (k, s, p, d) in zip(sizes, geo)]
        if min(out) < 1:
            return None
        top = name or self._name("conv")
        (kh, sh, ph, dh), (kw, sw, pw, dw) = geo
        dil = f"dilation: {dh} " if dh == dw else ""
        if dh != dw:
            return None  # Caffe's dilation takes one value or one per axis; keep to the common form
        self.lines.append(f'layer {{ name: "{top}" type: "Convolution" bottom: "{bottom}" top: "{top}" '
                          f'convolution_param {{ num_output: {channels} kernel_h: {kh} kernel_w: {kw} stride_h: {sh} '
                          f'stride_w: {sw} pad_h: {ph} pad_w: {pw} {dil}}} }}')
        self._add(top, out, [("window", bottom, a, k, s, p, d) for a, (k, s, p, d) in enumerate(geo)], channels)
        return top

    def pool(self, bottom):
        geo = [(self.rng.choice([2, 3]), self.rng.choice([1, 2, 2])) for _ in range(2)]
        return self._pool(bottom, [(k, s, self.rng.randint(0, k - 1)) for k, s in geo])

    def _pool(self, bottom, geo, kind="MAX"):
        """A pooling with (k, s, p) per axis; its top or None."""
        out = []
        for n, (k, s, p) in zip(self.blobs[bottom][0], geo):
            if n + 2 * p < k:
                return None
            m = -(-(n + 2 * p - k) // s) + 1  # Caffe: ceil, then drop a window starting in the padding
            if p and (m - 1) * s >= n + p:
                m -= 1
            out.append(m)
        top = self._name("pool")
        (kh, sh, ph), (kw, sw, pw) = geo
        self.lines.append(f'layer {{ name: "{top}" type: "Pooling" bottom: "{bottom}" top: "{top}" pooling_param '
                          f'{{ pool: {kind} kernel_h: {kh} kernel_w: {kw} stride_h: {sh} stride_w: {sw} pad_h: {ph} '
                          f'pad_w: {pw} }} }}')
        self._add(top, out, [("window", bottom, a, k, s, p, 1) for a, (k, s, p) in enumerate(geo)],
                  self.channels[bottom])
        return top

    def _same_size_conv(self, bottom, channels=2, geo=None):
        if geo is not None:
            return self.conv(bottom, geo, channels=channels)
        geo = []
        for _ in range(2):
            k = self.rng.choice([1, 3, 5])
            d = self.rng.choice([1, 2, 3])
            geo.append((k, 1, d * (k - 1) // 2, d))
        if geo[0][3] != geo[1][3]:
            geo[1] = (geo[1][0], 1, geo[0][3] * (geo[1][0] - 1) // 2, geo[0][3])
        return self.conv(bottom, geo, channels=channels)

    def residual(self, bottom):
        branch = self._same_size_conv(bottom, self.channels[bottom])
        top = self._name("sum")
        self.lines.append(f'layer {{ name: "{top}" type: "Eltwise" bottom: "{bottom}" bottom: "{branch}" '
                          f'top: "{top}" }}')
        sizes = self.blobs[bottom][0]
        self._add(top, sizes, [("union", [(bottom, a), (branch, a)]) for a in range(2)], self.channels[bottom])
        return top

    def channel_concat(self, bottom):
        a, b = self._same_size_conv(bottom), self._same_size_conv(bottom)
        top = self._name("cat")
        self.lines.append(f'layer {{ name: "{top}" type: "Concat" bottom: "{a}" bottom: "{b}" top: "{top}" }}')
        self._add(top, self.blobs[bottom][0], [("union", [(a, x), (b, x)]) for x in range(2)], 4)
        return top

    def spatial_concat(self, bottom):
        sizes = self.blobs[bottom][0]
        axis = self.rng.randint(0, 1)
        if sizes[axis] < 2:
            return None
        cut = self.rng.randint(1, sizes[axis] - 1)
        top_a, top_b = self._name("sliceA"), self._name("sliceB")
        self.lines.append(f'layer {{ name: "{top_a}" type: "Slice" bottom: "{bottom}" top: "{top_a}" top: "{top_b}" '
                          f'slice_param {{ axis: {axis + 2} slice_point: {cut} }} }}')
        size_a, size_b = list(sizes), list(sizes)
        size_a[axis], size_b[axis] = cut, sizes[axis] - cut
        c = self.channels[bottom]
        self._add(top_a, size_a, [("shift", bottom, x, 0) for x in range(2)], c)
        self._add(top_b, size_b, [("shift", bottom, x, cut if x == axis else 0) for x in range(2)], c)
        a = self._same_size_conv(top_a)
        if self.rng.random() < 0.5:
            # The same branch on both sides, as in an SCNN block: the join is translation-invariant again.
            b = self._same_size_conv(top_b, geo=[d[3:] for d in self.blobs[a][1]])
        else:
            b = self._same_size_conv(top_b)
        top = self._name("join")
        self.lines.append(f'layer {{ name: "{top}" type: "Concat" bottom: "{a}" bottom: "{b}" top: "{top}" '
                          f'concat_param {{ axis: {axis + 2} }} }}')
        defs = [("pieces", [(a, x, 0, size_a[x]), (b, x, cut, size_b[x])]) if x == axis else
                ("union", [(a, x), (b, x)]) for x in range(2)]
        self._add(top, sizes, defs)
        return top

    def crop(self, bottom):
        sizes = self.blobs[bottom][0]
        ref = self.pool(bottom)
        if ref is None:
            return None
        ref_sizes = self.blobs[ref][0]
        if any(r > n for n, r in zip(sizes, ref_sizes)):
            return None
        offsets = [self.rng.randint(0, n - r) for n, r in zip(sizes, ref_sizes)]
        top = self._name("crop")
        self.lines.append(f'layer {{ name: "{top}" type: "Crop" bottom: "{bottom}" bottom: "{ref}" top: "{top}" '
                          f'crop_param {{ axis: 2 offset: {offsets[0]} offset: {offsets[1]} }} }}')
        self._add(top, ref_sizes, [("shift", bottom, a, off) for a, off in enumerate(offsets)], self.channels[bottom])
        return top

    def deconv(self, bottom):
        sizes = self.blobs[bottom][0]
        s = self.rng.choice([1, 2, 3])
        k = self.rng.choice([s, 2 * s, 3])
        p = self.rng.randint(0, (k - 1) // 2)
        out = [s * (n - 1) + k - 2 * p for n in sizes]
        if min(out) < 1 or max(out) > self.limit:
            return None
        top = self._name("deconv")
        self.lines.append(f'layer {{ name: "{top}" type: "Deconvolution" bottom: "{bottom}" top: "{top}" '
                          f'convolution_param {{ num_output: 2 kernel_size: {k} stride: {s} pad: {p} }} }}')
        self._add(top, out, [("transposed", bottom, a, k, s, p) for a in range(2)])
        return top

    def upsample(self, bottom):
        sizes = self.blobs[bottom][0]
        if 2 * max(sizes) > self.limit:
            return None
        top = self._name("up")
        self.lines.append(f'layer {{ name: "{top}" type: "Upsample" bottom: "{bottom}" top: "{top}" '
                          f'upsample_param {{ scale: 2 }} }}')
        self._add(top, [2 * n for n in sizes], [("nearest", bottom, a, 2) for a in range(2)], self.channels[bottom])
        return top

    def interp(self, bottom):
        return self.resize(bottom, zoom=self.rng.choice([2, 3]))

    def message_pass(self, bottom):
        """SCNN's pass: slice an axis into m equal pieces; each adds a convolution (along the
        other axis) of the piece before it, already updated; concatenate them back."""
        sizes = self.blobs[bottom][0]
        axis = self.rng.randint(0, 1)
        n = sizes[axis]
        counts = [m for m in range(2, min(n, 40) + 1) if n % m == 0]
        if not counts:
            return None
        m = self.rng.choice(counts)
        size = n // m
        c = self.channels[bottom]
        names = [self._name("row") for _ in range(m)]
        points = " ".join(f"slice_point: {size * i}" for i in range(1, m))
        self.lines.append(f'layer {{ name: "{names[0]}" type: "Slice" bottom: "{bottom}" '
                          + " ".join(f'top: "{x}"' for x in names) + f' slice_param {{ axis: {axis + 2} {points} }} }}')
        piece = list(sizes)
        piece[axis] = size
        k = self.rng.choice([3, 5, 9])
        geo = [(1, 1, 0, 1), (1, 1, 0, 1)]
        geo[1 - axis] = (k, 1, (k - 1) // 2, 1)
        done = []
        for i, x in enumerate(names):
            self._add(x, piece, [("shift", bottom, a, size * i if a == axis else 0) for a in range(2)], c)
            if done:
                msg = self.conv(done[-1], geo=geo, channels=c)
                top = self._name("pass")
                self.lines.append(f'layer {{ name: "{top}" type: "Eltwise" bottom: "{x}" bottom: "{msg}" '
                                  f'top: "{top}" }}')
                self._add(top, piece, [("union", [(x, a), (msg, a)]) for a in range(2)], c)
                x = top
            done.append(x)
        top = self._name("passed")
        self.lines.append(f'layer {{ name: "{top}" type: "Concat" ' + " ".join(f'bottom: "{x}"' for x in done)
                          + f' top: "{top}" concat_param {{ axis: {axis + 2} }} }}')
        defs = [("pieces", [(x, a, size * i, size) for i, x in enumerate(done)]) if a == axis else
                ("union", [(x, a) for x in done]) for a in range(2)]
        self._add(top, sizes, defs, c)
        return top

    def global_pool(self, bottom):
        top = self._name("gpool")
        self.lines.append(f'layer {{ name: "{top}" type: "Pooling" bottom: "{bottom}" top: "{top}" '
                          f'pooling_param {{ pool: AVE global_pooling: true }} }}')
        sizes = self.blobs[bottom][0]
        self._add(top, [1, 1], [("whole", bottom, a, n) for a, n in enumerate(sizes)], self.channels[bottom])
        return top

    def build(self, steps):
        ops = [self.conv, self.conv, self.pool, self.residual, self.channel_concat, self.spatial_concat,
               self.crop, self.deconv, self.upsample, self.interp, self.global_pool, self.message_pass]
        for _ in range(steps):
            op = self.rng.choice(ops)
            op(self.pick())
        return "\n".join(self.lines) + "\n"


    # ------------------------------------------------ several resolutions
    def resize(self, bottom, sizes=None, shrink=None, zoom=None):
        """An Interp to `sizes` (its height and width), or by shrink_factor and then zoom_factor."""
        old = self.blobs[bottom][0]
        if sizes is None:
            sizes = [n if shrink is None else (n - 1) // shrink + 1 for n in old]
            sizes = [n if zoom is None else n + (n - 1) * (zoom - 1) for n in sizes]
            param = " ".join(f"{k}: {v}" for k, v in (("shrink_factor", shrink), ("zoom_factor", zoom)) if v)
        else:
            param = f"height: {sizes[0]} width: {sizes[1]}"
        if min(sizes) < 1 or max(sizes) > self.limit:
            return None
        top = self._name("resize")
        self.lines.append(f'layer {{ name: "{top}" type: "Interp" bottom: "{bottom}" top: "{top}" '
                          f'interp_param {{ {param} }} }}')
        self._add(top, sizes, [("interp", bottom, a, n, m) for a, (n, m) in enumerate(zip(old, sizes))],
                  self.channels[bottom])
        return top

    def down(self, bottom):
        """About half the resolution (a third for some): a shrinking Interp, a strided convolution or a
        pooling."""
        kind = self.rng.choice(["shrink", "shrink", "conv", "pool"])
        if kind == "shrink":
            return self.resize(bottom, shrink=self.rng.choice([2, 2, 3]))
        k, p = self.rng.choice([(3, 1), (2, 0), (3, 0)])
        if kind == "conv":
            return self.conv(bottom, [(k, 2, p, 1)] * 2, channels=self.channels[bottom])
        return self._pool(bottom, [(k, 2, p)] * 2)

    def up(self, bottom, ref):
        """Back to ref's size: an Interp (by zoom_factor where that lands there, else to height and width)
        or a Deconvolution cropped to ref."""
        small, big = self.blobs[bottom][0], self.blobs[ref][0]
        if self.rng.random() < 0.3:
            s = max(2, -(-max(b for b in big) // max(small)))
            k, p = self.rng.choice([(2 * s, s // 2), (s, 0), (2 * s - 1, (s - 1) // 2)])
            out = [s * (n - 1) + k - 2 * p for n in small]
            if all(o >= b for o, b in zip(out, big)):
                top = self._name("updeconv")
                c = self.channels[bottom]
                self.lines.append(f'layer {{ name: "{top}" type: "Deconvolution" bottom: "{bottom}" top: "{top}" '
                                  f'convolution_param {{ num_output: {c} kernel_size: {k} stride: {s} pad: {p} }} }}')
                self._add(top, out, [("transposed", bottom, a, k, s, p) for a in range(2)], c)
                offsets = [self.rng.randint(0, o - b) for o, b in zip(out, big)]
                crop = self._name("crop")
                self.lines.append(f'layer {{ name: "{crop}" type: "Crop" bottom: "{top}" bottom: "{ref}" '
                                  f'top: "{crop}" crop_param {{ axis: 2 offset: {offsets[0]} offset: {offsets[1]} }} }}')
                self._add(crop, list(big), [("shift", top, a, off) for a, off in enumerate(offsets)], c)
                return crop
        for zoom in (2, 3):
            if [n + (n - 1) * (zoom - 1) for n in small] == big and self.rng.random() < 0.7:
                return self.resize(bottom, zoom=zoom)
        return self.resize(bottom, sizes=list(big))

    def join(self, a, b):
        """Eltwise sum (ICNet) or channel concatenation (PSPNet) of two blobs of one size."""
        top = self._name("join")
        if self.channels[a] == self.channels[b] and self.rng.random() < 0.7:
            self.lines.append(f'layer {{ name: "{top}" type: "Eltwise" bottom: "{a}" bottom: "{b}" top: "{top}" }}')
        else:
            self.lines.append(f'layer {{ name: "{top}" type: "Concat" bottom: "{a}" bottom: "{b}" top: "{top}" }}')
        self._add(top, self.blobs[a][0], [("union", [(a, x), (b, x)]) for x in range(2)],
                  self.channels[a] + (0 if self.channels[a] == self.channels[b] and "Eltwise" in self.lines[-1]
                                      else self.channels[b]))
        return top

    def cascade(self, bottom):
        """ICNet's shape: branches at two lower resolutions, each brought back up and summed into the one
        above it."""
        c = self.channels[bottom]
        mid = self.down(bottom)
        if mid is None:
            return None
        mid = self._same_size_conv(mid, c) or mid
        low = self.down(mid)
        if low is not None:
            low = self._same_size_conv(low, c) or low
            if self.rng.random() < 0.5:
                low = self.pyramid(low) or low
            back = self.up(low, mid)
            if back is not None and self.channels[back] == self.channels[mid]:
                mid = self.join(mid, back)
        back = self.up(mid, bottom)
        if back is None:
            return None
        return self.join(self._same_size_conv(bottom, self.channels[back]) or bottom, back)

    def pyramid(self, bottom):
        """PSPNet's pyramid pooling: average pooled to 1, 2, 3 and 6 bins (PSPNet's kernel and stride),
        each interpolated back to the map's size, joined to it."""
        sizes = self.blobs[bottom][0]
        top = bottom
        for bins in sorted(self.rng.sample([1, 2, 3, 6], self.rng.randint(1, 4))):
            if bins > min(sizes):
                continue
            pooled = self._pool(bottom, [(-(-n // bins), n // bins, 0) for n in sizes], "AVE")
            back = self.resize(pooled, sizes=list(sizes)) if pooled else None
            if back is not None:
                top = self.join(top, back)
        return top

    def build_multiresolution(self, steps):
        ops = [self.cascade, self.cascade, self.cascade, self.pyramid, self.conv, self.residual, self.pool,
               self.deconv, self.crop, self.message_pass, self.spatial_concat]
        for _ in range(steps):
            self.rng.choice(ops)(self.pick())
        return "\n".join(self.lines) + "\n"


class Brute:
    """Per blob and axis, position -> frozenset of input indices, straight from the definitions."""

    def __init__(self, net, real=False):
        self.net = net
        self.real = real
        self.dep = lru_cache(maxsize=None)(self._dep)

    def _dep(self, blob, axis, o):
        sizes, defs = self.net.blobs[blob]
        if self.real and not 0 <= o < sizes[axis]:
            return frozenset()  # Caffe's padding: a zero, whatever the input
        d = defs[axis]
        kind = d[0]
        if kind == "input":
            return frozenset([o])
        if kind == "window":
            _, bottom, a, k, s, p, dil = d
            return frozenset().union(*(self.dep(bottom, a, o * s - p + t * dil) for t in range(k)))
        if kind == "transposed":
            _, bottom, a, k, s, p = d
            taps = [(o + p - t) // s for t in range(k) if (o + p - t) % s == 0]
            return frozenset().union(*(self.dep(bottom, a, i) for i in taps))
        if kind == "shift":
            _, bottom, a, off = d
            return self.dep(bottom, a, o + off)
        if kind == "nearest":
            _, bottom, a, scale = d
            return self.dep(bottom, a, o // scale)
        if kind == "interp":
            _, bottom, a, n_in, n_out = d
            e = Fraction(o * (n_in - 1), n_out - 1) if n_out > 1 else Fraction(0)  # Caffe: ratio 0
            i = floor(e)
            taps = [i] if e == i else [i, i + 1]
            return frozenset().union(*(self.dep(bottom, a, t) for t in taps))
        if kind == "whole":
            _, bottom, a, n = d
            return frozenset().union(*(self.dep(bottom, a, i) for i in range(n)))
        if kind == "union":
            return frozenset().union(*(self.dep(b, a, o) for b, a in d[1]))
        if kind == "pieces":
            return self._pieces(d[1], sizes[axis], o)
        raise AssertionError(kind)

    def _pieces(self, parts, size, o):
        def at(x):
            k = 0
            while k + 1 < len(parts) and x >= parts[k + 1][2]:
                k += 1
            b, a, start, _ = parts[k]
            return self.dep(b, a, x - start)
        if 0 <= o < size:
            return at(o)
        # Beyond the ends: the pattern of the concatenation where it is translation-invariant
        # (documented convention of the engine), else the end pieces read on.
        real = [at(x) for x in range(size)]
        if size >= 2:
            jump = min(real[1]) - min(real[0])
            if all(frozenset(i + jump * x for i in real[0]) == s for x, s in enumerate(real)):
                return frozenset(i + jump * o for i in real[0])
        return at(o)

    def taps(self, d, o):
        """The bottom positions position o reads through a one-bottom definition (a window, a shift...)."""
        kind = d[0]
        if kind == "window":
            _, _, _, k, s, p, dil = d
            return [o * s - p + t * dil for t in range(k)]
        if kind == "transposed":
            _, _, _, k, s, p = d
            return [(o + p - t) // s for t in range(k) if (o + p - t) % s == 0]
        if kind == "shift":
            return [o + d[3]]
        if kind == "nearest":
            return [o // d[3]]
        if kind == "interp":
            _, _, _, n_in, n_out = d
            e = Fraction(o * (n_in - 1), n_out - 1) if n_out > 1 else Fraction(0)
            return [floor(e)] if e == floor(e) else [floor(e), floor(e) + 1]
        if kind == "whole":
            return list(range(d[3]))
        raise AssertionError(kind)


    def centre(self, blob, axis):
        """(start, jump) of Caffe's coord_map, composed from each operation's definition."""
        sizes, defs = self.net.blobs[blob]
        d = defs[axis]
        kind = d[0]
        if kind == "input":
            return Fraction(0), Fraction(1)
        if kind in ("union", "pieces"):
            return self.centre(*d[1][0][:2])  # the first bottom's grid (the first piece starts at 0)
        a, b = self.centre(d[1], d[2])
        if kind == "window":
            _, _, _, k, s, p, dil = d
            return a + b * (Fraction((k - 1) * dil, 2) - p), b * s
        if kind == "transposed":
            _, _, _, k, s, p = d
            return a + b * (p - Fraction(k - 1, 2)) / s, b / s
        if kind == "shift":
            return a + b * d[3], b
        if kind == "nearest":
            scale = d[3]
            return a - b * Fraction(scale - 1, 2 * scale), b / scale
        if kind == "interp":
            n_in, n_out = d[3], d[4]
            return a, b * (Fraction(n_in - 1, n_out - 1) if n_out > 1 else 0)
        if kind == "whole":
            return a + b * Fraction(d[3] - 1, 2), b
        raise AssertionError(kind)

    def summary(self, blob, axis, size):
        sets = [self.dep(blob, axis, o) for o in range(max(size, 2))]
        boxes = [(min(s), max(s)) for s in sets]
        real = boxes[:size]
        lo, hi = boxes[0]
        start, jump = self.centre(blob, axis)
        uniform = len({h - l for l, h in real}) == 1 and len({b[0] - a[0] for a, b in zip(real, real[1:])}) <= 1
        return {"size": max(h - l + 1 for l, h in real), "jump": jump, "start": float(start), "padding": -lo,
                "uniform": uniform}

    def in_image(self, blob, axis, size):
        """What a real brute force says inside the image: the widest box of a real position, the centre's
        set and the next one's, and whether every position sees all of the axis."""
        sets = [self.dep(blob, axis, o) for o in range(size)]
        extent = self.net.blobs["data"][0][axis]
        assert all(0 <= i < extent for s in sets for i in s)  # (the image's own ends are padding too)
        centre = (size - 1) // 2
        return {"clipped": max((max(s) - min(s) + 1 for s in sets if s), default=0),
                "centre": self.dep(blob, axis, centre), "next": self.dep(blob, axis, centre + 1),
                "whole": all(s == frozenset(range(extent)) for s in sets)}


class Brute2:
    """The real 2-D dependency: position (y, x) -> the input pixels (i, j) it depends on, as an int with bit
    i * W + j set for each (W the image's width), from the same per-axis definitions read as the 2-D layers
    they describe: a one-bottom operation reads the product of its taps along h and w; a sum or a channel
    concat is the union of its bottoms at (y, x); a concatenation along one axis takes (y, x) from the part
    that holds it. A position beyond a blob's ends is zero padding."""

    def __init__(self, net):
        self.net, self.axes = net, Brute(net, real=True)
        self.width = net.blobs["data"][0][1]
        self.dep = lru_cache(maxsize=None)(self._dep)

    def _dep(self, blob, y, x):
        sizes, (dh, dw) = self.net.blobs[blob]
        if not (0 <= y < sizes[0] and 0 <= x < sizes[1]):
            return 0
        if dh[0] == "input":
            return 1 << (y * self.width + x)
        for axis, d, o in ((0, dh, y), (1, dw, x)):
            if d[0] == "pieces":  # (the other axis says "union" of the parts: each holds its own positions)
                parts, k = d[1], 0
                while k + 1 < len(parts) and o >= parts[k + 1][2]:
                    k += 1
                b, _, start, _ = parts[k]
                return self.dep(b, y - start, x) if axis == 0 else self.dep(b, y, x - start)
        found = 0
        if dh[0] == "union":
            for b, _ in dh[1]:
                found |= self.dep(b, y, x)
            return found
        assert dh[1] == dw[1] and dh[2] == 0 and dw[2] == 1, (dh, dw)  # (one bottom, its own axes)
        columns = self.axes.taps(dw, x)
        for i in self.axes.taps(dh, y):
            for j in columns:
                found |= self.dep(dh[1], i, j)
        return found


def check(net, text, seed):
    analysis = Analysis(read_text(text, f"random-{seed}.prototxt"))
    result = report(analysis)
    brute, real = Brute(net), Brute(net, real=True)
    height, width = net.blobs["data"][0]
    plane = Brute2(net) if height * width <= 4096 else None  # (bit sets of a larger image: too much memory)
    outputs = {o["blob"]: o for layer in result["layers"] for o in layer["outputs"]}
    fields = {b.name: analysis.traced[b.id] for b in analysis.graph.blobs}  # (the last version of each name)
    reals = {b.name: analysis.real[b.id] for b in analysis.graph.blobs}
    for name in net.order:
        sizes = net.blobs[name][0]
        out = outputs[name]
        assert out["shape"][2:] == sizes, (name, text)
        for a, (_, field) in fields[name].axes.items():
            for o in range(sizes[a - 2]):  # every real position's exact set
                got = frozenset(i for lo, hi in field.at(o) for i in range(lo, hi + 1))
                assert got == brute.dep(name, a - 2, o), (name, "hw"[a - 2], o, text)
        for a, (_, field) in reals[name].axes.items():
            extent = net.blobs["data"][0][a - 2]
            for o in range(sizes[a - 2]):  # (exact in the image: what lies beyond it is no pixel, never counted)
                got = frozenset(i for lo, hi in clip(field.at(o), 0, extent - 1) for i in range(lo, hi + 1))
                assert got == real.dep(name, a - 2, o), ("real", name, "hw"[a - 2], o, text)
        rf = out["rf"]
        expected = [brute.summary(name, a, sizes[a]) for a in range(2)]
        seen = [real.in_image(name, a, sizes[a]) for a in range(2)]
        for a in range(2):
            e = expected[a]
            # (jumps such as 725/18 reach JSON as floats rounded to 9 places)
            got = (rf["size"][a], rf["clipped"][a], rf["jump"][a], rf["start"][a], rf["padding"][a])
            want = (e["size"], seen[a]["clipped"], pytest.approx(float(e["jump"]), abs=1e-8),
                    pytest.approx(e["start"]), e["padding"])
            assert got == want, (name, "hw"[a], text)
            # (global is structural too: a box that happens to cover a small image is not global)
            assert not rf["global"][a] or seen[a]["whole"], (name, "hw"[a], text)
        assert rf["uniform"] == (expected[0]["uniform"] and expected[1]["uniform"]), (name, text)
        # Padding is no pixel: the scale counts the pixels that can change the centre feature, in 2-D (where
        # branches of different shapes join, fewer than the product of the per-axis sets), or, past the 2-D
        # walks' budget, says only that product as a bound.
        inside, next_w = [seen[0]["centre"], seen[1]["centre"]], seen[1]["next"]
        cy, cx = (sizes[0] - 1) // 2, (sizes[1] - 1) // 2
        product, area = len(inside[0]) * len(inside[1]), out["scale"]["area"]
        flat = analysis.planar.product(analysis.graph.blob(name).id)  # (the engine's verdict at the centre)
        pixels = plane.dep(name, cy, cx) if plane is not None else None
        if area is None:
            assert out["scale"]["area_at_most"] == product >= (pixels or 0).bit_count(), (name, text)
            continue
        if pixels is not None:
            assert area == pixels.bit_count(), (name, text)
        else:  # (a large image: where the engine proves a product, the per-axis sets say the area)
            assert area <= product and (not flat or area == product), (name, text)
        if sizes[1] == 1 or pixels is None:
            if not flat:
                continue  # (counted on 2-D sets, of the unbounded plane where w has one position: not made here)
            if sizes[1] == 1:  # no next feature: the plane's continuation, cut to the image, says the overlap
                inside[1], next_w = ({i for i in brute.dep(name, 1, o) if 0 <= i < net.blobs["data"][0][1]}
                                     for o in (0, 1))
            overlap = len(inside[1] & next_w) / len(inside[1]) if inside[1] else 0.0
        else:
            overlap = (pixels & plane.dep(name, cy, cx + 1)).bit_count() / pixels.bit_count() if pixels else 0.0
        assert out["scale"]["overlap"] == pytest.approx(overlap, abs=1e-6), (name, text)


@pytest.mark.parametrize("seed", range(120))
def test_random_net_fields_match_brute_force(seed):
    net = Net(seed)
    check(net, net.build(steps=7), seed)


@pytest.mark.parametrize("seed", range(1000, 1016))
def test_random_large_net_fields_match_brute_force(seed):
    """Maps of 150 to 500 positions, where a table per position would be slow: long message
    passes, deconvolutions and interpolations up to a few thousand positions."""
    net = Net(seed, size=(150, 500))
    check(net, net.build(steps=8), seed)


# Odd sizes as ICNet's 1025x2049 (2^k + 1 by 2^(k+1) + 1), scaled down, and a few others.
SHAPES = [(17, 33), (33, 65), (25, 49), (21, 41), (19, 37), (33, 33)]


@pytest.mark.parametrize("seed", range(2000, 2060))
def test_random_multiresolution_net_fields_match_brute_force(seed):
    """Branches at two and three resolutions (shrinking Interps, strided convolutions and poolings down;
    Interp by zoom_factor or to height and width, and cropped Deconvolutions up), joined by sums and
    concatenations, PSPNet's pyramid pooling, around the single-resolution operations above."""
    net = Net(seed, shape=SHAPES[seed % len(SHAPES)])
    check(net, net.build_multiresolution(steps=6), seed)


def _far_pad(net):
    """Reads 70 positions beyond the ends of a field that reaches pixel 0 from position -1: more than the
    64 the real walk checks one by one, so the field is cut (emptied beyond the ends) before it is read."""
    c = net.conv("data", [(3, 1, 1, 1)] * 2)
    net.conv(net.conv(c, [(3, 1, 70, 1), (3, 1, 1, 1)]), [(3, 1, 1, 1)] * 2)


def _dilated_far(net):
    """A dilation-40 window over 100 positions: 80 of its top positions read beyond an end, more than the
    64 whose taps the real walk compares, so it cuts instead."""
    c = net.conv("data", [(3, 1, 1, 1)] * 2)
    net.conv(net.conv(c, [(1, 1, 0, 40), (3, 1, 40, 40)]), [(3, 1, 1, 1)] * 2)


def _holey_end(net):
    """A stride-1 pooling reads one position beyond each end of a dilated field whose end set has a hole
    ({0, 3} in the image): whether what lies beyond is within the end is asked of a set of two intervals,
    and it is not ({2} at position -1), so the pooling reads the field clamped to its ends."""
    net._pool(net.conv("data", [(3, 1, 3, 3)] * 2), [(3, 1, 1)] * 2)


def _global_on_a_lattice(net):
    """Global pooling after a shrinking Interp, which reads every other pixel: the pooling is global by
    the net's structure, but its set (a lattice of step 2, no closed form) holds only the even pixels,
    so the per-position check says it does not see the whole image."""
    net.global_pool(net.conv(net.resize("data", shrink=2), [(3, 1, 1, 1)] * 2))


@pytest.mark.parametrize("build, shape", [(_far_pad, (20, 30)), (_dilated_far, (20, 100)), (_holey_end, (20, 30)),
                                          (_global_on_a_lattice, (17, 33))])
def test_real_walk_fall_backs_match_brute_force(build, shape):
    """Small nets aimed at the real walk's rarer paths (the random nets reach them seldom or never): a
    field cut before it is read, a dilated window checked position by position at its ends, an end set
    with holes, whether a lattice's sets cover the image. (A union of parts cut to the image part by part,
    `runs.within`, is reached by random multi-resolution nets 2030, 2036 and 2056.)"""
    net = Net(0, shape=shape)
    build(net)
    check(net, "\n".join(net.lines) + "\n", build.__name__)


def test_icnet_shaped_net_stays_small():
    """ICNet at its real size (the benchmark's net: 1025x2049, branches at full, half and quarter
    resolution joined by Interps and sums, PSPNet's pyramid at 1/32). Where a set of every other pixel
    was a thousand intervals and the pyramid's differently moving branches were united, analyze did not
    finish in ten minutes; now every field is a few parts of a few runs, some 1,500 intervals in all.
    (The alarm only ends a run that would not finish.)"""
    def give_up(*_):
        raise TimeoutError("analyze of the ICNet-shaped net took over 60 s")

    old = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(60)
    try:
        analysis = Analysis(read_text(icnet(), "icnet.prototxt"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    sizes = [kept(f) for t in analysis.traced if t is not None for _, f in t.axes.values()]
    assert len(sizes) > 300 and sum(sizes) < 5000 and max(sizes) < 200, (sum(sizes), max(sizes))
    final = report(analysis)["layers"][-1]["outputs"][0]
    assert final["shape"] == [1, 19, 1025, 2049] and final["rf"]["jump"] == [1, 1]


def test_ends_hold_only_where_the_sets_beyond_each_end_lie_within_it_in_the_image():
    """fields._ends_hold, the closed form the real walk asks of a one-interval affine part before looking at
    the positions beyond a map's ends one by one: wherever it says they hold, every set beyond the start
    (the end), cut to the image, lies within position 0's (n - 1's), by brute force over small cases."""
    from scnn_tools.engine.fields import _ends_hold

    def cut(p, q, low, high):
        return set(range(max(p, low), min(q, high) + 1))

    said = 0
    for p in range(-4, 5):
        for q in range(p, p + 5):
            for j in range(3):
                for n, lo, hi in ((1, -2, 1), (4, -1, 4), (4, 0, 5), (5, -3, 3), (6, 0, 5)):
                    for low, high in ((0, 3), (-2, 6), (2, 9)):
                        if not _ends_hold(p, q, j, n, lo, hi, low, high):
                            continue
                        said += 1
                        first, final = cut(p, q, low, high), cut(p + j * (n - 1), q + j * (n - 1), low, high)
                        assert all(cut(p + j * o, q + j * o, low, high) <= first for o in range(lo, 0))
                        assert all(cut(p + j * o, q + j * o, low, high) <= final for o in range(n, hi + 1))
    assert said > 1000


def test_widest_cut_box_is_the_widest_over_every_position():
    """fields._clipped finds the widest box [a0 + a1*q, b0 + b1*q] cut to low..high, on a lattice of step g,
    from a few q's (the ends and where an edge meets the image's); here against every q of the stretch."""
    from scnn_tools.engine.fields import _clipped
    rng = random.Random(23)
    for _ in range(20000):
        a0, b0 = rng.randint(-40, 40), rng.randint(-40, 40)
        a1, b1, g = rng.randint(-3, 3), rng.randint(-3, 3), rng.randint(1, 3)
        qa = rng.randint(-10, 10)
        qb, low = qa + rng.randint(0, 15), rng.randint(-20, 5)
        high = low + rng.randint(0, 40)
        widest = max(max(0, g * (min(b0 + b1 * q, high) - max(a0 + a1 * q, low)) + 1) for q in range(qa, qb + 1))
        assert _clipped(a0, a1, b0, b1, qa, qb, low, high, g) == widest, (a0, a1, b0, b1, qa, qb, low, high, g)


def test_clip_and_union_are_those_of_the_sets_of_indices():
    """intervals.clip and union on sets of every kind a field has, small and large (a lattice's points over a
    large image, where clip bisects and union may find nothing to merge), against Python's sets of indices:
    the same indices, as sorted disjoint intervals with no two touching."""
    from scnn_tools.net.intervals import union

    def indices(s):
        return {i for a, b in s for i in range(a, b + 1)}

    def canonical(s):
        return all(a <= b for a, b in s) and all(x[0] > y[1] + 1 for x, y in zip(s[1:], s))

    def random_set(rng):
        n, start, out = rng.choice((0, 1, 3, 15, 16, 17, 40, 200)), rng.randint(-60, 30), []
        step = rng.choice((2, 3, 5))
        for _ in range(n):
            width = 0 if rng.random() < 0.7 else rng.randint(1, 4)  # (mostly points, as a lattice's)
            out.append((start, start + width))
            start += width + rng.randint(step, step + 3)
        return tuple(out)

    rng = random.Random(31)
    for _ in range(3000):
        s = random_set(rng)
        assert canonical(s)
        lo = rng.randint(-80, 200)
        hi = lo + rng.randint(-2, 300)
        got = clip(s, lo, hi)
        assert indices(got) == {i for i in indices(s) if lo <= i <= hi} and canonical(got), (s, lo, hi)
        sets = [random_set(rng) for _ in range(rng.randint(0, 3))]
        got = union(sets)
        assert indices(got) == set().union(*map(indices, sets)) and canonical(got), sets

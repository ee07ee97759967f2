"""The SCNN block: a spec (height, width, channels, kernel width, bottom, prefix) → prototxt text.

The text comes from templates/scnn.prototxt.j2 and is checked before anyone
sees it. Reading a large block back through a text parser would cost more
than writing it (a 1000x1000 block is 2.7 MB), so the check is in two parts:
the same template with the same arguments, on a map cut down to at most 4x4
(which takes every branch of the template: first, middle and last rows and
columns, and the 1-row and 1-column cases), is read back by the reader and
its shapes inferred (they flow, the output has the input's shape, no
warnings); and the full text is checked, every time, for what only its size
could break (its layer count, balanced braces, nothing left of the template).

The read-back's verdict depends only on the cut-down text and on the code
that judges it, so a passed verdict is remembered under a hash of both
(cache.py): the reader, protobuf and the engine are loaded only for text not
judged before.
"""

import os
import re
from math import sqrt

from scnn_tools.errors import InputError, option
from scnn_tools.output import count, size

LIMITS = {"height": 4096, "width": 4096, "channel": 65536, "kernel_width": 255}
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:+-]*\Z")
TEMPLATE = "scnn.prototxt.j2"


AXES = {"D": (2, True), "U": (2, False), "R": (3, True), "L": (3, False)}  # direction: (axis, forward)
INITS = ("caffe", "torch")
ACTIVATIONS = {"relu": "ReLU", "tanh": "TanH"}


class Spec:
    def __init__(self, height, width, channel, kernel_width=9, bottom="conv5_4", prefix="", directions="DURL",
                 init="caffe", bias=False, activation="relu"):
        # Messages name the options as scripts pass them (channels, as generate and lane take it).
        for name, value in (("height", height), ("width", width), ("channels", channel),
                            ("kernel_width", kernel_width)):
            limit = LIMITS[name.rstrip("s")]
            if not isinstance(value, int) or not 1 <= value <= limit:
                raise InputError(f"{option(name)} must be an integer from 1 to {limit} (got {value})")
        if kernel_width % 2 == 0:
            raise InputError(f"{option('kernel_width')} must be odd, so that the padding (k-1)/2 keeps the map's "
                             f"size (got {kernel_width})")
        if not NAME.match(bottom):
            raise InputError(f"{option('bottom')} must be a blob name of letters, digits and _ . / : + - "
                             f"(got {bottom!r})")
        if prefix and not NAME.match(prefix):
            raise InputError(f"{option('prefix')} must be letters, digits and _ . / : + - (got {prefix!r})")
        if not directions or set(directions) - set(AXES) or len(set(directions)) != len(directions):
            raise InputError(f"{option('directions')} must be some of D, U, R, L, each at most once, in the order "
                             f"the messages pass (got {directions!r}; the original's is DURL)")
        if init not in INITS:
            raise InputError(f"{option('init')} must be caffe or torch (got {init!r})")
        if activation not in ACTIVATIONS:
            raise InputError(f"{option('activation')} must be relu or tanh (got {activation!r})")
        self.height, self.width, self.channel = height, width, channel
        self.kernel_width, self.bottom, self.prefix = kernel_width, bottom, prefix
        self.directions, self.init, self.bias, self.activation = directions, init, bias, activation

    def _variants(self):
        return dict(directions=self.directions, init=self.init, bias=self.bias, activation=self.activation)

    @property
    def top(self):
        return self.prefix + "SCNN"

    @property
    def std(self):
        """The message kernels' gaussian std, printed as the original prints it.

        The Caffe generator's sqrt(2 / (k C 5)); the original Torch SCNN's sqrt(2 / (k C C 5)).
        """
        fan = self.kernel_width * self.channel * (self.channel if self.init == "torch" else 1) * 5
        return "%.5f" % sqrt(2 / fan)

    def groups(self):
        """The passes, grouped where consecutive ones run along the same axis (one Slice and Concat each):
        [(axis, rows, "DU"), ...], leaving out axes of one row, which have no neighbours."""
        out = []
        for d in self.directions:
            axis = AXES[d][0]
            if (self.height if axis == 2 else self.width) == 1:
                continue
            if out and out[-1][0] == axis:
                out[-1] = (axis, out[-1][1], out[-1][2] + d)
            else:
                out.append((axis, self.height if axis == 2 else self.width, d))
        return out

    def layers(self):
        # Per group a Slice and a Concat; per pass 3 layers (message, activation, sum) per step.
        return sum(2 + 3 * (n - 1) * len(passes) for _, n, passes in self.groups()) or 1  # 1x1: the identity

    def activations(self):
        """Elements the block's layers write (in-place activations write none), per image."""
        c, h, w = self.channel, self.height, self.width
        n = 0
        for axis, rows, passes in self.groups():
            n += 2 * c * h * w + 2 * len(passes) * (rows - 1) * c * (h * w // rows)  # Slice, Concat; messages, sums
        return n or c * h * w

    def params(self):
        passes = sum(len(p) for _, _, p in self.groups())
        return passes * self.channel * (self.kernel_width * self.channel + self.bias)

    def reduced(self):
        return Spec(min(self.height, 4), min(self.width, 4), self.channel, self.kernel_width, self.bottom,
                    self.prefix, **self._variants())

    def text(self):
        """The block: the template's pieces (rendered once, cached) repeated along the plan."""
        pieces = _pieces(self)
        out = []
        for g in self._plan():
            out.append(pieces["slice_open"] % {"name": f"Slice{g['index']}", "bottom": g["bottom"]})
            tops = [f"{self.prefix}slice{g['index']}_{i}" for i in range(1, g["n"] + 1)]
            out.extend(pieces["top"] % {"name": t} for t in tops)
            out.append(pieces["slice_param"] % {"axis": g["axis"]})
            out.extend(pieces["slice_point"] % {"i": i} for i in range(1, g["n"]))
            out.append(pieces["slice_close"])
            for d, one in zip(g["directions"], g["passes"]):
                step = pieces["step:" + d]
                out.extend(step % {"name": n, "source": src, "row": row, "top": top} for n, src, row, top in one["steps"])
            out.append(pieces["concat_open"] % {"name": f"Concat{g['index']}"})
            out.extend(pieces["bottom"] % {"name": b} for b in g["rows"])
            out.append(pieces["concat_close"] % {"top": g["top"], "axis": g["axis"]})
        if not out:
            out.append(pieces["identity"] % {"bottom": self.bottom})
        return "".join(out)

    def _plan(self):
        """What the template writes, name by name: per group its slice, passes and concat."""
        p, plan, current = self.prefix, [], self.bottom
        groups = self.groups()
        for g, (axis, n, passes) in enumerate(groups, 1):
            rows = [f"{p}slice{g}_{i}" for i in range(1, n + 1)]
            steps = []
            for d in passes:
                name = f"{p}SCNN_{d}"
                forward = AXES[d][1]
                order = range(1, n) if forward else range(n, 1, -1)
                new = list(rows)
                one = []
                for i in order:
                    j = i + 1 if forward else i - 1  # the row the message goes to
                    one.append((f"{name}_{i}", new[i - 1], rows[j - 1], f"{name}_{j}"))
                    new[j - 1] = f"{name}_{j}"
                steps.append({"weights": f"{p}SCNN_{d}_w", "biases": f"{p}SCNN_{d}_b", "steps": one})
                rows = new
            top = f"{p}SCNN" if g == len(groups) else f"{p}SCNN_{passes[-1]}"
            plan.append({"index": g, "axis": axis, "n": n, "bottom": current, "passes": steps, "rows": rows,
                         "directions": passes,
                         "top": top, "kernel": (1, self.kernel_width) if axis == 2 else (self.kernel_width, 1)})
            current = top
        return plan

    def summary(self):
        return (f"SCNN block for a {self.channel}x{self.height}x{self.width} map: {count(self.layers(), 'layer')}, "
                f"'{self.bottom}' -> '{self.top}'; {count(self.params(), 'shared weight')}; activations "
                f"{size(self.activations() * 4)} at float32 per image "
                "(about twice that when training, with the gradients)")

    def warnings(self, channels="channels"):
        """What a user should know before training: a block whose memory alone fills a card.

        `channels`: the option that sets the block's channels (splice's is reduce_to)."""
        activations, weights = self.activations() * 4, self.params() * 4
        if activations <= MEMORY_WARNING and weights <= WEIGHTS_WARNING:
            return []
        what = f"{size(activations)} of activations per image (twice that when training) and {size(weights)} of " \
               "weights at float32"
        if self.channel > 128:
            smaller = Spec(self.height, self.width, 128, self.kernel_width, self.bottom, self.prefix,
                           **self._variants())
            hint = (f"with {option(channels, '128', '128')}: {size(smaller.activations() * 4)} and "
                    f"{size(smaller.params() * 4)}")
        else:
            hint = "a smaller map (pooled first) would fit a card more easily"
        return [f"the block alone needs {what}; {hint}"]


MEMORY_WARNING = 2 * 2 ** 30   # bytes of activations per image at float32
WEIGHTS_WARNING = 256 * 2 ** 20


def _pieces(spec):
    """The template's macros rendered once with placeholders, as %-format strings (cache.py keeps them).

    Warm runs then need no Jinja2 at all (importing it costs more than writing a 1000 x 1000 block).
    """
    from . import cache
    from .render import template_dir
    variables = dict(C=spec.channel, k=spec.kernel_width, pad=(spec.kernel_width - 1) // 2, std=spec.std,
                     p=spec.prefix, bias=spec.bias, act=spec.activation, act_type=ACTIVATIONS[spec.activation])
    with open(os.path.join(template_dir(), TEMPLATE), encoding="utf-8") as f:
        source = f.read()
    return cache.pieces(f"{source}\0{sorted(variables.items())}\0{spec.directions}",
                        lambda: _render_pieces(spec, variables))


def _render_pieces(spec, variables):
    from .render import environment
    module = environment().get_template(TEMPLATE).make_module(variables)
    slots = {"name", "bottom", "axis", "i", "top", "source", "row"}

    def piece(macro, *args):
        """The macro's text with each slot (a name in `slots`) left as %(name)s."""
        text = macro(*("\x01%s\x01" % a if a in slots else a for a in args)).replace("%", "%%")
        for a in args:
            if a in slots:
                text = text.replace("\x01%s\x01" % a, "%%(%s)s" % a)
        return str(text)

    pieces = {"slice_open": piece(module.slice_open, "name", "bottom"), "top": piece(module.top, "name"),
              "slice_param": piece(module.slice_param, "axis"), "slice_point": piece(module.slice_point, "i"),
              "slice_close": piece(module.slice_close), "concat_open": piece(module.concat_open, "name"),
              "bottom": piece(module.bottom, "name"), "concat_close": piece(module.concat_close, "top", "axis"),
              "identity": piece(module.identity, "bottom")}
    p = spec.prefix
    for d in spec.directions:
        axis = AXES[d][0]
        kernel = (1, spec.kernel_width) if axis == 2 else (spec.kernel_width, 1)
        pads = (0, variables["pad"]) if axis == 2 else (variables["pad"], 0)
        conv = piece(module.conv, "name", "source", p + f"SCNN_{d}_w", p + f"SCNN_{d}_b", *kernel, *pads)
        pieces["step:" + d] = conv + piece(module.sum, "name", "row", "top")
    return pieces


def generate(spec):
    """The block's text, checked. Raises InputError (or AssertionError on a fault of ours)."""
    from . import cache
    text = spec.text()
    check_invariants(spec, text)
    small = spec.reduced()
    small_text = text if small.height == spec.height and small.width == spec.width else small.text()
    verdict = cache.verdict(repr((small.channel, small.height, small.width, small.bottom, small.prefix,
                                  small._variants())), small_text)
    if verdict is None or not os.path.exists(verdict):
        check_by_reading(small, small_text)
        if verdict is not None:
            open(verdict, "w").close()
    return text


def check_invariants(spec, text):
    layers = text.count("\nlayer {") + text.startswith("layer {")
    assert layers == spec.layers(), f"the block has {layers} layers, expected {spec.layers()}"
    assert text.count("{") == text.count("}"), "the block's braces are unbalanced"
    assert "{{" not in text and "{%" not in text and "}}" not in text, "template syntax left in the block"


def check_by_reading(spec, text):
    from scnn_tools.net.graph import build
    from scnn_tools.netfile.reader import read_text
    from scnn_tools.engine.shapes import infer, unknown_warnings

    shape = [1, spec.channel, spec.height, spec.width]
    graph = build(read_text(text, "<generated SCNN block>"), free_inputs=[spec.bottom])
    shapes = infer(graph, named={spec.bottom: shape}, require_image=True)
    warnings = graph.warnings + unknown_warnings(graph, shapes)
    assert not warnings, f"the block reads back with warnings: {warnings}"
    assert len(graph.nodes) == spec.layers()
    out = graph.blob(spec.top)
    assert out is not None and shapes.blobs[out.id] == shape, \
        f"the block's output {spec.top} does not have the input's shape {shape}"

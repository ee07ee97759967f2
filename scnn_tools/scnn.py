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
that judges it, so a passed verdict is remembered under a hash of both (in
the user's cache directory, as Jinja2 remembers compiled templates): the
reader, protobuf and the engine are loaded only for text not judged before.
"""

import hashlib
import os
import re
from math import sqrt

from .errors import InputError

LIMITS = {"height": 4096, "width": 4096, "channel": 65536, "kernel_width": 255}
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./:+-]*\Z")
TEMPLATE = "scnn.prototxt.j2"


class Spec:
    def __init__(self, height, width, channel, kernel_width=9, bottom="conv5_4", prefix="", flags=None):
        """`flags`: how the user spelled a flag where it differs (--kernel-width or --kernel_width)."""
        flags = dict({f: "--" + f for f in LIMITS}, **(flags or {}))
        for flag, value in (("height", height), ("width", width), ("channel", channel),
                            ("kernel_width", kernel_width)):
            if not isinstance(value, int) or not 1 <= value <= LIMITS[flag]:
                raise InputError(f"{flags[flag]} must be an integer from 1 to {LIMITS[flag]} (got {value})")
        if kernel_width % 2 == 0:
            raise InputError(f"{flags['kernel_width']} must be odd, so that the padding (k-1)/2 keeps the map's "
                             f"size (got {kernel_width})")
        if not NAME.match(bottom):
            raise InputError(f"--bottom must be a blob name of letters, digits and _ . / : + - (got {bottom!r})")
        if prefix and not NAME.match(prefix):
            raise InputError(f"--prefix must be letters, digits and _ . / : + - (got {prefix!r})")
        self.height, self.width, self.channel = height, width, channel
        self.kernel_width, self.bottom, self.prefix = kernel_width, bottom, prefix

    @property
    def top(self):
        return self.prefix + "SCNN"

    @property
    def std(self):
        """The message kernels' gaussian std, printed as the original prints it."""
        return "%.5f" % sqrt(2 / (self.kernel_width * self.channel * 5))

    def layers(self):
        h, w = self.height, self.width
        vertical = 6 * h - 4 if h > 1 else 0     # Slice1, 3 layers per row each way, Concat1
        horizontal = 6 * w - 4 if w > 1 else 0
        return vertical + horizontal or 1        # a 1x1 map: one identity layer

    def activations(self):
        """Elements the block's layers write (in-place ReLUs write none), per image."""
        c, h, w = self.channel, self.height, self.width
        n = 0
        if h > 1:
            n += 2 * c * h * w + 4 * (h - 1) * c * w  # Slice1 and Concat1; messages and sums
        if w > 1:
            n += 2 * c * h * w + 4 * (w - 1) * c * h
        return n or c * h * w

    def params(self):
        kernels = 2 * (self.height > 1) + 2 * (self.width > 1)
        return kernels * self.kernel_width * self.channel * self.channel

    def reduced(self):
        return Spec(min(self.height, 4), min(self.width, 4), self.channel, self.kernel_width, self.bottom,
                    self.prefix)

    def text(self):
        from .render import render
        return render(TEMPLATE, H=self.height, W=self.width, C=self.channel, k=self.kernel_width,
                      pad=(self.kernel_width - 1) // 2, std=self.std, bottom=self.bottom, p=self.prefix)

    def summary(self):
        return (f"SCNN block for a {self.channel}x{self.height}x{self.width} map: {count(self.layers(), 'layer')}, "
                f"'{self.bottom}' -> '{self.top}'; {count(self.params(), 'shared weight')}; activations "
                f"{size(self.activations() * 4)} at float32 per image "
                "(about twice that when training, with the gradients)")

    def warnings(self, channels_flag="--channel"):
        """What a user should know before training: a block whose memory alone fills a card."""
        activations, weights = self.activations() * 4, self.params() * 4
        if activations <= MEMORY_WARNING and weights <= WEIGHTS_WARNING:
            return []
        what = f"{size(activations)} of activations per image (twice that when training) and {size(weights)} of " \
               "weights at float32"
        if self.channel > 128:
            smaller = Spec(self.height, self.width, 128, self.kernel_width, self.bottom, self.prefix)
            hint = f"with {channels_flag} 128: {size(smaller.activations() * 4)} and {size(smaller.params() * 4)}"
        else:
            hint = "a smaller map (pooled first) would fit a card more easily"
        return [f"the block alone needs {what}; {hint}"]


MEMORY_WARNING = 2 * 2 ** 30   # bytes of activations per image at float32
WEIGHTS_WARNING = 256 * 2 ** 20


def size(n_bytes):
    """Bytes as a person reads them: 412 B, 3.5 KiB, 12.2 MiB, 5.7 GiB."""
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes} B"


def count(n, what):
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def generate(spec):
    """The block's text, checked. Raises InputError (or AssertionError on a fault of ours)."""
    text = spec.text()
    check_invariants(spec, text)
    small = spec.reduced()
    small_text = text if small.height == spec.height and small.width == spec.width else small.text()
    verdict = _verdict_path(small, small_text)
    if verdict is None or not os.path.exists(verdict):
        check_by_reading(small, small_text)
        if verdict is not None:
            open(verdict, "w").close()
    return text


def _verdict_path(spec, text):
    from .render import cache_dir
    directory = cache_dir("checked")
    if directory is None:
        return None
    key = hashlib.sha256()
    key.update(repr((spec.channel, spec.height, spec.width, spec.bottom, spec.prefix)).encode())
    key.update(text.encode())
    key.update(_code_fingerprint())
    return os.path.join(directory, key.hexdigest())


def _code_fingerprint():
    """What identifies the checking code: every module of the package, by size and time of change."""
    package = os.path.dirname(os.path.abspath(__file__))
    stamp = []
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                stamp.append(f"{os.path.relpath(os.path.join(folder, name), package)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(stamp).encode()


def check_invariants(spec, text):
    layers = text.count("\nlayer {") + text.startswith("layer {")
    assert layers == spec.layers(), f"the block has {layers} layers, expected {spec.layers()}"
    assert text.count("{") == text.count("}"), "the block's braces are unbalanced"
    assert "{{" not in text and "{%" not in text and "}}" not in text, "template syntax left in the block"


def check_by_reading(spec, text):
    from .graph import build
    from .reader import read_text
    from .shapes import infer, unknown_warnings

    shape = [1, spec.channel, spec.height, spec.width]
    graph = build(read_text(text, "<generated SCNN block>"), free_inputs=[spec.bottom])
    shapes = infer(graph, named={spec.bottom: shape}, require_image=True)
    warnings = graph.warnings + unknown_warnings(graph, shapes)
    assert not warnings, f"the block reads back with warnings: {warnings}"
    assert len(graph.nodes) == spec.layers()
    out = graph.blob(spec.top)
    assert out is not None and shapes.blobs[out.id] == shape, \
        f"the block's output {spec.top} does not have the input's shape {shape}"

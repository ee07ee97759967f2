"""A plain stack of convolutions and poolings from a short spec, for scale studies.

    "20*conv3"                     twenty 3x3 convolutions, stride 1 (padding keeps the size)
    "4*conv3,pool2,4*conv3"        with a 2x2 stride-2 max pooling between
    "5*conv3d2", "5*conv3s2"       dilation 2; stride 2
    "conv7s2,pool3s2,3*conv1"      a ResNet-like stem, then 1x1 convolutions

An item is [N*]conv<k>[s<stride>][d<dilation>] or [N*]pool<k>[s<stride>] (a
pooling's stride defaults to its kernel). Convolutions are padded by
dilation*(k-1)/2 ("same" for odd k), as the spatial-scale study assumes.
"""

import re

from scnn_tools.errors import InputError, option

ITEM = re.compile(r"(?:(\d+)\*)?(conv|pool)(\d+)(?:s(\d+))?(?:d(\d+))?\Z")
MAX_LAYERS = 1000


def _shown(raw):
    item = raw.strip()
    return item if len(item) <= 40 else item[:20] + "..." + item[-12:]


def _number(digits):
    """The number, or one far out of range where there are too many digits to be one we take."""
    return int(digits) if len(digits) <= 9 else 10 ** 9


def parse(spec):
    layers, count = [], {"conv": 0, "pool": 0}
    bottom = "data"
    for raw in spec.split(","):
        m = ITEM.match(raw.strip())
        if not m:
            raise InputError(f"bad stack item {_shown(raw)!r}: expected [N*]conv<k>[s<stride>][d<dilation>] "
                             "or [N*]pool<k>[s<stride>], e.g. 4*conv3, pool2, conv3d2, conv7s2")
        repeat, op, kernel, stride, dilation = m.groups()
        kernel = _number(kernel)
        stride = _number(stride) if stride else (kernel if op == "pool" else 1)
        dilation = _number(dilation) if dilation else 1
        if op == "pool" and dilation != 1:
            raise InputError(f"bad stack item {_shown(raw)!r}: a pooling has no dilation")
        if not 1 <= kernel <= 99 or not 1 <= stride <= 99 or not 1 <= dilation <= 99:
            raise InputError(f"bad stack item {_shown(raw)!r}: kernel, stride and dilation go from 1 to 99")
        times = 1 if not repeat else int(repeat) if len(repeat) <= 9 else None  # (counted before anything is built)
        if times is None or times < 1 or len(layers) + times > MAX_LAYERS:
            total = f"{len(layers) + times:,}" if times is not None else f"more than {MAX_LAYERS:,}"
            raise InputError(f"a stack has 1 to {MAX_LAYERS:,} layers: {_shown(raw)!r} would make {total}")
        for _ in range(times):
            count[op] += 1
            name = f"{op}{count[op]}"
            pad = dilation * (kernel - 1) // 2 if op == "conv" else 0
            layers.append({"op": op, "name": name, "bottom": bottom, "kernel": kernel, "stride": stride,
                           "dilation": dilation, "pad": pad})
            bottom = name
    if not layers:
        raise InputError(f"a stack has 1 to {MAX_LAYERS} layers (got none)")
    return layers


def stack(spec, size=512, name="stack"):
    from .render import read_back, render

    if not 1 <= size <= 8192:
        raise InputError(f"{option('size')} must be from 1 to 8192 (got {size})")
    text = render("stack.prototxt.j2", name=name, size=size, layers=parse(spec))
    read_back(text, "stack")  # the shapes must flow at this size: a clear error names the layer if not
    return text

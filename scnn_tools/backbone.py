"""A host net for SCNN: a PSPNet-style dilated ResNet with an SCNN-ready head, from a template.

Output stride 8 (stages 4 and 5 dilated), so a size of 8n + 1 gives an
(n + 1) x (n + 1) map at conv5_5 and an Interp with zoom 8 gives the size back:
361 gives 46 x 46, as in the original SCNN host.
"""

from .errors import InputError

UNITS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}


def backbone(depth=101, size=361, head=128, classes=19):
    if depth not in UNITS:
        raise InputError(f"--depth must be one of {', '.join(map(str, UNITS))} (got {depth})")
    if not 33 <= size <= 4097 or size % 8 != 1:
        raise InputError(f"--size must be 8n + 1 between 33 and 4097, so that the output stride 8 "
                         f"comes back exactly (got {size}; 361 and 473 are common)")
    for flag, value in (("head", head), ("classes", classes)):
        if not 1 <= value <= 65536:
            raise InputError(f"--{flag} must be from 1 to 65536 (got {value})")
    from .render import render
    text = render("backbone.prototxt.j2", size=size, units=UNITS[depth], head=head, classes=classes)
    _check(text, size, head, classes)
    return text


def _check(text, size, head, classes):
    from .analysis import Analysis
    from .reader import read_text

    analysis = Analysis(read_text(text, "<generated backbone>"))
    shapes = analysis.shapes.blobs
    feature = (size - 1) // 8 + 1
    assert not analysis.warnings, analysis.warnings
    assert shapes[analysis.graph.blob("conv5_5").id] == [1, head, feature, feature]
    assert shapes[analysis.graph.blob("conv6_interp").id] == [1, classes, size, size]

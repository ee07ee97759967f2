"""ResNets from templates: a host for SCNN, or the classifier as Caffe released it.

style "pspnet": a PSPNet-style dilated ResNet with an SCNN-ready head. Output
stride 8 (stages 4 and 5 dilated), so a size of 8n + 1 gives an (n + 1) x
(n + 1) map at conv5_5 and an Interp with zoom 8 gives the size back: 361
gives 46 x 46, as in the original SCNN host.

style "caffe": Kaiming He's Caffe ResNet-50/101/152 (stride in the first 1x1 of
a stage, BatchNorm + Scale, global average pooling, fc1000); at size 224 the
released deploy files, message for message.
"""

from scnn_tools.errors import InputError, option

UNITS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}


def default_size(style):
    """The input a style is made for: the original SCNN host's 361 (8n + 1), or ImageNet's 224."""
    return 224 if style == "caffe" else 361


def backbone(depth=101, size=None, head=None, classes=None, style="pspnet"):
    """size, head and classes: None for the style's own (pspnet: 361, 128 and 19; caffe: 224, no head,
    1000 classes)."""
    size = default_size(style) if size is None else size
    if depth not in UNITS:
        raise InputError(f"{option('depth')} must be one of {', '.join(map(str, UNITS))} (got {depth})")
    if style == "caffe":
        if head is not None:
            pspnet = option("style", "pspnet", '"pspnet"')
            raise InputError(f"{option('head')} sets the channels of conv5_5 in {pspnet}; a Caffe ResNet classifier "
                             "has no such layer")
        return _caffe(depth, size, 1000 if classes is None else classes)
    head, classes = 128 if head is None else head, 19 if classes is None else classes
    if style != "pspnet":
        raise InputError(f"{option('style')} must be pspnet or caffe (got {style!r})")
    if not 33 <= size <= 4097 or size % 8 != 1:
        raise InputError(f"{option('size')} must be 8n + 1 between 33 and 4097, so that the output stride 8 "
                         f"comes back exactly (got {size}; 361 and 473 are common)")
    for flag, value in (("head", head), ("classes", classes)):
        if not 1 <= value <= 65536:
            raise InputError(f"{option(flag)} must be from 1 to 65536 (got {value})")
    from .render import read_back, render
    text = render("backbone.prototxt.j2", size=size, units=UNITS[depth], head=head, classes=classes)
    feature = (size - 1) // 8 + 1
    read_back(text, "backbone", {"conv5_5": [1, head, feature, feature], "conv6_interp": [1, classes, size, size]})
    return text


def _caffe(depth, size, classes):
    if not 35 <= size <= 4096:
        raise InputError(f"{option('size')} must be from 35 to 4096 for a Caffe ResNet (got {size})")
    if not 1 <= classes <= 65536:
        raise InputError(f"{option('classes')} must be from 1 to 65536 (got {classes})")
    pool = (size - 1) // 2 + 1            # conv1: 7x7, stride 2, pad 3
    pool = -(-(pool - 3) // 2) + 1        # pool1: 3x3, stride 2, Caffe's ceil
    for _ in range(3):                    # the 1x1 stride-2 convolutions of stages 3 to 5
        pool = (pool - 1) // 2 + 1
    from .render import read_back, render
    text = render("resnet.prototxt.j2", depth=depth, size=size, units=UNITS[depth], pool=pool,
                  stem_bias=depth == 50, classes=classes, dilated=False, fillers=False)
    read_back(text, "ResNet", {"pool5": [1, 4 * 512, 1, 1]})  # the pooling above covers the last map
    return text

"""Blob shapes, exactly as Caffe computes them, walking the graph in order.

Inputs take the shapes their layers declare, overridden or completed by the
user (`--input-shape` for the image, `--input NAME=...` for any input or
Python layer top). Every other layer's shape rule lives with its type in
`layers/`; a type we do not know passes its first bottom's shape through.
A layer whose bottoms' shapes are unknown gets unknown tops, and says why.
"""

from . import layers
from .errors import InputError, warning


class Shapes:
    def __init__(self, blobs, image, unknown_from):
        self.blobs = blobs                # shape per blob id (list of ints/None), or None
        self.image = image                # the graph.Input the receptive fields refer to, or None
        self.unknown_from = unknown_from  # {blob id: why its shape is unknown}


def parse_shape(text, what="shape"):
    """'1,3,224,224' (or 1x3x224x224) → [1, 3, 224, 224]."""
    parts = text.replace("x", ",").split(",")
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"bad {what} {text!r}: expected integers such as 1,3,224,224") from None
    if not dims or any(d < 1 for d in dims):
        raise InputError(f"bad {what} {text!r}: every dimension must be a positive integer")
    return dims


def image_input(graph):
    """The input receptive fields refer to: the first one that is (or may be) an image."""
    for i in graph.inputs:
        if i.shape is None or len(i.shape) == 4:
            return i
    return graph.inputs[0] if graph.inputs else None


def infer(graph, image_shape=None, named=None, require_image=False):
    """Shapes of every blob. `named` maps blob names to shapes given by the user.

    With `require_image`, an image input whose shape is not fully known is an error.
    """
    named = dict(named or {})
    path = graph.netfile.source
    shapes = [None] * len(graph.blobs)
    unknown_from = {}
    image = image_input(graph)
    known_names = {b.name for b in graph.blobs}
    for name in named:
        if name not in known_names:
            raise InputError(f"--input names blob '{name}', which the net does not have")

    for i in graph.inputs:
        name = graph.blobs[i.blob].name
        shape = named.pop(name, None)
        if shape is None and i is image and image_shape is not None:
            shape = image_shape
        shapes[i.blob] = shape if shape is not None else i.shape
        if shapes[i.blob] is None or None in shapes[i.blob]:
            unknown_from[i.blob] = (f"the shape of input '{name}' is not declared ({i.note})" if i.note
                                    else f"the shape of input '{name}' is not declared")

    if require_image and image is not None:
        shape = shapes[image.blob]
        if shape is None or None in shape:
            name = graph.blobs[image.blob].name
            why = f" ({image.note})" if image.note else ""
            raise InputError(f"the shape of input '{name}' is not fully declared{why}: "
                             f"give it with --input-shape N,C,H,W or --input {name}=N,C,H,W", path)

    for node in graph.nodes:
        if graph.is_source_node(node):
            for t in node.tops:  # declared shapes were set with the inputs
                if graph.blobs[t].name in named:
                    shapes[t] = named.pop(graph.blobs[t].name)
                    unknown_from.pop(t, None)
            continue
        bottoms = [shapes[b] for b in node.bottoms]
        missing = [b for b, shape in zip(node.bottoms, bottoms) if shape is None or None in shape]
        if missing:
            why = unknown_from.get(missing[0]) or f"the shape of '{graph.blobs[missing[0]].name}' is unknown"
            for t in node.tops:
                unknown_from[t] = why
            _supplied(node, graph, shapes, named)
            continue
        kind = node.kind
        ctx = layers.Ctx(node, bottoms, path)
        if kind is None:
            tops = layers.same_shape(ctx) if bottoms else [None] * ctx.ntops
        else:
            tops = kind.shape(ctx)
        if len(tops) != len(node.tops):
            ctx.fail(f"has {len(node.tops)} top(s), but its type makes {len(tops)}")
        for t, shape in zip(node.tops, tops):
            shapes[t] = shape
        _supplied(node, graph, shapes, named)
    if named:
        name = next(iter(named))
        raise InputError(f"--input {name}=...: blob '{name}' is neither an input nor the top of a Python layer")
    return Shapes(shapes, image, unknown_from)


def _supplied(node, graph, shapes, named):
    """User-given shapes for the tops of Python layers, whose code decides them."""
    if node.type != "Python":
        return
    for t in node.tops:
        given = named.pop(graph.blobs[t].name, None)
        if given is not None:
            shapes[t] = given


def unknown_warnings(graph, shapes):
    """One warning per cause of unknown shapes."""
    out, seen = [], set()
    for blob_id, why in shapes.unknown_from.items():
        if why in seen:
            continue
        seen.add(why)
        producer = graph.blobs[blob_id].producer
        out.append(warning("unknown-shape", why + "; give it with --input NAME=N,C,H,W",
                           graph.nodes[producer].name if producer is not None else None))
    return out

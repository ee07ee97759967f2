"""Blob shapes, exactly as Caffe computes them, walking the graph in order.

Inputs take the shapes their layers declare, overridden or completed by the
user (`--input-shape` for the image, `--input NAME=...` for any input or
Python layer top; a pixel-wise label follows the image it labels). Every
other layer's shape rule lives with its type in `layers/`; a type we do not
know has unknown tops, unless its parameters say which type it computes.
A layer whose bottoms' shapes are unknown gets unknown tops, and says why.

Where only counts are unknown (how many regions a proposal layer keeps), the
rest is known: a blob whose first axis is such a count is a `root`, and a
layer reading roots runs its rule at several counts (`Runs`), which gives
its tops' shapes but for the count, and, as a linear function of the
counts, the first axis of its tops and anything else the runs measure
(parameters, multiply-adds, elements).
"""

import re
from collections import namedtuple

from scnn_tools.errors import InputError, input_option, option, warning
from scnn_tools.net.layers import registry

from . import forks

# Caffe's Blob::Reshape refuses a blob of more elements than a C int counts.
INT_MAX = 2 ** 31 - 1


# A first axis as counts: const + sum(coefs[root] * the count of root), root the blob ids whose first axis
# is a count nobody knows before the net runs.
Count = namedtuple("Count", "const coefs")


class Runs:
    """A layer's rule run at several counts of its roots: all 1, each root at 2 (the others at 1), all 3.

    `linear` reads a quantity measured on each run as const + per root
    coefficient; the third point checks that it is linear.
    """

    def __init__(self, roots, contexts):
        self.roots = roots        # root blob ids, in the order of the runs after the first
        self.contexts = contexts  # one registry.Ctx per run, tops included

    def linear(self, measure):
        """Count(const, {root: coefficient}) of measure(ctx) over the runs; None where a value is unknown or
        the values are not linear in the counts."""
        values = [measure(ctx) for ctx in self.contexts]
        if None in values:
            return None
        base, *singles, three = values
        coefs = {r: v - base for r, v in zip(self.roots, singles)}
        const = base - sum(coefs.values())
        if const + 3 * sum(coefs.values()) != three:
            return None
        return Count(const, {r: c for r, c in coefs.items() if c})


class Shapes:
    def __init__(self, blobs, image, unknown_from, contexts, count_from=None, runs=None, bounds=None):
        self.blobs = blobs                # shape per blob id (list of ints/None), or None
        self.image = image                # the graph.Input the receptive fields refer to, or None
        self.unknown_from = unknown_from  # {blob id: (why its shape is unknown, the blob it starts at)}
        self.contexts = contexts          # {node index: the registry.Ctx its rules ran with}
        self.count_from = count_from or {}  # {blob id: its first axis as a Count of roots}
        self.runs = runs or {}            # {node index: Runs} for the layers that read roots
        self.bounds = bounds or {}        # {blob id: a shape of upper bounds for the axes its rule leaves None}

    def count(self, blob_id):
        return _count(blob_id, self.blobs, self.count_from)


def _count(blob_id, shapes, count_from):
    """A blob's first axis as a Count of roots: its own where it is one, None where it is no count."""
    if blob_id in count_from:
        return count_from[blob_id]
    shape = shapes[blob_id]
    if shape and shape[0] is None and None not in shape[1:]:
        return Count(0, {blob_id: 1})  # a root: a count nobody knows before the net runs
    return None


def parse_shape(text, what="shape"):
    """'1,3,224,224' (or 1x3x224x224) → [1, 3, 224, 224]."""
    parts = text.replace("x", ",").split(",")
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"bad {what} {text!r}: expected integers such as 1,3,224,224") from None
    if not dims or any(d < 1 for d in dims):
        raise InputError(f"bad {what} {text!r}: every dimension must be a positive integer")
    if registry.product(dims) > INT_MAX:
        raise InputError(f"bad {what} {text!r}: {registry.product(dims):,} elements, more than Caffe's limit "
                         f"of {INT_MAX:,} per blob")
    return dims


def image_input(graph):
    """The input receptive fields refer to: the first one that is (or may be) an image."""
    for i in graph.inputs:
        if i.shape is None or len(i.shape) == 4:
            return i
    return graph.inputs[0] if graph.inputs else None


def infer(graph, image_shape=None, named=None, require_image=False, batch=None):
    """Shapes of every blob. `named` maps blob names to shapes given by the user.

    With `require_image`, an image input whose shape is not fully known is an error.
    `batch` replaces the first axis of the image and of the other tops of its layer (its labels).
    Where forks give a type different arithmetic, the reading that runs the file is chosen (engine/forks.py).
    """
    return forks.read(graph, lambda: _infer(graph, image_shape, named, require_image, batch))


def _infer(graph, image_shape, named, require_image, batch):
    named = dict(named or {})
    path = graph.netfile.source
    shapes = [None] * len(graph.blobs)
    unknown_from, count_from, contexts, runs, bounds = {}, {}, {}, {}, {}
    image = image_input(graph)
    known_names = {b.name for b in graph.blobs}
    for name in named:
        if name not in known_names:
            raise InputError(f"{option('inputs')} names blob '{name}', which the net does not have")

    def given(blob_id):
        shape = named.pop(graph.blobs[blob_id].name, None)
        if shape is None and image is not None and blob_id == image.blob:
            shape = image_shape
        return shape

    def batched(shape):
        return [batch] + list(shape[1:]) if batch is not None and shape else shape

    for i in graph.inputs:
        if i.layer is None:  # a free input of a fragment
            shapes[i.blob] = given(i.blob)
            if image is not None and i.blob == image.blob:
                shapes[i.blob] = batched(shapes[i.blob])

    def check_image():
        if require_image:
            refuse_undeclared(graph, image, shapes[image.blob])

    if image is not None and image.layer is None:
        check_image()
    for node in graph.nodes:
        kind = node.kind
        if node.is_source:
            if not node.tops:
                raise InputError(f"layer '{node.name}' ({node.type}) has no top, and a layer that brings data in "
                                 "needs at least one (Caffe: MinTopBlobs)", path, node.line, layer=node.name)
            first = given(node.tops[0])
            if kind is not None and kind.is_source:
                tops = kind.declared(node.param, None, path, node.line)
                if first is not None:
                    if tops[0] is not None and len(first) != len(tops[0]):
                        raise InputError(f"input '{graph.blobs[node.tops[0]].name}' of layer '{node.name}' has "
                                         f"{len(tops[0])} axes {registry.fmt_shape(tops[0])}; the shape given "
                                         f"has {len(first)}", path, node.line)
                    tops = kind.declared(node.param, first, path, node.line)
            else:
                tops = [first] + [None] * (len(node.tops) - 1)
            for t, shape in zip(node.tops, tops):
                shapes[t] = given(t) or shape
                if image is not None and image.layer == node.index:
                    shapes[t] = batched(shapes[t])
            if image is not None and image.layer == node.index:
                check_image()
            continue
        bottoms = [shapes[b] for b in node.bottoms]
        needed = range(len(bottoms)) if kind is None or kind.needs is None else kind.needs
        missing = [i for i in needed if i < len(bottoms) and not _complete(bottoms[i])]
        counted = _per_count(node, bottoms, missing, shapes, count_from, path) if missing else None
        filled = _filled(node, bottoms, missing, path) if missing and counted is None else None
        if filled is not None:
            # Only some dimensions are unknown (an image size the file does not declare): the rule says
            # which top dimensions do not depend on them, and the costs that do not.
            ctx, tops = filled
            contexts[node.index] = ctx
            for t, shape in zip(node.tops, tops):
                shapes[t] = shape
        elif counted is not None:
            # Only counts are unknown (Faster R-CNN's regions): everything else is known, and so are the
            # parameters and the cost per region; what the counts decide stays None.
            runs[node.index] = counted
            ctx = contexts[node.index] = registry.Ctx(node, counted.contexts[0].bottoms, path)
            ctx.tops = [_but_counts([run.tops[i] for run in counted.contexts]) for i in range(len(node.tops))]
            for i, t in enumerate(node.tops):
                shapes[t] = ctx.tops[i]
                first = counted.linear(lambda run: run.tops[i][0] if run.tops[i] else None)
                if shapes[t] and shapes[t][0] is None and first is not None:
                    count_from[t] = first
        elif missing:
            why = _why(graph, shapes, unknown_from, node.bottoms[missing[0]], contexts)
            for t in node.tops:
                unknown_from[t] = why
        else:
            ctx = registry.Ctx(node, bottoms, path)
            try:
                ctx.tops = _run(node, ctx)
            except InputError as exc:
                if not node.read_as:
                    raise _blamed(graph, node, exc) from None
                # A reading by parameters that does not fit is no reading: the tops are unknown.
                why = f"layer '{node.name}' (type '{node.type}', read as a {node.read_as[1]}) does not fit that " \
                      f"reading: {exc.message.split(': ', 1)[-1]}"
                for t in node.tops:
                    unknown_from[t] = why, node.tops[0]
                ctx.tops = [None] * len(node.tops)
            else:
                contexts[node.index] = ctx
            for t, shape in zip(node.tops, ctx.tops):
                shapes[t] = shape
            if kind is not None and kind.at_most is not None:
                for t, bound in zip(node.tops, kind.at_most(ctx)):
                    if bound is not None:
                        bounds[t] = bound
        for t in node.tops:  # the user's word for a Python layer's tops, or an unknown type's
            if node.kind is None or node.kind.family == registry.PYTHON:
                shape = named.pop(graph.blobs[t].name, None)
                if shape is not None:
                    shapes[t] = shape
                    unknown_from.pop(t, None)
            _check_count(graph, node, t, shapes[t], path)
    if named:
        name = next(iter(named))
        raise InputError(f"{option('inputs', f'{name}=...', repr({name: ...}))}: blob '{name}' is neither an input "
                         "nor the top of a Python layer or of a type scnn-tools does not know")
    return Shapes(shapes, image, unknown_from, contexts, count_from, runs, bounds)


def undeclared(graph, image, shape):
    """Why the image's shape is not fully known, or None where it is."""
    if shape is not None and None not in shape:
        return None
    why = f" ({image.note})" if image.note else ""
    return f"the shape of input '{graph.blobs[image.blob].name}' is not fully declared{why}"


def refuse_undeclared(graph, image, shape):
    """An error naming the options that give the image's shape, where the file does not declare all of it."""
    why = undeclared(graph, image, shape)
    if why:
        options = f"{option('input_shape', 'N,C,H,W', '[N, C, H, W]')} or {input_option(graph.blobs[image.blob].name)}"
        raise InputError(f"{why}: give it with {options}", graph.netfile.source)


def _run(node, ctx):
    """The tops' shapes by the node's type rule."""
    kind = node.kind
    if kind is not None and len(ctx.bottoms) < kind.min_bottoms:
        ctx.fail(f"needs at least {kind.min_bottoms} bottom(s), has {len(ctx.bottoms)}")
    if kind is None:
        tops = [None] * ctx.ntops  # a type we do not know: its tops are unknown, never a guess
    else:
        if node.read_as and any(len(b) != 4 for b in ctx.bottoms):
            ctx.fail("reads a blob that is not N x C x H x W, where a fork's own axes may mean other things")
        tops = kind.shape(ctx)
    if len(tops) != len(node.tops):
        ctx.fail(f"has {len(node.tops)} top(s), but its type makes {len(tops)}")
    return tops


def _blamed(graph, node, exc):
    """`exc`, naming the layers upstream whose shapes scnn-tools did not compute by a rule it knows for their type
    (read by their parameters, or given by the user for a type it does not know), and those, the failing one
    among them, whose fields it skipped (a fork's field may be what the file needs): the likelier causes.
    The error is the one line a failed command prints, so the warnings that would say so are not seen."""
    skipped = {}
    for w in graph.warnings:
        if w["code"] == "unknown-field" and w["layer"] is not None:
            skipped.setdefault(w["layer"], []).append(re.search(r"unknown field '([^']*)'", w["message"])[1])
    suspects, seen, stack = [], set(), list(node.bottoms)
    while stack:
        blob_id = stack.pop()
        producer = graph.blobs[blob_id].producer
        if producer is None or producer in seen:
            continue
        seen.add(producer)
        up = graph.nodes[producer]
        if up.read_as or up.kind is None or up.name in skipped:
            suspects.append(up)
        stack.extend(up.bottoms)
    said = [f"layer '{node.name}' has fields scnn-tools does not know, skipped: {_listed(skipped[node.name])}"] \
        if node.name in skipped else []
    suspects.sort(key=lambda n: -n.index)
    said += [f"upstream, layer '{n.name}' ({n.type}) " + (
        f"was read as a {n.read_as[1]} by its {n.read_as[0]}" if n.read_as else
        "is of a type scnn-tools does not know, its tops' shapes as given" if n.kind is None else
        f"has fields scnn-tools does not know, skipped: {_listed(skipped[n.name])}") for n in suspects[:3]]
    if not said:
        return exc
    return InputError(f"{exc.message.raw}; " + "; ".join(said), exc.path, exc.line, exc.col, exc.layer)


def _listed(fields):
    return ", ".join(f"'{f}'" for f in dict.fromkeys(fields))


def _per_count(node, bottoms, missing, shapes, count_from, path):
    """Runs of the node's rule where the missing bottoms (indices) lack only their first axis, a count (or,
    for a bottom of which the rule reads only the count, everything); None where that does not hold."""
    counts = {}
    for i in missing:
        count = _count(node.bottoms[i], shapes, count_from)
        if count is None and bottoms[i] is None and node.kind is not None and i in node.kind.counts:
            count = Count(0, {node.bottoms[i]: 1})  # (ROIPooling reads only how many ROIs there are)
        if count is None:
            return None
        counts[i] = count
    roots = sorted({r for count in counts.values() for r in count.coefs})
    contexts = []
    for n in [dict.fromkeys(roots, 1)] + [{**dict.fromkeys(roots, 1), r: 2} for r in roots] + \
             [dict.fromkeys(roots, 3)]:
        filled = list(bottoms)
        for i, count in counts.items():
            first = count.const + sum(c * n[r] for r, c in count.coefs.items())
            filled[i] = [first] + list(bottoms[i][1:] if bottoms[i] else [])
        ctx = registry.Ctx(node, filled, path)
        ctx.stand_ins = {(i, 0) for i in counts}
        try:
            ctx.tops = _run(node, ctx)
        except InputError:
            return None  # (a count the rule refuses, such as 2 where it needs 1: leave the tops unknown)
        contexts.append(ctx)
    return Runs(roots, contexts)


def _but_counts(tops):
    """One top's shape over the runs: the axes that differ are the counts' or the unknown sizes' (None)."""
    if any(t is None or len(t) != len(tops[0]) for t in tops):
        return None
    return [d if all(t[a] == d for t in tops) else None for a, d in enumerate(tops[0])]


# What the rules run at in place of an unknown dimension: far apart, so that a top dimension that depends on
# it differs between them (a shape rule grows with its input, by at least one over its stride).
FILLS = (10007, 20011, 40009)


def _filled(node, bottoms, missing, path):
    """(context, tops) where the missing bottoms are known but for some dimensions: the rule runs with those
    dimensions at each of FILLS, and a top dimension that agrees across the runs does not depend on them; the
    others are None. The context keeps the runs (`fills`) for the costs. None where a run is refused."""
    if not all(bottoms[i] is not None for i in missing):
        return None
    runs = []
    for fill in FILLS:
        given = [[fill if d is None else d for d in s] if i in missing else s for i, s in enumerate(bottoms)]
        run = registry.Ctx(node, given, path)
        run.stand_ins = {(i, a) for i in missing for a, d in enumerate(bottoms[i]) if d is None}
        try:
            run.tops = _run(node, run)
        except InputError:
            return None
        runs.append(run)
    tops = [_but_counts(list(per_run)) for per_run in zip(*(run.tops for run in runs))]
    ctx = registry.Ctx(node, bottoms, path)
    ctx.tops, ctx.fills = tops, runs
    return ctx, tops


def _check_count(graph, node, blob_id, shape, path):
    n = 1
    for d in shape or ():
        if d is not None:
            n *= d
    if n > INT_MAX:
        raise InputError(f"layer '{node.name}' ({node.type}): blob '{graph.blobs[blob_id].name}' "
                         f"{registry.fmt_shape(shape)} has {n:,} elements, more than Caffe's limit of "
                         f"{INT_MAX:,} per blob (Blob::Reshape)", path, node.line, layer=node.name)


def _complete(shape):
    return shape is not None and None not in shape


def _why(graph, shapes, unknown_from, blob_id, contexts=None):
    """(why the shape of a blob is not fully known, the blob where that starts)."""
    if blob_id in unknown_from:
        return unknown_from[blob_id]
    blob = graph.blobs[blob_id]
    node = graph.nodes[blob.producer] if blob.producer is not None else None
    said = said_by_rules((contexts or {}).get(node.index)) if node is not None else []
    note = None if node is None else (f"layer '{node.name}' is of type '{node.type}', which scnn-tools does not know"
                                      if node.kind is None else "; ".join(said) or node.kind.note)
    what = "is not known before the net runs" if shapes[blob_id] is not None else "is unknown"
    return f"the shape of '{blob.name}' {what}" + (f" ({note})" if note else ""), blob_id


def said_by_rules(ctx):
    """Why a layer's rules left something unknown (registry.Ctx.unknown), in its runs at stand-in sizes too."""
    if ctx is None:
        return []
    said = dict(ctx.unknowns)
    for run in ctx.fills or ():
        said.update(run.unknowns)
    return list(said)


def rule_warnings(graph, shapes):
    """One warning per reason a layer's rules left a shape or a field unknown, naming the layer and saying why
    (call after the deps, which say theirs when asked); layers of the same type that say the same (a
    transformer's every window partition) are counted in the first one's warning. The layer where an unknown
    shape starts has its reasons said in that warning (unknown_warnings), not again."""
    told = {graph.blobs[root].producer: text for text, root in shapes.unknown_from.values()}
    said = {}
    for index, ctx in sorted(shapes.contexts.items()):
        runs = shapes.runs.get(index)
        node = graph.nodes[index]
        for run in [ctx, *(ctx.fills or ()), *(runs.contexts if runs is not None else ())]:
            for why, warn in run.unknowns.items():
                layers = said.setdefault((node.type, why), []) if warn and why not in told.get(index, "") else []
                if warn and node not in layers:
                    layers.append(node)
    out = []
    for (kind, why), (node, *more) in said.items():
        also = f" (so do {len(more)} more {kind} layers, the next '{more[0].name}')" if more else ""
        out.append(warning("unknown-by-rule", f"layer '{node.name}' ({kind}): {why}{also}", node.name, node.line))
    return out


def _hint(graph, shapes, blob_id):
    """--input NAME=... with the axes the blob has, the unknown ones as letters."""
    name, shape = graph.blobs[blob_id].name, shapes.blobs[blob_id]
    if shape is None:
        return f"--input {name}=N,C,H,W"
    if len(shape) == 2 and shape[0] is None:
        return f"--input {name}=R,{shape[1]} (R regions, for example {name}=300,{shape[1]})"
    letters = "NCHW" if len(shape) == 4 else "NCDHW"[:len(shape)] if len(shape) <= 5 else "N" * len(shape)
    return f"--input {name}=" + ",".join(letters[i] if d is None else str(d) for i, d in enumerate(shape))


def unknown_warnings(graph, shapes):
    """One warning per cause of unknown shapes or counts, naming the first layer it stops."""
    out, seen = [], set()
    image = shapes.image
    if image is not None and undeclared(graph, image, shapes.blobs[image.blob]):
        # (a warning's text is the same for a script and the command line: the flags, written out)
        out.append(warning("undeclared-input", f"{undeclared(graph, image, shapes.blobs[image.blob])}: what "
                           "depends on it is unknown (?); give it with --input-shape "
                           f"N,C,H,W or --input {graph.blobs[image.blob].name}=N,C,H,W"))
    for blob_id, (why, root) in shapes.unknown_from.items():
        if why in seen:
            continue
        seen.add(why)
        node = graph.nodes[graph.blobs[blob_id].producer]
        out.append(warning("unknown-shape", f"{why}, so layer '{node.name}' and what follows have no shape; "
                                            f"give it with {_hint(graph, shapes, root)}", node.name, node.line))
    for blob_id, count in shapes.count_from.items():
        for root in count.coefs:
            if root in seen:
                continue
            seen.add(root)
            why, _ = _why(graph, shapes.blobs, {}, root)
            node = graph.nodes[graph.blobs[blob_id].producer]
            out.append(warning("unknown-count", f"{why}: from layer '{node.name}' on, shapes and parameters are "
                                                "known but their first axis, a count; multiply-adds, activations "
                                                "and memory are given per item of it; give it with "
                                                f"{_hint(graph, shapes, root)}", node.name, node.line))
    return out

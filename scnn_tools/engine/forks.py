"""Which fork's arithmetic a file is read by, where forks give one layer type different arithmetic under the
same parameters (registry.alternative): ChenYingpeng/darknet2caffe's rewrite of BVLC's Pooling, the two
forks' Lstm.

A layer cannot say whose it is, but a file can: a Caffe runs a file only where every shape check passes, so
where the type's own rule fails (BVLC's Pooling in a darknet2caffe file), or leaves a top unknown because
the forks part (an Lstm on a 3-axis blob), the readings are tried, each for every layer of the type (one
Caffe runs the whole file). Exactly one that runs the file is that file's, with a warning naming it; several
leave the tops unknown, with a warning naming them and what each gives.
"""

from scnn_tools.errors import InputError, warning
from scnn_tools.net.layers import registry


def read(graph, run):
    """Shapes as run() computes them with the nodes' kinds, those of one fork's reading where the file says."""
    try:
        shapes = run()
    except InputError as exc:
        for type_name, found in registry.alternatives().items():
            nodes = _nodes(graph, type_name)
            for kind_name, source in found if nodes else ():
                shapes = _tried(nodes, kind_name, run)
                if not isinstance(shapes, InputError):
                    _adopt(nodes, kind_name)
                    changed, said = _changed(nodes, shapes, type_name)
                    _warn(graph, "fork-reading", changed or nodes, f"by its own rule this file fails ({exc.message}); "
                          f"it runs by {source}, and is read so: {said}")
                    return shapes
        raise
    for type_name, found in registry.alternatives().items():
        nodes = _nodes(graph, type_name)
        if nodes and any(_unsettled(shapes, n) for n in nodes):
            shapes = _settle(graph, run, shapes, nodes, found)
    return shapes


def _nodes(graph, type_name):
    base = registry.kind_named(type_name)
    return [n for n in graph.nodes if n.type == type_name and n.kind is base]


def _unsettled(shapes, node):
    """The rule ran on fully known bottoms and left a top (or part of one) unknown: where the forks part."""
    ctx = shapes.contexts.get(node.index)
    return ctx is not None and ctx.fills is None and all(b is not None and None not in b for b in ctx.bottoms) \
        and any(t is None or None in t for t in ctx.tops)


def _tried(nodes, kind_name, run):
    """Shapes with the nodes read by kind_name, or the error that reading meets; the nodes' kinds kept."""
    kinds = [n.kind for n in nodes]
    _adopt(nodes, kind_name)
    try:
        return run()
    except InputError as exc:
        return exc
    finally:
        for n, kind in zip(nodes, kinds):
            n.kind = kind


def _adopt(nodes, kind_name):
    for n in nodes:
        n.kind = registry.kind_named(kind_name)


def _settle(graph, run, shapes, nodes, found):
    tried = [(kind_name, source, _tried(nodes, kind_name, run)) for kind_name, source in found]
    runs = [(kind_name, source, got) for kind_name, source, got in tried if not isinstance(got, InputError)]
    failed = "; ".join(f"by {source} it fails ({got.message})" for _, source, got in tried
                       if isinstance(got, InputError))
    if len(runs) == 1:
        kind_name, source, got = runs[0]
        _adopt(nodes, kind_name)
        _warn(graph, "fork-reading", nodes, f"the forks part here ({failed}); it runs by {source}, and is read "
                                            f"so: {_tops(nodes, got)}")
        return got
    said = "; ".join(f"by {source}: {_tops(nodes, got)}" for _, source, got in runs)
    _warn(graph, "ambiguous-fork-type", nodes, f"the forks part here and the file does not say whose it is "
                                               f"({said or failed}): what they part on is unknown")
    return shapes


def _changed(nodes, shapes, type_name):
    """(the layers whose tops the reading changed, those tops each with its top by the type's own rule)."""
    base, changed, out = registry.kind_named(type_name), [], []
    for n in nodes:
        ctx = shapes.contexts.get(n.index)
        own = base.shape(ctx)[0] if ctx is not None and ctx.fills is None else None
        if own is not None and own != ctx.tops[0]:
            changed.append(n)
            out.append(f"'{n.name}' {registry.fmt_shape(ctx.tops[0])} (by its own rule {registry.fmt_shape(own)})")
    return changed, ", ".join(out)


def _tops(nodes, shapes):
    return ", ".join(f"'{n.name}' {registry.fmt_shape(shapes.blobs[n.tops[0]])}" for n in nodes[:3]) + \
        (f" and {len(nodes) - 3} more" if len(nodes) > 3 else "")


def _warn(graph, code, nodes, why):
    first = nodes[0]
    if any(w["code"] == code and w["layer"] == first.name for w in graph.warnings):
        return  # (a second inference on the same graph)
    graph.warnings.append(warning(code, f"{first.type} layer(s): {why}", first.name, first.line))

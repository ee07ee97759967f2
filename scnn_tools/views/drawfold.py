"""Folding a tall net's repeated blocks into one node each, as an SCNN block is folded.

A net's nodes in file order are a topological order. A node that no edge passes over (no edge from
before it to after it) cuts the net in two: everything after it reads only it and what follows. Between
two consecutive cuts lies one block (a residual block, a dense layer and its concat, an Inception module,
a lone layer in a chain). Consecutive blocks of two or more nodes and of the same structure (the same node
kinds, joined the same way: sizes may differ, as DenseNet's channels grow) fold into one node naming the
first and last block, how many there are and what each holds; a chain of single layers stays as it is. Nothing is folded in a net shorter than TALL nodes along its
longest path, whose picture a page holds as it is.
"""

TALL = 60


def longest_path(count, edges):
    depth = [1] * count
    for a, b in sorted(edges, key=lambda e: e[1]):
        depth[b] = max(depth[b], depth[a] + 1)
    return max(depth, default=0)


def fold_repeats(nodes, edges, make):
    """(nodes, edges) with each run of two or more alike blocks one node, made by `make(index, title,
    members)` from the run's nodes; nodes and edges unchanged where nothing folds."""
    if any(a >= b for a, b in edges) or longest_path(len(nodes), edges) <= TALL:
        return nodes, edges
    reach = [0] * len(nodes)  # the furthest node an edge from at or before i reaches
    for a, b in edges:
        reach[a] = max(reach[a], b)
    cuts, furthest = [], 0
    for i in range(len(nodes)):
        if furthest <= i:
            cuts.append(i)
        furthest = max(furthest, reach[i])
    blocks = [[0]] + [list(range(c + 1, d + 1)) for c, d in zip(cuts, cuts[1:])]  # (node 0 is always a cut)
    inside = {}
    for a, b in edges:
        inside.setdefault(b, []).append(a)
    shapes = [_shape(block, nodes, inside) for block in blocks]
    runs, k = [], 0
    while k < len(blocks):
        j = k
        while j + 1 < len(blocks) and shapes[j + 1] == shapes[k]:
            j += 1
        runs.append(blocks[k:j + 1])
        k = j + 1
    owner, folded = {}, []
    for run in runs:
        if len(run) == 1 or len(run[0]) == 1:  # a chain of single layers stays: its nodes are its blocks
            for i in (i for block in run for i in block):
                owner[i] = len(folded)
                folded.append(nodes[i])
            continue
        for block in run:
            for i in block:
                owner[i] = len(folded)
        first, last = nodes[run[0][-1]].layers[0], nodes[run[-1][-1]].layers[0]
        title = f"{first} \u2026 {last}: {len(run)} \u00d7 ({summary([kind(nodes[i]).split(' + ')[0] for i in run[0]])})"
        folded.append(make(len(folded), title, [nodes[i] for block in run for i in block]))
    if len(folded) == len(nodes):
        return nodes, edges
    for i, n in enumerate(folded):
        n.index = i
    return folded, sorted({(owner[a], owner[b]) for a, b in edges if owner[a] != owner[b]})


def _shape(block, nodes, inside):
    """What a block is, whatever its names and sizes: its nodes' kinds and, per node, where its inputs come
    from, counted back from it."""
    return tuple((kind(nodes[i]), tuple(sorted(i - a for a in inside.get(i, ())))) for i in block)


def kind(node):
    """A node's layer types without its name: 'Convolution + BN + ReLU'."""
    return node.title.split(": ", 1)[-1] if node.block is None else "SCNN block"


def summary(types):
    """What one block of a run holds, by its nodes' first types in order, repeats counted: '3 Convolution,
    Eltwise'."""
    parts = []
    for t in types:
        if parts and parts[-1][0] == t:
            parts[-1][1] += 1
        else:
            parts.append([t, 1])
    return ", ".join(t if n == 1 else f"{n} {t}" for t, n in parts)

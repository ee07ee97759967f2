"""Folding a tall net's repeated blocks into one node each, as an SCNN block is folded.

A net's nodes in file order are a topological order. A node that no edge passes over (no edge from
before it to after it) cuts the net in two: everything after it reads only it and what follows. Between
two consecutive cuts lies one block (a residual block, a dense layer and its concat, an Inception module,
a lone layer in a chain). A long skip (an edge over more than FAR nodes: the pooling masks ENet's decoder
reads, SSD's image size for its priors) is left out of that test, or no block would be found under it; it
stays an edge of whatever holds its ends, and a block it leaves or enters is alike only a block that does
too. Consecutive blocks of two or more nodes and of the same structure (the same node kinds, joined the
same way: sizes may differ, as DenseNet's channels grow) fold into one node naming the first and last
block, how many there are and what each holds; a chain of single layers stays as it is. Nothing is folded
in a net shorter than TALL nodes along its longest path: its picture is shown whole.
"""

TALL = 60
FAR = 24  # an edge over more nodes than this is a long skip (ENet's pooling masks, SSD's priors): it cuts no block


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
        if b - a <= FAR:
            reach[a] = max(reach[a], b)
    cuts, furthest = [], 0
    for i in range(len(nodes)):
        if furthest <= i:
            cuts.append(i)
        furthest = max(furthest, reach[i])
    blocks = [[0]] + [list(range(c + 1, d + 1)) for c, d in zip(cuts, cuts[1:])]  # (node 0 is always a cut)
    inside = {}  # each node's inputs, counted back from it; either end of a long skip as 'far' or 'to far'
    for a, b in edges:
        near = b - a <= FAR
        inside.setdefault(b, []).append(b - a if near else "far")
        if not near:
            inside.setdefault(a, []).append("to far")
    shapes = [_shape(block, nodes, inside) for block in blocks]
    owner, folded = {}, []
    for run in _runs(blocks, shapes):
        if len(run) == 1:
            for i in run[0]:
                owner[i] = len(folded)
                folded.append(nodes[i])
            continue
        for i in (i for unit in run for i in unit):
            owner[i] = len(folded)
        first, last = nodes[run[0][-1]].layers[0], nodes[run[-1][-1]].layers[0]
        holds = summary([kind(nodes[i]).split(" + ")[0] for i in run[0]])
        title = f"{first} \u2026 {last}: {len(run)} \u00d7 ({holds})"
        folded.append(make(len(folded), title, [nodes[i] for unit in run for i in unit]))
    if len(folded) == len(nodes):
        return nodes, edges
    for i, n in enumerate(folded):
        n.index = i
    return folded, sorted({(owner[a], owner[b]) for a, b in edges if owner[a] != owner[b]})


def _runs(blocks, shapes):
    """The blocks as runs of alike units, each run a list of units (lists of node indices); a unit is one
    block, or a block and the one or two lone nodes after it where they repeat together (ENet's bottleneck,
    then its PReLU: a node of its own, not in place). A unit of a single node repeats as a chain, which
    stays; a run never starts with a lone node where the unit after it would start a run of its own."""
    runs, k = [], 0
    while k < len(blocks):
        best = (1, 1)  # (repeats, period)
        for p in (1, 2, 3):
            r = 1
            while k + (r + 1) * p <= len(blocks) and shapes[k + r * p:k + (r + 1) * p] == shapes[k:k + p]:
                r += 1
            lone = all(len(b) == 1 for b in blocks[k + 1:k + p])  # what follows a unit's block: lone nodes
            if r >= 2 and r * p > best[0] * best[1] and lone and sum(len(b) for b in blocks[k:k + p]) > 1:
                best = (r, p)
        r, p = best
        if r == 1 or (p > 1 and len(blocks[k]) == 1):
            runs.append([blocks[k]])
            k += 1
            continue
        runs.append([[i for b in blocks[k + u * p:k + (u + 1) * p] for i in b] for u in range(r)])
        k += r * p
    return runs


def _shape(block, nodes, inside):
    """What a block is, whatever its names and sizes: its nodes' kinds and, per node, where its inputs come
    from, counted back from it."""
    return tuple((kind(nodes[i]), tuple(sorted(map(str, inside.get(i, ()))))) for i in block)


def kind(node):
    """A node's layer types without its name: 'Convolution + BN + ReLU'."""
    return node.title.rsplit(": ", 1)[-1] if node.block is None else "SCNN block"


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

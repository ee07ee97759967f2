"""`scnn-tools draw`: the layer graph as a picture (SVG, PNG, PDF) or a page to explore (HTML).

Nodes are layers with what the analysis says of their output (type, shape, receptive field, jump);
an in-place chain (BatchNorm, Scale, ReLU after a convolution) is folded into the layer it modifies,
each SCNN block into one node that names its size, and in a tall net each run of alike blocks into one
node (drawfold). Boxes are sized to their text and placed, and edges routed, by drawlayout; the HTML
page is drawpage's.
"""

import html
import re

from scnn_tools.errors import InputError
from scnn_tools.output import shape_text

from .drawfold import fold_repeats
from .drawlayout import FONT, Box, place
from .drawpage import page

BLOCK = re.compile(r"^(?P<prefix>.*?)(SCNN_[DURL]_\d+(/relu|/sum)?|Slice[12]|Concat[12])$")


class Node:
    def __init__(self, index, layers, title, lines, row, block=None, repeat=None):
        self.index, self.layers, self.title, self.lines, self.row, self.block = index, layers, title, lines, row, block
        self.repeat = repeat  # how many alike blocks a folded run holds
        self.x = self.y = 0.0
        self.box = None


def graph_of(analysis):
    """(nodes, edges): folded layer nodes, with the analysis' rows; edges as (from, to) node indices."""
    return _graph(analysis.graph, _rows(analysis), analysis.shapes.blobs)[:2]


def _rows(analysis):
    from scnn_tools.engine.analysis import report
    return {row["name"]: row for row in report(analysis)["layers"]}


def _folded(rows):
    """How drawfold makes the node of a run of alike blocks: what leaves it is its last layer's output."""
    def make(index, title, members):
        layers = [name for m in members for name in m.layers]
        n = Node(index, layers, title, [], rows.get(layers[-1]), repeat=len(members))
        _describe(n, n.row)
        n.lines = [f"{len(layers)} layers"] + n.lines
        return n
    return make


def _graph(graph, rows, blob_shapes):
    blocks = _blocks(graph)
    owner, nodes, block_node = {}, [], {}   # layer index -> node index; block prefix -> node index
    for node in graph.nodes:
        block = blocks.get(node.index)
        if block is not None and block in block_node:
            owner[node.index] = block_node[block]
            nodes[block_node[block]].layers.append(node.name)
            continue
        producer = graph.blobs[node.bottoms[0]].producer if node.bottoms else None
        if block is None and node.in_place and producer is not None:
            target = owner[producer]
            owner[node.index] = target
            nodes[target].layers.append(node.name)
            if nodes[target].block is None:
                nodes[target].title += f" + {node.type}"
            _describe(nodes[target], rows.get(node.name))
            continue
        owner[node.index] = len(nodes)
        if block is not None:
            block_node[block] = len(nodes)
            shape = blob_shapes[node.bottoms[0]] if node.bottoms else None
            size = shape_text(shape[2:] + shape[1:2] if shape else None)
            nodes.append(Node(len(nodes), [node.name], f"{block}SCNN block {size} (HxWxC)", [], None, block))
        else:
            nodes.append(Node(len(nodes), [node.name], f"{node.name}: {node.type}", [], rows.get(node.name)))
            _describe(nodes[-1], rows.get(node.name))
    for n in nodes:
        if n.block is not None:  # what leaves the block is its last layer's output
            n.row = rows.get(n.layers[-1])
            _describe(n, n.row)
            n.lines = [f"{len(n.layers)} layers"] + n.lines
    edges = set()
    for node in graph.nodes:
        for b in node.bottoms:
            producer = graph.blobs[b].producer
            if producer is not None and owner[producer] != owner[node.index]:
                edges.add((owner[producer], owner[node.index]))
    return nodes, sorted(edges), rows


def _describe(n, row):
    """The node's second line: its (last) output's shape, receptive field and jump."""
    if not row or not row["outputs"]:
        return
    out = row["outputs"][0]
    shape = shape_text(out["shape"])
    rf = out.get("rf")
    field = "" if not rf or rf["size"][0] is None else \
        (" rf global" if any(rf["global"]) else f" rf {rf['size'][0]}x{rf['size'][1]}") + \
        f" jump {_num(rf['jump'][0])}"
    n.lines = [shape + field]


def _num(x):
    return str(int(x)) if float(x).is_integer() else f"{x:.3g}"


def _blocks(graph):
    """{layer index: block prefix} for the layers of SCNN blocks (by the generator's names)."""
    found = {}
    for node in graph.nodes:
        m = BLOCK.match(node.name)
        if m:
            found.setdefault(m.group("prefix"), []).append(node.index)
    blocks = {}
    for prefix, members in found.items():
        names = {graph.nodes[i].name for i in members}
        if any(name.startswith(prefix + "SCNN_") for name in names):
            blocks.update({i: prefix for i in members})
    return blocks


def layout(nodes, edges):
    """Size each node's box to its text and place boxes and edges (drawlayout); (lines, width, height)."""
    for n in nodes:
        n.box = Box(n.title, n.lines[:2])
    centres, lines, width, height = place([n.box for n in nodes], edges)
    for n, (x, y) in zip(nodes, centres):
        n.x, n.y = x, y
    return lines, width, height


def _fill(n):
    return "#fde9c9" if n.block is not None else "#e6f2e6" if n.repeat is not None else "#e8f0fb"


def _texts(n):
    """Each line of a node's text: (text, font size, weight, x of its centre, y of its baseline)."""
    top = n.y - n.box.height / 2
    return [(t, size, weight, n.x, top + b) for (t, size, weight), b in zip(n.box.lines, n.box.baselines)]


def svg(nodes, lines, width, height, title):
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}, Arial, sans-serif">',
           f"<title>{html.escape(title)}</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>', '<g id="edges">']
    for points in lines:
        d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
        out.append(f'<path d="{d}" fill="none" stroke="#889" stroke-width="1.2" marker-end="url(#arrow)"/>')
    out.append('</g><g id="nodes">')
    for n in nodes:
        out.append(f'<g class="node" id="node{n.index}" data-index="{n.index}">'
                   f'<rect x="{n.x - n.box.width / 2:.1f}" y="{n.y - n.box.height / 2:.1f}" width="{n.box.width:.1f}" '
                   f'height="{n.box.height:.1f}" rx="6" fill="{_fill(n)}" stroke="#4a5a78" stroke-width="1"/>')
        for text, size, weight, x, y in _texts(n):
            out.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
                       f'text-anchor="middle">{html.escape(text)}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def raster(nodes, lines, width, height, path):
    """PNG or PDF through matplotlib, from the same geometry and font (sizes in px at its 100 dpi)."""
    from .plot import _pyplot, save
    plt = _pyplot()
    from matplotlib.patches import FancyBboxPatch
    dpi = 100
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    for points in lines:
        ax.annotate("", xy=points[-1], xytext=points[-2], arrowprops={"arrowstyle": "-|>", "color": "#667", "lw": 0.9,
                                                                       "shrinkA": 0, "shrinkB": 0}, zorder=1)
        xs, ys = zip(*points)
        ax.plot(xs, ys, color="#889", lw=0.9, zorder=1)
    for n in nodes:
        ax.add_patch(FancyBboxPatch((n.x - n.box.width / 2, n.y - n.box.height / 2), n.box.width, n.box.height,
                                    boxstyle="round,pad=0,rounding_size=6", fc=_fill(n), ec="#4a5a78", lw=0.8, zorder=2))
        for text, size, weight, x, y in _texts(n):
            ax.text(x, y, text, ha="center", va="baseline", family=FONT, fontsize=size * 72 / dpi, fontweight=weight,
                    zorder=3)
    save(fig, path)


def draw_net(netfile, path, phase=None, image_shape=None, named=None, stages=(), accept=None):
    """draw's library function: the net analysed and drawn; where its own shapes fail at a layer (not a flag,
    not the file's text), its layers without shapes, as Caffe's draw_net draws a net (it reads none).
    `accept(warnings)` may refuse them (--strict). (nodes drawn, that shape error or None)."""
    from scnn_tools.engine.analysis import Analysis
    from scnn_tools.net.graph import build
    _check(path)
    accept = accept or (lambda warnings: None)
    try:
        analysis = Analysis(netfile, phase, image_shape, named, stages, require_image=False)
    except InputError as exc:
        if exc.layer is None or exc.option is not None:
            raise
        graph = build(netfile, phase, free_inputs=named or {}, stages=stages)
        accept(graph.warnings)
        return _write(graph, {}, [None] * len(graph.blobs), path), exc
    accept(analysis.warnings)
    return _write(analysis.graph, _rows(analysis), analysis.shapes.blobs, path), None


def _check(path):
    import os
    if os.path.splitext(str(path))[1].lower() not in (".svg", ".html", ".png", ".pdf"):
        raise InputError(f"the drawing's file name must end in .svg, .html, .png or .pdf (got {path!r})")


def _write(graph, rows, blob_shapes, path):
    import os
    from scnn_tools.output import replacing
    ext = os.path.splitext(str(path))[1].lower()
    nodes, edges, rows = _graph(graph, rows, blob_shapes)
    if not nodes:
        raise InputError("the net has no layer to draw", graph.netfile.source)
    nodes, edges = fold_repeats(nodes, edges, _folded(rows))
    lines, width, height = layout(nodes, edges)
    title = f"{graph.netfile.name} ({graph.phase})"
    if ext in (".png", ".pdf"):
        raster(nodes, lines, width, height, path)
        return len(nodes)
    picture = svg(nodes, lines, width, height, title)
    text = page(nodes, rows, picture, width, title) if ext == ".html" else picture + "\n"
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return len(nodes)

"""`scnn-tools draw`: the layer graph as a picture (SVG, PNG, PDF) or a page to explore (HTML).

Nodes are layers with what the analysis says of their output (type, shape, receptive field, jump);
an in-place chain (BatchNorm, Scale, ReLU after a convolution) is folded into the layer it modifies,
and each SCNN block into one node that names its size. The layout is igraph's layered (Sugiyama)
layout; this module only places boxes and text where it says.
"""

import html
import json
import re

from scnn_tools.errors import InputError
from scnn_tools.output import shape_text

BOX_W, BOX_H, X_UNIT, Y_UNIT, MARGIN = 190, 58, 215, 92, 30
BLOCK = re.compile(r"^(?P<prefix>.*?)(SCNN_[DURL]_\d+(/relu|/sum)?|Slice[12]|Concat[12])$")


class Node:
    def __init__(self, index, layers, title, lines, row, block=None):
        self.index, self.layers, self.title, self.lines, self.row, self.block = index, layers, title, lines, row, block
        self.x = self.y = 0.0


def graph_of(analysis):
    """(nodes, edges): folded layer nodes, with the analysis' rows; edges as (from, to) node indices."""
    from scnn_tools.engine.analysis import report
    rows = {row["name"]: row for row in report(analysis)["layers"]}
    graph = analysis.graph
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
            shape = analysis.shapes.blobs[node.bottoms[0]] if node.bottoms else None
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
    return nodes, sorted(edges)


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
    """Place the nodes with igraph's Sugiyama layout; each edge's polyline, through the control points
    igraph routes it by where it spans several layers."""
    import igraph
    g = igraph.Graph(n=len(nodes), edges=edges, directed=True)
    placed = g.layout_sugiyama(hgap=1, vgap=1)
    coords = [list(c) for c in placed.coords]
    routes = [[list(p) for p in route] for route in placed.edge_routing]
    _spread(coords, routes)

    def at(x, y):
        return MARGIN + BOX_W / 2 + x * X_UNIT, MARGIN + BOX_H / 2 + y * Y_UNIT
    points = [at(x, y) for x, y in coords]
    shift = min((x for x, _ in points), default=0) - MARGIN - BOX_W / 2
    points = [(x - shift, y) for x, y in points]
    for n, (x, y) in zip(nodes, points):
        n.x, n.y = x, y
    lines = []
    for (a, b), route in zip(edges, routes):
        middle = [at(x, y) for x, y in route]
        lines.append([points[a]] + [(x - shift, y) for x, y in middle] + [points[b]])
    width = max((x for x, _ in points), default=0) + BOX_W / 2 + MARGIN
    height = max((y for _, y in points), default=0) + BOX_H / 2 + MARGIN
    return lines, width, height


def _spread(coords, routes):
    """igraph's compaction can leave two vertices of a layer closer than hgap (2 and 2.5 in GoogLeNet's
    Inception layers): per layer, in igraph's order, push each item right until nodes are a unit apart
    and edges' bends a third of one from their neighbours."""
    layers = {}
    for c in coords:
        layers.setdefault(c[1], []).append((c, 1.0))
    for route in routes:
        for p in route:
            layers.setdefault(p[1], []).append((p, 0.34))
    for items in layers.values():
        items.sort(key=lambda item: item[0][0])
        for (prev, w0), (item, w1) in zip(items, items[1:]):
            gap = 1.0 if w0 == w1 == 1.0 else 0.5 if max(w0, w1) == 1.0 else 0.34
            item[0] = max(item[0], prev[0] + gap)


def svg(nodes, lines, width, height, title):
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans, Arial, sans-serif">',
           f"<title>{html.escape(title)}</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667"/></marker></defs>', '<g id="edges">']
    for points in lines:
        (x0, y0), (x1, y1) = points[0], points[-1]
        pts = [(x0, y0 + BOX_H / 2)] + points[1:-1] + [(x1, y1 - BOX_H / 2)]
        d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="#889" stroke-width="1.2" marker-end="url(#arrow)"/>')
    out.append('</g><g id="nodes">')
    for n in nodes:
        fill = "#fde9c9" if n.block is not None else "#e8f0fb"
        x, y = n.x - BOX_W / 2, n.y - BOX_H / 2
        out.append(f'<g class="node" id="node{n.index}" data-index="{n.index}">'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
                   f'stroke="#4a5a78" stroke-width="1"/>')
        for k, text in enumerate([n.title] + n.lines[:2]):
            size, weight = (11, "bold") if k == 0 else (10, "normal")
            out.append(f'<text x="{n.x:.1f}" y="{y + 17 + 16 * k:.1f}" font-size="{size}" font-weight="{weight}" '
                       f'text-anchor="middle">{html.escape(_fit(text, 30 if k == 0 else 34))}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def _fit(text, n):
    return text if len(text) <= n else text[:n - 1] + "\u2026"


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; font-family: DejaVu Sans, Arial, sans-serif; }}
#view {{ position: absolute; left: 0; top: 0; right: 340px; bottom: 0; overflow: hidden; cursor: grab; background: #fafbfd; }}
#panel {{ position: absolute; right: 0; top: 0; width: 320px; bottom: 0; padding: 10px; overflow: auto;
          border-left: 1px solid #ccd; font-size: 12px; background: white; }}
#panel table {{ border-collapse: collapse; }} #panel td {{ padding: 1px 6px; vertical-align: top; }}
.node {{ cursor: pointer; }} .node.selected rect {{ stroke: #d62728; stroke-width: 2.5; }}
</style></head><body>
<div id="view"><div id="canvas">{svg}</div></div>
<div id="panel"><b>{title}</b><p>{count} nodes. Drag to pan, wheel to zoom, click a node for its row of the
analysis; an SCNN block lists its layers on request.</p><div id="row"></div></div>
<script>
const NODES = {nodes};
const view = document.getElementById("view"), canvas = document.getElementById("canvas");
let scale = Math.min(1, view.clientWidth / {width}), tx = 0, ty = 0, drag = null;
function apply() {{ canvas.style.transform = `translate(${{tx}}px,${{ty}}px) scale(${{scale}})`;
                   canvas.style.transformOrigin = "0 0"; }}
view.addEventListener("wheel", ev => {{ ev.preventDefault(); const k = Math.exp(-ev.deltaY * 0.0015);
  const r = view.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
  tx = x - (x - tx) * k; ty = y - (y - ty) * k; scale *= k; apply(); }}, {{ passive: false }});
view.addEventListener("mousedown", ev => {{ drag = [ev.clientX - tx, ev.clientY - ty]; }});
window.addEventListener("mousemove", ev => {{ if (drag) {{ tx = ev.clientX - drag[0]; ty = ev.clientY - drag[1]; apply(); }} }});
window.addEventListener("mouseup", () => {{ drag = null; }});
function cell(v) {{ return v === null || v === undefined ? "" : (typeof v === "object" ? JSON.stringify(v) : String(v)); }}
function show(i) {{
  document.querySelectorAll(".node.selected").forEach(n => n.classList.remove("selected"));
  document.getElementById("node" + i).classList.add("selected");
  const n = NODES[i], row = document.getElementById("row");
  let text = `<h3>${{n.title}}</h3><table>`;
  const r = n.row || {{}};
  for (const k of ["name", "type", "line", "params", "macc"]) text += `<tr><td>${{k}}</td><td>${{cell(r[k])}}</td></tr>`;
  for (const o of (r.outputs || [])) {{
    text += `<tr><td>output</td><td>${{o.blob}} ${{cell(o.shape)}}</td></tr>`;
    if (o.rf) text += `<tr><td>rf</td><td>size ${{cell(o.rf.size)}} jump ${{cell(o.rf.jump)}} start ${{cell(o.rf.start)}}</td></tr>`;
    if (o.scale) text += `<tr><td>scale</td><td>${{cell(o.scale)}}</td></tr>`;
  }}
  text += "</table>";
  if (n.block) text += `<p><button id="expand">show the block's ${{n.layers.length}} layers</button></p><ol id="members"></ol>`;
  else if (n.layers.length > 1) text += `<p>folded: ${{n.layers.join(", ")}}</p>`;
  row.innerHTML = text;
  const button = document.getElementById("expand");
  if (button) button.addEventListener("click", () => {{
    document.getElementById("members").innerHTML = n.layers.map(l => `<li>${{l}}</li>`).join(""); }});
}}
document.querySelectorAll(".node").forEach(g => g.addEventListener("click", ev => {{
  ev.stopPropagation(); show(Number(g.dataset.index)); }}));
apply();
// A link may name a node to show (#show=12) and ask for its block's layers (#show=12&expand).
const wanted = new URLSearchParams(location.hash.slice(1));
if (wanted.has("show") && document.getElementById("node" + wanted.get("show"))) {{
  document.getElementById("node" + wanted.get("show")).dispatchEvent(new MouseEvent("click", {{ bubbles: true }}));
  if (wanted.has("expand") && document.getElementById("expand")) document.getElementById("expand").click();
}}
document.body.dataset.ready = String(NODES.length);
</script></body></html>
"""


def page(nodes, picture, width, title):
    data = [{"title": n.title, "layers": n.layers, "block": n.block is not None, "row": n.row} for n in nodes]
    blob = json.dumps(data).replace("</", "<\\/")  # no "</script>" inside the script
    return PAGE.format(title=html.escape(title), svg=picture, count=len(nodes), nodes=blob, width=f"{width:.0f}")


def raster(nodes, lines, width, height, path, fmt):
    """PNG or PDF through matplotlib, from the same geometry."""
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
        xs, ys = zip(*points)
        ax.plot(xs, ys, color="#889", lw=0.9, zorder=1)
    for n in nodes:
        ax.add_patch(FancyBboxPatch((n.x - BOX_W / 2, n.y - BOX_H / 2), BOX_W, BOX_H, boxstyle="round,pad=0,rounding_size=6",
                                    fc="#fde9c9" if n.block is not None else "#e8f0fb", ec="#4a5a78", lw=0.8, zorder=2))
        for k, text in enumerate([n.title] + n.lines[:2]):
            ax.text(n.x, n.y - BOX_H / 2 + 17 + 16 * k, _fit(text, 30 if k == 0 else 34), ha="center", va="baseline",
                    fontsize=7.5 if k == 0 else 6.8, fontweight="bold" if k == 0 else "normal", zorder=3)
    save(fig, path)


def draw(analysis, path):
    """Write the graph to `path` (.svg, .html, .png or .pdf); the number of nodes drawn."""
    import os
    from scnn_tools.output import replacing
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in (".svg", ".html", ".png", ".pdf"):
        raise InputError(f"the drawing's file name must end in .svg, .html, .png or .pdf (got {path!r})")
    nodes, edges = graph_of(analysis)
    if not nodes:
        raise InputError("the net has no layer to draw", analysis.netfile.source)
    lines, width, height = layout(nodes, edges)
    title = f"{analysis.netfile.name} ({analysis.graph.phase})"
    if ext in (".png", ".pdf"):
        raster(nodes, lines, width, height, path, ext[1:])
        return len(nodes)
    picture = svg(nodes, lines, width, height, title)
    text = page(nodes, picture, width, title) if ext == ".html" else picture + "\n"
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return len(nodes)

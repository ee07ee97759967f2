"""`draw -o net.html`: one self-contained page (no network) to explore the picture: pan, zoom, a click on
a node shows what the analysis says of it as labelled values, a block lists its layers on request, and
`#show=N` (with `&expand`) opens at node N, panned so that it sits in the middle of the view."""

import html
import json
import math

from scnn_tools.output import count, field_text, number, shape_text, size


def facts(node, rows):
    """[(label, value)] a person reads about a node: its layers' totals and its last output."""
    mine = [rows.get(name) for name in node.layers]
    out = [("layers", ", ".join(node.layers) if len(node.layers) <= 4 else count(len(node.layers), "layer"))]
    first = mine[0]
    if first and len(node.layers) == 1:
        out.append(("type", f"{first['type']} (line {first['line']})"))
    last = mine[-1]
    if last and last["outputs"]:
        o = last["outputs"][0]
        out += [("output", o["blob"]), ("shape", shape_text(o["shape"]) + " (N x C x H x W)" if o["shape"] and
                                                 len(o["shape"]) == 4 else shape_text(o["shape"]))]
        if o["shape"] and None not in o["shape"]:
            out.append(("output memory", f"{size(4 * math.prod(o['shape']))} at float32"))
        rf = o["rf"]
        if rf and rf["size"][0] is not None:
            field = field_text(rf["size"], rf["global"], square=True)
            out += [("receptive field", field if "global" in field else field + " px"),
                    ("inside the image", "x".join("?" if v is None else str(v) for v in rf["clipped"]) + " px"),
                    ("jump", _pair(rf["jump"]) + " px"), ("start", _pair(rf["start"])),
                    ("padding", _pair(rf["padding"]))]
        scale = o["scale"]
        if scale and scale.get("area") is not None:
            out.append(("spatial scale", f"{scale['area']:,} px (width {number(round(scale['width'], 1))})"))
            if scale.get("overlap") is not None:
                out.append(("overlap", f"{100 * scale['overlap']:.0f}% with the next feature along w"))
        elif scale and scale.get("area_at_most") is not None:
            out.append(("spatial scale", f"at most {scale['area_at_most']:,} px (the field is not a product of its "
                                         "per-axis fields: query gives one feature's pixels exactly)"))
    out += [("parameters", _total(mine, "params")), ("multiply-adds", _total(mine, "macc"))]
    return out


def _pair(values):
    shown = ["?" if v is None else number(v) for v in values]
    return shown[0] if shown[0] == shown[1] else " x ".join(shown)


def _total(rows, key):
    values = [r[key] if r else None for r in rows]
    if None in values:
        return "?"
    total = sum(values)
    return f"{total:,}" + (f" ({2 * total / 1e9:,.2f} GFLOPs)" if key == "macc" and total >= 10 ** 7 else "")


PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
html, body {{ margin: 0; height: 100%; font-family: DejaVu Sans, Arial, sans-serif; }}
#view {{ position: absolute; left: 0; top: 0; right: 340px; bottom: 0; overflow: hidden; cursor: grab; background: #fafbfd; }}
#panel {{ position: absolute; right: 0; top: 0; width: 320px; bottom: 0; padding: 10px; overflow: auto;
          border-left: 1px solid #ccd; font-size: 12px; background: white; }}
#panel table {{ border-collapse: collapse; }} #panel td {{ padding: 1px 6px; vertical-align: top; }}
#panel td:first-child {{ color: #556; white-space: nowrap; }}
.node {{ cursor: pointer; }} .node.selected rect {{ stroke: #d62728; stroke-width: 2.5; }}
</style></head><body>
<div id="view"><div id="canvas">{svg}</div></div>
<div id="panel"><b>{title}</b><p>{count} nodes. Drag to pan, wheel to zoom, click a node for what the analysis
says of it; a block lists its layers on request.</p><div id="row"></div></div>
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
function element(tag, text) {{ const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }}
function show(i) {{
  document.querySelectorAll(".node.selected").forEach(n => n.classList.remove("selected"));
  document.getElementById("node" + i).classList.add("selected");
  const n = NODES[i], row = document.getElementById("row"), table = element("table");
  row.replaceChildren(element("h3", n.title), table);
  for (const [label, value] of n.facts) {{
    const tr = element("tr"); tr.append(element("td", label), element("td", value)); table.append(tr); }}
  if (n.block) {{
    const p = element("p"), button = element("button", `show the block's ${{n.layers.length}} layers`), list = element("ol");
    button.id = "expand"; list.id = "members"; p.append(button); row.append(p, list);
    button.addEventListener("click", () => list.replaceChildren(...n.layers.map(l => element("li", l))));
  }}
}}
// Pan so that node i sits in the middle of the view, at the scale in use.
function focus(i) {{ tx = view.clientWidth / 2 - scale * NODES[i].x; ty = view.clientHeight / 2 - scale * NODES[i].y; apply(); }}
document.querySelectorAll(".node").forEach(g => g.addEventListener("click", ev => {{
  ev.stopPropagation(); show(Number(g.dataset.index)); }}));
// A link may name a node to show (#show=12) and ask for its block's layers (#show=12&expand).
function follow() {{
  const wanted = new URLSearchParams(location.hash.slice(1)), i = Number(wanted.get("show"));
  if (!wanted.has("show") || !Number.isInteger(i) || !NODES[i]) return;
  show(i); focus(i);
  if (wanted.has("expand") && document.getElementById("expand")) document.getElementById("expand").click();
}}
apply(); follow();
window.addEventListener("hashchange", follow);
document.body.dataset.ready = String(NODES.length);
</script></body></html>
"""


def page(nodes, rows, picture, width, title):
    data = [{"title": n.title, "layers": n.layers, "block": n.block is not None or n.repeat is not None,
             "facts": facts(n, rows), "x": round(n.x, 1), "y": round(n.y, 1)} for n in nodes]
    blob = json.dumps(data).replace("</", "<\\/")  # no "</script>" inside the script
    return PAGE.format(title=html.escape(title), svg=picture, count=len(nodes), nodes=blob, width=f"{width:.0f}")

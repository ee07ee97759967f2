"""`scnn-tools info`: what a net file is, as data and as text."""

from collections import Counter

from .graph import build
from .reader import read_net


def describe(source, phase="TEST", stages=()):
    netfile = read_net(source)
    graph = build(netfile, phase, stages=stages)
    inputs = []
    for i in graph.inputs:
        blob = graph.blobs[i.blob]
        inputs.append({
            "blob": blob.name,
            "shape": i.shape,
            "complete": i.complete,
            "layer": graph.nodes[i.layer].name if i.layer is not None else None,
            "type": graph.nodes[i.layer].type if i.layer is not None else None,
            "note": i.note,
        })
    return {
        "schema": "scnn-tools.info/1",
        "source": netfile.source,
        "net": netfile.name,
        "format": netfile.format,
        "upgrades": netfile.upgrades,
        "phase": phase,
        "stages": list(stages),
        "layers": len(graph.nodes),
        "excluded_by_phase": graph.excluded,
        "fragment": graph.is_fragment,
        "types": dict(Counter(n.type for n in graph.nodes).most_common()),
        "inputs": inputs,
        "warnings": graph.warnings,
    }


def _shape(shape):
    if shape is None:
        return "shape unknown"
    return "x".join("?" if d is None else str(d) for d in shape)


def render_text(r):
    lines = [f"net:      {r['net']}  ({r['source']})"]
    fmt = r["format"]
    if r["upgrades"]:
        fmt += "; upgraded: " + "; ".join(r["upgrades"])
    lines.append(f"format:   {fmt}")
    excluded = f", {r['excluded_by_phase']} excluded by phase rules" if r["excluded_by_phase"] else ""
    lines.append(f"phase:    {r['phase']}: {r['layers']} layers{excluded}")
    if r["fragment"]:
        lines.append("fragment: yes: some blobs are read but produced by no layer; give their shapes with "
                     "--input NAME=N,C,H,W")
    lines.append("inputs:")
    width = max((len(i["blob"]) for i in r["inputs"]), default=0)
    for i in r["inputs"]:
        source = f"{i['type']} layer '{i['layer']}'" if i["layer"] is not None else "free input"
        line = f"  {i['blob']:<{width}}  {_shape(i['shape'])}  ({source})"
        if not i["complete"]:
            line += f": {i['note']}; give it with --input-shape or --input {i['blob']}=N,C,H,W"
        lines.append(line)
    if not r["inputs"]:
        lines.append("  none")
    lines.append("layers by type:")
    width = max((len(t) for t in r["types"]), default=0)
    for t, n in r["types"].items():
        lines.append(f"  {t:<{width}}  {n}")
    if r["warnings"]:
        lines.append(f"warnings ({len(r['warnings'])}):")
        for w in r["warnings"]:
            where = f"line {w['line']}: " if w.get("line") else ""
            lines.append(f"  {where}{w['message']}")
    return "\n".join(lines) + "\n"

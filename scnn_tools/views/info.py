"""`scnn-tools info`: what a net file is, as data and as text."""

from collections import Counter

from scnn_tools import caffe_pb2
from scnn_tools.net.graph import build
from scnn_tools.netfile.reader import NetFile, SolverFile, read_file


def describe(source, phase=None, stages=()):
    """What `scnn-tools info --format json` prints about a net (or a solver): a path, or a NetFile."""
    netfile = source if isinstance(source, NetFile) else read_file(source)
    if isinstance(netfile, SolverFile):
        return _solver(netfile)
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
        "model": netfile.model,
        "phase": graph.phase,
        "stages": list(stages),
        "layers": len(graph.nodes),
        "excluded_by_phase": graph.excluded,
        "fragment": graph.is_fragment,
        "types": dict(Counter(n.type for n in graph.nodes).most_common()),
        "inputs": inputs,
        "warnings": graph.warnings,
    }


def _f32(v):
    return float(f"{v:.7g}")  # a float field as written in the file, not its nearest float32


def _solver(solver_file):
    s = solver_file.solver
    schedule = {"policy": s.lr_policy or None, "gamma": _f32(s.gamma) if s.HasField("gamma") else None,
                "power": _f32(s.power) if s.HasField("power") else None,
                "stepsize": s.stepsize if s.HasField("stepsize") else None, "stepvalue": list(s.stepvalue)}
    return {
        "schema": "scnn-tools.solver/1",
        "source": solver_file.source,
        "nets": solver_file.nets,
        "type": s.type if s.HasField("type") else caffe_pb2.SolverParameter.SolverType.Name(s.solver_type),
        "base_lr": _f32(s.base_lr), "lr": {k: v for k, v in schedule.items() if v not in (None, [])},
        "momentum": _f32(s.momentum), "weight_decay": _f32(s.weight_decay), "max_iter": s.max_iter,
        "iter_size": s.iter_size, "test_iter": list(s.test_iter), "test_interval": s.test_interval,
        "snapshot": s.snapshot, "snapshot_prefix": s.snapshot_prefix or None,
        "solver_mode": caffe_pb2.SolverParameter.SolverMode.Name(s.solver_mode),
        "warnings": solver_file.warnings,
    }


def _render_solver(r):
    lines = [f"solver:   {r['source']}", f"nets:     {', '.join(r['nets']) or 'inline'}",
             f"method:   {r['type']}, base_lr {r['base_lr']:g}"
             + "".join(f", {k} {v}" for k, v in r["lr"].items())
             + f", momentum {r['momentum']:g}, weight_decay {r['weight_decay']:g}",
             f"length:   {r['max_iter']:,} iterations" + (f", {r['iter_size']} steps per update (iter_size)"
                                                         if r["iter_size"] > 1 else ""),
             "snapshot: " + (f"every {r['snapshot']:,} iterations as {r['snapshot_prefix']}_iter_N"
                              if r["snapshot"] else "at the end only") + f"; {r['solver_mode']}"]
    for w in r["warnings"]:
        where = f"line {w['line']}: " if w.get("line") else ""
        lines.append(f"warning: {where}{w['message']}")
    return "\n".join(lines) + "\n"


def _shape(shape):
    if shape is None:
        return "shape unknown"
    return "x".join("?" if d is None else str(d) for d in shape)


def render_text(r):
    if r["schema"] == "scnn-tools.solver/1":
        return _render_solver(r)
    lines = [f"net:      {r['net']}  ({r['source']})"]
    fmt = r["format"]
    if r["upgrades"]:
        fmt += "; upgraded: " + "; ".join(r["upgrades"])
    lines.append(f"format:   {fmt}")
    if r.get("model"):
        m = r["model"]
        opsets = ", ".join(f"{domain} {version}" for domain, version in m["opset"].items())
        lines.append(f"model:    IR version {m['ir_version']}, opset {opsets}, producer {m['producer'] or 'not named'}")
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

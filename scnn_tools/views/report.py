"""An analysis as a person reads it (table), as scripts read it (JSON, CSV)."""

import csv
import io
import json

from scnn_tools.output import field_text, number, shape_text, size


def render(result, fmt):
    if fmt == "json":
        return to_json(result)
    if fmt == "csv":
        return to_csv(result)
    return to_table(result)


def to_json(result):
    """One layer per line: readable, diffable, and written by json's C encoder."""
    head = dict(result)
    layers = head.pop("layers")
    parts = [json.dumps(head)[:-1], ', "layers": [\n']
    parts.append(",\n".join(json.dumps(layer) for layer in layers))
    parts.append("\n]}\n")
    return "".join(parts)


def _pair(values, fmt=str):
    if values is None:
        return ""
    shown = ["-" if v is None else fmt(v) for v in values]
    return shown[0] if shown[0] == shown[1] else "x".join(shown)


def _num(v):
    if v is None:
        return "?"
    return f"{v:,}"


def _rf(rf):
    return "" if rf is None else field_text(rf["size"], rf["global"])


def _width(scale):
    if scale is None:
        return ""
    if scale.get("width") is None:
        # (a field that is not a product, past the 2-D walks' budget: the width its per-axis product bounds)
        bound = scale.get("area_at_most")
        return "" if bound is None else f"<={bound ** 0.5:.1f}"
    return f"{scale['width']:.1f}"


def _overlap(scale):
    if scale is None:
        return ""
    return "?" if scale["overlap"] is None else f"{scale['overlap']:.2f}"


def to_table(result):
    other = "exact" if result["scale_model"] == "blog" else "blog"
    rows, disagree = [], False
    for layer in result["layers"]:
        for i, out in enumerate(layer["outputs"]):
            rf, scale = out["rf"], out["scale"]
            alt = out["scale_models"][other]
            differs = (scale is not None and alt is not None and scale.get("width") is not None
                       and alt.get("width") is not None and abs(scale["width"] - alt["width"]) > 1e-6)
            disagree = disagree or differs
            flags = ""
            if rf is not None:
                flags = ("G" if any(rf["global"]) else "") + ("" if rf["uniform"] else "N") + \
                        ("" if rf["aligned"] else "M")
            rows.append([
                layer["name"] if i == 0 else "", layer["type"] if i == 0 else "", out["blob"], shape_text(out["shape"]),
                _rf(rf), _pair(rf and rf["jump"], number), _pair(rf and rf["start"], lambda v: f"{v:g}"),
                _width(scale), _overlap(scale),
                (_width(alt) + "*") if differs else "", flags,
                _num(layer["params"]) if i == 0 else "", _num(layer["macc"]) if i == 0 else "",
            ])
    head = ["layer", "type", "blob", "shape", "rf", "jump", "start", "scale", "overlap",
            f"{other}*", "", "params", "macc"]
    if not disagree:
        head[9] = ""
    widths = [max(len(r[c]) for r in rows + [head]) for c in range(len(head))]
    right = {4, 5, 6, 7, 8, 9, 11, 12}

    def line(cells):
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)) if w]
        return "  ".join(parts).rstrip()

    t = result["totals"]
    out = [f"{result['net']} ({result['source']}), phase {result['phase']}, input "
           f"{result['input']['blob']} {shape_text(result['input']['shape'])}, scale model {result['scale_model']}"]
    # Before the table: what was skipped or is unknown changes how the numbers below are read.
    out += [f"warning: {'line ' + str(w['line']) + ': ' if w.get('line') else ''}{w['message']}"
            for w in result["warnings"]]
    out += [line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out.append(line(["-" * w for w in widths]))
    flops = "" if t["flops"] is None else f" ({t['flops']:,} FLOPs)"
    missing = {}  # (where the totals that say 'at least' stop: the blobs whose shapes are unknown)
    out.append(f"total: {_amount(t, 'params', 'learnable parameters', missing)}, "
               f"{_amount(t, 'macc', 'multiply-adds per image', missing)}{flops}, "
               f"{_amount(t, 'activations', 'activations per image', missing)}")
    m = result["memory"]
    if any(m[k] is not None or f"{k}_at_most" in m or f"{k}_known" in m for k in ("blobs", "caffe", "training")):
        about = "about " if m["training"] is not None else ""
        out.append(f"memory at batch {m['batch']}, float32: {_amount(m, 'blobs', 'of blobs', missing, size)} "
                   f"({_amount(m, 'caffe', 'as Caffe counts them', missing, size)}, its 'Memory required for data'); "
                   f"training {about}{_amount(m, 'training', '', missing, size)} (data and diff of every blob, "
                   "weights with their diffs and SGD momentum)")
    if missing and m["batch"] == 0:
        out.append("'?' above: a batch of 0 has no image to count per (--batch gives another)")
    elif missing:
        out.append(f"'at least' and '?' above: what depends on {_names(list(missing))} is not counted, "
                   f"{'their shapes' if len(missing) > 1 else 'its shape'} not being known")
    out.append("")
    out.append("rf: receptive field in input pixels (h x w where they differ), global where a feature sees the "
               "whole axis; jump, start: spacing and first position of the features on the input (Caffe's "
               "coord_map); scale: width (square root of the count) of the set of image pixels that can change the "
               "centre feature (<= a bound where the field is not a product of per-axis fields and working it out "
               "exceeded the budget: query gives any one feature exactly); overlap: share of those pixels the next "
               "feature along w sees too; G global, N position-dependent (largest size per axis shown), M merging "
               "paths not aligned")
    if disagree:
        out.append(f"* {other} model where it disagrees: the blog model's recurrence assumes regions without "
                   "holes and counts the padding beyond the image as pixels; the exact model counts dilation's "
                   "holes as holes and only pixels of the image")
    groups = [g for g in result["groups"] if g["params"] or g["macc"]]
    if len(groups) > 1:
        out.append("")
        out.append("by name prefix:")
        rows = [[g["group"], str(g["layers"]), _num(g["params"]), _num(g["macc"]), _share(g["macc"], t["macc"])]
                for g in groups]
        head = ["prefix", "layers", "params", "macc", "of macc"]
        widths = [max(len(r[c]) for r in rows + [head]) for c in range(len(head))]
        for r in [head] + rows:
            out.append("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(out) + "\n"


def _amount(values, name, noun, missing, fmt=lambda v: f"{v:,}"):
    """One total of the JSON (totals.Total.fields) as a sentence says it: exactly; at most a bound; what is
    known and what each item of an unknown count adds; or at least what is known, adding to `missing` the
    blobs where the rest starts."""
    noun = f" {noun}" if noun else ""
    if values[name] is not None:
        return f"{fmt(values[name])}{noun}"
    if f"{name}_at_most" in values:
        return f"at most {fmt(values[name + '_at_most'])}{noun}"
    if f"{name}_known" not in values:
        return f"?{noun}"
    lost = values.get(f"{name}_missing") or []
    missing.update(dict.fromkeys(lost))
    if lost and not values[f"{name}_known"] and not values.get(f"{name}_per_item"):
        return f"?{noun}"  # (at least nothing says nothing)
    text = f"{'at least ' if lost else ''}{fmt(values[f'{name}_known'])}{noun}"
    per_item = {}  # (items of several counts that add alike are said once)
    for count, value in (values.get(f"{name}_per_item") or {}).items():
        per_item.setdefault(value, []).append(count)
    for value, counts in per_item.items():
        each = f"each of {_names(counts, None)}" if len(counts) > 1 else _names(counts)
        text += f" plus {fmt(value)} per item of {each}"
    return text


def _names(names, most=3):
    """'a', 'b' and 'c'; beyond `most` names (None: no limit), how many more."""
    quoted = [f"'{n}'" for n in names]
    if most is not None and len(quoted) > most + 1:
        return ", ".join(quoted[:most]) + f" and {len(quoted) - most} more"
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _share(part, whole):
    if part is None or not whole:
        return ""
    return f"{100 * part / whole:.1f}%"


CSV_COLUMNS = ["layer", "type", "blob", "shape", "rf_h", "rf_w", "clipped_h", "clipped_w", "jump_h", "jump_w", "start_h", "start_w",
               "padding_h", "padding_w", "uniform", "aligned", "global_h", "global_w",
               "scale_area", "scale_width", "scale_overlap", "params", "macc", "scale_area_at_most"]


def to_csv(result):
    f = io.StringIO()
    w = csv.writer(f, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for layer in result["layers"]:
        for out in layer["outputs"]:
            rf, scale = out["rf"] or {}, out["scale"] or {}
            row = [layer["name"], layer["type"], out["blob"], shape_text(out["shape"])]
            for key in ("size", "clipped", "jump", "start", "padding"):
                row += rf.get(key) or ["", ""]
            row += [rf.get("uniform", ""), rf.get("aligned", "")]
            row += rf.get("global") or ["", ""]
            row += [scale.get("area", ""), scale.get("width", ""), scale.get("overlap", "")]
            row += [layer["params"], layer["macc"], scale.get("area_at_most")]
            w.writerow(["" if v is None else v for v in row])
    return f.getvalue()

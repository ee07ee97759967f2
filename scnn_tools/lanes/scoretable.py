"""lane-eval's table: the scores as a person reads them (the JSON has the same numbers, unrounded)."""


def _cell(value, percent=False):
    if value is None:
        return "-"
    return f"{100 * value:.2f}" if percent else str(value)


def render(result):
    if result["dataset"] == "tusimple":
        return (f"TuSimple, {result['images']} images: accuracy {100 * result['accuracy']:.2f}%, "
                f"FP {result['fp']:.4f}, FN {result['fn']:.4f}\n")
    rows = [("category", "images", "tp", "fp", "fn", "precision", "recall", "F1")]
    named = list(result.get("categories", {}).items()) + [("total", result["total"])]
    for name, r in named:
        rows.append((name, str(r["images"]), str(r["tp"]), str(r["fp"]), str(r["fn"]),
                     _cell(r["precision"], True), _cell(r["recall"], True), _cell(r["f1"], True)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    height, width = result["size"]
    lines.append(f"CULane: lanes drawn {result['lane_width']} px wide on {width}x{height}, a match needs IoU > "
                 f"{result['iou']}; precision, recall, F1 in %"
                 + ("; cross has no lanes: false positives only" if "categories" in result else ""))
    return "\n".join(lines) + "\n"


def warnings(result):
    """What the scores cannot show: images whose files were not found (each counted as no lanes)."""
    total = result.get("total", {})
    return [f"{total[f'missing_{what}']} of {total['images']} images have no {what} file (counted as no lanes, "
            f"as the official evaluator does: are the paths right?)"
            for what in ("predictions", "annotations") if total.get(f"missing_{what}")] + \
        ([f"{total['lanes_repeating_a_point']} lanes repeat a point: the official evaluator's spline divides by "
          f"zero there and OpenCV 2.4 draws such a lane from the image's corner; scored as it does"]
         if total.get("lanes_repeating_a_point") else [])

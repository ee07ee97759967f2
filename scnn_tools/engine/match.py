"""Object sizes against a net's spatial scales: which feature map fits which objects.

Objects come from a COCO-style annotation file (`annotations[].bbox` = [x, y,
w, h], and `images[]` with their width and height) or from a CSV whose header
names the box as `width,height`, `w,h`, `x,y,w,h` or `x1,y1,x2,y2` (and,
optionally, `image_width` and `image_height`); `-` reads standard input. An
object's size is sqrt(w * h), as FPN measures it; where
the image's size is known, boxes are first scaled as the image is when it is
fitted into the net's input (the smaller ratio of the two sides).

Sizes are grouped in octaves. For each band, the map chosen is the one with
the smallest spatial scale that still covers the band's largest objects, as
FPN gives small objects early levels and large objects late ones; the
candidates are the stage ends of the net's main path (the last map before
each change of stride), or the maps the user names.
"""

import csv
import json
import math
from collections import Counter

from scnn_tools.errors import InputError


class Objects:
    def __init__(self, sizes, scaled, source, larger=0):
        self.sizes = sizes      # sqrt(w * h) per object, in input pixels where `scaled`
        self.scaled = scaled
        self.source = source
        self.larger = larger    # how many boxes are wider or taller than the input


def _read(path):
    import sys
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    what = "give a COCO-style JSON or a CSV of boxes"
    if b"\0" in data[:4096]:
        raise InputError(f"is a binary file, not annotations: {what}", path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}): {what}",
                         path) from None


def read_objects(path, input_hw):
    text = _read(path)
    path = "<stdin>" if path == "-" else path
    if not text.strip():
        raise InputError("the annotation file is empty", path)
    if text.lstrip().startswith("{"):
        boxes = _coco(text, path)
    else:
        boxes = _csv(text, path)
    if not boxes:
        raise InputError("the annotation file has no objects", path)
    scaled = all(image is not None for _, _, image in boxes)
    sizes, larger = [], 0
    for w, h, image in boxes:
        scale = min(input_hw[0] / image[1], input_hw[1] / image[0]) if scaled else 1.0
        sizes.append(math.sqrt(w * h) * scale)
        larger += w * scale > input_hw[1] or h * scale > input_hw[0]
    return Objects(sizes, scaled, path, larger)


def _coco(text, path):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise InputError("a COCO-style file needs an 'annotations' list", path)
    images = {}
    for i, image in enumerate(data.get("images") or []):
        try:
            images[image["id"]] = (_positive(image["width"]), _positive(image["height"]))
        except (KeyError, TypeError, ValueError):
            raise InputError(f"images[{i}] needs an id and a positive width and height", path) from None
    boxes = []
    for i, a in enumerate(data["annotations"]):
        try:
            bbox = a["bbox"]
            w, h = float(bbox[2]), float(bbox[3])
        except (KeyError, TypeError, IndexError, ValueError):
            raise InputError(f"annotations[{i}] needs a bbox [x, y, width, height]", path) from None
        if not (w > 0 and h > 0 and math.isfinite(w * h)):
            raise InputError(f"annotations[{i}] has a box of width {w} and height {h}: both must be positive", path)
        boxes.append((w, h, images.get(a.get("image_id"))))
    return boxes


def _csv(text, path):
    rows = list(csv.reader(text.splitlines()))
    header = [c.strip().lower() for c in rows[0]]
    col = {name: i for i, name in reversed(list(enumerate(header)))}
    sides = next(((col[a], col[b]) for a, b in (("width", "height"), ("w", "h")) if a in col and b in col), None)
    corners = [col.get(c) for c in ("x1", "y1", "x2", "y2")]
    if sides is None and None in corners:
        raise InputError("a CSV of objects needs a header naming the box: width,height or w,h (x,y,w,h) or "
                         f"x1,y1,x2,y2 (found: {', '.join(header)})", path, 1)

    def size(row):
        if sides is not None:
            return _positive(row[sides[0]]), _positive(row[sides[1]])
        x1, y1, x2, y2 = (float(row[c]) for c in corners)
        return _positive(x2 - x1), _positive(y2 - y1)
    has_image = "image_width" in col and "image_height" in col
    boxes = []
    for line, row in enumerate(rows[1:], 2):
        if not row or not "".join(row).strip():
            continue
        try:
            w, h = size(row)
            image = (_positive(row[col["image_width"]]), _positive(row[col["image_height"]])) if has_image else None
        except (IndexError, ValueError):
            raise InputError(f"the box must have a positive width and height: {','.join(row)!r}", path,
                             line) from None
        boxes.append((w, h, image))
    return boxes


def _positive(value):
    number = float(value)
    if not (number > 0 and math.isfinite(number)):
        raise ValueError(value)
    return number


def bands(sizes):
    """Octaves [2^k, 2^(k+1)) that hold objects, with their counts: [(lo, hi, count)]."""
    counts = Counter(math.floor(math.log2(s)) for s in sizes)
    return [(2.0 ** k, 2.0 ** (k + 1), counts[k]) for k in range(min(counts), max(counts) + 1)]


def candidates(profile, names=None):
    """The feature maps to choose from: named ones, or the last point at each stride."""
    if names:
        chosen = []
        for name in names:
            point = profile.find(name)
            if point is None:
                raise InputError(f"'{name}' is not a layer or blob on the main path of {profile.name} "
                                 f"(its points: {', '.join(p.layer for p in profile.points[1:8])}, ...)")
            chosen.append(point)
        return chosen
    points = profile.points[1:]
    return [p for p, nxt in zip(points, points[1:] + [None]) if nxt is None or nxt.jump != p.jump]


def assign(profile, objects, model="exact", names=None):
    """Per band: (lo, hi, count, point or None, covered).

    A map covers a band when its scale is as wide as the band's largest objects, or when it sees every
    pixel of the image (the exact scale counts no pixel beyond the image, so none is wider than that)."""
    maps = sorted((p for p in candidates(profile, names) if p.width(model) is not None),
                  key=lambda p: p.width(model))
    if not maps:
        raise InputError(f"no feature map of {profile.name} has a {model} spatial scale to match against")
    height, width = profile.extent
    out = []
    for lo, hi, count in bands(objects.sizes):
        fitting = [p for p in maps if p.width(model) >= hi or p.scale(model)["area"] >= height * width]
        point = fitting[0] if fitting else maps[-1]
        out.append((lo, hi, count, point, bool(fitting)))
    return out


def match(analysis, objects_path, model="exact", maps=(), figure=None):
    """What `scnn-tools match --format json` prints: per octave of object size, the map chosen.

    The objects are read from `objects_path`, scaled to the analysis's image; `figure`: a file to draw
    the histogram beside the profile into (.png, .svg or .pdf)."""
    from .profiles import spatial_profile
    prof = spatial_profile(analysis)
    extent = analysis.image_extent()
    objects = read_objects(objects_path, (extent["h"], extent["w"]))
    assignment = assign(prof, objects, model, list(maps))
    if figure:
        from scnn_tools.views.plot import match_figure
        match_figure(prof, objects, assignment, figure, model)
    bands = [{"from": lo, "to": hi, "objects": count, "map": point.label, "covered": covered,
              "scale": point.scale(model), "jump": point.jump} for lo, hi, count, point, covered in assignment]
    return {"net": prof.name, "objects": len(objects.sizes), "scaled": objects.scaled,
            "larger_than_input": objects.larger, "scale_model": model, "bands": bands}


def lines(result, input_hw):
    """The result in words, as `scnn-tools match` prints it: (the report's lines, a warning or None)."""
    warning = None
    if result["larger_than_input"]:
        warning = (f"{result['larger_than_input']} of {result['objects']} boxes are wider or taller than the input "
                   f"({input_hw[0]}x{input_hw[1]})"
                   f"{'' if result['scaled'] else ' (sizes as given: the file has no image sizes)'}")
    where = "input pixels, boxes scaled as their images are fitted to the input" if result["scaled"] else \
        "pixels as given (the images' sizes are not in the file)"
    out = [f"{result['objects']} objects, sizes sqrt(w*h) in {where}; {result['scale_model']} spatial scale"]
    for band in result["bands"]:
        scale = band["scale"]
        what = f"{band['map']}: scale {scale['width']:.0f}, overlap {scale['overlap']:.2f}, stride {band['jump']}"
        note = "" if band["covered"] else "  (no map covers them: the largest scale is shown)"
        out.append(f"  {band['from']:>6.0f}-{band['to']:<6.0f} px  {band['objects']:>7} objects  ->  {what}{note}")
    return out, warning

"""Figures: spatial-scale profiles, object sizes against them, effective receptive fields.

matplotlib is imported here only, with its non-interactive Agg backend, when a
figure is asked for. The numbers come from profiles.py, match.py and effective_field.py;
this module only draws them. PNG, SVG and PDF by the output's extension,
written without dates so that the same input gives the same file.
"""

import itertools

from scnn_tools.errors import InputError
from scnn_tools.output import number

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]


def _matplotlib():
    try:
        import matplotlib
    except ImportError:
        raise InputError("figures need matplotlib, a dependency of scnn-tools that is missing here: "
                         "reinstall scnn-tools (pip install scnn-tools)") from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "scnn-tools"  # stable ids in SVG files
    return matplotlib


def _pyplot():
    _matplotlib()
    import matplotlib.pyplot as plt
    return plt


def _figure(figsize):
    """A figure of its own, outside pyplot's list of open figures: the caller may keep it to look at its
    artists, and it is freed with the last reference to it."""
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def check_output(path):
    """The figure's format; refused before anything is computed if the file cannot be written."""
    import os
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in FORMATS:
        raise InputError(f"the figure's file name must end in .png, .svg or .pdf (got {path!r})")
    directory = os.path.dirname(os.path.abspath(str(path)))
    if not os.path.isdir(directory):
        raise InputError(f"cannot write the figure: no directory {directory}", path)
    if not os.access(directory, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise InputError("cannot write the figure here: permission denied", path)
    return FORMATS[ext]


def write(fig, path):
    """Write the figure whole or not at all, without dates; the figure stays as it was drawn."""
    from scnn_tools.output import replacing
    fmt = check_output(path)
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    with replacing(path) as tmp:
        fig.savefig(tmp, format=fmt, metadata=metadata, dpi=110, bbox_inches="tight")


def save(fig, path):
    """write, then free a pyplot figure's artists."""
    try:
        write(fig, path)
    finally:
        fig.clf()


def _models(model):
    return ["exact", "blog"] if model == "both" else [model]


def _end(points, model):
    """(last point with a value, first point after it without) where a model stops before the end."""
    for before, after in zip(points, points[1:]):
        if before.width(model) and not after.width(model):
            if not any(p.width(model) for p in points[points.index(after):]):
                return before, after
    return None


def _bounds(points):
    """(depth, width at most) of the points whose exact scale is only bounded."""
    return [(p.depth, p.exact["area_at_most"] ** 0.5) for p in points
            if p.exact and p.exact.get("area_at_most") is not None]


# Behind a label: the lines under it show through faintly.
BACKING = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75}

# What each line style means, the same for every net: the legend says it once.
STYLES = {"exact": ("-", "scale width, exact model"), "blog": ("--", "scale width, blog model"),
          "bound": ("v", "scale width at most (field not a product; query gives one feature exactly)"),
          "field": (":", "receptive field (box side)")}


def profile_figure(profiles, path, model="exact", marks=(), labels=None, title=None):
    """Draw and write the figure; the Figure is returned for a caller to look at. labels: one legend name per
    profile (default: the profiles' names)."""
    fig = _figure((9, 5.2))
    ax = fig.add_subplot()
    strides, notes, drawn = [], [], set()
    for n, prof in enumerate(profiles):
        colour = COLOURS[n % len(COLOURS)]
        for m in _models(model):
            pairs = [(p.depth, p.width(m)) for p in prof.points if p.width(m) is not None and p.width(m) > 0]
            bounds = _bounds(prof.points) if m == "exact" else []
            if bounds:  # (where only a bound is known: marks under it, no line through unknown values)
                ax.plot(*zip(*bounds), STYLES["bound"][0], color=colour, ms=4, ls="none")
                drawn.add("bound")
            if pairs:
                ax.plot(*zip(*pairs), STYLES[m][0], color=colour, lw=1.8)
                drawn.add(m)
                ended = None if bounds else _end(prof.points, m)
                if ended is not None:  # the model stops covering the net: say where, do not trail off
                    last, stop = ended
                    ax.plot([last.depth], [last.width(m)], "x", color=colour, ms=7, mew=1.6)
                    notes.append(_note(ax, f"{m} model ends at {stop.layer}", (last.depth, last.width(m)),
                                       (4, 6), colour, 7))
        if _field_line(ax, prof.points, colour, None, notes):
            drawn.add("field")
        for d, jump in prof.stride_changes():
            ax.axvline(d, color=colour, lw=0.5, alpha=0.25)
            strides.append((d, number(jump), n))
        for mark in marks:
            point = prof.find(mark)
            if point is None:
                continue
            value = point.width(_models(model)[0]) or point.rf
            blog = point.width("blog") if model == "both" else None
            other = f"\nblog {blog:.0f}" if blog and round(blog) != round(value) else ""
            ax.plot([point.depth], [value], "o", color=colour, ms=4)
            notes.append(_note(ax, f"{mark}: {value:.0f}{other}", (point.depth, value), (4, -4), colour, 8))
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 3)  # room above the curves' ends, where most notes are
    ax.set_xlabel("depth (layers on the main path)")
    ax.set_ylabel("input pixels")
    ax.grid(True, which="both", alpha=0.2)
    names = [labels[n] if labels else prof.name for n, prof in enumerate(profiles)]
    _profile_legend(ax, names, [m for m in STYLES if m in drawn])
    strip = _stride_strip(fig, ax, strides)
    (strip or ax).set_title(title or "Spatial scale and receptive field along the main path")
    _keep_apart(fig, ax, notes)
    write(fig, path)
    return fig


def _profile_legend(ax, names, styles):
    """Colour is the net and line style what is drawn, each said once: with one net, the styles in its colour
    under its name."""
    from matplotlib.lines import Line2D
    one = len(names) == 1
    handles = [] if one else [Line2D([], [], color=COLOURS[n % len(COLOURS)], lw=1.8) for n in range(len(names))]
    texts = [] if one else list(names)
    for m in styles:
        ls, text = STYLES[m]
        colour = COLOURS[0] if one else "#444444"
        handles.append(Line2D([], [], color=colour, ls="none", marker=ls, ms=4) if m == "bound" else
                       Line2D([], [], color=colour, ls=ls, lw=1.8 if m != "field" else 1.2))
        texts.append(text)
    ax.legend(handles, texts, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False,
              title=names[0] if one else None, title_fontsize=8, alignment="left")


def _note(ax, text, xy, offset, colour, size, moved=False):
    """An annotation the layout may move: offset in points from the point it names, away from it (a line
    leads back to the point once it has been moved)."""
    arrow = {"arrowstyle": "-", "color": colour, "lw": 0.6, "alpha": 0.7, "shrinkA": 1, "shrinkB": 3} if moved \
        else None
    note = ax.annotate(text, xy, xytext=offset, textcoords="offset points", fontsize=size, color=colour,
                       arrowprops=arrow, bbox=BACKING)  # legible where a curve passes under it
    _turn(note, offset)
    return note


def _keep_apart(fig, ax, notes):
    """Every annotation inside the plot, clear of the others, of the points they name and of the lines that
    lead to moved ones, by simple rules on measured boxes. From the right, so that neighbours spread apart,
    each takes the nearest free place (see _free_spot): at a corner of its point, moved away from the point
    by whole lines of its text as few times as it must; a moved one gets a line back to its point."""
    from matplotlib.path import Path
    fig.canvas.draw()  # the final layout: where the plot and the texts are, in pixels
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    order = sorted(notes, key=lambda t: tuple(-ax.transData.transform(t.xy)))
    anchors = [ax.transData.transform(t.xy) for t in order]
    boxes, leads = [_dot(a, 4) for a in anchors], []
    for note, anchor in zip(order, anchors):
        found = _free_spot(note, renderer, frame, anchor, boxes, leads)
        if found is None:  # no place inside the plot at all: where it was asked for, and the tests say so
            continue
        offset, box, moved = found
        if moved:
            text, xy, colour, size = note.get_text(), note.xy, note.get_color(), note.get_fontsize()
            note.remove()
            _note(ax, text, xy, offset, colour, size, moved=True)
            leads.append(Path([anchor, _centre(box)]))
        boxes.append(box)


def _free_spot(note, renderer, frame, anchor, boxes, leads):
    """(offset in points, its box in pixels, whether it is away from its point) of the nearest place inside
    the plot that covers nothing placed and whose line back to the point crosses nothing either; else of the
    nearest that covers nothing; else the nearest inside; None where nothing is inside."""
    from matplotlib.path import Path
    first = note.xyann
    places = _places(note, renderer, frame)

    def free(place):
        box = place[1]
        return not any(b.overlaps(box) for b in boxes) and not any(lead.intersects_bbox(box) for lead in leads)

    def clear_lead(place):
        if not place[2]:
            return True
        lead = Path([anchor, _centre(place[1])])
        return not (any(lead.intersects_bbox(b) for b in boxes if not b.contains(*anchor))
                    or any(lead.intersects_path(other, filled=False) for other in leads))
    chosen = next((p for p in places if free(p) and clear_lead(p)), None) or next(filter(free, places), None) \
        or (places[0] if places else None)
    _turn(note, chosen[0] if chosen else first)
    return chosen


def _places(note, renderer, frame):
    """The places inside the plot, nearest first: the four corners of the point (its own first, then across,
    then the other way up), then each moved away from the point by a line of its text, and again, while
    any is still inside."""
    dx, dy = note.xyann
    corners = [(dx, dy), (-dx, dy), (dx, -dy), (-dx, -dy)]
    line = (note.get_window_extent(renderer).height + 2) * 72 / renderer.dpi  # a line of its text, in points
    places = []
    for step in itertools.count():
        found = []
        for cx, cy in corners:
            offset = (cx, cy + (step * line if cy > 0 else -step * line))
            _turn(note, offset)
            box = note.get_window_extent(renderer)
            if frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1:
                found.append((offset, box, step > 0))
        if not found and step:
            return places
        places += found


def _centre(box):
    return ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)


def _dot(centre, radius):
    from matplotlib.transforms import Bbox
    (x, y), r = centre, radius
    return Bbox([[x - r, y - r], [x + r, y + r]])


def _turn(note, offset):
    note.xyann = offset
    note.set_ha("left" if offset[0] >= 0 else "right")
    note.set_va("bottom" if offset[1] > 0 else "top")


def _field_line(ax, points, colour, label, notes=None):
    """The receptive field along the path until it is global: from there on a feature sees the whole image,
    and its box on the unbounded plane (padding included) says nothing more, so the line ends, saying where.
    Whether a line was drawn; the note saying where it ends goes into `notes` (else it is placed as it is)."""
    shown = list(itertools.takewhile(lambda p: not any(p.glob), points))
    ax.plot([p.depth for p in shown], [p.rf for p in shown], ":", color=colour, lw=1.2, label=label)
    if shown and len(shown) < len(points):
        last, first = shown[-1], points[len(shown)]
        ax.plot([last.depth], [last.rf], ">", color=colour, ms=5)
        note = _note(ax, f"global from {first.layer}", (last.depth, last.rf), (-4, 6), colour, 7)
        if notes is not None:
            notes.append(note)
    return bool(shown)


def _stride_strip(fig, ax, strides, size=7):
    """The changes of stride, in a strip above the plot: horizontal labels in lanes, each label in the first
    lane where it clears the label before it by its measured width; the strip is as tall as its lanes, so no
    label can cover another or reach into the plot. None without changes."""
    if not strides:
        return None
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    ax.set_xlim(ax.get_xlim())  # the labels are placed for these limits
    renderer = fig.canvas.get_renderer()
    font = FontProperties(size=size)
    (x0, x1), width = ax.get_xlim(), ax.get_window_extent(renderer).width
    per_unit = width / (x1 - x0)
    pad = 4 * fig.dpi / 72  # the label's white box and a gap, in pixels
    ends, placed = [], []
    for d, text, n in sorted(set(strides)):
        w = renderer.get_text_width_height_descent(text, font, ismath=False)[0] + pad
        centre = min(max((d - x0) * per_unit, w / 2), width - w / 2)  # kept over the plot's width
        lane = next((i for i, end in enumerate(ends) if centre - w / 2 >= end), len(ends))
        ends[lane:lane + 1] = [centre + w / 2]
        placed.append((d, x0 + centre / per_unit, lane, text, COLOURS[n % len(COLOURS)]))
    lanes = len(ends)
    strip = make_axes_locatable(ax).append_axes("top", size=lanes * size * 1.6 / 72 + 0.06, pad=0.12, sharex=ax)
    strip.set_ylim(0, lanes)
    strip.set_yticks([])
    strip.tick_params(axis="x", bottom=False, labelbottom=False)
    strip.set_ylabel("stride", rotation=0, ha="right", va="center", fontsize=8)
    for d, x, lane, text, colour in placed:
        strip.axvline(d, color=colour, lw=0.5, alpha=0.35)
        strip.text(x, lanes - lane - 0.5, text, ha="center", va="center", fontsize=size, color=colour, bbox=BACKING)
    return strip


def match_figure(prof, objects, assignment, path, model="exact"):
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.2), sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    pairs = [(p.depth, p.width(model)) for p in prof.points if p.width(model)]
    left.plot(*zip(*pairs), "-", color=COLOURS[0], lw=1.8, label=f"scale width ({model})")
    _field_line(left, prof.points, COLOURS[0], "receptive field")
    chosen = {id(point): point for _, _, _, point, _ in assignment}
    for point in chosen.values():
        left.plot([point.depth], [point.width(model)], "o", color=COLOURS[1], ms=6)
        left.annotate(point.label, (point.depth, point.width(model)), xytext=(4, -12), textcoords="offset points",
                      fontsize=8, color=COLOURS[1])
    left.set_yscale("log")
    left.set_xlabel("depth (layers on the main path)")
    left.set_ylabel("input pixels")
    left.set_title(f"{prof.name}: which map fits which objects")
    left.grid(True, which="both", alpha=0.2)
    left.legend(fontsize=8, loc="upper left")
    for lo, hi, count, point, covered in assignment:
        right.barh(lo, count, height=hi - lo, align="edge", color=COLOURS[2] if covered else COLOURS[4],
                   edgecolor="white")
        right.annotate(point.label, (count, (lo * hi) ** 0.5), xytext=(3, 0), textcoords="offset points",
                       fontsize=7, va="center")
    right.set_xlabel(f"objects ({len(objects.sizes)})")
    right.set_title("object sizes" + (" (in input pixels)" if objects.scaled else ""))
    save(fig, path)


def clipped_box(box, shape):
    """The theoretical box (y0, y1, x0, x1, inclusive) cut to the image: (y0, y1, x0, x1, and which sides
    of the cut box are the box's own: top, bottom, left, right), or None when wholly outside."""
    y0, y1, x0, x1 = box
    h, w = shape
    if y1 < 0 or x1 < 0 or y0 > h - 1 or x0 > w - 1:
        return None
    return (max(y0, 0), min(y1, h - 1), max(x0, 0), min(x1, w - 1),
            (y0 >= 0, y1 <= h - 1, x0 >= 0, x1 <= w - 1))


# The marks on a heat map: a light line in a dark outline, so that one of the two stands out from any colour
# of the map under it, from black to the palest yellow.
MARK, OUTLINE = "white", "black"
FIELD_MARK = "#4cc9f0"


def _outlined(colour, width):
    from matplotlib import patheffects
    return {"color": colour, "lw": width, "solid_capstyle": "butt", "dash_capstyle": "butt",  # no seam on a circle
            "path_effects": [patheffects.Stroke(linewidth=width + 2, foreground=OUTLINE), patheffects.Normal()]}


def erf_figure(erf, centre, box, radii, path, title, log=False, size=None):
    """Draw and write the map; the Figure is returned for a caller to look at. size: the theoretical field as
    the commands print it (`global` where it is), its box's size if None."""
    import numpy as np
    from matplotlib.colors import LogNorm
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    height, width = erf.shape
    wide = width > 1.25 * height  # a lane model's 288x800: wider paper, not a thin strip in a square
    fig = _figure((9.5, 9.5 * height / width + 1.8) if wide else (6.4, 6.4))
    ax = fig.add_subplot()
    positive = erf[erf > 0]
    norm = LogNorm(vmin=max(positive.min(), positive.max() * 1e-6), vmax=positive.max()) if log and positive.size \
        else None
    image = ax.imshow(erf, cmap="magma", origin="upper", norm=norm, interpolation="nearest")
    bar = make_axes_locatable(ax).append_axes("right", size=0.2, pad=0.08)  # exactly as tall as the map
    fig.colorbar(image, cax=bar, label="share of the gradient" + (" (log scale)" if log else ""))
    cut = clipped_box(box, erf.shape)
    if cut is not None:
        y0, y1, x0, x1, own = cut
        top, bottom, left, right = y0 - 0.5, y1 + 0.5, x0 - 0.5, x1 + 0.5
        sides = [((left, right), (top, top), own[0]), ((left, right), (bottom, bottom), own[1]),
                 ((left, left), (top, bottom), own[2]), ((right, right), (top, bottom), own[3])]
        whole = all(own)
        size = size or f"{box[1] - box[0] + 1}x{box[3] - box[2] + 1}"
        label = f"theoretical field {size}" + ("" if whole else ", cut by the image (dashed)")
        for n, (xs, ys, is_own) in enumerate(sides):
            ax.plot(xs, ys, "-" if is_own else "--", label=label if n == 0 else None, **_outlined(FIELD_MARK, 1.4))
    turn = np.linspace(0, 2 * np.pi, 361)
    for r, style, share in zip(radii, ("-", "--"), ("50%", "90%")):
        ax.plot(centre[1] + r * np.cos(turn), centre[0] + r * np.sin(turn), style,
                label=f"{share} of the mass within {r:.0f} px", **_outlined(MARK, 1.2))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.set_xlabel("input x (pixels)")
    ax.set_ylabel("input y (pixels)")
    ax.set_title(title, fontsize=10)
    _legend_below(fig, ax)
    write(fig, path)
    return fig


def _legend_below(fig, ax):
    """The legend under the axis label, wherever the map's shape puts that label: placed by its measured
    box, not by a fraction of the axes, which is a few pixels for a wide, flat map."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label = ax.xaxis.get_tightbbox(renderer)  # the tick labels and the axis label
    frame = ax.get_window_extent(renderer)
    below = fig.transFigure.inverted().transform(((frame.x0 + frame.x1) / 2, label.y0 - 4))
    wide = frame.width > 1.5 * frame.height  # room for the entries side by side
    fig.legend(*ax.get_legend_handles_labels(), loc="upper center", bbox_to_anchor=below, ncol=3 if wide else 1,
               fontsize=8, frameon=False)

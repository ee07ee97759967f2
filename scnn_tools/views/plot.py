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


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise InputError("figures need matplotlib, a dependency of scnn-tools that is missing here: "
                         "reinstall scnn-tools (pip install scnn-tools)") from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "scnn-tools"  # stable ids in SVG files
    import matplotlib.pyplot as plt
    return plt


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


def save(fig, path):
    """Write the figure whole or not at all, without dates."""
    from scnn_tools.output import replacing
    fmt = check_output(path)
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    try:
        with replacing(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata, dpi=110, bbox_inches="tight")
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


def profile_figure(profiles, path, model="exact", marks=(), labels=None, title=None):
    """labels: one legend name per profile (default: the profiles' names)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 5.2))
    styles = {"exact": "-", "blog": "--"}
    strides = []
    for n, prof in enumerate(profiles):
        colour = COLOURS[n % len(COLOURS)]
        name = labels[n] if labels else prof.name
        for m in _models(model):
            pairs = [(p.depth, p.width(m)) for p in prof.points if p.width(m) is not None and p.width(m) > 0]
            if pairs:
                ax.plot(*zip(*pairs), styles[m], color=colour, lw=1.8, label=f"{name}: scale width ({m})")
                ended = _end(prof.points, m)
                if ended is not None:  # the model stops covering the net: say where, do not trail off
                    last, stop = ended
                    ax.plot([last.depth], [last.width(m)], "x", color=colour, ms=7, mew=1.6)
                    ax.annotate(f"{m} model ends at {stop.layer}", (last.depth, last.width(m)), xytext=(4, 6),
                                textcoords="offset points", fontsize=7, color=colour)
        _field_line(ax, prof.points, colour, f"{name}: receptive field")
        for d, jump in prof.stride_changes():
            ax.axvline(d, color=colour, lw=0.5, alpha=0.25)
            strides.append((d, f"stride {number(jump)}", colour))
        for mark in marks:
            point = prof.find(mark)
            if point is None:
                continue
            value = point.width(_models(model)[0]) or point.rf
            blog = point.width("blog") if model == "both" else None
            other = f"\nblog {blog:.0f}" if blog and round(blog) != round(value) else ""
            ax.plot([point.depth], [value], "o", color=colour, ms=4)
            ax.annotate(f"{mark}: {value:.0f}{other}", (point.depth, value), xytext=(4, -4),
                        textcoords="offset points", fontsize=8, color=colour, va="top")
    ax.set_yscale("log")
    ax.set_xlabel("depth (layers on the main path)")
    ax.set_ylabel("input pixels")
    ax.set_title(title or "Spatial scale and receptive field along the main path")
    ax.grid(True, which="both", alpha=0.2)
    _stride_labels(fig, ax, strides)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    save(fig, path)


def _field_line(ax, points, colour, label):
    """The receptive field along the path until it is global: from there on a feature sees the whole image,
    and its box on the unbounded plane (padding included) says nothing more, so the line ends, saying where."""
    shown = list(itertools.takewhile(lambda p: not any(p.glob), points))
    ax.plot([p.depth for p in shown], [p.rf for p in shown], ":", color=colour, lw=1.2, label=label)
    if shown and len(shown) < len(points):
        last, first = shown[-1], points[len(shown)]
        ax.plot([last.depth], [last.rf], ">", color=colour, ms=5)
        ax.annotate(f"global from {first.layer}", (last.depth, last.rf), xytext=(-4, 6), textcoords="offset points",
                    fontsize=7, color=colour, ha="right")


def _stride_labels(fig, ax, labels):
    """Stride labels along the top of the plot, upright text in lanes: a label closer to the one before it
    in its lane than the text is tall goes to the next lane down, so that none overlap."""
    import matplotlib.transforms as transforms
    fig.canvas.draw()  # the axes' size in pixels decides what is too close
    (x0, x1), width = ax.get_xlim(), ax.get_window_extent().width
    gap = (x1 - x0) * 11 / max(width, 1)  # a 7-point upright label is about 10 pixels wide
    lanes = []
    place = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for d, text, colour in sorted(set(labels), key=lambda item: (item[0], item[1])):
        lane = next((i for i, last in enumerate(lanes) if d - last >= gap), len(lanes))
        if lane == len(lanes):
            lanes.append(d)
        lanes[lane] = d
        ax.text(d, 0.985 - 0.2 * lane, text, transform=place, rotation=90, ha="center", va="top", fontsize=7,
                color=colour, bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7})


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


def erf_figure(erf, centre, box, radii, path, title, log=False, size=None):
    """size: the theoretical field as the commands print it (`global` where it is), its box's size if None."""
    plt = _pyplot()
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Circle
    from mpl_toolkits.axes_grid1 import make_axes_locatable
    fig, ax = plt.subplots(figsize=(6.4, 6.4))
    positive = erf[erf > 0]
    norm = LogNorm(vmin=max(positive.min(), positive.max() * 1e-6), vmax=positive.max()) if log and positive.size \
        else None
    image = ax.imshow(erf, cmap="magma", origin="upper", norm=norm, interpolation="nearest")
    bar = make_axes_locatable(ax).append_axes("right", size="4%", pad=0.08)  # exactly as tall as the map
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
            ax.plot(xs, ys, "-" if is_own else "--", color="#4cc9f0", lw=1.4, label=label if n == 0 else None)
    for r, style, share in zip(radii, ("-", ":"), ("50%", "90%")):
        ax.add_patch(Circle((centre[1], centre[0]), r, fill=False, ec="white", lw=1, ls=style,
                            label=f"{share} of the mass within {r:.0f} px"))
    ax.set_xlim(-0.5, erf.shape[1] - 0.5)
    ax.set_ylim(erf.shape[0] - 0.5, -0.5)
    ax.set_xlabel("input x (pixels)")
    ax.set_ylabel("input y (pixels)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    save(fig, path)

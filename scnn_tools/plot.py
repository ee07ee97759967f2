"""Figures: spatial-scale profiles, object sizes against them, effective receptive fields.

matplotlib is imported here only, with its non-interactive Agg backend, when a
figure is asked for. The numbers come from profile.py, match.py and erf.py;
this module only draws them. PNG, SVG and PDF by the output's extension,
written without dates so that the same input gives the same file.
"""

from .errors import InputError
from .output import number

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
    import os
    ext = os.path.splitext(str(path))[1].lower()
    if ext not in FORMATS:
        raise InputError(f"the figure's file name must end in .png, .svg or .pdf (got {path!r})")
    return FORMATS[ext]


def save(fig, path):
    """Write the figure whole or not at all, without dates."""
    from .output import replacing
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


def profile_figure(profiles, path, model="exact", marks=()):
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 5.2))
    styles = {"exact": "-", "blog": "--"}
    for n, prof in enumerate(profiles):
        colour = COLOURS[n % len(COLOURS)]
        depth = [p.depth for p in prof.points]
        for m in _models(model):
            pairs = [(p.depth, p.width(m)) for p in prof.points if p.width(m) is not None and p.width(m) > 0]
            if pairs:
                ax.plot(*zip(*pairs), styles[m], color=colour, lw=1.8,
                        label=f"{prof.name}: scale width ({m})")
                ended = _end(prof.points, m)
                if ended is not None:  # the model stops covering the net: say where, do not trail off
                    last, stop = ended
                    ax.plot([last.depth], [last.width(m)], "x", color=colour, ms=7, mew=1.6)
                    ax.annotate(f"{m} model ends at {stop.layer}", (last.depth, last.width(m)), xytext=(4, 6),
                                textcoords="offset points", fontsize=7, color=colour)
        ax.plot(depth, [p.rf for p in prof.points], ":", color=colour, lw=1.2, label=f"{prof.name}: receptive field")
        for d, jump in prof.stride_changes():
            point = prof.points[d]
            ax.annotate(f"stride {number(jump)}", (d, point.rf), xytext=(0, 8), textcoords="offset points",
                        fontsize=7, color=colour, ha="center")
            ax.axvline(d, color=colour, lw=0.5, alpha=0.25)
        for name in marks:
            point = prof.find(name)
            if point is None:
                continue
            value = point.width(_models(model)[0]) or point.rf
            ax.plot([point.depth], [value], "o", color=colour, ms=4)
            ax.annotate(f"{name}: {value:.0f}", (point.depth, value), xytext=(4, -12), textcoords="offset points",
                        fontsize=8, color=colour)
    ax.set_yscale("log")
    ax.set_xlabel("depth (layers on the main path)")
    ax.set_ylabel("input pixels")
    ax.set_title("Spatial scale and receptive field along the main path")
    ax.grid(True, which="both", alpha=0.2)
    ax.legend(fontsize=8, loc="upper left")
    save(fig, path)


def match_figure(prof, objects, assignment, path, model="exact"):
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.2), sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    pairs = [(p.depth, p.width(model)) for p in prof.points if p.width(model)]
    left.plot(*zip(*pairs), "-", color=COLOURS[0], lw=1.8, label=f"scale width ({model})")
    left.plot([p.depth for p in prof.points], [p.rf for p in prof.points], ":", color=COLOURS[0], lw=1.2,
              label="receptive field")
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


def erf_figure(erf, centre, box, radii, path, title):
    plt = _pyplot()
    from matplotlib.patches import Circle, Rectangle
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    image = ax.imshow(erf, cmap="magma", origin="upper")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the gradient")
    y0, y1, x0, x1 = box
    ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0 + 1, y1 - y0 + 1, fill=False, ec="#4cc9f0", lw=1.2,
                           ls="--", label=f"theoretical field {y1 - y0 + 1}x{x1 - x0 + 1}"))
    for r, style, share in zip(radii, ("-", ":"), ("50%", "90%")):
        ax.add_patch(Circle((centre[1], centre[0]), r, fill=False, ec="white", lw=1, ls=style,
                            label=f"{share} of the mass within {r:.0f} px"))
    ax.set_xlim(-0.5, erf.shape[1] - 0.5)
    ax.set_ylim(erf.shape[0] - 0.5, -0.5)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    save(fig, path)

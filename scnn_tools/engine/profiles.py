"""The spatial-scale profile of a net: scale and receptive field along its main path.

The main path runs back from the last blob with a receptive field, through the
bottom with the largest field wherever paths merge (the residual branch, not
the shortcut), to the image. Its points are the layers on it that compute a
new field: in-place layers only relabel a blob, and a merge adds no step of
its own. Every number comes from the analysis; plot.py only draws them.
"""

from scnn_tools.errors import InputError, option
from scnn_tools.output import field_text
from .analysis import Analysis


class Point:
    __slots__ = ("depth", "layer", "blob", "rf", "sizes", "glob", "jump", "exact", "blog", "shape", "label")

    def __init__(self, depth, layer, blob, sizes, glob, jump, exact, blog, shape):
        self.depth, self.layer, self.blob, self.jump = depth, layer, blob, jump
        # The box per axis [h, w] on the unbounded plane and whether it is global there (the analysis's rf);
        # rf is the larger side, what the figure draws where the field is not global.
        self.sizes, self.glob, self.rf = sizes, glob, max(sizes)
        self.exact, self.blog, self.shape = exact, blog, shape  # {'area', 'width', 'overlap'} or None
        self.label = blob  # the last blob on the path with this field (res2c for res2c_branch2c)

    def scale(self, model):
        """{'area', 'width', 'overlap'} in the exact or the blog model, or None."""
        return self.exact if model == "exact" else self.blog

    def width(self, model):
        values = self.scale(model)
        return None if values is None else values["width"]


class Profile:
    def __init__(self, name, points, source, aliases=None, extent=None):
        self.name, self.points, self.source = name, points, source
        self.extent = extent  # the image's (height, width)
        # Layers and blobs on the path that are not points of their own (in-place
        # layers, merges): the point whose field they have.
        self.aliases = aliases or {}

    def stride_changes(self):
        """Depths where the jump (effective stride) changes, with the new jump."""
        return [(p.depth, p.jump) for prev, p in zip(self.points, self.points[1:]) if p.jump != prev.jump]

    def find(self, name):
        for p in self.points:
            if name in (p.layer, p.blob):
                return p
        return self.aliases.get(name)


def check_marks(marks, profiles):
    """Names to mark must be on some profile's main path; an error lists close names otherwise."""
    import difflib
    known = {name for prof in profiles for p in prof.points for name in (p.layer, p.blob)}
    known |= {name for prof in profiles for name in prof.aliases}
    for mark in marks:
        if mark not in known:
            close = difflib.get_close_matches(mark, sorted(known), n=5, cutoff=0.5)
            hint = f"; close names: {', '.join(close)}" if close else ""
            raise InputError(f"{option('marks', mark, repr([mark]))}: no layer or blob of that name on the main "
                             f"path of {' or '.join(p.name for p in profiles)}{hint}")


def load(source, phase=None, image_shape=None, named=None, stages=()):
    from scnn_tools.netfile.reader import read_net
    return profile(Analysis(read_net(source), phase, image_shape, named, stages))


def spatial_profile(analysis):
    """The profile of an analyzed net; an error where no layer has a field on an image to profile."""
    prof = profile(analysis)
    if len(prof.points) < 2:
        graph = analysis.graph
        half = next((b for b in graph.blobs if b.producer is not None and analysis.traced[b.id] is not None
                     and analysis.rf(b.id) is not None and not _square_field(analysis, b.id)), None)
        if half is not None:  # (a field known on one axis only: say where the other was lost)
            node = graph.nodes[half.producer]
            raise InputError(f"no layer of the net has a receptive field known on both axes of the image: from "
                             f"layer '{node.name}' ({node.type}) on, one axis' field is unknown (analyze's warnings "
                             "say why): nothing to profile", analysis.netfile.source)
        raise InputError("no layer of the net has a receptive field on an image input (N x C x H x W): "
                         "nothing to profile", analysis.netfile.source)
    return prof


def result(prof):
    """What `scnn_tools.profile` returns and `scnn-tools profile --format json` prints per net: the net's
    name and one dict per point, from the image on (depth, layer, blob, rf, global, jump, shape, exact, blog):
    rf is the larger side of the box on the unbounded plane, global per axis [h, w] as analyze's rf says."""
    return {"net": prof.name, "points": [{"depth": p.depth, "layer": p.layer, "blob": p.label, "rf": p.rf,
                                          "global": p.glob, "jump": p.jump, "shape": p.shape, "exact": p.exact,
                                          "blog": p.blog}
                                         for p in prof.points]}


def sentence(prof):
    """One net's profile in words, as `scnn-tools profile` prints it."""
    last = prof.points[-1]
    return (f"{prof.name}: {len(prof.points) - 1} layers on the main path, to '{last.layer}': receptive field "
            f"{field_text(last.sizes, last.glob)}, stride {last.jump}")


def file_labels(paths):
    """Each net's file name without its extension; its folder too where two would read alike, then a number."""
    import os
    names = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    longer = [os.path.join(os.path.basename(os.path.dirname(os.path.abspath(p))), n) if names.count(n) > 1 else n
              for p, n in zip(paths, names)]
    return [f"{n} ({i + 1})" if longer.count(n) > 1 else n for i, n in enumerate(longer)]


def figure(profiles, path, model="exact", marks=(), labels=None, title=None):
    """Draw the profiles into `path` (.png, .svg or .pdf); `labels` (default: the files' names) name them.
    The matplotlib Figure drawn, to look at."""
    labels = list(labels) if labels else file_labels([p.source for p in profiles])
    if len(labels) != len(profiles):
        raise InputError(f"{option('labels')} gives {len(labels)} name(s) for {len(profiles)} net(s)")
    check_marks(marks, profiles)
    from scnn_tools.views.plot import profile_figure
    return profile_figure(profiles, path, model, list(marks), labels, title)


def profile(analysis):
    graph = analysis.graph
    traced = [b for b in graph.blobs if analysis.traced[b.id] is not None and _square_field(analysis, b.id)]
    if not traced:
        return Profile(analysis.netfile.name, [], analysis.netfile.source)
    path, pending, aliases = [], [], {}
    blob = traced[-1]
    while blob.producer is not None:
        node = graph.nodes[blob.producer]
        candidates = [graph.blobs[b] for b in node.bottoms if analysis.traced[b] is not None]
        if not candidates:
            break
        in_place = blob.name in node.bottom_names
        merge = len(candidates) > 1
        if in_place or merge:
            pending += [node.name, blob.name]
        else:
            path.append((node, blob, pending))
            pending = []
        blob = max(candidates, key=lambda b: _rf_size(analysis, b.id))
    path.reverse()
    image = graph.blobs[analysis.image]
    points = [_point(analysis, 0, "input", image)]
    for i, (node, blob, names) in enumerate(path, 1):
        points.append(_point(analysis, i, node.name, blob))
        if names:
            points[-1].label = names[1]  # names run from the far end: (layer, blob) pairs
        for name in names:
            aliases.setdefault(name, points[-1])
    extent = analysis.image_extent()
    return Profile(analysis.netfile.name, points, analysis.netfile.source, aliases, (extent["h"], extent["w"]))


def _square_field(analysis, blob_id):
    rf = analysis.rf(blob_id)
    return rf is not None and None not in rf["size"]


def _rf_size(analysis, blob_id):
    rf = analysis.rf(blob_id)
    return max(rf["size"]) if rf and None not in rf["size"] else -1


def _point(analysis, depth, layer, blob):
    rf = analysis.rf(blob.id)
    exact, blog = analysis.scales(blob.id)
    return Point(depth, layer, blob.name, rf["size"], analysis.global_axes(blob.id), max(rf["jump"]), exact, blog,
                 analysis.shapes.blobs[blob.id])

"""One net, analyzed: read → graph → shapes → receptive fields → scale and cost.

`report` returns the dictionary `analyze --format json` prints (schema
scnn-tools.analysis/1, its keys in the README); `query` answers for one
feature. Both work on `Analysis`, which splice, backbone, the profiles and
the ERF use too.
"""

import re
from collections import namedtuple

from scnn_tools.errors import InputError, warning
from scnn_tools.net.graph import build
from scnn_tools.net.indexmaps import Window
from scnn_tools.netfile.reader import read_net
from scnn_tools.output import field_text
from . import fields, scale
from .planes import OverBudget, backward, point
from .products import Planar
from .shapes import _why, infer, refuse_undeclared, rule_warnings, undeclared, unknown_warnings
from .totals import activations, layer_cost, memory, sum_of

SCHEMA = "scnn-tools.analysis/1"

# One axis of a feature's input box, in input pixels (hi inclusive): on the unbounded plane, its centre,
# and the box cut to the image.
Span = namedtuple("Span", "lo hi centre clipped_lo clipped_hi")


class Analysis:
    """The graph with every blob's shape, field and scale, ready for reports."""

    def __init__(self, netfile, phase=None, image_shape=None, named=None, stages=(), batch=None,
                 require_image=True):
        named = dict(named or {})
        self.netfile = netfile
        self.graph = graph = build(netfile, phase, free_inputs=named, stages=stages)
        # (an image whose size is declared but not its channels, as a Data layer's crop_size, is refused below only
        # where the net is not the same at any channel count)
        self.shapes = infer(graph, image_shape, named, batch=batch)
        self._said = list(graph.warnings) + unknown_warnings(graph, self.shapes)
        image = self.shapes.image
        if image is None:
            raise InputError("the net has no input, so there is nothing to analyze", netfile.source)
        self.image = image.blob
        self.image_axes = _image_axes(graph, image, self.shapes.blobs[image.blob])
        self.stand_ins, at_size = [], None
        shape = self.shapes.blobs[image.blob]
        if undeclared(graph, image, shape):
            if not self.shapes.contexts:
                # Nothing computed at all: say what would let it be, as the commands that need the image do.
                refuse_undeclared(graph, image, shape)
            sized = self.image_axes is not None and all(shape[a] is not None for a in self.image_axes)
            if require_image and not sized:
                refuse_undeclared(graph, image, shape)  # (before the runs at stand-in sizes, which would not serve)
            self.stand_ins = _at_stand_in_sizes(netfile, phase, shape, named, stages, sized)
            at_size = self._at_its_size() if sized else None
            if require_image and at_size is None:
                refuse_undeclared(graph, image, shape)
        # (where the run at the image's size serves, its deps: those of the image's own readers too, which the
        # unknown channels leave out here)
        self.deps = self._deps() if at_size is None else at_size.deps
        self._said += rule_warnings(graph, self.shapes)
        self._rf, self._exact, self._keys, self._rounded = {}, {}, {}, {}  # (by _field_key; its keys by blob)
        self._rounded_blog = {}  # (by the blog's (S, P))
        self._need = {}  # (fields.needed's, which the real walk asks again)
        if at_size is not None:
            # Its size declared, only its channels not: the fields are the net's at any channel count, the run's.
            self.stand_ins = []
            self.traced, self.real = at_size.traced, at_size.real
            self.blog, self.blog_warnings = at_size.blog, at_size.blog_warnings
            self.field_warnings = at_size.field_warnings
        self._planar = None
        self._image_given = image_shape is not None

    # Traced when first asked for: splice, which needs only the shapes of the host and of the spliced net, never
    # walks a field (the real walk of a 500x500 block after deconvolutions is seconds).
    _TRACED = frozenset(("traced", "real", "blog", "blog_warnings", "field_warnings"))

    def __getattr__(self, name):
        if name in Analysis._TRACED:
            self._trace()
        elif name == "warnings":
            # (everything said about the net, in the order it was found: reading, shapes, rules, fields, and a
            # placeholder image last)
            self.warnings = self._said + self.field_warnings + ([] if self._image_given else
                                                               self._placeholder_image())
        else:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return self.__dict__[name]

    def _trace(self):
        """Every blob's fields on the plane and in the image (the real walk), and the blog's scales."""
        graph, warnings = self.graph, []
        sources = fields.keeping(graph, self.shapes.blobs, self.deps)
        self.traced = fields.compute(graph, self.shapes.blobs, self.deps, self.image, self.image_axes, warnings,
                                     need=self._need, sources=sources)
        # Per blob, the fields of the pixels that can change a feature (the real walk), at once: where it runs
        # out of work a field is unknown, and so must the plane's be.
        costly = []
        self.real = fields.compute(graph, self.shapes.blobs, self.deps, self.image, self.image_axes, costly,
                                    plane=self.traced, need=self._need, sources=sources)
        if any(r is None and t is not None for r, t in zip(self.real, self.traced)):
            self.traced = [t if r is not None else None for r, t in zip(self.real, self.traced)]
            if not any(w["code"] == "fields-too-costly" for w in warnings):
                warnings += [w for w in costly if w["code"] == "fields-too-costly"]
        self.blog, self.blog_warnings = scale.blog(graph, self.deps, self.traced, self.image, sources)
        self.field_warnings = warnings

    def _at_its_size(self):
        """The one stand-in run, at the image's own declared height and width, where no blob with a field but the
        image depends on the channels the file leaves out (every other such blob's shape is the run's): then the
        net's fields, scales and shares of channels are the run's, at any channel count."""
        if not self.stand_ins:
            return None
        run = self.stand_ins[0]
        for blob, traced in enumerate(run.traced):
            if traced is not None and blob != self.image and self.shapes.blobs[blob] != run.shapes.blobs[blob]:
                return None
        return run

    def _placeholder_image(self):
        """A warning where a window on the image's path is wider than its padded input: deploy files that
        reshape at run time declare a placeholder (OpenPose's 1x3x1x1), and every figure at that size
        misleads."""
        blobs = self.shapes.blobs
        for node, bottom, axis, m in self._windows_on_the_image():
            width, padded = (m.k - 1) * m.d + 1, blobs[bottom][axis] + 2 * m.p
            if width > padded:
                extent = self.image_extent()
                return [warning("placeholder-input", f"the image '{self.graph.blobs[self.image].name}' is declared "
                                f"{extent['h']}x{extent['w']}, too small for layer '{node.name}', whose window of "
                                f"{width} is wider than its padded input of {padded}: a placeholder, as files that "
                                "reshape at run time declare; give the size the net runs at with --input-shape",
                                layer=node.name, line=node.line)]
        return []

    def _windows_on_the_image(self):
        """(node, bottom blob, bottom axis, Window) for every padded window that reads an image axis."""
        for node in self.graph.nodes:
            for per_axis in self.deps.get(node.index) or ():
                for items in per_axis.values():
                    for b, axis, m in items:
                        # (a crop or a slice is a window of 1 at an offset: no window to be too wide)
                        if isinstance(m, Window) and m.k > 1 and m.p >= 0:
                            traced = self.traced[node.bottoms[b]]
                            if traced and axis in traced.axes:
                                yield node, node.bottoms[b], axis, m

    def _deps(self):
        out = {}
        for index, ctx in self.shapes.contexts.items():
            if not ctx.tops or any(s is None or None in s for s in ctx.bottoms + ctx.tops):
                continue  # nothing to trace: no tops (Silence), or shapes unknown
            out[index] = ctx.node.kind.deps(ctx)  # (a type we do not know has no known tops, so no deps)
        return out

    @property
    def planar(self):
        """Which blobs' 2-D fields are products, and the exact scale of those that are not (products.Planar),
        formed when a scale is first asked."""
        if self._planar is None:
            self._planar = Planar(self)
        return self._planar

    # ------------------------------------------------------------ per blob
    def image_extent(self):
        shape, (h, w) = self.shapes.blobs[self.image], self.image_axes
        return {"h": shape[h], "w": shape[w]}

    def rf(self, blob_id):
        t = self.traced[blob_id]
        if t is None:
            return _size_free_rf([a.rf(blob_id) for a in self.stand_ins]) if self.stand_ins else None
        key = self._field_key(blob_id, t)[1]
        out = self._rf.get(key, self._rf)
        if out is self._rf:
            out = self._rf[key] = self._rf_of(t, self.real[blob_id], self.shapes.blobs[blob_id])
        return None if out is None else _own(out)

    def _field_key(self, blob_id, t):
        """(by its fields, by what they hold): what a blob's scales and what its rf and exact scale depend on,
        asked of each blob by both. The first is the blob's fields and its real sets', the very objects
        (_same_field), whose blobs' 2-D sets are one: a chain of layers reading one position of one bottom.
        The second, where the real sets are the plane's (most blobs), is what the fields hold (_held), which
        the per-axis measures depend on; else the first."""
        keys = self._keys.get(blob_id)
        if keys is None:
            shape, real = self.shapes.blobs[blob_id], self.real[blob_id]
            if real is t:
                same, held = [], []
                for a, (image_axis, field) in t.axes.items():
                    same.append((image_axis, field, shape[a]))
                    held.append((image_axis, _held(field), shape[a]))
                keys = (tuple(same + same), tuple(held))
            else:
                same = _same_field(t, shape) + _same_field(real, shape)
                keys = (same, same)
            self._keys[blob_id] = keys
        return keys

    def _rf_of(self, t, real, shape):
        extent = self.image_extent()
        per_axis = {}
        real = real.axes
        for a, (image_axis, field) in t.axes.items():
            per_axis[image_axis] = fields.summary(field, shape[a], extent[image_axis], real[a][1])
        h, w = per_axis.get("h"), per_axis.get("w")
        if h is None and w is None:
            return None
        (h, h_clipped, h_global), (w, w_clipped, w_global) = h or _NO_AXIS, w or _NO_AXIS
        return {"size": [h["size"], w["size"]], "clipped": [h_clipped, w_clipped], "jump": [h["jump"], w["jump"]],
                "start": [h["start"], w["start"]], "padding": [h["padding"], w["padding"]],
                "uniform": bool(h["uniform"] and w["uniform"]), "aligned": bool(h["aligned"] and w["aligned"]),
                "global": [h_global, w_global]}

    def global_axes(self, blob_id):
        """[h, w]: whether every feature of the blob sees the whole image along that axis (the rf's `global`,
        which query, profile and erf say too)."""
        rf = self.rf(blob_id)
        return [bool(g) for g in rf["global"]] if rf is not None else [False, False]

    def scales(self, blob_id):
        t = self.traced[blob_id]
        if t is None:
            return None, None
        exact = self._exact_of(blob_id, t)
        sp = self.blog.get(blob_id)
        return exact and dict(exact), (scale.blog_values(*sp) if sp is not None else None)

    def _exact_of(self, blob_id, t):
        """The exact scale of a traced blob, or None: worked out once per field (shared: not to be changed)."""
        key = self._field_key(blob_id, t)[1]
        exact = self._exact.get(key, self._exact)
        if exact is self._exact:
            exact = self._exact[key] = scale.exact(t, self.real[blob_id], self.shapes.blobs[blob_id],
                                                   self.image_extent())
        if exact is not None and not self.planar.product(blob_id):
            # Not a product: the per-axis product only bounds the 2-D set (products.py).
            found = self.planar.values.get(blob_id)
            exact = found if found is not None else {
                "area": None, "width": None, "overlap": None, "area_at_most": exact["area"]}
        return exact

    def rounded_scales(self, blob_id):
        """scales() as the report gives them, floats to 6 places: rounded once per field and per blog (S, P)
        (a shape-keeping layer's top has its bottom's), each blob given its own copy."""
        t = self.traced[blob_id]
        if t is None:
            return None, None
        key = self._field_key(blob_id, t)[0]
        exact = self._rounded.get(key, self._rounded)
        if exact is self._rounded:
            exact = self._rounded[key] = _rounded(self._exact_of(blob_id, t))
        sp = self.blog.get(blob_id)
        blog = None if sp is None else self._rounded_blog.get(sp)
        if blog is None and sp is not None:
            blog = self._rounded_blog[sp] = _rounded(scale.blog_values(*sp))
        return exact and dict(exact), blog and dict(blog)

    def no_field(self, blob_id):
        """The error for a blob without a field along h and w (query, erf)."""
        shape = self.shapes.blobs[blob_id]
        # A blob whose last version a layer of unknown shape wrote (darknet2caffe's in-place Mish after each
        # convolution) has no field because of that layer, not because it is not spatial: say so.
        known = shape is not None and None not in shape
        why = "" if known else ": " + _why(self.graph, self.shapes.blobs, self.shapes.unknown_from, blob_id)[0]
        return InputError(f"blob '{self.graph.blobs[blob_id].name}' has no spatial axes that trace back to the "
                          f"image{why}", self.netfile.source)

    def box(self, blob_id, y, x):
        """Input box of feature (y, x) of a blob: on the unbounded plane, cut to the image, its centre, and the
        pixels that can change it (a planes.Plane, exact in 2-D: the backward walk, padding reading nothing)."""
        t = self.traced[blob_id]
        name = self.graph.blobs[blob_id].name
        axes = {image_axis: (a, f) for a, (image_axis, f) in t.axes.items()} if t else {}
        if set(axes) != {"h", "w"}:
            raise self.no_field(blob_id)
        shape = self.shapes.blobs[blob_id]
        plane = None
        for which, index in (("h", y), ("w", x)):
            a = axes[which][0]
            if not 0 <= index < shape[a]:
                raise InputError(f"{'YX'[which == 'w']} = {index} is outside blob '{name}', "
                                 f"which has {shape[a]} positions along {which} (0..{shape[a] - 1})")
        pixels, spent = backward(self, blob_id, point(y, x), real=True)
        if pixels is None:
            raise InputError(f"blob '{name}': a layer on the way to the image does not say how it reads both "
                             "image axes, so the pixels of one feature cannot be traced in 2-D", self.netfile.source)
        try:
            # On the unbounded plane every map reads on beyond its ends, and an SCNN block's sets there grow by
            # a kernel per message: past a budget a few times the real walk's, the box is the per-axis one.
            plane, _ = backward(self, blob_id, point(y, x), real=False, budget=PLANE_BUDGET + 2 * spent)
            box = plane.box()
        except OverBudget:
            box = tuple(_ends(axes[which][1].at(index)) for which, index in (("h", y), ("w", x)))
        if box is None or None in box:
            raise InputError(f"feature ({y}, {x}) of blob '{name}' depends on no input pixel "
                             "(its layers leave that position empty)")
        (y0, y1), (x0, x1) = box
        inside = pixels.box() or ((None, None), (None, None))
        return {"h": Span(y0, y1, (y0 + y1) / 2, *inside[0]), "w": Span(x0, x1, (x0 + x1) / 2, *inside[1]),
                "pixels": pixels, "per_axis": plane is None}


# Bands the walk on the unbounded plane (query's box) may look at beyond twice what the real one did.
PLANE_BUDGET = 2000


def _ends(s):
    return (s[0][0], s[-1][1]) if s else None


# What the rf of a blob without a field along one image axis has along it: nothing, and nothing against
# the other axis's uniform and aligned.
_NO_AXIS = ({"size": None, "jump": None, "start": None, "padding": None, "uniform": True, "aligned": True},
            None, None)


def _own(rf):
    """A blob's own copy of an rf its field's blobs share (a caller may change it)."""
    return {"size": rf["size"][:], "clipped": rf["clipped"][:], "jump": rf["jump"][:], "start": rf["start"][:],
            "padding": rf["padding"][:], "uniform": rf["uniform"], "aligned": rf["aligned"],
            "global": rf["global"][:]}


def _same_field(traced, shape):
    """A blob's fields and its sizes along them. A shape-keeping layer's top has its bottom's very fields and
    sizes (Conv, BatchNormalization and Relu share one), and so the same rf and scales, which are worked out
    once. (The fields live as long as the Analysis.)"""
    return tuple([(image_axis, field, shape[a]) for a, (image_axis, field) in traced.axes.items()])


def _held(field):
    """A field by what it holds: a view of another field (parts.Field.seen: its sets are that field's seen
    through a window: a residual sum's is its branch's) by that field, the window and what a field says
    besides its sets (summary's global, aligned and centre); any other field by itself."""
    return field if field.seen is None else (*field.seen, field.glob, field.aligned, field.centre)


# ------------------------------------------------------- stand-in sizes
# Image sizes the fields are traced at where the file does not declare one: as the shape rules' stand-ins
# (shapes.FILLS), apart, but small enough that every blob stays within Caffe's count limit.
FIELD_FILLS = (509, 757, 1021)


def _at_stand_in_sizes(netfile, phase, shape, named, stages, sized):
    """The net analysed with one image at each of FIELD_FILLS (channels 3 where the file does not say them,
    which no field depends on), for what its fields have that does not depend on the size; none where the
    net does not run at them (a fixed upsample_h, a crop of a fixed size). One run where the file declares
    the image's height and width: every size is that one."""
    runs = []
    for fill in FIELD_FILLS[:1] if sized else FIELD_FILLS:
        # (batch 1 at the made-up sizes, whose blobs must stay within Caffe's count limit; the file's at its own)
        image = [d if d is not None and (sized or axis) else 1 if axis == 0 else 3 if axis == 1 else fill
                 for axis, d in enumerate(shape)]
        try:
            runs.append(Analysis(netfile, phase, image, named, stages))
        except InputError:
            return []
    return runs


def _size_free_rf(rfs):
    """What the receptive fields at the stand-in sizes say whatever the size: box size, jump, start and padding
    per axis where every size gives the same and every field is the same at every position (translation
    invariant, so not cut by the borders of a size); global where every size's is (the net makes it so);
    the rest, which the size decides (the box cut to the image), unknown."""
    if any(rf is None for rf in rfs):
        return None
    steady = all(rf["uniform"] for rf in rfs)
    out = {key: [values[0] if steady and len(set(values)) == 1 else None for values in zip(*(rf[key] for rf in rfs))]
           for key in ("size", "jump", "start", "padding")}
    out["clipped"] = [None, None]
    out["uniform"] = True if steady else None
    aligned = {rf["aligned"] for rf in rfs}
    out["aligned"] = aligned.pop() if len(aligned) == 1 else None
    out["global"] = [True if all(values) else None for values in zip(*(rf["global"] for rf in rfs))]
    return out


# ------------------------------------------------------------------ report
def _add(total, value):
    return None if total is None or value is None else total + value


_GROUP = re.compile(r"[A-Za-z]+\d*")


def group_of(name):
    """The name prefix layers are grouped by: letters and the digits after them (res2a_branch1 → res2)."""
    m = _GROUP.match(name)
    return m.group() if m else name


def analyze(source, phase=None, image_shape=None, named=None, stages=(), scale_model="exact", batch=None):
    # An image size the file does not declare leaves what depends on it unknown, not the whole analysis.
    return report(Analysis(read_net(source), phase, image_shape, named, stages, batch, require_image=False),
                  scale_model)


def report(analysis, scale_model="exact"):
    graph, blobs = analysis.graph, analysis.shapes.blobs
    names = [blob.name for blob in graph.blobs]
    shared, layers_out, groups = set(), [], {}
    parts = {"params": [], "macc": [], "activations": []}
    warnings = list(analysis.warnings) + analysis.planar.warnings(analysis)
    if scale_model == "blog":
        warnings += analysis.blog_warnings
    for node in graph.nodes:
        cost = layer_cost(analysis, node, shared)
        parts["params"].append(cost[0])
        parts["macc"].append(cost[1])
        params, macc = cost[0].value, cost[1].value
        outputs = []
        for i, t in enumerate(node.tops):
            exact, blog = analysis.rounded_scales(t)
            outputs.append({
                "blob": names[t],
                "shape": blobs[t],
                "rf": analysis.rf(t),
                "scale": blog if scale_model == "blog" else exact,
                "scale_models": {"exact": exact, "blog": blog},
            })
            if not node.writes_in_place(i):  # (a blob of unknown shape leaves the total 'at least', not smaller)
                parts["activations"].append(activations(analysis, t))
        read = node.bottoms[:len(node.bottom_names)]  # (not the blobs only its fields read: graph.build)
        layers_out.append({
            "name": node.name, "type": node.type, "line": node.line,
            "bottoms": [names[b] for b in read], "tops": [names[t] for t in node.tops],
            "params": params, "macc": macc, "outputs": outputs,
        })
        group = group_of(node.name)
        g = groups.get(group) or groups.setdefault(group, {"group": group, "layers": 0, "params": 0, "macc": 0})
        g["layers"] += 1
        g["params"] = _add(g["params"], params)
        g["macc"] = _add(g["macc"], macc)
    image = analysis.image
    totals = {name: sum_of(found) for name, found in parts.items()}
    return {
        "schema": SCHEMA,
        "source": analysis.netfile.source,
        "net": analysis.netfile.name,
        "phase": graph.phase,
        "scale_model": scale_model,
        "input": {"blob": graph.blobs[image].name, "shape": blobs[image]},
        "inputs": [{"blob": graph.blobs[i.blob].name, "shape": blobs[i.blob]} for i in graph.inputs],
        "layers": layers_out,
        "memory": {"batch": blobs[image][0] if blobs[image] else 1, **_fields(memory(analysis, totals["params"]))},
        "totals": {**_fields(totals), "flops": None if totals["macc"].value is None else 2 * totals["macc"].value},
        "groups": list(groups.values()),
        "warnings": warnings,
    }


def _fields(totals):
    """The JSON keys of named Totals: each value, or what of it is known (totals.Total.fields)."""
    out = {name: total.value for name, total in totals.items()}  # (the exact values first, as before)
    for name, total in totals.items():
        out.update(total.fields(name))
    return out


def _rounded(values):
    if values is None:
        return None
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in values.items()}


def query(analysis, blob, y, x):
    b = analysis.graph.blob(blob)
    if b is None:
        raise InputError(f"the net has no blob '{blob}'", analysis.netfile.source)
    box = analysis.box(b.id, y, x)
    h, w = box["h"], box["w"]
    extent = analysis.image_extent()
    # Global along an axis as the blob's rf says, where this feature's own pixels span the image along it.
    spans = [span.clipped_lo == 0 and span.clipped_hi == extent[which] - 1 for which, span in (("h", h), ("w", w))]
    return {
        "blob": blob,
        "index": [y, x],
        "box": {"y": [h.lo, h.hi], "x": [w.lo, w.hi]},
        "center": [h.centre, w.centre],
        "clipped": {"y": [h.clipped_lo, h.clipped_hi], "x": [w.clipped_lo, w.clipped_hi]},
        "global": [g and span for g, span in zip(analysis.global_axes(b.id), spans)],
        "pixels": box["pixels"].count(),
        # (true where the box on the plane is the per-axis fields' own: the largest over the other axis)
        "box_per_axis": box["per_axis"],
    }


def sentence(result):
    """A query's answer in words, as `scnn-tools query` prints it."""
    (y0, y1), (x0, x1) = result["box"]["y"], result["box"]["x"]
    (cy0, cy1), (cx0, cx1) = result["clipped"]["y"], result["clipped"]["x"]
    cy, cx = result["center"]
    y, x = result["index"]
    size = field_text([y1 - y0 + 1, x1 - x0 + 1], result["global"], square=True)
    inside = ("no pixel" if None in (cy0, cx0) else f"rows {cy0}..{cy1}, columns {cx0}..{cx1}")
    return (f"{result['blob']}[{y}, {x}] sees input rows {y0}..{y1} and columns {x0}..{x1} "
            f"({size}), centred at ({cy:g}, {cx:g}); inside the image: {inside}; "
            f"{result['pixels']:,} pixel{'' if result['pixels'] == 1 else 's'} can change it"
            + (" (the box on the plane is per axis: the widest over the other axis)" if result["box_per_axis"] else ""))


def _image_axes(graph, image, shape):
    """The image's (h, w) axes: the last two (a C3D clip is N x C x L x H x W), unless the layer that declares
    it says otherwise (an ONNX input read channels-last); None where its shape is unknown."""
    node = graph.nodes[image.layer] if image.layer is not None else None
    axes = node.kind.image_axes(node.param) if node is not None and node.kind is not None else None
    return axes or (None if shape is None else (len(shape) - 2, len(shape) - 1))

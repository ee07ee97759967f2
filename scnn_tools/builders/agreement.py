"""`export --check`: the model run in every installed runtime on the same inputs, held to our shapes,
to onnxruntime's outputs and, given them, to Caffe's.

A runtime that cannot load or run the model, gives an output another shape than ours, or differs from
onnxruntime (or Caffe) by more than BOUND of an output's largest value is an InputError naming the
runtime and what it said: the model is not what that runtime's users need, and they must hear so. An
output of positions (ArgMax's, a pooling mask) is held to the share of its elements that differ instead:
where two values tie to within rounding, either position is right.
"""

from scnn_tools.errors import InputError, option

from . import runtimes

# Of an output's largest |value|. Runtimes running the same model differ by float32 rounding: 1e-6 on
# most nets, 3.4e-4 from Caffe on the deepest the suite checks (PSPNet-101, about what Caffe's own
# rounding moves it by; README); a wrong form differs by far more.
BOUND = 1e-3
MOVED = 1e-3  # of the positions in an output of positions (SegNet's argmax: 4e-4 moved between runtimes)


class Agreement:
    """One runtime's run: `runtime`, `version`, `shapes` {blob: shape}, `finite` (every output),
    `difference` (the largest from onnxruntime's, relative to each output's largest value; None for
    onnxruntime itself) and `caffe` (the same from Caffe's outputs, where given; else None)."""

    def __init__(self, runtime, version, shapes, finite, difference, caffe):
        self.runtime, self.version, self.shapes, self.finite = runtime, version, shapes, finite
        self.difference, self.caffe = difference, caffe


def check(exported, seed=0, compare=None, model=None):
    """Run the model in each runtime of runtimes.installed() on the same inputs: random (N(0, 1), `seed`),
    or, given `compare` (a .npz of Caffe's blobs by name: the model's inputs and some of its outputs),
    Caffe's inputs, and its outputs compared with Caffe's. `model` is the file the model was written to,
    where it was (each runtime reads it there: the caller may drop `exported.data`, a second copy of the
    weights); else `exported.data`. [Agreement], onnxruntime's first."""
    import numpy as np

    caffe = _caffe_arrays(exported, compare) if compare is not None else None
    rng = np.random.default_rng(seed)
    shapes = dict(zip(exported.output_names, exported.outputs.values()))
    blobs = dict(zip(exported.output_names, exported.outputs))
    if caffe is not None:
        feeds = {name: caffe[name] for name in exported.inputs}
    else:
        feeds = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in exported.inputs.items()}
    reference, found = None, []
    for runtime in runtimes.installed():
        version = runtimes.version(runtime)
        said = f"{runtime} {version}"
        try:
            got = runtimes.run(model or exported.data, feeds, runtime, exported.output_names)
        except Exception as exc:  # (each runtime raises its own kind) the user must hear what it said
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            raise InputError(f"{option('check')}: {said} cannot run the model: {lines[-1].strip()}") from None
        for name, value in got.items():
            want = shapes[name]  # (None where the data decides: SSD's count of detections)
            if len(value.shape) != len(want) or any(d is not None and d != g for d, g in zip(want, value.shape)):
                raise InputError(f"{option('check')}: {said} gives '{blobs[name]}' the shape {list(value.shape)}, "
                                 f"scnn-tools {list(shapes[name])}")
        difference = None if reference is None else _worst(got, reference, said, "onnxruntime's", blobs,
                                                           exported.indices)
        from_caffe = None if caffe is None else _worst(
            {n: v for n, v in got.items() if blobs[n] in caffe}, {n: caffe[blobs[n]] for n in got if blobs[n] in caffe},
            said, "Caffe's", blobs, exported.indices)
        if reference is None:
            reference = got
        found.append(Agreement(runtime, version, {blobs[n]: list(v.shape) for n, v in got.items()},
                               all(bool(np.isfinite(v).all()) for v in got.values()), difference, from_caffe))
    return found


def write_checked(exported, output, seed=0, compare=None):
    """check() the model on the file it is written to, and keep that file (`output`) only if it passes. The
    model's bytes are dropped from `exported` once written: held beside each runtime's own copy of the
    weights they made --check's peak memory half as large again (FCN-8s: 2.47 GB)."""
    from scnn_tools.output import replacing
    with replacing(output) as tmp:
        with open(tmp, "wb") as f:
            f.write(exported.data)
        exported.data = None
        return check(exported, seed, compare, model=tmp)


def _worst(got, reference, said, whose, blobs, indices):
    """The largest difference of `got` from `reference` over the outputs of features, each relative to the
    reference's largest |value|; an InputError beyond BOUND, or where more than MOVED of an output of
    positions differ. Where the reference is not finite (filled weights can divide by a zero variance) only
    the values finite in both are compared."""
    import numpy as np
    worst = 0.0
    for name, value in got.items():
        theirs = np.asarray(reference[name], np.float64)
        if value.shape != theirs.shape:  # a count the data decides, decided otherwise
            raise InputError(f"{option('check')}: {said} gives '{blobs[name]}' the shape {list(value.shape)}, "
                             f"{whose} {list(theirs.shape)}")
        if blobs[name] in indices:
            # (beyond rounding: ArgMax's top holds the largest values too where out_max_val says)
            moved = float(np.mean(np.abs(value - theirs) > BOUND * np.abs(theirs).max())) if value.size else 0.0
            if moved > MOVED:
                raise InputError(f"{option('check')}: {said}'s '{blobs[name]}' holds other positions than {whose} "
                                 f"at {moved:.1%} of its elements (at most {MOVED:.1%} move where values tie to "
                                 "rounding)")
            continue
        finite = np.isfinite(theirs) & np.isfinite(value)
        if finite.all() != np.isfinite(theirs).all():
            raise InputError(f"{option('check')}: {said}'s '{blobs[name]}' is not finite where {whose} is")
        if not finite.any():
            continue
        scale = float(np.abs(theirs[finite]).max())
        error = float(np.abs(value[finite] - theirs[finite]).max())
        relative = error / scale if scale else error
        if relative > BOUND:
            raise InputError(f"{option('check')}: {said}'s '{blobs[name]}' differs from {whose} by {relative:.1e} "
                             f"of its largest value (at most {BOUND:g} is rounding)")
        worst = max(worst, relative)
    return worst


def _caffe_arrays(exported, path):
    """Caffe's arrays from `path` (.npz, by blob name): every model input, and some output, at our shapes."""
    import numpy as np
    try:
        saved = np.load(path, allow_pickle=False)
    except Exception as exc:  # (missing, unreadable, pickled objects: numpy says which)
        why = str(exc) or type(exc).__name__
        raise InputError(f"{option('compare')}: cannot read {path} as a .npz of arrays by blob name ({why})") from None
    if not isinstance(saved, np.lib.npyio.NpzFile):
        raise InputError(f"{option('compare')}: {path} holds one array; give a .npz of arrays named by blob")
    with saved:
        arrays = {name: saved[name] for name in saved.files}
    missing = [name for name in exported.inputs if name not in arrays]
    if missing:
        raise InputError(f"{option('compare')}: {path} has no array '{missing[0]}', the model's input to feed")
    if not any(name in arrays for name in exported.outputs):
        raise InputError(f"{option('compare')}: {path} has none of the model's outputs "
                         f"({', '.join(exported.outputs)}) to compare")
    for name, shape in list(exported.outputs.items()):
        if name in arrays and (arrays[name].ndim != len(shape) or any(
                d is not None and d != g for d, g in zip(shape, arrays[name].shape))):
            raise InputError(f"{option('compare')}: {path}'s '{name}' is {list(arrays[name].shape)}, the model's "
                             f"{list(shape)}")
    return {name: np.asarray(value, np.float32) for name, value in arrays.items()}

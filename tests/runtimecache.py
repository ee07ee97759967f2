"""The runtimes' outputs for an exported model, cached by everything that decides them.

The key is a sha256 of the model's exact bytes, the feeds, the outputs asked for, the runtime, its
version and scnn_tools/builders/runtimes.py (how it is called): a rerun with an unchanged export costs
nothing, and any change to the export, the inputs or a runtime runs it again. As realcaffe.py keeps
Caffe's answers, so that the suite stays fast once a machine has run it.
"""

import hashlib
import os
from pathlib import Path

import numpy as np

from scnn_tools.builders import runtimes

CACHE = Path(os.environ.get("SCNN_TOOLS_RUNTIME_CACHE", Path.home() / ".cache/scnn-tools-tests/runtimes"))


def _key(data, feeds, runtime, outputs):
    key = hashlib.sha256()
    for part in (runtime, runtimes.version(runtime), Path(runtimes.__file__).read_text(), *outputs):
        key.update(part.encode() + b"\0")
    for name in sorted(feeds):
        array = np.ascontiguousarray(feeds[name])
        key.update(f"{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        key.update(array.tobytes())
    key.update(data)
    return key.hexdigest()


def run(data, feeds, runtime, outputs):
    """runtimes.run(data, feeds, runtime, outputs), or what it answered before for the same."""
    outputs = list(outputs)
    cached = CACHE / f"{_key(data, feeds, runtime, outputs)}.npz"
    if cached.is_file():
        with np.load(cached) as saved:
            return {name: saved[f"o{k}"] for k, name in enumerate(outputs)}
    got = runtimes.run(data, feeds, runtime, outputs)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")  # (another run may be writing the same)
    with open(tmp, "wb") as f:
        np.savez(f, **{f"o{k}": np.asarray(got[name]) for k, name in enumerate(outputs)})
    os.replace(tmp, cached)
    return got

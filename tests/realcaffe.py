"""Real Caffe, built by ../shared/tools/caffe/build.sh, asked for blob shapes.

Found through SCNN_TOOLS_CAFFE_HOME (default ~/.cache/scnn-tools-caffe, where
build.sh puts it). Tests that need it skip, saying so, where it is absent.
What Caffe answered is cached by the text of the net and the build asked, so
that the suite stays fast once a machine has run it.
"""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

HOME = Path(os.environ.get("SCNN_TOOLS_CAFFE_HOME", Path.home() / ".cache/scnn-tools-caffe"))
CACHE = Path(os.environ.get("SCNN_TOOLS_CAFFE_CACHE", Path.home() / ".cache/scnn-tools-tests/caffe"))


def available(build="bvlc"):
    return (HOME / build / "venv/bin/python").is_file() and (HOME / build / "shapes.py").is_file()


def needs(build="bvlc"):
    return pytest.mark.skipif(not available(build), reason=f"real Caffe ({build}) is not built at {HOME / build}: "
                              "run ../shared/tools/caffe/build.sh (or set SCNN_TOOLS_CAFFE_HOME)")


def _cached(key, compute, keep=lambda result: True):
    """What Caffe answered for this key before, or compute it (in a child process) and keep it if `keep`."""
    key = hashlib.sha256(key.encode()).hexdigest()
    cached = CACHE / f"{key}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    result = compute(CACHE / f"{key}.prototxt")
    if not keep(result):
        return result
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, cached)
    return result


def _run(net, text, args, **kw):
    net.write_text(text)
    try:
        return subprocess.run(args + [str(net)], capture_output=True, text=True, timeout=600, **kw)
    finally:
        net.unlink()


def shapes(text, build="bvlc", forward=False):
    """Caffe's answer for a net given as text: {"load_ok", "error", "blobs": {name: shape}, "forward_ok", ...}."""
    def compute(net):
        proc = _run(net, text, [str(HOME / build / "venv/bin/python"), str(HOME / build / "shapes.py"),
                                "--hide-splits"] + (["--forward"] if forward else []))
        return json.loads(proc.stdout)
    return _cached(f"{build}\0{forward}\0{text}", compute)


MEMORY = """
import os, sys
os.environ["GLOG_minloglevel"] = "0"
import caffe
caffe.set_mode_cpu()
caffe.Net(sys.argv[1], caffe.TEST)
"""


def memory(text, build="bvlc"):
    """The last "Memory required for data" Caffe logs while it builds the net (bytes), or None."""
    import re

    def compute(net):
        proc = _run(net, text, [str(HOME / build / "venv/bin/python"), "-c", MEMORY],
                    env=dict(os.environ, GLOG_minloglevel="0"))
        found = re.findall(r"Memory required for data: (\d+)", proc.stderr)
        return int(found[-1]) if proc.returncode == 0 and found else None
    return _cached(f"memory\0{build}\0{text}", compute)

"""CULane's official evaluator (XingangPan/SCNN tools/lane_evaluation, C++ with OpenCV), built once, to check
lane-eval against the binary itself rather than a transcription.

Found through SCNN_TOOLS_LANE_EVAL (default ~/.cache/scnn-tools-lane-eval): `evaluate` there. Build it with

    python tests/lane_evaluator.py [SOURCE]

SOURCE: a checkout of XingangPan/SCNN (or its tools/lane_evaluation); without it the repository is cloned
(git, network). It needs g++ with OpenMP and OpenCV's C++ headers and libraries (core, imgproc, highgui,
imgcodecs: Debian's libopencv-dev, found with pkg-config opencv4, else /usr/include/opencv4): about 10 s of
CPU. The repository's Makefile links OpenCV 2.4's library names; OpenCV 4 splits imgcodecs out, so it
is linked too (the evaluator reads no image unless shown). Tests skip, saying how to build it, without it.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HOME = Path(os.environ.get("SCNN_TOOLS_LANE_EVAL", Path.home() / ".cache/scnn-tools-lane-eval"))
BINARY = HOME / "evaluate"
REPOSITORY = "https://github.com/XingangPan/SCNN"


def available():
    return BINARY.is_file() and os.access(BINARY, os.X_OK)


def needs():
    return pytest.mark.skipif(not available(), reason=f"CULane's evaluator is not built at {BINARY}: run "
                              "python tests/lane_evaluator.py (or set SCNN_TOOLS_LANE_EVAL)")


def run(annotations, detections, image_list, width=30, iou=0.5, size=(1640, 590)):
    """The evaluator's counts and scores as Run.sh runs it: {tp, fp, fn, precision, recall, f1} (its
    output file's numbers, as it prints them)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.txt"
        proc = subprocess.run([str(BINARY), "-a", f"{annotations}/", "-d", f"{detections}/", "-i", f"{tmp}/",
                               "-l", str(image_list), "-w", str(width), "-t", str(iou), "-c", str(size[0]),
                               "-r", str(size[1]), "-f", "1", "-o", str(out)],
                              capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        assert proc.returncode == 0, proc.stderr
        text = out.read_text()
    counts = dict(re.findall(r"(tp|fp|fn): (\d+)", text))
    scores = dict(re.findall(r"(precision|recall|Fmeasure): (\S+)", text))
    return {"tp": int(counts["tp"]), "fp": int(counts["fp"]), "fn": int(counts["fn"]),
            "precision": scores["precision"], "recall": scores["recall"], "f1": scores["Fmeasure"]}


def _opencv_flags():
    try:
        return subprocess.run(["pkg-config", "--cflags", "--libs", "opencv4"], capture_output=True, text=True,
                              check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return ["-I/usr/include/opencv4", "-lopencv_core", "-lopencv_imgproc", "-lopencv_highgui",
                "-lopencv_imgcodecs"]


def build(source=None):
    with tempfile.TemporaryDirectory() as tmp:
        if source is None:
            source = Path(tmp) / "SCNN"
            subprocess.run(["git", "clone", "--depth", "1", REPOSITORY, str(source)], check=True)
        source = Path(source)
        if (source / "tools/lane_evaluation").is_dir():
            source = source / "tools/lane_evaluation"
        HOME.mkdir(parents=True, exist_ok=True)
        built = Path(tmp) / "evaluate"
        subprocess.run(["g++", "-std=c++11", "-O2", "-fopenmp", "-DCPU_ONLY", f"-I{source / 'include'}",
                        *map(str, sorted((source / "src").glob("*.cpp"))), "-o", str(built), *_opencv_flags()],
                       check=True)
        shutil.copy2(built, BINARY)
    return BINARY


if __name__ == "__main__":
    print(build(sys.argv[1] if len(sys.argv) > 1 else None))

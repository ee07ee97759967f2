"""The datasets' lane files: CULane's `.lines.txt` and TuSimple's JSON lines."""

import json
import math
import re

import numpy as np

from ..errors import InputError


# --- readers the evaluation needs (metrics.py) ---

def read_culane_lines(path):
    """The lanes of a CULane `.lines.txt`, each an (N, 2) float32 array of (x, y), as the official
    evaluator reads them (XingangPan/SCNN tools/lane_evaluation/src/evaluate.cpp:196-220, read_lane_file):
    every line is a lane, even an empty one; numbers are taken in pairs until one does not parse, and
    kept as float (Point2f). None when the file does not exist (the evaluator then counts no lanes)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", path) from None
    lanes = []
    for line in text.splitlines():
        values = []
        match = _STREAM_DOUBLE.match(line)
        while match and math.isfinite(float(match[1])):  # out of range fails the stream too
            values.append(float(match[1]))
            match = _STREAM_DOUBLE.match(line, match.end())
        values = values[: len(values) // 2 * 2]
        lanes.append(np.array(values, dtype=np.float32).reshape(-1, 2))
    return lanes


# What `stream >> double` takes after blanks: digits with a point and exponent; no nan, inf or hex,
# and the next read starts where the number ended ("1.5.3" is 1.5 then .3).
_STREAM_DOUBLE = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def read_tusimple_json(path):
    """The records of a TuSimple JSON-lines file (label_data_*.json, test_label.json, a prediction
    file): one JSON object per line, blank lines skipped."""
    records = []
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise InputError(f"line {number}: not JSON ({exc.msg})", path) from None
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror}", path) from None
    return records

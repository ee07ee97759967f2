"""The lane datasets' own file formats, read and written.

CULane: one `.lines.txt` per image, one lane per line, "x y x y ..." in image pixels (the SCNN
authors' XingangPan/SCNN tools/prob2lines/main.m:73 writes "%d %d " pairs, bottom row first).
TuSimple: JSON lines, one object per image: "raw_file", "lanes" (per lane, the x at each of
"h_samples", -2 where the lane is absent) and "run_time" in ms, as TuSimple/tusimple-benchmark's
evaluate/lane.py:64-76 reads them (it takes h_samples from the ground truth; we write ours too).
The readers read as the official evaluators do (metrics.py), forgiving what they forgive.
"""

import json
import math
import re

import numpy as np

from ..errors import InputError

ABSENT = -2  # TuSimple's x where a lane has no point (tusimple-benchmark doc/lane_detection/readme.md)


def _number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def culane_text(lanes):
    """The `.lines.txt` content for lanes given as [[(x, y), ...], ...]."""
    return "".join(" ".join(f"{_number(x)} {_number(y)}" for x, y in lane) + "\n" for lane in lanes if len(lane))


def worded_lines(path):
    """(line number, its words, the line) for each line of a text file that has words."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            words = line.split()
            if words:
                yield number, words, line

def tusimple_line(raw_file, lanes, h_samples, run_time):
    """One JSON line (newline included): lanes as x per h_sample, ABSENT where the lane has no point."""
    return json.dumps({"raw_file": raw_file, "lanes": [[int(x) for x in lane] for lane in lanes],
                       "h_samples": [int(h) for h in h_samples], "run_time": int(run_time)},
                      separators=(", ", ": ")) + "\n"


# --- readers, as the evaluators read ---

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

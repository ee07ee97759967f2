"""The lane datasets' own file formats, read and written.

CULane: one `.lines.txt` per image, one lane per line, "x y x y ..." in image pixels (the SCNN
authors' XingangPan/SCNN tools/prob2lines/main.m:73 writes "%d %d " pairs, bottom row first).
TuSimple: JSON lines, one object per image: "raw_file", "lanes" (per lane, the x at each of
"h_samples", -2 where the lane is absent) and "run_time" in ms, as TuSimple/tusimple-benchmark's
evaluate/lane.py:64-76 reads them (it takes h_samples from the ground truth; we write ours too).
"""

import json

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


def read_culane(path):
    """[[(x, y), ...], ...] from a `.lines.txt` file; a malformed line names the file and line."""
    lanes = []
    for number, words, line in worded_lines(path):
        try:
            values = [float(w) for w in words]
        except ValueError:
            values = None
        if values is None or len(values) % 2:
            raise ValueError(f"{path}:{number}: expected 'x y x y ...' numbers, got {line.strip()!r}")
        lanes.append(list(zip(values[0::2], values[1::2])))
    return lanes


def tusimple_line(raw_file, lanes, h_samples, run_time):
    """One JSON line (newline included): lanes as x per h_sample, ABSENT where the lane has no point."""
    return json.dumps({"raw_file": raw_file, "lanes": [[int(x) for x in lane] for lane in lanes],
                       "h_samples": [int(h) for h in h_samples], "run_time": int(run_time)},
                      separators=(", ", ": ")) + "\n"


def read_tusimple(path):
    """The objects of a JSON lines file, in order; a malformed line names the file and line."""
    records = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
            if not isinstance(record, dict) or "raw_file" not in record or "lanes" not in record:
                raise ValueError(f"{path}:{number}: expected an object with raw_file and lanes")
            records.append(record)
    return records

"""Real corpus files, damaged at the byte, token and layer level, through every reading command.

Each damaged file is given to info, analyze, query and splice: each must answer with a result
(exit 0) or one clear error line (exit 2), never an internal fault (exit 1), never a hang.
tests/test_robustness.py runs a few seconds of it; tests/benchmark.py runs it for minutes.
"""

import contextlib
import io
import random
import re
import signal

from scnn_tools.cli import main

NUMBERS = ["0", "-1", "1", "2", "3", "7", "2147483647", "2147483648", "4294967296", "99999999999999999999", "1.5",
           "-7", "1e9", "65536"]
TYPES = ["Convolution", "Pooling", "Deconvolution", "Concat", "Slice", "Eltwise", "Crop", "Interp", "InnerProduct",
         "Reshape", "Flatten", "Softmax", "ReLU", "BatchNorm", "Python", "Input", "Data", "Split", "Silence",
         "NoSuchType", "CONVOLUTION", "conv"]
HANG_SECONDS = 60  # far beyond any real run: SCNN spliced at 473x473 after an Interp takes 24 s


def _layers(text):
    """(start, end) of each top-level `layer {...}` / `layers {...}` block."""
    spans, depth, start = [], 0, None
    for m in re.finditer(r"\blayers?\s*\{|\{|\}", text):
        if m.group().startswith("layer") and depth == 0:
            start, depth = m.start(), 1
        elif m.group() == "{":
            depth += depth > 0
        elif depth:
            depth -= 1
            if depth == 0 and start is not None:
                spans.append((start, m.end()))
                start = None
    return spans


def damage(rng, text):
    """One random damage of one of the kinds a real edit or a bad transfer makes."""
    kind = rng.choice(["delete-span", "byte", "truncate"] + ["number"] * 4 + ["bottom", "type"] * 2 +
                      ["move-layer", "drop-layer", "copy-layer"])
    n = len(text)
    if kind == "delete-span" and n:
        i = rng.randrange(n)
        return text[:i] + text[i + rng.randint(1, 200):]
    if kind == "byte" and n:
        i = rng.randrange(n)
        return text[:i] + rng.choice(["{", "}", '"', ":", "\x00", "\xff", "#", "\n", "-", "é"]) + text[i:]
    if kind == "truncate":
        return text[:rng.randrange(n + 1)]
    if kind == "number":
        numbers = list(re.finditer(r"(?<![\w.])-?\d+(?:\.\d+)?", text))
        for m in rng.sample(numbers, min(len(numbers), rng.randint(1, 3))):
            text = text[:m.start()] + rng.choice(NUMBERS) + text[m.end():] if m.end() <= len(text) else text
        return text
    if kind == "bottom":
        names = re.findall(r'(?:top|bottom)\s*:\s*"([^"]*)"', text)
        bottoms = list(re.finditer(r'bottom\s*:\s*"([^"]*)"', text))
        if bottoms and names:
            m = rng.choice(bottoms)
            new = rng.choice(names + ["nowhere", "", "data"])
            return text[:m.start(1)] + new + text[m.end(1):]
        return text
    if kind == "type":
        types = list(re.finditer(r'type\s*:\s*"?(\w+)"?', text))
        if types:
            m = rng.choice(types)
            return text[:m.start(1)] + rng.choice(TYPES) + text[m.end(1):]
        return text
    spans = _layers(text)
    if not spans:
        return text
    a, b = rng.choice(spans)
    block = text[a:b]
    if kind == "drop-layer":
        return text[:a] + text[b:]
    if kind == "copy-layer":
        return text[:b] + "\n" + block + text[b:]
    rest = text[:a] + text[b:]
    c, _ = rng.choice(_layers(rest) or [(len(rest), None)])
    return rest[:c] + block + "\n" + rest[c:]


def _blobs(text):
    return re.findall(r'top\s*:\s*"([^"]+)"', text) or ["data"]


def commands(rng, path, text):
    blob = rng.choice(_blobs(text))
    return [["info", path], ["analyze", path, "--format", "json"], ["analyze", path, "--input-shape", "1,3,64,64"],
            ["query", path, blob, "0", "0"], ["splice", path, "--at", blob, "-o", str(path) + ".out"]]


class Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise Hang()


def run(argv):
    """(exit code, stderr) of one command, in this process, with a time limit."""
    err = io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    except Hang:
        code = "hang"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, err.getvalue()


def failures(files, tmp, seed, cases):
    """Run `cases` damaged files; yield (argv, code, stderr, damaged text) for every wrong answer."""
    rng = random.Random(seed)
    path = tmp / "damaged.prototxt"
    for _ in range(cases):
        text = rng.choice(files).read_text(encoding="utf-8", errors="replace")
        for _ in range(rng.choice([1, 1, 2, 3])):
            text = damage(rng, text)
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        for argv in commands(rng, path, text):
            code, err = run(argv)
            clear = code == 2 and err.startswith("scnn-tools: error: ") and err.count("\n") == 1
            if not (code == 0 or clear):
                yield argv, code, err, text

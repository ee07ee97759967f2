"""Damaged real files: every command answers with a result or one clear error, never an internal fault."""

import contextlib
import io
import random
import re

import pytest

from scnn_tools.cli import main

from conftest import corpus_files, needs_shared

SMALL = [p for p in corpus_files() if p.stat().st_size < 60_000]


def damaged(rng):
    lines = rng.choice(SMALL).read_text().splitlines()
    op = rng.choice(["delete", "number", "duplicate", "swap"])
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        if op == "delete":
            del lines[i]
        elif op == "number":
            lines[i] = re.sub(r"\d+", lambda m: str(rng.choice([0, 1, 2, 3, 7, 100, 4096, 99999])), lines[i])
        elif op == "duplicate":
            lines.insert(i, lines[i])
        else:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


@needs_shared
@pytest.mark.parametrize("seed", range(8))
def test_damaged_files_never_cause_an_internal_error(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "damaged.prototxt"
    for _ in range(8):
        path.write_text(damaged(rng))
        for argv in (["info", path], ["analyze", path, "--format", "json", "--input-shape", "1,3,64,64"],
                     ["analyze", path, "--format", "csv"]):
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = main([str(a) for a in argv])
            assert code in (0, 2), (argv[0], err.getvalue(), path.read_text())
            if code == 2:
                assert err.getvalue().startswith("scnn-tools: error: ") and err.getvalue().count("\n") == 1


@needs_shared
@pytest.mark.parametrize("seed", range(4))
def test_any_input_shape_gets_a_result_or_a_clear_error(seed):
    rng = random.Random(seed)
    for _ in range(10):
        path = rng.choice(SMALL)
        shape = ",".join(str(rng.choice([1, 2, 3, 5, 7, 16, 33, 64])) for _ in range(rng.choice([2, 3, 4, 4, 5])))
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(["analyze", str(path), "--input-shape", shape, "--format", "json"])
        assert code in (0, 2), (path.name, shape, err.getvalue())


@needs_shared
@pytest.mark.parametrize("seed", range(5))
def test_fuzzed_corpus_files_are_analyzed_or_refused(tmp_path, seed):
    """Bytes, tokens and layers damaged (tests/fuzz.py) through info, analyze, query and splice: exit 0 or
    one clear error line with exit 2, never an internal fault, never a hang. benchmark.py runs minutes of it."""
    import fuzz
    wrong = list(fuzz.failures(SMALL, tmp_path, seed, cases=20))
    assert not wrong, [(argv[0], code, err) for argv, code, err, _ in wrong[:3]]

"""Shared test fixtures: where ../shared is, and small helpers.

The corpus and reference values are read in place from ../shared (never
copied into the project). Without it, the tests that need it are skipped
with a message that says so.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
REFERENCE = SHARED / "reference"

needs_shared = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{SHARED} is missing: corpus tests skipped")


@pytest.fixture(autouse=True, scope="session")
def _own_cache_directory(tmp_path_factory):
    """The tools cache compiled templates and check verdicts; keep the suite's apart from the user's."""
    import os
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


def corpus_files():
    return sorted(CORPUS.rglob("*.prototxt")) if CORPUS.is_dir() else []


def corpus_file(rel):
    """A corpus file by its path in the corpus; the test skips, saying so, where ../shared is missing."""
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"{path} is missing (../shared)")
    return path


def corpus_id(path):
    return str(path.relative_to(CORPUS))


def run_cli(*args, stdin=None):
    """Run `python -m scnn_tools ARGS` for real; return (code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "scnn_tools", *map(str, args)], input=stdin,
                          capture_output=True, text=True, cwd=ROOT)
    return proc.returncode, proc.stdout, proc.stderr

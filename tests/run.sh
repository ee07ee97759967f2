#!/usr/bin/env bash
# Runs the whole test suite, setting up .venv (with the test tools) on first use.
# Arguments go to pytest, e.g. tests/run.sh -k reader -x
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/run.sh" --setup test
cd "$root"
exec "$root/.venv/bin/python" -m pytest "$@"

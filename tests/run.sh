#!/usr/bin/env bash
# Runs the whole test suite, setting up .venv (with the test tools) on first use.
# Arguments go to pytest, e.g. tests/run.sh -k reader -x
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/run.sh" --setup test
# The drawing's HTML is tested in a real headless browser: Debian's Chromium, installed where the machine
# allows it (root with apt); elsewhere that test skips and says so.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "tests/run.sh: installing chromium for the browser test (apt-get, once)" >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium ||
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }; } >/dev/null 2>&1 || true
fi
cd "$root"
exec "$root/.venv/bin/python" -m pytest "$@"

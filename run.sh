#!/usr/bin/env bash
# The SCNN block generator with the original generator's flags and defaults:
#   ./run.sh --height 36 --width 100 --channel 128 [--kernel_width 9] [--bottom conv5_4] [--output SCNN.prototxt]
# On first use it creates .venv beside this file and installs scnn-tools there.
# ./run.sh --setup [test] only prepares that environment (with the test tools).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$root/.venv"

setup() {
    local extras="${1:-}" spec="$root" stamp want
    [ -n "$extras" ] && spec="$root[$extras]"
    stamp="$venv/.scnn-tools-installed${extras:+-$extras}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "run.sh: creating $venv (first use)" >&2
        if ! python3 -m venv "$venv" >&2; then
            rm -rf "$venv"
            echo "run.sh: error: python3 cannot create a virtual environment (on Debian: apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    # Reinstall when the declared dependencies change; the package itself is
    # installed in editable mode, so code changes need nothing.
    want="$(cat "$root/setup.cfg" "$root/pyproject.toml" | cksum)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "run.sh: installing scnn-tools${extras:+ with its $extras tools} into $venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" >&2
        echo "$want" > "$stamp"
    fi
}

if [ "${1:-}" = "--setup" ]; then
    setup "${2:-}"
    exit 0
fi
setup
if [ $# -eq 0 ]; then
    # As the original generator does: no arguments, print the help.
    "$venv/bin/scnn-tools" generate --help
    exit 1
fi
exec "$venv/bin/scnn-tools" generate "$@"

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
    # Reinstall when the declared dependencies or the set of source files change:
    # the package is installed as links to the files (setuptools' strict editable
    # mode, which starts faster than its import hook), so edits need nothing.
    want="$( (cat "$root/setup.cfg" "$root/pyproject.toml"; cd "$root" && find scnn_tools templates -type f \
              \( -name '*.py' -o -name '*.j2' \) | sort) | cksum)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "run.sh: installing scnn-tools${extras:+ with its $extras tools} into $venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            --config-settings editable_mode=strict -e "$spec" >&2
        # Byte-compile the package as pip does every other one: an editable install
        # is not, and with PYTHONDONTWRITEBYTECODE set every run would compile it anew.
        "$venv/bin/python" -I -c "import compileall, os, scnn_tools; \
compileall.compile_dir(os.path.dirname(scnn_tools.__file__), quiet=1)" >&2
        # Compile the templates into Jinja2's cache too, by writing a tiny block once.
        "$venv/bin/scnn-tools" generate --height 2 --width 2 --channel 1 --output - >/dev/null 2>&1 || true
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

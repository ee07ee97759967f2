"""What the tools remember between runs, under the user's cache directory ($XDG_CACHE_HOME/scnn-tools).

Without a writable cache directory everything still works, only slower. Nothing here
is ever stale in use, because each entry's key holds everything its value depends on:

- `pieces`: the SCNN template's macros rendered with placeholders (warm runs need no
  Jinja2). Keyed by the template's text, the variables and the directions: editing the
  template gives new keys, and the old entries are merely unused.
- `checked`: the verdict that a cut-down SCNN block read back and inferred cleanly. Keyed
  by the block's text, its spec and a fingerprint of every .py file of the package, at any
  depth, by size and time of change: any change to the reader or the engine that judges
  the block gives new keys, so no verdict outlives the code that reached it.
- `jinja2`: compiled templates (render.py), which Jinja2 keys by the template's source.
"""

import hashlib
import json
import os
from pathlib import Path


def _package_root():
    """The package's top folder, wherever in it this module sits."""
    here = Path(__file__).resolve().parent
    while (here.parent / "__init__.py").exists():
        here = here.parent
    return here


PACKAGE = _package_root()


def cache_dir(name):
    """A writable directory under the user's cache directory, or None."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = os.path.join(base, "scnn-tools", name)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None  # a read-only home: work without a cache
    return directory if os.access(directory, os.W_OK) else None


def pieces(key_text, render):
    """The rendered pieces for `key_text` (everything they depend on), from the cache or from `render()`."""
    directory = cache_dir("pieces")
    cached = os.path.join(directory, hashlib.sha256(key_text.encode()).hexdigest() + ".json") if directory else None
    if cached and os.path.exists(cached):
        with open(cached, encoding="utf-8") as f:
            return json.load(f)
    value = render()
    if cached:
        tmp = f"{cached}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(value, f)
        os.replace(tmp, cached)  # another run may write the same entry at once: whole files only
    return value


def verdict(*parts):
    """The file that records a passed check of `parts` with this code, or None without a cache."""
    directory = cache_dir("checked")
    if directory is None:
        return None
    key = hashlib.sha256()
    for part in parts:
        key.update(part.encode() + b"\0")
    key.update(code_fingerprint())
    return os.path.join(directory, key.hexdigest())


def code_fingerprint(root=PACKAGE):
    """Every .py file under the package's root, at any depth, by path, size and time of change."""
    stamp = []
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        stamp.append(f"{path.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(stamp).encode()

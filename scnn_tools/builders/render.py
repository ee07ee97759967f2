"""Text from the Jinja2 templates in templates/ (installed as scnn_tools.templates).

Compiled templates are cached under the user's cache directory (Jinja2's
bytecode cache), so a run pays for compiling a template only once per change
to it. Jinja2 is imported here only, and only when text is rendered.
"""

import os
from pathlib import Path

from .cache import cache_dir

_ENV = None


def template_dir():
    from importlib.util import find_spec
    try:
        spec = find_spec("scnn_tools.templates")
    except ImportError:
        spec = None
    for place in (spec.submodule_search_locations or []) if spec else []:
        if os.path.isfile(os.path.join(place, "scnn.prototxt.j2")):
            return place
    return str(Path(__file__).resolve().parents[2] / "templates")  # a source checkout: scnn_tools/builders/..


def _cache():
    from jinja2 import FileSystemBytecodeCache
    directory = cache_dir("jinja2")
    return FileSystemBytecodeCache(directory) if directory else None


def environment():
    global _ENV
    if _ENV is None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined
        _ENV = Environment(loader=FileSystemLoader(template_dir()), trim_blocks=True, lstrip_blocks=True,
                           keep_trailing_newline=True, undefined=StrictUndefined, autoescape=False,
                           bytecode_cache=_cache())
    return _ENV


def render(template, **variables):
    return environment().get_template(template).render(**variables)


def read_back(text, what, expected=None):
    """Read generated text back through the reader and the engine before anyone sees it.

    It must give no warning, and the blobs in `expected` must have the shapes given.
    """
    from scnn_tools.engine.analysis import Analysis
    from scnn_tools.netfile.reader import read_text

    analysis = Analysis(read_text(text, f"<generated {what}>"))
    assert not analysis.warnings, f"the generated {what} reads back with warnings: {analysis.warnings}"
    for blob, shape in (expected or {}).items():
        got = analysis.shapes.blobs[analysis.graph.blob(blob).id]
        assert got == shape, f"the generated {what}'s '{blob}' is {got}, not {shape}"
    return analysis

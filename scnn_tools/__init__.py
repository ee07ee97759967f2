"""scnn-tools: Caffe network definitions read, analyzed, and extended with SCNN blocks.

The functions a script needs (see scnn_tools.api and the README's "Python API"): read and
read_text, info, analyze, query, generate, splice, profile, match, erf, draw, lane, export;
errors are InputError.
"""

import sys
import types

__version__ = "0.1.0"

from .api import (analyze, draw, erf, export, generate, info, lane, match, profile, query, read,  # noqa: E402
                  read_text, splice)
from .errors import InputError  # noqa: E402

__all__ = ["InputError", "analyze", "draw", "erf", "export", "generate", "info", "lane", "match", "profile", "query",
           "read", "read_text", "splice"]


class _Package(types.ModuleType):
    """Importing a submodule binds it on its package, and draw, info, lane and match are the names of
    modules as well as of the API's functions: the functions stay (the modules are still imported as
    `from scnn_tools.match import ...`)."""

    def __setattr__(self, name, value):
        if not (name in __all__ and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

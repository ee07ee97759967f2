"""scnn-tools: Caffe network definitions read, analyzed, and extended with SCNN blocks.

The functions a script needs (see scnn_tools.api and the README's "Python API"):
read, analyze, generate, splice, profile, erf, export; errors are InputError.
"""

__version__ = "0.1.0"

from .api import analyze, erf, export, generate, profile, read, splice  # noqa: E402
from .errors import InputError  # noqa: E402

__all__ = ["InputError", "analyze", "erf", "export", "generate", "profile", "read", "splice"]

"""scnn-tools: Caffe network definitions read, analyzed, and extended with SCNN blocks.

The functions a script needs (see scnn_tools.api and the README's "Python API"): read and
read_text, info, analyze, query, generate, splice, profile, match, erf, draw, lane, export,
lane_detect, lane_eval, tusimple_labels;
errors are InputError.
"""

__version__ = "0.1.0"

# (after __version__, which the modules below may read)
from .api import (analyze, draw, erf, export, generate, info, lane, lane_detect, lane_eval, match, profile,  # noqa: E402
                  query, read, read_text, splice, tusimple_labels)
from .errors import InputError  # noqa: E402

__all__ = ["InputError", "analyze", "draw", "erf", "export", "generate", "info", "lane", "lane_detect", "lane_eval",
           "match", "profile", "query", "read", "read_text", "splice", "tusimple_labels"]

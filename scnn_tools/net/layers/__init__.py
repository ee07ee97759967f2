"""Per-layer-type knowledge, found by the layer's type name (registry.py).

Every rule scnn-tools has about a layer type lives in the family module that
registers it, never in `if type == ...` chains elsewhere. Importing this
package registers every family but the ONNX operators, which register when a type of theirs is first looked up
(registry.kind_of).
"""

from . import data, conv, pool, inner, merge, resize, reshape, elementwise, detection, misc, c3d, unpool, lstm  # noqa: F401
from . import padding, region  # noqa: F401

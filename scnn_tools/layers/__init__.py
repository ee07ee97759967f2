"""Per-layer-type knowledge, found by the layer's type name.

Every rule scnn-tools has about a layer type lives in the family module that
registers it (data.py, ...): what a type is, what shapes a data layer
declares, and, as the engine grows, its shape, receptive-field and cost rules.
Nothing outside this package asks `if type == ...`.
"""

_REGISTRY = {}


class Kind:
    """What scnn-tools knows about one layer type."""

    def __init__(self, name, family, **rules):
        self.name = name
        self.family = family
        # declared_shapes(layer_param) -> one shape per top, for layers that
        # bring data into the net; a shape is a list with None for a dimension
        # the file does not declare, or None when nothing is declared.
        self.declared_shapes = rules.pop("declared_shapes", None)
        self.note = rules.pop("note", None)  # why a declared shape is incomplete
        if rules:
            raise TypeError(f"unknown rules for {name}: {sorted(rules)}")

    @property
    def is_source(self):
        return self.declared_shapes is not None


def register(names, family, **rules):
    for name in names.split():
        if name in _REGISTRY:
            raise ValueError(f"layer type {name} registered twice")
        _REGISTRY[name] = Kind(name, family, **rules)


def lookup(type_name):
    return _REGISTRY.get(type_name)


def known_types():
    return sorted(_REGISTRY)


from . import data, known  # noqa: E402,F401  (the modules register their types)

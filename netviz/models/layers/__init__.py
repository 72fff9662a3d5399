"""Layer types a spec may declare, one class each, found through a registry.

A layer type is a spec section (``type: <KerasClassName>`` plus the Keras arguments
it accepts) that also knows its output shape and parameter count, so validation
refuses impossible networks before TensorFlow starts. Modules of this package
register their classes with :func:`register_layer` when imported; nothing here
names a type.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing

_TYPES: dict[str, type] = {}
_DISCOVERED = False


def register_layer(cls: type) -> type:
    """Class decorator: make ``cls`` a spec layer type under its ``type`` literal."""
    name = typing.get_args(cls.model_fields["type"].annotation)[0]  # type: ignore[attr-defined]
    if name in _TYPES and _TYPES[name] is not cls:
        raise RuntimeError(f"layer type {name!r} registered twice")
    _TYPES[name] = cls
    return cls


def layer_types() -> dict[str, type]:
    """Every registered layer type, in registration order (module by module, alphabetically)."""
    global _DISCOVERED
    if not _DISCOVERED:
        for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            importlib.import_module(f"{__name__}.{module.name}")
        _DISCOVERED = True
    return dict(_TYPES)

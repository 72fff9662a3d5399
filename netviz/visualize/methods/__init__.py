"""The registry of heatmap methods: every module of this package that defines ``METHOD``.

Adding a method is one new module here (and its test); the spec's allowed names,
the report's titles and texts, the figures and the trust scores all come from the
registry. Discovery imports the method modules, which import numpy and
:mod:`~netviz.visualize.methods.base` only: reading the registry never imports
TensorFlow.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from netviz.visualize.methods.base import Method

__all__ = ["Method", "baselines", "get", "registry", "selectable", "title"]


@cache
def registry() -> dict[str, Method]:
    """Every method by name, in the order of their module names (deterministic)."""
    found: dict[str, Method] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        method = getattr(importlib.import_module(f"{__name__}.{module}"), "METHOD", None)
        if method is None:
            continue
        if method.name in found:
            raise RuntimeError(f"two heatmap methods are named {method.name!r} ({module} and another module)")
        found[method.name] = method
    return found


def get(name: str) -> Method:
    """The method called ``name``, or a ValueError that lists the known ones."""
    try:
        return registry()[name]
    except KeyError:
        raise ValueError(f"unknown CAM method {name!r}; choose from {list(registry())}") from None


def selectable() -> tuple[str, ...]:
    """The names a spec may list: every method that is not a baseline."""
    return tuple(name for name, m in registry().items() if not m.baseline)


def baselines() -> tuple[str, ...]:
    """The baselines, scored beside every method of every build."""
    return tuple(name for name, m in registry().items() if m.baseline)


def title(name: str) -> str:
    """The method's title as printed ("Grad-CAM++"); an unknown name is printed as it is."""
    method = registry().get(name)
    return method.title if method else name

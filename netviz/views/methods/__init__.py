"""Heatmap methods: one module each, a :data:`netviz.registry.HEATMAP_METHODS` entry.

Adding a method is one new module here (and its test); the spec's allowed names, the
figures, the trust scores and, through the results, the report's titles and texts all come
from the registry. Its modules import numpy and :mod:`~netviz.views.methods.base` only:
reading the registry never imports TensorFlow.
"""

from __future__ import annotations

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method

__all__ = ["Method", "baselines", "selectable"]


def selectable() -> tuple[str, ...]:
    """The names a spec may list: every method that is not a baseline."""
    return tuple(name for name, m in HEATMAP_METHODS.entries().items() if not m.baseline)


def baselines() -> tuple[str, ...]:
    """The baselines, scored beside every method of every build."""
    return tuple(name for name, m in HEATMAP_METHODS.entries().items() if m.baseline)

"""Merge layers: Add, Multiply, Average (same shapes) and Concatenate (along channels).

They read two or more layers named in ``inputs``; with them a spec declares a
residual block or an Inception-style split.
"""

from __future__ import annotations

from typing import Literal

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import LayerSpec, Shape


class _Merge(LayerSpec):
    MERGE = True

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        if len(shapes) < 2:
            raise ValueError(f"{self.type} merges two or more layers: name them in 'inputs'")  # type: ignore[attr-defined]
        if any(s != shapes[0] for s in shapes):
            raise ValueError(f"{self.type} needs inputs of one shape, got "  # type: ignore[attr-defined]
                             + " and ".join(str(s) for s in shapes))
        return shapes[0], 0


@LAYER_TYPES.register
class Add(_Merge):
    type: Literal["Add"]


@LAYER_TYPES.register
class Multiply(_Merge):
    type: Literal["Multiply"]


@LAYER_TYPES.register
class Average(_Merge):
    type: Literal["Average"]


@LAYER_TYPES.register
class Concatenate(_Merge):
    type: Literal["Concatenate"]

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        if len(shapes) < 2:
            raise ValueError("Concatenate joins two or more layers: name them in 'inputs'")
        if any(len(s) != len(shapes[0]) or s[:-1] != shapes[0][:-1] for s in shapes):
            raise ValueError("Concatenate needs inputs that differ only in channels, got "
                             + " and ".join(str(s) for s in shapes))
        return shapes[0][:-1] + (sum(s[-1] for s in shapes),), 0

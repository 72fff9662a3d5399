"""BatchNormalization (per channel over the batch) and LayerNormalization (per image over channels)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import LayerSpec, Shape


@LAYER_TYPES.register
class BatchNormalization(LayerSpec):
    type: Literal["BatchNormalization"]
    NORMALIZATION = True
    momentum: float = Field(default=0.99, gt=0, lt=1)
    epsilon: float = Field(default=0.001, gt=0, le=1)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        (shape,) = shapes
        return shape, 4 * shape[-1]  # gamma, beta, moving mean, moving variance

    def describe(self) -> str:
        return self.type


@LAYER_TYPES.register
class LayerNormalization(LayerSpec):
    type: Literal["LayerNormalization"]
    NORMALIZATION = True
    epsilon: float = Field(default=0.001, gt=0, le=1)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        (shape,) = shapes
        return shape, 2 * shape[-1]  # gamma, beta over the last axis

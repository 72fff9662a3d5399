"""BatchNormalization (per channel over the batch) and LayerNormalization (per image over channels)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from netviz.models.layers import register_layer
from netviz.models.layers.base import LayerSpec, Shape


@register_layer
class BatchNormalization(LayerSpec):
    type: Literal["BatchNormalization"]
    momentum: float = Field(default=0.99, gt=0, lt=1)
    epsilon: float = Field(default=0.001, gt=0, le=1)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        (shape,) = shapes
        return shape, 4 * shape[-1]  # gamma, beta, moving mean, moving variance

    def describe(self) -> str:
        return self.type


@register_layer
class LayerNormalization(LayerSpec):
    type: Literal["LayerNormalization"]
    epsilon: float = Field(default=0.001, gt=0, le=1)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        (shape,) = shapes
        return shape, 2 * shape[-1]  # gamma, beta over the last axis

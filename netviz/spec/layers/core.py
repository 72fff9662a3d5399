"""Dense, Flatten, dropout and the activation layers: shape-preserving or flat."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import (
    MAX_UNITS,
    LayerSpec,
    Shape,
    activation_text,
    one_image,
)
from netviz.spec.layers.base import Activation as ActivationName


def _one(shapes: list[Shape]) -> Shape:
    (shape,) = shapes
    return shape


@LAYER_TYPES.register
class Dense(LayerSpec):
    type: Literal["Dense"]
    units: int = Field(ge=1, le=MAX_UNITS)
    activation: ActivationName = "linear"

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        shape = _one(shapes)
        return shape[:-1] + (self.units,), (shape[-1] + 1) * self.units

    def describe(self) -> str:
        return f"Dense: {self.units} units{activation_text(self.activation)}"


@LAYER_TYPES.register
class Flatten(LayerSpec):
    type: Literal["Flatten"]

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return (math.prod(_one(shapes)),), 0


@LAYER_TYPES.register
class Dropout(LayerSpec):
    type: Literal["Dropout"]
    rate: float = Field(ge=0, lt=1)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return _one(shapes), 0

    def describe(self) -> str:
        return f"{self.type}: rate {self.rate:g}"


@LAYER_TYPES.register
class SpatialDropout2D(Dropout):
    """Drops whole feature maps, not single cells: neighbouring cells are too correlated for cell dropout."""

    type: Literal["SpatialDropout2D"]  # type: ignore[assignment]

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return one_image(self.type, shapes), 0


@LAYER_TYPES.register
class Activation(LayerSpec):
    ACTIVATION = True
    type: Literal["Activation"]
    activation: ActivationName

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return _one(shapes), 0


@LAYER_TYPES.register
class ReLU(LayerSpec):
    ACTIVATION = True
    type: Literal["ReLU"]
    max_value: float | None = Field(default=None, gt=0)
    negative_slope: float = Field(default=0.0, ge=0)
    threshold: float = 0.0

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return _one(shapes), 0


@LAYER_TYPES.register
class LeakyReLU(LayerSpec):
    ACTIVATION = True
    type: Literal["LeakyReLU"]
    negative_slope: float = Field(default=0.3, ge=0)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return _one(shapes), 0


@LAYER_TYPES.register
class Rescaling(LayerSpec):
    type: Literal["Rescaling"]
    scale: float
    offset: float = 0.0

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return _one(shapes), 0

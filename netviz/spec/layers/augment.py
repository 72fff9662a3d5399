"""Augmentation layers: random flips, rotations, shifts and zooms, active only while training.

Keras runs them with ``training=True`` only, so evaluation, activations and heatmaps
see the images as they are.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import LayerSpec, Shape, one_image

Factor = float
Fill = Literal["reflect", "wrap", "constant", "nearest"]


class _Augment(LayerSpec):
    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return one_image(self.type, shapes), 0  # type: ignore[attr-defined]


@LAYER_TYPES.register
class RandomFlip(_Augment):
    type: Literal["RandomFlip"]
    mode: Literal["horizontal", "vertical", "horizontal_and_vertical"] = "horizontal_and_vertical"


@LAYER_TYPES.register
class RandomRotation(_Augment):
    type: Literal["RandomRotation"]
    factor: float = Field(gt=0, le=1)  # a fraction of a full turn, both ways
    fill_mode: Fill = "reflect"


@LAYER_TYPES.register
class RandomTranslation(_Augment):
    type: Literal["RandomTranslation"]
    height_factor: float = Field(ge=0, le=1)  # a fraction of the height, both ways
    width_factor: float = Field(ge=0, le=1)
    fill_mode: Fill = "reflect"


@LAYER_TYPES.register
class RandomZoom(_Augment):
    type: Literal["RandomZoom"]
    height_factor: float = Field(gt=-1, le=1)  # negative zooms in, positive zooms out
    width_factor: float | None = Field(default=None, gt=-1, le=1)
    fill_mode: Fill = "reflect"

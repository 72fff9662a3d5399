"""Pooling and padding: MaxPooling2D, AveragePooling2D, the global poolings, ZeroPadding2D."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import LayerSpec, Shape, Size2, one_image, pair, spatial


@LAYER_TYPES.register
class MaxPooling2D(LayerSpec):
    type: Literal["MaxPooling2D"]
    POOL = True
    pool_size: Size2 = 2
    strides: Size2 | None = None
    padding: Literal["valid", "same"] = "valid"

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        shape = one_image(self.type, shapes)
        (ph, pw) = pair(self.pool_size)
        sh, sw = pair(self.strides if self.strides is not None else self.pool_size)
        h, w = spatial(shape[0], ph, sh, self.padding), spatial(shape[1], pw, sw, self.padding)
        if h < 1 or w < 1:
            raise ValueError(f"pool {ph}x{pw} does not fit the {shape[0]}x{shape[1]} input")
        return (h, w, shape[2]), 0

    def describe(self) -> str:
        ph, pw = pair(self.pool_size)
        sh, sw = pair(self.strides if self.strides is not None else self.pool_size)
        return f"{self.type}: {ph}x{pw} window, stride {sh if sh == sw else f'{sh}x{sw}'}"


@LAYER_TYPES.register
class AveragePooling2D(MaxPooling2D):
    type: Literal["AveragePooling2D"]  # type: ignore[assignment]


@LAYER_TYPES.register
class GlobalAveragePooling2D(LayerSpec):
    type: Literal["GlobalAveragePooling2D"]

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        return (one_image(self.type, shapes)[2],), 0


@LAYER_TYPES.register
class GlobalMaxPooling2D(GlobalAveragePooling2D):
    type: Literal["GlobalMaxPooling2D"]  # type: ignore[assignment]


Pad = Annotated[int, Field(ge=0, le=64)]


@LAYER_TYPES.register
class ZeroPadding2D(LayerSpec):
    type: Literal["ZeroPadding2D"]
    padding: Union[Pad, tuple[Pad, Pad]] = 1  # rows on top and bottom, columns left and right
    SHIFT = ("padding", -1)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        h, w, c = one_image(self.type, shapes)
        ph, pw = pair(self.padding)
        return (h + 2 * ph, w + 2 * pw, c), 0

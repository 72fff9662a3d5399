"""Cropping2D: cut rows off the top and bottom and columns off the left and right of every map.

``cropping`` takes the three forms Keras accepts: one number for all four sides, ``[rows,
columns]`` for symmetric crops, or ``[[top, bottom], [left, right]]``. It has no weights; a
crop that leaves no row or no column is refused when the spec is validated, as Keras refuses it
when the model is built.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import LayerSpec, Shape, one_image, pair

Crop = Annotated[int, Field(ge=0, le=1024)]


@LAYER_TYPES.register
class Cropping2D(LayerSpec):
    type: Literal["Cropping2D"]
    cropping: Union[Crop, tuple[Crop, Crop], tuple[tuple[Crop, Crop], tuple[Crop, Crop]]] = 0
    SHIFT = ("cropping", 1)

    def sides(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((top, bottom), (left, right))``, the form Keras keeps in ``layer.cropping``."""
        if isinstance(self.cropping, int) or isinstance(self.cropping[0], int):
            rows, columns = pair(self.cropping)
            return (rows, rows), (columns, columns)
        (top, bottom), (left, right) = self.cropping  # type: ignore[misc]
        return (top, bottom), (left, right)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        h, w, c = one_image(self.type, shapes)
        (top, bottom), (left, right) = self.sides()
        if top + bottom >= h or left + right >= w:
            raise ValueError(f"cropping {top}+{bottom} rows and {left}+{right} columns leaves nothing of the "
                             f"{h}x{w} input")
        return (h - top - bottom, w - left - right, c), 0

    def describe(self) -> str:
        (top, bottom), (left, right) = self.sides()
        if top == bottom == left == right:
            return f"Cropping2D: {top} off each side"
        if top == bottom and left == right:
            return f"Cropping2D: {top} off the top and bottom, {left} off the left and right"
        return f"Cropping2D: {top} off the top, {bottom} off the bottom, {left} off the left, {right} off the right"

"""Convolutions: Conv2D, SeparableConv2D, DepthwiseConv2D (the layers with spatial kernels)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from netviz.registry import LAYER_TYPES
from netviz.spec.layers.base import (
    MAX_FILTERS,
    Activation,
    LayerSpec,
    Shape,
    Size2,
    activation_text,
    one_image,
    pair,
    spatial,
)


class _Conv(LayerSpec):
    kernel_size: Size2
    strides: Size2 = 1
    padding: Literal["valid", "same"] = "valid"
    activation: Activation = "linear"
    dilation_rate: Size2 = 1
    use_bias: bool = True

    CONV = True

    @model_validator(mode="after")
    def _stride_or_dilate(self) -> "_Conv":
        if max(pair(self.strides)) > 1 and max(pair(self.dilation_rate)) > 1:
            raise ValueError("strides and dilation_rate cannot both be above 1")
        return self

    def _grid(self, shape: Shape) -> tuple[int, int]:
        (kh, kw), (sh, sw), (dh, dw) = pair(self.kernel_size), pair(self.strides), pair(self.dilation_rate)
        eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
        h, w = spatial(shape[0], eh, sh, self.padding), spatial(shape[1], ew, sw, self.padding)
        if h < 1 or w < 1:
            raise ValueError(f"kernel {kh}x{kw} does not fit the {shape[0]}x{shape[1]} input")
        return h, w

    def _window_text(self) -> str:
        (kh, kw), (sh, sw), (dh, dw) = pair(self.kernel_size), pair(self.strides), pair(self.dilation_rate)
        stride = f"stride {sh}" if sh == sw else f"strides {sh}x{sw}"
        dilation = "" if (dh, dw) == (1, 1) else f", dilation {dh}" if dh == dw else f", dilation {dh}x{dw}"
        bias = "" if self.use_bias else ", no bias"
        return f"{kh}x{kw}, {stride}{dilation}, {self.padding} padding{bias}{activation_text(self.activation)}"


@LAYER_TYPES.register
class Conv2D(_Conv):
    type: Literal["Conv2D"]
    KERNEL = "kernel"
    filters: int = Field(ge=1, le=MAX_FILTERS)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        shape = one_image("Conv2D", shapes)
        kh, kw = pair(self.kernel_size)
        return (*self._grid(shape), self.filters), kh * kw * shape[2] * self.filters + self.filters * self.use_bias

    def describe(self) -> str:
        return f"Conv2D: {self.filters} filters of {self._window_text()}"


@LAYER_TYPES.register
class SeparableConv2D(_Conv):
    type: Literal["SeparableConv2D"]
    DEPTHWISE = True
    KERNEL = "depthwise_kernel"  # then a 1x1 pointwise_kernel mixes the channels
    filters: int = Field(ge=1, le=MAX_FILTERS)
    depth_multiplier: int = Field(default=1, ge=1, le=64)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        shape = one_image("SeparableConv2D", shapes)
        kh, kw = pair(self.kernel_size)
        depth = shape[2] * self.depth_multiplier
        params = kh * kw * depth + depth * self.filters + self.filters * self.use_bias
        return (*self._grid(shape), self.filters), params

    def describe(self) -> str:
        return f"SeparableConv2D: {self.filters} filters, depthwise {self._window_text()}"


@LAYER_TYPES.register
class DepthwiseConv2D(_Conv):
    type: Literal["DepthwiseConv2D"]
    DEPTHWISE = True
    KERNEL = "kernel"
    depth_multiplier: int = Field(default=1, ge=1, le=64)

    def output(self, shapes: list[Shape]) -> tuple[Shape, int]:
        shape = one_image("DepthwiseConv2D", shapes)
        kh, kw = pair(self.kernel_size)
        depth = shape[2] * self.depth_multiplier
        return (*self._grid(shape), depth), kh * kw * depth + depth * self.use_bias

    def describe(self) -> str:
        return f"DepthwiseConv2D: {self.depth_multiplier} per channel, {self._window_text()}"

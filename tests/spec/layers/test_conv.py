"""Conv2D, SeparableConv2D, DepthwiseConv2D: shapes and parameter counts as Keras builds them."""

from __future__ import annotations

import pytest

from . import matches_keras

CASES = [
    ({"type": "Conv2D", "filters": 5, "kernel_size": [3, 2], "dilation_rate": 2, "use_bias": False, "padding": "same"}, (9, 8, 3)),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2}, (9, 9, 2)),
    ({"type": "SeparableConv2D", "filters": 6, "kernel_size": 3, "depth_multiplier": 2}, (8, 8, 3)),
    ({"type": "SeparableConv2D", "filters": 6, "kernel_size": 3, "use_bias": False, "dilation_rate": 2}, (9, 9, 3)),
    ({"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 3}, (8, 8, 4)),
    ({"type": "DepthwiseConv2D", "kernel_size": [1, 3], "strides": 2, "use_bias": False, "padding": "same"}, (7, 7, 4)),
]


@pytest.mark.parametrize("layer,shape", CASES, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...]) -> None:
    matches_keras(layer, shape)

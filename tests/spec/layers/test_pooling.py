"""The poolings and ZeroPadding2D: shapes and parameter counts as Keras builds them."""

from __future__ import annotations

import pytest

from . import matches_keras

CASES = [
    ({"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"}, (7, 7, 1)),
    ({"type": "AveragePooling2D", "pool_size": 2}, (7, 7, 1)),
    ({"type": "GlobalMaxPooling2D"}, (4, 5, 3)),
    ({"type": "GlobalAveragePooling2D"}, (4, 5, 3)),
    ({"type": "ZeroPadding2D", "padding": [1, 2]}, (4, 5, 3)),
]


@pytest.mark.parametrize("layer,shape", CASES, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...]) -> None:
    matches_keras(layer, shape)

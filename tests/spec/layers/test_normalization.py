"""BatchNormalization and LayerNormalization: shapes and parameter counts as Keras builds them."""

from __future__ import annotations

import pytest

from . import matches_keras

CASES = [
    ({"type": "BatchNormalization"}, (4, 4, 6)),
    ({"type": "BatchNormalization", "momentum": 0.9, "epsilon": 0.01}, (5,)),
    ({"type": "LayerNormalization"}, (4, 4, 6)),
]


@pytest.mark.parametrize("layer,shape", CASES, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...]) -> None:
    matches_keras(layer, shape)

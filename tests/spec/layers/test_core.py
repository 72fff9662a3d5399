"""Dense, Flatten, the dropouts, the activation layers and Rescaling: shapes and parameter counts as Keras builds them."""

from __future__ import annotations

import pytest

from netviz.models.build import make_layer

from . import matches_keras, model_of

CASES = [
    ({"type": "Dense", "units": 7}, (5,)),
    ({"type": "Flatten"}, (3, 4, 2)),
    ({"type": "Dropout", "rate": 0.5}, (10,)),
    ({"type": "SpatialDropout2D", "rate": 0.3}, (4, 4, 2)),
    ({"type": "Activation", "activation": "tanh"}, (4, 4, 2)),
    ({"type": "ReLU", "max_value": 6}, (4, 4, 2)),
    ({"type": "LeakyReLU", "negative_slope": 0.1}, (4, 4, 2)),
    ({"type": "Rescaling", "scale": 0.5, "offset": -1}, (4, 4, 3)),
]


@pytest.mark.parametrize("layer,shape", CASES, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...]) -> None:
    matches_keras(layer, shape)


def test_make_layer_passes_only_given_arguments() -> None:
    layer = model_of([{"type": "ReLU"}, {"type": "Dense", "units": 2, "activation": "softmax"}]).layers[0]
    assert make_layer(layer, "r").max_value is None

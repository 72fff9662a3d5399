"""The augmentation layers: shapes as Keras builds them, and the identity outside training."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.models.build import build_model

from . import matches_keras, model_of

CASES = [
    ({"type": "RandomFlip", "mode": "horizontal"}, (6, 6, 3)),
    ({"type": "RandomRotation", "factor": 0.1}, (6, 6, 3)),
    ({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.2}, (6, 6, 3)),
    ({"type": "RandomZoom", "height_factor": 0.2}, (6, 6, 3)),
]


@pytest.mark.parametrize("layer,shape", CASES, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...]) -> None:
    matches_keras(layer, shape)


def test_augmentation_is_identity_at_inference() -> None:
    import keras

    model = model_of([{"type": "RandomRotation", "factor": 0.5}, {"type": "RandomZoom", "height_factor": 0.5},
                      {"type": "RandomFlip"}, {"type": "RandomTranslation", "height_factor": 0.5, "width_factor": 0.5},
                      {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}])
    built = keras.Sequential(build_model(model, (8, 8, 1), seed=0).layers[:4])
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(built(x, training=False)), x)
    assert not np.allclose(np.asarray(built(x, training=True)), x)

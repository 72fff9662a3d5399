"""Every layer type: netviz's validation-time parameter count and shape equal what Keras builds."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.registry import DATA_KINDS, LAYER_TYPES
from netviz.models.build import build_model, make_layer
from netviz.spec.graph import layer_shapes
from netviz.spec.schema import Model

# (layer, input shape): the layer's non-default arguments exercised where they change the count
CASES = [
    ({"type": "Conv2D", "filters": 5, "kernel_size": [3, 2], "dilation_rate": 2, "use_bias": False, "padding": "same"}, (9, 8, 3)),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2}, (9, 9, 2)),
    ({"type": "SeparableConv2D", "filters": 6, "kernel_size": 3, "depth_multiplier": 2}, (8, 8, 3)),
    ({"type": "SeparableConv2D", "filters": 6, "kernel_size": 3, "use_bias": False, "dilation_rate": 2}, (9, 9, 3)),
    ({"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 3}, (8, 8, 4)),
    ({"type": "DepthwiseConv2D", "kernel_size": [1, 3], "strides": 2, "use_bias": False, "padding": "same"}, (7, 7, 4)),
    ({"type": "Dense", "units": 7}, (5,)),
    ({"type": "BatchNormalization"}, (4, 4, 6)),
    ({"type": "LayerNormalization"}, (4, 4, 6)),
    ({"type": "Activation", "activation": "tanh"}, (4, 4, 2)),
    ({"type": "ReLU", "max_value": 6}, (4, 4, 2)),
    ({"type": "LeakyReLU", "negative_slope": 0.1}, (4, 4, 2)),
    ({"type": "SpatialDropout2D", "rate": 0.3}, (4, 4, 2)),
    ({"type": "GlobalMaxPooling2D"}, (4, 5, 3)),
    ({"type": "GlobalAveragePooling2D"}, (4, 5, 3)),
    ({"type": "ZeroPadding2D", "padding": [1, 2]}, (4, 5, 3)),
    ({"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"}, (7, 7, 1)),
    ({"type": "AveragePooling2D", "pool_size": 2}, (7, 7, 1)),
    ({"type": "Rescaling", "scale": 0.5, "offset": -1}, (4, 4, 3)),
    ({"type": "RandomFlip", "mode": "horizontal"}, (6, 6, 3)),
    ({"type": "RandomRotation", "factor": 0.1}, (6, 6, 3)),
    ({"type": "RandomTranslation", "height_factor": 0.1, "width_factor": 0.2}, (6, 6, 3)),
    ({"type": "RandomZoom", "height_factor": 0.2}, (6, 6, 3)),
    ({"type": "Flatten"}, (3, 4, 2)),
    ({"type": "Dropout", "rate": 0.5}, (10,)),
]


def _model(layers: list[dict]) -> Model:
    return Model.model_validate({"name": "m", "dataset": "d", "target": "class", "layers": layers})


def test_every_registered_type_is_tested() -> None:
    merges = {"Add", "Multiply", "Average", "Concatenate"}
    assert {case["type"] for case, _ in CASES} | merges == set(LAYER_TYPES.names())


@pytest.mark.parametrize("layer,shape", CASES, ids=[f"{c['type']}-{i}" for i, (c, _) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...]) -> None:
    import keras

    model = _model([layer, {"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"}])
    shapes, params = layer_shapes(model, shape)
    built = build_model(model, shape, seed=0)
    keras_layer = built.layers[0]
    assert type(keras_layer).__name__ == layer["type"]
    assert params == built.count_params()
    assert model.layers[0].output([shape])[1] == keras_layer.count_params()
    assert shapes[keras_layer.name] == tuple(keras_layer.output.shape[1:])
    for key, value in layer.items():
        if key not in ("type", "activation", "padding", "factor"):  # Keras stores these in its own forms
            got = getattr(keras_layer, key)
            want = tuple(value) if isinstance(value, list) else value
            assert got == want or (isinstance(got, tuple) and got == (want,) * len(got)), key
    assert isinstance(built, keras.Sequential)


def test_augmentation_is_identity_at_inference() -> None:
    model = _model([{"type": "RandomRotation", "factor": 0.5}, {"type": "RandomZoom", "height_factor": 0.5},
                    {"type": "RandomFlip"}, {"type": "RandomTranslation", "height_factor": 0.5, "width_factor": 0.5},
                    {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}])
    built = build_model(model, (8, 8, 1), seed=0)
    import keras

    built = keras.Sequential(built.layers[:4])
    x = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(built(x, training=False)), x)
    assert not np.allclose(np.asarray(built(x, training=True)), x)


def test_make_layer_passes_only_given_arguments() -> None:
    layer = _model([{"type": "ReLU"}, {"type": "Dense", "units": 2, "activation": "softmax"}]).layers[0]
    assert make_layer(layer, "r").max_value is None

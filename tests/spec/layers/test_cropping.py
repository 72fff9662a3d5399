"""Cropping2D: the three forms of ``cropping`` Keras accepts, its shapes and (no) parameters, and crops that leave nothing."""

from __future__ import annotations

import re

import pytest

from netviz.spec.graph import ShapeError, layer_shapes

from . import matches_keras, model_of

# (layer, input shape, ((top, bottom), (left, right)) as Keras keeps it, output shape worked out by hand)
CASES = [
    ({"type": "Cropping2D", "cropping": 2}, (9, 8, 3), ((2, 2), (2, 2)), (5, 4, 3)),
    ({"type": "Cropping2D", "cropping": [1, 3]}, (9, 8, 2), ((1, 1), (3, 3)), (7, 2, 2)),
    ({"type": "Cropping2D", "cropping": [[0, 2], [3, 1]]}, (6, 7, 1), ((0, 2), (3, 1)), (4, 3, 1)),
    ({"type": "Cropping2D"}, (4, 4, 2), ((0, 0), (0, 0)), (4, 4, 2)),
]


@pytest.mark.parametrize("layer,shape,sides,out", CASES, ids=[f"{c['type']}-{i}" for i, (c, *_) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...], sides: tuple, out: tuple) -> None:
    keras_layer = matches_keras(layer, shape, keras_forms=("cropping",))
    assert keras_layer.cropping == sides == model_of([layer, {"type": "Flatten"}]).layers[0].sides()
    assert tuple(keras_layer.output.shape[1:]) == out and keras_layer.count_params() == 0


@pytest.mark.parametrize("cropping,message", [
    (4, "cropping 4+4 rows and 4+4 columns leaves nothing of the 8x9 input"),
    ([[1, 1], [5, 4]], "cropping 1+1 rows and 5+4 columns leaves nothing of the 8x9 input"),
])
def test_a_crop_that_leaves_nothing_is_refused_where_it_is_declared(cropping, message: str) -> None:
    model = model_of([{"type": "Conv2D", "filters": 1, "kernel_size": 1}, {"type": "Cropping2D", "cropping": cropping},
                      {"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}])
    with pytest.raises(ShapeError, match=re.escape(message)) as err:
        layer_shapes(model, (8, 9, 1))
    assert err.value.where == ("layers", 1)


def test_cropping_takes_only_the_forms_keras_accepts() -> None:
    from pydantic import ValidationError

    for wrong in (-1, [1, 2, 3], [[1, 2], 3], [[1, 2, 3], [0, 0]]):
        with pytest.raises(ValidationError):
            model_of([{"type": "Cropping2D", "cropping": wrong}, {"type": "Flatten"}])


def test_describe() -> None:
    def text(cropping) -> str:
        return model_of([{"type": "Cropping2D", "cropping": cropping}, {"type": "Flatten"}]).layers[0].describe()

    assert text(2) == "Cropping2D: 2 off each side"
    assert text([1, 3]) == "Cropping2D: 1 off the top and bottom, 3 off the left and right"
    assert text([[0, 2], [3, 1]]) == "Cropping2D: 0 off the top, 2 off the bottom, 3 off the left, 1 off the right"

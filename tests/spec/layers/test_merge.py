"""Add, Multiply, Average, Concatenate on branches: shapes and parameter counts as Keras builds them, and refusals."""

from __future__ import annotations

import re

import pytest

from netviz.spec.graph import ShapeError, layer_shapes

from . import matches_keras, model_of

# (merge layer, input shape, channels of each branch): branch i is a 1x1 Conv2D named b<i>
CASES = [
    ({"type": "Add", "inputs": ["b0", "b1"]}, (5, 4, 1), (2, 2)),
    ({"type": "Multiply", "inputs": ["b0", "b1"]}, (5, 4, 3), (3, 3)),
    ({"type": "Average", "inputs": ["b0", "b1", "b2"]}, (4, 4, 1), (2, 2, 2)),
    ({"type": "Concatenate", "inputs": ["b0", "b1", "b2"]}, (5, 4, 2), (1, 3, 2)),
]


def branches(channels: tuple[int, ...]) -> list[dict]:
    return [{"type": "Conv2D", "name": f"b{i}", "filters": c, "kernel_size": 1} for i, c in enumerate(channels)]


@pytest.mark.parametrize("layer,shape,channels", CASES, ids=[f"{c['type']}-{i}" for i, (c, *_) in enumerate(CASES)])
def test_parameter_count_and_shape_match_keras(layer: dict, shape: tuple[int, ...], channels: tuple[int, ...]) -> None:
    keras_layer = matches_keras(layer, shape, before=branches(channels))
    want = sum(channels) if layer["type"] == "Concatenate" else channels[0]
    assert tuple(keras_layer.output.shape[1:]) == (*shape[:2], want)


def test_unequal_shapes_or_a_single_input_are_refused() -> None:
    dense = [{"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}]
    unequal = model_of([*branches((1, 3)), {"type": "Add", "inputs": ["b0", "b1"]}, *dense])
    with pytest.raises(ShapeError, match=re.escape("Add needs inputs of one shape, got (5, 4, 1) and (5, 4, 3)")):
        layer_shapes(unequal, (5, 4, 1))
    single = model_of([*branches((2,)), {"type": "Concatenate"}, *dense])
    with pytest.raises(ShapeError, match="Concatenate joins two or more layers: name them in 'inputs'"):
        layer_shapes(single, (5, 4, 1))

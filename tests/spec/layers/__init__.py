"""What every layer-type test checks: netviz's validation-time shape and parameter count equal Keras'.

Each ``test_<module>.py`` here tests the layer types of ``netviz/spec/layers/<module>.py``: its
``CASES`` list ``(layer, input shape, ...)`` with the layer's non-default arguments exercised
where they change the count, and ``tests/spec/test_layers.py`` fails on a registered type that
no ``CASES`` covers.
"""

from __future__ import annotations

from typing import Any, Sequence

from netviz.models.build import build_model
from netviz.spec.graph import graph_nodes, is_chain, layer_shapes
from netviz.spec.schema import Model

KERAS_FORMS = ("type", "name", "inputs", "activation", "padding", "factor")  # arguments Keras keeps in its own forms


def model_of(layers: list[dict]) -> Model:
    return Model.model_validate({"name": "m", "dataset": "d", "target": "class", "layers": layers})


def matches_keras(layer: dict, shape: tuple[int, ...], before: Sequence[dict] = (), keras_forms: Sequence[str] = ()) -> Any:
    """Build ``before``, ``layer``, Flatten, Dense(3) on ``shape`` with Keras and compare; the Keras layer.

    The total and the layer's own parameter count, the layer's output shape, and every argument
    given (but those Keras stores in another form: :data:`KERAS_FORMS` and ``keras_forms``).
    """
    import keras

    model = model_of([*before, layer, {"type": "Flatten"}, {"type": "Dense", "units": 3, "activation": "softmax"}])
    shapes, params = layer_shapes(model, shape)
    built = build_model(model, shape, seed=0)
    node = graph_nodes(model)[len(before)]
    keras_layer = built.get_layer(node.name)
    assert type(keras_layer).__name__ == layer["type"]
    assert params == built.count_params()
    inputs = [shape if source is None else shapes[source] for source in node.inputs]
    assert node.layer.output(inputs)[1] == keras_layer.count_params()  # type: ignore[attr-defined]
    assert shapes[node.name] == tuple(keras_layer.output.shape[1:])
    for key, value in layer.items():
        if key not in (*KERAS_FORMS, *keras_forms):
            got = getattr(keras_layer, key)
            want = tuple(value) if isinstance(value, list) else value
            assert got == want or (isinstance(got, tuple) and got == (want,) * len(got)), key
    assert isinstance(built, keras.Sequential) == is_chain(model)
    return keras_layer

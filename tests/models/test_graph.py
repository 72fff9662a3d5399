"""Branching networks declared with ``inputs:``: same numbers as Keras' functional API, errors located."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.models.build import build_model
from netviz.spec.graph import (
    ShapeError,
    build_order,
    graph_nodes,
    infer_shapes,
    layer_shapes,
)
from netviz.spec.schema import Model

RESIDUAL = [
    {"type": "Conv2D", "name": "stem", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "Conv2D", "name": "a", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
    {"type": "Conv2D", "name": "b", "filters": 4, "kernel_size": 3, "padding": "same"},
    {"type": "Add", "name": "sum", "inputs": ["stem", "b"]},
    {"type": "Activation", "name": "act", "activation": "relu"},
    {"type": "GlobalAveragePooling2D", "name": "gap"},
    {"type": "Dense", "name": "out", "units": 3, "activation": "softmax"},
]


def model(layers: list[dict]) -> Model:
    return Model.model_validate({"name": "m", "dataset": "d", "target": "class", "layers": layers})


def test_residual_block_equals_the_keras_functional_block() -> None:
    import keras

    ours = build_model(model(RESIDUAL), (8, 8, 2), seed=3)
    inp = keras.Input((8, 8, 2))
    stem = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="stem")(inp)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="a")(stem)
    x = keras.layers.Conv2D(4, 3, padding="same", name="b")(x)
    x = keras.layers.Activation("relu", name="act")(keras.layers.Add(name="sum")([stem, x]))
    out = keras.layers.Dense(3, activation="softmax", name="out")(keras.layers.GlobalAveragePooling2D(name="gap")(x))
    theirs = keras.Model(inp, out)
    for layer in theirs.layers[1:]:
        layer.set_weights(ours.get_layer(layer.name).get_weights())
    x = np.random.default_rng(0).random((5, 8, 8, 2)).astype("float32")
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-6, atol=1e-7)
    assert ours.count_params() == theirs.count_params() == infer_shapes(model(RESIDUAL), (8, 8, 2))
    assert len(ours.get_layer("sum").input) == 2 and not isinstance(ours, keras.Sequential)


def test_concatenate_and_heads_at_different_depths() -> None:
    spec = Model.model_validate({
        "name": "m", "dataset": "d",
        "trunk": [{"type": "Conv2D", "name": "c1", "filters": 2, "kernel_size": 3},
                  {"type": "Conv2D", "name": "c2", "filters": 3, "kernel_size": 3},
                  {"type": "Conv2D", "name": "c3", "filters": 5, "kernel_size": 1, "inputs": ["c2"]},
                  {"type": "Concatenate", "name": "cat", "inputs": ["c2", "c3"]}],
        "heads": [{"name": "early", "target": "a", "layers": [{"type": "Flatten", "inputs": ["c1"]},
                                                              {"type": "Dense", "units": 2, "activation": "softmax"}]},
                  {"name": "late", "target": "b", "layers": [{"type": "GlobalMaxPooling2D"},
                                                             {"type": "Dense", "units": 4, "activation": "softmax"}]}],
    })
    shapes, params = layer_shapes(spec, (7, 7, 1))
    assert shapes["cat"] == (3, 3, 8) and shapes["flatten"] == (50,)
    built = build_model(spec, (7, 7, 1), seed=0)
    assert built.output_names == ["early", "late"] and built.count_params() == params
    assert [tuple(o.shape) for o in built.outputs] == [(None, 2), (None, 4)]


def test_declaration_order_is_kept_where_it_works() -> None:
    layers = [dict(layer) for layer in RESIDUAL]
    layers[3], layers[2] = layers[2] | {"inputs": ["a"]}, layers[3] | {"inputs": ["stem", "b"]}
    layers[4] = layers[4] | {"inputs": ["sum"]}
    order = [n.name for n in build_order(graph_nodes(model(layers)))]
    assert order == ["stem", "a", "b", "sum", "act", "gap", "out"]


@pytest.mark.parametrize("change,where,message", [
    (lambda ls: ls[3].update(inputs=["stem", "bb"]), ("layers", 3, "inputs", 1), "no layer named 'bb' (did you mean 'b'?)"),
    (lambda ls: ls[1].update(inputs=["b"]), ("layers", 2, "inputs"), "the inputs form a cycle: a -> b -> a"),
    (lambda ls: ls[2].update(padding="valid"), ("layers", 3), "Add needs inputs of one shape, got (8, 8, 4) and (6, 6, 4)"),
    (lambda ls: ls[4].update(inputs=["stem", "b"]), ("layers", 4, "inputs"), "a Activation reads one layer"),
    (lambda ls: ls[4].update(inputs=["b"]), ("layers", 3), "layer 'sum' leads to no output"),
    (lambda ls: ls[3].pop("inputs"), ("layers", 3), "Add merges two or more layers: name them in 'inputs'"),
])
def test_bad_graphs_are_located(change, where: tuple, message: str) -> None:
    layers = [dict(layer) for layer in RESIDUAL]
    change(layers)
    with pytest.raises(ShapeError) as err:
        infer_shapes(model(layers), (8, 8, 2))
    assert err.value.where == where and str(err.value).startswith(message)


def test_branching_model_gets_figures_for_every_conv_and_a_spatial_heatmap_layer(tmp_path) -> None:
    from netviz.data.base import Dataset
    from netviz.models import graph
    from netviz.models.build import model_outputs
    from netviz.spec import schema
    from netviz.views.model import explain_model

    layers = [dict(layer) for layer in RESIDUAL]
    layers.insert(2, {"type": "SeparableConv2D", "name": "sep", "filters": 4, "kernel_size": 3, "padding": "same"})
    layers[3] = layers[3] | {"inputs": ["a"]}  # b reads a, sep feeds the sum next to it
    layers[4] = layers[4] | {"inputs": ["stem", "b", "sep"]}
    spec = model(layers)
    built = build_model(spec, (8, 8, 1), seed=0)
    assert graph.default_cam_layer(built) == "act"
    assert sorted(graph.default_activation_layers(built)) == ["a", "b", "sep", "stem", "sum"]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8)
    y = np.arange(12) % 3
    data = Dataset("d", "arrays", x, {"class": y}, x, {"class": y}, {"class": ["a", "b", "c"]},
                   masks_test=x[..., 0] > 128)
    settings = schema.Visualize(filters=schema.Filters(steps=2), cam=schema.Cam(methods=["gradcam"], eval_images=12))
    views = explain_model(built, None, model_outputs(spec, data.class_names), data, settings, schema.LayerChoice(), 0)
    assert {a.layer for a in views.activations} == {"stem", "a", "sep", "b", "sum"}
    assert {f.layer for f in views.filters} == {"stem", "a", "sep", "b"}  # every conv-like layer
    assert {h.layer for h in views.heatmaps} == {"act"}
    assert views.explanations["gradcam"]["class"].pointing_game is not None

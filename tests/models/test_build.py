"""The spec's layer lists become exactly the original report's networks."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.data import describe_dataset
from netviz.models.build import build_model, model_outputs
from netviz.models.summary import describe_layer, param_counts, summary_rows
from netviz.spec.graph import infer_shapes, layer_names
from netviz.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_spec(ROOT / "specs" / "cs671-a2-task3.yaml")
EXPECTED = {
    "seq_mnist": {"total": 3_977_930, "trainable": 3_977_866, "non_trainable": 64},
    "seq_line": {"total": 4_069_216, "trainable": 4_069_152, "non_trainable": 64},
    "multihead": {"total": 10_259_255, "trainable": 10_255_079, "non_trainable": 4_176},
}


def _shape(model) -> tuple[int, int, int]:
    return describe_dataset(SPEC.datasets[model.dataset]).input_shape


@pytest.mark.parametrize("model", SPEC.models, ids=lambda m: m.name)
def test_parameter_counts_match_the_original_report(model) -> None:
    keras_model = build_model(model, _shape(model), seed=1)
    assert param_counts(keras_model) == EXPECTED[model.name]
    assert infer_shapes(model, _shape(model)) == EXPECTED[model.name]["total"]


def test_sequential_summary_rows() -> None:
    keras_model = build_model(SPEC.models[0], (28, 28, 1), seed=1)
    assert type(keras_model).__name__ == "Sequential"
    rows = summary_rows(keras_model)
    assert [(r["name"], r["output_shape"], r["params"]) for r in rows] == [
        ("conv2d", "(None, 22, 22, 32)", 1600),
        ("batch_normalization", "(None, 22, 22, 32)", 128),
        ("max_pooling2d", "(None, 11, 11, 32)", 0),
        ("flatten", "(None, 3872)", 0),
        ("dense", "(None, 1024)", 3_965_952),
        ("dense_1", "(None, 10)", 10_250),
    ]


def test_multihead_outputs_come_in_head_order() -> None:
    spec_model = SPEC.models[2]
    keras_model = build_model(spec_model, (28, 28, 3), seed=1)
    assert keras_model.output_names == ["length", "width", "colour", "angle"]
    assert [tuple(t.shape) for t in keras_model.outputs] == [(None, 1)] * 3 + [(None, 12)]
    names = {"class": ["c"] * 96, "length": ["7 px", "15 px"], "width": ["1 px", "3 px"],
             "angle": [str(a) for a in range(12)], "colour": ["red", "blue"]}
    outs = model_outputs(spec_model, names)
    assert [(o.name, o.activation, o.num_classes) for o in outs] == [
        ("length", "sigmoid", 2), ("width", "sigmoid", 2), ("colour", "sigmoid", 2), ("angle", "softmax", 12)]
    rows = {r["name"]: r for r in summary_rows(keras_model, {"length": "length"})}
    assert rows["max_pooling2d"]["output_shape"] == "(None, 25, 25, 32)"
    assert rows["flatten"]["connected_to"] == ["dropout"]
    assert rows["dense"]["connected_to"] == ["flatten"]
    assert rows["length"]["head"] == "length"


def test_layer_names_are_keras_style_and_per_model() -> None:
    names = [n for n, _ in layer_names(SPEC.models[2])]
    assert names[:7] == ["conv2d", "batch_normalization", "max_pooling2d", "conv2d_1", "batch_normalization_1",
                         "dropout", "flatten"]
    assert names[-1] == "angle"
    # building twice in one session gives the same names (no session-wide counters)
    first = [layer.name for layer in build_model(SPEC.models[0], (28, 28, 1), 1).layers]
    second = [layer.name for layer in build_model(SPEC.models[0], (28, 28, 1), 1).layers]
    assert first == second == ["conv2d", "batch_normalization", "max_pooling2d", "flatten", "dense", "dense_1"]


def test_describe_layer_in_words() -> None:
    layers = SPEC.models[2].trunk
    assert describe_layer(layers[0]) == "Conv2D: 32 filters of 3x3, stride 1, valid padding, ReLU activation"
    assert describe_layer(layers[2]) == "MaxPooling2D: 2x2 window, stride 1"
    assert describe_layer(layers[5]) == "Dropout: rate 0.4"

"""The drawn architecture graph is the model's own: nodes are ``model.layers``, edges their inbound nodes."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from netviz.models.architecture import Graph, collapse, layer_graph
from netviz.models.build import build_model
from netviz.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = load_spec(ROOT / "specs" / "cs671-a2-task3.yaml")
SHAPES = {"seq_mnist": (28, 28, 1), "seq_line": (28, 28, 3), "multihead": (28, 28, 3)}
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) not installed")


def keras_edges(model: Any) -> set[tuple[str, str]]:
    """(source, layer) for every tensor entering every layer in the model's own graph, read from Keras."""
    functional = getattr(model, "_functional", None) or model
    nodes = [node for depth in functional._nodes_by_depth.values() for node in depth]
    return {(t._keras_history[0].name, node.operation.name) for node in nodes for t in node.input_tensors}


def assert_same_graph(graph: Graph, model: Any) -> None:
    names = [layer.name for layer in model.layers]
    drawn = [node.name for node in graph.nodes]
    assert [n for n in drawn if n in names] == names  # every layer, in Keras' order
    assert set(drawn) - set(names) <= {t._keras_history[0].name for t in model.inputs}  # besides: the inputs
    assert set(graph.edges) == keras_edges(model) and len(graph.edges) == len(set(graph.edges))
    assert graph.outputs == [t._keras_history[0].name for t in model.outputs]
    for node, layer in ((graph.node(layer.name), layer) for layer in model.layers):
        assert (node.type, node.params) == (type(layer).__name__, layer.count_params())


@pytest.mark.parametrize("spec", DEFAULT.models, ids=lambda m: m.name)
def test_default_networks_are_drawn_as_keras_built_them(spec) -> None:
    model = build_model(spec, SHAPES[spec.name], seed=1)
    graph = layer_graph(model)
    assert_same_graph(graph, model)
    assert collapse(graph) == graph  # small networks: every layer its own node


def test_the_residual_example_keeps_its_skip_connection() -> None:
    import yaml

    from netviz.spec.schema import Model

    raw = yaml.safe_load((ROOT / "specs" / "examples" / "shapes-residual.yaml").read_text())["models"][0]
    spec = Model.model_validate(raw)  # its layers only: the data folder is made by the examples' script
    model = build_model(spec, (28, 28, 1), seed=1)
    graph = layer_graph(model)
    assert_same_graph(graph, model)
    assert ("stem", "block") in graph.edges and ("conv_b", "block") in graph.edges


def _branch_model() -> Any:
    path = ROOT / "specs" / "examples" / "make_models.py"
    spec = importlib.util.spec_from_file_location("make_models", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module.branch_model()


def test_a_two_branch_model_is_drawn_with_both_branches() -> None:
    model = _branch_model()
    graph = layer_graph(model)
    assert_same_graph(graph, model)
    assert {("stem", "branch_3x3"), ("stem", "branch_5x5"), ("branch_3x3", "join"), ("branch_5x5", "join")} <= set(
        graph.edges)


def test_layers_called_again_elsewhere_add_no_edges() -> None:
    """The explain stage builds sub-models on the same layers: their calls are not this model's edges."""
    import keras

    model = _branch_model()
    before = layer_graph(model)
    keras.Model(model.inputs, model.get_layer("join").output)  # a sub-model reuses nodes, adds none
    again = keras.Input((28, 28, 1))
    model.get_layer("stem")(again)  # a new call of the layer: a new inbound node
    assert layer_graph(model) == before


def test_mobilenet_v2_repeated_blocks_collapse_onto_one_page() -> None:
    import keras

    model = keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3))
    graph = layer_graph(model)
    assert_same_graph(graph, model)
    small = collapse(graph)
    assert len(small.nodes) <= 30 < len(graph.nodes)
    repeats = sorted(node.repeats for node in small.nodes if node.repeats > 1)
    assert repeats == [2, 2, 2, 3]  # blocks 4-5, 7-9, 11-12, 14-15: same types, wiring and shapes
    # every layer is in exactly one node, every parameter counted once
    members = [m for node in small.nodes for m in (node.members or (node.name,))]
    assert sorted(members) == sorted(node.name for node in graph.nodes)
    assert sum(node.params for node in small.nodes) == model.count_params()
    # the collapsed graph is still one chain of blocks with the one skip connection block 2 has
    assert all(a in {n.name for n in small.nodes} and b in {n.name for n in small.nodes} for a, b in small.edges)
    assert len(small.edges) == len(small.nodes)  # a chain (n - 1 edges) plus one skip edge


@needs_dot
def test_the_drawing_is_self_contained_and_the_same_every_time(tmp_path: Path) -> None:
    import numpy as np

    from netviz.figures.architecture import Decoration, draw_architecture

    model = _branch_model()
    graph = layer_graph(model)
    decoration = Decoration(thumbnails={"stem": [np.random.default_rng(0).random((28, 28, 1))]},
                            dead_share={"branch_5x5": 0.25}, links={"stem": "#fig-b-activations-stem"},
                            heads={"class": "class: 91.0%"}, cam_layers={"separable"})
    first = draw_architecture(graph, decoration, tmp_path / "a.svg", "arch-b").read_text()
    second = draw_architecture(graph, decoration, tmp_path / "b.svg", "arch-b").read_text()
    assert first == second and first.startswith("<svg")
    assert 'xlink:href="data:image/png;base64,' in first and "#fig-b-activations-stem" in first
    assert str(tmp_path) not in first and "/tmp" not in first and "<!--" not in first
    assert set(re.findall(r'\bid="([^"]+)"', first)) and all(i.startswith("arch-b-") for i in re.findall(
        r'\bid="([^"]+)"', first))
    assert 'font-family="TeX Gyre Heros' in first and "class: 91.0%" in first and "25% filters dead" in first
    assert "heatmap layer" in first
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', first)]
    width = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', first).group(1))
    assert min(sizes) * min(1.0, 480 / width) >= 6.0  # no text below 6 pt at the PDF's text width

"""Turn a spec model (layer lists, optionally a graph through ``inputs:``) into a Keras model.

A plain ``layers`` chain becomes a ``keras.Sequential`` (as in the original report);
anything else (``inputs:``, merges, ``trunk`` and ``heads``) becomes a functional
model whose outputs come in head order, each named after its head so losses,
metrics and history keys read well. No architecture lives in Python.
"""

from __future__ import annotations

from typing import Any

from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.spec.graph import INPUT, build_order, graph_nodes, is_chain, output_nodes


def model_outputs(model: schema.Model, class_names: dict[str, list[str]]) -> list[OutputInfo]:
    """The outputs a spec model predicts, in the order the Keras model returns them."""
    result = []
    for index, (name, target, reference) in enumerate(model.outputs()):
        head = None if model.is_sequential else (model.heads or [])[index]
        last = head.layers[-1] if head else (model.layers or [])[-1]
        result.append(OutputInfo(name, target, last.activation, tuple(class_names[target]), reference,  # type: ignore[attr-defined]
                                 head.loss_weight if head else 1.0))
    return result


def make_layer(spec_layer: Any, name: str) -> Any:
    """One Keras layer from one spec layer: the Keras class of its ``type`` with its arguments."""
    from keras import layers

    return getattr(layers, spec_layer.type)(name=name, **spec_layer.keras_kwargs())


def build_model(model: schema.Model, input_shape: tuple[int, ...], seed: int) -> Any:
    """A fresh, seeded, uncompiled Keras model for ``model``."""
    import keras

    keras.utils.set_random_seed(seed)
    nodes = graph_nodes(model)
    if is_chain(model):
        layers = [make_layer(node.layer, node.name) for node in nodes]
        return keras.Sequential([keras.Input(shape=input_shape, name="input_layer"), *layers], name=model.name)
    tensors: dict[str | None, Any] = {INPUT: keras.Input(shape=input_shape, name="input_layer")}
    for node in build_order(nodes):
        sources = [tensors[source] for source in node.inputs]
        layer = make_layer(node.layer, node.name)
        tensors[node.name] = layer(sources if node.layer.MERGE else sources[0])  # type: ignore[attr-defined]
    outputs = [tensors[node.name] for node in output_nodes(model, nodes)]
    return keras.Model(tensors[INPUT], outputs if not model.is_sequential else outputs[0], name=model.name)

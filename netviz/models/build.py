"""Turn a spec model (layer lists) into a Keras model; no architecture lives in Python.

A model with ``layers`` becomes a ``keras.Sequential`` (as in the original report);
a model with ``trunk`` and ``heads`` becomes a functional model whose outputs come in
head order, each named after its head so losses, metrics and history keys read well.
"""

from __future__ import annotations

from typing import Any

from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.spec.layers import named_layers

_LAYER_ARGS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "Dense": ("units", "activation"),
    "BatchNormalization": ("momentum", "epsilon"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "Dropout": ("rate",),
    "Flatten": (),
    "GlobalAveragePooling2D": (),
}


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
    """One Keras layer from one spec layer."""
    from keras import layers

    kwargs = {}
    for arg in _LAYER_ARGS[spec_layer.type]:
        value = getattr(spec_layer, arg)
        if value is not None:
            kwargs[arg] = tuple(value) if isinstance(value, (list, tuple)) else value
    return getattr(layers, spec_layer.type)(name=name, **kwargs)


def build_model(model: schema.Model, input_shape: tuple[int, ...], seed: int) -> Any:
    """A fresh, seeded, uncompiled Keras model for ``model``."""
    import keras

    keras.utils.set_random_seed(seed)
    built = named_layers(model)
    if model.is_sequential:
        layers = [make_layer(spec_layer, name) for name, _, spec_layer in built]
        seq = keras.Sequential([keras.Input(shape=input_shape, name="input_layer"), *layers], name=model.name)
        return seq
    inputs = keras.Input(shape=input_shape, name="input_layer")
    x = inputs
    heads: dict[str, Any] = {}
    for name, head, spec_layer in built:
        layer = make_layer(spec_layer, name)
        if head is None:
            x = layer(x)
        else:
            heads[head] = layer(heads.get(head, x))
    outputs = [heads[h.name] for h in model.heads or []]
    return keras.Model(inputs, outputs, name=model.name)

"""Tiny Keras models shared by the visualization tests (built in milliseconds, no data files)."""

from __future__ import annotations

import numpy as np

from netviz.models.outputs import OutputInfo


def softmax_info(name: str = "class", classes: int = 3) -> OutputInfo:
    return OutputInfo(name, name, "softmax", tuple(f"{name}{i}" for i in range(classes)))


def sigmoid_info(name: str) -> OutputInfo:
    return OutputInfo(name, name, "sigmoid", (f"not_{name}", name))


def tiny_cnn(kind: str = "sequential", shape: tuple[int, int, int] = (10, 10, 1), classes: int = 3, seed: int = 0):
    """Conv2D(4, 3, relu) -> BatchNorm -> MaxPool -> Conv2D(6, 3, relu) -> Flatten -> Dense softmax.

    The same weights for ``kind="sequential"`` and ``kind="functional"`` (same seed).
    """
    import keras

    layers = keras.layers
    keras.utils.set_random_seed(seed)
    stack = [
        layers.Conv2D(4, 3, activation="relu", name="conv2d"),
        layers.BatchNormalization(name="batch_normalization"),
        layers.MaxPooling2D(2, 1, name="max_pooling2d"),
        layers.Conv2D(6, 3, activation="relu", name="conv2d_1"),
        layers.Flatten(name="flatten"),
        layers.Dense(classes, activation="softmax", name="dense"),
    ]
    if kind == "sequential":
        model = keras.Sequential([keras.Input(shape)] + stack)
    else:
        inp = keras.Input(shape)
        x = inp
        for layer in stack:
            x = layer(x)
        model = keras.Model(inp, x)
    bn = model.get_layer("batch_normalization")
    rng = np.random.default_rng(seed)
    bn.set_weights([rng.uniform(0.5, 1.5, 4), rng.normal(0, 0.1, 4), rng.normal(0, 0.1, 4), rng.uniform(0.5, 2, 4)])
    for name in ("conv2d", "conv2d_1"):  # small positive biases keep the ReLUs alive on grey images
        conv = model.get_layer(name)
        kernel, bias = conv.get_weights()
        conv.set_weights([kernel, np.full_like(bias, 0.05)])
    return model


def copy_weights(source, target):
    """Give ``target`` the weights of ``source``, layer by layer name."""
    for layer in source.layers:
        target.get_layer(layer.name).set_weights(layer.get_weights())
    return target


def four_head(shape: tuple[int, int, int] = (10, 10, 3), seed: int = 0):
    """A four-head functional model like the spec's: three sigmoid heads and one softmax head."""
    import keras

    layers = keras.layers
    keras.utils.set_random_seed(seed)
    inp = keras.Input(shape)
    x = layers.Conv2D(6, 3, activation="relu", name="conv2d", bias_initializer=keras.initializers.Constant(0.05))(inp)
    x = layers.BatchNormalization(name="batch_normalization")(x)
    x = layers.MaxPooling2D(2, 1, name="max_pooling2d")(x)
    x = layers.Conv2D(5, 1, activation="relu", name="conv2d_1", kernel_initializer=keras.initializers.RandomUniform(-0.5, 1.0))(x)
    x = layers.Flatten(name="flatten")(x)
    outs = []
    for name, units, act in (("length", 1, "sigmoid"), ("width", 1, "sigmoid"), ("colour", 1, "sigmoid"), ("angle", 4, "softmax")):
        h = layers.Dense(16, activation="relu", name=f"{name}_hidden")(x)
        h = layers.BatchNormalization(name=f"{name}_bn")(h)
        outs.append(layers.Dense(units, activation=act, name=name)(h))
    infos = [sigmoid_info("length"), sigmoid_info("width"), sigmoid_info("colour"), softmax_info("angle", 4)]
    return keras.Model(inp, outs), infos


def images(n: int, shape: tuple[int, int, int] = (10, 10, 1), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)

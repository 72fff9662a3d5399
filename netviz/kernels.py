"""Faster training kernels for stock Keras layers, swapped in only while a model trains.

Keras 3 writes batch normalization as about a dozen element-wise ops (moments, then
``x * scale + offset``, then their gradients), each a pass over the activations; on a
2-core CPU those passes were a quarter of a training step of the default networks.
TensorFlow's fused kernel (FusedBatchNormV3, run by oneDNN on the CPU) computes the
same normalization in one pass forward and one backward. The layer objects stay the
Keras ones, so the model's layer table, its saved ``.keras`` file and its inference
path are exactly those of the spec; only the traced training graph changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

FUSED_MIN_EPSILON = 1.001e-5  # FusedBatchNormV3 refuses a smaller epsilon


@contextlib.contextmanager
def training_kernels(model: Any) -> Iterator[int]:
    """Within the block, every eligible layer of ``model`` trains through its fused kernel.

    Yields how many layers were swapped. The swap is an instance attribute, removed on
    exit; a graph traced inside the block keeps the fused ops, which compute the same
    values, so a later call of that graph is still correct.
    """
    swapped = [layer for layer in model._flatten_layers(include_self=False) if fusable_batch_norm(layer)]
    for layer in swapped:
        object.__setattr__(layer, "call", _fused_batch_norm_call(layer))
    try:
        yield len(swapped)
    finally:
        for layer in swapped:
            layer.__dict__.pop("call", None)


def fusable_batch_norm(layer: Any) -> bool:
    """A plain Keras BatchNormalization over the last axis of 2-D or 4-D inputs, which the
    fused kernel computes exactly (no renorm, no cross-replica sync, epsilon it accepts)."""
    import keras

    if type(layer) is not keras.layers.BatchNormalization or not layer.built:
        return False
    rank = len(layer.input.shape) if _has_input(layer) else 0
    axis = layer.axis if isinstance(layer.axis, int) else -1
    return (rank in (2, 4) and axis in (-1, rank - 1) and not getattr(layer, "renorm", False)
            and not layer.synchronized and layer.epsilon >= FUSED_MIN_EPSILON)


def _has_input(layer: Any) -> bool:
    try:
        return layer.input is not None
    except (AttributeError, ValueError):
        return False


def _fused_batch_norm_call(layer: Any) -> Any:
    """``layer.call`` with the training branch on FusedBatchNormV3; inference, masks and
    frozen layers go to Keras' own code."""
    import tensorflow as tf

    keras_call = type(layer).call.__get__(layer)

    def call(inputs: Any, training: Any = None, mask: Any = None) -> Any:
        if not (training and layer.trainable) or mask is not None or len(inputs.shape) not in (2, 4):
            return keras_call(inputs, training=training, mask=mask)
        x = tf.cast(inputs, tf.float32)
        y, mean, variance = fused_batch_norm(x, layer.gamma if layer.scale else None,
                                             layer.beta if layer.center else None, layer.epsilon)
        momentum = layer.momentum
        layer.moving_mean.assign(layer.moving_mean * momentum + mean * (1.0 - momentum))
        layer.moving_variance.assign(layer.moving_variance * momentum + variance * (1.0 - momentum))
        return tf.cast(y, layer.compute_dtype)

    return call


def fused_batch_norm(x: Any, gamma: Any, beta: Any, epsilon: float) -> tuple[Any, Any, Any]:
    """Batch-normalized ``x`` (last axis the channels, rank 2 or 4) with its batch mean and
    biased variance, the statistics Keras' own layer computes (``tf.nn.moments``)."""
    import tensorflow as tf

    shape = tf.shape(x)
    channels = x.shape[-1]
    x4 = x if len(x.shape) == 4 else tf.reshape(x, (-1, 1, 1, channels))
    scale = tf.ones((channels,), tf.float32) if gamma is None else tf.cast(gamma, tf.float32)
    offset = tf.zeros((channels,), tf.float32) if beta is None else tf.cast(beta, tf.float32)
    y, mean, unbiased = tf.compat.v1.nn.fused_batch_norm(x4, scale, offset, epsilon=epsilon, is_training=True)[:3]
    count = tf.cast(tf.size(x) // channels, tf.float32)
    variance = unbiased * tf.maximum(count - 1.0, 0.0) / tf.maximum(count, 1.0)  # the kernel returns n/(n-1) x biased
    return tf.reshape(y, shape), mean, variance

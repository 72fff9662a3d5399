"""Faster training kernels for stock Keras layers, swapped in only while a model trains.

Three kinds of the default networks' layers run far below the CPU's speed through
Keras 3's own code (measured on 2 cores, batch 256 unless said):
- batch normalization, which Keras writes as about a dozen element-wise ops (moments,
  then ``x * scale + offset``, then their gradients), each a pass over the activations:
  11.7 ms forward and backward on 22x22x32 maps, 3.2 ms as TensorFlow's fused kernel
  (FusedBatchNormV3, run by oneDNN), which makes one pass each way;
- a convolution over few channels, whose oneDNN kernels (the weight gradient above
  all) run near 50 GFLOP/s: a 1x1 convolution is a matmul over pixels (38 ms forward
  and backward for 32 -> 8 channels on 25x25 maps, 7.8 ms as one matmul), and a 3x3
  one over RGB is a matmul of its 27-column patch matrix (the four-head network's first
  layer: about 18 ms of a 140 ms step at batch 512, 11 ms as a matmul). Kernels of 7x7
  stay on oneDNN: their 49-copy patch matrix costs more than it saves;
- dropout, whose float32 uniform draw per activation (Philox) was 7 % of the four-head
  network's step; two 16-bit draws per 32-bit one halve that (2 points of the peak).
The layer objects stay the Keras ones, so the model's layer table, its saved ``.keras``
file and its inference path are exactly those of the spec; only the traced training
graph changes, to ops that compute the same values (for dropout: masks with the same
distribution, the rate rounded to 1/65536).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

FUSED_MIN_EPSILON = 1.001e-5  # FusedBatchNormV3 refuses a smaller epsilon


@contextlib.contextmanager
def training_kernels(model: Any) -> Iterator[int]:
    """Within the block, every eligible layer of ``model`` trains through its faster kernel.

    Yields how many layers were swapped. The swap is an instance attribute, removed on
    exit; a graph traced inside the block keeps the fused ops, which compute the same
    values, so a later call of that graph is still correct.
    """
    swapped = []
    for layer in model._flatten_layers(include_self=False):
        faster = (_fused_batch_norm_call(layer) if fusable_batch_norm(layer)
                  else _patch_conv_call(layer) if patch_conv(layer)
                  else _dropout_call(layer) if plain_dropout(layer) else None)
        if faster is not None:
            object.__setattr__(layer, "call", faster)
            swapped.append(layer)
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


PATCH_CONV_MAX_AREA = 9  # kernel positions: the patch matrix holds this many copies of the input
PATCH_CONV_MAX_CHANNELS = 8  # input channels: oneDNN's direct kernels are slowest with few


def patch_conv(layer: Any) -> bool:
    """A plain Keras Conv2D (stride 1, no dilation or groups, channels last) that one matmul
    of its patch matrix computes faster: a 1x1 kernel (the matrix is the input itself), or
    a small kernel over few channels, like the four-head network's 3x3 over RGB."""
    import keras

    if not (type(layer) is keras.layers.Conv2D and layer.built and tuple(layer.strides) == (1, 1)
            and tuple(layer.dilation_rate) == (1, 1) and layer.groups == 1 and layer.data_format == "channels_last"
            and _has_input(layer) and None not in layer.input.shape[1:]):
        return False
    area = layer.kernel_size[0] * layer.kernel_size[1]
    return area == 1 or (area <= PATCH_CONV_MAX_AREA and layer.kernel.shape[2] <= PATCH_CONV_MAX_CHANNELS)


def _patch_conv_call(layer: Any) -> Any:
    """``layer.call`` as one matmul of the (pixels x kernel positions x channels) patch matrix
    by the reshaped kernel, bias and activation applied to the product: the sum Conv2D
    computes, with MatMul's fast gradients (and oneDNN fusing bias and ReLU into it)."""
    import tensorflow as tf

    def call(inputs: Any) -> Any:
        kernel = layer.kernel
        rows, cols, channels, filters = kernel.shape
        x = inputs if layer.padding == "valid" else tf.pad(inputs, _same_padding(rows, cols))
        height, width = x.shape[1] - rows + 1, x.shape[2] - cols + 1
        patches = x if rows * cols == 1 else tf.concat(
            [x[:, i:i + height, j:j + width, :] for i in range(rows) for j in range(cols)], axis=-1)
        outputs = tf.matmul(tf.reshape(patches, (-1, rows * cols * channels)),
                            tf.reshape(kernel, (rows * cols * channels, filters)))
        if layer.use_bias:
            outputs = tf.nn.bias_add(outputs, layer.bias)
        if layer.activation is not None:  # element-wise or over the channels: the same on the 2-D view
            outputs = layer.activation(outputs)
        return tf.reshape(outputs, (-1, height, width, filters))

    return call


def _same_padding(rows: int, cols: int) -> list[list[int]]:
    """Keras' "same" padding at stride 1: the odd pixel after."""
    return [[0, 0], [(rows - 1) // 2, rows // 2], [(cols - 1) // 2, cols // 2], [0, 0]]


DROPOUT_LEVELS = 65536  # 16-bit draws: the drop rate is rounded to a multiple of 1/65536


def plain_dropout(layer: Any) -> bool:
    """A plain Keras Dropout over whole activations (no noise_shape), rate in (0, 1)."""
    import keras

    return type(layer) is keras.layers.Dropout and layer.noise_shape is None and 0 < layer.rate < 1


def _dropout_call(layer: Any) -> Any:
    """``layer.call`` drawing each keep/drop decision from 16 random bits instead of a float32.

    An activation is kept when its 16-bit draw is at least ``round(rate * 65536)`` and then
    scaled by 65536 / (65536 - that threshold), so every activation keeps its expected
    value exactly; the drop probability differs from ``rate`` by at most 1/131072 (Keras'
    own float32 draw rounds it to 2^-23). The seed comes from the layer's own seed
    generator, as in Keras, so a seeded build draws the same masks every time.
    """
    import tensorflow as tf

    threshold = int(round(layer.rate * DROPOUT_LEVELS))
    scale = DROPOUT_LEVELS / (DROPOUT_LEVELS - threshold)

    def call(inputs: Any, training: Any = False) -> Any:
        if not training:
            return inputs
        seed = tf.cast(tf.math.floormod(tf.cast(layer.seed_generator.next(), tf.int64), 2**31 - 1), tf.int32)
        size = tf.size(inputs)
        bits = tf.random.stateless_uniform([(size + 1) // 2], seed, minval=None, maxval=None, dtype=tf.uint32)
        draws = tf.reshape(tf.bitcast(bits, tf.uint16), [-1])[:size]
        keep = tf.reshape(draws >= threshold, tf.shape(inputs))
        return tf.where(keep, inputs * tf.cast(scale, inputs.dtype), tf.zeros_like(inputs))

    return call

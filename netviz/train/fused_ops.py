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
distribution, the rate rounded to 1/65536). Adam's update likewise runs as TensorFlow's
fused kernel (``fuse_adam``).

These reach below Keras' public API, so a probe checks each against Keras' own result
before first use; with a Keras that lacks or changed what they need, training falls back
to stock Keras with one notice line. The spec's ``runtime.fast_kernels: false`` asks for
stock Keras outright. The tests cover the Keras versions that pyproject.toml allows.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Iterator
from typing import Any

FUSED_MIN_EPSILON = 1.001e-5  # FusedBatchNormV3 refuses a smaller epsilon
NOTICE = "netviz: notice: fast training kernels off ({problem}); training with stock Keras"


@functools.cache
def fast_kernels_available() -> bool:
    """Whether this Keras and TensorFlow have what the kernels rely on, checked once per process.

    The kernels reach below Keras' public API (a layer's ``call`` replaced per instance,
    Adam's slot variables, TensorFlow's fused ops), which a new Keras may rename or change.
    A small probe runs every kernel against Keras' own code first; when anything is missing
    or computes differently, one notice line says so and training uses stock Keras.
    """
    try:
        _probe()
    except Exception as error:  # whatever a changed internal raises, the answer is "not usable"
        import keras

        print(NOTICE.format(problem=f"Keras {keras.__version__}: {_first_cause(error)}"), file=sys.stderr, flush=True)
        return False
    return True


def _first_cause(error: BaseException) -> str:
    """The original exception under Keras' wrapping, as one line."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _probe() -> None:
    """Each kernel swapped into a tiny model and compared with Keras' result; raises on any difference.

    Layers, optimizer and variables carry explicit names, seeds and initial values, so the
    probe moves no global counter or random state that a spec's model depends on.
    """
    import keras
    import numpy as np

    conv = keras.layers.Conv2D(2, 1, kernel_initializer="ones", name="netviz_probe_conv")
    norm = keras.layers.BatchNormalization(name="netviz_probe_norm")
    drop = keras.layers.Dropout(0.5, seed=1, name="netviz_probe_drop")
    model = keras.Sequential([keras.Input((2, 2, 3), name="netviz_probe_input"), conv, norm, drop], name="netviz_probe")
    x = np.arange(24, dtype="float32").reshape(2, 2, 2, 3) / 24
    expected_conv = np.asarray(conv(x))
    expected_norm = np.asarray(norm(expected_conv, training=True))
    with _swapped(model) as count:
        got_conv = np.asarray(conv(x))
        got_norm = np.asarray(norm(got_conv, training=True))
        dropped = np.asarray(drop(got_norm, training=True))
    kept = dropped != 0
    if count != 3 or any("call" in layer.__dict__ for layer in model.layers):
        raise RuntimeError(f"swapped {count} of 3 probe layers")
    if not (np.allclose(got_conv, expected_conv, atol=1e-5) and np.allclose(got_norm, expected_norm, atol=1e-4)
            and np.allclose(dropped[kept], 2 * got_norm[kept])):
        raise RuntimeError("a kernel computed a different value than Keras")
    fused, plain = (_probe_adam_step(fuse) for fuse in (True, False))
    if not np.allclose(fused, plain, rtol=1e-5):
        raise RuntimeError("the fused Adam step differs from Keras' Adam")


def _probe_adam_step(fuse: bool) -> Any:
    import keras
    import numpy as np

    variable = keras.Variable(np.ones(3, "float32"), name="netviz_probe_weight")
    optimizer = keras.optimizers.Adam(0.1, name="netviz_probe_adam")
    if fuse:
        _fuse_adam(optimizer)
    optimizer.apply_gradients([(np.array([1.0, -2.0, 0.5], "float32"), variable)])
    return np.asarray(variable)


def all_layers(model: Any) -> Iterator[Any]:
    """Every layer of ``model``, nested models' layers included, through the public ``layers``."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from all_layers(layer)


@contextlib.contextmanager
def training_kernels(model: Any, enabled: bool = True) -> Iterator[int]:
    """Within the block, every eligible layer of ``model`` trains through its faster kernel.

    Yields how many layers were swapped: none when ``enabled`` is false or the probe found
    this Keras unsuited (see ``fast_kernels_available``). The swap is an instance attribute,
    removed on exit; a graph traced inside the block keeps the fused ops, which compute the
    same values, so a later call of that graph is still correct.
    """
    if not (enabled and fast_kernels_available()):
        yield 0
        return
    with _swapped(model) as count:
        yield count


@contextlib.contextmanager
def _swapped(model: Any) -> Iterator[int]:
    swapped = []
    for layer in all_layers(model):
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


def fuse_adam(optimizer: Any) -> bool:
    """Run Adam's update as TensorFlow's one fused kernel (ResourceApplyAdam), when the probe
    found this Keras suited; returns whether it did.

    Keras writes the update as about twelve element-wise ops, each a pass over the
    variable; with 4-10 million parameters at batch 100 that memory traffic was a
    quarter of a CPU training step. The kernel does the same arithmetic
    (m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps))
    in one pass. AMSGrad, sparse gradients and optimizers without the expected slots
    keep Keras' own update.
    """
    if not fast_kernels_available():
        return False
    _fuse_adam(optimizer)
    return True


def _fuse_adam(optimizer: Any) -> None:
    import tensorflow as tf

    if not hasattr(optimizer, "_get_variable_index"):
        return
    plain = optimizer.update_step

    def update_step(gradient: Any, variable: Any, learning_rate: Any) -> Any:
        slots = getattr(optimizer, "_momentums", None), getattr(optimizer, "_velocities", None)
        if (None in slots or optimizer.amsgrad or isinstance(gradient, tf.IndexedSlices)
                or not hasattr(variable, "handle")):
            return plain(gradient, variable, learning_rate)
        index = optimizer._get_variable_index(variable)
        dtype = variable.dtype
        step = tf.cast(optimizer.iterations + 1, dtype)
        beta_1, beta_2 = tf.cast(optimizer.beta_1, dtype), tf.cast(optimizer.beta_2, dtype)
        return tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=slots[0][index].value.handle, v=slots[1][index].value.handle,
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=tf.cast(optimizer.epsilon, dtype), grad=tf.cast(gradient, dtype))

    optimizer.update_step = update_step


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
        inputs = tf.ensure_shape(inputs, (None, *layer.input.shape[1:]))  # the size the slicing below needs, if the batch lost it
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

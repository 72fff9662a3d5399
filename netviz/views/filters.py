"""Convnet filters: the input each filter likes best, and the raw kernels.

Activation maximization is gradient ascent on the input from a near-grey image.
Every filter of a layer is optimized at once: the batch index *is* the filter
index (image f maximizes filter f), and all steps run inside one compiled
``tf.while_loop``, so a 32-filter layer costs one compiled call instead of
32 x 80 Python round trips. ``bench/baselines.py`` keeps the original one-filter-at-a-time
recipe, for the benchmark and as the tests' reference.

Units: gradients are normalized to unit RMS per image, and one step moves the
image by ``step_size`` hundredths of the input range (RMS per pixel), clipped to
``input_range``; the default 1.0 x 80 steps can carry a pixel across most of the
range. A ReLU filter that is off on the start image first climbs its pre-activation
(see :meth:`FilterAscent._gain`). ``l2`` penalizes the mean squared distance from mid-grey, ``total_variation``
the mean squared difference of neighbouring pixels; ``jitter`` rolls the image by up
to that many pixels each step (seeded), which discourages pixel-exact noise.

Inputs of ROBUST_SIDE pixels and more get the standard robustness tricks of
feature visualization (Olah et al., 2017): a jitter of at least 1/16 of the side,
and each step a small random scale (±5%) and rotation (±5°) of the image the
filter sees, so the ascent draws patterns that survive them, not pixel noise.
``SeparableConv2D`` and ``DepthwiseConv2D`` layers are optimized through the
layer itself (their output channel), a ``Conv2D`` through its own kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from netviz.models import graph
from netviz.spec import schema

STEP_UNIT = 0.01  # one step_size = 1% of the input range per step
NOISE = 0.02  # start-image noise, as a share of the input range
DEAD = 1e-6  # a filter whose best mean activation stays at or below this never fires
FILTER_CHUNK = 256  # filters optimized together in one call
ROBUST_SIDE = 64  # inputs this large get jitter, scale and rotation each step
MAX_SCALE_CHANGE = 0.05
MAX_ROTATION = np.deg2rad(5.0)


@dataclass(frozen=True)
class FilterImages:
    """Activation maximization of every filter of one layer."""

    layer: str
    images: np.ndarray  # (F, H, W, C)
    start: np.ndarray  # (F,) mean activation of filter f on its start image
    final: np.ndarray  # (F,) ... and on its optimized image
    steps: int

    @property
    def dead(self) -> np.ndarray:
        return self.final <= DEAD


class FilterAscent:
    """Compiled gradient ascent for one conv layer of one model.

    The batched objective computes only what it needs: image b goes through the
    layers *before* the chosen one in full, then through filter ``idx[b]`` alone
    (a grouped convolution, one group per image), instead of through all F
    filters of which F-1 would be discarded. The result is the same number the
    full layer gives (tests check this), at 1/F of the last layer's cost.
    """

    def __init__(self, model: Any, layer: str, settings: schema.Filters = schema.Filters()) -> None:
        self.layer = layer
        self.settings = settings
        self.conv = graph.get_layer(model, layer)
        kind, traits = graph.layer_type(self.conv), graph.traits(self.conv)
        if traits is None or not traits.CONV:
            raise ValueError(f"layer {layer!r} is a {kind}; filters are shown for convolution layers")
        traced = graph.Traced(model)
        self.own_kernel = not traits.DEPTHWISE  # else through the layer's output (separable, depthwise)
        if self.own_kernel:
            self.trunk = None if traced.reads_input(layer) else traced.sub_model([traced.input_of(layer)])
        else:
            self.trunk = traced.sub_model([traced.output_of(layer)])
        self.count = int(self.conv.filters) if self.own_kernel else int(traced.output_of(layer).shape[-1])
        self.shape = tuple(model.inputs[0].shape[1:])
        self.robust = min(self.shape[:2]) >= ROBUST_SIDE
        lo, hi = settings.input_range
        self.lo, self.hi, self.mid = float(lo), float(hi), (lo + hi) / 2.0
        self._batch_fn: Any = None

    # ------------------------------------------------------------ shared pieces
    def start_images(self, seed: int, count: int | None = None) -> np.ndarray:
        """(F,H,W,C) mid-grey plus tiny seeded noise; image f is the same for every method."""
        rng = np.random.default_rng(seed)
        noise = rng.normal(0.0, NOISE * (self.hi - self.lo), (count or self.count, *self.shape))
        return np.clip(self.mid + noise, self.lo, self.hi).astype(np.float32)

    @property
    def jitter(self) -> int:
        return max(self.settings.jitter, min(self.shape[:2]) // 16) if self.robust else self.settings.jitter

    def shifts(self, seed: int) -> np.ndarray:
        """(steps, 2) jitter offsets, seeded, shared by all filters."""
        j = self.jitter
        rng = np.random.default_rng([seed, 1])
        return rng.integers(-j, j + 1, (self.settings.steps, 2)).astype(np.int32)

    def warps(self, seed: int) -> np.ndarray:
        """(steps, 8) projective transforms: a seeded small scale and rotation about the centre per step
        (the identity for small inputs)."""
        steps = self.settings.steps
        identity = np.tile(np.array([1, 0, 0, 0, 1, 0, 0, 0], dtype=np.float32), (steps, 1))
        if not self.robust:
            return identity
        rng = np.random.default_rng([seed, 2])
        scale = 1.0 + rng.uniform(-MAX_SCALE_CHANGE, MAX_SCALE_CHANGE, steps)
        angle = rng.uniform(-MAX_ROTATION, MAX_ROTATION, steps)
        cy, cx = (self.shape[0] - 1) / 2.0, (self.shape[1] - 1) / 2.0
        a0, a1 = np.cos(angle) / scale, -np.sin(angle) / scale  # output pixel -> input pixel
        b0, b1 = np.sin(angle) / scale, np.cos(angle) / scale
        zeros = np.zeros(steps)
        return np.stack([a0, a1, cx - a0 * cx - a1 * cy, b0, b1, cy - b0 * cx - b1 * cy, zeros, zeros],
                        axis=1).astype(np.float32)

    def _full_pre(self, idx: Any) -> Any:
        """x -> (B,h,w) pre-activation of filter idx[b] on image b, through the whole layer (the reference)."""
        import tensorflow as tf

        conv = self.conv
        if not self.own_kernel:
            def through_layer(x: Any) -> Any:
                y = tf.cast(self.trunk(x, training=False), tf.float32)
                return tf.gather(tf.transpose(y, (0, 3, 1, 2)), idx, axis=1, batch_dims=1)

            return through_layer

        def pre(x: Any) -> Any:
            inp = tf.cast(x if self.trunk is None else self.trunk(x, training=False), tf.float32)
            y = conv.convolution_op(inp, tf.cast(conv.kernel, tf.float32))
            y = y + tf.cast(conv.bias, tf.float32) if conv.use_bias else y
            return tf.gather(tf.transpose(y, (0, 3, 1, 2)), idx, axis=1, batch_dims=1)

        return pre

    def _own_pre(self, idx: Any) -> Any:
        """The same (B,h,w) numbers, computing only filter idx[b] for image b.

        Image b meets filter idx[b] alone in a grouped (depthwise) convolution; the
        grouped kernel is gathered once here, outside the ascent loop.
        """
        import tensorflow as tf

        conv = self.conv
        if not self.own_kernel or conv.groups != 1 or (max(conv.strides) > 1 and max(conv.dilation_rate) > 1):
            return self._full_pre(idx)  # shapes depthwise_conv2d cannot express
        kh, kw = conv.kernel_size
        kernel = tf.gather(tf.cast(conv.kernel, tf.float32), idx, axis=3)  # (kh, kw, Cin, B)
        cin = kernel.shape[2]
        filt = tf.reshape(tf.transpose(kernel, (0, 1, 3, 2)), (kh, kw, -1, 1))  # (kh, kw, B*Cin, 1)
        bias = tf.gather(tf.cast(conv.bias, tf.float32), idx)[:, None, None] if conv.use_bias else 0.0

        def pre(x: Any) -> Any:
            inp = tf.cast(x if self.trunk is None else self.trunk(x, training=False), tf.float32)
            b, h, w = tf.shape(inp)[0], tf.shape(inp)[1], tf.shape(inp)[2]
            grouped = tf.reshape(tf.transpose(inp, (1, 2, 0, 3)), (1, h, w, b * cin))
            y = tf.nn.depthwise_conv2d(grouped, filt, (1, *conv.strides, 1), conv.padding.upper(),
                                       dilations=conv.dilation_rate)
            y = tf.reduce_sum(tf.reshape(y, (tf.shape(y)[1], tf.shape(y)[2], b, cin)), axis=-1)
            return tf.transpose(y, (2, 0, 1)) + bias

        return pre

    def _activation(self, pre: Any) -> Any:
        """(B,) the filter's mean activation: the number reported and, once the filter fires, maximized."""
        import tensorflow as tf

        act = self.conv.activation(pre) if self.own_kernel and self.conv.activation is not None else pre
        return tf.reduce_mean(act, axis=(1, 2))

    def _gain(self, pre: Any) -> Any:
        """(B,) what the ascent maximizes: the mean activation, or the highest pre-activation while a ReLU is off.

        A ReLU filter that is off everywhere on the grey start image has zero
        gradient and could never be woken; its highest pre-activation still has one,
        and shapes that one window into the filter's pattern until it fires. (The mean
        pre-activation would not do: its gradient is the kernel's sum at every interior
        pixel, so an edge detector with a negative sum and bias was driven to a black
        image and flagged dead although it fires on real images.) Only a filter that
        cannot fire on any input in range ends the ascent at zero, i.e. flagged dead.
        """
        import tensorflow as tf

        value = self._activation(pre)
        if not self.own_kernel or graph.activation_name(self.conv) != "relu":
            return value
        awake = tf.reduce_max(pre, axis=(1, 2)) > 0
        return tf.where(awake, value, tf.reduce_max(pre, axis=(1, 2)))

    def _step(self, x: Any, pre: Any, shift: Any, warp: Any = None) -> Any:
        """One normalized-gradient ascent step on a batch; ``pre`` maps images to (B,h,w) pre-activations."""
        import tensorflow as tf

        s = self.settings
        with tf.GradientTape() as tape:
            tape.watch(x)
            seen = tf.roll(x, shift, axis=(1, 2))
            if warp is not None and self.robust:
                seen = tf.raw_ops.ImageProjectiveTransformV3(
                    images=seen, transforms=tf.tile(warp[None], (tf.shape(seen)[0], 1)),
                    output_shape=tf.shape(seen)[1:3], fill_value=self.mid, interpolation="BILINEAR", fill_mode="REFLECT")
            gain = self._gain(pre(seen))
            if s.l2:
                gain -= s.l2 * tf.reduce_mean(tf.square(x - self.mid), axis=(1, 2, 3))
            if s.total_variation:
                dy = tf.reduce_mean(tf.square(x[:, 1:] - x[:, :-1]), axis=(1, 2, 3))
                dx = tf.reduce_mean(tf.square(x[:, :, 1:] - x[:, :, :-1]), axis=(1, 2, 3))
                gain -= s.total_variation * (dx + dy)
            total = tf.reduce_sum(gain)
        g = tape.gradient(total, x)
        g /= tf.sqrt(tf.reduce_mean(tf.square(g), axis=(1, 2, 3), keepdims=True)) + 1e-8
        rate = s.step_size * STEP_UNIT * (self.hi - self.lo)
        return tf.clip_by_value(x + rate * g, self.lo, self.hi)

    def _compile(self) -> None:
        import tensorflow as tf

        image = tf.TensorSpec((None, *self.shape), tf.float32)
        index = tf.TensorSpec((None,), tf.int32)

        @tf.function(autograph=False, input_signature=[image, index, tf.TensorSpec((None, 2), tf.int32),
                                                       tf.TensorSpec((None, 8), tf.float32)])
        def ascend(x: Any, idx: Any, shifts: Any, warps: Any) -> Any:
            pre = self._own_pre(idx)
            steps = tf.shape(shifts)[0]
            _, final = tf.while_loop(
                lambda i, _: i < steps, lambda i, x: (i + 1, self._step(x, pre, shifts[i], warps[i])),
                (tf.constant(0), x)
            )
            return final, self._activation(pre(x)), self._activation(pre(final))

        self._batch_fn = ascend

    # ------------------------------------------------------------ the two methods
    def batched(self, seed: int, filters: np.ndarray | None = None) -> FilterImages:
        """All filters (or the listed ones, in that order) together, all steps in one compiled call per chunk."""
        if self._batch_fn is None:
            self._compile()
        chosen = np.arange(self.count, dtype=np.int32) if filters is None else np.asarray(filters, dtype=np.int32)
        x0 = self.start_images(seed) if filters is None else self.start_images(seed, len(chosen))
        shifts, warps = self.shifts(seed), self.warps(seed)
        images, start, final = [], [], []
        for a in range(0, len(chosen), FILTER_CHUNK):
            part = slice(a, min(len(chosen), a + FILTER_CHUNK))
            x, s, f = self._batch_fn(x0[part], chosen[part], shifts, warps)
            images.append(x.numpy()), start.append(s.numpy()), final.append(f.numpy())
        return FilterImages(self.layer, np.concatenate(images), np.concatenate(start), np.concatenate(final), self.settings.steps)


def reads_input(model: Any, layer: str) -> bool:
    """True when ``layer`` is applied directly to the model's input (a first layer)."""
    return graph.Traced(model).reads_input(layer)


def layer_kernels(model: Any, layer: str) -> np.ndarray:
    """The raw spatial kernels of a convolution as (F, kh, kw, Cin).

    A DepthwiseConv2D (and the depthwise half of a SeparableConv2D) has one
    (kh, kw) kernel per input channel and multiplier: F = Cin x multiplier, Cin = 1.
    """
    conv = graph.get_layer(model, layer)
    traits = graph.traits(conv)
    if traits is None or not traits.CONV:
        convolutions = ", ".join(graph.registered("CONV"))
        raise ValueError(f"layer {layer!r} is a {graph.layer_type(conv)}, not a {convolutions}; it has no kernels")
    kernel = np.asarray(getattr(conv, traits.KERNEL), dtype=np.float32)
    if not traits.DEPTHWISE:
        return np.transpose(kernel, (3, 0, 1, 2))
    kh, kw = kernel.shape[:2]  # (kh, kw, Cin, multiplier)
    return np.transpose(kernel.reshape(kh, kw, -1, 1), (2, 0, 1, 3))


def rgb_composite(kernels: np.ndarray) -> np.ndarray | None:
    """(F, kh, kw, 3) kernels of a layer on colour input shown as colours, each scaled to [0, 1].

    Only meaningful when the input channels *are* red, green and blue, i.e. for a
    first layer on colour images; returns None for any other channel count.
    """
    if kernels.shape[-1] != 3:
        return None
    lo = kernels.min(axis=(1, 2, 3), keepdims=True)
    span = kernels.max(axis=(1, 2, 3), keepdims=True) - lo
    return np.divide(kernels - lo, span, out=np.full_like(kernels, 0.5), where=span > 0)

"""Model plumbing shared by every view: layer lookup, sub-models and per-head scores.

Keras 3 treats ``Sequential`` and functional models differently (a Sequential model
has ``outputs`` but raises on ``output``), so every view gets its tensors here and
nowhere else. TensorFlow and Keras are imported inside functions only.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from netviz.models.outputs import OutputInfo
from netviz.registry import LAYER_TYPES

SPREAD_ABOVE = 6  # a model with more candidate layers than this shows only ...
SPREAD_TO = 4  # ... this many by default, spread from the first to the last
Grid = tuple[tuple[float, float], tuple[float, float]]  # per axis: (offset, stride) of a layer's cells in input pixels
CHUNK = 2048  # images per forward pass; bounds memory, not speed


def layer_type(layer: Any) -> str:
    return type(layer).__name__


def layers_of_type(model: Any, types: Sequence[str]) -> list[str]:
    """Names of the model's layers whose class name is in ``types``, in build order."""
    return [layer.name for layer in model.layers if layer_type(layer) in types]


def registered(*traits: str) -> tuple[str, ...]:
    """Layer types the layer registry marks with any of ``traits`` (CONV, MERGE, POOL, ...; see LayerSpec)."""
    return tuple(name for name, cls in LAYER_TYPES.entries().items() if any(getattr(cls, t) for t in traits))


def traits(layer: Any) -> Any:
    """The registry entry of a Keras layer's class (its traits), or None for a type the spec does not know."""
    return LAYER_TYPES.entries().get(layer_type(layer))


def _spatial(model: Any, names: list[str]) -> list[str]:
    return [n for n in names if len(model.get_layer(n).output.shape) == 4]


def spread(names: list[str], above: int = SPREAD_ABOVE, keep: int = SPREAD_TO) -> list[str]:
    """All ``names`` when there are at most ``above``; else ``keep`` of them at even steps from first to last.

    A 150-layer network must give a readable report: the first layer (edges and
    colours), the last (the most semantic) and evenly spaced ones between.
    """
    if len(names) <= above:
        return list(names)
    picks = np.unique(np.round(np.linspace(0, len(names) - 1, keep)).astype(int))
    return [names[i] for i in picks]


def conv_like(model: Any) -> list[str]:
    """Every layer with spatial kernels (Conv2D, SeparableConv2D, DepthwiseConv2D) and spatial maps."""
    return _spatial(model, layers_of_type(model, registered("CONV")))


def default_activation_layers(model: Any) -> list[str]:
    """Every convolution, merge, normalization and pooling layer with spatial maps (not a BN after a Dense),
    spread to a few when there are many."""
    return spread(_spatial(model, layers_of_type(model, registered("CONV", "MERGE", "POOL", "NORMALIZATION"))))


def default_filter_layers(model: Any) -> list[str]:
    """Every conv-like layer (the layers with filters to show), spread to a few when there are many."""
    return spread(conv_like(model))


def default_cam_layer(model: Any) -> str:
    """The last layer with spatial maps that computes features (a convolution, a merge such as a residual
    sum, or the activation after it): the most semantic maps that still keep a spatial layout."""
    names = _spatial(model, layers_of_type(model, registered("CONV", "MERGE", "ACTIVATION")))
    if not names:
        raise ValueError("the model has no convolution with spatial maps to explain with a class-activation map")
    return names[-1]


def get_layer(model: Any, name: str) -> Any:
    """``model.get_layer`` with an error that lists the names that do exist."""
    try:
        return model.get_layer(name)
    except ValueError:
        known = ", ".join(layer.name for layer in model.layers)
        raise ValueError(f"no layer {name!r} in the model; its layers are: {known}") from None


def model_input(model: Any) -> Any:
    """The single input tensor (a bare tensor, not a one-element list, to keep Keras quiet)."""
    inputs = model.inputs
    return inputs[0] if len(inputs) == 1 else inputs


class Traced:
    """One consistent symbolic graph of a model: every tensor a view needs comes from here.

    A Keras 3 ``Sequential`` model reloaded from a ``.keras`` file has been built
    several times, so its layers carry several graph nodes and ``layer.output``
    (node 0) may belong to another graph than ``model.outputs``: a sub-model mixing
    them has no gradient path. A Sequential model is therefore re-traced on a fresh
    ``Input`` (its layers are a chain); a functional model's own graph is used as is.
    """

    def __init__(self, model: Any) -> None:
        import keras

        self.model = model
        self._inputs: dict[str, Any] | None = None
        self._outputs: dict[str, Any] | None = None
        if isinstance(model, keras.Sequential):
            first = model.inputs[0]
            x = self.input = keras.Input(shape=tuple(first.shape[1:]), dtype=first.dtype)
            self._inputs, self._outputs = {}, {}
            for layer in model.layers:
                self._inputs[layer.name] = x
                x = self._outputs[layer.name] = layer(x)
            self.outputs = [x]
        else:
            self.input = model_input(model)
            self.outputs = list(model.outputs)

    def output_of(self, name: str) -> Any:
        layer = get_layer(self.model, name)
        return layer.output if self._outputs is None else self._outputs[name]

    def input_of(self, name: str) -> Any:
        layer = get_layer(self.model, name)
        return layer.input if self._inputs is None else self._inputs[name]

    def reads_input(self, name: str) -> bool:
        """True when the layer is applied directly to the model's input."""
        return self.input_of(name) is self.input

    def output_layer(self, index: int) -> Any:
        """The layer that produces the model's ``index``-th output."""
        history = getattr(self.outputs[index], "_keras_history", None)
        return self.model.layers[-1] if history is None else history.operation

    def sub_model(self, tensors: list[Any]) -> Any:
        """A functional model from the input to ``tensors``."""
        import keras

        quiet_retracing()
        return keras.Model(self.input, tensors)


def split(traced: Traced, name: str, tensors: list[Any]) -> tuple[Any, Any] | tuple[None, None]:
    """(trunk, head): input -> the layer's maps, and those maps -> ``tensors``; (None, None) when
    anything else crosses the cut (a skip connection from before the layer to after it).

    A gradient with respect to the maps needs only the head recorded: the trunk, nearly all of a
    big network's work, then runs as a plain forward pass.
    """
    import keras

    cut = traced.output_of(name)
    try:
        head = keras.Model(cut, tensors)
    except ValueError:  # Keras: an output "is not connected to inputs"
        return None, None
    return traced.sub_model([cut]), head


def layer_outputs_model(model: Any, names: Sequence[str]) -> Any:
    """A model returning the outputs of the named layers, in that order."""
    traced = Traced(model)
    return traced.sub_model([traced.output_of(n) for n in names])


def quiet_retracing() -> None:
    """Drop TensorFlow's "triggered tf.function retracing" warning.

    Every model gets its own compiled functions (their input signatures are fixed,
    so none of them retraces), but TensorFlow counts traces per Python function
    body across all instances and warns once a few models have been visualized.
    """
    import logging

    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _RetraceFilter) for f in logger.filters):
        logger.addFilter(_RetraceFilter())


class _RetraceFilter:
    def filter(self, record: Any) -> bool:
        return "triggered tf.function retracing" not in str(record.getMessage())


def spatial_grid(traced: Traced, name: str, fields: list[int] | None = None) -> Grid | None:
    """Where the cells of a layer's maps sit on the input: cell i is centred on input pixel offset + stride * i.

    A 7x7 'valid' convolution on 28 pixels gives 22 cells centred on pixels 3..24,
    not spread over 0..27 as a plain resize would assume; the heatmap would drift
    by up to 3 pixels towards the borders. The grid is composed along the chain of
    Conv2D, pooling, cropping and padding layers from the input (shape-preserving layers pass through);
    None when the path is not such a chain (then a plain resize is the best guess). ``fields``, when given,
    receives the receptive field's (height, width) in input pixels (see :func:`receptive_field`).
    """
    import math

    chain, node = [], get_layer(traced.model, name)
    while layer_type(node) != "InputLayer":
        chain.append(node)
        inp = traced.input_of(node.name)
        history = getattr(inp, "_keras_history", None)
        if isinstance(inp, (list, tuple)) or history is None:
            return None
        node = history.operation
    offset, stride, size_ = [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]
    for node in reversed(chain):
        kind, size = layer_type(node), tuple(traced.input_of(node.name).shape[1:3])
        shift = getattr(traits(node), "SHIFT", None)
        if shift is not None:  # Cropping2D, ZeroPadding2D: cell 0 now sits (top, left) cells further (or nearer)
            attribute, sign = shift
            (top, _), (left, _) = getattr(node, attribute)
            offset = [offset[0] + sign * stride[0] * top, offset[1] + sign * stride[1] * left]
            continue
        if kind in registered("CONV"):
            k = [(a - 1) * d + 1 for a, d in zip(node.kernel_size, node.dilation_rate)]
        elif kind in registered("POOL"):
            k = list(node.pool_size)
        elif len(traced.output_of(node.name).shape) == 4 and tuple(traced.output_of(node.name).shape[1:3]) == size:
            continue  # BatchNormalization, Dropout, Activation...: same grid
        else:
            return None
        for axis in (0, 1):
            n, kk, ss = size[axis], k[axis], node.strides[axis]
            pad = max((math.ceil(n / ss) - 1) * ss + kk - n, 0) // 2 if node.padding == "same" else 0
            offset[axis] += stride[axis] * ((kk - 1) / 2 - pad)
            size_[axis] += stride[axis] * (kk - 1)
            stride[axis] *= ss
    if fields is not None:
        fields[:] = [int(round(v)) for v in size_]
    return (offset[0], stride[0]), (offset[1], stride[1])


def receptive_field(traced: Traced, name: str) -> tuple[Grid, tuple[int, int]] | None:
    """A layer's grid (see :func:`spatial_grid`) and the (height, width) in input pixels each cell sees:
    a 7x7 convolution's cells see 7x7 pixels, after a 2x2 pooling 8x8. None off a plain chain."""
    fields: list[int] = []
    grid = spatial_grid(traced, name, fields)
    return None if grid is None else (grid, (fields[0], fields[1]))


def activation_name(layer: Any) -> str:
    return getattr(getattr(layer, "activation", None), "__name__", "")


PROBABILITIES = ("softmax", "sigmoid")


def final_activation(layer: Any) -> str:
    """What a model's last layer computes: "softmax" or "sigmoid" (in a Dense, Conv, an ``Activation``
    or a ``Softmax`` layer), "linear" (no activation: logits), another activation's name, or "" (unknown)."""
    if layer_type(layer) == "Softmax":
        return "softmax"
    name = activation_name(layer)
    return name if name or layer_type(layer) not in ("Dense", "Conv2D", "Conv1D") else "linear"


class Heads:
    """Each output's logit, the input of its final softmax or sigmoid, computed exactly.

    Grad-CAM differentiates the class score *before* softmax or sigmoid: the
    probability saturates, so its gradient vanishes on confident images. Where the
    activation sits in its own layer (``Activation``, ``Softmax``), the logit is that
    layer's input; where it is fused into a ``Dense`` layer, the logit is recomputed
    from that layer's input, kernel and bias. Only an output whose last layer is
    neither (a model netviz cannot see into) falls back to recovering it from the
    probability (sigmoid: log(p/(1-p)), exact up to clipping; softmax: log p, which
    shares the sign but not the exact gradient of the logit).
    """

    def __init__(self, traced: Traced, outputs: Sequence[OutputInfo]) -> None:
        if len(outputs) != len(traced.outputs):
            raise ValueError(f"the model has {len(traced.outputs)} outputs but {len(outputs)} OutputInfo were given")
        self.infos = list(outputs)
        self.dense: list[Any | None] = []
        self.exact: list[bool] = []
        self.tensors: list[Any] = []
        for i, info in enumerate(self.infos):
            layer = traced.output_layer(i)
            fused = layer_type(layer) == "Dense" and activation_name(layer) in PROBABILITIES
            alone = layer_type(layer) in ("Activation", "Softmax") and final_activation(layer) in PROBABILITIES
            self.dense.append(layer if fused else None)
            self.exact.append(fused or alone)
            self.tensors.append(traced.input_of(layer.name) if fused or alone else traced.outputs[i])

    def logits(self, i: int, value: Any) -> Any:
        """The pre-activation of head ``i`` from the tensor listed in ``self.tensors``."""
        import tensorflow as tf

        value = tf.cast(value, tf.float32)
        layer = self.dense[i]
        if layer is not None:
            z = tf.matmul(value, tf.cast(layer.kernel, tf.float32))
            return z + tf.cast(layer.bias, tf.float32) if layer.use_bias else z
        if self.exact[i]:
            return value
        p = tf.clip_by_value(value, 1e-7, 1.0 - 1e-7)
        if self.infos[i].activation == "sigmoid":
            return tf.math.log(p) - tf.math.log1p(-p)
        return tf.math.log(p)

    def score(self, i: int, value: Any, targets: Any) -> Any:
        """(N,) score each image's target: a class logit, or ±logit for a sigmoid decision."""
        import tensorflow as tf

        z = self.logits(i, value)
        if self.infos[i].activation == "sigmoid":
            sign = 2.0 * tf.cast(targets, tf.float32) - 1.0
            return sign * z[:, 0]
        return tf.gather(z, tf.cast(targets, tf.int32), axis=1, batch_dims=1)


def target_probability(info: OutputInfo, probs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """(N,) probability the head gives each image's target (for sigmoid: of the decision)."""
    probs = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(targets).astype(int)
    if info.activation == "sigmoid":
        p = probs.reshape(len(probs), -1)[:, 0]
        return np.where(targets == 1, p, 1.0 - p)
    return probs[np.arange(len(probs)), targets]


def decisions(info: OutputInfo, probs: np.ndarray) -> np.ndarray:
    """(N,) predicted class index: argmax for softmax, p >= 0.5 for sigmoid."""
    probs = np.asarray(probs)
    if info.activation == "sigmoid":
        return (probs.reshape(len(probs), -1)[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(probs, axis=1).astype(np.int64)


class Predictor:
    """Compiled, chunked forward passes: every head at once, or one head alone.

    One head alone runs only that head's branch (a sub-model to its output), which
    makes the many masked forward passes of Score-CAM and deletion/insertion up to
    n_heads times cheaper on a multi-head model.
    """

    def __init__(self, model: Any, traced: Traced | None = None) -> None:
        self.model = model
        self.traced = traced or Traced(model)
        self._fns: dict[int | None, Any] = {}

    def _fn(self, head: int | None) -> Any:
        if head not in self._fns:
            import tensorflow as tf

            net = self.model if head is None else self.traced.sub_model([self.traced.outputs[head]])
            shape = (None, *self.model.inputs[0].shape[1:])

            @tf.function(autograph=False, input_signature=[tf.TensorSpec(shape, tf.float32)])
            def forward(x: Any) -> Any:
                out = net(x, training=False)
                out = out if isinstance(out, (list, tuple)) else [out]
                return [tf.cast(o, tf.float32) for o in out]

            self._fns[head] = forward
        return self._fns[head]

    def all_heads(self, x: np.ndarray) -> list[np.ndarray]:
        """Probabilities of every head, a list in output order."""
        x = np.asarray(x, dtype=np.float32)
        parts = [[o.numpy() for o in self._fn(None)(x[i : i + CHUNK])] for i in range(0, len(x), CHUNK)]
        return [np.concatenate(col) for col in zip(*parts)]

    def head(self, x: np.ndarray, head: int) -> np.ndarray:
        """Probabilities of one head for a (possibly large) batch."""
        x = np.asarray(x, dtype=np.float32)
        fn = self._fn(head if len(self.model.outputs) > 1 else None)
        return np.concatenate([fn(x[i : i + CHUNK])[0].numpy() for i in range(0, len(x), CHUNK)])

"""Intermediate activations: what each layer's channels respond to on real images.

All chosen layers come out of one compiled forward pass (one sub-model with one
output per layer), so asking for five layers costs one pass, not five.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from netviz.models import graph


@dataclass(frozen=True)
class LayerActivations:
    """One layer's maps for N images and the numbers the report quotes about them.

    A channel is *dead* when its maximum over every shown image and position is
    <= 0: after a ReLU it passed nothing at all, so it carries no information here.
    """

    layer: str
    maps: np.ndarray  # (N, h, w, C)
    mean_activation: float
    dead: np.ndarray  # (C,) bool

    @property
    def channels(self) -> int:
        return int(self.maps.shape[-1])

    @property
    def dead_share(self) -> float:
        return float(self.dead.mean()) if self.dead.size else 0.0


def summarize(layer: str, maps: np.ndarray) -> LayerActivations:
    """Mean activation and dead channels of one layer's (N,h,w,C) maps."""
    maps = np.asarray(maps, dtype=np.float32)
    peak = maps.reshape(-1, maps.shape[-1]).max(axis=0)
    return LayerActivations(layer, maps, float(maps.mean()), peak <= 0.0)


def layer_activations(model: Any, x: np.ndarray, layers: Sequence[str] | None = None) -> list[LayerActivations]:
    """Maps and statistics of ``layers`` (default: every Conv2D, BatchNorm and pooling layer)."""
    import tensorflow as tf

    names = list(layers) if layers is not None else graph.default_activation_layers(model)
    if not names:
        return []
    for name in names:
        rank = len(graph.get_layer(model, name).output.shape)
        if rank != 4:
            raise ValueError(f"layer {name!r} has no spatial maps (output rank {rank}); pick a conv, pooling or batch-norm layer")
    net = graph.layer_outputs_model(model, names)
    forward = tf.function(lambda t: [tf.cast(o, tf.float32) for o in _as_list(net(t, training=False))], autograph=False)
    outs = forward(tf.constant(np.asarray(x, dtype=np.float32)))
    return [summarize(name, out.numpy()) for name, out in zip(names, outs)]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]

"""Grad-CAM (Selvaraju et al., 2017): weight each channel by its mean gradient.

The map for a target is ReLU(sum_k alpha_k A_k) with alpha_k the spatial mean of
d score / d A_k. The arrays come from :meth:`CamProbe.maps_and_grads`, which holds
every image of the batch and every head in one gradient tape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.explain.methods.base import Method, from_gradients, normalize, weighted_channels

if TYPE_CHECKING:
    from netviz.explain.cam import CamProbe


def gradcam(conv: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Maps (N,h,w) in [0,1] from layer maps and gradients, both (N,h,w,K)."""
    return normalize(weighted_channels(conv, grads.mean(axis=(1, 2))))


HEATMAP_METHODS.register(Method(
    name="gradcam",
    title="Grad-CAM",
    description="weights each feature map by the spatially averaged gradient of the class score and keeps the "
                "positive part of the weighted sum.",
    compute=from_gradients(gradcam),
    uses_gradients=True,
    default=True,
))


def gradcam_maps(probe: CamProbe, x: np.ndarray, targets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Grad-CAM per head for a whole batch (one compiled gradient pass)."""
    conv, grads = probe.maps_and_grads(x, targets)
    return [gradcam(conv, g) for g in grads]


def gradcam_one_image_loop(probe: CamProbe, x: np.ndarray, targets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The classic recipe, one image per eager ``GradientTape``: the benchmark's baseline.

    It is correct, just slow: every image pays the Python and eager dispatch cost
    of a full forward and backward pass.
    """
    import tensorflow as tf

    net, heads = probe.net, probe.heads
    per_head: list[list[np.ndarray]] = [[] for _ in probe.outputs]
    for n in range(len(x)):
        image = tf.constant(x[n : n + 1])
        with tf.GradientTape(persistent=True) as tape:
            conv, *outs = net(image, training=False)
            scores = [heads.score(i, o, tf.constant([int(targets[i][n])])) for i, o in enumerate(outs)]
        for i, s in enumerate(scores):
            g = tape.gradient(s, conv)
            per_head[i].append(gradcam(conv.numpy(), g.numpy())[0])
        del tape
    return [np.stack(maps) for maps in per_head]

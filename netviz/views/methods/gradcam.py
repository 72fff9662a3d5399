"""Grad-CAM (Selvaraju et al., 2017): weight each channel by its mean gradient.

The map for a target is ReLU(sum_k alpha_k A_k) with alpha_k the spatial mean of
d score / d A_k. The arrays come from :meth:`CamProbe.maps_and_grads`, which holds
every image of the batch and every head in one gradient tape.
"""

from __future__ import annotations

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import (
    Method,
    from_gradients,
    normalize,
    weighted_channels,
)


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

"""Layer-CAM (Jiang et al., 2021): every cell weighted by its own positive gradient.

The map is ReLU(sum_k ReLU(g^k) * A^k), element by element: where Grad-CAM gives a
channel one weight for the whole image, Layer-CAM keeps the gradient's spatial
layout, so a cell counts only where raising it would raise the score. This keeps
fine detail on shallow layers, where one averaged weight blurs it away.
"""

from __future__ import annotations

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method, from_gradients, normalize


def layercam(conv: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Maps (N,h,w) in [0,1] from layer maps and gradients, both (N,h,w,K)."""
    return normalize((np.maximum(grads, 0.0) * conv).sum(axis=-1))


HEATMAP_METHODS.register(Method(
    name="layercam",
    title="Layer-CAM",
    description="multiplies each feature map, cell by cell, by the positive part of the gradient at that cell and "
                "sums over channels, keeping where in the map the evidence lies rather than one weight per channel.",
    compute=from_gradients(layercam),
    uses_gradients=True,
))

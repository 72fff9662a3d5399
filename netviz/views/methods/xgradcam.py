"""XGrad-CAM (Fu et al., 2020): channel weights from the activation-weighted gradient.

w_k = sum_ij A_ij^k g_ij^k / sum_ij A_ij^k, the map ReLU(sum_k w_k A^k). The
weights are the ones that make the map satisfy the paper's sensitivity and
conservation axioms; where the gradient is the same at every cell (global average
pooling, then a dense layer) they equal Grad-CAM's. A channel that is zero
everywhere has no weight (it adds nothing to the map either way).
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


def xgradcam(conv: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Maps (N,h,w) in [0,1] from layer maps and gradients, both (N,h,w,K)."""
    mass = np.asarray(conv).sum(axis=(1, 2), dtype=np.float64)  # (N, K)
    weighted = np.einsum("nhwk,nhwk->nk", conv, grads, dtype=np.float64, casting="safe")  # in float64, no copies
    weights = np.divide(weighted, mass, out=np.zeros_like(mass), where=mass != 0)
    return normalize(weighted_channels(conv, weights))


HEATMAP_METHODS.register(Method(
    name="xgradcam",
    title="XGrad-CAM",
    description="weights each feature map by its gradient averaged with the map's own activations as weights, "
                "the choice that makes the heatmap satisfy the sensitivity and conservation axioms.",
    compute=from_gradients(xgradcam),
    uses_gradients=True,
))

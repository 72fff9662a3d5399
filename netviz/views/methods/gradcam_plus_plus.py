"""Grad-CAM++ (Chattopadhyay et al., 2018): pixel-wise weights on the positive gradients.

With the exponential-score trick of the paper, the higher derivatives reduce to
powers of the first one, and

    alpha_ij^k = g^2 / (2 g^2 + sum_ab A_ab^k g^3),   w_k = sum_ij alpha_ij^k ReLU(g_ij^k).

The paper's exp(score) factor is one positive constant per image, so it cancels in
the per-image normalization and is left out (it would overflow for large logits).
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


def gradcam_plus_plus(conv: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Maps (N,h,w) in [0,1] from layer maps and gradients, both (N,h,w,K).

    Only cells with g > 0 count (ReLU(g)), and there alpha ReLU(g) = g / (2 + sum_ab A_ab g): the
    g^2 cancels, so no g^2 or g^3 arrays (they cost most of the time on a 1280- or 2048-channel layer).
    A zero denominator weighs zero, as in the full formula.
    """
    g = np.asarray(grads).astype(np.float64)
    denom = 2.0 + np.asarray(conv).sum(axis=(1, 2), keepdims=True, dtype=np.float64) * g
    weights = np.divide(np.maximum(g, 0.0), denom, out=np.zeros_like(g), where=denom != 0).sum(axis=(1, 2))  # (N, K)
    return normalize(weighted_channels(conv, weights))


HEATMAP_METHODS.register(Method(
    name="gradcam_plus_plus",
    title="Grad-CAM++",
    description="weights the gradients pixel by pixel with second- and third-order terms, which separates several "
                "instances of the same evidence better than Grad-CAM.",
    compute=from_gradients(gradcam_plus_plus),
    uses_gradients=True,
    default=True,
))

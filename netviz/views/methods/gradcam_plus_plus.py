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
    """Maps (N,h,w) in [0,1] from layer maps and gradients, both (N,h,w,K)."""
    conv = conv.astype(np.float64)
    g = grads.astype(np.float64)
    g2 = g * g
    g3 = g2 * g  # not g**3: numpy raises to a power of 3 through pow(), about 80 times slower
    denom = 2.0 * g2 + conv.sum(axis=(1, 2), keepdims=True) * g3
    alpha = np.divide(g2, denom, out=np.zeros_like(g2), where=denom != 0)
    weights = (alpha * np.maximum(g, 0.0)).sum(axis=(1, 2))  # (N, K)
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

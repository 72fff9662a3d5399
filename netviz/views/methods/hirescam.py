"""HiResCAM (Draelos & Carin, 2020): the gradient times the activation, summed over channels.

The map is ReLU(sum_k g^k * A^k), element by element, with the gradient's sign kept
(Layer-CAM drops its negative part first). For a network that ends in a dense layer
on the flattened maps, the sum of this map over all cells (before the ReLU) plus the
bias is exactly the class score, so the map shows where the score comes from; Grad-CAM's averaged gradient can move
evidence to cells that did not produce it. With global average pooling before the
dense layer the gradient is the same at every cell, and HiResCAM equals Grad-CAM.
"""

from __future__ import annotations

import numpy as np

from netviz.registry import HEATMAP_METHODS
from netviz.views.methods.base import Method, from_gradients, normalize


def hirescam(conv: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Maps (N,h,w) in [0,1] from layer maps and gradients, both (N,h,w,K)."""
    return normalize((grads * conv).sum(axis=-1))


HEATMAP_METHODS.register(Method(
    name="hirescam",
    title="HiResCAM",
    description="multiplies each feature map by its gradient cell by cell, sign included, and sums over channels, "
                "so that each cell shows the share of the class score it provably contributes.",
    compute=from_gradients(hirescam),
    uses_gradients=True,
))

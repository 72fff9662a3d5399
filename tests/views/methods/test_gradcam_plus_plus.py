"""Grad-CAM++ against maps worked out by hand."""

from __future__ import annotations

import numpy as np

from netviz.views.cam import explain

from . import hand_forward, hand_grads, hand_normalize, images


def expected_maps(conv: np.ndarray, g: np.ndarray) -> np.ndarray:
    """alpha = g^2 / (2 g^2 + sum_ab A_ab g^3) per cell; w_k = sum_ij alpha ReLU(g); map = sum_k w_k A_k."""
    alpha = g**2 / (2 * g**2 + conv.sum(axis=(1, 2), keepdims=True) * g**3)
    weights = (alpha * np.maximum(g, 0)).sum(axis=(1, 2))
    return hand_normalize(np.einsum("nijk,nk->nij", conv, weights))


def test_pooled_model(pooled):
    x, targets = images()
    conv, _, _ = hand_forward(x)
    maps = explain(pooled, x, [targets], ["gradcam_plus_plus"])["gradcam_plus_plus"][0]
    np.testing.assert_allclose(maps, expected_maps(conv, hand_grads(targets)), atol=1e-5)


def test_flat_model(flat):
    x, targets = images(seed=8)
    conv, _, _ = hand_forward(x, "flat")
    maps = explain(flat, x, [targets], ["gradcam_plus_plus"])["gradcam_plus_plus"][0]
    np.testing.assert_allclose(maps, expected_maps(conv, hand_grads(targets, "flat")), atol=1e-5)

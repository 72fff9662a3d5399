"""XGrad-CAM against maps worked out by hand."""

from __future__ import annotations

import numpy as np

from netviz.views.cam import explain
from netviz.views.methods.xgradcam import xgradcam

from . import (
    LITERAL_CONV,
    LITERAL_GRADS,
    hand_forward,
    hand_grads,
    hand_normalize,
    images,
)


def test_literal_example():
    # w_0 = (1*1 + 2*(-1) + 2*0.5 + 1*2) / (1 + 2 + 2 + 1) = 2/6 = 1/3; w_1 = (0 + 3*1 + 1*2 + 0) / (3 + 1) = 5/4
    # map = w_0 A_0 + w_1 A_1 = [[1/3, 2/3 + 15/4], [2/3 + 5/4, 1/3]] = [[4, 53], [23, 4]] / 12
    np.testing.assert_allclose(xgradcam(LITERAL_CONV, LITERAL_GRADS)[0], [[4 / 53, 1.0], [23 / 53, 4 / 53]], rtol=1e-6)


def test_a_channel_that_never_fires_gets_no_weight():
    conv = LITERAL_CONV.copy()
    conv[..., 1] = 0.0
    np.testing.assert_allclose(xgradcam(conv, LITERAL_GRADS)[0], [[0.5, 1.0], [1.0, 0.5]], rtol=1e-6)


def test_pooled_model_equals_gradcam(pooled):
    """With the same gradient at every cell, sum(A g) / sum(A) is that gradient: Grad-CAM's weight."""
    x, targets = images()
    maps = explain(pooled, x, [targets], ["xgradcam", "gradcam"])
    np.testing.assert_allclose(maps["xgradcam"][0], maps["gradcam"][0], atol=1e-5)


def test_flat_model(flat):
    x, targets = images(seed=8)
    conv, _, _ = hand_forward(x, "flat")
    g = hand_grads(targets, "flat")
    weights = (conv * g).sum(axis=(1, 2)) / conv.sum(axis=(1, 2))
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, weights))
    np.testing.assert_allclose(explain(flat, x, [targets], ["xgradcam"])["xgradcam"][0], expected, atol=1e-5)

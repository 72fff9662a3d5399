"""Score-CAM against maps worked out by hand, on the shared gradient pass or a forward pass alone."""

from __future__ import annotations

import numpy as np

from netviz.explain.cam import explain
from netviz.explain.resample import upsample

from . import hand_forward, hand_normalize, images


def test_pooled_model(pooled):
    x, targets = images()
    conv, _, _ = hand_forward(x)
    grid = ((0.5, 1.0), (0.5, 1.0))  # 2x2 'valid' cells are centred between input pixels: 0.5, 1.5, 2.5
    assert pooled.grid == grid
    up = upsample(conv.astype(np.float32), (4, 4), grid)  # (N,4,4,K), bilinear
    weights = np.zeros((5, 2))
    for k in range(2):
        m = up[..., k]
        lo, hi = m.min(axis=(1, 2), keepdims=True), m.max(axis=(1, 2), keepdims=True)
        mask = np.where(hi > lo, (m - lo) / np.where(hi > lo, hi - lo, 1), 0)
        _, _, p = hand_forward(x * mask[..., None])
        weights[:, k] = p[np.arange(5), targets]
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, weights))
    alone = explain(pooled, x, [targets], ["scorecam"])["scorecam"][0]  # layer maps from a forward pass
    shared = explain(pooled, x, [targets], ["gradcam", "scorecam"])["scorecam"][0]  # from the gradient pass
    np.testing.assert_allclose(alone, expected, atol=1e-5)
    np.testing.assert_allclose(shared, expected, atol=1e-5)

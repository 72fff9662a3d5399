"""Score-CAM against maps worked out by hand, on the shared gradient pass or a forward pass alone."""

from __future__ import annotations

import numpy as np

from netviz.views.cam import explain
from netviz.views.resample import upsample

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


def test_a_flat_channel_weighs_zero():
    """Channel 1 is constant (2.0): as in the authors' code it is skipped, not scored against a black image.

    With weights (0.6, 0.9) it would add 0.9 * 2 = 1.8 to every cell: [[2.4, 3.0], [3.0, 2.4]], normalized
    [[0.8, 1], [1, 0.8]]; skipped, the map is channel 0's alone: [[1, 2], [2, 1]] -> [[0.5, 1], [1, 0.5]].
    """
    from netviz.views.methods.base import normalize, weighted_channels
    from netviz.views.methods.scorecam import scored_channels

    conv = np.stack([[[1.0, 2.0], [2.0, 1.0]], np.full((2, 2), 2.0)], axis=-1)[None]  # (1, 2, 2, 2)
    assert scored_channels(conv).tolist() == [[True, False]]
    weights = np.where(scored_channels(conv), [[0.6, 0.9]], 0.0)
    np.testing.assert_allclose(normalize(weighted_channels(conv, weights))[0], [[0.5, 1.0], [1.0, 0.5]])
    np.testing.assert_allclose(normalize(weighted_channels(conv, np.array([[0.6, 0.9]])))[0], [[0.8, 1.0], [1.0, 0.8]])


def test_a_constant_image_has_only_flat_channels_and_an_empty_map(pooled):
    """On a grey 0.5 image the hand model's channels are 1.25 * 0.5 + 0.1 = 0.725 and 0.25 * 0.5 - 0.05 = 0.075 at every cell:
    both flat, both skipped, so Score-CAM shows nothing (scored against a black image, the map was all ones)."""
    x = np.full((1, 4, 4, 1), 0.5, np.float32)
    conv, _, _ = hand_forward(x)
    np.testing.assert_allclose(conv[0, ..., 0], 0.725, atol=1e-6)
    np.testing.assert_allclose(conv[0, ..., 1], 0.075, atol=1e-6)
    np.testing.assert_array_equal(explain(pooled, x, [np.array([0])], ["scorecam"])["scorecam"][0], 0.0)


def test_batches_of_masked_images_across_image_boundaries_give_the_same_maps(pooled, monkeypatch):
    """3 masked images a pass (input bytes of 3 images of 4x4x1): the 10 scored (image, channel) pairs of
    5 images run as 3 + 3 + 3 + 1, passes that start and end inside an image; the maps are those of one pass."""
    from netviz.views.methods import scorecam

    x, targets = images()
    whole = explain(pooled, x, [targets], ["scorecam"])["scorecam"][0]
    monkeypatch.setattr(scorecam, "MASKED_BATCH_BYTES", 3 * 4 * 16)
    assert scorecam.masked_batch((4, 4, 1)) == 3
    calls = []
    original = pooled.masked_probabilities
    monkeypatch.setattr(pooled, "masked_probabilities", lambda *a: calls.append(len(a[1])) or original(*a))
    np.testing.assert_allclose(explain(pooled, x, [targets], ["scorecam"])["scorecam"][0], whole, atol=1e-6)
    assert calls == [3, 3, 3, 1]

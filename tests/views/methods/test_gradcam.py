"""Grad-CAM against maps worked out by hand."""

from __future__ import annotations

import numpy as np

from netviz.views.cam import explain
from netviz.views.methods.gradcam import gradcam

from . import (
    LITERAL_CONV,
    LITERAL_GRADS,
    W,
    hand_forward,
    hand_grads,
    hand_normalize,
    images,
)


def test_literal_example():
    # mean gradients: channel 0 (1 - 1 + 0.5 + 2) / 4 = 0.625, channel 1 (-1 + 1 + 2 + 0) / 4 = 0.5
    # map: [[0.625, 1.25 + 1.5], [1.25 + 0.5, 0.625]] = [[0.625, 2.75], [1.75, 0.625]], over its maximum 2.75
    np.testing.assert_allclose(gradcam(LITERAL_CONV, LITERAL_GRADS)[0], [[0.625 / 2.75, 1.0], [1.75 / 2.75, 0.625 / 2.75]],
                               rtol=1e-6)


def test_pooled_model_differentiates_the_logit_not_the_probability(pooled):
    x, targets = images()
    conv, _, p = hand_forward(x)
    # score = logit z_t = mean(A) @ W[:, t] + b  =>  dz_t/dA_k = W[k, t] / 9 at every position
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, W[:, targets].T / 9.0))
    (maps,) = explain(pooled, x, [targets], ["gradcam"])["gradcam"]
    np.testing.assert_allclose(maps, expected, atol=1e-5)
    np.testing.assert_allclose(explain(pooled, x, [targets], ["gradcam"])["gradcam"][0], expected, atol=1e-5)
    # the softmax probability would give other weights; the logit is what Grad-CAM must differentiate
    prob_weights = p[np.arange(5), targets][:, None] * (W[:, targets].T - p @ W.T) / 9.0
    assert not np.allclose(hand_normalize(np.einsum("nijk,nk->nij", conv, prob_weights)), expected, atol=1e-2)


def test_flat_model_averages_the_gradient_of_every_cell(flat):
    x, targets = images(seed=8)
    conv, _, _ = hand_forward(x, "flat")
    alpha = hand_grads(targets, "flat").mean(axis=(1, 2))
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, alpha))
    np.testing.assert_allclose(explain(flat, x, [targets], ["gradcam"])["gradcam"][0], expected, atol=1e-5)


def test_predicted_target_is_the_argmax(pooled):
    x, _ = images()
    _, _, p = hand_forward(x)
    (predicted,) = pooled.targets(x)
    np.testing.assert_array_equal(predicted, p.argmax(axis=1))

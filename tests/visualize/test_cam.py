"""Grad-CAM, Grad-CAM++ and Score-CAM against hand-worked maps, across batch sizes, heads and model kinds."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.visualize import graph
from netviz.visualize.cam import METHODS, CamProbe, explain, normalize, upsample
from netviz.visualize.gradcam import gradcam_maps, gradcam_one_image_loop

from . import copy_weights, four_head, images, sigmoid_info, softmax_info, tiny_cnn

KERNEL = np.array([[[1.0, -0.5], [0.5, 1.0]], [[-1.0, 0.25], [0.75, -0.5]]], np.float32)  # (2, 2, 2 filters)
KBIAS = np.array([0.1, -0.05], np.float32)
W = np.array([[1.0, -1.0, 0.5], [-0.5, 2.0, 0.5]], np.float32)  # (2 channels, 3 classes)
WBIAS = np.array([0.2, -0.1, 0.0], np.float32)


@pytest.fixture(scope="module")
def hand_model():
    """4x4x1 -> Conv2D(2, 2x2, relu) -> GlobalAveragePooling -> Dense(3, softmax), fixed weights."""
    import keras

    layers = keras.layers
    model = keras.Sequential([
        keras.Input((4, 4, 1)),
        layers.Conv2D(2, 2, activation="relu", name="conv2d"),
        layers.GlobalAveragePooling2D(name="global_average_pooling2d"),
        layers.Dense(3, activation="softmax", name="dense"),
    ])
    model.get_layer("conv2d").set_weights([KERNEL[:, :, None, :], KBIAS])
    model.get_layer("dense").set_weights([W, WBIAS])
    return model


def hand_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conv maps (N,3,3,2) and class probabilities (N,3), worked out with plain numpy loops."""
    conv = np.zeros((len(x), 3, 3, 2))
    for i in range(3):
        for j in range(3):
            patch = x[:, i : i + 2, j : j + 2, 0]
            conv[:, i, j] = np.einsum("nuv,uvk->nk", patch, KERNEL) + KBIAS
    conv = np.maximum(conv, 0)
    z = conv.mean(axis=(1, 2)) @ W + WBIAS
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return conv, p / p.sum(axis=1, keepdims=True)


def hand_normalize(m: np.ndarray) -> np.ndarray:
    m = np.maximum(m, 0)
    peak = m.max(axis=(1, 2), keepdims=True)
    return np.where(peak > 0, m / np.where(peak > 0, peak, 1), 0)


@pytest.fixture(scope="module")
def hand_data():
    x = np.random.default_rng(7).random((5, 4, 4, 1)).astype(np.float32)
    return x, np.array([0, 1, 2, 0, 1])


def test_gradcam_equals_the_map_worked_out_by_hand(hand_model, hand_data):
    x, targets = hand_data
    conv, _ = hand_forward(x)
    # score = logit z_t = mean(A) @ W[:, t] + b  =>  dz_t/dA_k = W[k, t] / 9 at every position
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, W[:, targets].T / 9.0))
    probe = CamProbe(hand_model, "conv2d", [softmax_info()])
    (maps,) = gradcam_maps(probe, x, [targets])
    np.testing.assert_allclose(maps, expected, atol=1e-5)
    # the softmax probability would give other weights; the logit is what Grad-CAM must differentiate
    _, p = hand_forward(x)
    prob_weights = p[np.arange(5), targets][:, None] * (W[:, targets].T - p @ W.T) / 9.0
    assert not np.allclose(hand_normalize(np.einsum("nijk,nk->nij", conv, prob_weights)), expected, atol=1e-2)


def test_predicted_target_is_the_argmax(hand_model, hand_data):
    x, _ = hand_data
    probe = CamProbe(hand_model, "conv2d", [softmax_info()])
    _, p = hand_forward(x)
    (predicted,) = probe.targets(x)
    np.testing.assert_array_equal(predicted, p.argmax(axis=1))


def test_gradcam_plus_plus_equals_the_map_worked_out_by_hand(hand_model, hand_data):
    x, targets = hand_data
    conv, _ = hand_forward(x)
    g = W[:, targets].T / 9.0  # (N, K), constant over positions
    alpha = g**2 / (2 * g**2 + conv.sum(axis=(1, 2)) * g**3)
    weights = 9 * alpha * np.maximum(g, 0)
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, weights))
    maps = explain(CamProbe(hand_model, "conv2d", [softmax_info()]), x, [targets], ["gradcam_plus_plus"])
    np.testing.assert_allclose(maps["gradcam_plus_plus"][0], expected, atol=1e-5)


def test_scorecam_equals_the_map_worked_out_by_hand(hand_model, hand_data):
    x, targets = hand_data
    conv, _ = hand_forward(x)
    grid = ((0.5, 1.0), (0.5, 1.0))  # 2x2 'valid' cells are centred between input pixels: 0.5, 1.5, 2.5
    probe = CamProbe(hand_model, "conv2d", [softmax_info()])
    assert probe.grid == grid
    up = upsample(conv.astype(np.float32), (4, 4), grid)  # (N,4,4,K), bilinear
    weights = np.zeros((5, 2))
    for k in range(2):
        m = up[..., k]
        lo, hi = m.min(axis=(1, 2), keepdims=True), m.max(axis=(1, 2), keepdims=True)
        mask = np.where(hi > lo, (m - lo) / np.where(hi > lo, hi - lo, 1), 0)
        _, p = hand_forward(x * mask[..., None])
        weights[:, k] = p[np.arange(5), targets]
    expected = hand_normalize(np.einsum("nijk,nk->nij", conv, weights))
    maps = explain(probe, x, [targets], ["scorecam"])
    np.testing.assert_allclose(maps["scorecam"][0], expected, atol=1e-5)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_batched_equals_one_image_at_a_time(kind):
    model = tiny_cnn(kind)
    probe = CamProbe(model, None, [softmax_info()])
    assert probe.layer == "conv2d_1"  # default: the last Conv2D
    x = images(6)
    targets = probe.targets(x)
    batched = explain(probe, x, targets)
    assert set(batched) == set(METHODS)
    for method, (maps,) in batched.items():
        single = np.concatenate([explain(probe, x[i : i + 1], [targets[0][i : i + 1]], [method])[method][0] for i in range(6)])
        assert maps.shape == (6, 5, 5)
        np.testing.assert_allclose(maps, single, atol=1e-5, err_msg=method)
        assert maps.min() >= 0 and np.allclose(maps.reshape(6, -1).max(axis=1), 1.0)
    (loop,) = gradcam_one_image_loop(probe, x, targets)
    np.testing.assert_allclose(batched["gradcam"][0], loop, atol=1e-5)


def test_sequential_and_functional_give_the_same_maps():
    seq = tiny_cnn("sequential")
    fun = copy_weights(seq, tiny_cnn("functional", seed=1))
    x = images(4)
    a = explain(CamProbe(seq, "conv2d", [softmax_info()]), x, [np.array([0, 1, 2, 0])])
    b = explain(CamProbe(fun, "conv2d", [softmax_info()]), x, [np.array([0, 1, 2, 0])])
    for method in METHODS:
        np.testing.assert_allclose(a[method][0], b[method][0], atol=1e-5, err_msg=method)


@pytest.fixture(scope="module")
def heads():
    model, infos = four_head()
    return model, infos, CamProbe(model, "conv2d_1", infos)


def test_every_head_gets_its_own_map(heads):
    model, infos, probe = heads
    x = images(5, (10, 10, 3))
    targets = probe.targets(x)
    assert [len(t) for t in targets] == [5, 5, 5, 5]
    maps = explain(probe, x, targets)
    for method in METHODS:
        per_head = maps[method]
        assert len(per_head) == 4 and all(m.shape == (5, 7, 7) for m in per_head)
        for i in range(4):
            for j in range(i + 1, 4):
                assert not np.allclose(per_head[i], per_head[j], atol=1e-3), (method, i, j)


def test_sigmoid_negative_decision_flips_the_gradient(heads):
    model, infos, probe = heads
    x = images(5, (10, 10, 3), seed=2)
    ones, zeros = [np.ones(5, int)] * 4, [np.zeros(5, int)] * 4
    conv, g1 = probe.maps_and_grads(x, ones)
    _, g0 = probe.maps_and_grads(x, zeros)
    for head in range(3):  # sigmoid heads: score is +logit for decision 1, -logit for decision 0
        np.testing.assert_allclose(g0[head], -g1[head], atol=1e-6)
        assert np.abs(g1[head]).max() > 0
    raw = np.einsum("nhwk,nk->nhw", conv, g1[0].mean(axis=(1, 2)))
    (pos,), (neg,) = ([explain(probe, x, t, ["gradcam"])["gradcam"][0]] for t in (ones, zeros))
    np.testing.assert_allclose(pos, normalize(raw), atol=1e-5)
    np.testing.assert_allclose(neg, normalize(-raw), atol=1e-5)


def test_sigmoid_logit_is_exact_and_matches_the_probability(heads):
    import tensorflow as tf

    model, infos, probe = heads
    x = images(4, (10, 10, 3), seed=3)
    outs = probe.net(x, training=False)
    probs = model(x, training=False)
    for i in range(3):
        assert probe.heads.dense[i] is not None  # the pre-activation comes from the Dense layer itself
        z = probe.heads.logits(i, outs[1 + i]).numpy()[:, 0]
        p = probs[i].numpy()[:, 0].astype(np.float64)
        np.testing.assert_allclose(z, np.log(p / (1 - p)), atol=1e-4)
    assert tf.is_tensor(outs[0])


def test_sigmoid_from_a_separate_activation_layer_gives_the_same_map():
    """Without a fused Dense activation the logit comes from log(p/(1-p)): the map must not change."""
    import keras

    layers = keras.layers
    keras.utils.set_random_seed(4)
    inp = keras.Input((8, 8, 1))
    x = layers.Flatten(name="flatten")(layers.Conv2D(3, 3, activation="relu", name="conv2d")(inp))
    fused = keras.Model(inp, layers.Dense(1, activation="sigmoid", name="out")(x))
    split = keras.Model(inp, layers.Activation("sigmoid", name="out_act")(layers.Dense(1, name="out")(x)))
    split.get_layer("out").set_weights(fused.get_layer("out").get_weights())
    split.get_layer("conv2d").set_weights(fused.get_layer("conv2d").get_weights())
    xs = images(4, (8, 8, 1), seed=5)
    a, b = CamProbe(fused, None, [sigmoid_info("out")]), CamProbe(split, None, [sigmoid_info("out")])
    assert b.heads.dense[0] is None
    t = a.targets(xs)
    np.testing.assert_allclose(gradcam_maps(a, xs, t)[0], gradcam_maps(b, xs, t)[0], atol=1e-4)


def test_plain_upsample_matches_tf_image_resize():
    import tensorflow as tf

    maps = np.random.default_rng(8).random((2, 5, 7, 3)).astype(np.float32)
    expected = tf.image.resize(maps, (28, 20), method="bilinear").numpy()
    np.testing.assert_allclose(upsample(maps, (28, 20)), expected, atol=1e-5)


def test_spatial_grid_puts_each_cell_on_its_receptive_field_centre():
    import keras

    layers = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(2, 7, name="conv2d"),  # 22 cells centred on pixels 3..24
        layers.BatchNormalization(name="batch_normalization"),
        layers.MaxPooling2D(2, 2, name="max_pooling2d"),  # 11 cells centred on 3.5, 5.5, ...
        layers.Conv2D(2, 3, strides=2, padding="same", name="conv2d_1"),
    ])
    assert graph.spatial_grid(graph.Traced(model), "conv2d") == ((3.0, 1.0), (3.0, 1.0))
    assert graph.spatial_grid(graph.Traced(model), "batch_normalization") == ((3.0, 1.0), (3.0, 1.0))
    assert graph.spatial_grid(graph.Traced(model), "max_pooling2d") == ((3.5, 2.0), (3.5, 2.0))
    # 'same' with stride 2 on 11 cells pads one on each side: output j reads cells 2j-1..2j+1
    assert graph.spatial_grid(graph.Traced(model), "conv2d_1") == ((3.5, 4.0), (3.5, 4.0))
    four, _ = four_head()
    assert graph.spatial_grid(graph.Traced(four), "conv2d_1") == ((1.5, 1.0), (1.5, 1.0))  # 3x3 valid, then 2x2 pool with stride 1
    peak = np.zeros((1, 22, 22), np.float32)
    peak[0, 0, 0] = 1.0
    up = upsample(peak, (28, 28), graph.spatial_grid(graph.Traced(model), "conv2d"))
    assert up[0, 3, 3] == 1.0 and up[0, 4, 4] == 0.0  # the cell's own pixel, and not one further
    plain = upsample(peak, (28, 28))
    assert plain[0, 3, 3] == 0.0 and plain[0, 1, 1] > 0.0  # a plain resize drifts towards the corner


def test_upsample_and_normalize():
    maps = np.stack([np.full((3, 3), 2.0), np.arange(9.0).reshape(3, 3) - 4]).astype(np.float32)
    up = upsample(maps, (12, 12))
    assert up.shape == (2, 12, 12)
    np.testing.assert_allclose(up[0], 2.0)
    assert up[1, 0, 0] == pytest.approx(-4) and up[1, -1, -1] == pytest.approx(4)
    assert upsample(maps, (3, 3)) is not None and upsample(maps, (3, 3)).shape == (2, 3, 3)
    n = normalize(np.stack([np.zeros((2, 2)), np.array([[-1.0, 1.0], [2.0, 4.0]])]))
    np.testing.assert_array_equal(n[0], 0)
    np.testing.assert_allclose(n[1], [[0, 0.25], [0.5, 1]])


def test_target_probability_and_decisions():
    soft, sig = softmax_info(), sigmoid_info("long")
    probs = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    np.testing.assert_allclose(graph.target_probability(soft, probs, np.array([2, 0])), [0.3, 0.6])
    np.testing.assert_array_equal(graph.decisions(soft, probs), [1, 0])
    p = np.array([[0.7], [0.2], [0.5]])
    np.testing.assert_allclose(graph.target_probability(sig, p, np.array([1, 1, 0])), [0.7, 0.2, 0.5])
    np.testing.assert_array_equal(graph.decisions(sig, p), [1, 0, 1])  # p >= 0.5 is a positive decision


def test_unknown_layer_and_method_are_clear_errors(hand_model):
    with pytest.raises(ValueError, match="no layer 'conv9'.*conv2d"):
        CamProbe(hand_model, "conv9", [softmax_info()])
    with pytest.raises(ValueError, match="unknown CAM method"):
        explain(CamProbe(hand_model, None, [softmax_info()]), np.zeros((1, 4, 4, 1), np.float32), [np.zeros(1, int)], ["lime"])


def test_a_reloaded_sequential_model_explains_like_the_original(tmp_path):
    """A Sequential model loaded from .keras carries several graph nodes per layer; maps must not care."""
    import keras

    from netviz.visualize.activations import layer_activations
    from netviz.visualize.filters import ascend_filters

    model = tiny_cnn("sequential")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    x = images(3)
    targets = [np.array([0, 1, 2])]
    a = explain(CamProbe(model, "conv2d", [softmax_info()]), x, targets)
    b = explain(CamProbe(loaded, "conv2d", [softmax_info()]), x, targets)
    for method in METHODS:
        np.testing.assert_allclose(a[method][0], b[method][0], atol=1e-5, err_msg=method)
    np.testing.assert_allclose(layer_activations(model, x)[1].maps, layer_activations(loaded, x)[1].maps, atol=1e-6)
    np.testing.assert_allclose(ascend_filters(model, "conv2d_1").final, ascend_filters(loaded, "conv2d_1").final, atol=1e-5)

"""The network side of every heatmap method: one gradient pass, batch sizes, heads, model kinds.

Each method's own maps are checked against hand-worked ones in tests/views/methods.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.baselines import gradcam_one_image_loop
from netviz.models import graph
from netviz.registry import HEATMAP_METHODS
from netviz.views.cam import CamProbe, explain
from netviz.views.methods import baselines, selectable
from netviz.views.methods.base import normalize

from . import copy_weights, four_head, images, sigmoid_info, softmax_info, tiny_cnn


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_batched_equals_one_image_at_a_time(kind):
    model = tiny_cnn(kind)
    probe = CamProbe(model, None, [softmax_info()])
    assert probe.layer == "conv2d_1"  # default: the last Conv2D
    x = images(6)
    targets = probe.targets(x)
    batched = explain(probe, x, targets)
    assert list(batched) == list(HEATMAP_METHODS.names())
    for method, (maps,) in batched.items():
        single = np.concatenate([explain(probe, x[i : i + 1], [targets[0][i : i + 1]], [method])[method][0] for i in range(6)])
        assert maps.shape == ((6, 10, 10) if HEATMAP_METHODS[method].grid == "input" else (6, 5, 5))
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
    for method in HEATMAP_METHODS.names():
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
    for method in selectable():
        per_head = maps[method]
        assert len(per_head) == 4 and all(m.shape == (5, 7, 7) for m in per_head)
        for i in range(4):
            for j in range(i + 1, 4):
                differ = not np.allclose(per_head[i], per_head[j], atol=1e-3)
                assert differ == HEATMAP_METHODS[method].per_head, (method, i, j)  # Eigen-CAM never reads the target
    for method in baselines():  # they know nothing about the network, so nothing about its heads
        assert not HEATMAP_METHODS[method].per_head
        assert all(m.shape == (5, 10, 10) and np.array_equal(m, maps[method][0]) for m in maps[method]), method


def test_one_gradient_pass_serves_every_method(heads, monkeypatch):
    """All gradient methods, and Score-CAM's layer maps, come from one call of the compiled gradient function."""
    model, infos, _ = heads
    probe = CamProbe(model, "conv2d_1", infos)
    calls = {"grads": 0, "maps": 0}
    grads_pass, maps_pass = probe.maps_and_grads, probe.feature_maps

    def counted(name, fn):
        def wrapper(*args):
            calls[name] += 1
            return fn(*args)
        return wrapper

    monkeypatch.setattr(probe, "maps_and_grads", counted("grads", grads_pass))
    monkeypatch.setattr(probe, "feature_maps", counted("maps", maps_pass))
    x = images(5, (10, 10, 3))
    explain(probe, x, probe.targets(x))
    assert calls == {"grads": 1, "maps": 0}
    explain(probe, x, probe.targets(x), ["scorecam", "edges"])
    assert calls == {"grads": 1, "maps": 1}


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
    np.testing.assert_allclose(explain(a, xs, t, ["gradcam"])["gradcam"][0], explain(b, xs, t, ["gradcam"])["gradcam"][0],
                               atol=1e-4)


def test_target_probability_and_decisions():
    soft, sig = softmax_info(), sigmoid_info("long")
    probs = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    np.testing.assert_allclose(graph.target_probability(soft, probs, np.array([2, 0])), [0.3, 0.6])
    np.testing.assert_array_equal(graph.decisions(soft, probs), [1, 0])
    p = np.array([[0.7], [0.2], [0.5]])
    np.testing.assert_allclose(graph.target_probability(sig, p, np.array([1, 1, 0])), [0.7, 0.2, 0.5])
    np.testing.assert_array_equal(graph.decisions(sig, p), [1, 0, 1])  # p >= 0.5 is a positive decision


def test_unknown_layer_and_method_are_clear_errors():
    model = tiny_cnn("sequential")
    with pytest.raises(ValueError, match="no layer 'conv9'.*conv2d"):
        CamProbe(model, "conv9", [softmax_info()])
    with pytest.raises(ValueError, match="unknown heatmap method 'lime'"):
        explain(CamProbe(model, None, [softmax_info()]), images(1), [np.zeros(1, int)], ["lime"])


def test_a_reloaded_sequential_model_explains_like_the_original(tmp_path):
    """A Sequential model loaded from .keras carries several graph nodes per layer; maps must not care."""
    import keras

    from netviz.views.activations import layer_activations
    from netviz.views.filters import FilterAscent

    model = tiny_cnn("sequential")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    x = images(3)
    targets = [np.array([0, 1, 2])]
    a = explain(CamProbe(model, "conv2d", [softmax_info()]), x, targets)
    b = explain(CamProbe(loaded, "conv2d", [softmax_info()]), x, targets)
    for method in HEATMAP_METHODS.names():
        np.testing.assert_allclose(a[method][0], b[method][0], atol=1e-5, err_msg=method)
    np.testing.assert_allclose(layer_activations(model, x)[1].maps, layer_activations(loaded, x)[1].maps, atol=1e-6)
    np.testing.assert_allclose(FilterAscent(model, "conv2d_1").batched(0).final, FilterAscent(loaded, "conv2d_1").batched(0).final, atol=1e-5)


def residual_cnn():
    """input -> a -> b -> add(a, b) -> pool -> softmax: a skip connection from ``a`` over ``b``."""
    import keras

    keras.utils.set_random_seed(3)
    inp = keras.Input((6, 6, 1))
    a = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="a")(inp)
    b = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="b")(a)
    s = keras.layers.Add(name="sum")([a, b])
    out = keras.layers.Dense(3, activation="softmax")(keras.layers.GlobalAveragePooling2D()(s))
    return keras.Model(inp, out)


@pytest.mark.parametrize("layer, splits", [("sum", True), ("b", False)])
def test_the_trunk_runs_unrecorded_only_where_the_model_splits_at_the_layer(layer, splits):
    """After ``sum`` only the maps flow on: the tape records the pooling and the classifier alone. ``b`` is
    crossed by the skip from ``a``: one tape over the whole pass. Both give the gradient of a whole-pass tape."""
    model = residual_cnn()
    probe = CamProbe(model, layer, [softmax_info()])
    assert (probe.head is not None) is splits and (probe.trunk is not None) is splits
    x = images(4, (6, 6, 1))
    targets = probe.targets(x)
    (loop,) = gradcam_one_image_loop(probe, x, targets)  # an eager tape over probe.net, image by image
    np.testing.assert_allclose(explain(probe, x, targets, ["gradcam"])["gradcam"][0], loop, atol=1e-5)
    conv, grads = probe.maps_and_grads(x, targets)
    np.testing.assert_array_equal(conv, probe.feature_maps(x))
    if splits:  # sum -> global average pooling over 36 cells -> dense: d score / d cell = kernel[:, target] / 36
        kernel = model.layers[-1].kernel.numpy()
        np.testing.assert_allclose(grads[0], np.broadcast_to(kernel[:, targets[0]].T[:, None, None, :] / 36, grads[0].shape),
                                   rtol=1e-5)

"""Cascading randomization on tiny models: the steps, SSIM worked out by hand, and which maps change."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.spec import schema
from netviz.views.cascade import cascade, cascade_steps, downstream, ssim
from netviz.views.model import cam_view, pick_images
from tests.views import four_head, softmax_info, tiny_cnn
from tests.views.test_model import dataset

SETTINGS = schema.Visualize(images=6, filters=schema.Filters(steps=10), cam=schema.Cam(eval_images=30))


def test_ssim_of_equal_maps_is_one_constant_ones_included():
    a = np.random.default_rng(0).random((3, 9, 9))
    assert np.allclose(ssim(a, a), 1.0)
    flat = np.full((1, 4, 4), 0.3)
    assert ssim(flat, flat).tolist() == [1.0]


def test_ssim_by_hand_on_one_window():
    # 2x2 maps: one window, the whole map. mu = 0.5 for both, variances 0.25, covariance -0.25
    a = np.array([[[0.0, 1.0], [0.0, 1.0]]])
    b = np.array([[[1.0, 0.0], [1.0, 0.0]]])
    c1, c2 = 1e-4, 9e-4
    by_hand = (2 * 0.25 + c1) * (2 * -0.25 + c2) / ((0.25 + 0.25 + c1) * (0.25 + 0.25 + c2))
    assert ssim(a, b)[0] == pytest.approx(by_hand) == pytest.approx(-0.4991 / 0.5009)
    # all zero against all one: means 0 and 1, no variance: C1 / (1 + C1)
    assert ssim(np.zeros((1, 3, 3)), np.ones((1, 3, 3)))[0] == pytest.approx(1e-4 / 1.0001)


def test_ssim_averages_every_window_position():
    rng = np.random.default_rng(1)
    a, b = rng.random((2, 9, 10)), rng.random((2, 9, 10))

    def one(x, y):  # the formula on one window, population statistics
        mx, my = x.mean(), y.mean()
        cov = ((x - mx) * (y - my)).mean()
        return (2 * mx * my + 1e-4) * (2 * cov + 9e-4) / ((mx**2 + my**2 + 1e-4) * (x.var() + y.var() + 9e-4))

    loops = [np.mean([one(a[n, i:i + 7, j:j + 7], b[n, i:i + 7, j:j + 7]) for i in range(3) for j in range(4)])
             for n in range(2)]
    assert np.allclose(ssim(a, b), loops)


def test_steps_from_the_output_down_layer_by_layer():
    assert cascade_steps(tiny_cnn("sequential")) == [["dense"], ["conv2d_1"], ["batch_normalization"], ["conv2d"]]
    assert cascade_steps(tiny_cnn("functional")) == [["dense"], ["conv2d_1"], ["batch_normalization"], ["conv2d"]]
    model, _ = four_head()
    heads = ["length", "width", "colour", "angle"]
    assert [sorted(s) for s in cascade_steps(model)] == [
        sorted(heads), sorted(f"{h}_bn" for h in heads), sorted(f"{h}_hidden" for h in heads),
        ["conv2d_1"], ["batch_normalization"], ["conv2d"]]


def test_more_levels_than_steps_are_grouped_in_blocks_from_the_output():
    assert cascade_steps(tiny_cnn(), max_steps=2) == [["dense", "conv2d_1"], ["batch_normalization", "conv2d"]]
    assert cascade_steps(tiny_cnn(), max_steps=3) == [["dense", "conv2d_1"], ["batch_normalization"], ["conv2d"]]


def test_downstream_of_the_heatmap_layer():
    assert downstream(tiny_cnn(), "conv2d_1") == {"flatten", "dense"}
    assert downstream(tiny_cnn(), "dense") == set()


@pytest.fixture(scope="module")
def tiny():
    model, initial = tiny_cnn("sequential"), tiny_cnn("sequential", seed=9)
    data = dataset(1)
    return model, initial, data, cascade(model, initial, [softmax_info()], data, SETTINGS, schema.LayerChoice(), 0)


def test_gradcam_drops_and_the_baselines_stay_at_one(tiny):
    _, _, _, views = tiny
    assert views.layer == "conv2d_1" and views.above == [True, False, False, False]
    assert views.images == 40 and views.baselines == ["edges", "random"]
    assert list(views.spearman) == ["gradcam", "gradcam_plus_plus", "scorecam", "edges", "random"]
    grad = views.spearman["gradcam"]["class"]
    assert len(grad) == 4
    assert grad[0] < 0.5  # a new output layer: new gradients, a new map
    assert max(views.ssim["gradcam"]["class"][1:]) < 0.9
    for baseline in ("edges", "random"):  # they never look at the network
        assert views.spearman[baseline]["class"] == pytest.approx([1.0] * 4)
        assert views.ssim[baseline]["class"] == pytest.approx([1.0] * 4)


def test_the_last_step_is_the_sanity_check(tiny):
    model, initial, data, views = tiny
    shown = pick_images(data.labels_test["class"], SETTINGS.images, 0)
    _, _, explanations = cam_view(model, initial, [softmax_info()], data, SETTINGS.cam, None, shown, 0)
    for method in ("gradcam", "gradcam_plus_plus", "scorecam"):
        assert views.spearman[method]["class"][-1] == pytest.approx(explanations[method]["class"].sanity_spearman)


def test_without_an_untrained_network_a_seeded_clone_randomizes_the_same_way_twice():
    model, outputs = four_head()
    data = dataset(3)
    a = cascade(model, None, outputs, data, SETTINGS, schema.LayerChoice(), 0, max_steps=3)
    b = cascade(model, None, outputs, data, SETTINGS, schema.LayerChoice(), 0, max_steps=3)
    assert a.spearman == b.spearman and a.ssim == b.ssim
    assert len(a.steps) == 3 and set(a.spearman["gradcam"]) == {"length", "width", "colour", "angle"}
    assert a.spearman["edges"]["angle"] == pytest.approx([1.0] * 3)
    assert all(a.spearman["gradcam"][h][-1] < 1.0 for h in a.spearman["gradcam"])


def test_a_big_network_uses_the_first_sixteen_of_the_sanity_images():
    from types import SimpleNamespace

    from netviz.views.cascade import images_for

    assert images_for(SimpleNamespace(layers=[0] * 50), 64) == 64
    assert images_for(SimpleNamespace(layers=[0] * 51), 64) == 16
    assert images_for(SimpleNamespace(layers=[0] * 51), 8) == 8

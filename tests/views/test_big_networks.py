"""Defaults that keep a big network readable: a few layers spread from first to last, at most 64 channels per
figure, Score-CAM on the 64 most varied channels, and filter ascent that jitters, scales and rotates large inputs."""

from __future__ import annotations

import numpy as np
import pytest

from netviz.models import graph
from netviz.models.runtime import start_tensorflow
from tests.views import images, softmax_info


def deep_cnn(convs: int = 8, side: int = 12):
    """``convs`` 'same' Conv2D layers of 2 filters, then a softmax: more conv layers than the defaults show."""
    import keras

    keras.utils.set_random_seed(0)
    stack = [keras.layers.Conv2D(2, 3, padding="same", activation="relu", name=f"c{i}") for i in range(convs)]
    return keras.Sequential([keras.Input((side, side, 1)), *stack, keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(3, activation="softmax")])


def test_spread_keeps_first_last_and_even_steps_between() -> None:
    names = list("abcdefgh")  # 8 > 6: indices round(linspace(0, 7, 4)) = 0, 2, 5, 7
    assert graph.spread(names) == ["a", "c", "f", "h"]
    assert graph.spread(names[:6]) == names[:6]  # six are all shown
    assert graph.spread(list("abcdefg")) == ["a", "c", "e", "g"]  # 0, 2, 4, 6


def test_more_than_six_conv_layers_show_four_by_default() -> None:
    start_tensorflow()
    model = deep_cnn(8)
    assert graph.default_filter_layers(model) == ["c0", "c2", "c5", "c7"]
    assert graph.default_activation_layers(model) == ["c0", "c2", "c5", "c7"]
    assert graph.default_filter_layers(deep_cnn(5)) == [f"c{i}" for i in range(5)]


def test_strongest_channels_come_first_and_are_capped() -> None:
    from netviz.views.model import strongest_channels

    maps = np.zeros((2, 1, 1, 5))
    maps[..., :] = [0.1, 3.0, -1.0, 2.0, 3.0]  # ties keep their order
    assert strongest_channels(maps, 3).tolist() == [1, 4, 3]
    assert len(strongest_channels(np.random.default_rng(0).random((1, 2, 2, 100)))) == 64


def test_scorecam_uses_the_64_most_varied_channels_of_each_image() -> None:
    from netviz.views.methods.scorecam import varied_channels

    conv = np.zeros((2, 2, 2, 70))
    conv[0, 0, 0, :] = np.arange(70)  # image 0: variance grows with the channel index
    conv[1, 0, 0, :] = np.arange(70)[::-1]  # image 1: it falls
    chosen = varied_channels(conv)
    assert chosen.shape == (2, 64)
    assert chosen[0, :3].tolist() == [69, 68, 67] and set(chosen[0]) == set(range(6, 70))
    assert chosen[1, :3].tolist() == [0, 1, 2] and set(chosen[1]) == set(range(64))
    assert varied_channels(conv[..., :64]) is None


def test_scorecam_on_many_channels_gives_maps_from_the_chosen_ones() -> None:
    start_tensorflow()
    import keras

    from netviz.views.cam import CamProbe, explain

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(80, 3, padding="same", activation="relu", name="wide"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="softmax")])
    probe = CamProbe(model, "wide", [softmax_info()])
    x = images(3, (8, 8, 1))
    maps = explain(probe, x, probe.targets(x, None), ["scorecam"], 0)["scorecam"][0]
    assert maps.shape == (3, 8, 8) and np.isfinite(maps).all() and maps.max() == pytest.approx(1.0)


def test_large_inputs_get_jitter_scale_and_rotation() -> None:
    start_tensorflow()
    from netviz.views.filters import FilterAscent

    small = FilterAscent(deep_cnn(2, side=12), "c1")
    assert not small.robust and small.jitter == 1
    assert np.allclose(small.warps(0), [1, 0, 0, 0, 1, 0, 0, 0])
    large = FilterAscent(deep_cnn(2, side=64), "c1")
    assert large.robust and large.jitter == 4  # 64 // 16
    warps = large.warps(0)
    centre = np.array([31.5, 31.5])
    for a0, a1, a2, b0, b1, b2, _, _ in warps[:5]:
        assert np.allclose([a0 * centre[1] + a1 * centre[0] + a2, b0 * centre[1] + b1 * centre[0] + b2], centre[::-1])
        scale = 1 / np.hypot(a0, b0)
        assert 0.95 <= scale <= 1.05 and abs(np.degrees(np.arctan2(b0, a0))) <= 5
    assert not np.allclose(warps[0], warps[1])
    result = large.batched(0, np.array([1, 0]))
    assert result.images.shape == (2, 64, 64, 1) and (result.final >= result.start - 1e-6).all()


def test_filters_of_separable_and_depthwise_layers() -> None:
    start_tensorflow()
    import keras

    from netviz.views.filters import FilterAscent, layer_kernels

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((10, 10, 2)),
                              keras.layers.SeparableConv2D(3, 3, activation="relu", name="sep"),
                              keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation="softmax")])
    for name, count in (("sep", 3), ("dw", 6)):
        ascent = FilterAscent(model, name)
        assert ascent.count == count
        res = ascent.batched(0)
        assert res.images.shape == (count, 10, 10, 2) and (res.final >= res.start - 1e-6).all()
    assert layer_kernels(model, "dw").shape == (6, 3, 3, 1)  # one 3x3 kernel per input channel and multiplier
    assert layer_kernels(model, "sep").shape == (2, 3, 3, 1)  # the depthwise half: 2 inputs x multiplier 1

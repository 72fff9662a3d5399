"""The explain stage on tiny models: which views, in which order, and the scores of every method and baseline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netviz.data.base import Dataset
from netviz.spec import schema
from netviz.views.model import as_float, explain_model, pick_images
from netviz.views.records import ModelViews
from tests.views import four_head, softmax_info, tiny_cnn

SETTINGS = schema.Visualize(images=6, filters=schema.Filters(steps=10), cam=schema.Cam(eval_images=30))


def dataset(channels: int, n: int = 40, masks: bool = False, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, 10, 10, channels), dtype=np.uint8)
    targets = {"class": 3, "length": 2, "width": 2, "colour": 2, "angle": 4}
    labels = {t: rng.integers(0, k, n) for t, k in targets.items()}
    names = {t: [f"{t}{i}" for i in range(k)] for t, k in targets.items()}
    m = rng.random((n, 10, 10)) < 0.2 if masks else None
    return Dataset("tiny", "line" if masks else "mnist", x[:5], {t: v[:5] for t, v in labels.items()}, x, labels, names, m)


def scores(views: ModelViews) -> dict:
    """The explanations as the results file holds them (plain JSON)."""
    return json.loads(json.dumps({m: {h: s.model_dump() for h, s in per.items()} for m, per in views.explanations.items()}))


def same(a: ModelViews, b: ModelViews) -> bool:
    """Two runs gave the same numbers and, to float32 rounding (a second compiled ascent), the same pictures."""
    pictures = [(x.maps, y.maps) for x, y in zip(a.heatmaps, b.heatmaps)] + \
        [(x.images, y.images) for x, y in zip(a.filters, b.filters)] + \
        [(x.maps, y.maps) for x, y in zip(a.activations, b.activations)]
    return scores(a) == scores(b) and all(np.allclose(x, y, rtol=0, atol=1e-6) for x, y in pictures)


def test_pick_images_is_deterministic_distinct_and_spread_over_classes():
    labels = np.repeat(np.arange(10), 20)
    a = pick_images(labels, 6, seed=1)
    assert a.tolist() == pick_images(labels, 6, seed=1).tolist()
    assert len(set(a.tolist())) == 6
    assert labels[a].tolist() == [0, 2, 4, 5, 7, 9]
    few = pick_images(np.array([0, 1, 0, 1, 0, 1, 0, 1]), 6, seed=0)
    assert len(set(few.tolist())) == 6 and sorted(np.array([0, 1] * 4)[few].tolist()) == [0, 0, 0, 1, 1, 1]


def test_as_float_scales_uint8_and_adds_a_channel_axis():
    x = as_float(np.array([[[0, 255]]], np.uint8))
    assert x.dtype == np.float32 and x.shape == (1, 1, 2, 1) and x.max() == 1.0


def test_single_output_model_without_masks():
    model = tiny_cnn("sequential")
    initial = tiny_cnn("sequential", seed=9)
    data = dataset(1)
    views = explain_model(model, initial, [softmax_info()], data, SETTINGS, schema.LayerChoice(), 0)
    assert views.predictions is None
    assert [a.layer for a in views.activations] == ["conv2d", "batch_normalization", "max_pooling2d", "conv2d_1"]
    assert views.activations[0].maps.shape == (6, 8, 8, 4) and views.activations[0].images_are == "test images"
    assert [f.layer for f in views.filters] == ["conv2d", "conv2d_1"] and all(f.kernels is not None for f in views.filters)
    assert [(h.method, h.head, h.layer) for h in views.heatmaps] == [
        ("gradcam", "class", "conv2d_1"), ("gradcam_plus_plus", "class", "conv2d_1"), ("scorecam", "class", "conv2d_1")]
    assert views.heatmaps[0].maps.shape == (6, 10, 10)  # at input size
    assert views.trust.layer == "conv2d_1" and views.trust.baselines == ["Edge baseline", "Random baseline"]
    conv = views.activations[0].stats
    assert conv.channels == 4 and 0 <= conv.dead_share <= 1
    filters = views.filters[1].stats
    assert filters.count == 6 and filters.steps == 10 and len(filters.final_activation) == 6
    # the spec's methods, then the baselines, all with the same score fields
    result = scores(views)
    assert list(result) == ["gradcam", "gradcam_plus_plus", "scorecam", "edges", "random"]
    for method, per_head in result.items():
        s = per_head["class"]
        assert s["pointing_game"] is s["energy_in_mask"] is s["chance_energy"] is None
        assert 0 <= s["deletion_auc"] <= 1 and 0 <= s["insertion_auc"] <= 1
        assert 0 <= s["empty_maps"] <= 1
        assert s["images"] == 40  # no masks: min(64, n_test) images for deletion/insertion
        if method in ("edges", "random"):  # the same map for the trained and the initial network
            assert s["sanity_spearman"] == pytest.approx(1.0) and s["sanity_flagged"] is True
        else:
            assert -1 <= s["sanity_spearman"] < 1 and isinstance(s["sanity_flagged"], bool)
    again = explain_model(model, initial, [softmax_info()], data, SETTINGS, schema.LayerChoice(), 0)
    assert same(views, again)  # deterministic


def test_four_head_model_with_masks_and_no_initial_model():
    model, infos = four_head()
    data = dataset(3, masks=True)
    choice = schema.LayerChoice(activations=["conv2d_1"], filters=["conv2d"], cam="conv2d")
    chosen = ["xgradcam", "gradcam", "layercam", "hirescam", "scorecam"]  # the spec's order is kept
    settings = SETTINGS.model_copy(update={"cam": schema.Cam(methods=chosen, eval_images=30)})
    views = explain_model(model, None, infos, data, settings, choice, 1)
    assert [a.layer for a in views.activations] == ["conv2d_1"] and [f.layer for f in views.filters] == ["conv2d"]
    heads = ["length", "width", "colour", "angle"]
    assert [(h.method, h.head) for h in views.heatmaps] == [(m, h) for m in chosen for h in heads]  # no baselines
    result = scores(views)
    assert list(result) == [*chosen, "edges", "random"]
    for method, per_head in result.items():
        assert list(per_head) == heads
        for s in per_head.values():
            assert s["images"] == 30
            assert 0 <= s["pointing_game"] <= 1 and 0 <= s["energy_in_mask"] <= 1
            assert s["chance_energy"] == pytest.approx(float(data.masks_test.mean()), abs=0.05)
            assert s["sanity_spearman"] is None and s["sanity_flagged"] is None
    assert set(views.trust.curves) == set(heads)

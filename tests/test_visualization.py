"""The whole visualization stage on tiny models: files, layout of the summary, baselines, JSON safety."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netviz.data.base import Dataset
from netviz.spec import schema
from netviz.visualization import as_float, pick_images, visualize_model
from tests.visualize import four_head, softmax_info, tiny_cnn

SETTINGS = schema.Visualize(images=6, filters=schema.Filters(steps=10), cam=schema.Cam(eval_images=30))


def dataset(channels: int, n: int = 40, masks: bool = False, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, 10, 10, channels), dtype=np.uint8)
    targets = {"class": 3, "length": 2, "width": 2, "colour": 2, "angle": 4}
    labels = {t: rng.integers(0, k, n) for t, k in targets.items()}
    names = {t: [f"{t}{i}" for i in range(k)] for t, k in targets.items()}
    m = rng.random((n, 10, 10)) < 0.2 if masks else None
    return Dataset("tiny", "line" if masks else "mnist", x[:5], {t: v[:5] for t, v in labels.items()}, x, labels, names, m)


def plain(value) -> bool:
    """Only JSON's own types, all the way down."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


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


def test_single_output_model_without_masks(tmp_path):
    model = tiny_cnn("sequential")
    initial = tiny_cnn("sequential", seed=9)
    data = dataset(1)
    result = visualize_model(model, initial, [softmax_info()], data, SETTINGS, schema.LayerChoice(), tmp_path, "seq", 0)
    assert plain(result) and json.loads(json.dumps(result)) == result
    paths = [f["path"] for f in result["figures"]]
    assert paths == [
        "figures/seq/activations_conv2d.png", "figures/seq/activations_batch_normalization.png",
        "figures/seq/activations_max_pooling2d.png", "figures/seq/activations_conv2d_1.png",
        "figures/seq/filters_conv2d.png", "figures/seq/kernels_conv2d.png",
        "figures/seq/filters_conv2d_1.png", "figures/seq/kernels_conv2d_1.png",
        "figures/seq/gradcam_class.png", "figures/seq/gradcam_plus_plus_class.png", "figures/seq/scorecam_class.png",
        "figures/seq/deletion_insertion.svg",
    ]
    assert all((tmp_path / p).stat().st_size > 0 for p in paths)
    kinds = [f["kind"] for f in result["figures"]]
    assert kinds == ["activations"] * 4 + ["filters", "kernels"] * 2 + ["cam"] * 3 + ["trust"]
    cam = result["figures"][8]
    assert (cam["layer"], cam["head"], cam["method"]) == ("conv2d_1", "class", "gradcam") and cam["caption"]
    assert result["figures"][-1]["layer"] == "conv2d_1" and "conv2d_1" in result["figures"][-1]["caption"]
    assert result["layers"]["conv2d"]["channels"] == 4 and 0 <= result["layers"]["conv2d"]["dead_share"] <= 1
    assert result["filters"]["conv2d_1"]["count"] == 6 and result["filters"]["conv2d_1"]["steps"] == 10
    assert len(result["filters"]["conv2d_1"]["final_activation"]) == 6
    # the spec's methods, then the baselines, all with the same score fields
    assert list(result["explanations"]) == ["gradcam", "gradcam_plus_plus", "scorecam", "edges", "random"]
    fields = set(result["explanations"]["gradcam"]["class"])
    for method, per_head in result["explanations"].items():
        scores = per_head["class"]
        assert set(scores) == fields
        assert scores["pointing_game"] is scores["energy_in_mask"] is scores["chance_energy"] is None
        assert 0 <= scores["deletion_auc"] <= 1 and 0 <= scores["insertion_auc"] <= 1
        assert 0 <= scores["empty_maps"] <= 1
        assert scores["images"] == 40  # no masks: min(64, n_test) images for deletion/insertion
        if method in ("edges", "random"):  # the same map for the trained and the initial network
            assert scores["sanity_spearman"] == pytest.approx(1.0) and scores["sanity_flagged"] is True
        else:
            assert -1 <= scores["sanity_spearman"] < 1 and isinstance(scores["sanity_flagged"], bool)
    assert result == visualize_model(model, initial, [softmax_info()], data, SETTINGS, schema.LayerChoice(),
                                     tmp_path, "seq", 0)  # deterministic


def test_four_head_model_with_masks_and_no_initial_model(tmp_path):
    model, infos = four_head()
    data = dataset(3, masks=True)
    choice = schema.LayerChoice(activations=["conv2d_1"], filters=["conv2d"], cam="conv2d")
    chosen = ["xgradcam", "gradcam", "layercam", "hirescam", "scorecam"]  # the spec's order is kept
    settings = SETTINGS.model_copy(update={"cam": schema.Cam(methods=chosen, eval_images=30)})
    result = visualize_model(model, None, infos, data, settings, choice, tmp_path, "multi", 1)
    assert plain(result)
    assert list(result["layers"]) == ["conv2d_1"] and list(result["filters"]) == ["conv2d"]
    heads = ["length", "width", "colour", "angle"]
    cams = [f["path"] for f in result["figures"] if f["kind"] == "cam"]
    assert cams == [f"figures/multi/{m}_{h}.png" for m in chosen for h in heads]  # none for the baselines
    assert list(result["explanations"]) == [*chosen, "edges", "random"]
    for method, per_head in result["explanations"].items():
        assert list(per_head) == heads
        for scores in per_head.values():
            assert scores["images"] == 30
            assert 0 <= scores["pointing_game"] <= 1 and 0 <= scores["energy_in_mask"] <= 1
            assert scores["chance_energy"] == pytest.approx(float(data.masks_test.mean()), abs=0.05)
            assert scores["sanity_spearman"] is None and scores["sanity_flagged"] is None
    assert (tmp_path / "figures/multi/deletion_insertion.svg").read_text().startswith("<?xml")


def test_dead_filters_sentence_counts_and_explains() -> None:
    from netviz.visualization import dead_filters_sentence

    assert dead_filters_sentence(0, 8) == "every one of the 8 filters fires on some input."
    assert dead_filters_sentence(20, 32).startswith("20 of the 32 filters (62%) fire on no input at all (red frame)")
    assert dead_filters_sentence(20, 32).endswith("so the layer works with 12.")

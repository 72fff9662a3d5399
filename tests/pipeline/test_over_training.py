"""Features over training from a spec: weights kept at the listed epochs, strips, scores and a sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netviz import api
from tests.pipeline.test_paths import SPEC, write_project

OVER = SPEC.replace("train: {epochs: 1,", "train: {epochs: 3,").replace(
    "  cam: {methods: [gradcam], eval_images: 8}", "  cam: {methods: [gradcam], eval_images: 8}\n"
    "  over_training: {epochs: [1, 3], filters: 2, images: 2}")


@pytest.mark.slow
def test_kept_epochs_give_strips_scores_and_a_sentence(tmp_path: Path) -> None:
    spec = write_project(tmp_path)
    spec.write_text(OVER)
    built = api.build(spec, tmp_path / "out", pdf=False, quiet=True)
    models = tmp_path / "out" / "models"
    assert sorted(p.name for p in models.glob("cnn.epoch-*")) == ["cnn.epoch-1.weights.h5", "cnn.epoch-3.weights.h5"]
    vis = built.results.models["cnn"].visualization
    assert vis is not None and vis.over_training is not None
    assert vis.over_training.epochs == [1, 3]
    assert set(vis.over_training.scores) == {"gradcam", "edges", "random"}
    assert all(len(per_epoch) == 2 for per_head in vis.over_training.scores.values() for per_epoch in per_head.values())
    assert vis.over_training.sentence.startswith("Grad-CAM's insertion AUC (head class) is ")
    over = [f for f in vis.figures if f.kind == "over_training"]
    assert [Path(f.path).name for f in over] == ["over_training_filters_conv2d.png", "over_training_gradcam_class.png",
                                               "over_training_scores.svg"]
    assert all((tmp_path / "out" / f.path).stat().st_size > 0 for f in over)
    assert vis.over_training.sentence in over[-1].caption
    html = built.html.read_text()
    assert "<h4>Over training</h4>" in html and vis.over_training.sentence.replace("'", "&#39;") in html
    # the kept weights stay in the build: a second build trains nothing and redraws nothing
    again = api.build(spec, tmp_path / "out", pdf=False, quiet=True)
    timings = again.results.timings.models["cnn"]
    assert timings.training_cached and timings.visualization_cached
    first = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert first["models"]["cnn"]["visualization"]["over_training"]["epochs"] == [1, 3]

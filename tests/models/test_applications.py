"""keras.applications models: their own preprocess_input, random weights offline, a folder of photos explained."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netviz import pipeline
from netviz.models.runtime import start_tensorflow

SPEC = """\
front:
  course: {code: C-1, name: Course}
  assignment: A1
  title: Photos
  team: {name: T, members: [{name: N}]}
models:
  - name: mobile
    application: {name: MobileNetV2, weights: null, input_shape: [96, 96, 3]}
    images: photos
visualize:
  images: 6
  filters: {steps: 2}
  cam: {methods: [gradcam, scorecam]}
report: {pdf: false}
"""


def test_the_applications_own_preprocess_input_reads_the_raw_input() -> None:
    """MobileNetV2 expects x/127.5 - 1 of 0..255 pixels: a [0, 1] image becomes 2x - 1 before the first conv."""
    start_tensorflow()
    from netviz.models import graph
    from netviz.models.load import PREPROCESS_LAYER, build_application
    from netviz.spec.schema import Application

    model = build_application(Application(name="MobileNetV2", weights=None, input_shape=(96, 96, 3)))
    traced = graph.Traced(model)
    assert traced.reads_input(PREPROCESS_LAYER) and not traced.reads_input("Conv1")
    assert traced.input_of("Conv1") is traced.output_of(PREPROCESS_LAYER)
    x = np.linspace(0, 1, 96 * 96 * 3, dtype=np.float32).reshape(1, 96, 96, 3)
    seen = np.asarray(graph.layer_outputs_model(model, [PREPROCESS_LAYER])(x))
    np.testing.assert_allclose(seen, 2 * x - 1, atol=1e-5)
    assert seen.min() == pytest.approx(-1) and seen.max() == pytest.approx(1)


def test_top_predictions_are_the_most_probable_first() -> None:
    from netviz.views.model import top_predictions

    probs = np.array([[0.1, 0.5, 0.2, 0.05, 0.1, 0.05], [0.3, 0.0, 0.0, 0.0, 0.0, 0.7]])
    top = top_predictions(probs, ("a", "b", "c", "d", "e", "f"), k=3)
    assert top == [[("b", 0.5), ("c", 0.2), ("a", 0.1)], [("f", 0.7), ("a", 0.3), ("b", 0.0)]]


@pytest.mark.slow  # MobileNetV2: 157 layers, over a minute on two cores
def test_mobilenet_with_random_weights_explains_a_folder_of_six_photos(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "photos").mkdir()
    for i in range(6):
        Image.fromarray(rng.integers(0, 256, (70 + i, 80, 3), dtype=np.uint8)).save(tmp_path / "photos" / f"p{i}.png")
    spec = tmp_path / "photos.yaml"
    spec.write_text(SPEC)
    result = pipeline.build(spec, pipeline.Options(out=tmp_path / "out", quiet=True, pdf=False))
    m = result.results.models["mobile"]
    assert m.train is None and m.evaluation == {} and m.data.train == 0
    assert m.dataset == "mobile_images" and result.results.datasets["mobile_images"].test == 6
    kinds = [f.kind for f in m.visualization.figures]
    assert kinds.count("predictions") == 1 and "curves" not in kinds
    # 157 layers: a few of each view, not one figure per layer
    assert 1 <= kinds.count("activations") <= 4 and 1 <= kinds.count("filters") <= 4
    assert set(m.visualization.explanations) >= {"gradcam", "scorecam"}
    caption = next(f.caption for f in m.visualization.figures if f.kind == "predictions")
    assert "top-5 predictions" in caption and "6 given images" in caption
    assert Image.open(tmp_path / "out" / "figures" / "mobile" / "predictions.png").size[0] > 600
    capped = [f.caption for f in m.visualization.figures if f.kind == "activations" and "highest mean" in f.caption]
    assert capped and all("the 64 of its" in c for c in capped)
    html = result.html.read_text()
    assert "The top-5 predictions of output class for the 6 given images" in html and "Not trained" in html
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["models"]["mobile"]["outputs"]["class"]["class_names"][:2] in (["0", "1"], ["tench", "goldfish"])

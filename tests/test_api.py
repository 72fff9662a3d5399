"""The Python front door: the same engine as the CLI, light to import, usable from a notebook."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import netviz
from netviz.cli import main
from tests.pipeline.test_paths import write_project
from tests.views import four_head, images, softmax_info, tiny_cnn

ROOT = Path(__file__).resolve().parents[1]


def test_import_netviz_loads_neither_tensorflow_nor_the_pipeline() -> None:
    code = ("import sys, netviz; assert callable(netviz.__getattr__); "
            "print('tensorflow' in sys.modules, 'netviz.pipeline' in sys.modules, 'keras' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.stdout.split() == ["False", "False", "False"], run.stderr


def test_explain_gives_each_method_and_head_maps_at_image_size() -> None:
    from netviz.views.cam import CamProbe
    from netviz.views.cam import explain as compute

    model = tiny_cnn("functional")
    x = images(4)
    result = netviz.explain(model, x, methods=["gradcam", "layercam"])
    assert result.layer == "conv2d_1" and list(result.maps) == ["gradcam", "layercam"]
    assert list(result.maps["gradcam"]) == ["class"] and result.maps["gradcam"]["class"].shape == (4, 10, 10)
    probe = CamProbe(model, None, [softmax_info()])
    expected = probe.upsample(compute(probe, x, probe.targets(x), ["gradcam"])["gradcam"][0])
    np.testing.assert_allclose(result.maps["gradcam"]["class"], expected, atol=1e-6)
    assert result.targets["class"].tolist() == result.probabilities["class"].argmax(axis=1).tolist()
    assert result.titles == {"gradcam": "Grad-CAM", "layercam": "Layer-CAM"} and result.scores == {}


def test_explain_given_targets_and_masks_per_head() -> None:
    model, infos = four_head()
    x = images(3, (10, 10, 3))
    masks = np.zeros((3, 10, 10), bool)
    masks[:, 2:5, 2:5] = True
    result = netviz.explain(model, (x * 255).astype(np.uint8), targets={i.name: 1 for i in infos},
                                methods=["gradcam"], masks=masks)
    assert all(t.tolist() == [1, 1, 1] for t in result.targets.values())
    scores = result.scores["gradcam"]
    assert list(scores) == [i.name for i in infos]
    assert all(s.chance_energy == pytest.approx(9 / 100) and s.images == 3 for s in scores.values())
    with pytest.raises(ValueError, match="targets name no class for head 'length'"):
        netviz.explain(model, x, targets={"width": 1})


def test_an_explanation_shows_itself_in_jupyter(tmp_path: Path) -> None:
    result = netviz.explain(tiny_cnn("sequential"), images(2), methods=["gradcam"])
    html = result._repr_html_()
    assert html.startswith('<img alt="Grad-CAM" src="data:image/png;base64,iVBORw0KGgo')
    assert result.figure(tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
def test_cli_and_api_on_one_spec_write_the_same_results(tmp_path: Path) -> None:
    spec = write_project(tmp_path)
    assert main(["build", str(spec), "--out", str(tmp_path / "cli"), "--no-pdf", "--quiet"]) == 0
    built = netviz.build(spec, tmp_path / "api", pdf=False, quiet=True)
    assert built.html == tmp_path / "api" / "report.html" and built.pdf is None

    def results(folder: str) -> dict:
        data = json.loads((tmp_path / folder / "metrics.json").read_text())
        data.pop("timings")
        return data

    assert results("cli") == results("api") and built.results.models["cnn"].train is not None


@pytest.mark.slow
def test_report_on_a_network_trained_in_python(tmp_path: Path) -> None:
    """The report of a model from a notebook, and the spec it leaves behind rebuilds the same results."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    x = (rng.random((60, 10, 10, 1)) * 80 + 150 * y[:, None, None, None]).astype(np.uint8)
    model = tiny_cnn("functional", classes=2)
    front = {"course": {"code": "NB-1", "name": "Notebooks"}, "assignment": "A", "title": "From Python",
             "team": {"name": "t", "members": [{"name": "Tester"}]}}
    visualize = {"images": 6, "filters": {"steps": 4}, "cam": {"methods": ["gradcam"], "eval_images": 8}}
    made = netviz.report({"cnn": model}, (x, y, ["dark", "bright"]), front, tmp_path / "nb", visualize=visualize,
                         pdf=False)
    assert made.html is not None and "From Python" in made.html.read_text()
    cnn = made.results.models["cnn"]
    assert cnn.train is None and cnn.outputs["class"].class_names == ["dark", "bright"] and cnn.params.total > 0
    again = netviz.build(tmp_path / "nb" / "inputs" / "spec.yaml", tmp_path / "again", pdf=False, quiet=True)
    assert again.results.model_dump(exclude={"timings"}) == made.results.model_dump(exclude={"timings"})


def test_a_model_that_outputs_logits_is_explained_through_its_logit() -> None:
    """The way most people train (no softmax, from_logits=True): the same maps as the softmax form."""
    import keras

    softmax = tiny_cnn("functional")
    head = softmax.layers[-1]
    logits = keras.Model(softmax.inputs, keras.layers.Dense(head.units, name="logits")(head.input))
    logits.layers[-1].set_weights(head.get_weights())
    x = images(4)
    a = netviz.explain(softmax, x, methods=["gradcam"])
    b = netviz.explain(logits, x, methods=["gradcam"])
    np.testing.assert_allclose(b.maps["gradcam"]["class"], a.maps["gradcam"]["class"], atol=1e-5)
    np.testing.assert_allclose(b.probabilities["class"], a.probabilities["class"], atol=1e-6)

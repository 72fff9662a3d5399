"""Smaller pieces: number formats, figure sizing, confusion matrices, builds without some results."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netviz.document import build_html
from netviz.document.confusion import build_confusion
from netviz.document.embed import display_width, encode_png, is_pixel_image, png_size
from netviz.document.fmt import num, pct, signed_points, thousands

from . import load_raw, make_build, make_spec


def test_number_formats() -> None:
    assert thousands(3977930) == "3,977,930" and thousands(64) == "64" and thousands(None) == "\u2014"
    assert pct(0.9787) == "97.87%" and pct(0.0625, 1) == "6.2%"
    assert num(0.21) == "0.210" and num(None) == "\u2014"
    assert signed_points(-0.0137) == "\u22121.37 pp" and signed_points(0.005) == "+0.50 pp" and signed_points(0.0) == "\u00b10.00 pp"


def test_small_pixel_grids_are_enlarged_and_crisp() -> None:
    assert is_pixel_image("activations", (185, 93)) and is_pixel_image("cam", (175, 117))
    assert not is_pixel_image("curves", (200, 100)) and not is_pixel_image("cam", (1600, 1200))
    assert display_width(65, 33, crisp=True) == 45  # 7x7 kernels: never tiny
    assert display_width(185, 93, crisp=True) == 100  # 4x enlargement fills the column
    assert display_width(640, 480, crisp=False) == 100
    assert display_width(300, 3000, crisp=False) < 20 + 1  # very tall: narrowed to fit a page


def test_png_round_trip_size() -> None:
    data = encode_png([[(255, 0, 0)] * 5] * 3)
    assert png_size(data) == (5, 3) and png_size(b"GIF89a") is None


def test_confusion_table_and_heatmap() -> None:
    small = build_confusion([[8, 2], [1, 9]], ["7 px", "15 px"])
    assert small.as_table and small.correct == 17 and small.total == 20 and small.worst == ("7 px", "15 px", 2)
    assert small.rows[0][0].diagonal and small.rows[0][1].shade == pytest.approx(0.2)
    big = build_confusion([[5 if i == j else 0 for j in range(20)] for i in range(20)], None)
    assert not big.as_table and big.image and big.image.startswith("data:image/png;base64,")
    assert big.worst is None and big.classes[:2] == ["0", "1"]


def test_a_model_built_without_visualization_renders_without_figures(tmp_path: Path) -> None:
    raw = load_raw()
    raw["models"]["seq_line"]["visualization"] = None
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    part = html[html.index('id="res-seq_line"'):html.index('id="res-multihead"')]
    assert "<figure" not in part and "Class-activation heatmaps" not in part
    appendix = html[html.index('id="app-seq_line"'):html.index('id="app-multihead"')]
    assert appendix.count("<figure") == 1  # only the 96-class confusion heatmap remains, in the appendix
    assert "4,069,216" in html[html.index('id="arch-seq_line"'):html.index('id="arch-multihead"')]


def test_each_model_shows_its_training_curves_once(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    assert html.count('<figure class="fig fig-curves"') == 3
    for model in results.models.values():
        assert f"Training and validation loss and accuracy per epoch for {model.title}." in html


def test_no_explanations_means_no_heatmap_observations(tmp_path: Path) -> None:
    raw = load_raw()
    for model in raw["models"].values():
        model["visualization"]["explanations"] = {}
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    # the observations, in the body and all of them at the appendix's end; not the figures' captions
    inferences = html[html.index('id="sec-inferences"'):html.index('id="sec-appendix"')] + \
        html[html.index('id="app-observations"'):]
    assert "sanity check" not in inferences and "localizes" not in inferences
    assert re.search(r"hardest head is angle", inferences)


def test_data_facts_read_as_text_not_python(tmp_path: Path) -> None:
    raw = load_raw()
    raw["datasets"]["mnist"]["provenance"].update(files=["a/t10k-images.gz", "a/t10k-labels.gz"], limit=None)
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    assert "<dd>a/t10k-images.gz, a/t10k-labels.gz</dd>" in html and "<dd>\u2014</dd>" in html
    assert "[&#39;" not in html and "<dd>None</dd>" not in html


def test_provenance_of_any_data_kind_is_listed(tmp_path: Path) -> None:
    raw = load_raw()
    raw["datasets"]["line"] = {"kind": "folders", "train": 2299, "test": 581, "input_shape": [28, 28, 3],
                               "provenance": {"source": "class folders under data/shapes", "classes": 96,
                                              "test_fraction": 0.2, "shuffled": True}}
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    assert "<em>line</em> (folders)" in html and "<dt>Shuffled</dt><dd>True</dd>" in html
    assert "<dd>class folders under data/shapes</dd>" in html


def test_baselines_sit_beside_the_methods_and_never_win_an_observation(tmp_path: Path) -> None:
    raw = load_raw()
    explanations = raw["models"]["seq_line"]["visualization"]["explanations"]
    scores = dict(explanations["gradcam"]["class"])
    for method, pointing in (("gradcam", 0.6), ("gradcam_plus_plus", 0.8), ("scorecam", 0.7)):
        explanations[method]["class"] |= {"pointing_game": pointing, "sanity_flagged": False}
    explanations["edges"] = {"class": scores | {"pointing_game": 1.0, "deletion_auc": 0.01, "sanity_spearman": 1.0,
                                                "sanity_flagged": True}}
    explanations["random"] = {"class": scores | {"pointing_game": 0.05, "sanity_spearman": 1.0, "sanity_flagged": True}}
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    part = html[html.index('id="res-seq_line"'):html.index('id="res-multihead"')]
    part = part[part.index('<table class="data scores">'):]
    rows = re.findall(r"<tr( class=\"\w+\")?><td><code>class</code></td><td>(?:<em>)?([^<]+)<", part)
    assert [(cls, label) for cls, label in rows] == [
        ("", "Grad-CAM"), ("", "Grad-CAM++"), ("", "Score-CAM"),
        (' class="baseline"', "Edge baseline"), (' class="baseline"', "Random baseline")]
    inferences = html[html.index('id="sec-inferences"'):]
    # the edge baseline points better (100%) than every method (Grad-CAM++ 80% at best): no method is "best"
    assert "localizes best on Sequential CNN on LINE" not in inferences
    assert ("No heatmap method localizes better on Sequential CNN on LINE (96 classes) than the Edge baseline, which"
            " knows nothing about the network: its peak falls on the object (within 2 px) in 100.0% of images, against"
            " 80.0% for the best method, Grad-CAM++") in inferences
    assert "deleting the pixels Edge baseline" not in inferences and "baseline on" not in inferences
    verdict = part[part.index('<p class="verdict">'):]
    assert "no method localizes better than the Edge baseline (pointing game 100% against Grad-CAM 60%" in verdict


def test_the_method_text_names_the_layers_actually_used(tmp_path: Path) -> None:
    raw = load_raw()
    for figure in raw["models"]["seq_mnist"]["visualization"]["figures"]:
        if figure["kind"] in ("kernels", "cam"):
            figure["layer"] = "conv2d_7"  # as if the spec had chosen another layer
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    text = re.sub(r"\s+", " ", html[html.index('id="sec-visualizations"'):html.index('id="sec-architecture"')])
    assert "raw kernels of the same layers are shown as well (conv2d_7 of Sequential CNN on MNIST; conv2d of" in text
    assert ("one convolutional layer per network (conv2d_7 of Sequential CNN on MNIST; conv2d of Sequential CNN on"
            " LINE (96 classes); conv2d_1 of Four-head CNN on LINE)") in text
    assert "first convolution" not in text and "last convolutional" not in text


def test_inferences_say_what_more_than_a_tenth_of_dead_filters_means(tmp_path: Path) -> None:
    raw = load_raw()
    filters = raw["models"]["seq_mnist"]["visualization"]["filters"]["conv2d"]
    count = filters["count"]
    filters["dead"] = 1
    results, spec_path = make_build(tmp_path, raw)
    inferences = build_html(make_spec(), spec_path, results, tmp_path)
    assert f"left 1 of the {count} filters" in inferences and "switched off in training" not in inferences
    filters["dead"] = 20
    results, spec_path = make_build(tmp_path, raw)
    inferences = build_html(make_spec(), spec_path, results, tmp_path)
    share = round(100 * 20 / count)
    assert f"left 20 of the {count} filters" in inferences
    assert f"That is {share}% of the layer switched off in training" in inferences

"""Smaller pieces: number formats, figure sizing, confusion matrices, curves, partial metrics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netviz.report import build_html
from netviz.report.charts import curves_svg
from netviz.report.confusion import build_confusion
from netviz.report.figures import display_width, encode_png, is_pixel_image, png_size
from netviz.report.fmt import num, pct, signed_points, thousands

from . import make_build, make_spec


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


def test_curves_svg_from_history() -> None:
    history = {"length_loss": [1.0, 0.5], "val_length_loss": [1.1, 0.6], "length_accuracy": [0.6, 0.9]}
    svg = str(curves_svg(history, "length", single=False))
    assert svg.startswith("<svg") and svg.count("<polyline") == 3 and ">accuracy<" in svg
    assert curves_svg({"loss": [1.0]}, "class", single=False) is None


def test_partial_metrics_still_render(tmp_path: Path) -> None:
    metrics, spec_path = make_build(tmp_path)
    model = metrics["models"]["seq_line"]
    for key in ("visualization", "history", "train", "data", "description"):
        model.pop(key, None)
    model["params"] = {"total": 4069216}
    html = build_html(make_spec(), spec_path, metrics, tmp_path)
    part = html[html.index('id="res-seq_line"'):html.index('id="res-multihead"')]
    assert "<figure" not in part and "Class-activation heatmaps" not in part
    appendix = html[html.index('id="app-seq_line"'):html.index('id="app-multihead"')]
    assert appendix.count("<figure") == 1  # only the 96-class confusion heatmap remains, in the appendix
    assert "4,069,216" in html and "Trainable params</th>" not in html[html.index('id="arch-seq_line"'):html.index('id="arch-multihead"')]


def test_training_curves_are_drawn_when_no_curves_figure(tmp_path: Path) -> None:
    metrics, spec_path = make_build(tmp_path)
    html = build_html(make_spec(), spec_path, metrics, tmp_path)
    part = html[html.index('id="res-multihead"'):]
    assert part.count('<svg class="chart"') == 4  # one per head
    mnist = html[html.index('id="res-seq_mnist"'):html.index('id="res-seq_line"')]
    assert '<svg class="chart"' not in mnist and "Training and validation accuracy and loss per epoch." in mnist


def test_no_explanations_means_no_heatmap_observations(tmp_path: Path) -> None:
    metrics, spec_path = make_build(tmp_path)
    for model in metrics["models"].values():
        model["visualization"].pop("explanations")
    html = build_html(make_spec(), spec_path, metrics, tmp_path)
    inferences = html[html.index('id="sec-inferences"'):]
    assert "sanity check" not in inferences and "localizes" not in inferences
    assert re.search(r"hardest head is angle", inferences)


def test_data_facts_read_as_text_not_python(tmp_path: Path) -> None:
    metrics, spec_path = make_build(tmp_path)
    metrics["datasets"]["mnist"]["provenance"].update(files=["a/t10k-images.gz", "a/t10k-labels.gz"], limit=None)
    html = build_html(make_spec(), spec_path, metrics, tmp_path)
    assert "<dd>a/t10k-images.gz, a/t10k-labels.gz</dd>" in html and "<dd>\u2014</dd>" in html
    assert "[&#39;" not in html and "<dd>None</dd>" not in html

"""The HTML explorer's data: heatmap tabs per output, filter grid layouts, the script inlined, the PDF untouched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from netviz.document import build_html
from netviz.document.embed import load_figure
from netviz.document.explore import filter_tiles
from netviz.document.render import bundled_templates, make_pdf
from netviz.figures import plots
from netviz.results import FigureRecord, FilterStats

from . import make_build, make_spec

EXPLORER = re.compile(r' data-(?:switch|tab|tiles)="[^"]*"')


def test_heatmaps_of_one_output_share_a_switch_and_name_their_method(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    html = build_html(make_spec(), spec_path, results, tmp_path)
    tabs: dict[str, list[str]] = {}
    for key, tab in re.findall(r'<figure class="fig fig-cam"[^>]* data-switch="([^"]*)" data-tab="([^"]*)"', html):
        tabs.setdefault(key, []).append(tab)
    methods = ["Grad-CAM", "Grad-CAM++", "Score-CAM"]
    assert tabs["seq_mnist/class/conv2d"] == methods  # the body's figures of one output
    assert sorted(k for k in tabs if k.startswith("multihead/")) == [
        f"multihead/{head}/conv2d_1" for head in ("angle", "colour", "length", "width")]
    assert all(sorted(t) == methods for t in tabs.values())  # the body's and the appendix's figures together
    assert html.count('class="fig fig-cam"') == sum(map(len, tabs.values())) == 18


def test_filter_tiles_say_where_each_filter_image_lies(tmp_path: Path) -> None:
    """12 filter images of 28 px: 8 columns, grid 8 * 30 + 2 = 242 px wide, enlarged 1200 // 242 = 4 times."""
    images = np.random.default_rng(0).random((12, 28, 28, 1))
    plots.plot_filters(images, tmp_path / "figures" / "filters_c.png")
    figure = load_figure(tmp_path, FigureRecord(path="figures/filters_c.png", kind="filters", caption="c",
                                                layer="c", head=None, method=None))
    stats = FilterStats(final_activation=[0.5 + i for i in range(12)], dead=0, count=12, steps=10)
    tiles = json.loads(filter_tiles(figure, stats, (28, 28)))
    assert tiles == {"layer": "c", "n": 12, "cols": 8, "w": 968, "h": 248, "x0": 8, "y0": 8, "dx": 120, "dy": 120,
                     "tw": 112, "th": 112, "act": [0.5 + i for i in range(12)]}
    assert filter_tiles(figure, stats, (27, 28)) is None  # another input size: the picture is no such grid
    assert filter_tiles(figure, stats.model_copy(update={"count": 20}), (28, 28)) is None


def test_explorer_is_inlined_and_leaves_the_pdf_as_it_was(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    spec = make_spec()
    html = build_html(spec, spec_path, results, tmp_path)
    script = (bundled_templates() / "explore.js").read_text()
    assert html.count("<script>") == 1 and f"<script>\n{script}</script>" in html and "</script" not in script
    assert len(EXPLORER.findall(html)) >= 18
    css = (bundled_templates() / "explore.css").read_text()
    plain = EXPLORER.sub("", html.replace(f"<script>\n{script}</script>\n", "").replace(css, ""))
    assert "<script" not in plain and "data-switch" not in plain and "method-tabs" not in plain
    assert make_pdf(html, spec, spec_path, tmp_path) == make_pdf(plain, spec, spec_path, tmp_path)

"""The fixture build rendered once: sections, numbers, contents, bookmarks, metadata."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from netviz.document import render_report
from netviz.views import methods as heatmap_methods

from . import (
    load_results,
    make_build,
    make_spec,
    pdf_info,
    pdf_outline,
    pdf_text,
    poppler,
)

needs_poppler = pytest.mark.skipif(not (poppler("pdftotext") and poppler("pdfinfo") and poppler("pdftohtml")),
                                   reason="poppler-utils (pdftotext, pdfinfo, pdftohtml) not installed")

SECTIONS = ["1 Objective", "2 Model", "3 Visualizations", "4 Network Architecture Used", "5 Results", "6 Inferences"]
MODEL_TITLES = ["Sequential CNN on MNIST", "Sequential CNN on LINE (96 classes)", "Four-head CNN on LINE"]


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    out = tmp_path_factory.mktemp("build")
    results, spec_path = make_build(out)
    html, pdf = render_report(make_spec(), spec_path, results, out)
    assert pdf is not None
    return out, html, pdf


@pytest.fixture(scope="module")
def html(build: tuple[Path, Path, Path]) -> str:
    return build[1].read_text()


def test_writes_both_files_where_asked(build: tuple[Path, Path, Path]) -> None:
    out, html, pdf = build
    assert html == out / "report.html" and pdf == out / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert not list(out.glob(".report.*")), "temporary files left behind"


def test_html_is_self_contained(html: str) -> None:
    sources = re.findall(r'<img[^>]* src="([^"]*)"', html)
    inline = html.count('<div class="graph"')  # the architecture graphs: SVG in the page, so that they link
    listed = sum(len(m.visualization.figures) for m in load_results().models.values() if m.visualization)
    assert inline == len(load_results().models)
    assert len(sources) + inline == listed + 1  # every listed figure, plus the 96-class confusion heatmap
    assert all(src.startswith("data:image/") for src in sources)
    assert all(src.startswith("data:image/") for src in re.findall(r'<image[^>]* (?:xlink:)?href="([^"]*)"', html))
    assert "<link" not in html and re.findall(r"<script[^>]*>", html) == ["<script>"]  # the explorer, inline
    assert not re.search(r'(?:src|href)="(?:https?:|file:|//)', html)


def test_html_has_viewport_and_scrolling_tables(html: str) -> None:
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert html.count('<div class="table-wrap') == html.count("<table class=\"data")


def test_figures_and_tables_numbered_in_order(html: str) -> None:
    figures = [int(n) for n in re.findall(r'<span class="label">Figure (\d+):</span>', html)]
    tables = [int(n) for n in re.findall(r'<span class="label">Table (\d+):</span>', html)]
    galleries = html.count('<figure class="gallery html-only"')  # a confused pair's, unnumbered (HTML only)
    assert figures == list(range(1, len(figures) + 1)) and len(figures) == html.count("<figure ") - galleries
    assert tables == list(range(1, len(tables) + 1)) and len(tables) >= 15


def test_parameter_counts_with_thousands_separators(html: str) -> None:
    for label, value in (("Total params", "3,977,930"), ("Trainable params", "3,977,866"),
                         ("Non-trainable params", "64"), ("Total params", "10,259,255"),
                         ("Trainable params", "10,255,079"), ("Non-trainable params", "4,176")):
        assert re.search(rf"<th colspan=\"2\">{label}</th><td class=\"num\">{value}</td>", html), (label, value)
    assert "3977930" not in html and "10259255" not in html
    assert '<td class="num">3,965,952</td>' in html  # dense layer row of the MNIST summary


def test_multihead_summary_groups_heads_and_shows_connections(html: str) -> None:
    """The body draws the network as a graph and states its parameters; Keras' table is in the appendix."""
    body = html[html.index('id="arch-multihead"'):html.index('id="sec-results"')]
    assert "Parameters: 10,259,255 in all, 10,255,079 trainable and 4,176 not." in body and "Connected to" not in body
    part = html[html.index('id="app-multihead-layers"'):html.index('id="app-multihead-activations"')]
    assert "Connected to" in part and "Shared trunk" in part
    heads = re.findall(r"Head <em>(\w+)</em>", part)
    assert heads == ["length", "width", "colour", "angle"]
    sequential = html[html.index('id="app-seq_mnist-layers"'):html.index('id="app-seq_mnist-activations"')]
    assert "Connected to" not in sequential and "3,977,866" in sequential


def test_accuracy_beside_reference(html: str) -> None:
    acc = load_results().models["seq_mnist"].evaluation["class"].accuracy
    diff = 100 * (acc - 0.9787)  # the quick spec's reference for seq_mnist
    assert f"{100 * acc:.2f}%" in html and "97.87%" in html
    sign = "\u2212" if diff < 0 else "+"
    assert f"{sign}{abs(diff):.2f} pp" in html


def test_observations_carry_numbers(html: str) -> None:
    """The fixture's numbers, worked out here from the results, appear in the computed observations."""
    results = load_results()
    part = html[html.index('id="sec-inferences"'):]
    items = re.findall(r"<li>(.*?)</li>", part, re.S)
    assert len(items) >= 8
    assert all(re.search(r"\d", item) for item in items)
    text = " ".join(items)
    heads = results.models["multihead"].evaluation
    hardest = min(heads, key=lambda h: heads[h].accuracy)
    assert f"the hardest head is {hardest} with test accuracy {100 * heads[hardest].accuracy:.2f}%" in text
    explanations = results.models["seq_line"].visualization.explanations
    methods = [m for m in explanations if m not in heatmap_methods.baselines()]  # baselines never win
    best = max(methods, key=lambda m: explanations[m]["class"].pointing_game)
    scores = explanations[best]["class"]
    edges = explanations["edges"]["class"]
    if edges.pointing_game >= scores.pointing_game:  # a baseline wins: said, and no method is called best
        assert "localizes best on Sequential CNN on LINE" not in text
        assert (f"than the Edge baseline, which knows nothing about the network: its peak falls on the object (within"
                f" {scores.pointing_tolerance} px) in {100 * edges.pointing_game:.1f}% of images, against"
                f" {100 * scores.pointing_game:.1f}% for the best method") in text
    else:
        assert (f"its heatmap peak falls on the object (within {scores.pointing_tolerance} px) in"
                f" {100 * scores.pointing_game:.1f}% of {scores.images} images,"
                f" against {100 * scores.chance_pointing:.1f}% expected by chance with the same tolerance") in text
    flagged = [(m, s) for m, per_head in results.models["seq_mnist"].visualization.explanations.items()
               for h, s in per_head.items() if s.sanity_flagged and m not in heatmap_methods.baselines()]
    for method, s in flagged:
        label = {"gradcam": "Grad-CAM", "gradcam_plus_plus": "Grad-CAM++", "scorecam": "Score-CAM"}[method]
        assert (f"{label} on Sequential CNN on MNIST (class) is flagged by the sanity check: its heatmaps keep a"
                f" mean |Spearman correlation| of {s.sanity_spearman:.2f}") in text
    layers = results.models["multihead"].visualization.layers
    for layer in ("conv2d", "conv2d_1"):
        assert f"{layer} {100 * layers[layer].dead_share:.1f}% of {layers[layer].channels} channels" in text
    assert "Early convolutional layers act as edge and colour detectors" in part  # the spec's own text first


@needs_poppler
def test_pdf_sections_in_order(build: tuple[Path, Path, Path]) -> None:
    text = pdf_text(build[2])
    body = text[text.index("Page 2 of"):]  # after the contents page
    positions = [body.find(f"\n{s.split(' ', 1)[1]}\n") for s in SECTIONS]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)
    for value in ("3,977,930", "3,977,866", "10,259,255", "10,255,079", "4,176"):
        assert value in text


@needs_poppler
def test_bookmarks_follow_sections(build: tuple[Path, Path, Path]) -> None:
    outline = pdf_outline(build[2])
    assert [t for d, t, _ in outline if d == 1] == [*SECTIONS, "Appendix"]
    assert [t for d, t, _ in outline if t.startswith("4.")] == [f"4.{i} {t}" for i, t in enumerate(MODEL_TITLES, 1)]
    assert not any("Contents" in t for _, t, _ in outline)
    pages = [p for _, _, p in outline]
    assert pages == sorted(pages) and pages[0] >= 3


@needs_poppler
def test_contents_page_numbers_match_bookmarks(build: tuple[Path, Path, Path]) -> None:
    contents = pdf_text(build[2], 2, 2)
    listed = re.findall(r"^(?:\d+(?:\.\d+)?\s+)?(.+?)\s*(?:\.\s)+\.?\s*(\d+)$", contents, re.M)
    outline = [(re.sub(r"^(\d+(\.\d+)?|[A-Z])\s+", "", t), p) for d, t, p in pdf_outline(build[2]) if d <= 2]
    assert len(listed) == len(outline) == 6 + 3 + 3 + 3 + 1 + 3 + 1  # the appendix: a part per model, all observations
    assert [(title, int(page)) for title, page in listed] == outline


@needs_poppler
def test_pages_title_page_header_and_footer(build: tuple[Path, Path, Path]) -> None:
    pdf = build[2]
    pages = int(pdf_info(pdf)["Pages"])
    assert 8 <= pages <= 60
    title = pdf_text(pdf, 1, 1)
    assert "Page 1 of" not in title and "Submitted by" in title and "B16040" in title
    assert f"Page 2 of {pages}" in pdf_text(pdf, 2, 2)
    assert f"Page {pages} of {pages}" in pdf_text(pdf, pages, pages)
    results = next(p for _, t, p in pdf_outline(pdf) if t == "5 Results")
    page = pdf_text(pdf, results + 1, results + 1)
    assert page.startswith("CS-671 \u00b7 Network Visualization") and "5 Results" in page.split("\n\n")[1]


@needs_poppler
def test_pdf_metadata(build: tuple[Path, Path, Path]) -> None:
    info = pdf_info(build[2])
    assert info["Title"] == "Network Visualization (quick run) \u2014 CS-671 Assignment 2 Task 3"
    assert info["Author"] == "Vishal Anand, Aman Jain, Yash Agrawal"
    assert info["Subject"].startswith("To visualize what convolutional neural networks learn")
    assert "Grad-CAM" in info["Keywords"] and "CS-671" in info["Keywords"]
    assert info["Page size"].startswith("595.") and "(A4)" in info["Page size"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) not installed")
def test_architecture_graphs_are_inline_and_link_to_layer_figures(html: str) -> None:
    """Each graph's boxes link to their layer's figures (ids on the figures); ids stay unique in the page."""
    graphs = re.findall(r'<div class="graph"[^>]*>(.*?)</div>', html, flags=re.S)
    assert graphs and all(g.lstrip().startswith("<svg") and "font-family=\"TeX Gyre Heros" in g for g in graphs)
    links = re.findall(r'<a [^>]*xlink:href="(#[^"]+)"', html)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert links and {link[1:] for link in links} <= set(ids)
    assert len(ids) == len(set(ids))

"""A submission, then an appendix: the body keeps one figure of each kind, the appendix the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from netviz.document import build_html, render_report
from netviz.document.appendix import (
    BODY_OBSERVATIONS,
    MAX_BODY_CLASSES,
    appendix_parts,
    body_figures,
    body_view,
)

from . import Fig, make_build, make_spec, pdf_outline, pdf_text, poppler, spec_data


@dataclass(frozen=True)
class Confusion:
    classes: list[str]


@dataclass(frozen=True)
class Out:
    name: str
    confusion: Confusion | None


@dataclass(frozen=True)
class Model:
    name: str
    title: str
    figures: dict
    outputs: list


def _model() -> Model:
    layers = ("conv2d", "max_pooling2d", "conv2d_1")
    cams = [Fig("cam", "conv2d_1", head, method) for head in ("length", "angle") for method in ("gradcam", "scorecam")]
    figures = {"curves": [Fig("curves")], "activations": [Fig("activations", layer) for layer in layers],
               "filters": [Fig("filters", "conv2d"), Fig("filters", "conv2d_1")], "kernels": [Fig("kernels", "conv2d")],
               "cam": cams, "trust": [Fig("trust", "conv2d_1", "angle", "gradcam")], "other": []}
    outputs = [Out("length", Confusion(["short", "long"])), Out("angle", Confusion([str(a) for a in range(0, 180, 15)]))]
    return Model("multihead", "Four-head CNN", figures, outputs)


def test_body_keeps_one_layer_and_one_heatmap_figure_per_method() -> None:
    model = _model()
    body = body_figures(model.figures)
    assert body["activations"] == [Fig("activations", "conv2d")]
    assert body["filters"] == [Fig("filters", "conv2d")] and body["kernels"] == [Fig("kernels", "conv2d")]
    assert body["cam"] == [Fig("cam", "conv2d_1", "length", "gradcam"), Fig("cam", "conv2d_1", "length", "scorecam")]
    assert body["trust"] == [] and body["curves"] == [Fig("curves")]
    view = body_view(model)
    assert [o.confusion is not None for o in view.outputs] == [True, False]  # 2 classes stay, 12 > 4 go
    assert view.title == "Four-head CNN" and MAX_BODY_CLASSES == 4


def test_appendix_holds_the_rest_lettered_and_numbered() -> None:
    small = Model("seq", "Small", {"curves": [], "activations": [Fig("activations", "conv2d")], "cam": []}, [])
    parts = appendix_parts([small, _model()])
    assert [(p.letter, p.title) for p in parts] == [("A", "Four-head CNN")]  # nothing left over: no part
    groups = parts[0].groups
    assert [(g.number, g.id) for g in groups] == [("A.1", "app-multihead-activations"), ("A.2", "app-multihead-filters"),
                                                  ("A.3", "app-multihead-cam"), ("A.4", "app-multihead-trust"),
                                                  ("A.5", "app-multihead-confusion")]
    assert groups[0].figures == [Fig("activations", "max_pooling2d"), Fig("activations", "conv2d_1")]
    assert groups[1].figures == [Fig("filters", "conv2d_1")]
    assert groups[2].figures == [Fig("cam", "conv2d_1", "angle", "gradcam"), Fig("cam", "conv2d_1", "angle", "scorecam")]
    assert [o.name for o in groups[4].confusions] == ["angle"]
    assert parts[0].ref("cam") is groups[2] and parts[0].ref("other") is None


def test_html_links_the_body_to_the_appendix(tmp_path: Path) -> None:
    metrics, spec_path = make_build(tmp_path)
    html = build_html(make_spec(), spec_path, metrics, tmp_path)
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'<p class="see-appendix">[^<]*<a href="#([^"]+)">Appendix ([A-Z]\.\d)</a>', html)
    assert links[0] == ("app-seq_mnist-layers", "A.1") and ("app-seq_mnist-activations", "A.2") in links  # graph in the body
    headings = dict(re.findall(r'<h4 id="(app-multihead-[^"]+)"><span class="secnum">(C\.\d+)</span>', html))
    assert [n for t, n in links if t == "app-multihead-confusion"] == [headings["app-multihead-confusion"]]
    assert headings["app-multihead-confusion"] == f"C.{len(headings)}"  # the last group of the part
    assert all(target in ids for target, _ in links)
    assert html.index('id="sec-inferences"') < html.index('id="sec-appendix"')
    assert '<a href="#sec-appendix">' in html  # in the contents
    assert '<a href="#app-observations">Appendix D</a>' in html  # all observations after the three models' parts
    body = html[html.index('id="sec-inferences"'):html.index('id="sec-appendix"')]
    assert body.count("<li>") == BODY_OBSERVATIONS < html[html.index('id="app-observations"'):].count("<li>")


@pytest.mark.skipif(not poppler("pdftotext"), reason="poppler-utils not installed")
def test_appendix_false_leaves_it_out_of_the_pdf_only(tmp_path: Path) -> None:
    metrics, spec_path = make_build(tmp_path / "with")
    _, with_pdf = render_report(make_spec(), spec_path, metrics, tmp_path / "with")
    data = spec_data()
    data["report"] = {"appendix": False}
    metrics, spec_path = make_build(tmp_path / "without")
    html, without_pdf = render_report(make_spec(data), spec_path, metrics, tmp_path / "without")
    assert 'id="sec-appendix"' in html.read_text()
    outline = [title for _, title, _ in pdf_outline(with_pdf)]
    assert "Appendix" in outline and any(t.startswith("A.1") for t in outline)
    assert "Appendix" not in pdf_text(without_pdf)
    assert "Appendix" not in [title for _, title, _ in pdf_outline(without_pdf)]
    assert "Inferences" in pdf_text(without_pdf)

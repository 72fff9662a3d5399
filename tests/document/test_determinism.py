"""Reproducible output and atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.document import render_report

from . import make_build, make_spec, pdf_info, poppler


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    outputs = []
    for out in (first, second):
        results, spec_path = make_build(out)
        outputs.append(render_report(make_spec(), spec_path, results, out))
    (html_a, pdf_a), (html_b, pdf_b) = outputs
    assert html_a.read_bytes() == html_b.read_bytes()
    assert pdf_a.read_bytes() == pdf_b.read_bytes()
    assert b"/ID" in pdf_a.read_bytes()  # a file identifier, derived from the content, not random


@pytest.mark.skipif(not poppler("pdfinfo"), reason="poppler-utils (pdfinfo) not installed")
def test_source_date_epoch_sets_the_pdf_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1552000000")  # 2019-03-07T23:06:40Z
    results, spec_path = make_build(tmp_path)
    _, pdf = render_report(make_spec(), spec_path, results, tmp_path)
    info = pdf_info(pdf)
    assert info["CreationDate"].startswith("2019-03-07T23:06:40") and info["ModDate"] == info["CreationDate"]


def test_no_pdf_writes_only_html(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    html, pdf = render_report(make_spec(), spec_path, results, tmp_path, pdf=False)
    assert pdf is None and html.is_file() and not (tmp_path / "report.pdf").exists()


def test_rerender_replaces_in_place_without_leftovers(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    (tmp_path / "report.html").write_text("stale")
    html, _ = render_report(make_spec(), spec_path, results, tmp_path, pdf=False)
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "metrics.json", "report.html"]

"""Escaping of spec text, the confined URL fetcher, and figure paths kept inside the build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netviz.document import ReportError, build_html, render_report
from netviz.document.pdf import ConfinedFetcher, FetchRefused
from netviz.results import Results

from . import load_raw, make_build, make_spec, pdf_text, poppler, spec_data

XSS = "<script>alert(1)</script>"


def _hostile_spec():
    data = spec_data()
    data["front"]["team"]["name"] = XSS
    data["front"]["title"] = 'Nets & "quotes" <b>bold</b>'
    data["report"] = {"code_url": "javascript:alert(1)"}
    return make_spec(data)


def test_spec_text_is_escaped_in_html(tmp_path: Path) -> None:
    raw = load_raw()
    raw["models"]["seq_mnist"]["visualization"]["figures"][0]["caption"] = "caption <img src=x onerror=alert(2)>"
    results, spec_path = make_build(tmp_path, raw)
    html = build_html(_hostile_spec(), spec_path, results, tmp_path)
    assert html.count("<script") == 1 and "alert(" not in html.split("<script>")[1]  # the explorer's alone
    assert "<b>bold" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Nets &amp; &#34;quotes&#34; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "caption &lt;img src=x onerror=alert(2)&gt;" in html
    assert 'href="javascript:' not in html and "<code>javascript:alert(1)</code>" in html


@pytest.mark.skipif(not poppler("pdftotext"), reason="poppler-utils (pdftotext) not installed")
def test_spec_text_appears_as_text_in_pdf(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    _, pdf = render_report(_hostile_spec(), spec_path, results, tmp_path)
    assert pdf is not None and XSS in pdf_text(pdf, 1, 1)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.com/x.png", "https://example.com/x.css",
                                 "ftp://example.com/x", "file://remotehost/etc/passwd"])
def test_fetcher_refuses_outside_and_network(tmp_path: Path, url: str) -> None:
    with pytest.raises(FetchRefused):
        ConfinedFetcher([tmp_path]).fetch(url)


def test_fetcher_refuses_escape_through_dotdot_and_symlink(tmp_path: Path) -> None:
    root = tmp_path / "build"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = ConfinedFetcher([root])
    for url in ((root / ".." / "secret.txt").as_uri(), (root / "link.txt").as_uri()):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)


def test_fetcher_serves_build_files_and_data_uris(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("p { color: red }")
    fetcher = ConfinedFetcher([tmp_path])
    assert fetcher.fetch((tmp_path / "a.css").as_uri()).read() == b"p { color: red }"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


OUTSIDE_REFERENCES = ['<img src="file:///etc/passwd">', '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
                      '<img srcset="data:image/png;base64,AA== 1x, /etc/passwd 2x">', '<p style="background: url(\'../x.png\')">',
                      '<style>@import "https://example.com/x.css";</style>', '<img src="../outside.png">']


@pytest.mark.parametrize("ref", OUTSIDE_REFERENCES)
@pytest.mark.parametrize("pdf", [True, False])
def test_outside_reference_fails_and_leaves_both_files(tmp_path: Path, ref: str, pdf: bool) -> None:
    """Refused in the HTML as in the PDF, before either file is touched: both files or neither."""
    results, _ = make_build(tmp_path / "build")
    (tmp_path / "outside.png").write_bytes(b"x")
    for name in ("report.html", "report.pdf"):
        (tmp_path / "build" / name).write_text(f"old {name}")
    own = tmp_path / "mine" / "partials"
    own.mkdir(parents=True)
    (own / "objective.html.j2").write_text(f"<section><p>Objective</p>{ref}</section>")
    data = spec_data()
    data["report"] = {"templates": "mine"}
    with pytest.raises(ReportError, match="refusing to fetch") as refused:
        render_report(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build", pdf=pdf)
    assert "\n" not in str(refused.value)
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["figures", "metrics.json", "report.html", "report.pdf"]
    for name in ("report.html", "report.pdf"):
        assert (tmp_path / "build" / name).read_text() == f"old {name}"


def test_html_may_use_data_uris_fragments_links_and_build_files(tmp_path: Path) -> None:
    results, _ = make_build(tmp_path / "build")
    own = tmp_path / "mine" / "partials"
    own.mkdir(parents=True)
    figure = results.models["seq_mnist"].visualization.figures[0].path
    (own / "objective.html.j2").write_text(
        f'<section><a href="https://example.com/code">code</a><a href="#model">model</a>'
        f'<img src="data:image/png;base64,AA=="><img src="{figure}"></section>')
    data = spec_data()
    data["report"] = {"templates": "mine"}
    html, pdf = render_report(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build", pdf=False)
    assert figure in html.read_text() and pdf is None


@pytest.mark.parametrize("path", ["../outside.png", "/etc/passwd", "figures/../../outside.png"])
def test_figure_paths_stay_inside_the_build(tmp_path: Path, path: str) -> None:
    build = tmp_path / "build"
    raw = load_raw()
    results, spec_path = make_build(build, raw)
    first = raw["models"]["seq_mnist"]["visualization"]["figures"][1]
    (tmp_path / "outside.png").write_bytes((build / first["path"]).read_bytes())
    first["path"] = path
    with pytest.raises(ReportError, match="outside the build folder"):
        build_html(make_spec(), spec_path, Results.model_validate(raw), build)


def test_missing_figure_is_an_error(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    figure = results.models["multihead"].visualization.figures[-2].path
    (tmp_path / figure).unlink()
    with pytest.raises(ReportError, match=re.escape(Path(figure).name)):
        render_report(make_spec(), spec_path, results, tmp_path, pdf=False)
    assert not (tmp_path / "report.html").exists()


def test_rendering_leaves_the_results_unchanged(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    before = results.model_dump(mode="json")
    build_html(make_spec(), spec_path, results, tmp_path)
    assert results.model_dump(mode="json") == before == load_raw()

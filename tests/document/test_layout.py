"""Nothing sticks out: every box of every page of the PDF stays inside the text block.

The report is laid out with WeasyPrint exactly as report.pdf is, and each page's box
tree is checked (tests.document.layout). The default spec (the same three networks as the
quick one, trained longer: a ten-minute build) is laid out from the test fixture's metrics,
the quick spec from the suite's shared build, every other spec under specs/ (the stress
spec among them: twelve heads, 512 channels, long names) from a build of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.results import load_results
from netviz.spec.loader import load_spec
from tests.conftest import run_netviz
from tests.document.layout import (
    Overflow,
    laid_out,
    overflows,
    page_fill,
    body_pages,
    sparse_body_pages,
    stranded_captions,
)

BODY_PAGES = 16  # the most a grader is asked to read of the default spec's report (issue 20)

from . import DEFAULT_SPEC, REPO, make_build, make_spec, spec_data

SPECS = sorted((REPO / "specs").glob("*.yaml"))
FULL_DEFAULT = REPO / "specs" / "cs671-a2-task3.yaml"  # the README's `make report`


def _own_partial(tmp_path: Path, text: str) -> dict:
    own = tmp_path / "mine" / "partials"
    own.mkdir(parents=True)
    (own / "objective.html.j2").write_text(f'<section class="section major" id="objective"><h2>Objective</h2>{text}</section>')
    data = spec_data()
    data["report"] = {"templates": "mine"}
    return data


def test_default_report_stays_inside_the_text_block(tmp_path: Path) -> None:
    results, spec_path = make_build(tmp_path)
    document = laid_out(make_spec(), spec_path, results, tmp_path)
    assert len(document.pages) > 5
    assert [str(o) for o in overflows(document)] == []
    assert sparse_body_pages(document) == []  # no body page under a third full but where a major section ends
    assert stranded_captions(document) == []


def test_the_full_default_spec_stays_inside_the_text_block(tmp_path: Path) -> None:
    """Its front matter and networks, with the fixture's results of the same networks (quick training)."""
    results, _ = make_build(tmp_path)
    document = laid_out(load_spec(FULL_DEFAULT), FULL_DEFAULT, results, tmp_path)
    assert [str(o) for o in overflows(document)] == []
    assert sparse_body_pages(document) == []
    assert stranded_captions(document) == []
    assert body_pages(document) <= BODY_PAGES


def test_a_page_left_nearly_empty_is_caught(tmp_path: Path) -> None:
    """A forced break after one line leaves page 3 nearly empty in the middle of the body."""
    data = _own_partial(tmp_path, "<p>One line, then a page break.</p><div style='break-after: page'></div><p>More.</p>")
    results, _ = make_build(tmp_path / "build")
    document = laid_out(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build")
    sparse = sparse_body_pages(document)
    assert sparse and sparse[0][0] == 3 and sparse[0][1] < 0.2
    assert 0 < page_fill(document.pages[2]._page_box) < 0.2
    assert body_pages(document) == body_pages(laid_out(make_spec(), tmp_path / "spec.yaml", results,
                                                       tmp_path / "build")) + 1  # the forced break costs a page


def test_a_caption_left_at_the_foot_of_a_page_is_caught(tmp_path: Path) -> None:
    """A forced break between a caption and its table strands the caption on page 3; one kept with it is not."""
    table = "<table class='data'><tbody><tr><td>1</td></tr></tbody></table>"
    data = _own_partial(tmp_path, "<p class='tcaption'>Table 9: stranded here.</p>"
                                  f"<div style='break-before: page'>{table}</div>"
                                  f"<div class='table-wrap'><table class='data'><caption>Table 10: kept.</caption>"
                                  "<tbody><tr><td>2</td></tr></tbody></table></div>")
    results, _ = make_build(tmp_path / "build")
    assert stranded_captions(laid_out(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build")) == \
        [(3, "Table 9: stranded here.")]


def test_a_too_wide_table_is_caught(tmp_path: Path) -> None:
    """A table of unbreakable cells wider than the text block (about 166 mm of A4) fails the check."""
    cells = "".join(f"<td style='white-space: nowrap'>column_number_{i}_value</td>" for i in range(8))
    data = _own_partial(tmp_path, f"<div class='table-wrap'><table class='data wide-test'><tr>{cells}</tr></table></div>")
    results, _ = make_build(tmp_path / "build")
    found = overflows(laid_out(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build"))
    assert found and {o.edge for o in found} == {"right"} and all(o.page == 3 for o in found)
    assert any("wide-test" in o.box and o.by_px > 100 for o in found)


def test_a_figure_taller_than_the_page_is_caught(tmp_path: Path) -> None:
    data = _own_partial(tmp_path, "<div style='height: 400mm; border: 1px solid black'>tall</div>")
    results, _ = make_build(tmp_path / "build")
    found = overflows(laid_out(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build"))
    assert any(o.edge == "bottom" for o in found)


def test_long_names_and_wide_headers_break_instead(tmp_path: Path) -> None:
    """The same kind of content, breakable: headers wrap, long code spans and words break anywhere."""
    long_code = "<code>" + "models/" + "very_long_directory_name_" * 12 + "weights.keras</code>"
    headers = "".join(f"<th class='num'>Header number {i} of the table</th>" for i in range(9))
    data = _own_partial(tmp_path, f"<p>{long_code} and {'x' * 300}</p><div class='table-wrap'><table class='data'>"
                                  f"<thead><tr>{headers}</tr></thead><tbody><tr>{'<td>1.000</td>' * 9}</tr></tbody></table></div>")
    results, _ = make_build(tmp_path / "build")
    assert [str(o) for o in overflows(laid_out(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build"))] == []


def test_overflow_reads_as_one_line() -> None:
    assert str(Overflow(3, "right", 15.44, "TableBox <table class=data>", "Method")) == \
        "page 3: TableBox <table class=data> 'Method' crosses the right edge by 15.4px"


@pytest.fixture(scope="module")
def spec_builds(quick_build, tmp_path_factory: pytest.TempPathFactory):
    """A build folder per spec under specs/: the shared quick build, or one made here."""
    out, run, _ = quick_build
    assert run.returncode == 0, run.stderr[-3000:]

    def build(spec: Path) -> Path:
        if spec.name == "quick.yaml":
            return out
        folder = tmp_path_factory.mktemp(spec.stem)
        made = run_netviz("build", str(spec.relative_to(REPO)), "--out", str(folder), "--no-pdf")
        assert made.returncode == 0, made.stderr[-3000:]
        return folder

    return build


@pytest.mark.slow
@pytest.mark.parametrize("spec", [s for s in SPECS if s not in (DEFAULT_SPEC, FULL_DEFAULT)], ids=lambda s: s.name)
def test_every_spec_stays_inside_the_text_block(spec: Path, spec_builds) -> None:
    out = spec_builds(spec)
    document = laid_out(load_spec(spec), spec, load_results(out / "metrics.json", spec), out)
    assert [str(o) for o in overflows(document)] == []
    assert sparse_body_pages(document) == []


def test_the_specs_folder_has_a_stress_spec() -> None:
    """Many heads, many channels, long names: the cases that push tables and captions wide."""
    stress = load_spec(REPO / "specs" / "stress.yaml")
    model = stress.models[0]
    assert len(model.heads) >= 12
    assert max(layer.filters for layer in model.trunk if layer.type == "Conv2D") >= 512
    assert max(len(h.name) for h in model.heads) >= 40

"""Template lookup: bundled templates, a spec's own folder overriding by name, strict values."""

from __future__ import annotations

from pathlib import Path

import pytest

from netviz.document import ReportError, build_html, render_report
from netviz.document.render import bundled_templates

from . import REPO, make_build, make_spec, spec_data


def _spec_with_templates(tmp_path: Path, files: dict[str, str]):
    folder = tmp_path / "my_templates"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    data = spec_data()
    data["report"] = {"templates": "my_templates"}
    return make_spec(data), tmp_path / "spec.yaml"


def test_bundled_templates_are_the_checkout_folder() -> None:
    found = bundled_templates()
    assert found == REPO / "templates"
    for name in ("report.html.j2", "base.html.j2", "report.css", "screen.css", "print.css", "partials/macros.html.j2"):
        assert (found / name).is_file()


def test_spec_folder_overrides_a_partial_by_name(tmp_path: Path) -> None:
    results, _ = make_build(tmp_path / "build")
    spec, spec_path = _spec_with_templates(tmp_path, {"partials/objective.html.j2": (
        '{% import "partials/macros.html.j2" as m %}<section>{{ m.heading(sec.objective) }}'
        "<p class=\"mine\">Our own objective for {{ front.team.name }}.</p></section>")})
    html = build_html(spec, spec_path, results, tmp_path / "build")
    assert '<p class="mine">Our own objective for Team 5.</p>' in html
    assert "To visualize what convolutional neural networks learn" not in html.split("<main")[1]
    assert 'id="model"' in html and "3,977,930" in html  # the other partials are still the bundled ones


def test_spec_folder_overrides_the_print_stylesheet(tmp_path: Path) -> None:
    results, _ = make_build(tmp_path / "build")
    spec, spec_path = _spec_with_templates(tmp_path, {"print.css": "@page { size: A5; }"})
    html = build_html(spec, spec_path, results, tmp_path / "build")
    assert "@page { size: A5; }" in html and "size: A4" not in html


def test_missing_value_fails_the_build(tmp_path: Path) -> None:
    results, _ = make_build(tmp_path / "build")
    spec, spec_path = _spec_with_templates(tmp_path, {"partials/model.html.j2": "<p>{{ front.no_such_field }}</p>"})
    with pytest.raises(ReportError, match="no_such_field"):
        render_report(spec, spec_path, results, tmp_path / "build", pdf=False)


def test_missing_template_folder_is_an_error(tmp_path: Path) -> None:
    results, _ = make_build(tmp_path / "build")
    data = spec_data()
    data["report"] = {"templates": "nowhere"}
    with pytest.raises(ReportError, match="nowhere"):
        build_html(make_spec(data), tmp_path / "spec.yaml", results, tmp_path / "build")

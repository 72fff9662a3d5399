"""The report renders what was built, from the results alone: the spec gives only its front matter."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from netviz.cli import main
from netviz.results import FORMAT_VERSION

from . import load_raw, make_build, spec_data


def test_render_after_editing_the_spec_describes_what_was_built(tmp_path: Path, capsys) -> None:
    out = tmp_path / "build"
    results, _ = make_build(out)
    built = [m.title for m in results.methods.values() if not m.baseline]
    assert built == ["Grad-CAM", "Grad-CAM++", "Score-CAM"]
    edited = spec_data()
    edited["visualize"]["cam"]["methods"] = ["layercam", "hirescam"]  # not what the build made
    edited["models"] = edited["models"][:1]  # and two models dropped since
    spec = tmp_path / "edited.yaml"
    spec.write_text(yaml.safe_dump(edited))
    assert main(["render", str(spec), "--out", str(out), "--no-pdf", "--quiet"]) == 0
    html = (out / "report.html").read_text()
    for title in built:
        assert f"<strong>{title}</strong>" in html
    assert "Layer-CAM" not in html and "HiResCAM" not in html
    assert all(m.title in html for m in results.models.values())  # every model built, in the order built


def test_results_of_an_older_format_are_one_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "build"
    make_build(out)
    raw = load_raw() | {"format_version": 1}
    (out / "metrics.json").write_text(json.dumps(raw))
    spec = tmp_path / "quick.yaml"
    spec.write_text(yaml.safe_dump(spec_data()))
    assert main(["render", str(spec), "--out", str(out), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"format 1; this netviz reads format {FORMAT_VERSION}: run `netviz build" in err

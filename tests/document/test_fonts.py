"""The PDF's fonts come from the package: the same bytes with or without system fonts, any day."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netviz.document import render_report

from . import REPO, make_build, make_spec, poppler, run

BUNDLED = {"TeX-Gyre-Pagella", "TeX-Gyre-Pagella-Bold", "TeX-Gyre-Pagella-Italic", "TeX-Gyre-Pagella-BoldItalic",
           "TeX-Gyre-Heros", "TeX-Gyre-Heros-Bold", "TeX-Gyre-Cursor", "TeX-Gyre-Cursor-Bold"}
NO_FONTS = '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n'  # no <dir>: a machine without fonts


def embedded_fonts(pdf: Path) -> set[str]:
    """Font names pdffonts lists, without the subset tag (``ABCDEF+``)."""
    rows = run("pdffonts", str(pdf)).splitlines()[2:]
    return {row.split()[0].split("+", 1)[-1] for row in rows}


@pytest.mark.skipif(not poppler("pdffonts"), reason="poppler-utils (pdffonts) not installed")
def test_pdf_embeds_only_the_bundled_fonts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    results, spec_path = make_build(tmp_path)
    _, pdf = render_report(make_spec(), spec_path, results, tmp_path)
    fonts = embedded_fonts(pdf)
    assert {"TeX-Gyre-Pagella", "TeX-Gyre-Pagella-Bold", "TeX-Gyre-Cursor"} <= fonts
    assert not [r.message for r in caplog.records if "notdef" in r.message]  # no character the fonts lack (a box)
    assert fonts <= BUNDLED


def test_font_subsets_do_not_carry_the_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """fontTools (WeasyPrint's subsetter without HarfBuzz >= 4.1) stamps fonts with the clock unless pinned."""
    import weasyprint.pdf.fonts

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)  # take the fontTools path
    pdfs = []
    for n, now in enumerate((1.0e9, 1.7e9)):
        monkeypatch.setattr(time, "time", lambda now=now: now)
        metrics, spec_path = make_build(tmp_path / str(n))
        pdfs.append(render_report(make_spec(), spec_path, metrics, tmp_path / str(n))[1].read_bytes())
    assert pdfs[0] == pdfs[1]


def _render(spec: str, out: Path, fontconfig_file: Path | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "FONTCONFIG_FILE")}
    if fontconfig_file:
        env["FONTCONFIG_FILE"] = str(fontconfig_file)
    return subprocess.run([sys.executable, "-m", "netviz", "render", spec, "--out", str(out)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def test_quick_pdf_is_the_same_without_system_fonts(quick_build, tmp_path: Path) -> None:
    """A bare machine (fontconfig with no font folders) gets the same PDF bytes, and no crash."""
    out, build, _ = quick_build
    assert build.returncode == 0, build.stderr[-3000:]
    bare, system = tmp_path / "bare", tmp_path / "system"
    for copy in (bare, system):
        shutil.copytree(out, copy, ignore=shutil.ignore_patterns("report.*", "models"))
    (tmp_path / "fonts.conf").write_text(NO_FONTS)
    for folder, config in ((bare, tmp_path / "fonts.conf"), (system, None)):
        rendered = _render("specs/quick.yaml", folder, config)
        assert rendered.returncode == 0, rendered.stderr[-3000:]
        assert "Expect ugly output" not in rendered.stderr
    assert (bare / "report.pdf").read_bytes() == (system / "report.pdf").read_bytes()
    assert (bare / "report.pdf").read_bytes() == (out / "report.pdf").read_bytes()  # and the build's own, made earlier


def test_wheel_ships_the_fonts_and_their_licence() -> None:
    """Every file of templates/fonts matches a package-data pattern, so a wheel install has it."""
    import fnmatch

    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["netviz.templates"]
    fonts = REPO / config["package-dir"]["netviz.templates"] / "fonts"
    files = [p.relative_to(fonts.parent).as_posix() for p in fonts.iterdir()]
    assert {"fonts/GUST-FONT-LICENSE.txt", "fonts/fonts.css", "fonts/texgyrepagella-regular.otf"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)] == []

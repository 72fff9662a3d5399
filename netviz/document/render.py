"""Render the report: build results + spec -> report.html (self-contained) and report.pdf.

HTML building and PDF writing are separate steps so that ``--no-pdf`` costs only
the Jinja pass. Both files are made in memory first and only then written under
temporary names and renamed into place, so a refused resource or a crash leaves
the old report.html and report.pdf as they were: both files or neither.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from netviz.document.context import build_context
from netviz.document.errors import ReportError
from netviz.document.fmt import FILTERS
from netviz.document.urls import check_html_resources
from netviz.results import Results
from netviz.spec.schema import Spec

MAIN_TEMPLATE = "report.html.j2"


def bundled_templates() -> Path:
    """The shipped templates: package data in a wheel, else top-level ``templates/`` in a checkout."""
    package = Path(__file__).resolve().parents[1]  # the netviz package
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / MAIN_TEMPLATE).is_file():
            return candidate
    raise ReportError(f"bundled report templates not found next to {package}")


def template_dirs(spec: Spec, spec_path: Path) -> list[Path]:
    """Search path: the spec's own template folder first (overrides by name), then the bundled one."""
    dirs = [bundled_templates()]
    if spec.report.templates:
        own = (spec_path.parent / spec.report.templates).resolve()
        if not own.is_dir():
            raise ReportError(f"{spec_path}: report.templates: no such folder {own}")
        dirs.insert(0, own)
    return dirs


def environment(dirs: list[Path]) -> SandboxedEnvironment:
    """Jinja environment: autoescaped, strict about undefined names, sandboxed.

    Sandboxing costs little and means a spec's template folder can read the
    context but not reach into Python internals.
    """
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs])
    env = SandboxedEnvironment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    return env


def build_html(spec: Spec, spec_path: Path, results: Results, out_dir: Path) -> str:
    """The report as one HTML string with every figure inlined."""
    env = environment(template_dirs(spec, spec_path))
    context = build_context(spec, spec_path, results, out_dir)
    try:
        return env.get_template(MAIN_TEMPLATE).render(context)
    except jinja2.UndefinedError as err:
        raise ReportError(f"report template uses a value the build does not have: {err.message}") from None
    except jinja2.TemplateError as err:
        raise ReportError(f"report template error: {err}") from None


def write_atomic(files: dict[Path, bytes]) -> None:
    """Write each file to a temporary name beside it, then rename them all into place."""
    temporary: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporary.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
        for tmp, path in temporary:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temporary:
            Path(tmp).unlink(missing_ok=True)


def bundled_fonts() -> Path:
    """The folder of the fonts the PDF embeds (package data beside the templates)."""
    return bundled_templates() / "fonts"


def make_pdf(html: str, spec: Spec, spec_path: Path, out_dir: Path) -> bytes:
    """Typeset the HTML with the print stylesheet and the bundled fonts."""
    from netviz.document.pdf import (
        pdf_bytes,  # WeasyPrint loads in ~1 s: only when a PDF is wanted
    )

    return pdf_bytes(html, out_dir, template_dirs(spec, spec_path), bundled_fonts())


def write_pdf(html: str, spec: Spec, spec_path: Path, out_dir: Path) -> Path:
    """Typeset the HTML and write ``out_dir/report.pdf``."""
    path = out_dir / "report.pdf"
    write_atomic({path: make_pdf(html, spec, spec_path, out_dir)})
    return path


def render_report(spec: Spec, spec_path: Path, results: Results, out_dir: Path,
                  pdf: bool = True) -> tuple[Path, Path | None]:
    """Write report.html (and report.pdf unless ``pdf`` is False); return both paths.

    Nothing is written unless every file was made: the HTML's resources pass the
    same URL rule as the PDF's (data: URIs and the build's files only).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = build_html(spec, Path(spec_path), results, out_dir)
    check_html_resources(html, out_dir)
    html_path, pdf_path = out_dir / "report.html", out_dir / "report.pdf"
    files = {html_path: html.encode("utf-8")}
    if pdf:
        files[pdf_path] = make_pdf(html, spec, Path(spec_path), out_dir)
    write_atomic(files)
    return html_path, pdf_path if pdf else None

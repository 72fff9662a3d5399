"""The assignment-style report: one self-contained HTML file and a typeset PDF."""

from netviz.document.errors import ReportError
from netviz.document.render import build_html, render_report, write_pdf

__all__ = ["ReportError", "build_html", "render_report", "write_pdf"]

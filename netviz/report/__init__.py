"""The assignment-style report: one self-contained HTML file and a typeset PDF."""

from netviz.report.errors import ReportError
from netviz.report.render import build_html, render_report, write_pdf

__all__ = ["ReportError", "build_html", "render_report", "write_pdf"]

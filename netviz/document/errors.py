"""The report's own error: bad inputs to rendering, shown to the user in one line."""

from __future__ import annotations

from netviz.errors import NetvizError


class ReportError(NetvizError):
    """metrics.json, a figure or a template does not allow a report to be rendered."""

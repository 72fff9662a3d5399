"""The version netviz reports in its results and report (one place, importable by every stage)."""

__version__ = "0.1.0"

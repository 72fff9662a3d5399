"""Number formatting shared by the templates and the computed inferences.

Kept in one place so that a value reads the same in a table, a caption and an
observation sentence (``3,977,930`` everywhere, never ``3977930`` in one spot).
"""

from __future__ import annotations

from typing import Any

DASH = "\u2014"


def thousands(value: Any) -> str:
    """Integer with thousands separators, as Keras' summary prints them (3,977,930)."""
    if value is None:
        return DASH
    return f"{int(value):,}"


def num(value: Any, digits: int = 3) -> str:
    """A score with a fixed number of decimals; missing values read as an em dash."""
    if value is None:
        return DASH
    return f"{float(value):.{digits}f}"


def pct(value: Any, digits: int = 2) -> str:
    """A fraction in [0, 1] shown as a percentage (0.9787 -> 97.87%)."""
    if value is None:
        return DASH
    return f"{100 * float(value):.{digits}f}%"


def signed_points(value: Any, digits: int = 2) -> str:
    """A difference of two fractions in percentage points with an explicit sign."""
    if value is None:
        return DASH
    points = 100 * float(value)
    sign = "+" if points > 0 else ("\u2212" if points < 0 else "\u00b1")
    return f"{sign}{abs(points):.{digits}f} pp"


def seconds(value: Any) -> str:
    """Wall-clock seconds, one decimal (12.3 s)."""
    if value is None:
        return DASH
    return f"{float(value):.1f} s"


FILTERS = {
    "thousands": thousands,
    "num": num,
    "pct": pct,
    "signed_points": signed_points,
    "seconds": seconds,
}

"""The further test splits (``arrays``' ``extra_tests``): accuracy on each beside the main test split, and
what a fall in it says, in words computed from the numbers.

A network that is right on its own test split and wrong on a split where one thing was changed (a mark
moved, a watermark removed) learned that thing. Where the heatmaps also sit on what the masks mark, and
far more often than a map that knows nothing about the network, the two findings tell one story: the
network looks at the marked pixels, and leans on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.document.fmt import pct, signed_points, thousands
from netviz.results import ModelResults

FALL = 0.10  # a split's accuracy this far (10 points) or more below the test split's is a finding
LOOKS = 0.5  # a method "looks at what the masks mark" when its peak falls there this often ...
MARGIN = 0.2  # ... and this much more often than every baseline's


@dataclass(frozen=True)
class SplitAccuracy:
    """One output's accuracy on one test split; ``split`` None is the test split cut from the training data."""

    split: str | None
    output: str
    images: int
    accuracy: float
    difference: float | None  # against the main test split; None for that split itself


def split_rows(m: ModelResults) -> list[SplitAccuracy]:
    """The main test split's accuracy per output, then each further split's; empty without further splits."""
    if not m.extra_tests:
        return []
    rows = [SplitAccuracy(None, name, _images(ev.confusion), ev.accuracy, None) for name, ev in m.evaluation.items()]
    for split, outputs in m.extra_tests.items():
        for name, ev in outputs.items():
            base = m.evaluation.get(name)
            rows.append(SplitAccuracy(split, name, _images(ev.confusion), ev.accuracy,
                                      None if base is None else ev.accuracy - base.accuracy))
    return rows


def _images(confusion: list[list[int]]) -> int:
    return sum(sum(row) for row in confusion)


def falls(rows: list[SplitAccuracy]) -> list[SplitAccuracy]:
    """The further splits whose accuracy is at least FALL below the main test split's, the largest fall first."""
    found = [r for r in rows if r.difference is not None and r.difference <= -FALL]
    return sorted(found, key=lambda r: r.difference or 0.0)


def _fall_words(r: SplitAccuracy, main: float, title: str, several: bool) -> str:
    where = f" ({r.output})" if several else ""
    return (f"on the {r.split} test split ({thousands(r.images)} images) the accuracy of {title}{where} falls to"
            f" {pct(r.accuracy, 1)}, from {pct(main, 1)} on the test split cut from its own data"
            f" ({signed_points(r.difference, 1)})")


def split_notes(models: list[tuple[str, list[SplitAccuracy], str | None]]) -> list[str]:
    """Per model (title, its split rows, the mask sentence when its heatmaps sit on the masks), what its further
    test splits show: a fall named with its numbers, joined to the mask sentence when there is one."""
    notes = []
    for title, rows, looks in models:
        if not any(r.split is not None for r in rows):
            continue
        main = {r.output: r.accuracy for r in rows if r.split is None}
        fallen = falls(rows)
        if fallen:
            text = "; ".join(_fall_words(r, main[r.output], title, len(main) > 1) for r in fallen)
            if looks:
                notes.append(f"{looks}; and it leans on them: {text}. What the masks mark is what it relies on.")
            else:
                notes.append(f"{text[0].upper() + text[1:]}: it relies on something that split changes.")
            continue
        held = ", ".join(f"{r.split} {pct(r.accuracy, 1)}" for r in rows if r.split is not None)
        notes.append(f"{title} holds its accuracy on its further test splits ({held}, against"
                     f" {', '.join(pct(a, 1) for a in main.values())} on its own test split): nothing they change"
                     f" is what it relies on.")
    return notes


@dataclass(frozen=True)
class Pointing:
    """One heatmap method's pointing game on one output, against the masks."""

    label: str
    score: float
    baseline: bool


def looks_at_masks(title: str, rows: list[Pointing]) -> str | None:
    """"<title> looks at what the masks mark: ..." when a method's peak falls on the masks at least LOOKS of the
    time and MARGIN more often than every baseline's; else None."""
    methods = [r for r in rows if not r.baseline]
    bases = [r for r in rows if r.baseline]
    if not methods or not bases:
        return None
    best = max(methods, key=lambda r: r.score)
    if best.score < LOOKS or best.score < max(b.score for b in bases) + MARGIN:
        return None
    against = " and ".join(f"{pct(b.score, 1)} for the {b.label}" for b in bases)
    return (f"{title} looks at what the masks mark: the peak of its {best.label} heatmap falls on the masked pixels"
            f" in {pct(best.score, 1)} of images, against {against}")

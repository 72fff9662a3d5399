"""Confusion matrices: a shaded table for a few classes, a pixel heatmap for many.

Ten MNIST digits or a two-class sigmoid head read best as numbers; 96 LINE
classes cannot be typeset as a table, so they become a crisp one-pixel-per-cell
image plus the few numbers a reader needs (correct share, worst confusion).
"""

from __future__ import annotations

from dataclasses import dataclass

from netviz.document.embed import data_uri, encode_png

MAX_TABLE_CLASSES = 12
INK = (31, 78, 121)


@dataclass(frozen=True)
class Cell:
    value: int
    shade: float  # share of the row (true class), 0..1
    diagonal: bool
    gallery: str | None = None  # the id of the gallery of exactly these test images (off the diagonal)

    @property
    def style(self) -> str:
        """Inline background for the cell; dark cells get light text."""
        colour = "#fff" if self.shade > 0.55 else "inherit"
        return f"background-color: rgba({INK[0]}, {INK[1]}, {INK[2]}, {self.shade:.2f}); color: {colour}"


@dataclass(frozen=True)
class Confusion:
    classes: list[str]
    rows: list[list[Cell]]
    total: int
    correct: int
    worst: tuple[str, str, int] | None  # (true, predicted, count) of the largest off-diagonal cell
    image: str | None  # data URI when the matrix is too large for a table

    @property
    def as_table(self) -> bool:
        return self.image is None

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def _worst(matrix: list[list[int]], classes: list[str]) -> tuple[str, str, int] | None:
    best: tuple[str, str, int] | None = None
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if i != j and value > 0 and (best is None or value > best[2]):
                best = (classes[i], classes[j], int(value))
    return best


def _heatmap(matrix: list[list[int]]) -> str:
    """White-to-ink image, square-root scaled so that rare confusions stay visible."""
    rows = []
    for row in matrix:
        total = sum(row) or 1
        shades = [(v / total) ** 0.5 for v in row]
        rows.append([tuple(round(255 - (255 - c) * s) for c in INK) for s in shades])
    return data_uri(encode_png(rows), "image/png")


def build_confusion(matrix: list[list[int]], class_names: list[str] | None,
                    galleries: dict[tuple[str, str], str] | None = None) -> Confusion:
    """Shape a raw ``confusion`` list (rows: true class) for the templates; ``galleries`` maps (true, predicted)
    class names to the id of the gallery of those images, which the cell links to."""
    size = len(matrix)
    classes = [str(c) for c in class_names] if class_names and len(class_names) == size else [str(i) for i in range(size)]
    cells = []
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        cells.append([Cell(int(v), v / total, i == j, (galleries or {}).get((classes[i], classes[j])) if v and i != j
                           else None) for j, v in enumerate(row)])
    image = _heatmap(matrix) if size > MAX_TABLE_CLASSES else None
    return Confusion(
        classes=classes,
        rows=cells if image is None else [],
        total=int(sum(map(sum, matrix))),
        correct=int(sum(matrix[i][i] for i in range(size))),
        worst=_worst(matrix, classes),
        image=image,
    )

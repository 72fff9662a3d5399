"""``kind: csv``: a CSV file that lists image files and their labels, the form many public image sets come in.

The first row names the columns; ``image_column`` holds each image's path (relative to the
CSV's folder, or absolute) and ``label_column`` its class, any string. The class names are the
distinct labels, sorted (as numbers when every label is an integer). An optional
``split_column`` says ``train`` or ``test`` per row; without one each class is divided with
the seed, as the folder kind divides its folders. Validation reads the CSV and checks that
every listed file exists; the images are decoded (as the folder kind decodes them) when the
data loads.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from netviz.data.base import DataKind, Dataset
from netviz.data.folder import Side, decode_images
from netviz.data.split import pick_per_class, stratified_split
from netviz.errors import DataConfigError
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import SpecPath, Strict

SPLITS = ("train", "test")


class CsvData(Strict):
    kind: Literal["csv"]
    path: SpecPath  # the CSV file; its first row names the columns
    image_column: str = "image"  # image paths, relative to the CSV's folder (or absolute)
    label_column: str = "label"  # the class of each image
    image_size: tuple[Side, Side]  # [height, width] every image is resized to
    color: Literal["rgb", "grayscale"] = "rgb"
    test_fraction: float = Field(default=0.2, gt=0, lt=1)
    split_column: str | None = None  # 'train' or 'test' per row, used instead of a seeded split
    limit_per_class: int | None = Field(default=None, ge=1)


@dataclass(frozen=True)
class Table:
    """The CSV read and checked: class names and, per split ("all", or "train" and "test"), each class's files."""

    path: Path
    classes: list[str]
    files: dict[str, list[list[Path]]]


def _integer(label: str) -> bool:
    try:
        int(label)
    except ValueError:
        return False
    return True


def class_names(labels: set[str]) -> list[str]:
    """The distinct labels sorted: as numbers when every one is an integer ("2" before "10"), else as text."""
    numeric = all(map(_integer, labels))
    return sorted(labels, key=lambda label: (int(label), label) if numeric else (0, label))


def read_table(config: CsvData) -> Table:
    """Read the CSV and check it without decoding an image; every error names the file (and line) at fault."""
    path = Path(config.path).expanduser()
    if not path.is_file():
        raise DataConfigError("path", f"{path}: no such file")
    columns = {"image_column": config.image_column, "label_column": config.label_column}
    if config.split_column is not None:
        columns["split_column"] = config.split_column
    rows: list[tuple[int, dict[str, str]]] = []  # (line, {field: value})
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, skipinitialspace=True)
            header = [name.strip() for name in next(reader, [])]
            if not any(header):
                raise DataConfigError("path", f"{path}: empty; its first row must name the columns")
            for field, column in columns.items():
                if column not in header:
                    raise DataConfigError(field, f"{path}: no column {column!r} (the header has: "
                                                 f"{', '.join(repr(h) for h in header)})")
            at = {field: header.index(column) for field, column in columns.items()}
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue  # a blank line
                row = {}
                for field, index in at.items():
                    value = cells[index].strip() if index < len(cells) else ""
                    if not value:
                        raise DataConfigError(field, f"{path}:{reader.line_num}: no {columns[field]!r} value")
                    row[field] = value
                rows.append((reader.line_num, row))
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataConfigError("path", f"{path}: not a readable CSV file ({err})") from None
    classes = class_names({row["label_column"] for _, row in rows})
    if len(classes) < 2:
        found = f"only the class {classes[0]!r}" if classes else "no rows"
        raise DataConfigError("label_column", f"{path}: column {config.label_column!r} has {found}; "
                                              "at least two classes are needed")
    parts = SPLITS if config.split_column is not None else ("all",)
    files: dict[str, list[list[Path]]] = {part: [[] for _ in classes] for part in parts}
    index = {name: i for i, name in enumerate(classes)}
    for line, row in rows:
        part = row.get("split_column", "all").lower()
        if part not in files:
            raise DataConfigError("split_column", f"{path}:{line}: {config.split_column!r} is "
                                                  f"{row['split_column']!r}; expected 'train' or 'test'")
        image = path.parent / Path(row["image_column"]).expanduser()
        if not image.is_file():
            raise DataConfigError("path", f"{path}:{line}: {image}: no such file")
        files[part][index[row["label_column"]]].append(image)
    if config.split_column is not None:
        if not any(files["test"]):
            raise DataConfigError("split_column", f"{path}: no row has {config.split_column!r} 'test'")
        missing = [name for name, f in zip(classes, files["train"]) if not f]
        if missing:
            raise DataConfigError("split_column", f"{path}: class {missing[0]!r} has no 'train' row")
    return Table(path, classes, files)


def describe_csv(config: CsvData) -> DataFacts:
    """Shape from ``image_size`` and ``color``; classes from the CSV."""
    table = read_table(config)
    return DataFacts((*config.image_size, 3 if config.color == "rgb" else 1), {"class": len(table.classes)})


def _decode(paths: list[Path], config: CsvData) -> np.ndarray:
    images, failed = decode_images(paths, tuple(config.image_size), config.color)  # type: ignore[arg-type]
    if failed:
        first = min(failed)
        raise DataConfigError("path", f"{paths[first]}: not a readable image ({failed[first]})")
    return images


def load_csv(name: str, config: CsvData, seed: int) -> Dataset:
    """Decode the listed images; without ``split_column`` each class is divided with the seed."""
    table = read_table(config)
    rng = np.random.default_rng([seed, 6])
    picked = {part: pick_per_class(per_class, config.limit_per_class, rng) for part, per_class in table.files.items()}
    if "all" in picked:
        paths, y = picked["all"]
        x = _decode(paths, config)
        train, test = stratified_split(y, config.test_fraction, rng)
        (x_train, y_train), (x_test, y_test) = (x[train], y[train]), (x[test], y[test])
        pct = f"{100 * (1 - config.test_fraction):g}/{100 * config.test_fraction:g}"
        split = f"divided {pct} per class with seed {seed}"
    else:
        (x_train, y_train), (x_test, y_test) = ((_decode(p, config), y) for p, y in (picked["train"], picked["test"]))
        split = f"column {config.split_column!r} as given"
    provenance: dict[str, object] = {"source": f"CSV file {table.path}", "classes": len(table.classes),
                                     "images": len(y_train) + len(y_test),
                                     "image size": f"{config.image_size[0]}x{config.image_size[1]} {config.color}",
                                     "split": split, "limit per class": config.limit_per_class}
    return Dataset(name=name, kind="csv", x_train=x_train, labels_train={"class": y_train}, x_test=x_test,
                   labels_test={"class": y_test}, class_names={"class": list(table.classes)}, provenance=provenance)


DATA_KINDS.register(DataKind(CsvData, describe_csv, load_csv))

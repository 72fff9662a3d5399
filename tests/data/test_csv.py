"""The csv kind on tiny fixtures written here: rows, classes, sizes, colour, splits, every bad CSV, the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netviz.data import describe_dataset, load_dataset
from netviz.data.csv import CsvData
from netviz.errors import DataConfigError

RED, BLUE = (200, 0, 0), (0, 0, 100)


def write(path: Path, value: tuple[int, int, int], size: tuple[int, int] = (6, 4)) -> None:
    """A solid PNG of ``size`` (w, h) in ``value``, so every decoded pixel is known."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, value).save(path, "PNG")


def table(path: Path, rows: list[list[str]], header: str = "image,label") -> Path:
    path.write_text("\n".join([header, *(",".join(row) for row in rows)]) + "\n")
    return path


def config(path: Path, **kw) -> CsvData:
    return CsvData(kind="csv", path=str(path), image_size=kw.pop("image_size", (4, 6)), **kw)


def pets(tmp_path: Path, n: int = 5) -> list[list[str]]:
    """``n`` red cats and ``n`` blue dogs under img/, one row each (paths relative to the CSV)."""
    rows = []
    for i in range(n):
        for label, colour in (("cat", RED), ("dog", BLUE)):
            write(tmp_path / "img" / f"{label}{i}.png", colour)
            rows.append([f"img/{label}{i}.png", label])
    return rows


def fails(cfg: CsvData, field: str) -> str:
    """The one-line message of the DataConfigError that describing ``cfg`` raises, blamed on ``field``."""
    with pytest.raises(DataConfigError) as err:
        describe_dataset(cfg)
    assert err.value.field == field and "\n" not in str(err.value)
    return str(err.value)


def test_rows_give_names_labels_and_a_stratified_split(tmp_path: Path) -> None:
    rows = pets(tmp_path)
    rows[0][0] = str(tmp_path / rows[0][0])  # an absolute path is read as it is
    cfg = config(table(tmp_path / "pets.csv", rows), test_fraction=0.4)
    assert describe_dataset(cfg).input_shape == (4, 6, 3) and describe_dataset(cfg).targets == {"class": 2}
    ds = load_dataset("pets", cfg, seed=0)
    assert ds.kind == "csv" and ds.class_names == {"class": ["cat", "dog"]}
    assert ds.x_train.shape == (6, 4, 6, 3) and ds.x_test.shape == (4, 4, 6, 3) and ds.x_train.dtype == np.uint8
    assert np.bincount(ds.labels_train["class"]).tolist() == [3, 3] and np.bincount(ds.labels_test["class"]).tolist() == [2, 2]
    for x, y in ((ds.x_train, ds.labels_train["class"]), (ds.x_test, ds.labels_test["class"])):
        np.testing.assert_array_equal(x[:, 0, 0], np.where(y[:, None] == 0, RED, BLUE))
    assert ds.masks_test is None
    assert ds.provenance == {"source": f"CSV file {tmp_path / 'pets.csv'}", "classes": 2, "images": 10,
                             "image size": "4x6 rgb", "split": "divided 60/40 per class with seed 0",
                             "limit per class": None}
    again = load_dataset("pets", cfg, seed=0)
    np.testing.assert_array_equal(again.labels_test["class"], ds.labels_test["class"])


def test_split_column_is_used_as_given_grayscale_and_resized(tmp_path: Path) -> None:
    rows = [row + [part] for row, part in zip(pets(tmp_path, 3), ["train"] * 4 + [" Test", "test"])]
    cfg = config(table(tmp_path / "pets.csv", rows, header="image, label, subset"), split_column="subset",
                 image_size=(8, 5), color="grayscale")
    ds = load_dataset("pets", cfg, seed=0)
    assert ds.x_train.shape == (4, 8, 5, 1) and ds.x_test.shape == (2, 8, 5, 1)
    assert ds.labels_train["class"].tolist() == [0, 0, 1, 1] and ds.labels_test["class"].tolist() == [0, 1]
    assert ds.x_test[0].min() == ds.x_test[0].max() == round(0.299 * 200)  # Pillow's L = 299/1000 R + ...
    assert ds.provenance["split"] == "column 'subset' as given" and ds.provenance["images"] == 6


def test_limit_per_class_keeps_that_many_and_integer_labels_sort_as_numbers(tmp_path: Path) -> None:
    rows = []
    for label in ("10", "2", "1"):
        for i in range(4):
            write(tmp_path / f"{label}_{i}.png", (int(label), 0, 0))
            rows.append([f"{label}_{i}.png", label])
    ds = load_dataset("d", config(table(tmp_path / "d.csv", rows), limit_per_class=2, test_fraction=0.5), seed=1)
    assert ds.class_names == {"class": ["1", "2", "10"]}
    y = np.concatenate([ds.labels_train["class"], ds.labels_test["class"]])
    x = np.concatenate([ds.x_train, ds.x_test])
    assert np.bincount(y).tolist() == [2, 2, 2]
    np.testing.assert_array_equal(x[:, 0, 0, 0], np.array([1, 2, 10])[y])
    assert ds.provenance["limit per class"] == 2 and ds.provenance["images"] == 6


def test_every_bad_csv_is_one_line_naming_the_file_and_the_field(tmp_path: Path) -> None:
    rows = pets(tmp_path, 2)
    good = table(tmp_path / "pets.csv", rows)
    assert fails(config(tmp_path / "nowhere.csv"), "path") == f"{tmp_path / 'nowhere.csv'}: no such file"
    assert fails(config(table(tmp_path / "empty.csv", [], header="")), "path") == (
        f"{tmp_path / 'empty.csv'}: empty; its first row must name the columns")
    assert fails(config(good, label_column="species"), "label_column") == (
        f"{good}: no column 'species' (the header has: 'image', 'label')")
    assert fails(config(good, image_column="file"), "image_column") == (
        f"{good}: no column 'file' (the header has: 'image', 'label')")
    assert fails(config(good, split_column="subset"), "split_column") == (
        f"{good}: no column 'subset' (the header has: 'image', 'label')")
    cats = table(tmp_path / "cats.csv", [r for r in rows if r[1] == "cat"])
    assert fails(config(cats), "label_column") == (
        f"{cats}: column 'label' has only the class 'cat'; at least two classes are needed")
    gone = table(tmp_path / "gone.csv", rows[:2] + [["img/fox.png", "fox"], ["img/owl.png", "owl"]])
    assert fails(config(gone), "path") == f"{gone}:4: {tmp_path / 'img' / 'fox.png'}: no such file"
    blank = table(tmp_path / "blank.csv", rows[:2] + [["img/cat1.png", ""]])
    assert fails(config(blank), "label_column") == f"{blank}:4: no 'label' value"
    short = table(tmp_path / "short.csv", rows[:1] + [["img/cat1.png"]])
    assert fails(config(short), "label_column") == f"{short}:3: no 'label' value"
    split = table(tmp_path / "split.csv", [r + [p] for r, p in zip(rows, ["train", "test", "train", "val"])],
                  header="image,label,split")
    assert fails(config(split, split_column="split"), "split_column") == (
        f"{split}:5: 'split' is 'val'; expected 'train' or 'test'")
    no_test = table(tmp_path / "no_test.csv", [r + ["train"] for r in rows], header="image,label,split")
    assert fails(config(no_test, split_column="split"), "split_column") == f"{no_test}: no row has 'split' 'test'"
    no_dog = table(tmp_path / "no_dog.csv", [r + ["train" if r[1] == "cat" else "test"] for r in rows],
                   header="image,label,split")
    assert fails(config(no_dog, split_column="split"), "split_column") == f"{no_dog}: class 'dog' has no 'train' row"


def test_an_unreadable_image_is_named_when_the_data_loads(tmp_path: Path) -> None:
    rows = pets(tmp_path, 2)
    (tmp_path / "img" / "dog1.png").write_text("not an image")
    cfg = config(table(tmp_path / "pets.csv", rows))
    describe_dataset(cfg)  # validation does not decode images
    with pytest.raises(DataConfigError) as err:
        load_dataset("pets", cfg, seed=0)
    assert str(err.value).startswith(f"{tmp_path / 'img' / 'dog1.png'}: not a readable image (")
    assert err.value.field == "path" and "\n" not in str(err.value)


SPEC = """\
front:
  course: {code: C-1, name: Course}
  assignment: A1
  title: CSV data
  team: {name: T, members: [{name: N}]}
datasets:
  pets:
    kind: csv
    path: data/pets.csv
    image_size: [8, 8]
    LABEL
models:
  - name: net
    dataset: pets
    target: class
    layers:
      - {type: Conv2D, filters: 2, kernel_size: 3}
      - {type: Flatten}
      - {type: Dense, units: 2, activation: softmax}
"""


def validate(tmp_path: Path, label: str = "label_column: label") -> tuple[subprocess.CompletedProcess, Path]:
    """``python -m netviz validate`` run from another folder on a spec whose CSV path is relative to the spec."""
    folder = tmp_path / "project"
    table(folder / "data" / "pets.csv", pets(folder / "data"))
    spec = folder / "spec.yaml"
    spec.write_text(SPEC.replace("LABEL", label))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run([sys.executable, "-m", "netviz", "validate", str(spec)], cwd=elsewhere, capture_output=True,
                         text=True, timeout=300)
    return run, spec


def test_the_cli_validates_a_spec_whose_csv_sits_beside_it(tmp_path: Path) -> None:
    run, spec = validate(tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{spec}: ok (1 data sets, 1 models)"


def test_the_cli_locates_a_missing_column_at_its_spec_line(tmp_path: Path) -> None:
    run, spec = validate(tmp_path, "label_column: species")
    assert run.returncode == 2 and run.stdout == ""
    line = spec.read_text().splitlines().index("    label_column: species") + 1
    csv_path = spec.parent / "data" / "pets.csv"
    assert run.stderr.strip() == (f"netviz: error: {spec}:{line}: datasets.pets.label_column: "
                                  f"{csv_path}: no column 'species' (the header has: 'image', 'label')")

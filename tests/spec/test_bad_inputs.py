"""Bad data and bad graphs: exit status 2, one located line, the output folder untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from netviz.cli import main

SPEC = """\
front:
  course: {code: C-1, name: Course}
  assignment: A1
  title: Bad inputs
  team: {name: T, members: [{name: N}]}
datasets:
  shapes:
    kind: folder
    path: DATA_PATH
    image_size: [8, 8]
  arrays:
    kind: arrays
    path: NPZ_PATH
models:
  - name: net
    dataset: DATASET
    target: class
    layers:
      - {type: Conv2D, name: stem, filters: 2, kernel_size: 3, padding: same}
      - {type: Conv2D, name: a, filters: 2, kernel_size: 3, padding: same}
      - {type: Add, name: sum, inputs: [stem, a]}
      - {type: Flatten}
      - {type: Dense, units: 2, activation: softmax}
"""


@pytest.fixture
def data(tmp_path: Path) -> dict[str, Path]:
    """A good two-class folder and a good .npz; each case breaks one thing."""
    for cls in ("circle", "square"):
        (tmp_path / "img" / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("L", (8, 8), 40 * i).save(tmp_path / "img" / cls / f"{i}.png")
    np.savez(tmp_path / "d.npz", x=np.zeros((6, 8, 8), np.uint8), y=np.arange(6) % 2)
    return {"folder": tmp_path / "img", "npz": tmp_path / "d.npz"}


def _write(tmp_path: Path, data: dict[str, Path], dataset: str = "shapes", old: str = "", new: str = "") -> Path:
    text = SPEC.replace("DATA_PATH", str(data["folder"])).replace("NPZ_PATH", str(data["npz"]))
    text = text.replace("DATASET", dataset)
    assert old in text
    spec = tmp_path / "bad.yaml"
    spec.write_text(text.replace(old, new, 1))
    return spec


def _run(tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]) -> str:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "report.html").write_text("the previous good report")
    assert main(["build", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("netviz: error: ")
    assert [p.name for p in out.iterdir()] == ["report.html"] and (out / "report.html").read_text() == "the previous good report"
    return err.removeprefix("netviz: error: ")


def _line(spec: Path, needle: str) -> int:
    text = spec.read_text()
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("case,dataset,old,new,needle,field,message", [
    ("unknown input", "shapes", "inputs: [stem, a]", "inputs: [stm, a]", "inputs: [stm, a]",
     "models[0].layers[2].inputs[0]", "no layer named 'stm' (did you mean 'stem'?)"),
    ("cycle", "shapes", "padding: same}\n      - {type: Conv2D, name: a,", "padding: same, inputs: [a]}\n      - {type: Conv2D, name: a,",
     "{type: Conv2D, name: a,", "models[0].layers[1].inputs", "the inputs form a cycle: stem -> a -> stem"),
    ("add of mismatched shapes", "shapes", "name: a, filters: 2, kernel_size: 3, padding: same", "name: a, filters: 2, kernel_size: 3",
     "{type: Add", "models[0].layers[2]", "Add needs inputs of one shape, got (8, 8, 2) and (6, 6, 2)"),
])
def test_bad_graph(tmp_path, data, capsys, case, dataset, old, new, needle, field, message) -> None:
    spec = _write(tmp_path, data, dataset, old, new)
    assert _run(tmp_path, spec, capsys) == f"{spec}:{_line(spec, needle)}: {field}: {message}"


def test_missing_folder(tmp_path, data, capsys) -> None:
    spec = _write(tmp_path, data, "shapes", str(data["folder"]), str(tmp_path / "nowhere"))
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '    path: ' + str(tmp_path / 'nowhere'))}: "
                                            f"datasets.shapes.path: {tmp_path / 'nowhere'}: no such folder")


def test_empty_class_folder(tmp_path, data, capsys) -> None:
    (data["folder"] / "triangle").mkdir()
    spec = _write(tmp_path, data)
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '    path: ' + str(data['folder']))}: "
                                            f"datasets.shapes.path: {data['folder'] / 'triangle'}: empty class folder (no images)")


def test_unreadable_image_names_the_file(tmp_path, data, capsys) -> None:
    bad = data["folder"] / "square" / "3.png"
    bad.write_bytes(b"\x89PNG but not really")
    spec = _write(tmp_path, data)
    message = _run(tmp_path, spec, capsys)
    where = f"{spec}:{_line(spec, '    path: ' + str(data['folder']))}: datasets.shapes.path: "
    assert message.startswith(f"{where}{bad}: not a readable image (")
    assert message.endswith("remove it or set datasets.shapes.skip_unreadable: true")


def test_nan_in_the_arrays_is_located_at_the_path(tmp_path, data, capsys) -> None:
    x = np.zeros((6, 8, 8), np.float32)
    x[3, 2, 2] = np.nan  # only loading the whole array finds it, after validation
    np.savez(data["npz"], x=x, y=np.arange(6) % 2)
    spec = _write(tmp_path, data, "arrays")
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '    path: ' + str(data['npz']))}: "
                                            f"datasets.arrays.path: {data['npz']}: x: contains NaN")


def test_npz_without_y(tmp_path, data, capsys) -> None:
    np.savez(data["npz"], x=np.zeros((6, 8, 8), np.uint8), labels=np.arange(6) % 2)
    spec = _write(tmp_path, data, "arrays")
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '    path: ' + str(data['npz']))}: "
                                            f"datasets.arrays.path: {data['npz']}: y: missing (the file holds: labels, x)")


def test_labels_out_of_range(tmp_path, data, capsys) -> None:
    np.savez(data["npz"], x=np.zeros((6, 8, 8), np.uint8), y=np.arange(6) % 3, class_names=np.array(["a", "b"]))
    spec = _write(tmp_path, data, "arrays")
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '    path: ' + str(data['npz']))}: datasets.arrays.path: "
                                            f"{data['npz']}: y: labels outside 0..1 (class_names has 2 names): found 0..2")


def test_output_layer_must_fit_the_classes_the_data_has(tmp_path, data, capsys) -> None:
    (data["folder"] / "triangle").mkdir()
    Image.new("L", (8, 8)).save(data["folder"] / "triangle" / "0.png")
    spec = _write(tmp_path, data)
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '{type: Dense, units: 2')}: models[0].layers[4]: the output "
                                            "layer for 'class' (3 classes) must be a Dense with 3 units and softmax")


def test_a_declared_network_cannot_train_on_images_nobody_labelled(tmp_path, data, capsys) -> None:
    spec = _write(tmp_path, data, "photos", "  arrays:\n", f"  photos:\n    kind: images\n    path: {data['folder'] / 'circle'}\n"
                                                           "    image_size: [8, 8]\n  arrays:\n")
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, 'dataset: photos')}: models[0].dataset: data set "
                                            "'photos' has no labels to train on: only a network that already exists "
                                            "can look at it, with no train block")


def test_bad_extra_test_split_is_located_at_its_entry(tmp_path, data, capsys) -> None:
    """An extra test split of another image size: the line of its own entry, its name in the field path."""
    moved = tmp_path / "moved.npz"
    np.savez(moved, x=np.zeros((4, 9, 9), np.uint8), y=np.arange(4) % 2)
    spec = _write(tmp_path, data, "arrays", f"    path: {data['npz']}\n",
                  f"    path: {data['npz']}\n    extra_tests:\n      moved: {moved}\n")
    assert _run(tmp_path, spec, capsys) == (f"{spec}:{_line(spec, '      moved: ')}: datasets.arrays.extra_tests.moved: "
                                            f"{moved}: x: images of shape (9, 9, 1), the main file's are (8, 8, 1)")

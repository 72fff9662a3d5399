"""The example specs build offline from data a script in the repo makes: class folders with a
residual network, an .npz with masks whose heatmaps are scored, and the shortcut, a known answer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netviz.document.fmt import pct

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "specs" / "examples"


@pytest.fixture(scope="module")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example specs with data/ beside them, as make_data.py and make_models.py write it (a spec's
    paths are read from its own folder), and a working folder elsewhere: builds run from there."""
    work = tmp_path_factory.mktemp("examples")
    (work / "specs").mkdir()
    for spec in EXAMPLES.glob("*.yaml"):
        shutil.copy(spec, work / "specs" / spec.name)
    for script in ("make_data.py", "make_models.py"):
        run = subprocess.run([sys.executable, str(EXAMPLES / script), str(work / "specs" / "data")], cwd=work,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
    (work / "elsewhere").mkdir()
    return work / "elsewhere"


def _netviz(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "netviz", *args], cwd=work, capture_output=True, text=True, env=env,
                          timeout=900)


def test_example_data_is_the_same_every_run(examples_dir: Path, tmp_path: Path) -> None:
    again = subprocess.run([sys.executable, str(EXAMPLES / "make_data.py"), str(tmp_path / "data")], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    first, second = examples_dir.parent / "specs" / "data", tmp_path / "data"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*.png"))
    assert len(names) == 1200 and names == sorted(p.relative_to(second).as_posix() for p in second.rglob("*.png"))
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names[::97])
    for npz in ("shapes-masks.npz", "shortcut.npz", "shortcut-moved.npz"):
        with np.load(first / npz) as a, np.load(second / npz) as b:
            assert sorted(a.files) == sorted(b.files) and all(np.array_equal(a[k], b[k]) for k in a.files)


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_validate_and_name_the_schema(examples_dir: Path, spec: Path) -> None:
    assert spec.read_text().splitlines()[0] == "# yaml-language-server: $schema=../netviz.schema.json"
    run = _netviz(examples_dir, "validate", str(examples_dir.parent / "specs" / spec.name))
    assert run.returncode == 0, run.stderr


def _build_examples(examples_dir: Path, *names: str) -> dict[str, dict]:
    """Build each example spec as a user would (no PDF) and return its metrics.json by name."""
    results = {}
    for name in names:
        spec = examples_dir.parent / "specs" / f"{name}.yaml"
        run = _netviz(examples_dir, "build", str(spec), "--out", f"out/{name}", "--no-pdf", "--quiet")
        assert run.returncode == 0, run.stderr[-3000:]
        results[name] = json.loads((examples_dir / "out" / name / "metrics.json").read_text())
    return results


@pytest.mark.slow
def test_examples_build_end_to_end(examples_dir: Path) -> None:
    results = _build_examples(examples_dir, "shapes-residual", "shapes-masks")
    residual = results["shapes-residual"]["models"]["residual"]
    assert residual["sequential"] is False  # a graph: the report shows Keras' "Connected to" column
    rows = {row["name"]: row for row in residual["summary"]}
    assert rows["block"]["type"] == "Add" and sorted(rows["block"]["connected_to"]) == ["conv_b", "stem"]
    figures = {(f["kind"], f["layer"]) for f in residual["visualization"]["figures"]}
    assert {("filters", c) for c in ("stem", "conv_a", "conv_b", "conv_c")} <= figures
    assert ("activations", "block") in figures and ("cam", "conv_c") in figures
    assert residual["outputs"]["class"]["class_names"] == ["circle", "cross", "square", "triangle"]
    masks = results["shapes-masks"]["models"]["cnn"]
    assert masks["evaluation"]["class"]["accuracy"] > 0.9
    for method in ("gradcam", "gradcam_plus_plus"):
        scores = masks["visualization"]["explanations"][method]["class"]
        assert scores["pointing_game"] > scores["chance_pointing"] and scores["energy_in_mask"] > scores["chance_energy"]


@pytest.mark.slow
def test_existing_network_examples_build_end_to_end(examples_dir: Path) -> None:
    """The saved two-branch CNN as it is, and MobileNetV2 (random weights) on eight pictures, both offline."""
    results = _build_examples(examples_dir, "existing-file", "existing-application")
    branch = results["existing-file"]["models"]["branch"]
    assert branch["train"] is None and branch["evaluation"]["class"]["accuracy"] > 0.25  # better than chance
    figures = {(f["kind"], f["layer"]) for f in branch["visualization"]["figures"]}
    for layer in ("stem", "branch_3x3", "branch_5x5", "separable"):
        assert ("activations", layer) in figures and ("filters", layer) in figures
    mobile = results["existing-application"]["models"]["mobilenet"]
    kinds = [f["kind"] for f in mobile["visualization"]["figures"]]
    assert mobile["evaluation"] == {} and kinds.count("predictions") == 1
    assert kinds.count("activations") == 4 and kinds.count("filters") == 4


@pytest.mark.slow
def test_shortcut_example_finds_the_mark(examples_dir: Path) -> None:
    """The known answer: a CNN that could read the shape reads a faint corner mark instead. Its accuracy
    falls where the mark is moved, Grad-CAM's peak sits on the mark (its masks), far above the edge
    baseline (which finds the brighter shape) and a random map, and the report says so with these numbers."""
    results = _build_examples(examples_dir, "shortcut")["shortcut"]
    model = results["models"]["cnn"]
    test = model["evaluation"]["class"]["accuracy"]
    moved = model["extra_tests"]["moved_mark"]["class"]
    assert test >= 0.95 and moved["accuracy"] <= 0.5 and sum(map(sum, moved["confusion"])) == 240
    scores = {method: s["class"] for method, s in model["visualization"]["explanations"].items()}
    gradcam = scores["gradcam"]["pointing_game"]
    assert gradcam >= 0.8
    assert scores["edges"]["pointing_game"] <= 0.2 and scores["random"]["pointing_game"] <= 0.3
    html = (examples_dir / "out" / "shortcut" / "report.html").read_text(encoding="utf-8")
    assert "Accuracy on each test split" in html
    title = model["title"]
    assert (f"{title} looks at what the masks mark: the peak of its Grad-CAM heatmap falls on the masked pixels in"
            f" {pct(gradcam, 1)} of images, against {pct(scores['edges']['pointing_game'], 1)} for the Edge baseline"
            f" and {pct(scores['random']['pointing_game'], 1)} for the Random baseline; and it leans on them: on the"
            f" moved_mark test split (240 images) the accuracy of {title} falls to {pct(moved['accuracy'], 1)}, from"
            f" {pct(test, 1)} on the test split cut from its own data") in html

"""The example specs build offline from data a script in the repo makes: class folders with a
residual network, and an .npz with masks whose heatmaps are scored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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

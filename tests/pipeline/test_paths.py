"""Every path in a spec is read from the spec's folder, as docker-compose and MkDocs read theirs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netviz.errors import SpecError
from netviz.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
front:
  course: {code: T-1, name: paths}
  assignment: A
  task: T
  title: Paths from the spec's folder
  team: {name: t, members: [{name: Tester}]}
seed: 3
datasets:
  tiny: {kind: arrays, path: data/tiny.npz, test_fraction: 0.25}
models:
  - name: cnn
    dataset: tiny
    target: class
    layers:
      - {type: Conv2D, filters: 4, kernel_size: 3, activation: relu}
      - {type: Flatten}
      - {type: Dense, units: 2, activation: softmax}
    train: {epochs: 1, batch_size: 16, validation_split: 0.1}
visualize:
  images: 6
  filters: {steps: 4}
  cam: {methods: [gradcam], eval_images: 8}
"""


def write_project(folder: Path) -> Path:
    """A spec in ``folder/specs`` that reads ``data/tiny.npz`` beside it."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 24)
    x = (rng.random((48, 8, 8, 1)) * 80 + 150 * y[:, None, None, None]).astype(np.uint8)
    (folder / "specs" / "data").mkdir(parents=True)
    np.savez(folder / "specs" / "data" / "tiny.npz", x=x, y=y, class_names=np.array(["dark", "bright"]))
    spec = folder / "specs" / "tiny.yaml"
    spec.write_text(SPEC)
    return spec


def test_data_paths_are_read_from_the_spec_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = write_project(tmp_path)
    monkeypatch.chdir(tmp_path)  # a working folder where data/tiny.npz does not exist
    loaded = load_spec(Path("specs/tiny.yaml"))
    assert Path(loaded.datasets["tiny"].path) == (tmp_path / "specs" / "data" / "tiny.npz").resolve()
    assert load_spec(spec.resolve()).datasets["tiny"].path == loaded.datasets["tiny"].path


def test_a_path_missing_beside_the_spec_is_located_there(tmp_path: Path) -> None:
    spec = write_project(tmp_path)
    spec.write_text(SPEC.replace("data/tiny.npz", "data/other.npz"))
    with pytest.raises(SpecError) as err:
        load_spec(spec)
    assert str(err.value).startswith(f"{spec}:9: datasets.tiny.path: ")
    assert str((tmp_path / "specs" / "data" / "other.npz").resolve()) in str(err.value)


@pytest.mark.slow
def test_the_same_spec_built_from_two_working_folders_gives_the_same_results(tmp_path: Path) -> None:
    write_project(tmp_path)
    results = []
    for cwd, target in ((tmp_path, "specs/tiny.yaml"), (tmp_path / "specs" / "data", "../tiny.yaml")):
        out = tmp_path / f"out-{len(results)}"
        env = os.environ | {"PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-m", "netviz", "build", target, "--out", str(out), "--no-pdf", "-q"],
                             cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        metrics = json.loads((out / "metrics.json").read_text())
        metrics.pop("timings")
        results.append(metrics)
    assert results[0] == results[1]
    source = results[0]["datasets"]["tiny"]["provenance"]["source"]
    assert source == f"arrays {(tmp_path / 'specs' / 'data' / 'tiny.npz').resolve()}"

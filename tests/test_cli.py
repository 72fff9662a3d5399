"""The command line as a user meets it: data errors, versions, the dataset command."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from netviz.cli import main

ROOT = Path(__file__).resolve().parents[1]
QUICK = (ROOT / "specs" / "quick.yaml").read_text()


def _spec_with_mnist_path(tmp_path: Path, mnist: Path) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(QUICK.replace("    source: auto ", f"    path: {mnist}\n    source: local "))
    return spec


def _previous_report(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("previous")
    return out


@pytest.mark.parametrize("problem", ["missing folder", "corrupt file"])
def test_missing_or_corrupt_mnist_is_one_line_and_touches_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   problem: str) -> None:
    mnist = tmp_path / "mnist"
    if problem == "corrupt file":
        mnist.mkdir()
        (mnist / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x03" + b"\x00" * 10))
        (mnist / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02"))
    out = _previous_report(tmp_path)
    code = main(["build", str(_spec_with_mnist_path(tmp_path, mnist)), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and err.startswith("netviz: error: ")
    assert ("t10k-images-idx3-ubyte" in err) if problem == "corrupt file" else (str(mnist) in err)
    assert [p.name for p in out.iterdir()] == ["report.html"] and (out / "report.html").read_text() == "previous"


def test_render_without_a_build_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "specs/quick.yaml", "--out", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("no build results here; run `netviz build specs/quick.yaml` first")


def test_dataset_line_command_writes_the_arrays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "line.npz"
    assert main(["dataset", "line", "--per-class", "3", "--out", str(out), "--seed", "4"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote 288 LINE images to {out}"
    with np.load(out) as data:
        assert data["images"].shape == (288, 28, 28, 3) and data["images"].dtype == np.uint8
        assert data["labels"].shape == (288, 4) and data["masks"].dtype == bool
        np.testing.assert_array_equal(data["masks"], data["images"].any(axis=-1))


def test_dataset_line_refuses_zero_images(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["dataset", "line", "--per-class", "0", "--out", str(tmp_path / "x.npz")]) == 2
    assert capsys.readouterr().err.strip() == "netviz: error: --per-class must be >= 1"

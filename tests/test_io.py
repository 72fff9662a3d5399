"""Atomic writes: all or nothing, one file mode whatever wrote the bytes, no temporaries left."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from netviz import io


@pytest.fixture
def strict_umask() -> Iterator[None]:
    """A umask that would leave new files private (0600): the mode must not depend on it."""
    previous = os.umask(0o077)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_write_replaces_the_file_whole_with_the_one_mode(tmp_path: Path, strict_umask: None) -> None:
    path = tmp_path / "deep" / "metrics.json"
    io.write_json(path, {"b": 1, "a": [1.5]})
    assert path.read_text() == '{\n  "b": 1,\n  "a": [\n    1.5\n  ]\n}\n'  # insertion order kept
    assert _mode(path) == io.FILE_MODE == 0o644
    assert os.listdir(path.parent) == ["metrics.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("previous")
    with pytest.raises(KeyboardInterrupt), io.atomic_path(path) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert path.read_text() == "previous" and os.listdir(tmp_path) == ["report.html"]


def test_a_library_writing_its_own_file_by_suffix_gets_the_same_mode(tmp_path: Path, strict_umask: None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    for name in ("plot.png", "plot.svg"):
        with io.atomic_path(tmp_path / name) as tmp:
            assert tmp.suffix == Path(name).suffix  # writers pick the format by it
            fig.savefig(tmp)
        assert _mode(tmp_path / name) == 0o644
    with io.atomic_path(tmp_path / "arrays.npz") as tmp:
        np.savez_compressed(tmp, x=np.arange(3))  # numpy writes a new file at that path
    assert _mode(tmp_path / "arrays.npz") == 0o644
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG" and b"<svg" in (tmp_path / "plot.svg").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["arrays.npz", "plot.png", "plot.svg"]


def test_a_folder_appears_whole_or_not_at_all(tmp_path: Path, strict_umask: None) -> None:
    out = tmp_path / "pngs"
    with pytest.raises(RuntimeError), io.atomic_path(out, folder=True) as tmp:
        (tmp / "a.png").write_bytes(b"x")
        raise RuntimeError("disk full")
    assert os.listdir(tmp_path) == []
    with io.atomic_path(out, folder=True) as tmp:
        (tmp / "a.png").write_bytes(b"x")
    assert os.listdir(out) == ["a.png"] and _mode(out) == io.FOLDER_MODE == 0o755


def test_stale_temporaries_of_a_killed_build_are_removed(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / f"{io.TEMP_PREFIX}a.keras.x.keras").write_bytes(b"half")
    (tmp_path / f"{io.TEMP_PREFIX}pngs.x").mkdir()
    (tmp_path / f"{io.TEMP_PREFIX}pngs.x" / "a.png").write_bytes(b"x")
    (tmp_path / "report.html").write_text("kept")
    assert io.remove_stale_temporaries(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["models", "report.html"]

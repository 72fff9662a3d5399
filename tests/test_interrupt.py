"""Ctrl-C and SIGKILL mid-build never cost the previous report or the cache; the next build resumes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_MNIST, run_netviz


def _start(out: Path) -> subprocess.Popen[str]:
    env = os.environ | {"NETVIZ_MNIST_DIR": str(SHARED_MNIST), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "netviz", "build", "specs/quick.yaml", "--out", str(out), "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _wait_for(proc: subprocess.Popen[str], marker: str, limit: float = 120) -> list[str]:
    """Read the build's progress lines until one contains ``marker``."""
    seen = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        seen.append(line)
        if marker in line:
            return seen
    proc.kill()
    raise AssertionError(f"never saw {marker!r}: {seen[-5:]}")


def _snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ("report.html", "report.pdf", "metrics.json")}


def _assert_intact(out: Path, before: dict[str, bytes]) -> None:
    assert _snapshot(out) == before
    for cache in (out / "cache").glob("*.json"):
        json.loads(cache.read_text())  # every cache entry is whole
    # a killed save may leave its temporary file; never a half-written file under a real name
    assert not [p for p in out.rglob(".*") if p.is_file() and not p.name.startswith(".netviz-tmp-")]


@pytest.fixture
def previous_build(quick_build, tmp_path: Path) -> Path:
    out, run, _ = quick_build
    assert run.returncode == 0, run.stderr[-3000:]
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    return copy


def test_ctrl_c_exits_130_with_one_line_and_keeps_the_report(previous_build: Path) -> None:
    before = _snapshot(previous_build)
    proc = _start(previous_build)
    _wait_for(proc, "seq_line: training")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1].startswith("netviz: interrupted")
    assert "Traceback" not in err
    _assert_intact(previous_build, before)


def test_sigkill_anywhere_keeps_report_and_cache_and_the_next_build_resumes(previous_build: Path) -> None:
    before = _snapshot(previous_build)
    for marker in ("seq_mnist: training", "seq_line: trained", "multihead: training"):
        proc = _start(previous_build)
        _wait_for(proc, marker)
        proc.kill()
        proc.wait(timeout=60)
        _assert_intact(previous_build, before)
    resumed = run_netviz("build", "specs/quick.yaml", "--out", str(previous_build), "--no-pdf")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert not [p for p in previous_build.rglob(".*") if p.is_file()], "temporary files left behind"
    # the models retrained before the last kill come from the cache
    assert resumed.stdout.count("training cached") >= 2
    metrics = json.loads((previous_build / "metrics.json").read_text())
    assert metrics["models"]["multihead"]["params"]["total"] == 10_259_255

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

from netviz import interrupt
from tests.conftest import ROOT, mnist_folder, run_netviz


def _start(out: Path) -> subprocess.Popen[str]:
    env = os.environ | {"NETVIZ_MNIST_DIR": str(mnist_folder()), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "netviz", "build", "specs/quick.yaml", "--out", str(out), "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _wait_for(proc: subprocess.Popen[str], marker: str, limit: float = 600) -> list[str]:
    """Read the build's progress lines until one contains ``marker`` (a loaded 2-core machine
    took over 120 s to reach the third model's training)."""
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


@pytest.mark.parametrize("marker", ["seq_line: training", "multihead: training"])
def test_ctrl_c_exits_130_with_one_line_and_keeps_the_report(previous_build: Path, marker: str) -> None:
    before = _snapshot(previous_build)
    proc = _start(previous_build)
    _wait_for(proc, marker)  # Keras now traces the training step, inside bare excepts
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=120)
    waited = time.monotonic() - sent
    assert proc.returncode == 130, err[-2000:]
    assert err.strip().splitlines()[-1] == interrupt.MESSAGE
    assert err.count(interrupt.MESSAGE) == 1 and "Traceback" not in err
    assert waited < interrupt.GRACE_S + 6, f"{waited:.1f}s from Ctrl-C to exit"  # margin: a loaded machine
    _assert_intact(previous_build, before)


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)


SWALLOWED = """
import sys, time
from netviz import interrupt
with interrupt.ctrl_c_stops_within(grace=float(sys.argv[1])):
    ready = False
    while True:
        try:
            if not ready:
                ready = print("ready", flush=True) or True
            time.sleep(0.01)
        except BaseException:  # a library's bare except, which swallows KeyboardInterrupt
            pass
"""


def test_a_swallowed_ctrl_c_still_exits_130_at_the_deadline() -> None:
    proc = _python(SWALLOWED, "2.0")
    _wait_for(proc, "ready")
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=60)
    waited = time.monotonic() - sent
    assert proc.returncode == 130
    assert err.strip() == interrupt.MESSAGE
    assert 2.0 <= waited < 2.0 + 5, waited


def test_a_second_ctrl_c_exits_at_once() -> None:
    proc = _python(SWALLOWED, "60")
    _wait_for(proc, "ready")
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip() == interrupt.MESSAGE
    assert time.monotonic() - sent < 5


BLOCKED = """
import sys
import numpy as np
import tensorflow as tf
from netviz import interrupt
x = tf.constant(np.ones((2500, 2500), np.float32))
step = tf.function(lambda x: tf.while_loop(lambda i, y: i < 100000, lambda i, y: (i + 1, tf.tanh(y @ x / 2500)), (0, x))[1])
with interrupt.ctrl_c_stops_within(grace=1.0):
    print("ready", flush=True)
    step(x)  # one call into TensorFlow's runtime that runs for minutes, holding the main thread
print("the op ended", flush=True)
"""


def test_ctrl_c_during_one_long_tensorflow_op_exits_at_the_deadline() -> None:
    proc = _python(BLOCKED)
    _wait_for(proc, "ready")
    time.sleep(1.0)  # well inside the op
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=120)
    waited = time.monotonic() - sent
    assert proc.returncode == 130 and "the op ended" not in out
    assert err.strip().splitlines()[-1] == interrupt.MESSAGE
    assert waited < 1.0 + 5, waited


TRAINING = """
import os, signal, sys
import numpy as np
import keras
from netviz import interrupt
from netviz.models.outputs import OutputInfo
from netviz.spec import schema
from netviz.train.fit import fit

class CtrlCSwallowed(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            try:
                os.kill(os.getpid(), signal.SIGINT)  # the handler raises here...
            except BaseException:  # ...and this bare except swallows it, as Keras' tracing code can
                pass

model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
x = np.random.default_rng(0).integers(0, 255, (40, 4, 4, 1)).astype(np.uint8)
with interrupt.ctrl_c_stops_within(grace=60.0):  # the deadline cannot be what stops it
    try:
        fit(model, [OutputInfo("c", "c", "softmax", ("a", "b"))], x, {"c": np.arange(40) % 2},
            schema.Train(epochs=50, batch_size=10, validation_split=0), seed=0, verbose=0, callbacks=[CtrlCSwallowed()])
    except KeyboardInterrupt:
        print("stopped after", int(model.optimizer.iterations.numpy()), "steps", flush=True)
        os._exit(130)
print("trained to the end", flush=True)
"""


def test_training_stops_at_the_next_step_when_ctrl_c_was_swallowed() -> None:
    proc = _python(TRAINING)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 130, err[-2000:]
    assert out.strip() == "stopped after 8 steps"  # two epochs of 40 / 10 images, the third never began


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

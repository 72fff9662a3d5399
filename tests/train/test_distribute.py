"""Scale-out for real: mirrored training on two logical CPUs and two multi-worker processes.

A CPU split into logical devices, and the collective ops of a multi-worker strategy, must
be configured before TensorFlow's first op; the test suite shares one process, so each
run is a subprocess (``_WORKER`` below) that prints one JSON line. Children are killed
on any failure or timeout.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netviz.models.build import build_model, model_outputs
from netviz.spec import schema

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600  # seconds per child: one took 123 s on a shared 2-core machine at load average 28

# A two-head network (softmax + sigmoid, batch norm, dropout) on 8x8 images with one bright
# 3x3 square: head "quadrant" names its quadrant (chance 0.25), head "top" its half (chance 0.5).
MODEL = {
    "name": "tiny", "dataset": "squares",
    "trunk": [{"type": "Conv2D", "filters": 8, "kernel_size": 3, "activation": "relu"},
              {"type": "BatchNormalization", "momentum": 0.9},
              {"type": "Flatten"}],
    "heads": [{"name": "quadrant", "target": "quadrant",
               "layers": [{"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dropout", "rate": 0.1},
                          {"type": "Dense", "units": 4, "activation": "softmax"}]},
              {"name": "top", "target": "top", "layers": [{"type": "Dense", "units": 1, "activation": "sigmoid"}]}],
    "train": {"epochs": 8, "batch_size": 32, "learning_rate": 0.01, "validation_split": 0.2, "restore_best": True},
}
CLASSES = {"quadrant": ["top left", "top right", "bottom left", "bottom right"], "top": ["bottom", "top"]}

_WORKER = r"""
import hashlib, json, os, sys
import numpy as np
from netviz.models.runtime import start_tensorflow

start_tensorflow()  # NETVIZ_CPU_DEVICES splits the CPU before TensorFlow's first op
from netviz.train import distribute, fit as train
from netviz.models.build import build_model, model_outputs
from netviz.spec import schema
from tests.train.test_distribute import CLASSES, MODEL, squares

runtime = schema.Runtime(strategy=sys.argv[1])
strategy = distribute.strategy(runtime.strategy)  # first: multi_worker must precede any op
spec = schema.Model.model_validate(MODEL)
outputs = model_outputs(spec, CLASSES)
model = distribute.build(spec, (8, 8, 1), 0, runtime)
same_initial = all(np.array_equal(a, b) for a, b in
                   zip(model.get_weights(), build_model(spec, (8, 8, 1), 0).get_weights()))
x, labels = squares(1500, seed=1)
x_test, labels_test = squares(500, seed=2)
settings = spec.train.model_copy(update={"restore_best": os.environ.get("RESTORE_BEST", "1") == "1"})
result = train.fit(model, outputs, x, labels, settings, seed=0, verbose=0)
scores = train.evaluate(model, outputs, x_test, labels_test)
copies = [[np.asarray(c) for c in getattr(w.value, "values", [w.value])] for w in model.weights]
digest = hashlib.sha256(b"".join(np.ascontiguousarray(w).tobytes() for w in model.get_weights())).hexdigest()
print(json.dumps({
    "replicas": distribute.replicas(strategy),
    "steps": int(model.optimizer.iterations.numpy()),
    "devices": [] if runtime.strategy == "default" else list(strategy.extended.worker_devices),
    "same_initial": same_initial,
    "replicas_agree": all(np.array_equal(c[0], other) for c in copies for other in c[1:]),
    "weights": digest,
    "history": result.history,
    "train_size": result.train_size, "validation_size": result.validation_size,
    "accuracy": {name: s.accuracy for name, s in scores.items()},
}))
"""


def squares(n: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Noisy 8x8 uint8 images, each with one faint 2x2 square somewhere in a random quadrant."""
    rng = np.random.default_rng(seed)
    quadrant = rng.integers(0, 4, n)
    images = rng.integers(0, 160, (n, 8, 8, 1)).astype(np.uint8)
    for i, q in enumerate(quadrant):
        r, c = 4 * (q // 2) + rng.integers(0, 3), 4 * (q % 2) + rng.integers(0, 3)
        images[i, r:r + 2, c:c + 2] += 100
    return images, {"quadrant": quadrant, "top": (quadrant < 2).astype(np.int64)}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "NETVIZ_CPU_DEVICES")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env | {"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""} | extra


def _start(strategy: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _WORKER, strategy], cwd=ROOT, env=_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _results(procs: list[subprocess.Popen[str]]) -> list[dict]:
    """Each child's JSON line; every child is killed if one fails or time runs out."""
    try:
        outs = [proc.communicate(timeout=TIMEOUT) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for proc, (out, err) in zip(procs, outs):
        assert proc.returncode == 0, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _learned(result: dict, global_batch: int) -> None:
    """Well above chance on held-out images, validated every epoch, one step per global batch."""
    assert result["accuracy"]["quadrant"] > 0.8, result  # chance: 0.25
    assert result["accuracy"]["top"] > 0.85, result  # chance: 0.5
    assert result["train_size"] == 1200 and result["validation_size"] == 300
    assert len(result["history"]["val_loss"]) == 8
    assert max(result["history"]["val_quadrant_accuracy"]) > 0.8
    # each replica takes its slice of every global batch: 8 epochs x ceil(1200 / global batch)
    assert result["steps"] == 8 * -(-1200 // global_batch)


def test_mirrored_two_logical_cpus() -> None:
    # restore_best off: it would copy one replica's weights to all and hide drift
    (result,) = _results([_start("mirrored", NETVIZ_CPU_DEVICES="2", RESTORE_BEST="0")])
    assert result["replicas"] == 2
    assert [d.rsplit(":", 2)[-2:] for d in result["devices"]] == [["CPU", "0"], ["CPU", "1"]]
    assert result["same_initial"], "the strategy changed the seeded initial weights"
    assert result["replicas_agree"], "the two replicas' weights (batch-norm statistics included) drifted apart"
    _learned(result, global_batch=2 * 32)


def test_multi_worker_two_processes_on_loopback() -> None:
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    workers = [_start("multi_worker", TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}))
               for i in range(2)]
    single = _start("default")
    first, second, alone = _results([*workers, single])
    assert first["replicas"] == second["replicas"] == 2 and alone["replicas"] == 1
    _learned(first, global_batch=2 * 32)
    _learned(second, global_batch=2 * 32)
    _learned(alone, global_batch=32)
    # one synchronous model: both workers hold the same weights (batch-norm statistics
    # included) and see the same reduced metrics
    assert first["weights"] == second["weights"]
    assert first["accuracy"] == second["accuracy"]
    assert first["history"]["val_loss"] == pytest.approx(second["history"]["val_loss"], rel=1e-5)
    for head in ("quadrant", "top"):
        assert abs(first["accuracy"][head] - alone["accuracy"][head]) < 0.08, (first["accuracy"], alone["accuracy"])


def test_mixed_precision_keeps_outputs_float32_and_trains() -> None:
    from netviz.train import distribute
    from netviz.train import fit as train

    spec = schema.Model.model_validate(MODEL)
    model = distribute.build(spec, (8, 8, 1), 0, schema.Runtime(mixed_precision=True), mixed=True)
    plain = build_model(spec, (8, 8, 1), 0)
    assert model.count_params() == plain.count_params()
    assert {layer.compute_dtype for layer in model.layers if layer.name.startswith("conv2d")} == {"float16"}
    assert [layer.compute_dtype for layer in distribute.output_layers(model)] == ["float32", "float32"]
    assert all(w.dtype == "float32" for w in model.weights)
    x, labels = squares(600, seed=1)
    outputs = model_outputs(spec, CLASSES)
    short = spec.train.model_copy(update={"epochs": 3})
    result = train.fit(model, outputs, x, labels, short, seed=0, verbose=0)
    assert type(model.optimizer).__name__ == "LossScaleOptimizer"
    assert all(np.isfinite(result.history["loss"]))
    predictions = model(x[:4].astype("float32") / 255.0)
    assert [p.dtype for p in predictions] == ["float32", "float32"]


@pytest.mark.parametrize("gpus, asked, used", [([], True, False), (["/device:GPU:0"], True, True),
                                               (["/device:GPU:0"], False, False), ([], False, False)])
def test_mixed_precision_is_used_only_when_asked_and_a_gpu_is_there(monkeypatch: pytest.MonkeyPatch, gpus: list[str],
                                                                     asked: bool, used: bool) -> None:
    import tensorflow as tf

    from netviz.train import distribute

    real = tf.config.list_logical_devices
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: gpus if kind == "GPU" else real(kind))
    assert distribute.use_mixed_precision(schema.Runtime(mixed_precision=asked)) is used


def test_input_pipeline_gathers_each_index_once_per_epoch_reshuffled() -> None:
    from netviz.train.fit import input_pipeline

    x = np.arange(50 * 4, dtype=np.uint8).reshape(50, 2, 2, 1)
    y = np.arange(50) * 10
    indices = np.arange(5, 45)
    ds = input_pipeline(x, [y], 16, shuffle_seed=3, indices=indices)
    epochs = [[(np.asarray(a), np.asarray(b)) for a, b in ds] for _ in range(2)]
    for batches in epochs:
        assert [len(b) for _, b in batches] == [16, 16, 8]
        seen = np.concatenate([b for _, b in batches]) // 10
        assert sorted(seen) == list(indices)
        for images, targets in batches:
            assert images.dtype == np.float32
            np.testing.assert_allclose(images, x[targets // 10] / 255.0, rtol=1e-6)
    orders = [np.concatenate([b for _, b in batches]) for batches in epochs]
    assert not np.array_equal(*orders), "the order should change between epochs"
    again = [np.asarray(b) for _, b in input_pipeline(x, [y], 16, shuffle_seed=3, indices=indices)]
    np.testing.assert_array_equal(np.concatenate(again), orders[0])

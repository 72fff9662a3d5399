"""TensorFlow start-up (cores, thread pools, CPU split) and the training fast paths it feeds.

Start-up settings only take before TensorFlow's first op, so the start-up test runs in
a subprocess; the fused Adam is checked against Keras' own Adam step for step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netviz.models import runtime

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, expected", [("max 100000", None), ("150000 100000", 1.5), ("200000 100000\n", 2.0),
                                            ("garbage", None)])
def test_cgroup_quota_is_read_from_cpu_max(tmp_path: Path, text: str, expected: float | None) -> None:
    path = tmp_path / "cpu.max"
    path.write_text(text)
    assert runtime.cgroup_cpu_quota(path) == expected
    assert runtime.cgroup_cpu_quota(tmp_path / "absent") is None


def test_available_cores_is_the_affinity_capped_by_the_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    affinity = len(os.sched_getaffinity(0))
    monkeypatch.setattr(runtime, "cgroup_cpu_quota", lambda: None)
    assert runtime.available_cores() == affinity
    monkeypatch.setattr(runtime, "cgroup_cpu_quota", lambda: 0.5)
    assert runtime.available_cores() == 1  # half a core still runs one thread
    monkeypatch.setattr(runtime, "cgroup_cpu_quota", lambda: affinity + 8.0)
    assert runtime.available_cores() == affinity


_STARTUP = r"""
import json
from netviz.models.runtime import available_cores, start_tensorflow
tf = start_tensorflow()
try:
    tf.random.normal((1,))  # unseeded: refused when op determinism is on
    deterministic = False
except RuntimeError:
    deterministic = True
print(json.dumps({
    "cores": available_cores(),
    "intra": tf.config.threading.get_intra_op_parallelism_threads(),
    "inter": tf.config.threading.get_inter_op_parallelism_threads(),
    "cpus": len(tf.config.list_logical_devices("CPU")),
    "deterministic": deterministic,
}))
"""


def test_start_tensorflow_sizes_pools_to_the_cores_and_splits_the_cpu() -> None:
    env = os.environ | {"NETVIZ_CPU_DEVICES": "3", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    run = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    info = json.loads(run.stdout.strip().splitlines()[-1])
    assert info["intra"] == info["cores"] >= 1
    assert info["inter"] == max(2, info["cores"])
    assert info["cpus"] == 3
    assert info["deterministic"] is True


def _train_steps(name: str, fused: bool, steps: int = 12, **kwargs: object) -> list[np.ndarray]:
    """Weights after ``steps`` updates of a two-layer model on fixed random gradients."""
    import keras
    import tensorflow as tf

    from netviz.train.fused_ops import fuse_adam

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3)])
    rate = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=steps)
    optimizer = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW}[name](rate, **kwargs)
    if fused:
        fuse_adam(optimizer)
    rng = np.random.default_rng(1)
    grads = [[rng.normal(size=w.shape).astype("float32") for w in model.trainable_weights] for _ in range(steps)]
    step = tf.function(lambda g: optimizer.apply_gradients(zip(g, model.trainable_weights)))
    for g in grads:
        step([tf.constant(x) for x in g])
    return [np.asarray(w) for w in model.trainable_weights]


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_fused_adam_matches_keras_adam(name: str) -> None:
    plain, fused = _train_steps(name, fused=False), _train_steps(name, fused=True)
    moved = _train_steps(name, fused=True, steps=1)
    assert not np.allclose(moved[0], fused[0])  # the updates did something
    for a, b in zip(plain, fused):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_fused_adam_runs_one_kernel_and_amsgrad_keeps_keras_update() -> None:
    import keras
    import tensorflow as tf

    from netviz.train.fused_ops import fuse_adam

    def op_types(amsgrad: bool) -> set[str]:
        optimizer = keras.optimizers.Adam(0.01, amsgrad=amsgrad)
        fuse_adam(optimizer)
        variable = keras.Variable(np.ones(5, "float32"))
        step = tf.function(lambda g: optimizer.apply_gradients([(g, variable)]))
        graph = step.get_concrete_function(tf.TensorSpec((5,), tf.float32)).graph.as_graph_def()
        return {n.op for n in graph.node} | {n.op for f in graph.library.function for n in f.node_def}

    assert "ResourceApplyAdam" in op_types(amsgrad=False)
    assert "ResourceApplyAdam" not in op_types(amsgrad=True)


def test_fit_runs_several_steps_per_call_without_a_strategy() -> None:
    import keras

    from netviz.models.outputs import OutputInfo
    from netviz.spec import schema
    from netviz.train import fit as train

    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
    outputs = [OutputInfo("class", "class", "softmax", ("a", "b"))]
    x = np.random.default_rng(0).integers(0, 255, (300, 4, 4, 1)).astype(np.uint8)
    result = train.fit(model, outputs, x, {"class": (x.mean(axis=(1, 2, 3)) > 127).astype(int)},
                       schema.Train(epochs=2, batch_size=10, validation_split=0.1), seed=0, verbose=0)
    assert model.steps_per_execution == train.STEPS_PER_EXECUTION
    assert int(model.optimizer.iterations.numpy()) == 2 * 27  # 270 training images / 10: every step ran
    assert len(result.history["val_loss"]) == 2

"""Scale-out on TensorFlow's own engine: the tf.distribute strategy a spec's ``runtime`` names.

``default`` trains on this process's devices as plain Keras does; ``mirrored`` keeps a
replica on every local GPU (or on every logical CPU device when there is no GPU, see
``NETVIZ_CPU_DEVICES``); ``multi_worker`` mirrors over the hosts that the ``TF_CONFIG``
environment variable names, every host running the same ``netviz build``.

Models are built inside the strategy's scope, so their variables are mirrored; netviz.train.fit
reads the strategy back from the model, scales the global batch by the replica count and
lets tf.data shard the input. The strategy is made once per process: TensorFlow forbids
making the multi-worker one after its first op, or twice.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from netviz.spec import schema

_STRATEGIES: dict[tuple[str, tuple[str, ...]], Any] = {}


def strategy(name: str = "default", devices: tuple[str, ...] = ()) -> Any:
    """The process's strategy for ``name`` (made on first use, then reused)."""
    key = (name, tuple(devices))
    if key not in _STRATEGIES:
        _STRATEGIES[key] = _make_strategy(name, tuple(devices))
    return _STRATEGIES[key]


def _make_strategy(name: str, devices: tuple[str, ...]) -> Any:
    from netviz.models.runtime import start_tensorflow

    tf = start_tensorflow()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(devices=list(devices or local_devices()))
    if name == "multi_worker":
        try:
            return _multi_worker_strategy(tf)
        except RuntimeError as error:
            raise RuntimeError("runtime.strategy multi_worker: TensorFlow ran ops before the strategy was made; "
                               "start every host on a fresh --out folder (or --force) so training comes first") from error
    raise ValueError(f"unknown runtime.strategy {name!r}")


def _multi_worker_strategy(tf: Any) -> Any:
    """MultiWorkerMirroredStrategy (cluster from TF_CONFIG) whose ``reduce`` takes what Keras 3 passes.

    Keras 3's ``fit`` reduces a whole (images, labels) batch to learn its shapes, and
    reduces each step's scalar metrics along ``axis=0``; the mirrored strategy copes
    with both, the multi-worker one fails on both (tensorflow/tensorflow#72388). This
    reduces element by element and reads ``axis`` as "across replicas" for scalars,
    which is what the mirrored strategy computes.
    """

    class MultiWorker(tf.distribute.MultiWorkerMirroredStrategy):
        def reduce(self, reduce_op: Any, value: Any, axis: Any) -> Any:
            parent = super()

            def one(v: Any) -> Any:
                scalar = self.experimental_local_results(v)[0].shape.rank == 0
                return parent.reduce(reduce_op, v, None if scalar else axis)

            return tf.nest.map_structure(one, value)

    return MultiWorker()


def local_devices() -> list[str]:
    """Every local GPU; on a machine without one, every logical CPU device."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return [d.name for d in gpus or tf.config.list_logical_devices("CPU")]


def replicas(strategy: Any) -> int:
    """How many replicas train in step (all devices of all workers)."""
    return int(strategy.num_replicas_in_sync)


def use_mixed_precision(runtime: schema.Runtime) -> bool:
    """mixed_float16 only pays on GPUs (tensor cores); on a CPU it is slower, so it is skipped."""
    import tensorflow as tf

    return runtime.mixed_precision and bool(tf.config.list_logical_devices("GPU"))


def build(model: schema.Model, input_shape: tuple[int, ...], seed: int, runtime: schema.Runtime,
          mixed: bool | None = None) -> Any:
    """The spec's Keras model made inside the runtime's strategy scope, in mixed precision if asked.

    ``mixed`` defaults to ``use_mixed_precision(runtime)``. The weights are those of
    ``build_model`` with the same seed: the strategy only decides where they live.
    """
    from netviz.models.build import build_model

    chosen = strategy(runtime.strategy)  # before anything that starts TensorFlow's runtime
    mixed = use_mixed_precision(runtime) if mixed is None else mixed
    with chosen.scope(), dtype_policy("mixed_float16" if mixed else None):
        keras_model = build_model(model, input_shape, seed)
    if mixed:
        keep_outputs_float32(keras_model)
    return keras_model


@contextlib.contextmanager
def dtype_policy(name: str | None) -> Iterator[None]:
    """Keras' global dtype policy set to ``name`` while the block runs (None: unchanged)."""
    import keras

    if name is None:
        yield
        return
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def keep_outputs_float32(model: Any) -> None:
    """Output layers compute in float32: softmax and sigmoid in float16 lose the small
    probabilities the loss needs (the standard mixed-precision recipe)."""
    for layer in output_layers(model):
        layer.dtype_policy = "float32"


def output_layers(model: Any) -> list[Any]:
    """The layers whose outputs are the model's outputs, in output order."""
    return [tensor._keras_history.operation for tensor in model.outputs]

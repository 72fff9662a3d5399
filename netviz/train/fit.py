"""Compile, fit and evaluate one model; results come back as plain Python values.

Images stay uint8 in memory and are scaled to [0, 1] per batch inside the input
pipeline, so a 96,000-image data set costs 75 MB, not 300 MB. The pipeline shuffles
indices and gathers whole batches, so no per-sample work runs, in Python or in tf.data.

Under a tf.distribute strategy (the model was built in its scope, see netviz.train.distribute)
``batch_size`` is per replica: the global batch is ``batch_size`` x replicas, and tf.data
shards every global batch across the replicas and workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from netviz.data.base import ExtraTest
from netviz.interrupt import stop_training
from netviz.models.outputs import OutputInfo
from netviz.results import Evaluation
from netviz.spec import schema
from netviz.train.fused_ops import fast_kernels_available, fuse_adam, training_kernels


@dataclass(frozen=True)
class TrainResult:
    history: dict[str, list[float]]
    seconds: float
    train_size: int
    validation_size: int


def output_labels(outputs: list[OutputInfo], labels: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Targets in the form each output's loss expects (float column for sigmoid, int for softmax)."""
    result = []
    for out in outputs:
        y = labels[out.target]
        result.append(y.astype("float32").reshape(-1, 1) if out.activation == "sigmoid" else y.astype("int32"))
    return result


def split_validation(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and validation indices; the same for the same seed."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def input_pipeline(x: Any, ys: list[Any], batch_size: int, shuffle_seed: int | None,
                   indices: np.ndarray | None = None, shift: int = 0) -> Any:
    """A tf.data pipeline over ``x[indices]``: batches of shuffled indices, each gathered
    from the uint8 images and scaled to float32 in one vectorized map, prefetched.

    Shuffling indices instead of images keeps no shuffle buffer of images and leaves
    no per-element op in the pipeline. The order is a function of the seed only, so
    tf.data's DATA auto-sharding hands every worker its own slice of each global batch.
    ``shift`` > 0 moves every image by a random whole number of pixels, up to ``shift``
    each way (see ``random_shift``), drawn from the seed and the batch's position.
    """
    import tensorflow as tf

    order = np.arange(len(x)) if indices is None else np.asarray(indices)
    images = tf.convert_to_tensor(x)
    targets = tuple(tf.convert_to_tensor(y) for y in ys)
    ds = tf.data.Dataset.from_tensor_slices(order.astype(np.int64))
    if shuffle_seed is not None:
        ds = ds.shuffle(len(order), seed=shuffle_seed, reshuffle_each_iteration=True)

    def load(step: Any, batch: Any) -> tuple[Any, Any]:
        picked = tuple(tf.gather(t, batch) for t in targets)
        pixels = tf.gather(images, batch)
        if shift:  # on the uint8 pixels: a quarter of the memory traffic
            pixels = random_shift(pixels, shift, tf.stack([tf.cast(shuffle_seed or 0, tf.int64), step]))
        return tf.cast(pixels, tf.float32) / 255.0, picked[0] if len(picked) == 1 else picked

    ds = ds.batch(batch_size).enumerate().map(load, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE).with_options(pipeline_options())


def random_shift(images: Any, shift: int, seed: Any) -> Any:
    """Each image of the batch moved by its own random (dx, dy) in [-shift, shift], the
    uncovered border filled with black: one projective-transform op for the whole batch
    (nearest neighbour at whole-pixel offsets, so pixels are moved, never blended).

    A digit or a line a few pixels off centre is the same class; with the 7,200 MNIST
    training digits of the offline split this is what keeps a large batch from memorising them.
    """
    import tensorflow as tf

    n = tf.shape(images)[0]
    offsets = tf.cast(tf.random.stateless_uniform((n, 2), seed, -shift, shift + 1, dtype=tf.int32), tf.float32)
    ones, zeros = tf.ones((n, 1)), tf.zeros((n, 1))
    transforms = tf.concat([ones, zeros, offsets[:, :1], zeros, ones, offsets[:, 1:], zeros, zeros], axis=1)
    moved = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3], fill_value=tf.zeros((), tf.float32),
        interpolation="NEAREST", fill_mode="CONSTANT")
    return tf.ensure_shape(moved, images.shape)  # the op forgets the image size; layers that need it get it back


def pipeline_options() -> Any:
    """Deterministic order, sharded by data (each worker keeps its part of every batch)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.deterministic = True
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options


STEPS_PER_EXECUTION = 16  # training steps per tf.function call without a strategy: Keras' per-step work once per 16


def compile_model(model: Any, outputs: list[OutputInfo], train: schema.Train, steps_per_epoch: int = 1,
                  steps_per_execution: int = 1, fast_kernels: bool = True) -> None:
    """Per-output losses: binary cross-entropy for sigmoid heads, categorical for softmax ones,
    summed with each head's ``loss_weight``.

    ``steps_per_execution`` > 1 runs that many steps per tf.function call (capped at an
    epoch), which saves Keras' per-step Python work; Keras 3 cannot do it under a
    multi-replica strategy (keras-team/keras#19246), so fit passes 1 there.
    ``fast_kernels`` runs Adam's update as one fused kernel (see netviz.train.fused_ops).
    """
    import keras

    optimizers = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adamw": keras.optimizers.AdamW,
    }
    optimizer = optimizers[train.optimizer](learning_rate_schedule(train, steps_per_epoch))
    if fast_kernels and train.optimizer in ("adam", "adamw"):
        fuse_adam(optimizer)
    losses = ["binary_crossentropy" if o.activation == "sigmoid" else "sparse_categorical_crossentropy" for o in outputs]
    steps = max(1, min(steps_per_execution, steps_per_epoch))
    if len(outputs) == 1:
        model.compile(optimizer=optimizer, loss=losses[0], metrics=["accuracy"], steps_per_execution=steps)
        return
    model.compile(
        optimizer=optimizer,
        loss={o.name: loss for o, loss in zip(outputs, losses)},
        loss_weights={o.name: o.loss_weight for o in outputs},
        metrics={o.name: ["accuracy"] for o in outputs},
        steps_per_execution=steps,
    )


def learning_rate_schedule(train: schema.Train, steps_per_epoch: int) -> Any:
    """The learning rate per step: ``warmup_epochs`` of linear rise from 0, then constant or
    cosine decay to 0 over the remaining steps (Keras' CosineDecay; alpha=1 keeps it constant)."""
    import keras

    total = max(1, steps_per_epoch * train.epochs)
    warmup = min(total - 1, round(train.warmup_epochs * steps_per_epoch))
    if warmup <= 0:
        if train.lr_schedule == "cosine":
            return keras.optimizers.schedules.CosineDecay(train.learning_rate, decay_steps=total)
        return train.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=total - warmup, alpha=0.0 if train.lr_schedule == "cosine" else 1.0,
        warmup_target=train.learning_rate, warmup_steps=warmup)


def model_strategy(model: Any) -> Any:
    """The tf.distribute strategy the model was built under (the default one if none)."""
    import tensorflow as tf

    return getattr(model, "distribute_strategy", None) or tf.distribute.get_strategy()


def fit(model: Any, outputs: list[OutputInfo], x: np.ndarray, labels: dict[str, np.ndarray],
        train: schema.Train, seed: int, verbose: int = 2, callbacks: list[Callable] | None = None,
        fast_kernels: bool = True) -> TrainResult:
    """Train ``model`` (already built) on uint8 images ``x``; returns the per-epoch history.

    ``fast_kernels`` (the spec's ``runtime.fast_kernels``) trains through netviz.train.fused_ops'
    faster ops where this Keras allows them; false trains with stock Keras throughout.

    The global batch is ``train.batch_size`` per replica of the model's strategy; the
    validation split is held out before any sharding, so every worker validates on the
    same images and the reduced ``val_loss`` picks the same best epoch everywhere.
    """
    import keras
    import tensorflow as tf

    fast_kernels = fast_kernels and fast_kernels_available()  # before seeding: the probe draws nothing
    keras.utils.set_random_seed(seed)
    strategy = model_strategy(model)
    global_batch = train.batch_size * strategy.num_replicas_in_sync
    ys = output_labels(outputs, labels)
    train_idx, val_idx = split_validation(len(x), train.validation_split, seed)
    spe = STEPS_PER_EXECUTION if strategy.num_replicas_in_sync == 1 else 1
    with strategy.scope():
        compile_model(model, outputs, train, steps_per_epoch=-(-len(train_idx) // global_batch), steps_per_execution=spe,
                      fast_kernels=fast_kernels)
    callbacks = [*(callbacks or []), stop_training()]  # Ctrl-C stops at the next step, even if Keras swallowed it
    if strategy.num_replicas_in_sync > 1:
        callbacks.append(replica_statistics_callback(model, strategy))
    if train.restore_best and len(val_idx):
        callbacks.append(restore_best_callback())
    if train.patience and len(val_idx):
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=train.patience))
    images, targets = tf.convert_to_tensor(x), [tf.convert_to_tensor(y) for y in ys]
    train_ds = input_pipeline(images, targets, global_batch, seed, train_idx, shift=train.random_shift)
    val_ds = input_pipeline(images, targets, global_batch, None, val_idx) if len(val_idx) else None
    start = time.perf_counter()
    with training_kernels(model, fast_kernels):
        history = model.fit(train_ds, validation_data=val_ds, epochs=train.epochs, verbose=verbose,
                            callbacks=callbacks, shuffle=False)  # the pipeline shuffles, seeded
    seconds = time.perf_counter() - start
    clean = {key: [float(v) for v in values] for key, values in history.history.items()}
    return TrainResult(clean, seconds, len(train_idx), len(val_idx))


def snapshot_callback(epochs: list[int], save: Callable[[int], None]) -> Any:
    """A callback that calls ``save(epoch)`` at the end of each listed epoch (1 = the first): the weights the
    network had then, kept to show how its features and heatmaps came about. Saving is all it does during
    training; everything drawn from the snapshots is made after it."""
    import keras

    wanted = set(epochs)

    class Snapshots(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch + 1 in wanted:
                save(epoch + 1)

    return Snapshots()


def replica_statistics_callback(model: Any, strategy: Any) -> Any:
    """A callback that averages the replicas' batch-norm moving statistics before each
    validation and at the end of training.

    Keras 3 updates these non-trainable weights on every replica from that replica's
    slice of the batch and never reconciles them, so replicas (and the hosts of a
    multi-worker run) would validate and end with different models. Averaging makes
    them one model again, as with one device: one small all-reduce per epoch.
    """
    import keras
    import tensorflow as tf

    variables = [w.value for w in model.non_trainable_weights if "float" in str(w.dtype)]

    def average() -> None:
        context = tf.distribute.get_replica_context()
        for variable, mean in zip(variables, context.all_reduce("MEAN", [tf.identity(v) for v in variables])):
            variable.assign(mean)  # this replica's copy

    sync = tf.function(lambda: strategy.run(average))

    class ReplicaStatistics(keras.callbacks.Callback):
        def on_test_begin(self, logs: dict[str, float] | None = None) -> None:
            if variables:
                sync()

        on_train_end = on_test_begin

    return ReplicaStatistics()


def restore_best_callback() -> Any:
    """A callback that keeps the weights of the epoch with the lowest validation loss.

    Batch-normalized heads can swing between epochs in inference mode; this keeps the
    best epoch instead of the last. (Keras' EarlyStopping restores only when it stops early.)
    """
    import keras

    class RestoreBest(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.best = float("inf")
            self.weights: list[Any] | None = None

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            loss = (logs or {}).get("val_loss")
            if loss is not None and loss < self.best:
                self.best, self.weights = loss, self.model.get_weights()

        def on_train_end(self, logs: dict[str, float] | None = None) -> None:
            if self.weights is not None:
                self.model.set_weights(self.weights)

    return RestoreBest()


def predict_classes(model: Any, outputs: list[OutputInfo], x: np.ndarray, batch_size: int = 500) -> list[np.ndarray]:
    """Predicted class per output (argmax for softmax, p >= 0.5 for sigmoid)."""
    probs = predict(model, x, batch_size)
    return [
        (p[:, 0] >= 0.5).astype("int64") if o.activation == "sigmoid" else np.argmax(p, axis=1)
        for o, p in zip(outputs, probs)
    ]


def predict(model: Any, x: np.ndarray, batch_size: int = 500) -> list[np.ndarray]:
    """Model outputs as a list of arrays, one per output, for uint8 images."""
    import tensorflow as tf

    forward = tf.function(lambda batch: model(tf.cast(batch, tf.float32) / 255.0, training=False), reduce_retracing=True)
    chunks: list[list[np.ndarray]] = []
    for start in range(0, len(x), batch_size):
        out = forward(x[start:start + batch_size])
        out = out if isinstance(out, (list, tuple)) else [out]
        chunks.append([np.asarray(o) for o in out])
    return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]


def evaluate(model: Any, outputs: list[OutputInfo], x: np.ndarray, labels: dict[str, np.ndarray]) -> dict[str, Evaluation]:
    """Accuracy, macro F1 and confusion matrix per output on held-out data."""
    predicted = predict_classes(model, outputs, x)
    return {out.name: Evaluation(**classification_scores(labels[out.target], pred, out.num_classes),
                                 reference_accuracy=out.reference_accuracy)
            for out, pred in zip(outputs, predicted)}


def evaluate_extra(model: Any, outputs: list[OutputInfo], splits: Mapping[str, ExtraTest]) -> dict[str, dict[str, Evaluation]]:
    """Per further test split, the evaluation of every output whose target the split labels: each split
    apart, so a fall in accuracy on one (a mark moved, another camera) shows beside the main test split."""
    found = {}
    for name, split in splits.items():
        scored = [o for o in outputs if o.target in split.labels]
        if scored:
            found[name] = evaluate(model, scored, split.x, split.labels)
    return found


def classification_scores(truth: np.ndarray, predicted: np.ndarray, classes: int) -> dict[str, Any]:
    """Accuracy, macro F1 (over classes present in truth or prediction) and the confusion matrix."""
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (truth.astype(np.int64), predicted.astype(np.int64)), 1)
    tp = np.diag(confusion).astype(float)
    precision_den = confusion.sum(axis=0)
    recall_den = confusion.sum(axis=1)
    present = (precision_den + recall_den) > 0
    f1 = np.divide(2 * tp, precision_den + recall_den, out=np.zeros(classes), where=present)
    return {
        "accuracy": float(tp.sum() / max(len(truth), 1)),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "confusion": confusion.tolist(),
    }

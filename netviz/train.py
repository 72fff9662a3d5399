"""Compile, fit and evaluate one model; results come back as plain Python values.

Images stay uint8 in memory and are scaled to [0, 1] per batch inside the input
pipeline, so a 96,000-image data set costs 75 MB, not 300 MB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from netviz.models.outputs import OutputInfo
from netviz.spec import schema


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


def input_pipeline(x: np.ndarray, ys: list[np.ndarray], batch_size: int, shuffle_seed: int | None) -> Any:
    """A tf.data pipeline: uint8 batches scaled to float32 in one vectorized map, prefetched."""
    import tensorflow as tf

    targets = ys[0] if len(ys) == 1 else tuple(ys)
    ds = tf.data.Dataset.from_tensor_slices((x, targets))
    if shuffle_seed is not None:
        ds = ds.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size).map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, b), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def compile_model(model: Any, outputs: list[OutputInfo], train: schema.Train, steps_per_epoch: int = 1) -> None:
    """Per-output losses: binary cross-entropy for sigmoid heads, categorical for softmax ones."""
    import keras

    optimizers = {
        "adam": keras.optimizers.Adam,
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adamw": keras.optimizers.AdamW,
    }
    rate: Any = train.learning_rate
    if train.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(train.learning_rate, decay_steps=steps_per_epoch * train.epochs)
    optimizer = optimizers[train.optimizer](rate)
    losses = ["binary_crossentropy" if o.activation == "sigmoid" else "sparse_categorical_crossentropy" for o in outputs]
    if len(outputs) == 1:
        model.compile(optimizer=optimizer, loss=losses[0], metrics=["accuracy"])
        return
    model.compile(
        optimizer=optimizer,
        loss={o.name: loss for o, loss in zip(outputs, losses)},
        metrics={o.name: ["accuracy"] for o in outputs},
    )


def fit(model: Any, outputs: list[OutputInfo], x: np.ndarray, labels: dict[str, np.ndarray],
        train: schema.Train, seed: int, verbose: int = 2, callbacks: list[Callable] | None = None) -> TrainResult:
    """Train ``model`` (already built) on uint8 images ``x``; returns the per-epoch history."""
    import keras

    keras.utils.set_random_seed(seed)
    ys = output_labels(outputs, labels)
    train_idx, val_idx = split_validation(len(x), train.validation_split, seed)
    compile_model(model, outputs, train, steps_per_epoch=-(-len(train_idx) // train.batch_size))
    callbacks = list(callbacks or [])
    if train.restore_best and len(val_idx):
        callbacks.append(restore_best_callback())
    train_ds = input_pipeline(x[train_idx], [y[train_idx] for y in ys], train.batch_size, seed)
    val_ds = input_pipeline(x[val_idx], [y[val_idx] for y in ys], train.batch_size, None) if len(val_idx) else None
    start = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=train.epochs, verbose=verbose, callbacks=callbacks,
                        shuffle=False)  # the pipeline shuffles, seeded
    seconds = time.perf_counter() - start
    clean = {key: [float(v) for v in values] for key, values in history.history.items()}
    return TrainResult(clean, seconds, len(train_idx), len(val_idx))


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


def evaluate(model: Any, outputs: list[OutputInfo], x: np.ndarray, labels: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Accuracy, macro F1 and confusion matrix per output on held-out data."""
    predicted = predict_classes(model, outputs, x)
    return {out.name: classification_scores(labels[out.target], pred, out.num_classes) | {"reference_accuracy": out.reference_accuracy}
            for out, pred in zip(outputs, predicted)}


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

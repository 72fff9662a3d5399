"""Training throughput of the default spec's three networks against the CPU's float32 matmul peak.

Run from the repository root:
    python bench/train.py                       # each network at its spec batch size, 5 rounds
    python bench/train.py --batch 200 --rounds 3 --models seq_mnist

Two ways to train each network are measured side by side, in the same process:
  before  plain Keras: ``model.fit`` on an element-wise tf.data pipeline (from_tensor_slices,
          shuffle, batch, cast), Keras' own Adam, one step per call (netviz before issue 5);
  after   netviz.train.fit: index-shuffled batches gathered whole (and moved, where the spec asks
          for random_shift), TensorFlow's fused Adam kernel, 16 steps per tf.function call,
          and the training kernels of netviz.train.fused_ops (fused batch normalization, patch-matrix
          convolutions).
The networks come from specs/cs671-a2-task3.yaml (netviz.models.build), trained on random
uint8 images of the LINE/MNIST shapes (speed does not depend on what the data shows).

Each round runs three 4096x4096 tf.matmul, then ``--steps`` training steps of each way,
after a warm-up that traces everything. The peak is the best of all those matmuls (what
the cores can do); samples/s is the median over the rounds (what training sustains).
Interleaving them puts the load of other processes on the machine on both alike.

Training FLOPs per sample count the matmul work actually done: for every Conv2D and Dense
layer, its forward pass and its weight gradient (2 x multiply-adds each: kernel size x output
positions), and its input gradient (the same again) except for a layer that reads the model's
input, whose input gradient nobody asks for and TensorFlow never computes. Batch norm,
pooling, activations, the loss and the optimizer are not counted. (Counting 3 x forward, as
this benchmark once did, overstated the work by 2-12 %.) Shares of peak differ between CPUs:
every share is printed beside the peak it is a share of.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from netviz.data import describe_dataset  # noqa: E402
from netviz.models.build import build_model, model_outputs  # noqa: E402
from netviz.spec import schema  # noqa: E402
from netviz.spec.facts import DataFacts  # noqa: E402
from netviz.spec.loader import load_spec  # noqa: E402

SPEC = ROOT / "specs" / "cs671-a2-task3.yaml"
PEAK_N = 4096
PEAK_REPS = 3  # matmuls per round; the peak is the best of all of them
MODES = ("before", "after")


@dataclass
class Row:
    network: str
    mode: str
    batch: int
    flops_per_sample: float
    rates: list[float] = field(default_factory=list)  # samples/s, one per round


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=None, help="batch size for both ways (default: the spec's)")
    parser.add_argument("--steps", type=int, default=48, help="timed training steps per way per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--models", default="", help="comma-separated network names (default: all)")
    return parser.parse_args()


def random_data(facts: DataFacts, n: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """uint8 images of the data set's shape and uniformly random labels."""
    x = rng.integers(0, 256, (n, *facts.input_shape), dtype=np.uint8)
    return x, {target: rng.integers(0, k, n) for target, k in facts.targets.items()}


def layer_macs(model: Any) -> dict[str, int]:
    """Multiply-adds per sample of each Conv2D, DepthwiseConv2D and Dense layer's forward pass
    (a depthwise kernel (kh, kw, in, multiplier) makes in x multiplier maps: the same product)."""
    macs = {}
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("Conv2D", "DepthwiseConv2D"):
            macs[layer.name] = int(np.prod(layer.kernel.shape)) * int(np.prod(layer.output.shape[1:3]))
        elif kind == "Dense":
            macs[layer.name] = int(np.prod(layer.kernel.shape))
    return macs


def training_flops(model: Any) -> float:
    """FLOPs per training sample: forward, weight gradient and input gradient of every Conv2D
    and Dense layer (2 x multiply-adds each), without the input gradient of a layer on the input."""
    from netviz.models.graph import Traced

    traced = Traced(model)
    return sum(2.0 * m * (2 if traced.reads_input(name) else 3) for name, m in layer_macs(model).items())


def peak_gflops(a: Any) -> float:
    """GFLOP/s of one float32 PEAK_N x PEAK_N matmul (result fetched, so the time is complete)."""
    import tensorflow as tf

    start = time.perf_counter()
    tf.matmul(a, a).numpy()
    return 2 * PEAK_N**3 / (time.perf_counter() - start) / 1e9


def before_pipeline(x: np.ndarray, ys: list[np.ndarray], batch: int, seed: int) -> Any:
    """netviz's pipeline before: per-element slices and shuffle buffer, cast per batch."""
    import tensorflow as tf

    targets = ys[0] if len(ys) == 1 else tuple(ys)
    ds = tf.data.Dataset.from_tensor_slices((x, targets)).shuffle(len(x), seed=seed)
    ds = ds.batch(batch).map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, b), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE).repeat()


def before_compile(model: Any, outputs: list, train: schema.Train, steps: int) -> None:
    """Plain Keras: Adam as Keras writes it, one step per call."""
    import keras

    rate = keras.optimizers.schedules.CosineDecay(train.learning_rate, decay_steps=steps)
    losses = ["binary_crossentropy" if o.activation == "sigmoid" else "sparse_categorical_crossentropy" for o in outputs]
    if len(outputs) == 1:
        model.compile(optimizer=keras.optimizers.Adam(rate), loss=losses[0], metrics=["accuracy"])
    else:
        model.compile(optimizer=keras.optimizers.Adam(rate), loss={o.name: l for o, l in zip(outputs, losses)},
                      metrics={o.name: ["accuracy"] for o in outputs})


def prepare(mode: str, model_spec: schema.Model, facts: DataFacts, batch: int, steps: int, seed: int,
            stack: contextlib.ExitStack) -> tuple[Any, Any]:
    """A compiled model and its endless training dataset, the ``mode`` way (``after``: with
    netviz's training kernels swapped in until ``stack`` closes, as ``train.fit`` does)."""
    from netviz.train import fit as train
    from netviz.train.fused_ops import training_kernels

    model = build_model(model_spec, facts.input_shape, seed)
    outputs = model_outputs(model_spec, {t: [str(i) for i in range(k)] for t, k in facts.targets.items()})
    x, labels = random_data(facts, batch * steps, np.random.default_rng(seed))
    ys = train.output_labels(outputs, labels)
    spec_train = model_spec.train.model_copy(update={"batch_size": batch})
    if mode == "before":
        before_compile(model, outputs, spec_train, steps * 100)
        return model, before_pipeline(x, ys, batch, seed)
    train.compile_model(model, outputs, spec_train, steps_per_epoch=steps * 100,
                        steps_per_execution=train.STEPS_PER_EXECUTION)
    stack.enter_context(training_kernels(model))
    return model, train.input_pipeline(x, ys, batch, seed, shift=spec_train.random_shift).repeat()


def timed_steps(model: Any, dataset: Any, steps: int, batch: int) -> float:
    """Samples/s over ``steps`` steady steps of ``model.fit`` (timed between batch callbacks,
    so the per-call set-up of fit and the first call's work are left out)."""
    import keras

    marks: list[tuple[int, float]] = []
    lead = 16  # steps run before the clock starts: one 16-step call for "after"

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            marks.append((batch, time.perf_counter()))

    model.fit(dataset, epochs=1, steps_per_epoch=lead + steps, verbose=0, callbacks=[Clock()])
    (first, t0), (last, t1) = next(m for m in marks if m[0] >= lead - 1), marks[-1]
    return (last - first) * batch / (t1 - t0)


def measure(args: argparse.Namespace) -> tuple[list[Row], list[float]]:
    """Interleaved rounds: peak, then each network's ``before`` and ``after`` steps."""
    import tensorflow as tf

    spec = load_spec(SPEC)
    chosen = [m for m in spec.models if not args.models or m.name in args.models.split(",")]
    tf.random.set_seed(0)
    a = tf.random.normal((PEAK_N, PEAK_N))
    peak_gflops(a)
    runs, rows = [], []
    stack = contextlib.ExitStack()
    for m in chosen:
        batch = args.batch or m.train.batch_size
        facts = describe_dataset(spec.datasets[m.dataset])
        for mode in MODES:
            model, ds = prepare(mode, m, facts, batch, args.steps, spec.seed, stack)
            timed_steps(model, ds, 16, batch)  # warm-up: traces the step and fills the pipeline
            flops = training_flops(model)
            rows.append(Row(m.name, mode, batch, flops))
            runs.append((model, ds))
    peaks = []
    with stack:
        for _ in range(args.rounds):
            peaks += [peak_gflops(a) for _ in range(PEAK_REPS)]
            for row, (model, ds) in zip(rows, runs):
                row.rates.append(timed_steps(model, ds, args.steps, row.batch))
    return rows, peaks


def report(rows: list[Row], peaks: list[float], args: argparse.Namespace) -> None:
    import tensorflow as tf

    from netviz.models.runtime import available_cores

    peak = max(peaks)
    print(f"TensorFlow {tf.__version__}, {available_cores()} cores; float32 matmul {PEAK_N}x{PEAK_N}: "
          f"peak {peak:.0f} GFLOP/s (best of {len(peaks)}; median {statistics.median(peaks):.0f})")
    print(f"\n{'network':<10} {'way':<7} {'batch':>5} {'samples/s':>10} {'MFLOP/sample':>13} {'GFLOP/s':>8} "
          f"{'speed-up':>8}  share of peak")
    base: dict[str, float] = {}
    for row in rows:
        rate = statistics.median(row.rates)
        achieved = rate * row.flops_per_sample / 1e9
        base.setdefault(row.network, rate)
        print(f"{row.network:<10} {row.mode:<7} {row.batch:>5} {rate:>10.0f} {row.flops_per_sample / 1e6:>13.1f} "
              f"{achieved:>8.1f} {rate / base[row.network]:>7.2f}x  {100 * achieved / peak:.0f}% of a {peak:.0f} GFLOP/s peak")
    print(f"\nsamples/s: median of {args.rounds} rounds of {args.steps} steps, interleaved with the peak's matmuls; "
          "training FLOPs = forward + weight gradient + input gradient (none for a layer on the input) "
          "of the Conv2D and Dense layers, 2 x multiply-adds each")


def main() -> None:
    args = parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from netviz.models.runtime import start_tensorflow

    start_tensorflow()
    rows, peaks = measure(args)
    report(rows, peaks, args)


if __name__ == "__main__":
    main()

"""What netviz.keras.ReportCallback costs training: the default MNIST network, with and without snapshots.

Run from the repository root (offline: NETVIZ_MNIST_DIR=../shared/data/mnist):
    python bench/callback.py                  # seq_mnist as the default spec trains it, snapshots at 5 epochs
    python bench/callback.py --epochs 10 --rounds 2

Each round trains the network twice from the same seed, in alternating order: once plainly, once
with the callback keeping the weights at 5 epochs spread over the run (what it does during
training; the report it writes afterwards is timed apart). The target: at most 15 % more
training time. Printed: the median of each, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netviz.data import load_dataset  # noqa: E402
from netviz.models.build import build_model, model_outputs  # noqa: E402
from netviz.spec.loader import load_spec  # noqa: E402

SPEC = ROOT / "specs" / "cs671-a2-task3.yaml"
SNAPSHOTS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run (default: the spec's)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    from netviz.models.runtime import start_tensorflow

    start_tensorflow()
    from netviz.keras import ReportCallback
    from netviz.train.fit import fit

    class SnapshotsOnly(ReportCallback):
        """The callback as it runs during training; the report it writes at the end is not training time."""

        def on_train_end(self, logs: object = None) -> None:
            pass

    spec = load_spec(SPEC)
    model_spec = next(m for m in spec.models if m.name == "seq_mnist")
    data = load_dataset("mnist", spec.datasets["mnist"], spec.seed)
    train = model_spec.train.model_copy(update={"epochs": args.epochs or model_spec.train.epochs})
    epochs = sorted({round(train.epochs * (k + 1) / SNAPSHOTS) for k in range(SNAPSHOTS)})
    outputs = model_outputs(model_spec, data.class_names)
    times: dict[str, list[float]] = {"plain": [], "callback": []}
    with tempfile.TemporaryDirectory() as out:
        for r in range(args.rounds):
            for mode in (("plain", "callback") if r % 2 == 0 else ("callback", "plain")):
                model = build_model(model_spec, data.input_shape, spec.seed)
                callbacks = [SnapshotsOnly((data.x_test, data.labels_test["class"]), Path(out), {}, name="seq_mnist",
                                           epochs=epochs)] if mode == "callback" else []
                started = time.perf_counter()
                fit(model, outputs, data.x_train, data.labels_train, train, spec.seed, verbose=0, callbacks=callbacks)
                times[mode].append(time.perf_counter() - started)
                print(f"round {r + 1}, {mode:<8}: {times[mode][-1]:6.1f} s", flush=True)
    plain, with_callback = statistics.median(times["plain"]), statistics.median(times["callback"])
    print(f"\nseq_mnist, {train.epochs} epochs, {len(data.x_train):,} training images, snapshots after epochs "
          f"{', '.join(map(str, epochs))}")
    print(f"plain fit {plain:.1f} s, with ReportCallback {with_callback:.1f} s: "
          f"{with_callback / plain:.3f}x ({100 * (with_callback / plain - 1):+.1f} %; target at most +15 %)")


if __name__ == "__main__":
    main()

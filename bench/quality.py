"""Train a spec's networks over several seeds; print test accuracy beside the original report's,
the share of dead filters per conv layer and validation accuracy per epoch, with their spread.

    python bench/quality.py [SPEC] [--seeds 1234,1,2] [--models seq_mnist,...]
                            [--set seq_mnist.train.epochs=5 ...] [--force]

A filter is dead as the report counts it (netviz.views.filters.FilterAscent ... .dead):
gradient ascent from the grey start image, with the spec's filter settings and seed,
cannot make it fire on any input in range. "Silent" is the share of a conv layer's
channels that never fire on 1,000 test images (netviz.views.activations dead_share).
Only training and these two measures run (no heatmaps, no report). Each seed is the spec
with its top-level ``seed`` replaced (data split and initial weights change with it), built
under build/quality/<spec>/seed-<n>/ with the build cache, so a second run only measures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netviz import pipeline  # noqa: E402
from netviz.errors import NetvizError  # noqa: E402

SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
if "NETVIZ_MNIST_DIR" not in os.environ and SHARED_MNIST.is_dir():
    os.environ["NETVIZ_MNIST_DIR"] = str(SHARED_MNIST)  # offline machines: the files beside the checkout

PROBE_IMAGES = 1000  # test images on which a channel must fire at least once


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("spec", nargs="?", type=Path, default=ROOT / "specs" / "cs671-a2-task3.yaml")
    parser.add_argument("--seeds", default="1234,1,2", help="comma-separated spec seeds (default: 1234,1,2)")
    parser.add_argument("--models", default="", help="comma-separated model names (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="MODEL.train.FIELD=VALUE",
                        help="override one training setting, e.g. seq_mnist.train.epochs=5 (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("build/quality"))
    parser.add_argument("--force", action="store_true", help="retrain even when the cache has the models")
    return parser.parse_args()


def variant(spec: dict[str, Any], seed: int, models: list[str], overrides: list[str]) -> dict[str, Any]:
    """The spec with another seed, only the chosen models, and the overridden training settings."""
    spec = dict(spec, seed=seed)
    if models:
        spec["models"] = [m for m in spec["models"] if m["name"] in models]
    for item in overrides:
        path, value = item.split("=", 1)
        name, section, field = path.split(".")
        for model in spec["models"]:
            if model["name"] == name:
                model[section] = dict(model.get(section, {}), **{field: yaml.safe_load(value)})
    return spec


def measure(out: Path, spec_path: Path, results: Any) -> dict[str, dict[str, Any]]:
    """Per model: accuracy per output, and per conv layer the dead-filter and silent-channel shares."""
    import keras

    from netviz.data import load_dataset
    from netviz.models import graph
    from netviz.spec.loader import load_spec
    from netviz.views.activations import layer_activations
    from netviz.views.filters import FilterAscent
    from netviz.views.model import as_float

    spec = load_spec(spec_path)
    data = {name: load_dataset(name, spec.datasets[name], spec.seed) for name in {m.dataset for m in spec.models}}
    result = {}
    for model_spec in spec.models:
        model = keras.models.load_model(out / "models" / f"{model_spec.name}.keras", compile=False)
        convs = graph.default_filter_layers(model)
        probe = as_float(data[model_spec.dataset].x_test[:PROBE_IMAGES])
        silent = {a.layer: a.dead_share for a in layer_activations(model, probe, convs)}
        dead = {layer: FilterAscent(model, layer, spec.visualize.filters).batched(spec.seed).dead for layer in convs}
        trained = results.models[model_spec.name]
        history = trained.history
        result[model_spec.name] = {
            "accuracy": {o: s.accuracy for o, s in trained.evaluation.items()},
            "reference": {o: s.reference_accuracy for o, s in trained.evaluation.items()},
            "dead": {layer: (int(d.sum()), len(d)) for layer, d in dead.items()},
            "silent": silent,
            "val_accuracy": [history[k] for k in sorted(history) if k.startswith("val_") and k.endswith("accuracy")],
            "seconds": results.timings.models[model_spec.name].train_seconds,
        }
    return result


def spread(values: list[float], digits: int = 4) -> str:
    """mean (min-max) of a measure over seeds."""
    return f"{np.mean(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def report(runs: dict[int, dict[str, dict[str, Any]]]) -> None:
    seeds = list(runs)
    first = runs[seeds[0]]
    print(f"\nseeds {', '.join(map(str, seeds))}: mean (min-max) over seeds")
    print(f"{'model':<10} {'output':<8} {'test accuracy':<26} {'original':>8}")
    for name, model in first.items():
        for output in model["accuracy"]:
            ref = model["reference"][output]
            print(f"{name:<10} {output:<8} {spread([runs[s][name]['accuracy'][output] for s in seeds]):<26} "
                  f"{'-' if ref is None else f'{ref:.4f}':>8}")
    print(f"\n{'model':<10} {'conv layer':<12} {'dead filters per seed':<22} {'dead share':<20} {'silent on 1,000 test images'}")
    for name, model in first.items():
        for layer in model["dead"]:
            counts = [runs[s][name]["dead"][layer] for s in seeds]
            per_seed = " ".join(f"{d}/{n}" for d, n in counts)
            shares = [100 * d / n for d, n in counts]
            silent = [100 * runs[s][name]["silent"][layer] for s in seeds]
            print(f"{name:<10} {layer:<12} {per_seed:<22} {spread(shares, 1) + ' %':<20} {spread(silent, 1)} %")
    print("\nvalidation accuracy per epoch, mean over seeds (min over seeds); per output for multi-output models")
    for name, model in first.items():
        for i, _ in enumerate(model["val_accuracy"]):
            curves = np.array([runs[s][name]["val_accuracy"][i] for s in seeds])
            cells = " ".join(f"{m:.4f}({lo:.4f})" for m, lo in zip(curves.mean(axis=0), curves.min(axis=0)))
            print(f"{name:<10} {i:<2} {cells}")
    print("\ntraining seconds per seed: " + "; ".join(
        f"{name} " + " ".join(f"{runs[s][name]['seconds']:.0f}" for s in seeds) for name in first))


def main() -> int:
    args = parse_args()
    source = yaml.safe_load(args.spec.read_text())
    models = [m for m in args.models.split(",") if m]
    runs = {}
    started = time.perf_counter()
    for seed in (int(s) for s in args.seeds.split(",")):
        out = args.out / args.spec.stem / f"seed-{seed}"
        out.mkdir(parents=True, exist_ok=True)
        spec_path = out / "spec.yaml"
        spec_path.write_text(yaml.safe_dump(variant(source, seed, models, args.set), sort_keys=False))
        try:
            result = pipeline.build(spec_path, pipeline.Options(out=out, force=args.force, visualize=False, report=False))
        except NetvizError as err:
            print(f"bench/quality.py: {err}", file=sys.stderr)
            return 2
        runs[seed] = measure(out, spec_path, result.results)
    report(runs)
    print(f"wall time {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the default spec's three networks and print test accuracy beside the original report's.

    python bench/quality.py [SPEC] [--force]

Uses the build cache under build/quality/, so a second run only prints.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netviz import pipeline  # noqa: E402
from netviz.errors import NetvizError  # noqa: E402

SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"
if "NETVIZ_MNIST_DIR" not in os.environ and SHARED_MNIST.is_dir():
    os.environ["NETVIZ_MNIST_DIR"] = str(SHARED_MNIST)  # offline machines: the files beside the checkout


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    spec = Path(args[0]) if args else Path("specs/cs671-a2-task3.yaml")
    started = time.perf_counter()
    try:
        result = pipeline.build(spec, pipeline.Options(out=Path("build/quality") / spec.stem, force="--force" in sys.argv,
                                                       visualize=False, report=False))
    except NetvizError as err:
        print(f"bench/quality.py: {err}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - started
    print(f"\n{'model':<11} {'output':<8} {'data (train/test)':<20} {'accuracy':>9} {'macro F1':>9} {'original':>9} {'diff':>8}  {'train s':>7}")
    results = result.results
    for name, model in results.models.items():
        data = f"{model.data.train + model.data.validation:,}/{model.data.test:,}"
        timing = results.timings.models[name]
        cached = " (cached)" if timing.training_cached else ""
        for output, scores in model.evaluation.items():
            ref = scores.reference_accuracy
            diff = f"{scores.accuracy - ref:+.4f}" if ref is not None else ""
            ref_text = f"{ref:.4f}" if ref is not None else "-"
            print(f"{name:<11} {output:<8} {data:<20} {scores.accuracy:>9.4f} {scores.macro_f1:>9.4f} "
                  f"{ref_text:>9} {diff:>8}  {timing.train_seconds:>7.1f}{cached}")
    for name, info in results.datasets.items():
        print(f"data {name}: {info.provenance}")
    print(f"wall time {wall:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

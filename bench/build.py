"""Wall time and peak memory of whole builds, as a user runs them: `netviz build` and `netviz render`.

Run from the repository root:
    python bench/build.py                 # quick spec, then the default spec (its cold build takes minutes)
    python bench/build.py --quick-only    # specs/quick.yaml only
    python bench/build.py --no-pdf --work /tmp/netviz-bench

Each spec is built cold (a fresh --out folder), again warm (everything cached), then
rendered. Every command is a subprocess; its peak RSS is the child's own ru_maxrss
from os.wait4. MNIST comes from NETVIZ_MNIST_DIR, else ../shared/data/mnist beside the
checkout when it exists (as the Makefile does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPECS = {"quick": ROOT / "specs" / "quick.yaml", "default": ROOT / "specs" / "cs671-a2-task3.yaml"}
TARGETS = {"default cold build": (15 * 60, "15 min"), "peak RSS": (4 * 1024**3, "4 GiB")}


@dataclass(frozen=True)
class Run:
    spec: str
    step: str
    seconds: float
    peak_rss: int  # bytes
    returncode: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick-only", action="store_true", help="only specs/quick.yaml (the default cold build takes minutes)")
    parser.add_argument("--no-pdf", action="store_true", help="pass --no-pdf to build and render")
    parser.add_argument("--work", type=Path, default=None, help="keep the build folders here (default: a temporary folder)")
    return parser.parse_args()


def environment() -> dict[str, str]:
    """The caller's environment, with the shared MNIST folder when none is named."""
    env = dict(os.environ)
    shared = ROOT.parent / "shared" / "data" / "mnist"
    if "NETVIZ_MNIST_DIR" not in env and shared.is_dir():
        env["NETVIZ_MNIST_DIR"] = str(shared)
    return env


def run(args: list[str], log: Path) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes (Linux reports KiB) and exit status of ``python -m netviz ARGS``."""
    with log.open("a") as out:
        out.write(f"$ netviz {' '.join(args)}\n")
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "netviz", *args], cwd=ROOT, env=environment(),
                                stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return seconds, usage.ru_maxrss * 1024, proc.returncode


def bench_spec(name: str, work: Path, pdf: bool) -> list[Run]:
    """Cold build, warm build, render of one spec into ``work/name``."""
    out, log = work / name, work / f"{name}.log"
    shutil.rmtree(out, ignore_errors=True)  # cold means cold
    flags = ["--out", str(out)] + ([] if pdf else ["--no-pdf"])
    steps = [("build, cold", ["build", str(SPECS[name]), *flags]),
             ("build, warm", ["build", str(SPECS[name]), *flags]),
             ("render", ["render", str(SPECS[name]), *flags])]
    runs = []
    for step, args in steps:
        seconds, rss, code = run(args, log)
        runs.append(Run(name, step, seconds, rss, code))
        print(f"  {name:<8} {step:<12} {seconds:8.1f} s  {rss / 2**20:8.0f} MiB  exit {code}", flush=True)
    return runs


def report(runs: list[Run], logs: Path | None) -> None:
    print(f"\n{'spec':<8} {'step':<12} {'wall':>10} {'peak RSS':>12} {'exit':>5}")
    for r in runs:
        wall = f"{r.seconds / 60:.1f} min" if r.seconds >= 120 else f"{r.seconds:.1f} s"
        print(f"{r.spec:<8} {r.step:<12} {wall:>10} {r.peak_rss / 2**20:>8.0f} MiB {r.returncode:>5}")
    cold = [r for r in runs if r.spec == "default" and r.step == "build, cold"]
    if cold:
        limit, text = TARGETS["default cold build"]
        print(f"\ndefault cold build: {cold[0].seconds / 60:.1f} min (target < {text}): "
              f"{'met' if cold[0].seconds < limit else 'MISSED'}")
    peak = max(r.peak_rss for r in runs)
    limit, text = TARGETS["peak RSS"]
    print(f"largest peak RSS: {peak / 2**30:.2f} GiB (target < {text}): {'met' if peak < limit else 'MISSED'}")
    if logs is not None:
        print(f"logs: {logs}/*.log")


def main() -> int:
    args = parse_args()
    names = ["quick"] if args.quick_only else ["quick", "default"]
    with tempfile.TemporaryDirectory(prefix="netviz-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{os.cpu_count()} CPUs; build folders under {work}", flush=True)
        runs = [r for name in names for r in bench_spec(name, work, not args.no_pdf)]
        report(runs, args.work)
    return 0 if all(r.returncode == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Wall time and peak memory of whole builds, as a user runs them: `netviz build` and `netviz render`.

Run from the repository root:
    python bench/build.py                 # quick spec, then the default spec (its cold build takes minutes)
    python bench/build.py --quick-only    # specs/quick.yaml only
    python bench/build.py --no-pdf --work /tmp/netviz-bench
    python bench/build.py --before /tmp/before --specs default   # side by side with another checkout

Each spec is built cold (a fresh --out folder), again warm (everything cached), then
rendered. With ``--before DIR`` (a checkout of older code, e.g. `git worktree add /tmp/before
<commit>`) every step runs there too, with that checkout's own spec, just before the same step
here, so both see the same load; the table gives both and the speed-up. Every command is a subprocess; its peak RSS is the child's own ru_maxrss
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
SPECS = {"quick": Path("specs") / "quick.yaml", "default": Path("specs") / "cs671-a2-task3.yaml"}
TARGETS = {"default cold build": (15 * 60, "15 min"), "peak RSS": (4 * 1024**3, "4 GiB")}


@dataclass(frozen=True)
class Run:
    code: str  # "after" (this checkout) or "before" (--before)
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
    parser.add_argument("--before", type=Path, default=None, help="a checkout of older code to build side by side")
    parser.add_argument("--specs", default="", help="comma-separated: quick,default (overrides --quick-only)")
    return parser.parse_args()


def environment(root: Path) -> dict[str, str]:
    """The caller's environment, ``root``'s netviz first on the path, the shared MNIST folder when none is named."""
    env = dict(os.environ, PYTHONPATH=str(root))
    shared = ROOT.parent / "shared" / "data" / "mnist"
    if "NETVIZ_MNIST_DIR" not in env and shared.is_dir():
        env["NETVIZ_MNIST_DIR"] = str(shared)
    return env


def run(args: list[str], log: Path, root: Path = ROOT) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes (Linux reports KiB) and exit status of ``python -m netviz ARGS``."""
    with log.open("a") as out:
        out.write(f"$ netviz {' '.join(args)}\n")
        out.flush()
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "netviz", *args], cwd=root, env=environment(root),
                                stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return seconds, usage.ru_maxrss * 1024, proc.returncode


def bench_spec(name: str, work: Path, pdf: bool, before: Path | None) -> list[Run]:
    """Cold build, warm build, render of one spec into ``work/<code>-name``, each step of
    the ``before`` checkout (if any) just before the same step of this one."""
    codes = ([("before", before.resolve())] if before else []) + [("after", ROOT)]
    runs = []
    for code, _ in codes:
        shutil.rmtree(work / f"{code}-{name}", ignore_errors=True)  # cold means cold
    for step, command in (("build, cold", "build"), ("build, warm", "build"), ("render", "render")):
        for code, root in codes:
            out, log = (work / f"{code}-{name}").resolve(), (work / f"{code}-{name}.log").resolve()
            flags = ["--out", str(out)] + ([] if pdf else ["--no-pdf"])
            seconds, rss, status = run([command, str(SPECS[name]), *flags], log, root)
            runs.append(Run(code, name, step, seconds, rss, status))
            print(f"  {code:<6} {name:<8} {step:<12} {seconds:8.1f} s  {rss / 2**20:8.0f} MiB  exit {status}", flush=True)
    return runs


def report(runs: list[Run], logs: Path | None) -> None:
    print(f"\n{'code':<6} {'spec':<8} {'step':<12} {'wall':>10} {'peak RSS':>12} {'exit':>5} {'speed-up':>9}")
    before = {(r.spec, r.step): r.seconds for r in runs if r.code == "before"}
    for r in runs:
        wall = f"{r.seconds / 60:.1f} min" if r.seconds >= 120 else f"{r.seconds:.1f} s"
        ratio = f"{before[r.spec, r.step] / r.seconds:.2f}x" if r.code == "after" and (r.spec, r.step) in before else ""
        print(f"{r.code:<6} {r.spec:<8} {r.step:<12} {wall:>10} {r.peak_rss / 2**20:>8.0f} MiB {r.returncode:>5} {ratio:>9}")
    cold = [r for r in runs if r.code == "after" and r.spec == "default" and r.step == "build, cold"]
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
    names = [n for n in args.specs.split(",") if n] or (["quick"] if args.quick_only else ["quick", "default"])
    with tempfile.TemporaryDirectory(prefix="netviz-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{os.cpu_count()} CPUs; build folders under {work}", flush=True)
        runs = [r for name in names for r in bench_spec(name, work, not args.no_pdf, args.before)]
        report(runs, args.work)
    return 0 if all(r.returncode == 0 for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of the report stage: seconds for the HTML (Jinja) pass and the PDF (WeasyPrint) pass.

Run from the repository root:
    python bench/render.py                 # the test fixture: three models, small figures
    python bench/render.py BUILD_DIR       # an existing build folder (metrics.json + figures/)
    python bench/render.py BUILD_DIR --spec specs/quick.yaml --repeat 5
The build folder is copied to a temporary folder first, so its own report is left alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from netviz.document.render import build_html, write_atomic, write_pdf  # noqa: E402
from netviz.results import Results, load_results  # noqa: E402
from netviz.spec.loader import load_spec  # noqa: E402
from netviz.spec.schema import Spec  # noqa: E402


def prepare(build: Path | None, spec_arg: Path | None, work: Path) -> tuple[Spec, Path, Results]:
    """A build folder under ``work`` plus its spec and results: a copy of ``build``, or the fixture."""
    if build is None:
        from report import (  # tests/document: fixture results and drawn figures
            make_build,
            make_spec,
        )

        results, spec_path = make_build(work)
        return make_spec(), spec_path, results
    shutil.copytree(build, work, dirs_exist_ok=True)
    spec_path = spec_arg or ROOT / json.loads((work / "metrics.json").read_text())["spec"]
    return load_spec(spec_path), spec_path, load_results(work / "metrics.json", spec_path)


def time_once(spec: Spec, spec_path: Path, results: Results, out: Path) -> tuple[float, float, int]:
    """(HTML seconds, PDF seconds, PDF bytes) for one full render."""
    start = time.perf_counter()
    html = build_html(spec, spec_path, results, out)
    write_atomic(out / "report.html", html.encode("utf-8"))
    middle = time.perf_counter()
    pdf = write_pdf(html, spec, spec_path, out)
    return middle - start, time.perf_counter() - middle, pdf.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", type=Path, help="build folder with metrics.json (default: test fixture)")
    parser.add_argument("--spec", type=Path, help="spec file (default: the one metrics.json names)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "build"
        spec, spec_path, results = prepare(args.build, args.spec, work)
        runs = [time_once(spec, spec_path, results, work) for _ in range(args.repeat)]
    html_s, pdf_s = [r[0] for r in runs], [r[1] for r in runs]
    print(f"input: {args.build or 'test fixture'} ({len(results.models)} models), {args.repeat} runs")
    print(f"html: median {statistics.median(html_s):.3f} s  (min {min(html_s):.3f} s)")
    print(f"pdf:  median {statistics.median(pdf_s):.3f} s  (min {min(pdf_s):.3f} s; first run includes importing WeasyPrint)")
    print(f"pdf size: {runs[-1][2]:,} bytes")


if __name__ == "__main__":
    main()

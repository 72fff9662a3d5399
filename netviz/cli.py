"""The ``netviz`` command: a thin shell over :mod:`netviz.api`, the functions a notebook calls.

Every user error prints one line and exits 2; Ctrl-C exits 130 with one line, within
seconds whatever TensorFlow is doing (netviz.interrupt).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netviz import interrupt
from netviz.errors import NetvizError
from netviz.version import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netviz", description="YAML spec -> trained CNNs, their visualizations, and an HTML/PDF report.")
    parser.add_argument("--version", action="version", version=f"netviz {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="train, visualize and write report.html and report.pdf")
    _common(build)
    build.add_argument("--force", action="store_true", help="retrain and recompute even when cached")

    render = sub.add_parser("render", help="rebuild the report from cached results (no training)")
    _common(render)

    validate = sub.add_parser("validate", help="check a spec and exit (status 2 on errors)")
    validate.add_argument("spec", type=Path)

    sub.add_parser("schema", help="print the spec's JSON Schema (for editors)")

    dataset = sub.add_parser("dataset", help="write a synthetic data set to files")
    dataset.add_argument("kind", choices=["line"])
    dataset.add_argument("--per-class", type=int, default=1000, help="images per class (default 1000)")
    dataset.add_argument("--seed", type=int, default=0)
    dataset.add_argument("--format", choices=["npz", "png"], default="npz")
    dataset.add_argument("--out", type=Path, required=True, help="FILE.npz, or a folder for --format png")
    return parser


def _common(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("spec", type=Path, help="the experiment spec (YAML)")
    cmd.add_argument("--out", type=Path, default=None, help="output folder (default build/<spec name>)")
    cmd.add_argument("--no-pdf", action="store_true", help="write report.html only")
    level = cmd.add_mutually_exclusive_group()
    level.add_argument("-q", "--quiet", action="store_true", help="print only the result paths")
    level.add_argument("-v", "--verbose", action="store_true", help="show TensorFlow's own messages")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with interrupt.ctrl_c_stops_within():
            return _run(args)
    except NetvizError as err:
        print(f"netviz: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        interrupt.announce()
        return interrupt.EXIT_STATUS


def run() -> None:
    """The ``netviz`` program: ``main``, then exit with its status. After Ctrl-C the process
    ends at once, skipping the interpreter's shutdown, in which TensorFlow's threads and
    destructors held an interrupted build for 6-12 s on a loaded machine."""
    status = main()
    if status == interrupt.EXIT_STATUS:
        interrupt.exit_now()
    sys.exit(status)


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        from netviz.spec.loader import load_spec

        spec = load_spec(args.spec)
        print(f"{args.spec}: ok ({len(spec.datasets)} data sets, {len(spec.models)} models)")
        return 0
    if args.command == "schema":
        from netviz.spec.schema import json_schema

        print(json_schema())
        return 0
    if args.command == "dataset":
        if args.per_class < 1:
            raise NetvizError("--per-class must be >= 1")
        from netviz.data.line import write_line_files

        count = write_line_files(args.per_class, args.seed, args.out, args.format)
        print(f"wrote {count:,} LINE images to {args.out}")
        return 0
    from netviz import api

    common = {"pdf": not args.no_pdf, "quiet": args.quiet}
    if args.command == "build":
        result = api.build(args.spec, args.out, force=args.force, verbose=args.verbose, **common)
    else:
        result = api.render(args.spec, args.out, **common)
    for path in (result.html, result.pdf):
        if path is not None:
            print(path)
    return 0


if __name__ == "__main__":
    run()

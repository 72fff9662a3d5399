"""Shared fixture builders for the report tests.

The build folder a test renders from is made in tmp_path: the results of a real
quick build (fixtures/metrics.json, made by fixtures/regenerate.py) plus a small
stand-in drawn here for every figure they list (no committed binaries).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import yaml

from netviz.results import Results
from netviz.spec.schema import Spec

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parent.parent
DEFAULT_SPEC = REPO / "specs" / "quick.yaml"  # the spec the fixture was built from

# Figure kind -> (columns, rows, tile size in px) of the drawn grid.
GRIDS = {"activations": (8, 4, 22), "filters": (8, 4, 28), "kernels": (8, 4, 7), "cam": (6, 4, 28),
         "exemplars": (16, 16, 28), "errors": (8, 4, 28), "gallery": (8, 4, 20)}


def load_raw() -> dict[str, Any]:
    """The fixture results as plain JSON data, to be edited per test and validated."""
    return json.loads((FIXTURES / "metrics.json").read_text())


def load_results() -> Results:
    return Results.model_validate(load_raw())


def spec_data() -> dict[str, Any]:
    """The default spec as plain data, to be edited per test and validated."""
    return copy.deepcopy(yaml.safe_load(DEFAULT_SPEC.read_text()))


def make_spec(data: dict[str, Any] | None = None) -> Spec:
    return Spec.model_validate(data if data is not None else spec_data())


def png(width: int, height: int, pixel) -> bytes:
    """Minimal RGB PNG writer (independent of the code under test)."""
    raw = b"".join(b"\x00" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def grid_png(cols: int, rows: int, tile: int, seed: int) -> bytes:
    """A grid of tiles with a different smooth pattern each, 1 px white gaps."""
    step = tile + 1

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        if x % step == 0 or y % step == 0:
            return (255, 255, 255)
        i, j = x // step, y // step
        u, v = (x % step) / tile, (y % step) / tile
        k = (i * 7 + j * 3 + seed) % 11
        t = abs(((u * (k + 1) + v * (11 - k)) % 2) - 1)
        return (int(40 + 200 * t), int(30 + 150 * (1 - t) * v), int(90 + 120 * (1 - t)))

    return png(cols * step + 1, rows * step + 1, pixel)


def curves_svg() -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 200" width="400" height="200">'
            '<rect x="40" y="10" width="350" height="160" fill="none" stroke="#888"/>'
            '<polyline points="40,160 120,80 200,50 300,35 390,30" fill="none" stroke="#1f4e79" stroke-width="2"/>'
            '<polyline points="40,165 120,95 200,70 300,60 390,58" fill="none" stroke="#c0504d" stroke-width="2"/>'
            '<text x="200" y="192" font-size="12" text-anchor="middle">epoch</text></svg>')


def architecture_svg(path: Path, name: str, model: Any) -> None:
    """The real drawing (Graphviz) of the graph the model's summary rows describe, with made-up thumbnails,
    linked to the figures the results list: what the report inlines, fonts and links included."""
    import numpy as np

    from netviz.figures.architecture import Decoration, draw_architecture
    from netviz.models.architecture import Graph, Node
    from netviz.results import figure_anchor

    rows = model.summary
    known = {row.name for row in rows}
    graph = Graph([Node(r.name, r.type, r.output_shape, r.params, (r.name,)) for r in rows],
                  [(c, r.name) for r in rows for c in r.connected_to if c in known],
                  [r.name for r in rows if r.name in model.outputs] or [rows[-1].name])
    layers = {f.layer for f in model.visualization.figures if f.kind == "filters" and f.layer in known}
    rng = np.random.default_rng(0)  # drawn for the layers in sorted order: a set's order changes per process
    decoration = Decoration(thumbnails={layer: [rng.random((8, 8, 1)) for _ in range(3)] for layer in sorted(layers)},
                            dead_share={layer: 0.25 for layer in sorted(layers)[:1]},
                            links={layer: "#" + figure_anchor(name, "filters", layer) for layer in layers},
                            heads={out: f"{out}\ntest acc. 90.0%" for out in graph.outputs})
    draw_architecture(graph, decoration, path, f"arch-{name}")


def write_figures(out_dir: Path, results: Results) -> list[Path]:
    """Draw a stand-in for every figure the results list, at its path under ``out_dir``."""
    written = []
    for n, (name, model) in enumerate(results.models.items()):
        for k, fig in enumerate(model.visualization.figures if model.visualization else []):
            path = out_dir / fig.path
            path.parent.mkdir(parents=True, exist_ok=True)
            if fig.kind == "architecture" and shutil.which("dot"):
                architecture_svg(path, name, model)
            elif path.suffix == ".svg":
                path.write_text(curves_svg())
            else:
                cols, rows, tile = GRIDS[fig.kind]
                path.write_bytes(grid_png(cols, rows, tile, seed=n * 5 + k))
            written.append(path)
    return written


def make_build(out_dir: Path, raw: dict[str, Any] | None = None) -> tuple[Results, Path]:
    """A build folder with metrics.json and figures from ``raw`` (default: the fixture); (results, spec path)."""
    results = Results.model_validate(raw if raw is not None else load_raw())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(results.model_dump(mode="json")))
    write_figures(out_dir, results)
    return results, DEFAULT_SPEC


def poppler(tool: str) -> str | None:
    """Path of a poppler-utils tool, or None (tests then skip with a reason)."""
    return shutil.which(tool)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout


def pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    """pdftotext of the whole PDF or a page range."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return run("pdftotext", *pages, str(pdf), "-")


def pdf_info(pdf: Path) -> dict[str, str]:
    """pdfinfo's key: value lines as a dict."""
    lines = run("pdfinfo", "-isodates", str(pdf)).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines) if v}


def pdf_outline(pdf: Path) -> list[tuple[int, str, int]]:
    """Bookmarks as (depth, title, page), read from pdftohtml's XML outline."""
    xml = run("pdftohtml", "-xml", "-stdout", "-i", "-q", str(pdf))
    match = re.search(r"<outline>.*</outline>", xml, re.S)
    if not match:
        return []
    items: list[tuple[int, str, int]] = []

    def walk(node: ET.Element, depth: int) -> None:
        for child in node:
            if child.tag == "item":
                items.append((depth, (child.text or "").strip(), int(child.get("page", "0"))))
            elif child.tag == "outline":
                walk(child, depth + 1)

    walk(ET.fromstring(match.group(0)), 1)
    return items


@dataclass(frozen=True)
class Fig:
    """A stand-in for a figure record: only the fields the appendix reads to place it."""

    kind: str
    layer: str | None = None
    head: str | None = None
    method: str | None = None
    anchor: str | None = None

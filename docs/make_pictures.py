"""Make the README's and the docs' pictures from a real build.

    python docs/make_pictures.py BUILD_DIR [--out docs/images]

writes two small PNG files:

* ``report-page.png``: the first body page of ``BUILD_DIR/report.pdf`` (the first page after
  the title page and the contents), rendered with ``pdftoppm`` (poppler-utils) at 72 dpi;
* ``gradcam.png``: one Grad-CAM figure of the build, ``figures/<model>/gradcam_class.png`` of
  the first model (in the report's order) that has one (or ``--figure``), downsized.

Both are reduced to a 256-colour palette so each stays well under 200 KB. The pictures in the
repository were made from ``netviz build specs/quick.yaml``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

LIMIT = 200_000  # bytes: keep the repository and the README light
WIDTH = 720  # pixels: the heatmap figure's width after downsizing


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def first_body_page(pdf: Path) -> int:
    """The first page after the title page that is not part of the contents."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    for page in range(2, pages + 1):
        if not re.search(r"^\s*Contents\s*$", _page_text(pdf, page), re.M):
            return page
    raise SystemExit(f"{pdf}: no page after the title page and the contents")


def _save_small(image: Image.Image, path: Path) -> None:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    size = path.stat().st_size
    print(f"{path}: {image.width}x{image.height}, {size / 1000:.0f} KB")
    if size > LIMIT:
        raise SystemExit(f"{path}: {size} bytes, over {LIMIT}: lower --dpi")


def report_page(build: Path, out: Path, dpi: int, page: int | None) -> None:
    pdf = build / "report.pdf"
    if not pdf.is_file():
        raise SystemExit(f"{pdf}: no such file (build with the PDF on)")
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: install poppler-utils")
    page = page or first_body_page(pdf)
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                        str(pdf), str(stem)], check=True)
        with Image.open(stem.with_suffix(".png")) as image:
            _save_small(image.copy(), out / "report-page.png")


def _models(build: Path) -> list[str]:
    """The build's models in the report's order (metrics.json), else the figure folders by name."""
    folders = sorted(path.name for path in (build / "figures").glob("*") if path.is_dir())
    try:
        models = json.loads((build / "metrics.json").read_text())["models"]
    except (OSError, ValueError, KeyError, TypeError):
        return folders
    ordered = [str(name) for name in models] if isinstance(models, dict) else []
    return ordered + [name for name in folders if name not in ordered]


def gradcam_figure(build: Path, out: Path, figure: str | None) -> None:
    if figure:
        source = build / figure
    else:
        found = [build / "figures" / model / "gradcam_class.png" for model in _models(build)]
        found = [path for path in found if path.is_file()]
        if not found:
            raise SystemExit(f"{build}/figures: no <model>/gradcam_class.png; name one with --figure")
        source = found[0]
    with Image.open(source) as image:
        image = image.copy()
    if image.width > WIDTH:
        image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.Resampling.LANCZOS)
    _save_small(image, out / "gradcam.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path, help="a build folder (holds report.pdf and figures/)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "images")
    parser.add_argument("--dpi", type=int, default=72, help="resolution of the report page (default 72)")
    parser.add_argument("--page", type=int, default=None, help="the page to render (default: the first body page)")
    parser.add_argument("--figure", default=None, help="the heatmap figure, relative to the build folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    report_page(args.build, args.out, args.dpi, args.page)
    gradcam_figure(args.build, args.out, args.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())

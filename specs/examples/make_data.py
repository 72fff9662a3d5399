"""Write the example data sets the specs in this folder read (nothing is downloaded).

Run from the repository root:
    python specs/examples/make_data.py          # specs/examples/data/shapes/ (PNG folders) and specs/examples/data/shapes-masks.npz
Both hold the SHAPES set (circles, squares, triangles, crosses on noise; shapes.py beside this file),
drawn from a fixed seed, so every run writes the same images.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # shapes.py, the example data's drawing

from shapes import write_folder, write_npz  # noqa: E402

OUT = Path(__file__).resolve().parent / "data"  # where the example specs read it (git-ignored)


def main(out: Path = OUT) -> None:
    count = write_folder(out / "shapes", per_class=300, size=28, channels=1, seed=1)
    print(f"wrote {count:,} grey PNG images in 4 class folders to {out / 'shapes'}")
    count = write_npz(out / "shapes-masks.npz", per_class=300, size=28, channels=3, seed=2)
    print(f"wrote {count:,} colour images with their masks to {out / 'shapes-masks.npz'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)  # another folder: for a copy of the specs

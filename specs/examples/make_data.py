"""Write the example data sets the specs in this folder read (nothing is downloaded).

Run from the repository root:
    python specs/examples/make_data.py          # specs/examples/data/shapes/ (PNG folders), shapes-masks.npz,
                                                # shortcut.npz and shortcut-moved.npz
All hold the SHAPES set (circles, squares, triangles, crosses on noise; shapes.py beside this file),
drawn from a fixed seed, so every run writes the same images. The shortcut files add a faint corner mark
that gives the class away, with the mark's mask; in shortcut-moved.npz each mark sits in another corner.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # shapes.py, the example data's drawing

from shapes import write_folder, write_npz, write_shortcut  # noqa: E402

OUT = Path(__file__).resolve().parent / "data"  # where the example specs read it (git-ignored)


def main(out: Path = OUT) -> None:
    count = write_folder(out / "shapes", per_class=300, size=28, channels=1, seed=1)
    print(f"wrote {count:,} grey PNG images in 4 class folders to {out / 'shapes'}")
    count = write_npz(out / "shapes-masks.npz", per_class=300, size=28, channels=3, seed=2)
    print(f"wrote {count:,} colour images with their masks to {out / 'shapes-masks.npz'}")
    count = write_shortcut(out / "shortcut.npz", per_class=300, seed=3)
    print(f"wrote {count:,} grey images with a class mark in the corner, and the mark's masks, to {out / 'shortcut.npz'}")
    count = write_shortcut(out / "shortcut-moved.npz", per_class=60, seed=4, moved=True)
    print(f"wrote {count:,} more with each mark moved to another corner to {out / 'shortcut-moved.npz'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)  # another folder: for a copy of the specs

"""Benchmark of the folder data kind: seconds to load a 20,000-image folder of 28x28 PNG files.

Run from the repository root:
    python bench/data.py               # 20,000 images (4 classes x 5,000), written to a temporary folder
    python bench/data.py --per-class 500
Writing the files is not timed; loading is timed as a build does it (listing, decoding,
resizing, split), best of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "specs" / "examples"))  # shapes.py, the example data's drawing

from shapes import CLASSES, write_folder  # noqa: E402

from netviz.data import load_dataset  # noqa: E402
from netviz.data.folder import FolderData  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=5000, help=f"images per class ({len(CLASSES)} classes)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "shapes"
        count = write_folder(folder, args.per_class, size=28, channels=1, seed=0)
        config = FolderData(kind="folder", path=str(folder), image_size=(28, 28), color="grayscale")
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            data = load_dataset("shapes", config, seed=0)
            times.append(time.perf_counter() - start)
    print(f"{count:,} PNG files of 28x28 on {os.cpu_count()} CPU cores: loaded in {min(times):.2f} s "
          f"(best of {args.repeat}; runs {', '.join(f'{t:.2f}' for t in times)} s); "
          f"{len(data.x_train):,} train + {len(data.x_test):,} test images {data.input_shape}")


if __name__ == "__main__":
    main()

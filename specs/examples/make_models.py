"""Write what the existing-network examples read (nothing is downloaded).

Run from the repository root, after make_data.py (the branch model is trained on its shapes):
    python specs/examples/make_models.py
writes specs/examples/data/branch.keras, a small functional CNN with two branches (a 3x3 and a
5x5 convolution, concatenated) trained for six epochs on the grey SHAPES folder, and
specs/examples/data/photos/, eight 96x96 colour JPEG pictures of shapes for the MobileNetV2 example.
Both come from fixed seeds.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # shapes.py, the example data's drawing

OUT = Path(__file__).resolve().parent / "data"  # where the example specs read it (git-ignored)
PHOTOS = 8


def branch_model(input_shape: tuple[int, int, int] = (28, 28, 1), classes: int = 4):
    """A functional CNN whose stem splits into a 3x3 and a 5x5 branch, joined again by Concatenate."""
    import keras
    from keras import layers

    image = keras.Input(shape=input_shape, name="image")
    stem = layers.Conv2D(16, 3, padding="same", activation="relu", name="stem")(image)
    narrow = layers.Conv2D(16, 3, padding="same", activation="relu", name="branch_3x3")(stem)
    wide = layers.Conv2D(16, 5, padding="same", activation="relu", name="branch_5x5")(stem)
    joined = layers.Concatenate(name="join")([narrow, wide])
    pooled = layers.MaxPooling2D(2, name="pool")(joined)
    deep = layers.SeparableConv2D(32, 3, padding="same", activation="relu", name="separable")(pooled)
    features = layers.GlobalAveragePooling2D(name="gap")(deep)
    return keras.Model(image, layers.Dense(classes, activation="softmax", name="class")(features), name="branch")


def write_branch_model(path: Path, epochs: int = 6, seed: int = 3) -> None:
    """The branch model, trained briefly on SHAPES drawn from ``seed``, saved as a .keras file.

    Its classes are in the folder data set's order (the folder names sorted), so it can be
    evaluated on specs/examples/data/shapes as it is.
    """
    import keras
    import numpy as np
    from shapes import CLASSES, draw_shapes

    keras.utils.set_random_seed(seed)
    x, drawn, _ = draw_shapes(per_class=200, size=28, channels=1, seed=seed)
    y = np.array([sorted(CLASSES).index(CLASSES[label]) for label in drawn])
    model = branch_model()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x.astype("float32") / 255.0, y, epochs=epochs, batch_size=64, verbose=0, shuffle=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)


def write_photos(folder: Path, count: int = PHOTOS, size: int = 96, seed: int = 5) -> None:
    """``count`` colour JPEG pictures of shapes, one file each, for a model to explain (as from a camera)."""
    from PIL import Image
    from shapes import draw_shapes

    x, y, _ = draw_shapes(per_class=-(-count // 4), size=size, channels=3, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.fromarray(x[i]).save(folder / f"photo_{i:02d}.jpg", quality=92)


def main(out: Path = OUT) -> None:
    from netviz.models.runtime import start_tensorflow

    start_tensorflow()
    write_branch_model(out / "branch.keras")
    print(f"wrote {out / 'branch.keras'} (a functional CNN with two branches, trained on SHAPES)")
    write_photos(out / "photos")
    print(f"wrote {PHOTOS} 96x96 colour pictures to {out / 'photos'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)  # another folder: for a copy of the specs

"""The one shape every data set takes on its way to the models."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """A train/test split of uint8 images with one integer label array per target.

    ``labels_*`` maps a target name ("class" for MNIST; "class", "length", "width",
    "angle", "colour" for LINE) to an int array of shape (N,). ``class_names`` gives the
    human-readable name of each class index per target. ``masks_test`` holds, for LINE,
    the boolean (N, H, W) ground-truth line pixels of the test images (None for MNIST).
    """

    name: str
    kind: str
    x_train: np.ndarray
    labels_train: dict[str, np.ndarray]
    x_test: np.ndarray
    labels_test: dict[str, np.ndarray]
    class_names: dict[str, list[str]]
    masks_test: np.ndarray | None = None
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]


def load_dataset(name: str, config: object, seed: int) -> Dataset:
    """Build the data set a spec entry describes (``config`` is a schema.MnistData/LineData)."""
    kind = getattr(config, "kind")
    if kind == "line":
        from netviz.data.line import load_line

        return load_line(name, config, seed)
    if kind == "mnist":
        from netviz.data.mnist import load_mnist

        return load_mnist(name, config, seed)
    raise ValueError(f"unknown data set kind {kind!r}")

"""The value every data set becomes, and what a data kind is.

A data kind is one module of this package that registers a :class:`DataKind` in
:data:`netviz.registry.DATA_KINDS`: its spec section (a pydantic model whose ``kind``
field is a one-value Literal), a cheap ``describe`` and a ``load``. Nothing names a kind:
adding one is adding a file.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts


@dataclass(frozen=True)
class ExtraTest:
    """A further test split, kept apart from the main one: images drawn another way (a mark moved, a new
    camera, another hospital), on which a trained network is evaluated to see what it has really learned.

    ``labels`` has a target's labels where the split has them (the class for ``arrays``). It is only
    evaluated: the heatmaps are made and scored on the main test split.
    """

    x: np.ndarray
    labels: dict[str, np.ndarray]


@dataclass(frozen=True)
class Dataset:
    """A train/test split of uint8 images with one integer label array per target.

    ``labels_*`` maps a target name ("class" for every kind; LINE adds "length",
    "width", "angle", "colour") to an int array of shape (N,). ``class_names`` gives
    the human-readable name of each class index per target. ``masks_test`` holds the
    boolean (N, H, W) object pixels of the test images when the data has them (LINE,
    arrays with masks): the heatmaps are then scored against them. ``extra_tests`` holds
    further named test splits (``arrays``' ``extra_tests``), each evaluated apart.
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
    extra_tests: dict[str, ExtraTest] = field(default_factory=dict)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]


@dataclass(frozen=True)
class DataKind:
    """One kind of data set: its spec section, what it says cheaply, and how it loads."""

    config: type
    describe: Callable[[Any], DataFacts]
    load: Callable[[str, Any, int], Dataset]
    labelled: bool = True  # False: images to explain, with no labels to evaluate against

    @property
    def name(self) -> str:
        return typing.get_args(self.config.model_fields["kind"].annotation)[0]


def describe_dataset(config: Any) -> DataFacts:
    """Shape and classes of a spec entry, without loading its images."""
    return DATA_KINDS[config.kind].describe(config)


def load_dataset(name: str, config: Any, seed: int) -> Dataset:
    """Build the data set a spec entry describes."""
    return DATA_KINDS[config.kind].load(name, config, seed)

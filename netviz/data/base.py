"""The value every data set becomes, and the registry of data kinds.

A data kind is one module of this package that calls :func:`register` with its spec
section (a pydantic model whose ``kind`` field is a one-value Literal), a cheap
``describe`` and a ``load``. This module never imports a kind by name: it imports
every module of the package once, on first use, so adding a kind is adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from netviz.errors import DataError


@dataclass(frozen=True)
class Dataset:
    """A train/test split of uint8 images with one integer label array per target.

    ``labels_*`` maps a target name ("class" for every kind; LINE adds "length",
    "width", "angle", "colour") to an int array of shape (N,). ``class_names`` gives
    the human-readable name of each class index per target. ``masks_test`` holds the
    boolean (N, H, W) object pixels of the test images when the data has them (LINE,
    arrays with masks): the heatmaps are then scored against them.
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


@dataclass(frozen=True)
class DataFacts:
    """What validation needs before any data is loaded: the image shape and the classes per target."""

    input_shape: tuple[int, int, int]
    targets: dict[str, int]


class DataConfigError(DataError):
    """A data set entry that cannot work, found while describing it; ``field`` is the key to blame."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DataKind:
    """One kind of data set: its spec section, what it says cheaply, and how it loads."""

    config: type
    describe: Callable[[Any], DataFacts]
    load: Callable[[str, Any, int], Dataset]

    @property
    def name(self) -> str:
        return typing.get_args(self.config.model_fields["kind"].annotation)[0]


_KINDS: dict[str, DataKind] = {}
_DISCOVERED = False


def register(kind: DataKind) -> DataKind:
    """Add a kind; called by each kind's module when it is imported."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise RuntimeError(f"data kind {kind.name!r} registered twice")
    _KINDS[kind.name] = kind
    return kind


def data_kinds() -> dict[str, DataKind]:
    """Every registered kind by name, in a stable (alphabetical) order."""
    global _DISCOVERED
    if not _DISCOVERED:
        import netviz.data as package

        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        _DISCOVERED = True
    return dict(sorted(_KINDS.items()))


def describe_dataset(config: Any) -> DataFacts:
    """Shape and classes of a spec entry, without loading its images."""
    return data_kinds()[config.kind].describe(config)


def load_dataset(name: str, config: Any, seed: int) -> Dataset:
    """Build the data set a spec entry describes."""
    return data_kinds()[config.kind].load(name, config, seed)

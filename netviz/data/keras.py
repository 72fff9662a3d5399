"""``kind: keras``: the data sets of ``keras.datasets`` (MNIST, Fashion-MNIST, CIFAR-10, CIFAR-100).

Downloaded and cached by Keras when online, or read from a local copy at ``path`` in
the files Keras itself downloads (IDX or .npz for the MNIST pair, the python
batches for CIFAR). Their shapes and classes are facts of the published sets, so
validation knows them without touching a file.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from netviz.data import cifar, downloads, mnist
from netviz.data.base import DataKind, Dataset
from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts
from netviz.strict import SpecPath, Strict


class KerasData(Strict):
    kind: Literal["keras"]
    name: Literal["mnist", "fashion_mnist", "cifar10", "cifar100"]
    source: Literal["auto", "keras", "local"] = "auto"
    path: SpecPath | None = None
    limit: int | None = Field(default=None, ge=20, le=70_000)
    test_fraction: float = Field(default=0.2, gt=0, lt=1)


def describe_keras(config: KerasData) -> DataFacts:
    downloads.check_local_path(config)
    if config.name in mnist.FAMILIES:
        return DataFacts(mnist.SHAPE, {"class": len(mnist.FAMILIES[config.name].class_names)})
    return DataFacts(cifar.SHAPE, {"class": len(cifar.SETS[config.name].class_names)})


def load_keras(name: str, config: KerasData, seed: int) -> Dataset:
    """The named set, split as published (or seeded, for a single pool), ``limit`` keeping class shares."""
    if config.name in mnist.FAMILIES:
        return mnist.load_family(name, config, seed, mnist.FAMILIES[config.name])
    found, names = cifar.find(name, config, cifar.SETS[config.name])
    rng = np.random.default_rng([seed, 2])
    parts = downloads.limit_parts(found.parts, config.limit, rng)
    (x_train, y_train), (x_test, y_test), split = downloads.split_parts(parts, config.test_fraction, rng, seed)
    return Dataset(
        name=name, kind="keras", x_train=x_train, labels_train={"class": y_train}, x_test=x_test,
        labels_test={"class": y_test}, class_names={"class": names},
        provenance={"source": found.where, "files": found.files, "split": split, "limit": config.limit},
    )


DATA_KINDS.register(DataKind(KerasData, describe_keras, load_keras))

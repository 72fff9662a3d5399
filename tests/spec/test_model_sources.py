"""The spec's model sources: a declared network trains, an existing one is shown as it is unless told to train."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from netviz.spec.schema import Model, Train

LAYERS = [{"type": "Flatten"}, {"type": "Dense", "units": 2, "activation": "softmax"}]


def test_an_existing_network_without_a_train_block_is_shown_as_it_is() -> None:
    assert Model(name="m", dataset="d", file="m.keras").train is None
    assert Model(name="m", dataset="d", file="m.keras", train=False).train is None
    assert Model(name="m", dataset="d", file="m.keras", train=True).train == Train()
    assert Model(name="m", dataset="d", file="m.keras", train={"epochs": 2}).train == Train(epochs=2)
    assert Model(name="m", images="photos", application={"name": "MobileNetV2", "weights": None}).train is None


def test_a_declared_network_trains_by_default() -> None:
    assert Model(name="m", dataset="d", target="class", layers=LAYERS).train == Train()


@pytest.mark.parametrize("fields, message", [
    ({"dataset": "d", "target": "class", "layers": LAYERS, "train": False}, "must be trained"),
    ({"dataset": "d", "file": "m.keras", "application": {"name": "MobileNetV2"}}, "either 'file' or 'application'"),
    ({"dataset": "d", "file": "m.keras", "layers": LAYERS}, "has its own layers"),
    ({"file": "m.keras"}, "needs a 'dataset' or 'images'"),
    ({"file": "m.keras", "images": "photos", "train": {"epochs": 1}}, "training needs a 'dataset'"),
    ({"target": "class", "layers": LAYERS, "images": "photos"}, "give 'file' or 'application'"),
])
def test_impossible_sources_are_refused(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Model(name="m", **fields)

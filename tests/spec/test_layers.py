"""Every registered layer type is tested against Keras by the test file of the module that declares it.

``netviz/spec/layers/<module>.py`` is tested by ``tests/spec/layers/test_<module>.py``, whose
``CASES`` (``(layer, input shape, ...)``) each build the layer with netviz and with Keras; the list
of types comes from the registry, so a new layer type without cases fails here by name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

import tests.spec.layers
from netviz.registry import LAYER_TYPES


def covered() -> dict[str, set[str]]:
    """The layer types each ``tests/spec/layers/test_<module>.py`` has CASES for, by <module>."""
    types: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.iter_modules(tests.spec.layers.__path__):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"tests.spec.layers.{info.name}")
            types[info.name.removeprefix("test_")] |= {case[0]["type"] for case in module.CASES}
    return types


def test_every_registered_type_has_cases_in_its_own_modules_test() -> None:
    tested = covered()
    missing = []
    for name, cls in LAYER_TYPES.entries().items():
        module = cls.__module__.rsplit(".", 1)[1]
        if name not in tested.get(module, set()):
            missing.append(f"{name} (netviz/spec/layers/{module}.py: no CASES in tests/spec/layers/test_{module}.py)")
    assert not missing, "untested layer types: " + "; ".join(missing)
    assert set().union(*tested.values()) <= set(LAYER_TYPES.names()), "CASES of a type that is not registered"

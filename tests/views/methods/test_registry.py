"""The registry: one module per method, each with a test, and every list of names derived from it."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netviz.registry import HEATMAP_METHODS
from netviz.spec import schema
from netviz.views import methods
from netviz.views.methods.base import normalize

HERE = Path(__file__).parent
PACKAGE = Path(methods.__path__[0])


def registered_in_source() -> dict[str, str]:
    """``{module: method name}`` for every module of netviz/views/methods that calls ``HEATMAP_METHODS.register``."""
    found = {}
    for info in pkgutil.iter_modules(methods.__path__):
        tree = ast.parse((PACKAGE / f"{info.name}.py").read_text(encoding="utf-8"))
        calls = [node for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and ast.unparse(node.func) == "HEATMAP_METHODS.register"]
        if calls:
            assert len(calls) == 1, f"netviz/views/methods/{info.name}.py registers {len(calls)} methods; one per module"
            (method,) = calls[0].args
            name = next(k.value for k in method.keywords if k.arg == "name")
            found[info.name] = ast.literal_eval(name)
    return found


def test_every_method_module_registers_one_method_and_has_its_own_test():
    modules = [m.name for m in pkgutil.iter_modules(methods.__path__) if m.name != "base"]
    in_source = registered_in_source()
    assert list(in_source) == modules, "a module of netviz/views/methods that registers no method"
    assert sorted(in_source.values()) == sorted(HEATMAP_METHODS.entries())
    for module in modules:
        assert (HERE / f"test_{module}.py").is_file(), f"no test for netviz/views/methods/{module}.py"


def test_metadata():
    registry = HEATMAP_METHODS.entries()
    assert methods.baselines() == tuple(name for name, m in registry.items() if m.baseline)
    assert methods.selectable() == tuple(name for name, m in registry.items() if not m.baseline)
    assert methods.baselines() and methods.selectable()
    for name, method in registry.items():
        assert method.name == name and method.title
        # one sentence that completes "<title> ...": lower-case start, one full stop, at the end
        assert method.description[0].islower() and method.description.count(". ") == 0
        assert method.description.endswith("."), name
        assert method.grid == ("input" if method.baseline else "layer")
        assert not (method.baseline and (method.default or method.uses_gradients)), name
    with pytest.raises(ValueError, match=re.escape(f"unknown heatmap method 'lime'; choose from {', '.join(registry)}")):
        HEATMAP_METHODS["lime"]


def test_the_spec_and_its_json_schema_take_their_names_from_the_registry():
    defaults = [name for name, m in HEATMAP_METHODS.entries().items() if m.default]
    assert schema.Cam().methods == defaults == ["gradcam", "gradcam_plus_plus", "scorecam"]  # what a user gets unasked
    listed = schema.Spec.model_json_schema()["$defs"]["Cam"]["properties"]["methods"]["items"]["enum"]
    assert tuple(listed) == methods.selectable()
    chosen = list(methods.selectable()[-2:])
    assert schema.Cam(methods=chosen).methods == chosen
    for wrong in ([methods.baselines()[0]], ["lime"], ["gradcam", "gradcam"]):
        with pytest.raises(ValueError):
            schema.Cam(methods=wrong)


def test_the_registry_and_the_spec_load_without_tensorflow():
    code = ("import sys, netviz, netviz.spec.schema, netviz.document.model_view; "
            "from netviz.registry import HEATMAP_METHODS; HEATMAP_METHODS.entries(); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_normalize():
    n = normalize(np.stack([np.zeros((2, 2)), np.array([[-1.0, 1.0], [2.0, 4.0]])]))
    np.testing.assert_array_equal(n[0], 0)
    np.testing.assert_allclose(n[1], [[0, 0.25], [0.5, 1]])

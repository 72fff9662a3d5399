"""The registry: one module per method, each with a test, and every list of names derived from it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netviz.spec import schema
from netviz.explain import methods
from netviz.explain.methods.base import normalize

HERE = Path(__file__).parent


def test_every_method_module_registers_one_method_and_has_its_own_test():
    modules = [m.name for m in pkgutil.iter_modules(methods.__path__) if m.name != "base"]
    assert len(modules) == len(methods.registry()) == 8
    for module in modules:
        assert (HERE / f"test_{module}.py").is_file(), f"no test for netviz/explain/methods/{module}.py"


def test_metadata():
    registry = methods.registry()
    assert methods.baselines() == ("edges", "random")
    assert methods.selectable() == ("gradcam", "gradcam_plus_plus", "hirescam", "layercam", "scorecam", "xgradcam")
    assert methods.title("gradcam_plus_plus") == "Grad-CAM++" and methods.title("lime") == "lime"
    for name, method in registry.items():
        assert method.name == name and method.title
        # one sentence that completes "<title> ...": lower-case start, one full stop, at the end
        assert method.description[0].islower() and method.description.count(". ") == 0
        assert method.description.endswith("."), name
        assert method.grid == ("input" if method.baseline else "layer")
    with pytest.raises(ValueError, match="unknown CAM method 'lime'; choose from .*'xgradcam'"):
        methods.get("lime")


def test_the_spec_and_its_json_schema_take_their_names_from_the_registry():
    assert schema.Cam().methods == ["gradcam", "gradcam_plus_plus", "scorecam"]  # the defaults
    listed = schema.Spec.model_json_schema()["$defs"]["Cam"]["properties"]["methods"]["items"]["enum"]
    assert tuple(listed) == methods.selectable()
    assert schema.Cam(methods=["hirescam", "layercam"]).methods == ["hirescam", "layercam"]
    for wrong in (["random"], ["lime"], ["gradcam", "gradcam"]):
        with pytest.raises(ValueError):
            schema.Cam(methods=wrong)


def test_the_registry_and_the_spec_load_without_tensorflow():
    code = ("import sys, netviz, netviz.spec.schema, netviz.report.model_view; from netviz.explain import methods; "
            "methods.registry(); assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_normalize():
    n = normalize(np.stack([np.zeros((2, 2)), np.array([[-1.0, 1.0], [2.0, 4.0]])]))
    np.testing.assert_array_equal(n[0], 0)
    np.testing.assert_allclose(n[1], [[0, 0.25], [0.5, 1]])

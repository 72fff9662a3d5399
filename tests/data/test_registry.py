"""Data kinds are found through the registry: one module per kind, whatever is imported first."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import netviz.data
from netviz.registry import DATA_KINDS, LAYER_TYPES
from netviz.spec.facts import DataFacts

ROOT = Path(__file__).resolve().parents[2]


def registering_modules() -> list[str]:
    """The modules of netviz/data whose code calls ``DATA_KINDS.register(...)``, read from their source."""
    found = []
    for info in pkgutil.iter_modules(netviz.data.__path__):
        source = Path(netviz.data.__path__[0], f"{info.name}.py").read_text(encoding="utf-8")
        calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
                 and ast.unparse(node.func) == "DATA_KINDS.register"]
        if calls:
            assert len(calls) == 1, f"netviz/data/{info.name}.py registers {len(calls)} kinds; one module per kind"
            found.append(info.name)
    return found


def test_each_kind_lives_in_its_own_module_named_after_it() -> None:
    kinds = DATA_KINDS.entries()
    modules = registering_modules()
    assert list(kinds) == modules and len(modules) >= 2
    for name, kind in kinds.items():
        module = importlib.import_module(f"netviz.data.{name}")
        assert kind.name == name
        assert {f.__module__ for f in (kind.config, kind.describe, kind.load)} == {module.__name__}, name
    assert [name for name, kind in kinds.items() if not kind.labelled] == ["images"]


def test_line_describes_its_five_targets_without_generating_images() -> None:
    from netviz.data.line import LineData

    facts = DATA_KINDS["line"].describe(LineData(kind="line"))
    assert facts == DataFacts((28, 28, 3), {"class": 96, "length": 2, "width": 2, "angle": 12, "colour": 2})


def test_schema_holds_every_kind_and_layer_type_whichever_module_is_imported_first() -> None:
    names = [*DATA_KINDS.names(), *LAYER_TYPES.names()]
    code = ("import json, sys, netviz.data.folder, netviz.spec.layers.merge\n"
            "from netviz.spec.schema import json_schema\n"
            "text = json_schema()\n"
            "print(json.dumps([n for n in json.loads(sys.argv[1]) if f'\"const\": \"{n}\"' not in text]))")
    run = subprocess.run([sys.executable, "-c", code, json.dumps(names)], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [], "missing from the schema"

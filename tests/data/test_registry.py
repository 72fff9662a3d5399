"""Data kinds are found through the registry: one module per kind, whatever is imported first."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from netviz.registry import DATA_KINDS
from netviz.spec.facts import DataFacts

ROOT = Path(__file__).resolve().parents[2]


def test_each_kind_lives_in_its_own_module() -> None:
    kinds = DATA_KINDS.entries()
    assert list(kinds) == ["arrays", "csv", "folder", "images", "keras", "line", "mnist"]
    for name, kind in kinds.items():
        module = importlib.import_module(f"netviz.data.{name}")
        assert kind.config.__module__ == module.__name__ and kind.load.__module__ == module.__name__
    assert [name for name, kind in kinds.items() if not kind.labelled] == ["images"]


def test_line_describes_its_five_targets_without_generating_images() -> None:
    from netviz.data.line import LineData

    facts = DATA_KINDS["line"].describe(LineData(kind="line"))
    assert facts == DataFacts((28, 28, 3), {"class": 96, "length": 2, "width": 2, "angle": 12, "colour": 2})


def test_schema_holds_every_kind_whichever_module_is_imported_first() -> None:
    code = ("import netviz.data.folder, netviz.spec.layers.merge\n"
            "from netviz.spec.schema import json_schema\n"
            "text = json_schema()\n"
            "print(all(f'\"const\": \"{k}\"' in text for k in ('folder', 'arrays', 'keras', 'mnist', 'line')),"
            " '\"const\": \"Add\"' in text)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.stdout.split() == ["True", "True"], run.stderr

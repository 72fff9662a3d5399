"""Random spec trees never produce a traceback: either a Spec or one located SpecError."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netviz.errors import SpecError
from netviz.spec.loader import load_spec
from netviz.spec.schema import Spec

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = yaml.safe_load((ROOT / "specs" / "cs671-a2-task3.yaml").read_text())

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["Conv2D", "Dense", "line", "mnist", "relu", "class", "conv2d"]))
trees = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                     max_leaves=12)


def _paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found += _paths(value, prefix + (i,))
    return found


PATHS = _paths(DEFAULT)[1:]


def _load(tmp_path: Path, tree: Any) -> None:
    spec = tmp_path / "fuzz.yaml"
    spec.write_text(yaml.safe_dump(tree, allow_unicode=True))
    try:
        assert isinstance(load_spec(spec), Spec)
    except SpecError as err:
        text = str(err)
        assert "\n" not in text and text.startswith(str(spec))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_random_trees(tmp_path: Path, tree: Any) -> None:
    _load(tmp_path, tree)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(PATHS), value=trees, drop=st.booleans())
def test_default_spec_with_one_random_change(tmp_path: Path, where: tuple, value: Any, drop: bool) -> None:
    tree = copy.deepcopy(DEFAULT)
    parent = tree
    for part in where[:-1]:
        parent = parent[part]
    if drop and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    _load(tmp_path, tree)

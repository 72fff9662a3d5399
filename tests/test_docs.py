"""The docs site builds with ``mkdocs build --strict`` (every warning is an error), and its spec
reference is generated from the spec's JSON Schema: every data kind and layer type the schema
holds is on the page, so the page cannot drift from the code and the test fails if the hook
breaks. The README stays a short front door whose pictures exist and are small.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PICTURE_LIMIT = 200_000  # bytes


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("mkdocs") is None and not _on_ci():
        pytest.skip("mkdocs is not installed: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("site")
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}  # Material's banner about MkDocs 2.0: not a build warning
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
                          "--site-dir", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    assert not re.search(r"^WARNING", run.stderr, re.M), run.stderr[-5000:]
    return out


def _schema_unions() -> dict[str, set[str]]:
    """{discriminator field: the names of its members} for every discriminated union in the schema."""
    from netviz.spec.schema import json_schema

    unions: dict[str, set[str]] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            disc = node.get("discriminator")
            if isinstance(disc, dict) and "mapping" in disc:
                unions.setdefault(disc["propertyName"], set()).update(disc["mapping"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(json_schema()))
    return unions


def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    for page in ("index.html", "getting-started/index.html", "spec/index.html", "reference/spec/index.html",
                 "benchmarks/index.html", "development/index.html"):
        assert (site / page).is_file(), page
    assert not (site / "hooks").exists() and not (site / "make_pictures.py").exists()  # not pages


def test_the_spec_reference_lists_every_data_kind_and_layer_type_of_the_schema(site: Path) -> None:
    unions = _schema_unions()
    kinds, types = unions["kind"], unions["type"]
    assert {"mnist", "line", "folder", "arrays"} <= kinds and "Conv2D" in types  # the schema is the one we think
    page = (site / "reference" / "spec" / "index.html").read_text()
    assert 'id="data-kinds"' in page and 'id="layer-types"' in page
    missing = [f"kind: {k}" for k in sorted(kinds) if f"<code>kind: {k}</code>" not in page]
    missing += [f"type: {t}" for t in sorted(types) if f"<code>type: {t}</code>" not in page]
    assert not missing, f"the spec reference lacks {missing}"
    # the fields come through as well, e.g. Conv2D's arguments in its own table
    conv = page[page.index('id="conv2d"'):]
    assert "<code>kernel_size</code>" in conv[:conv.index("</table>")]


def test_no_generated_copy_of_the_spec_reference_is_kept() -> None:
    assert not (ROOT / "docs" / "reference" / "spec.md").exists()


def test_the_readme_is_a_short_front_door_with_small_pictures() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    assert "make report" in readme and "make test" in readme
    pictures = re.findall(r'src="(docs/images/[^"]+\.png)"', readme)
    assert len(pictures) >= 2
    for picture in pictures:
        size = (ROOT / picture).stat().st_size
        assert size < PICTURE_LIMIT, f"{picture}: {size} bytes"
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).exists(), link

"""The GitHub Actions workflow that tests, builds and publishes the quick report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "report.yml"
CACHE_KEY = "hashFiles('specs/quick.yaml', 'netviz/**', 'templates/**')"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def _uses(job: dict[str, Any], action: str) -> dict[str, Any]:
    """The one step of ``job`` that uses ``action`` (any version)."""
    steps = [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]
    assert len(steps) == 1, f"{action}: {len(steps)} steps"
    return steps[0]


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in job["steps"])


def test_runs_on_push(workflow: dict[str, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "push" in triggers
    assert workflow["permissions"] == {"contents": "read"}


def test_every_action_is_pinned_to_a_version(workflow: dict[str, Any]) -> None:
    uses = [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]
    assert len(uses) >= 8 and all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+", u) for u in uses), uses


def test_test_job_installs_debian_packages_and_runs_make_test(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["test"]
    _uses(job, "actions/checkout")
    _uses(job, "actions/setup-python")
    runs = _runs(job)
    assert runs.index("sudo bash .ci/sysdeps") < runs.index("make test")


def test_build_job_caches_builds_and_uploads(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["build"]
    _uses(job, "actions/checkout")
    _uses(job, "actions/setup-python")
    runs = _runs(job)
    assert "sudo bash .ci/sysdeps" in runs and "pip install ." in runs
    build = re.search(r"netviz build specs/quick.yaml --out (\S+)", runs)
    assert build, runs
    out = build.group(1)
    cache = _uses(job, "actions/cache")["with"]
    assert out in cache["path"].split() and CACHE_KEY in cache["key"]
    artifact = _uses(job, "actions/upload-artifact")["with"]
    assert artifact["path"] == f"{out}/report.pdf" and artifact["if-no-files-found"] == "error"
    site = _uses(job, "actions/upload-pages-artifact")["with"]["path"]
    assert f"cp {out}/report.html {site}/index.html" in runs
    order = [s.get("uses", s.get("run", "")).split("@")[0] for s in job["steps"]]
    assert order.index("actions/cache") < next(i for i, s in enumerate(order) if "netviz build" in s)


def test_deploy_job_publishes_pages(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["deploy"]
    assert job["needs"] == "build"
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert job["environment"]["name"] == "github-pages"
    step = _uses(job, "actions/deploy-pages")
    assert job["environment"]["url"] == "${{ steps.%s.outputs.page_url }}" % step["id"]

"""The GitHub Actions workflow is a valid workflow, publishes only from the default branch,
and runs the end-to-end tests on real data: without it, CI=true fails instead of skipping.

Validity is checked against SchemaStore's GitHub-workflow schema, which check-jsonschema
bundles (no network); the assertions below are the properties no schema can know.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "report.yml"
DEFAULT_BRANCH_ONLY = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    if tool is None:
        pytest.fail("check-jsonschema is missing: pip install -e '.[test]'")
    return subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def test_the_workflow_is_valid_for_github_actions() -> None:
    check = _check_jsonschema(WORKFLOW)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("old, new", [("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"),  # a misspelt key
                                      ("timeout-minutes: 60", "timeout-minutes: an hour"),  # a wrong type
                                      ("  push:\n", "  pushed:\n")])  # an event GitHub does not have
def test_the_check_catches_a_broken_workflow(tmp_path: Path, old: str, new: str) -> None:
    text = WORKFLOW.read_text()
    assert old in text
    broken = tmp_path / "report.yml"
    broken.write_text(text.replace(old, new, 1))
    assert _check_jsonschema(broken).returncode == 1


def _steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def test_pages_are_written_only_by_the_deploy_job_and_only_from_the_default_branch(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}  # every other job: read only
    writers = {name for name, job in workflow["jobs"].items() if "write" in job.get("permissions", {}).values()}
    assert writers == {"deploy"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["if"] == DEFAULT_BRANCH_ONLY
    assert _steps_using(deploy, "actions/deploy-pages") and deploy["environment"]["name"] == "github-pages"
    assert set(deploy["needs"]) == {"test", "build"} and _steps_using(workflow["jobs"]["build"], "actions/upload-pages-artifact")


def test_the_tests_run_on_keras_mnist_download_with_ci_true(workflow: dict[str, Any]) -> None:
    steps = workflow["jobs"]["test"]["steps"]
    caches = [i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/cache@")
              and "~/.keras/datasets" in s["with"]["path"].split()]
    tests = [i for i, s in enumerate(steps) if s.get("run", "").strip() == "make test"]
    assert len(caches) == 1 and len(tests) == 1 and caches[0] < tests[0]
    assert str(steps[tests[0]].get("env", {}).get("CI")).lower() == "true"


NEEDS_MNIST = """
from pathlib import Path

import tests.conftest as conftest

conftest.MNIST_DIR = Path({missing!r})  # no shared folder...


def offline():
    raise OSError("Network is unreachable")  # ...and no network for Keras' download


conftest.keras_test_split = offline


def test_reads_mnist(mnist_dir):
    pass


def test_builds_the_report(quick_build):
    pass
"""


@pytest.mark.parametrize("ci", ["true", ""])
def test_without_mnist_the_end_to_end_tests_fail_under_ci_and_skip_elsewhere(tmp_path: Path, ci: str) -> None:
    (tmp_path / "test_needs_mnist.py").write_text(NEEDS_MNIST.format(missing=str(tmp_path / "no-mnist")))
    env = os.environ | {"PYTHONPATH": str(ROOT), "CI": ci}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider", "-q",
                          "-rs", "test_needs_mnist.py"], capture_output=True, text=True, env=env, cwd=tmp_path,
                         timeout=300)
    summary = run.stdout.strip().splitlines()[-1]
    if ci:
        assert run.returncode == 1 and "2 errors" in summary, run.stdout[-3000:]
        assert run.stdout.count("CI=true: the end-to-end tests must run, not skip") >= 1
    else:
        assert run.returncode == 0 and "2 skipped" in summary, run.stdout[-3000:]
    assert "Network is unreachable" in run.stdout

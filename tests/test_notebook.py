"""The example notebook cannot rot: the tests run it as committed and check what it shows.

``specs/examples/notebook.ipynb`` trains a small CNN on LINE with ``netviz.keras.ReportCallback``,
explains one image inline and writes the report. It runs here with nbclient, on a kernel that
is this interpreter (a kernelspec written for the test, so no installed ``python3`` kernel of
another Python is picked up), in a temporary working folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "specs" / "examples" / "notebook.ipynb"
OUT = Path("build") / "notebook"  # where the notebook writes its report, under its working folder
SNAPSHOTS = [1, 2, 3]  # the callback's epochs in the notebook
CELL_TIMEOUT_S = 600


def _kernel_manager(kernels: Path):
    """A kernel manager whose only kernel runs ``sys.executable`` (the venv's Python) with ipykernel."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    name = "netviz-test"
    (kernels / name).mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "netviz test", "language": "python"}
    (kernels / name / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return AsyncKernelManager(kernel_name=name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def test_the_committed_notebook_has_no_outputs() -> None:
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code), "clear the notebook's outputs"


@pytest.mark.slow
def test_the_example_notebook_runs_and_shows_its_results(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    work = tmp_path / "work"
    work.mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, km=_kernel_manager(tmp_path / "kernels"), timeout=CELL_TIMEOUT_S,
                                     resources={"metadata": {"path": str(work)}})
    # this checkout's netviz in the kernel, whichever netviz is installed
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = os.environ | {"PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "3"}
    client.execute(env=env, cleanup_kc=True)  # raises on a failing cell; cleanup_kc: the kernel ends with it

    (explain,) = [c for c in notebook.cells if c.cell_type == "code" and "netviz.explain(" in _source(c)]
    shown = [o.get("data", {}) for o in explain.outputs if o.output_type in ("execute_result", "display_data")]
    assert any("image/png" in d or 'src="data:image/png;base64,' in d.get("text/html", "") for d in shown), \
        f"the explanation is not shown inline: {explain.outputs}"

    out = work / OUT
    assert (out / "report.html").stat().st_size > 0 and (out / "report.pdf").read_bytes().startswith(b"%PDF")
    (report,) = [c for c in notebook.cells if c.cell_type == "code" and "callback.result" in _source(c)]
    printed = "".join(o.get("text", "") for o in report.outputs if o.output_type == "stream")
    assert "report.html" in printed and "report.pdf" in printed

    metrics = json.loads((out / "metrics.json").read_text())
    model = metrics["models"]["cnn"]
    assert model["visualization"]["over_training"]["epochs"] == SNAPSHOTS

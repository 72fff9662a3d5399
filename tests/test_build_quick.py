"""The quick spec end to end, as a user runs it: build, build again (cached), render."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import netviz
from netviz.results import FORMAT_VERSION, load_results
from tests.conftest import run_netviz

ROOT = Path(__file__).resolve().parents[1]


def _netviz(*args: str) -> subprocess.CompletedProcess[str]:
    return run_netviz(*args)


def test_build_writes_metrics_with_exact_parameter_counts(quick_build) -> None:
    out, run, seconds = quick_build
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    params = {name: m["params"] for name, m in metrics["models"].items()}
    assert params == {
        "seq_mnist": {"total": 3_977_930, "trainable": 3_977_866, "non_trainable": 64},
        "seq_line": {"total": 4_069_216, "trainable": 4_069_152, "non_trainable": 64},
        "multihead": {"total": 10_259_255, "trainable": 10_255_079, "non_trainable": 4_176},
    }
    evaluation = metrics["models"]["multihead"]["evaluation"]
    assert set(evaluation) == {"length", "width", "colour", "angle"}
    for scores in evaluation.values():
        assert 0.0 <= scores["macro_f1"] <= 1.0 and 0.0 <= scores["accuracy"] <= 1.0
    # one epoch on a little data already beats chance by far on the easy heads and MNIST
    assert evaluation["colour"]["accuracy"] > 0.8
    assert metrics["models"]["seq_mnist"]["evaluation"]["class"]["accuracy"] > 0.5
    data = metrics["models"]["seq_mnist"]["data"]
    assert data["train"] + data["validation"] + data["test"] == 2000
    assert "test split only" in metrics["datasets"]["mnist"]["provenance"]["split"]
    assert (out / "models" / "multihead.keras").exists() and (out / "models" / "multihead.initial.keras").exists()
    # the progress line of each trained model, with the accuracy that metrics.json holds
    for name, model in metrics["models"].items():
        scores = ", ".join(f"{head} {e['accuracy']:.4f}" for head, e in model["evaluation"].items())
        assert re.search(rf"^\[ *\d+\.\ds\] {name}: trained in \d+\.\ds; test accuracy {scores}$", run.stdout, re.M), name


def test_build_writes_results_that_validate(quick_build) -> None:
    """metrics.json is the typed contract: this netviz reads back exactly what it wrote."""
    out, run, _ = quick_build
    assert run.returncode == 0, run.stderr[-3000:]
    results = load_results(out / "metrics.json", "specs/quick.yaml")
    assert results.format_version == FORMAT_VERSION and results.netviz_version == netviz.__version__
    assert json.loads((out / "metrics.json").read_text()) == results.model_dump(mode="json")
    assert list(results.timings.models) == list(results.models) == ["seq_mnist", "seq_line", "multihead"]


def test_build_writes_all_figures_and_explanations(quick_build) -> None:
    out, run, _ = quick_build
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = json.loads((out / "metrics.json").read_text())
    for name, model in metrics["models"].items():
        kinds = {f["kind"] for f in model["visualization"]["figures"]}
        assert {"activations", "filters", "kernels", "cam", "curves"} <= kinds, name
        for figure in model["visualization"]["figures"]:
            assert (out / figure["path"]).stat().st_size > 0
        explanations = model["visualization"]["explanations"]
        assert {"gradcam", "gradcam_plus_plus", "scorecam"} <= set(explanations)
        for per_head in explanations.values():
            assert list(per_head) == list(model["outputs"])
    gradcam = metrics["models"]["seq_line"]["visualization"]["explanations"]["gradcam"]["class"]
    assert gradcam["images"] >= 200 and gradcam["pointing_game"] is not None
    assert metrics["models"]["seq_mnist"]["visualization"]["explanations"]["gradcam"]["class"]["pointing_game"] is None


def test_build_writes_the_report(quick_build) -> None:
    out, run, _ = quick_build
    assert run.returncode == 0, run.stderr[-3000:]
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert run.stdout.strip().splitlines()[-2:] == [str(out / "report.html"), str(out / "report.pdf")]


def test_second_build_retrains_nothing_and_render_is_fast(quick_build) -> None:
    out, first, _ = quick_build
    assert first.returncode == 0, first.stderr[-3000:]
    before = (out / "models" / "seq_mnist.keras").stat().st_mtime_ns
    again = _netviz("build", "specs/quick.yaml", "--out", str(out), "--no-pdf")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("training cached") == 3 and "epoch(s), batch" not in again.stdout
    assert (out / "models" / "seq_mnist.keras").stat().st_mtime_ns == before
    started = time.perf_counter()
    render = _netviz("render", "specs/quick.yaml", "--out", str(out))
    assert render.returncode == 0, render.stderr[-3000:]
    assert time.perf_counter() - started < 60
    assert (out / "report.pdf").exists()


def test_same_spec_twice_gives_identical_results(quick_build, tmp_path: Path) -> None:
    out, first, _ = quick_build
    assert first.returncode == 0, first.stderr[-3000:]
    again = _netviz("build", "specs/quick.yaml", "--out", str(tmp_path))
    assert again.returncode == 0, again.stderr[-3000:]
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (out, tmp_path))
    assert a.pop("timings") != {} and b.pop("timings") != {}
    assert a == b
    figures = sorted(p.relative_to(out) for p in (out / "figures").rglob("*") if p.is_file())
    assert len(figures) > 30
    for rel in figures:
        assert (out / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel
    assert (out / "report.pdf").read_bytes() == (tmp_path / "report.pdf").read_bytes()
    assert (out / "report.html").read_bytes() == (tmp_path / "report.html").read_bytes()

"""The results contract: what validates, and the one line an old or foreign results file gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from netviz.cli import main
from netviz.results import FORMAT_VERSION, Results, ResultsError, load_results
from tests.document import load_raw

ROOT = Path(__file__).resolve().parents[1]
SPEC = "specs/quick.yaml"


@pytest.fixture
def render(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """``netviz render`` on a build folder holding ``raw`` as metrics.json: exit status and stderr lines."""
    monkeypatch.chdir(ROOT)

    def run(raw: object) -> tuple[int, list[str]]:
        (tmp_path / "metrics.json").write_text(raw if isinstance(raw, str) else json.dumps(raw))
        status = main(["render", SPEC, "--out", str(tmp_path), "--no-pdf"])
        captured = capsys.readouterr()
        assert captured.out == "" and not (tmp_path / "report.html").exists()
        return status, captured.err.splitlines()

    return run


def test_the_fixture_is_current_results() -> None:
    results = Results.model_validate(load_raw())
    assert results.format_version == FORMAT_VERSION
    assert list(results.models) == ["seq_mnist", "seq_line", "multihead"]
    assert results.models["multihead"].params.total == 10_259_255


def test_a_wrong_format_version_is_one_line(render, tmp_path: Path) -> None:
    raw = load_raw() | {"format_version": FORMAT_VERSION + 1, "netviz_version": "9.9.9"}
    status, err = render(raw)
    assert status == 2 and err == [
        f"netviz: error: {tmp_path / 'metrics.json'}: built by netviz 9.9.9, format {FORMAT_VERSION + 1}; "
        f"this netviz reads format {FORMAT_VERSION}: run `netviz build {SPEC}` again"]


def test_results_from_before_format_versions_are_one_line(render, tmp_path: Path) -> None:
    raw = load_raw()
    del raw["format_version"]
    status, err = render(raw)
    assert status == 2 and err == [
        f"netviz: error: {tmp_path / 'metrics.json'}: built by netviz {raw['netviz_version']} without a format "
        f"version; this netviz reads format {FORMAT_VERSION}: run `netviz build {SPEC}` again"]


def test_results_that_fail_validation_name_the_field(render) -> None:
    raw = load_raw()
    del raw["models"]["seq_line"]["params"]["trainable"]
    status, err = render(raw)
    assert status == 2 and len(err) == 1
    assert f"format {FORMAT_VERSION}, but models.seq_line.params.trainable: Field required: run `netviz build specs/quick.yaml` again" in err[0]


def test_foreign_values_stay_on_one_line(render) -> None:
    status, err = render({"netviz_version": "1.0\n" + "x" * 200, "format_version": "2\nthree"})
    assert status == 2 and len(err) == 1 and "built by netviz 1.0_xxx" in err[0] and "format 2_three;" in err[0]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_a_foreign_file_is_one_line(render, text: str) -> None:
    status, err = render(text)
    assert status == 2 and len(err) == 1 and err[0].endswith("run `netviz build specs/quick.yaml` again")


def test_missing_results_say_build_first(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="no build results here; run `netviz build specs/quick.yaml` first"):
        load_results(tmp_path / "metrics.json", SPEC)


def test_unknown_keys_are_refused() -> None:
    raw = load_raw()
    raw["models"]["seq_mnist"]["heads_text"] = {}
    with pytest.raises(ValidationError, match="heads_text"):
        Results.model_validate(raw)


def test_every_output_is_evaluated_and_every_data_set_summarized() -> None:
    raw = load_raw()
    del raw["models"]["multihead"]["evaluation"]["angle"]
    with pytest.raises(ValidationError, match="evaluation covers"):
        Results.model_validate(raw)
    raw = load_raw()
    del raw["datasets"]["line"]
    with pytest.raises(ValidationError, match="data set 'line'"):
        Results.model_validate(raw)


def test_extra_test_splits_score_only_the_evaluated_outputs() -> None:
    raw = load_raw()
    model = raw["models"]["seq_mnist"]
    model["extra_tests"] = {"rotated": {"class": model["evaluation"]["class"]}}
    assert Results.model_validate(raw).models["seq_mnist"].extra_tests["rotated"]["class"].accuracy > 0
    model["extra_tests"]["rotated"]["colour"] = model["evaluation"]["class"]
    with pytest.raises(ValidationError, match=r"extra_tests.rotated scores \['colour'\], which the test split does not"):
        Results.model_validate(raw)


def test_explanations_are_open_to_new_methods() -> None:
    """A new heatmap method or baseline is a new key with the same scores, not a schema change."""
    raw = load_raw()
    per_method = raw["models"]["seq_line"]["visualization"]["explanations"]
    per_method["edges"] = {"class": {"pointing_game": 0.25, "images": 200, "deletion_auc": 0.3}}
    scores = Results.model_validate(raw).models["seq_line"].visualization.explanations["edges"]["class"]
    assert scores.pointing_game == 0.25 and scores.images == 200 and scores.sanity_spearman is None

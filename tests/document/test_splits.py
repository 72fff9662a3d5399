"""The further test splits in the report: the accuracy rows, and the finding computed from them, read as
sentences on cases whose answer is known (a network that follows a moved mark; one that does not)."""

from __future__ import annotations

from types import SimpleNamespace

from netviz.document.inferences import observations, split_findings
from netviz.document.splits import (
    Pointing,
    SplitAccuracy,
    falls,
    looks_at_masks,
    split_notes,
    split_rows,
)
from netviz.results import Evaluation
from tests.document.test_verdicts import row


def evaluation(right: int, wrong: int) -> Evaluation:
    """Two classes; ``right`` images on the diagonal, ``wrong`` off it."""
    return Evaluation(accuracy=right / (right + wrong), macro_f1=0.5, confusion=[[right, wrong], [0, 0]],
                      reference_accuracy=None)


def results(extra: dict[str, tuple[int, int]]) -> SimpleNamespace:
    return SimpleNamespace(evaluation={"class": evaluation(240, 0)},
                           extra_tests={name: {"class": evaluation(*rw)} for name, rw in extra.items()})


def test_rows_put_the_main_split_first_and_measure_each_split_against_it() -> None:
    rows = split_rows(results({"moved_mark": (24, 216), "new_camera": (228, 12)}))
    assert rows[0] == SplitAccuracy(None, "class", 240, 1.0, None)
    assert [(r.split, r.output, r.images, r.accuracy) for r in rows[1:]] == [
        ("moved_mark", "class", 240, 0.1), ("new_camera", "class", 240, 0.95)]
    assert [round(r.difference, 12) for r in rows[1:]] == [-0.9, -0.05]
    assert [r.split for r in falls(rows)] == ["moved_mark"]  # 90 points down; 5 points is no finding
    assert split_rows(results({})) == []  # no further split: no table


def test_heatmaps_on_the_masks_only_when_far_above_every_baseline() -> None:
    bases = [Pointing("Edge baseline", 0.0, True), Pointing("Random baseline", 0.08, True)]
    text = looks_at_masks("Net", [Pointing("Grad-CAM", 0.9, False), *bases])
    assert text == ("Net looks at what the masks mark: the peak of its Grad-CAM heatmap falls on the masked pixels in"
                    " 90.0% of images, against 0.0% for the Edge baseline and 8.0% for the Random baseline")
    assert looks_at_masks("Net", [Pointing("Grad-CAM", 0.45, False), *bases]) is None  # less than half the images
    assert looks_at_masks("Net", [Pointing("Grad-CAM", 0.9, False), Pointing("Edge baseline", 0.75, True)]) is None
    assert looks_at_masks("Net", [Pointing("Grad-CAM", 0.9, False)]) is None  # nothing to weigh it against


def test_a_fall_with_heatmaps_on_the_mark_is_one_story() -> None:
    rows = split_rows(results({"moved_mark": (24, 216)}))
    looks = looks_at_masks("Net", [Pointing("Grad-CAM", 0.9, False), Pointing("Edge baseline", 0.0, True)])
    assert split_notes([("Net", rows, looks)]) == [
        "Net looks at what the masks mark: the peak of its Grad-CAM heatmap falls on the masked pixels in 90.0% of"
        " images, against 0.0% for the Edge baseline; and it leans on them: on the moved_mark test split (240 images)"
        " the accuracy of Net falls to 10.0%, from 100.0% on the test split cut from its own data (\u221290.0 pp)."
        " What the masks mark is what it relies on."]
    assert split_notes([("Net", rows, None)]) == [
        "On the moved_mark test split (240 images) the accuracy of Net falls to 10.0%, from 100.0% on the test split"
        " cut from its own data (\u221290.0 pp): it relies on something that split changes."]


def test_a_split_that_holds_is_said_and_no_split_says_nothing() -> None:
    held = split_rows(results({"new_camera": (228, 12)}))
    assert split_notes([("Net", held, None)]) == [
        "Net holds its accuracy on its further test splits (new_camera 95.0%, against 100.0% on its own test split):"
        " nothing they change is what it relies on."]
    assert split_notes([("Net", [], None)]) == []


def test_the_finding_comes_first_among_the_observations() -> None:
    rows = [row("gradcam", 0.9, 0.3, 0.1), row("edges", 0.0, 0.5, None), row("random", 0.08, 0.6, None)]
    net = SimpleNamespace(name="net", title="Net", explanations=rows, layer_stats=[], filter_stats=[], history={},
                          outputs=[SimpleNamespace(name="class", accuracy=1.0, reference=None)],
                          test_splits=split_rows(results({"moved_mark": (24, 216)})))
    found = split_findings([net])
    assert len(found) == 1 and found[0].startswith("Net looks at what the masks mark: the peak of its Grad-CAM heatmap"
                                                   " falls on the masked pixels in 90.0% of images, against 0.0% for"
                                                   " the Edge baseline and 8.0% for the Random baseline; and it leans")
    assert observations([net], 0.5)[0] == found[0]

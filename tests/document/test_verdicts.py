"""The verdict and the ranked observations, read as sentences on cases whose answer is known.

A baseline that beats every method must never leave a method called "best"; a method that
fails the sanity check must be read as a picture of the image, whatever its other scores.
"""

from __future__ import annotations

from types import SimpleNamespace

from netviz.document.inferences import observations, verdict, verdicts
from netviz.document.model_view import Explanation
from netviz.results import Scores

LABELS = {"gradcam": "Grad-CAM", "scorecam": "Score-CAM", "edges": "Edge baseline", "random": "Random baseline"}


def row(method: str, pointing: float | None, deletion: float, rho: float | None, empty: float = 0.0,
        output: str = "class") -> Explanation:
    baseline = method in ("edges", "random")
    scores = Scores(pointing_game=pointing, chance_pointing=None if pointing is None else 0.12,
                    pointing_tolerance=None if pointing is None else 2, deletion_auc=deletion, insertion_auc=0.8,
                    empty_maps=empty, images=200, sanity_spearman=1.0 if baseline else rho,
                    sanity_flagged=True if baseline else (None if rho is None else rho >= 0.5))
    return Explanation(method, LABELS[method], output, scores, baseline=baseline)


def model(title: str, rows: list[Explanation], outputs: tuple[str, ...] = ("class",), accuracy: float = 0.9):
    return SimpleNamespace(
        name=title.lower(), title=title, explanations=rows, layer_stats=[], filter_stats=[], history={}, test_splits=[],
        outputs=[SimpleNamespace(name=o, accuracy=accuracy, reference=0.8) for o in outputs])


def line_like():
    """As on LINE in the default build: the edge baseline points at the line every time and deletes fastest;
    Score-CAM follows the untrained network (flagged), Grad-CAM does not."""
    return model("LINE net", [
        row("gradcam", 0.76, 0.45, 0.10, empty=0.55), row("scorecam", 0.84, 0.40, 0.78),
        row("edges", 1.0, 0.33, None), row("random", 0.115, 0.70, None)])


def test_a_baseline_that_wins_is_said_and_no_method_is_called_best():
    text = verdict(line_like(), "class", 0.5)
    assert text == (
        "On LINE net no method localizes better than the Edge baseline (pointing game 100% against Grad-CAM 76%,"
        " Score-CAM 84%), so the pointing game cannot rank them; by deletion no method removes the evidence faster"
        " than the Edge baseline (AUC 0.330 against 0.400 to 0.450); only Grad-CAM's maps depend on the learned"
        " weights (mean |ρ| 0.10 with the untrained network's); Score-CAM keeps 0.78, at or above 0.50: they follow"
        " the image more than what was learned; Grad-CAM leaves 55% of the maps empty. So Grad-CAM shows the network,"
        " not the image, yet no score here ranks it above a map that knows nothing about the network.")
    assert "best" not in text
    notes = observations([line_like()], 0.5)
    assert not any("localizes best" in n for n in notes)
    assert notes[0].startswith("No heatmap method localizes better on LINE net than the Edge baseline, which knows"
                               " nothing about the network: its peak falls on the object (within 2 px) in 100.0% of"
                               " images, against 84.0% for the best method, Score-CAM")
    assert notes[1].startswith("On LINE net, deleting the pixels the Edge baseline ranks highest lowers the class"
                               " score faster than any method's maps: deletion AUC 0.330 against 0.400")
    assert notes[2].startswith("Score-CAM on LINE net (class) is flagged by the sanity check")
    assert notes[3] == ("Grad-CAM leaves 55.0% of its maps on LINE net empty (all the evidence negative): those images"
                        " have no map to read.")
    assert notes[-1].startswith("1 of 1 outputs reach the reference accuracy")  # the restatement comes last


def test_a_method_that_beats_the_baselines_and_passes_the_check_is_believed():
    m = model("Shapes net", [row("gradcam", 0.9, 0.20, 0.10), row("scorecam", 0.6, 0.35, 0.20),
                             row("edges", 0.5, 0.30, None), row("random", 0.1, 0.7, None)])
    assert verdict(m, "class", 0.5) == (
        "On Shapes net Grad-CAM localizes best (pointing game 90%, the Edge baseline 50%); Score-CAM also beats the"
        " baselines; by deletion, Grad-CAM"
        " removes the evidence faster than the Edge baseline (AUC 0.200 against 0.300, lower is better); every"
        " method's maps depend on the learned weights (mean |ρ| 0.10 to 0.20 with the untrained network's, below"
        " 0.50). So believe Grad-CAM and Score-CAM for where the network looks.")
    assert observations([m], 0.5)[0].startswith("Grad-CAM localizes best on Shapes net")


def test_a_method_that_fails_the_check_is_not_believed_whatever_its_scores():
    m = model("MNIST net", [row("gradcam", None, 0.25, 0.10), row("scorecam", None, 0.20, 0.90),
                            row("edges", None, 0.30, None), row("random", None, 0.7, None)])
    text = verdict(m, "class", 0.5)
    assert text.startswith("By deletion, Grad-CAM and Score-CAM remove the evidence faster than the Edge baseline"
                           " (AUC 0.250, 0.200 against 0.300, lower is better)")
    assert text.endswith("So believe Grad-CAM for where the network looks, and read Score-CAM as pictures of the"
                         " image, not of the network.")
    flagged = model("MNIST net", [row("gradcam", None, 0.25, 0.60), row("edges", None, 0.30, None)])
    assert verdict(flagged, "class", 0.5).endswith(
        "no method's maps depend on the learned weights: all keep a mean |ρ| of 0.60 with the untrained network's"
        " (threshold 0.50). So no map here can be read as what the network learned.")


def test_one_verdict_per_head_naming_the_head():
    rows = [row(m, p, d, r, output=h) for h in ("length", "width")
            for m, p, d, r in (("gradcam", 0.9, 0.2, 0.1), ("edges", 0.5, 0.3, None))]
    found = verdicts([model("Four-head", rows, outputs=("length", "width"))], 0.5)
    assert [v[:32] for v in found["four-head"]] == ["On Four-head (length) Grad-CAM l", "On Four-head (width) Grad-CAM lo"]

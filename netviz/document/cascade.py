"""One computed sentence per heatmap method on its cascading randomization: where its maps stop depending on
the network.

Read from the record's numbers alone, averaged over the heads: the first step (from the output down) after
which the method's maps keep less than the sanity threshold of mean |Spearman ρ| with the trained ones. A
method that never falls below it, or that comes back above it with every layer randomized, is read as a
picture of the image; one that changes only once layers at or below its heatmap layer are randomized is said
to ignore the layers that turn its maps into the class. None is praised for more than the numbers show.
"""

from __future__ import annotations

from statistics import fmean

from netviz.document.fmt import num
from netviz.results import CascadeRecord


def _words(step: list[str]) -> str:
    """The layers of one step as a reader reads them: one or two by name, else the first and how many more."""
    if len(step) <= 2:
        return " and ".join(step)
    return f"{step[0]} and {len(step) - 1} more"


def _mean(per_head: dict[str, list[float]]) -> list[float]:
    return [fmean(values) for values in zip(*per_head.values())]


def cascade_sentence(record: CascadeRecord, method: str, title: str, threshold: float) -> str:
    """Where ``method``'s maps come apart from the trained ones as the network is randomized from the output down
    (its numbers averaged over the heads)."""
    rho, ssim = _mean(record.spearman[method]), _mean(record.ssim[method])
    n = len(record.steps)
    at = lambda k: f"step {k + 1} of {n}, |ρ| {num(rho[k], 2)}, SSIM {num(ssim[k], 2)}"  # noqa: E731
    first = next((k for k, r in enumerate(rho) if r < threshold), None)
    if first is None:
        return f"{title} never comes apart ({at(n - 1)}: every layer randomized): its maps do not show what was learned."
    if rho[-1] >= threshold:
        return (f"{title} comes apart after {_words(record.steps[first])} ({at(first)}) but comes back with every"
                f" layer randomized (|ρ| {num(rho[-1], 2)}, threshold {num(threshold, 2)}): its maps show the image"
                f" more than the learned weights.")
    step = record.steps[first]
    are = "is" if len(step) == 1 else "are"
    if first == 0:
        return (f"{title} changes as soon as the output layer{'' if len(step) == 1 else 's'} {_words(step)} {are}"
                f" randomized ({at(0)}): it depends on the learned weights.")
    if record.above[first] or not any(record.above[:first]):
        return (f"{title} changes once the layers down to {_words(step)} are randomized ({at(first)}; |ρ|"
                f" {num(rho[first - 1], 2)} a step earlier): it depends on the learned weights.")
    return (f"{title} changes only once {_words(step)}, at or below its heatmap layer, {are} randomized ({at(first)}):"
            f" the layers above it, which turn its maps into the class, change little of what it shows (|ρ|"
            f" {num(rho[first - 1], 2)} with them randomized).")


def cascade_notes(models: list, threshold: float) -> dict[str, list[str]]:
    """Per model name, one sentence per heatmap method of the spec (the baselines never look at the network), after
    a word on the heads where the numbers are means over several."""
    found: dict[str, list[str]] = {}
    for m in models:
        record = getattr(m, "cascade", None)
        if record is None:
            continue
        titles = {e.method: e.label for e in m.explanations if not e.baseline}
        heads = len(next(iter(record.spearman.values())))
        found[m.name] = [*([f"Means over the {heads} outputs."] if heads > 1 else []),
                         *(cascade_sentence(record, method, titles[method], threshold)
                           for method in record.spearman if method in titles)]
    return found

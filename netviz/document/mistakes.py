"""Observations from the error analysis: each model's most frequent mistake and where its maps sit on mistakes.

The numbers come from ``visualization.errors`` (:mod:`netviz.views.errors`): the confused pairs are
counted on the whole test split, the maps' placement on the images of the pass that scores the methods.
"""

from __future__ import annotations

from netviz.document.fmt import pct, thousands
from netviz.document.model_view import ModelView
from netviz.results import HeadErrors, Placement


def placement_sentence(title: str, p: Placement) -> str | None:
    """Where one method's maps sit on the mistakes against the right answers, or None without both."""
    if p.mask_mistakes is not None and p.mask_right is not None:
        return (f"{title} puts {pct(p.mask_mistakes, 0)} of its map on the object on the {thousands(p.mistakes)} "
                f"mistakes shown, against {pct(p.mask_right, 0)} on {thousands(p.right)} right answers")
    if p.spread_mistakes is None or p.spread_right is None:
        return None
    wider = "wider" if p.spread_mistakes > p.spread_right else "narrower"
    return (f"{title}'s maps are {wider} on the {thousands(p.mistakes)} mistakes shown: half of a map's mass lies on "
            f"{pct(p.spread_mistakes, 0)} of the pixels, against {pct(p.spread_right, 0)} on {thousands(p.right)} "
            f"right answers")


def head_sentence(m: ModelView, head: str, e: HeadErrors) -> str | None:
    """"The most frequent mistake of X: 4 read as 9, 7 of its 43 errors ...; Grad-CAM's maps are wider ..."."""
    if not e.errors or not e.pairs:
        return None
    top = e.pairs[0]
    where = m.title if len(m.errors) == 1 else f"{m.title} (head {head})"
    text = (f"The most frequent mistake of {where}: {top.true} read as {top.predicted}, {thousands(top.count)} of its "
            f"{thousands(e.errors)} errors on {thousands(e.images)} test images")
    labels = {x.method: x.label for x in m.explanations}
    for method, p in e.placement.items():
        said = placement_sentence(labels.get(method, method), p)
        if said:
            return f"{text}; {said}."
    return text + "."


def mistakes(models: list[ModelView]) -> list[tuple[int, str]]:
    """(rank, sentence): per model its head with the most errors first (rank 1), its other heads after (rank 3);
    a model without a single mistake says so (rank 3)."""
    notes = []
    for m in models:
        heads = sorted(getattr(m, "errors", {}).items(), key=lambda item: -item[1].errors)  # none: built without
        if heads and not any(e.errors for _, e in heads):
            every = f" on every one of its {len(heads)} heads" if len(heads) > 1 else ""
            notes.append((3, f"{m.title} gets all {thousands(heads[0][1].images)} test images right{every}."))
            continue
        for k, (head, e) in enumerate(heads):
            text = head_sentence(m, head, e)
            if text:
                notes.append((1 if k == 0 else 3, text))
    return notes

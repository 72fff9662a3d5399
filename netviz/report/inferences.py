"""Observations computed from this build, each carrying the number it rests on.

The spec's own inferences are prose written once; these sentences are recomputed
on every build so that the report never claims what the metrics do not show.
"""

from __future__ import annotations

from netviz.report.fmt import num, pct, signed_points, thousands
from netviz.report.model_view import Explanation, FilterStatsRow, ModelView


def _scored(models: list[ModelView]) -> list[tuple[ModelView, str, float, float | None]]:
    return [(m, o.name, o.accuracy, o.reference) for m in models for o in m.outputs if o.accuracy is not None]


def accuracy_vs_reference(models: list[ModelView]) -> list[str]:
    """How many outputs match the original report, and the largest shortfall."""
    rows = [(m, name, acc, ref) for m, name, acc, ref in _scored(models) if ref is not None]
    if not rows:
        return []
    reached = sum(acc >= ref for _, _, acc, ref in rows)
    m, name, acc, ref = min(rows, key=lambda r: r[2] - r[3])
    text = f"{reached} of {len(rows)} outputs reach the reference accuracy of the original report"
    if acc < ref:
        text += (f"; the largest shortfall is {m.title} ({name}) at {signed_points(acc - ref)}"
                 f" ({pct(acc)} against {pct(ref)})")
    return [text + "."]


def hardest_heads(models: list[ModelView]) -> list[str]:
    """The lowest-accuracy head of each multi-head model, against its siblings."""
    notes = []
    for m in models:
        heads = [(o.name, o.accuracy) for o in m.outputs if o.accuracy is not None]
        if len(heads) < 2:
            continue
        name, acc = min(heads, key=lambda h: h[1])
        if acc == max(a for _, a in heads):
            notes.append(f"All {len(heads)} heads of {m.title} reach the same test accuracy, {pct(acc)}.")
            continue
        others = ", ".join(f"{n} {pct(a)}" for n, a in heads if n != name)
        notes.append(f"In {m.title} the hardest head is {name} with test accuracy {pct(acc)} (others: {others}).")
    return notes


def generalization(models: list[ModelView]) -> list[str]:
    """Per model, the output with the largest final-epoch train/validation accuracy gap."""
    notes = []
    for m in models:
        gaps = [(o.name, *g) for o in m.outputs if (g := _final_gap(m, o.name, len(m.outputs) == 1))]
        if not gaps:
            continue
        name, train, val = max(gaps, key=lambda g: g[1] - g[2])
        where = f"{m.title} ({name})" if len(m.outputs) > 1 else m.title
        notes.append(f"{where}: final-epoch training accuracy {pct(train)} against validation {pct(val)},"
                     f" a gap of {signed_points(train - val)}"
                     + (f", the largest of its {len(gaps)} outputs." if len(gaps) > 1 else "."))
    return notes


def _final_gap(m: ModelView, output: str, single: bool) -> tuple[float, float] | None:
    key = "accuracy" if single else f"{output}_accuracy"
    if key not in m.history or f"val_{key}" not in m.history:  # no validation split: no gap to show
        return None
    return m.history[key][-1], m.history[f"val_{key}"][-1]


def dead_channels(models: list[ModelView]) -> list[str]:
    """Dead-channel share per visualized layer, and dead filters under gradient ascent."""
    notes = []
    for m in models:
        parts = [f"{s.layer} {pct(s.dead_share, 1)} of {thousands(s.channels)} channels"
                 f" (mean activation {num(s.mean_activation)})" for s in m.layer_stats]
        if parts:
            notes.append(f"Dead channels (never active on the sample images) in {m.title}: {'; '.join(parts)}.")
        notes += [_filter_note(m, s) for s in m.filter_stats]
    return notes


def _filter_note(m: ModelView, s: FilterStatsRow) -> str:
    """Dead filters under gradient ascent, or the mean response when none is dead."""
    where = f"{thousands(s.count)} filters of {m.title} layer {s.layer}"
    steps = f"after {thousands(s.steps)} steps"
    if s.dead:
        note = f"Gradient ascent left {thousands(s.dead)} of the {where} without any response {steps}."
        if s.dead > 0.1 * s.count:
            note += (f" That is {pct(s.dead / s.count, 0)} of the layer switched off in training: such ReLU filters"
                     " pass nothing on and learn nothing more; a learning-rate warm-up (train.warmup_epochs) or a"
                     " lower rate keeps them alive.")
        return note
    return f"Gradient ascent found an exciting input for all {where}: mean final activation {num(s.mean_final)} {steps}."


def _rows(models: list[ModelView]) -> list[tuple[ModelView, Explanation]]:
    return [(m, e) for m in models for e in m.explanations if not e.baseline]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _by_method(m: ModelView, key: str, baselines: bool = False) -> dict[str, list[Explanation]]:
    """A model's explanation rows that report ``key``, grouped by method: the methods, or else the baselines."""
    groups: dict[str, list[Explanation]] = {}
    for e in m.explanations:
        if getattr(e.scores, key) is not None and e.baseline == baselines:
            groups.setdefault(e.method, []).append(e)
    return groups


def _over(rows: list[Explanation]) -> str:
    return f" on average over its {len(rows)} outputs" if len(rows) > 1 else ""


def localization(models: list[ModelView]) -> list[str]:
    """Per model, the method whose heatmap peak lands on the object most often, against chance."""
    notes = []
    for m in models:
        groups = _by_method(m, "pointing_game")
        if not groups:
            continue
        rows = max(groups.values(), key=lambda r: _mean([e.scores.pointing_game for e in r]))
        e = rows[0]
        tolerance = next((r.scores.pointing_tolerance for r in rows if r.scores.pointing_tolerance is not None), None)
        within = f" (within {tolerance} px)" if tolerance is not None else ""
        text = (f"{e.label} localizes best on {m.title}: its heatmap peak falls on the object{within} in"
                f" {pct(_mean([r.scores.pointing_game for r in rows]), 1)} of {thousands(e.scores.images)} images{_over(rows)}")
        chance = [r.scores.chance_pointing for r in rows if r.scores.chance_pointing is not None]
        if chance:
            text += f", against {pct(_mean(chance), 1)} expected by chance with the same tolerance"
        energy = [r.scores.energy_in_mask for r in rows if r.scores.energy_in_mask is not None]
        if energy:
            text += f"; {pct(_mean(energy), 1)} of its heatmap energy lies in the object mask"
        reference = [f"{b[0].label} {pct(_mean([r.scores.pointing_game for r in b]), 1)}"
                     for b in _by_method(m, "pointing_game", baselines=True).values()]
        if reference:
            text += f" (baselines that know nothing about the network: {', '.join(reference)})"
        notes.append(text + ".")
    return notes


def faithfulness(models: list[ModelView]) -> list[str]:
    """Per model, the method whose top-ranked pixels carry the evidence (lowest deletion AUC)."""
    notes = []
    for m in models:
        groups = _by_method(m, "deletion_auc")
        if len(groups) < 2:
            continue
        rows = min(groups.values(), key=lambda r: _mean([e.scores.deletion_auc for e in r]))
        ins = [r.scores.insertion_auc for r in rows if r.scores.insertion_auc is not None]
        notes.append(f"On {m.title}, deleting the pixels {rows[0].label} ranks highest lowers the class score"
                     f" fastest: deletion AUC {num(_mean([r.scores.deletion_auc for r in rows]))}"
                     + (f", insertion AUC {num(_mean(ins))}" if ins else "") + f"{_over(rows)}.")
    return notes


def sanity(models: list[ModelView], threshold: float) -> list[str]:
    """Methods flagged by the model-randomization check, or the margin by which all pass."""
    rows = [(m, e) for m, e in _rows(models) if e.scores.sanity_spearman is not None]
    if not rows:
        return []
    flagged = [(m, e) for m, e in rows if e.scores.sanity_flagged]
    if flagged:
        return [_flag_note(m, group, threshold) for m, group in _group_by_model_method(flagged)]
    m, e = max(rows, key=lambda r: r[1].scores.sanity_spearman)
    return [f"No heatmap method is flagged by the sanity check: the highest mean |Spearman correlation| with a randomized"
            f" model is {num(e.scores.sanity_spearman, 2)} ({e.label}, {m.title}, {e.output}), below the threshold"
            f" {num(threshold, 2)}."]


def _group_by_model_method(rows: list[tuple[ModelView, Explanation]]) -> list[tuple[ModelView, list[Explanation]]]:
    """Flagged rows grouped per (model, method), in their first-seen order: one note per group."""
    groups: dict[tuple[str, str], tuple[ModelView, list[Explanation]]] = {}
    for m, e in rows:
        groups.setdefault((m.title, e.label), (m, []))[1].append(e)
    return list(groups.values())


def _flag_note(m: ModelView, group: list[Explanation], threshold: float) -> str:
    rhos = [e.scores.sanity_spearman for e in group]
    label = group[0].label
    if len(group) == 1:
        where, rho = f" ({group[0].output})", num(rhos[0], 2)
    else:
        where = f" ({', '.join(e.output for e in group)})"
        rho = f"{num(min(rhos), 2)} to {num(max(rhos), 2)}"
    return (f"{label} on {m.title}{where} is flagged by the sanity check: its heatmaps keep a mean |Spearman correlation| of"
            f" {rho} with those of the untrained network (threshold {num(threshold, 2)}), so they follow the image more"
            f" than the learned weights.")


def observations(models: list[ModelView], sanity_threshold: float) -> list[str]:
    """All computed observations in reading order: accuracy, training, layers, heatmaps."""
    return [*accuracy_vs_reference(models), *hardest_heads(models), *generalization(models),
            *dead_channels(models), *localization(models), *faithfulness(models),
            *sanity(models, sanity_threshold)]

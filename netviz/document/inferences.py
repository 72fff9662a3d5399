"""Observations computed from this build, each carrying the number it rests on.

The spec's own inferences are prose written once; these sentences are recomputed
on every build so that the report never claims what the metrics do not show.
"""

from __future__ import annotations

from netviz.document.fmt import num, pct, signed_points, thousands
from netviz.document.mistakes import mistakes
from netviz.document.model_view import Explanation, FilterStatsRow, ModelView
from netviz.document.splits import Pointing, looks_at_masks, split_notes


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
    """Per model, the method whose heatmap peak lands on the object most often, against chance and the
    baselines; where a baseline does better, that is the finding, and no method is called best."""
    return [text for _, text in _localization(models)]


def _localization(models: list[ModelView]) -> list[tuple[int, str]]:
    notes = []
    for m in models:
        groups = _by_method(m, "pointing_game")
        if not groups:
            continue
        rows = max(groups.values(), key=lambda r: _mean([e.scores.pointing_game for e in r]))
        e, score = rows[0], _mean([r.scores.pointing_game for r in rows])
        tolerance = next((r.scores.pointing_tolerance for r in rows if r.scores.pointing_tolerance is not None), None)
        within = f" (within {tolerance} px)" if tolerance is not None else ""
        chance = [r.scores.chance_pointing for r in rows if r.scores.chance_pointing is not None]
        energy = [r.scores.energy_in_mask for r in rows if r.scores.energy_in_mask is not None]
        bases = {b[0].label: _mean([r.scores.pointing_game for r in b])
                 for b in _by_method(m, "pointing_game", baselines=True).values()}
        better = max(bases.items(), key=lambda kv: kv[1]) if bases else None
        if better is not None and better[1] >= score:
            text = (f"No heatmap method localizes better on {m.title} than the {better[0]}, which knows nothing about"
                    f" the network: its peak falls on the object{within} in {pct(better[1], 1)} of images, against"
                    f" {pct(score, 1)} for the best method, {e.label}{_over(rows)}")
            if chance:
                text += f", and {pct(_mean(chance), 1)} expected by chance with the same tolerance"
            notes.append((0, text + "; the pointing game cannot rank the methods here."))
            continue
        text = (f"{e.label} localizes best on {m.title}: its heatmap peak falls on the object{within} in"
                f" {pct(score, 1)} of {thousands(e.scores.images)} images{_over(rows)}")
        if chance:
            text += f", against {pct(_mean(chance), 1)} expected by chance with the same tolerance"
        if energy:
            text += f"; {pct(_mean(energy), 1)} of its heatmap energy lies in the object mask"
        if bases:
            text += (f" (baselines that know nothing about the network: "
                     f"{', '.join(f'{k} {pct(v, 1)}' for k, v in bases.items())})")
        notes.append((1, text + "."))
    return notes


def faithfulness(models: list[ModelView]) -> list[str]:
    """Per model, the method whose top-ranked pixels carry the evidence (lowest deletion AUC), or the baseline
    that beats them all."""
    return [text for _, text in _faithfulness(models)]


def _faithfulness(models: list[ModelView]) -> list[tuple[int, str]]:
    notes = []
    for m in models:
        groups = _by_method(m, "deletion_auc")
        if not groups:
            continue
        rows = min(groups.values(), key=lambda r: _mean([e.scores.deletion_auc for e in r]))
        score = _mean([r.scores.deletion_auc for r in rows])
        bases = {b[0].label: _mean([r.scores.deletion_auc for r in b])
                 for b in _by_method(m, "deletion_auc", baselines=True).values()}
        better = min(bases.items(), key=lambda kv: kv[1]) if bases else None
        if better is not None and better[1] <= score:
            notes.append((0, f"On {m.title}, deleting the pixels the {better[0]} ranks highest lowers the class score"
                             f" faster than any method's maps: deletion AUC {num(better[1])} against {num(score)} for"
                             f" the best method, {rows[0].label}{_over(rows)} (lower is better)."))
            continue
        if len(groups) < 2 and better is None:
            continue
        ins = [r.scores.insertion_auc for r in rows if r.scores.insertion_auc is not None]
        notes.append((1, f"On {m.title}, deleting the pixels {rows[0].label} ranks highest lowers the class score"
                         f" fastest: deletion AUC {num(score)}"
                         + (f", insertion AUC {num(_mean(ins))}" if ins else "") + f"{_over(rows)}"
                         + (f" (baselines: {', '.join(f'{k} {num(v)}' for k, v in bases.items())})" if bases else "")
                         + "."))
    return notes


def empty_maps(models: list[ModelView], share: float = 0.25) -> list[str]:
    """Methods that leave at least ``share`` of a head's maps all zero: nothing to read on those images."""
    notes = []
    for m in models:
        for e in m.explanations:
            if not e.baseline and e.scores.empty_maps is not None and e.scores.empty_maps >= share:
                where = m.title if len(m.outputs) == 1 else f"{m.title} ({e.output})"
                notes.append(f"{e.label} leaves {pct(e.scores.empty_maps, 1)} of its maps on {where} empty (all the"
                             f" evidence negative): those images have no map to read.")
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


def split_findings(models: list[ModelView]) -> list[str]:
    """What each model's further test splits show, told with whether its heatmaps sit on the masks
    (netviz.document.splits): a network right on its own test split, wrong where a mark moved, and looking at it."""
    items = []
    for m in models:
        pointing = [Pointing(rows[0].label, _mean([e.scores.pointing_game for e in rows]), rows[0].baseline)
                    for baseline in (False, True) for rows in _by_method(m, "pointing_game", baseline).values()]
        items.append((m.title, list(m.test_splits), looks_at_masks(m.title, pointing)))
    return split_notes(items)


def observations(models: list[ModelView], sanity_threshold: float) -> list[str]:
    """All computed observations, the most telling first: findings against a baseline or a check (a baseline
    that beats every method, a method flagged by the sanity check), then what the methods show, then maps left
    empty, then layers and training, and last the restatements of accuracy. Stable within a rank."""
    flagged = [(2 if text.startswith("No heatmap method is flagged") else 0, text)
               for text in sanity(models, sanity_threshold)]
    ranked = [*[(0, t) for t in split_findings(models)], *_localization(models), *_faithfulness(models), *flagged,
              *mistakes(models),
              *[(2, t) for t in empty_maps(models)],
              *[(3, t) for t in (*dead_channels(models), *hardest_heads(models), *generalization(models))],
              *[(4, t) for t in accuracy_vs_reference(models)]]
    return [text for _, text in sorted(ranked, key=lambda r: r[0])]


# ---------------------------------------------------------------- verdicts

def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _verb(group: list, one: str, many: str) -> str:
    return one if len(group) == 1 else many


def _span(values: list[float], digits: int = 2) -> str:
    lo, hi = num(min(values), digits), num(max(values), digits)
    return lo if lo == hi else f"{lo} to {hi}"


def verdict(m: ModelView, output: str, threshold: float) -> str | None:
    """One paragraph on one head of one model, computed from the scores: each method against the
    baselines (pointing game, deletion AUC) and the sanity check, then which maps to believe.
    A method is never called best where a baseline does better."""
    rows = [e for e in m.explanations if e.output == output]
    methods, bases = [e for e in rows if not e.baseline], [e for e in rows if e.baseline]
    if not methods:
        return None
    where = m.title if len(m.outputs) == 1 else f"{m.title} ({output})"
    said: list[str] = []
    beats: set[str] = set()
    compared = False
    pointing = [e for e in methods if e.scores.pointing_game is not None]
    base_pointing = [e for e in bases if e.scores.pointing_game is not None]
    if pointing and base_pointing:
        compared = True
        b = max(base_pointing, key=lambda e: e.scores.pointing_game)
        best = max(pointing, key=lambda e: e.scores.pointing_game)
        listed = ", ".join(f"{e.label} {pct(e.scores.pointing_game, 0)}" for e in pointing)
        if b.scores.pointing_game >= best.scores.pointing_game:
            said.append(f"on {where} no method localizes better than the {b.label} (pointing game"
                        f" {pct(b.scores.pointing_game, 0)} against {listed}), so the pointing game cannot rank them")
        else:
            winners = [e for e in pointing if e.scores.pointing_game > b.scores.pointing_game]
            beats.update(e.label for e in winners)
            said.append(f"on {where} {best.label} localizes best (pointing game {pct(best.scores.pointing_game, 0)},"
                        f" the {b.label} {pct(b.scores.pointing_game, 0)})"
                        + (f"; {_names([e.label for e in winners if e is not best])} also"
                           f" {_verb(winners[1:], 'beats', 'beat')} the baselines" if len(winners) > 1 else ""))
    deletion = [e for e in methods if e.scores.deletion_auc is not None]
    base_deletion = [e for e in bases if e.scores.deletion_auc is not None]
    if deletion and base_deletion:
        compared = True
        b = min(base_deletion, key=lambda e: e.scores.deletion_auc)
        faster = [e for e in deletion if e.scores.deletion_auc < b.scores.deletion_auc]
        beats.update(e.label for e in faster)
        if faster:
            said.append(f"by deletion, {_names([e.label for e in faster])} {_verb(faster, 'removes', 'remove')} the"
                        f" evidence faster than the {b.label}"
                        f" (AUC {', '.join(num(e.scores.deletion_auc) for e in faster)} against"
                        f" {num(b.scores.deletion_auc)}, lower is better)")
        else:
            said.append(f"by deletion no method removes the evidence faster than the {b.label} (AUC"
                        f" {num(b.scores.deletion_auc)} against {_span([e.scores.deletion_auc for e in deletion], 3)})")
    checked = [e for e in methods if e.scores.sanity_flagged is not None]
    failed = [e for e in checked if e.scores.sanity_flagged]
    passed = [e for e in checked if not e.scores.sanity_flagged]
    if checked:
        rho = lambda group: _span([e.scores.sanity_spearman for e in group])  # noqa: E731
        if passed and failed:
            said.append(f"only {_names([e.label for e in passed])}'s maps depend on the learned weights (mean |ρ| {rho(passed)}"
                        f" with the untrained network's); {_names([e.label for e in failed])} {_verb(failed, 'keeps', 'keep')}"
                        f" {rho(failed)}, at or above {num(threshold, 2)}: they follow the image more than what was learned")
        elif failed:
            said.append(f"no method's maps depend on the learned weights: all keep a mean |ρ| of {rho(failed)} with the"
                        f" untrained network's (threshold {num(threshold, 2)})")
        else:
            said.append(f"every method's maps depend on the learned weights (mean |ρ| {rho(passed)} with the untrained"
                        f" network's, below {num(threshold, 2)})")
    empty = [e for e in methods if e.scores.empty_maps is not None and e.scores.empty_maps >= 0.25]
    if empty:
        said.append(", ".join(f"{e.label} leaves {pct(e.scores.empty_maps, 0)} of the maps empty" for e in empty))
    if not said:
        return None
    trusted = [e.label for e in methods if not e.scores.sanity_flagged and (e.label in beats or not compared)]
    if checked or compared:
        if trusted:
            close = f"So believe {_names(trusted)} for where the network looks"
            if failed:
                close += f", and read {_names([e.label for e in failed])} as pictures of the image, not of the network"
        elif passed:
            close = (f"So {_names([e.label for e in passed])} {_verb(passed, 'shows', 'show')} the network, not the"
                     f" image, yet no score here ranks"
                     f" {'it' if len(passed) == 1 else 'them'} above a map that knows nothing about the network")
        elif failed and len(failed) == len(methods):
            close = "So no map here can be read as what the network learned"
        else:
            close = "So no method's map here shows more than a map that knows nothing about the network"
        said.append(close)
    text = "; ".join(said[:-1]) + ". " + said[-1] + "." if len(said) > 1 else said[0] + "."
    return text[0].upper() + text[1:]


def verdicts(models: list[ModelView], threshold: float) -> dict[str, list[str]]:
    """Per model name, one verdict paragraph per head (in output order)."""
    found: dict[str, list[str]] = {}
    for m in models:
        found[m.name] = [v for o in m.outputs if (v := verdict(m, o.name, threshold)) is not None]
    return found

"""Error analysis: which test images a model gets wrong, how sure it was, and what it looked at.

One batched forward pass over the whole test split gives every head's predictions; from
them :func:`plan` picks, per head, the confident mistakes (wrong, most probable first), the
least confident right answers, the most typical right answer of each class and the images
of each confused pair of classes (the cells of the confusion matrix off its diagonal; with
many classes only the ``TOP_PAIRS`` largest). The heatmaps of those images come from the
pass that scores the methods (:func:`netviz.views.model.cam_pass` appends them to its
batch), so no image is explained twice; :func:`galleries` then only slices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from netviz.models import graph
from netviz.models.outputs import OutputInfo
from netviz.results import ErrorPair, HeadErrors, Placement
from netviz.views.exemplars import as_float

GALLERY = 8  # images in a gallery of mistakes or unsure right answers
CELL_CAP = 24  # images shown per confused pair (the count says how many there are)
TOP_PAIRS = 12  # with more classes than this, only the most confused pairs get galleries
BUDGET = 320  # images of one model explained for its galleries, all heads together: bounds the cost ...
BUDGET_PIXELS = 32 * 32  # ... for images up to this size; larger ones get proportionally fewer (Score-CAM at 224 px)


@dataclass(frozen=True)
class HeadPlan:
    """The test indices one head's galleries show, and the facts their captions state."""

    head: int
    true: np.ndarray  # (N,) labels of the whole test split
    pred: np.ndarray  # (N,) decisions
    confidence: np.ndarray  # (N,) probability of the decision
    mistakes: np.ndarray  # wrong, most confident first
    unsure: np.ndarray  # right, least confident first
    typical: np.ndarray  # per class (of the shown ones) its most confident right answer
    pairs: list[tuple[int, int, int, np.ndarray]] = field(default_factory=list)  # (true, pred, count, shown)

    @property
    def errors(self) -> int:
        return int(((self.pred != self.true) & (self.true >= 0)).sum())

    @property
    def labelled(self) -> int:
        return int((self.true >= 0).sum())


def predict_test(model: Any, x: np.ndarray) -> list[np.ndarray]:
    """Every head's probabilities on the test split (uint8 or float images): one compiled forward pass, chunked
    so that only a chunk at a time is held as float32."""
    predictor = graph.Predictor(model)
    parts = [predictor.all_heads(as_float(x[i : i + graph.CHUNK])) for i in range(0, len(x), graph.CHUNK)]
    return [np.concatenate(column) for column in zip(*parts)]


def _ranked(index: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``index`` sorted by ``key`` ascending, ties by index (stable): deterministic."""
    return index[np.argsort(key[index], kind="stable")]


def head_plan(head: int, info: OutputInfo, true: np.ndarray, probs: np.ndarray, budget: int = BUDGET) -> HeadPlan:
    """Which test images one head's galleries show (see the module docstring)."""
    true = np.asarray(true).astype(np.int64)
    pred = graph.decisions(info, probs)
    conf = graph.target_probability(info, probs, pred)
    index = np.arange(len(true))
    labelled = true >= 0
    wrong, right = index[labelled & (pred != true)], index[labelled & (pred == true)]
    mistakes = _ranked(wrong, -conf)
    unsure = _ranked(right, conf)[:GALLERY]
    pairs = confused_pairs(true[wrong], pred[wrong], len(info.class_names) > TOP_PAIRS)
    shown: list[tuple[int, int, int, np.ndarray]] = []
    left = max(0, budget - GALLERY * 2 - len(pairs))  # every pair shows its most confident image, whatever the budget
    for t, p, count in pairs:
        cell = mistakes[(true[mistakes] == t) & (pred[mistakes] == p)][: 1 + min(CELL_CAP - 1, left)]
        left -= len(cell) - 1
        shown.append((t, p, count, cell))
    classes = sorted({c for t, p, _ in pairs for c in (t, p)}) if len(info.class_names) > TOP_PAIRS \
        else sorted(set(true[labelled].tolist()))
    best = _ranked(right, -conf)
    typical = np.array([i for c in classes[:TOP_PAIRS] for i in best[true[best] == c][:1]], dtype=np.int64)
    return HeadPlan(head, true, pred, conf, mistakes[:GALLERY], unsure, typical, shown)


def confused_pairs(true: np.ndarray, pred: np.ndarray, top_only: bool) -> list[tuple[int, int, int]]:
    """(true, predicted, count) of every mistaken pair, most frequent first (ties by class index);
    ``top_only``: the ``TOP_PAIRS`` most frequent."""
    if not len(true):
        return []
    keys, counts = np.unique(np.stack([true, pred], axis=1), axis=0, return_counts=True)
    order = np.lexsort((keys[:, 1], keys[:, 0], -counts))
    found = [(int(keys[i, 0]), int(keys[i, 1]), int(counts[i])) for i in order]
    return found[:TOP_PAIRS] if top_only else found


def budget_for(image_shape: Sequence[int]) -> int:
    """How many images a model's galleries may explain: ``BUDGET`` for small images, fewer for large ones (every
    method's cost grows with the pixels), never under the two galleries of one head."""
    pixels = int(image_shape[0]) * int(image_shape[1])
    return max(2 * GALLERY, int(BUDGET * min(1.0, BUDGET_PIXELS / pixels)))


def plan(outputs: Sequence[OutputInfo], labels: dict[str, np.ndarray], probs: Sequence[np.ndarray],
         budget: int = BUDGET) -> tuple[list[HeadPlan], np.ndarray]:
    """Every labelled head's plan, and the distinct test indices they show (sorted): the images to explain.

    The budget is shared: the first head gets it whole, each next one what the heads before left."""
    plans, chosen = [], np.zeros(0, dtype=np.int64)
    for i, info in enumerate(outputs):
        true = np.asarray(labels[info.target])
        if not (true >= 0).any():
            continue
        p = head_plan(i, info, true, probs[i], max(GALLERY * 2, budget - len(chosen)))
        plans.append(p)
        chosen = np.union1d(chosen, np.concatenate([p.mistakes, p.unsure, p.typical,
                                                    *[cell for *_, cell in p.pairs]]).astype(np.int64))
    return plans, chosen


@dataclass(frozen=True)
class Gallery:
    """One gallery: test images with their label lines and every chosen method's map."""

    kind: str  # "mistakes", "unsure", "typical" or "pair"
    head: str
    images: np.ndarray  # (n, H, W, C) in [0, 1]
    maps: dict[str, np.ndarray]  # method title -> (n, H, W) at input size
    labels: list[str]  # "4 → 9 97%"
    count: int  # images of this kind in the test split (more than shown where capped)
    pair: tuple[str, str] | None = None  # (true, predicted) class names of a pair's gallery


def _name(info: OutputInfo, index: int) -> str:
    return str(info.class_names[index]) if 0 <= index < len(info.class_names) else str(index)


def galleries(p: HeadPlan, info: OutputInfo, x_test: np.ndarray, chosen: np.ndarray,
              maps: dict[str, np.ndarray]) -> list[Gallery]:
    """The head's galleries; ``maps`` (method title -> (len(chosen), H, W)) belong to ``chosen``, in order."""

    def make(kind: str, index: np.ndarray, count: int, pair: tuple[str, str] | None = None) -> Gallery:
        at = np.searchsorted(chosen, index)
        labels = [f"{_name(info, int(p.true[i]))}\n→ {_name(info, int(p.pred[i]))} {p.confidence[i]:.0%}"
                  for i in index]
        return Gallery(kind, info.name, as_float(x_test[index]), {t: m[at] for t, m in maps.items()}, labels,
                       count, pair)

    found = []
    if len(p.mistakes):
        found.append(make("mistakes", p.mistakes, p.errors))
    if len(p.unsure):
        found.append(make("unsure", p.unsure, p.labelled - p.errors))
    if len(p.typical):
        found.append(make("typical", p.typical, len(p.typical)))
    found += [make("pair", cell, count, (_name(info, t), _name(info, q))) for t, q, count, cell in p.pairs if len(cell)]
    return found


def half_mass_share(maps: np.ndarray) -> np.ndarray:
    """(N,) the smallest share of pixels that holds half of each map's mass: small = a focused map.
    An all-zero map counts as spread over everything (1.0)."""
    flat = np.sort(np.asarray(maps, dtype=np.float64).reshape(len(maps), -1), axis=1)[:, ::-1]
    total = flat.sum(axis=1, keepdims=True)
    cum = np.divide(np.cumsum(flat, axis=1), total, out=np.ones_like(flat), where=total > 0)
    share = (np.argmax(cum >= 0.5, axis=1) + 1) / flat.shape[1]
    return np.where(total[:, 0] > 0, share, 1.0)


def mask_share(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """(N,) each map's share of mass on the object mask; NaN for an all-zero map."""
    maps = np.asarray(maps, dtype=np.float64).reshape(len(maps), -1)
    total = maps.sum(axis=1)
    inside = (maps * np.asarray(masks, dtype=bool).reshape(len(maps), -1)).sum(axis=1)
    return np.divide(inside, total, out=np.full_like(total, np.nan), where=total > 0)


def placement(mistakes: np.ndarray, right: np.ndarray, masks_wrong: np.ndarray | None,
              masks_right: np.ndarray | None) -> Placement:
    """Where one method's maps sit on mistakes against right answers: their spread, and their share on the
    object where there are masks."""
    def mean(v: np.ndarray) -> float | None:
        v = v[~np.isnan(v)]
        return float(v.mean()) if len(v) else None

    on_mask = masks_wrong is not None and masks_right is not None
    return Placement(
        mistakes=len(mistakes), right=len(right),
        spread_mistakes=mean(half_mass_share(mistakes)) if len(mistakes) else None,
        spread_right=mean(half_mass_share(right)) if len(right) else None,
        mask_mistakes=mean(mask_share(mistakes, masks_wrong)) if on_mask and len(mistakes) else None,
        mask_right=mean(mask_share(right, masks_right)) if on_mask and len(right) else None,
    )


def head_errors(p: HeadPlan, info: OutputInfo, placements: dict[str, Placement]) -> HeadErrors:
    """The record of one head's error analysis: counts, the confused pairs, where the maps sit."""
    pairs = [ErrorPair(true=_name(info, t), predicted=_name(info, q), count=count, shown=len(cell))
             for t, q, count, cell in p.pairs]
    return HeadErrors(errors=p.errors, images=p.labelled, pairs=pairs, placement=placements)


@dataclass(frozen=True)
class Explained:
    """The scoring pass's maps after the shown images: the evaluation set, then the ``extra`` gallery images."""

    index: np.ndarray  # test index of each
    extra: int
    maps: dict[str, list[np.ndarray]]  # method -> per head (n, H, W) at input size


def error_views(plans: Sequence[HeadPlan], outputs: Sequence[OutputInfo], data: Any, found: Explained,
                ) -> tuple[list[Gallery], dict[str, HeadErrors]]:
    """Every head's galleries and its record, from the plans and the maps the scoring pass made."""
    from netviz.registry import HEATMAP_METHODS

    n = len(found.index)
    ev, ex = found.index[: n - found.extra], found.index[n - found.extra :]
    masks = None if data.masks_test is None else np.asarray(data.masks_test)
    shown: list[Gallery] = []
    records: dict[str, HeadErrors] = {}
    for p in sorted(plans, key=lambda p: -p.errors):  # the head with the most errors first: the body shows it
        info = outputs[p.head]
        per_method = {name: m[p.head] for name, m in found.maps.items()}
        titles = {HEATMAP_METHODS[name].title: m[n - found.extra :] for name, m in per_method.items()}
        shown += galleries(p, info, data.x_test, ex, titles)
        wrong = (p.pred[ex] != p.true[ex]) & (p.true[ex] >= 0)
        right = (p.pred[ev] == p.true[ev]) & (p.true[ev] >= 0)
        records[info.name] = head_errors(p, info, {
            name: placement(m[n - found.extra :][wrong], m[: n - found.extra][right],
                            None if masks is None else masks[ex[wrong]], None if masks is None else masks[ev[right]])
            for name, m in per_method.items()})
    return shown, records

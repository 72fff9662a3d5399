"""Stratified, seeded subsampling and train/test splitting shared by MNIST and LINE.

Both data sets are evaluated per class, so every class must keep its share in each
part; and a run must be reproducible from the spec's seed alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def allocate(counts: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``total`` over classes in proportion to ``counts`` (largest remainder).

    Rounding each class separately can lose the total (20 images, 10 classes, 20 %
    test -> 0 test images); largest remainder keeps it exact. Ties go to random
    classes so no class index is favoured.
    """
    counts = np.asarray(counts, dtype=np.int64)
    quota = counts * (total / max(int(counts.sum()), 1))
    take = np.minimum(np.floor(quota + 1e-9).astype(np.int64), counts)
    left = total - int(take.sum())
    if left > 0:
        room = take < counts
        order = np.lexsort((rng.random(len(counts)), -(quota - take), ~room))
        take[order[:left]] += 1
    return take


def _pick(labels: np.ndarray, take: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mask of ``take[c]`` random members of each class c, without a Python loop."""
    n = len(labels)
    order = rng.permutation(n)
    order = order[np.argsort(labels[order], kind="stable")]
    starts = np.searchsorted(labels[order], np.arange(len(take)))
    rank = np.arange(n) - starts[labels[order]]
    chosen = np.zeros(n, dtype=bool)
    chosen[order[rank < take[labels[order]]]] = True
    return chosen


def stratified_subsample(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``n`` items keeping class proportions (all items if n >= len)."""
    labels = np.asarray(labels, dtype=np.int64)
    if n >= len(labels):
        return np.arange(len(labels))
    counts = np.bincount(labels)
    return np.flatnonzero(_pick(labels, allocate(counts, n, rng), rng))


def stratified_split(
    labels: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled (train, test) index arrays, disjoint, covering all items, per-class share.

    At least one item lands on each side whenever there are two or more items, so a
    tiny ``limit`` still yields something to train and to test on.
    """
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    n_test = int(round(n * test_fraction))
    if n >= 2:
        n_test = min(max(n_test, 1), n - 1)
    counts = np.bincount(labels) if n else np.zeros(0, dtype=np.int64)
    is_test = _pick(labels, allocate(counts, n_test, rng), rng)
    train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    return rng.permutation(train), rng.permutation(test)


def grouped_split(labels: np.ndarray, groups: np.ndarray, test_fraction: float,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split per class so that all members of a group (identical images) fall on one side.

    LINE images of a class differ only by a whole-pixel shift, so at 1,000 images per
    class most images have exact copies; a plain split would put copies of training
    images in the test set and measure memory, not generalization. Groups are assigned
    whole, in random order, until each class's test share is reached.
    """
    test = np.zeros(len(labels), dtype=bool)
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        keys, inverse, counts = np.unique(groups[members], return_inverse=True, return_counts=True)
        order = rng.permutation(len(keys))
        want = max(1, int(round(len(members) * test_fraction)))
        cumulative = np.cumsum(counts[order])
        chosen = order[: max(1, int(np.searchsorted(cumulative, want)) + 1)] if len(keys) > 1 else order[:0]
        if len(chosen) >= len(keys):
            chosen = chosen[:-1]
        test[members[np.isin(inverse, chosen)]] = True
    return rng.permutation(np.flatnonzero(~test)), rng.permutation(np.flatnonzero(test))


def pick_per_class(per_class: list[list[Path]], limit: int | None,
                    rng: np.random.Generator) -> tuple[list[Path], np.ndarray]:
    """Files and labels, at most ``limit`` per class (a seeded choice, kept in the given order)."""
    paths: list[Path] = []
    labels: list[int] = []
    for label, files in enumerate(per_class):
        if limit is not None and len(files) > limit:
            files = [files[i] for i in np.sort(rng.choice(len(files), limit, replace=False))]
        paths += files
        labels += [label] * len(files)
    return paths, np.asarray(labels, dtype=np.int64)

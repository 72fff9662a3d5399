"""The random baseline: seeded, the same map for the same image in any batch, and pure chance."""

from __future__ import annotations

import numpy as np

from netviz.views import trust
from netviz.views.methods.random_map import random_maps


def test_the_same_image_gets_the_same_map_in_any_batch_and_the_seed_changes_it():
    x = np.random.default_rng(0).random((5, 6, 6, 1)).astype(np.float32)
    maps = random_maps(x, seed=3)
    assert maps.shape == (5, 6, 6) and maps.dtype == np.float32
    np.testing.assert_array_equal(random_maps(x[3:4], seed=3)[0], maps[3])
    np.testing.assert_array_equal(random_maps(x[::-1], seed=3), maps[::-1])
    assert not np.allclose(random_maps(x, seed=4), maps)
    assert not np.allclose(maps[0], maps[1])
    np.testing.assert_allclose(maps.reshape(5, -1).max(axis=1), 1.0)
    assert maps.min() >= 0.0


def test_its_pointing_game_is_the_chance_level():
    x = np.random.default_rng(1).random((2000, 10, 10, 1)).astype(np.float32)
    masks = np.zeros((2000, 10, 10), bool)
    masks[:, :, :3] = True  # 30% of the image
    hits = trust.pointing_hits(random_maps(x, seed=0), masks, tolerance=0)
    assert abs(trust.nanmean(hits) - 0.3) < 0.04  # 4 standard errors (sqrt(0.21 / 2000) = 0.01)

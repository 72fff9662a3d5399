"""Trust scores on synthetic maps whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from netviz.views import trust


def masks_with_line(n: int = 1, size: int = 28) -> np.ndarray:
    m = np.zeros((n, size, size), bool)
    m[:, 10, 5:20] = True  # a horizontal line on row 10
    return m


def peak_at(y: int, x: int, size: int = 28) -> np.ndarray:
    m = np.zeros((1, size, size))
    m[0, y, x] = 1.0
    return m


def test_pointing_game_hits_on_the_mask_and_within_one_pixel_misses_further():
    mask = masks_with_line()
    assert trust.pointing_hits(peak_at(10, 7), mask).tolist() == [1.0]
    assert trust.pointing_hits(peak_at(11, 7), mask).tolist() == [1.0]  # one pixel off: tolerated
    assert trust.pointing_hits(peak_at(11, 4), mask).tolist() == [1.0]  # diagonal neighbour of (10, 5)
    assert trust.pointing_hits(peak_at(12, 7), mask).tolist() == [0.0]  # two pixels off
    assert trust.pointing_hits(peak_at(25, 25), mask).tolist() == [0.0]
    assert trust.pointing_hits(peak_at(10, 7), mask, tolerance=0).tolist() == [1.0]
    assert trust.pointing_hits(peak_at(11, 7), mask, tolerance=0).tolist() == [0.0]


def test_pointing_game_mean_and_empty_masks():
    masks = np.concatenate([masks_with_line(3), np.zeros((1, 28, 28), bool)])
    maps = np.concatenate([peak_at(10, 6), peak_at(0, 0), peak_at(20, 20), peak_at(10, 6)])
    hits = trust.pointing_hits(maps, masks)
    assert hits[:3].tolist() == [1.0, 0.0, 0.0]
    assert np.isnan(hits[3])  # no object: no verdict
    assert trust.nanmean(hits) == pytest.approx(1 / 3)
    assert trust.nanmean(np.array([np.nan])) is None


def test_a_constant_map_points_at_a_random_pixel_and_scores_chance_wherever_the_object_sits():
    """Raster order made a constant map point at the top-left corner: 100% on a left-half object, 0% on a right one."""
    n = 2000
    left = np.zeros((n, 28, 28), bool)
    left[:, :, :14] = True  # columns 0..13; grown by 1 px: columns 0..14, 15 of 28
    right = left[:, :, ::-1]  # columns 14..27; grown: 13..27, 15 of 28
    for constant in (np.zeros((n, 28, 28)), np.full((n, 28, 28), 0.3)):  # an all-zero map is constant too
        on_left, on_right = trust.pointing_hits(constant, left), trust.pointing_hits(constant, right)
        assert trust.nanmean(on_left) == pytest.approx(15 / 28, abs=0.03)  # chance: the grown mask's share
        assert trust.nanmean(on_right) == pytest.approx(15 / 28, abs=0.03)
        assert trust.nanmean(trust.chance_shares(trust.dilate(left))) == pytest.approx(15 / 28)
        # the same seeded peaks for both: each lands on one grown half at least (both in columns 13-14)
        assert np.all(on_left + on_right >= 1)
        np.testing.assert_array_equal(on_left, trust.pointing_hits(constant, left))  # seeded: the same every run
    assert not np.array_equal(trust.pointing_hits(np.zeros((n, 28, 28)), left, seed=1), on_left)
    # a strict maximum is never moved by the tie-break
    assert trust.pointing_hits(peak_at(0, 27), left[:1]).tolist() == [0.0]


def test_pointing_tolerance_scales_with_the_image():
    """round(15 * max(H, W) / 224), at least 1 (Zhang et al. 2018: 15 px at 224 px)."""
    assert trust.pointing_tolerance((224, 224)) == 15
    assert trust.pointing_tolerance((28, 28)) == 2  # 1.875
    assert trust.pointing_tolerance((32, 32)) == 2  # 2.14
    assert trust.pointing_tolerance((64, 48)) == 4  # 4.29 from the longer side
    assert trust.pointing_tolerance((299, 299)) == 20  # 20.02
    assert trust.pointing_tolerance((8, 8)) == 1 and trust.pointing_tolerance((4, 4)) == 1  # 0.54, 0.27: at least 1
    mask = masks_with_line()
    assert trust.pointing_hits(peak_at(12, 7), mask, tolerance=2).tolist() == [1.0]  # two pixels off: tolerated at 28 px
    assert trust.pointing_hits(peak_at(13, 7), mask, tolerance=2).tolist() == [0.0]
    # chance with the same tolerance: the line (15 px on row 10) grown by 2 px is 5 rows x 19 columns
    assert trust.chance_shares(trust.dilate(mask, 2))[0] == pytest.approx(95 / 784)


def test_pointing_game_upsamples_coarse_maps():
    coarse = np.zeros((1, 7, 7))
    coarse[0, 2, 3] = 1.0  # block (8..11, 12..15) at 28x28: covers row 10
    assert trust.pointing_hits(coarse, masks_with_line()).tolist() == [1.0]
    coarse = np.zeros((1, 7, 7))
    coarse[0, 6, 6] = 1.0
    assert trust.pointing_hits(coarse, masks_with_line()).tolist() == [0.0]


def test_energy_is_the_exact_share_and_chance_is_the_area_share():
    mask = masks_with_line()
    maps = np.zeros((1, 28, 28))
    maps[0, 10, 5:20] = 2.0  # 15 pixels x 2 = 30 on the mask
    maps[0, 0, :10] = 1.0  # 10 off the mask
    maps[0, 1, 0] = -5.0  # negative values carry no energy
    assert trust.energy_shares(maps, mask)[0] == pytest.approx(30 / 40)
    assert trust.chance_shares(mask)[0] == pytest.approx(15 / 784)
    uniform = np.ones((1, 28, 28))
    assert trust.energy_shares(uniform, mask)[0] == pytest.approx(trust.chance_shares(mask)[0])
    assert np.isnan(trust.energy_shares(np.zeros((1, 28, 28)), mask)[0])


def test_dilate_is_a_square_of_radius_r():
    m = np.zeros((1, 7, 7), bool)
    m[0, 3, 3] = True
    assert trust.dilate(m, 1).sum() == 9 and trust.dilate(m, 2).sum() == 25
    corner = np.zeros((1, 4, 4), bool)
    corner[0, 0, 0] = True
    assert trust.dilate(corner, 1)[0].sum() == 4  # clipped at the border, no wrap-around


def test_rankdata_and_spearman_match_scipy():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, (3, 40)).astype(float)  # many ties
    b = rng.random((3, 40))
    np.testing.assert_allclose(trust.rankdata(a), np.stack([scipy.stats.rankdata(r) for r in a]))
    rho = trust.spearman(a, b)
    expected = [scipy.stats.spearmanr(x, y).statistic for x, y in zip(a, b)]
    np.testing.assert_allclose(rho, expected, atol=1e-12)


def test_spearman_identical_reversed_and_constant_maps():
    m = np.random.default_rng(1).random((2, 5, 5))
    np.testing.assert_allclose(trust.spearman(m, m), [1.0, 1.0])
    np.testing.assert_allclose(trust.spearman(m, -m), [-1.0, -1.0])
    np.testing.assert_allclose(trust.spearman(m, 3 * m**2 + 1), [1.0, 1.0])  # monotone transforms keep ranks
    flat = np.zeros((2, 5, 5))
    assert trust.spearman(flat, flat).tolist() == [1.0, 1.0]
    assert trust.spearman(flat, m).tolist() == [0.0, 0.0]


def test_sanity_flags_maps_that_barely_change():
    m = np.random.default_rng(2).random((4, 6, 6))
    assert trust.sanity(m, m + 1e-3, 0.5) == (pytest.approx(1.0), True)
    other = np.random.default_rng(3).random((4, 6, 6))
    rho, flagged = trust.sanity(m, other, 0.5)
    assert 0 <= rho < 0.5 and flagged is False


def test_sanity_reads_the_size_of_each_correlation_not_its_sign():
    """+1 on two images and -1 on two others: the signed mean is 0 (never flagged), the mean |rho| is 1."""
    m = np.random.default_rng(2).random((4, 6, 6))
    mirrored = np.concatenate([m[:2], -m[2:]])
    np.testing.assert_allclose(trust.spearman(m, mirrored), [1, 1, -1, -1])
    assert trust.sanity(m, mirrored, 0.5) == (pytest.approx(1.0), True)
    assert trust.sanity(m, mirrored, 1.0)[1] is True  # the threshold is reached, not exceeded
    half = np.concatenate([m[:2], np.random.default_rng(5).random((2, 6, 6))])
    rho, _ = trust.sanity(m, half, 0.5)
    assert rho == pytest.approx((2 + np.abs(trust.spearman(m[2:], half[2:])).sum()) / 4)


def test_auc_of_known_curves():
    assert trust.auc(np.linspace(1, 0, 17)) == pytest.approx(0.5)
    assert trust.auc(np.ones(5)) == pytest.approx(1.0)
    assert trust.auc(np.array([0.0, 1.0, 1.0])) == pytest.approx(0.75)


def test_deletion_and_insertion_reward_the_true_saliency():
    """The 'model' scores the share of key pixels left intact: removing them first must hurt most."""
    rng = np.random.default_rng(4)
    n, size = 4, 8
    x = rng.uniform(0.5, 1.0, (n, size, size, 1)).astype(np.float32)
    key = np.zeros((n, size, size), bool)
    key[:, 2:4, 2:6] = True  # 8 key pixels of 64
    calls = []

    def score(images: np.ndarray, source: np.ndarray) -> np.ndarray:
        calls.append(len(images))
        intact = np.isclose(images[..., 0], x[source][..., 0]) & key[source]
        return intact.sum(axis=(1, 2)) / key[source].sum(axis=(1, 2))

    good = trust.deletion_insertion(score, x, key.astype(float), steps=8)
    bad = trust.deletion_insertion(score, x, (~key).astype(float), steps=8)
    assert calls == [n * 9] * 4  # one batched call per curve
    assert good["deletion_curve"].shape == (n, 9)
    np.testing.assert_allclose(good["deletion_curve"][:, 0], 1.0)  # nothing removed yet
    np.testing.assert_allclose(good["deletion_curve"][:, 1:], 0.0)  # first 8 pixels removed = all key pixels
    np.testing.assert_allclose(good["deletion_auc"], 1 / 16)
    assert np.all(bad["deletion_auc"] > good["deletion_auc"] + 0.5)
    np.testing.assert_allclose(good["insertion_curve"][:, -1], 1.0)
    assert np.all(good["insertion_auc"] > bad["insertion_auc"] + 0.5)


def test_an_empty_map_deletes_at_random_wherever_the_object_sits():
    """An all-zero map has no order: pixels go in a seeded random order, so its deletion AUC is about 0.5.

    In raster order (the old tie-break), the same empty map scored an object in the top two rows
    AUC 1/16 (all 32 key pixels gone at the first of 8 steps) and one in the bottom two rows 15/16.
    """
    rng = np.random.default_rng(4)
    n, size = 64, 16
    x = rng.uniform(0.5, 1.0, (n, size, size, 1)).astype(np.float32)
    top = np.zeros((n, size, size), bool)
    top[:, :2] = True
    bottom = top[:, ::-1]

    def scorer(key):
        def score(images: np.ndarray, source: np.ndarray) -> np.ndarray:
            intact = np.isclose(images[..., 0], x[source][..., 0]) & key[source]
            return intact.sum(axis=(1, 2)) / key[source].sum(axis=(1, 2))
        return score

    raster = -np.arange(size * size, dtype=float).reshape(1, size, size).repeat(n, 0)  # the old order, made explicit
    assert trust.deletion_insertion(scorer(top), x, raster, steps=8)["deletion_auc"].mean() == pytest.approx(1 / 16)
    assert trust.deletion_insertion(scorer(bottom), x, raster, steps=8)["deletion_auc"].mean() == pytest.approx(15 / 16)
    empty = np.zeros((n, size, size))
    on_top = trust.deletion_insertion(scorer(top), x, empty, steps=8)["deletion_auc"].mean()
    on_bottom = trust.deletion_insertion(scorer(bottom), x, empty, steps=8)["deletion_auc"].mean()
    assert on_top == pytest.approx(0.5, abs=0.03) and on_bottom == pytest.approx(0.5, abs=0.03)
    assert trust.saliency_ranks(empty, seed=3).tolist() == trust.saliency_ranks(empty, seed=3).tolist()  # seeded
    # distinct values keep their order whatever the tie-break
    assert trust.saliency_ranks(np.array([[[0.2, 0.9, 0.5]]])).tolist() == [[2, 0, 1]]


def test_blur_keeps_a_constant_image_and_smooths_an_edge():
    flat = np.full((1, 6, 6, 2), 0.3, np.float32)
    np.testing.assert_allclose(trust.blur(flat, 2.0), flat, atol=1e-6)
    edge = np.zeros((1, 6, 6, 1), np.float32)
    edge[:, :, 3:] = 1.0
    b = trust.blur(edge, 1.0)
    assert 0 < b[0, 0, 2, 0] < 0.5 < b[0, 0, 3, 0] < 1


def test_rankdata_of_many_rows_at_once_with_constant_rows():
    a = np.array([[[3.0, 3.0, 3.0], [2.0, 0.0, 2.0]], [[1.0, 5.0, 1.0], [9.0, 8.0, 7.0]]])
    assert trust.rankdata(a).tolist() == [[[2.0, 2.0, 2.0], [2.5, 1.0, 2.5]], [[1.5, 3.0, 1.5], [3.0, 2.0, 1.0]]]

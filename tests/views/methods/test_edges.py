"""The edge baseline: Sobel magnitudes worked out by hand, and what they score on a line."""

from __future__ import annotations

import numpy as np

from netviz.views import trust
from netviz.views.methods.edges import edges, sobel_magnitude


def test_a_vertical_step_lights_the_two_columns_beside_it():
    image = np.zeros((1, 4, 4, 1))
    image[..., 2:, 0] = 1.0
    # columns 1 and 2 see (right - left) = 1 through the [1, 2, 1] smoothing: 4; columns 0 and 3 see the
    # replicated border: 0; no vertical change anywhere
    np.testing.assert_allclose(sobel_magnitude(image)[0], [[0, 4, 4, 0]] * 4)
    np.testing.assert_allclose(edges(image, seed=0)[0], [[0, 1, 1, 0]] * 4)


def test_both_directions_and_the_channel_mean():
    image = np.zeros((1, 3, 3, 3))
    image[0, 1, 1] = [3.0, 0.0, 0.0]  # one bright red pixel: grey value 1 at the centre
    magnitude = sobel_magnitude(image)[0]
    # an edge neighbour sees 2 * 1 in one direction; a corner neighbour sees 1 in each: sqrt(2)
    np.testing.assert_allclose(magnitude, [[np.sqrt(2), 2, np.sqrt(2)], [2, 0, 2], [np.sqrt(2), 2, np.sqrt(2)]])


def test_on_a_bright_line_alone_the_edges_point_at_the_line():
    """The LINE situation: the object is the only thing in the image, so edges alone win the pointing game."""
    rng = np.random.default_rng(0)
    x = np.zeros((20, 28, 28, 1))
    masks = np.zeros((20, 28, 28), bool)
    for n, (row, start) in enumerate(zip(rng.integers(3, 25, 20), rng.integers(0, 10, 20))):
        x[n, row, start : start + 15] = 1.0
        masks[n, row, start : start + 15] = True
    maps = edges(x, seed=0)
    assert trust.nanmean(trust.pointing_hits(maps, masks)) == 1.0
    assert trust.nanmean(trust.chance_shares(trust.dilate(masks))) < 0.1

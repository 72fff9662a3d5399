"""The hand models, built once for all method tests."""

from __future__ import annotations

import pytest

from tests.views import softmax_info
from tests.views.methods import hand_model


@pytest.fixture(scope="package")
def pooled():
    """A CamProbe on the pooled hand model's conv layer."""
    from netviz.views.cam import CamProbe

    return CamProbe(hand_model("pooled"), "conv2d", [softmax_info()])


@pytest.fixture(scope="package")
def flat():
    """A CamProbe on the flat hand model's conv layer."""
    from netviz.views.cam import CamProbe

    return CamProbe(hand_model("flat"), "conv2d", [softmax_info()])

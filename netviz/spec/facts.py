"""What validation needs to know of a data set before any image is loaded.

Every data kind answers with :class:`DataFacts` (its ``describe``); the spec checks the
networks against them, so an impossible network fails in one located line before TensorFlow
starts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataFacts:
    """The image shape and the number of classes per target."""

    input_shape: tuple[int, int, int]
    targets: dict[str, int]

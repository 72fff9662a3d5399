"""What each model output predicts: the contract between training, visualization and report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputInfo:
    """One output of a model.

    ``name`` is the output (head) name, ``target`` the data set label it predicts,
    ``activation`` "softmax" (one unit per class) or "sigmoid" (one unit, binary
    decision: class 1 when the probability is >= 0.5), ``class_names`` a name per class,
    ``loss_weight`` the factor of this output's loss in the training loss.
    The model's outputs come in the order of its ``OutputInfo`` list; a single-output
    model returns one tensor, a multi-output model a list in that order.
    """

    name: str
    target: str
    activation: str
    class_names: tuple[str, ...]
    reference_accuracy: float | None = None
    loss_weight: float = 1.0

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

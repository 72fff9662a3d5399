"""Two fixed-weight models small enough to work every heatmap out by hand, and one literal example.

Both read a 4x4 grey image through the same Conv2D(2, 2x2, relu), whose maps A (N,3,3,2)
``hand_forward`` computes with plain numpy loops. The pooled model averages them
(GlobalAveragePooling2D) before Dense(3, softmax), so d logit_t / d A_ijk = W[k, t] / 9
at every cell; the flat model flattens them before Dense(3, softmax), so the
gradient is a different weight W_FLAT[i, j, k, t] at every cell.
"""

from __future__ import annotations

import numpy as np

KERNEL = np.array([[[1.0, -0.5], [0.5, 1.0]], [[-1.0, 0.25], [0.75, -0.5]]], np.float32)  # (2, 2, 2 filters)
KBIAS = np.array([0.1, -0.05], np.float32)
W = np.array([[1.0, -1.0, 0.5], [-0.5, 2.0, 0.5]], np.float32)  # pooled model: (2 channels, 3 classes)
WBIAS = np.array([0.2, -0.1, 0.0], np.float32)
W_FLAT = np.random.default_rng(11).normal(0.0, 1.0, (3, 3, 2, 3)).astype(np.float32)  # flat model: (i, j, k, class)

# one image, 2x2 cells, 2 channels: maps and gradients small enough to multiply in one's head
LITERAL_CONV = np.stack([[[1.0, 2.0], [2.0, 1.0]], [[0.0, 3.0], [1.0, 0.0]]], axis=-1)[None]  # (1, 2, 2, 2)
LITERAL_GRADS = np.stack([[[1.0, -1.0], [0.5, 2.0]], [[-1.0, 1.0], [2.0, 0.0]]], axis=-1)[None]


def hand_model(head: str = "pooled"):
    """4x4x1 -> Conv2D(2, 2x2, relu) -> GlobalAveragePooling2D or Flatten -> Dense(3, softmax), fixed weights."""
    import keras

    layers = keras.layers
    pooled = head == "pooled"
    model = keras.Sequential([
        keras.Input((4, 4, 1)),
        layers.Conv2D(2, 2, activation="relu", name="conv2d"),
        layers.GlobalAveragePooling2D(name="global_average_pooling2d") if pooled else layers.Flatten(name="flatten"),
        layers.Dense(3, activation="softmax", name="dense"),
    ])
    model.get_layer("conv2d").set_weights([KERNEL[:, :, None, :], KBIAS])
    model.get_layer("dense").set_weights([W if pooled else W_FLAT.reshape(18, 3), WBIAS])
    return model


def hand_forward(x: np.ndarray, head: str = "pooled") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conv maps (N,3,3,2), logits (N,3) and class probabilities (N,3), with plain numpy loops."""
    conv = np.zeros((len(x), 3, 3, 2))
    for i in range(3):
        for j in range(3):
            patch = x[:, i : i + 2, j : j + 2, 0]
            conv[:, i, j] = np.einsum("nuv,uvk->nk", patch, KERNEL) + KBIAS
    conv = np.maximum(conv, 0)
    if head == "pooled":
        z = conv.mean(axis=(1, 2)) @ W + WBIAS
    else:
        z = conv.reshape(len(x), 18) @ W_FLAT.reshape(18, 3) + WBIAS
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return conv, z, p / p.sum(axis=1, keepdims=True)


def hand_grads(targets: np.ndarray, head: str = "pooled") -> np.ndarray:
    """d logit_target / d A as (N,3,3,2): W[k, t] / 9 everywhere (pooled) or W_FLAT[i, j, k, t] (flat)."""
    if head == "pooled":
        return np.broadcast_to(W[:, targets].T[:, None, None, :] / 9.0, (len(targets), 3, 3, 2))
    return np.moveaxis(W_FLAT[..., targets], -1, 0)


def hand_normalize(m: np.ndarray) -> np.ndarray:
    m = np.maximum(m, 0)
    peak = m.max(axis=(1, 2), keepdims=True)
    return np.where(peak > 0, m / np.where(peak > 0, peak, 1), 0)


def images(seed: int = 7, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random 4x4 grey images and the classes to explain (every class appears)."""
    return np.random.default_rng(seed).random((n, 4, 4, 1)).astype(np.float32), np.arange(n) % 3

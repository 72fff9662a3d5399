"""Error analysis: which test images the galleries show, worked out by hand on made-up predictions, and
the galleries of a tiny model that always answers class 0."""

from __future__ import annotations

import numpy as np

from netviz.spec import schema
from netviz.views import errors
from netviz.views.model import explain_model
from tests.views import sigmoid_info, softmax_info
from tests.views.test_model import dataset

INFO = softmax_info("class", 3)  # classes class0, class1, class2


def probs_of(rows: list[list[float]]) -> np.ndarray:
    return np.array(rows, dtype=np.float64)


def test_head_plan_orders_mistakes_by_confidence_and_right_answers_the_other_way():
    true = np.array([0, 0, 1, 1, 2, 2, 2])
    probs = probs_of([[0.9, 0.05, 0.05],   # 0 right, 0.9
                      [0.2, 0.7, 0.1],     # 0 -> 1 wrong, 0.7
                      [0.1, 0.6, 0.3],     # 1 right, 0.6
                      [0.95, 0.03, 0.02],  # 1 -> 0 wrong, 0.95
                      [0.1, 0.1, 0.8],     # 2 right, 0.8
                      [0.05, 0.05, 0.9],   # 2 right, 0.9
                      [0.1, 0.5, 0.4]])    # 2 -> 1 wrong, 0.5
    p = errors.head_plan(0, INFO, true, probs)
    assert p.mistakes.tolist() == [3, 1, 6]  # 0.95, 0.7, 0.5
    assert p.unsure.tolist() == [2, 4, 0, 5]  # 0.6, 0.8, 0.9 (index 0 before 5: a tie, by index)
    assert p.typical.tolist() == [0, 2, 5]  # each class's most confident right answer
    assert p.errors == 3 and p.labelled == 7
    assert [(t, q, c, s.tolist()) for t, q, c, s in p.pairs] == [(0, 1, 1, [1]), (1, 0, 1, [3]), (2, 1, 1, [6])]


def test_confused_pairs_most_frequent_first_and_only_the_top_with_many_classes():
    true = np.array([4] * 7 + [3] * 2 + [1] * 2 + list(range(20)))
    pred = np.array([9] * 7 + [5] * 2 + [7] * 2 + [(c + 1) % 20 for c in range(20)])
    found = errors.confused_pairs(true, pred, top_only=False)
    assert found[:3] == [(4, 9, 7), (1, 7, 2), (3, 5, 2)]  # a tie (2 and 2) by true class
    assert len(found) == 23
    assert len(errors.confused_pairs(true, pred, top_only=True)) == errors.TOP_PAIRS


def test_cells_are_capped_and_the_budget_shared():
    n = 60
    true, probs = np.zeros(n, dtype=int), np.tile([0.1, 0.9, 0.0], (n, 1))  # 60 images of 0 read as 1
    probs[:, 1] -= np.arange(n) / 1000  # a strict order: image 0 most confident
    p = errors.head_plan(0, INFO, true, probs)
    (t, q, count, cell), = p.pairs
    assert (t, q, count) == (0, 1, 60) and cell.tolist() == list(range(errors.CELL_CAP))
    small = errors.head_plan(0, INFO, true, probs, budget=errors.GALLERY * 2 + 5)
    assert len(small.pairs[0][3]) == 5  # the pair's first image, and 4 more
    broke = errors.head_plan(0, INFO, true, probs, budget=0)
    assert broke.pairs[0][3].tolist() == [0]  # a pair always shows its most confident image: its cell links to it


def test_sigmoid_head_decides_at_one_half():
    info = sigmoid_info("length")
    p = errors.head_plan(0, info, np.array([1, 0, 1]), np.array([[0.2], [0.3], [0.9]]))
    assert p.mistakes.tolist() == [0] and p.confidence[0] == 0.8


def test_half_mass_share_and_mask_share_by_hand():
    focused = np.zeros((1, 4, 4))
    focused[0, 0, 0] = 1.0
    flat = np.ones((1, 4, 4))
    assert errors.half_mass_share(np.concatenate([focused, flat, np.zeros((1, 4, 4))])).tolist() == [1 / 16, 8 / 16, 1.0]
    mask = np.zeros((1, 4, 4), bool)
    mask[0, :2] = True
    assert errors.mask_share(flat, mask).tolist() == [0.5]


def test_a_model_that_always_answers_class_0_shows_every_other_image_as_a_confident_mistake():
    import keras

    data = dataset(1, n=40)
    model = keras.Sequential([keras.Input((10, 10, 1)), keras.layers.Conv2D(2, 3, activation="relu", name="conv2d"),
                              keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax", name="dense")])
    kernel, _ = model.get_layer("dense").get_weights()
    model.get_layer("dense").set_weights([kernel * 0, np.array([2.0, 0.0, 0.0], np.float32)])  # always class 0
    settings = schema.Visualize(images=6, filters=schema.Filters(steps=2), cam=schema.Cam(methods=["gradcam"], eval_images=10))
    views = explain_model(model, None, [INFO], data, settings, schema.LayerChoice(), 0)
    true = data.labels_test["class"]
    wrong = np.flatnonzero(true != 0)
    record = views.errors["class"]
    assert record.errors == len(wrong) and record.images == 40
    assert {(p.true, p.predicted): p.count for p in record.pairs} == \
        {("class1", "class0"): int((true == 1).sum()), ("class2", "class0"): int((true == 2).sum())}
    by_kind = {g.kind: g for g in views.galleries}
    confidence = np.exp(2) / (np.exp(2) + 2)  # softmax of (2, 0, 0)
    assert len(by_kind["mistakes"].images) == errors.GALLERY
    assert by_kind["mistakes"].labels[0] == f"class{true[wrong[0]]}\n→ class0 {confidence:.0%}"
    # every mistake ties on confidence: the first ones by index, as the test split orders them
    assert np.array_equal(by_kind["mistakes"].images, data.x_test[wrong[: errors.GALLERY]].astype(np.float32) / 255)
    assert list(by_kind["mistakes"].maps) == ["Grad-CAM"]  # the spec's methods (here the default), no baselines
    assert by_kind["mistakes"].maps["Grad-CAM"].shape == (errors.GALLERY, 10, 10)
    pairs = [g for g in views.galleries if g.kind == "pair"]
    assert sorted(g.pair for g in pairs) == [("class1", "class0"), ("class2", "class0")]
    assert all(len(g.images) == min(g.count, errors.CELL_CAP) for g in pairs)
    assert len(by_kind["typical"].images) == 1  # only class 0 has right answers


def test_the_budget_shrinks_with_the_pixels_but_keeps_two_galleries():
    assert errors.budget_for((28, 28)) == errors.BUDGET
    assert errors.budget_for((64, 64)) == errors.BUDGET // 4
    assert errors.budget_for((224, 224)) == 2 * errors.GALLERY

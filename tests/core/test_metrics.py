import numpy as np
import pytest
import torch

from cnnstudio.core.training.metrics import class_metrics, confusion_matrix, top_k_correct


def test_confusion_matrix_rows_are_true_columns_predicted():
    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_per_class_metrics_match_hand_computation():
    # true:      0 0 0 1 1 2
    # predicted: 0 0 1 1 0 2
    m = class_metrics(confusion_matrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 2], 3))
    assert m.precision == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert m.recall == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert m.f1 == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert m.support.tolist() == [3, 2, 1]
    assert m.accuracy == pytest.approx(4 / 6)
    assert m.macro_f1 == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)


def test_class_never_predicted_and_class_without_examples_score_zero_not_nan():
    # Class 2 never predicted; class 3 has no examples but is predicted once.
    m = class_metrics(confusion_matrix([0, 1, 2, 2], [0, 1, 0, 3], 4))
    assert m.precision.tolist() == [0.5, 1.0, 0.0, 0.0]
    assert m.recall.tolist() == [1.0, 1.0, 0.0, 0.0]
    assert m.f1 == pytest.approx([2 / 3, 1.0, 0.0, 0.0])
    assert not np.isnan(m.f1).any()
    assert m.macro_precision == pytest.approx(0.375)
    assert m.macro_recall == pytest.approx(0.5)


def test_empty_matrix_has_zero_accuracy():
    assert class_metrics(np.zeros((3, 3), dtype=np.int64)).accuracy == 0.0


def test_top_k_counts_true_label_among_highest_scores():
    logits = torch.tensor([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1], [0.2, 0.3, 0.5]])
    labels = torch.tensor([2, 2, 2])
    assert int(top_k_correct(logits, labels, 1)) == 1
    assert int(top_k_correct(logits, labels, 2)) == 2
    assert int(top_k_correct(logits, labels, 5)) == 3  # k larger than classes: all

"""Losses and metrics: values against direct formulas, gradients against finite
differences, numerical stability and bad input."""

import math

import numpy as np
import pytest

from gradcheck import assert_close, numeric_gradient
from micrograd import Value
from micrograd.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)
from micrograd.metrics import accuracy


def check_gradient(loss_of_values, point):
    """backward() of loss_of_values(Values at point) against finite differences."""
    values = [Value(x) for x in point]
    loss_of_values(values).backward()
    expected = numeric_gradient(lambda p: loss_of_values([Value(x) for x in p]).data, point)
    for value, numeric in zip(values, expected):
        assert_close(value.grad, numeric)


def test_mse_is_the_mean_squared_difference():
    assert mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data == 2.5
    check_gradient(lambda v: mse_loss(v, [0.5, -1.0, 2.0]), [1.0, 0.3, -0.7])


def test_hinge_loss_is_karpathys_max_margin_loss():
    scores, labels = [0.5, -2.0, 0.2], [1, -1, -1]
    expected = sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels)) / 3
    assert hinge_loss([Value(s) for s in scores], labels).data == pytest.approx(expected)
    check_gradient(lambda v: hinge_loss(v, labels), [0.5, -2.3, 0.2])


def test_hinge_loss_is_bit_identical_to_karpathys_hand_written_loss():
    scores = [Value(x) for x in (0.3, -0.7, 1.9, 0.05)]
    labels = np.array([1, -1, -1, 1])
    by_hand = sum((1 + -yi * si).relu() for yi, si in zip(labels, scores)) * (1.0 / len(scores))
    assert hinge_loss(scores, labels).data == by_hand.data


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_binary_cross_entropy_with_logits_matches_the_definition():
    logits, targets = [0.5, -1.5, 2.0], [1.0, 0.0, 0.3]
    expected = (
        -sum(
            t * math.log(sigmoid(z)) + (1 - t) * math.log(1 - sigmoid(z))
            for z, t in zip(logits, targets)
        )
        / 3
    )
    loss = binary_cross_entropy_with_logits([Value(z) for z in logits], targets)
    assert loss.data == pytest.approx(expected, rel=1e-12)
    check_gradient(lambda v: binary_cross_entropy_with_logits(v, targets), [0.5, -1.5, 0.0])


def test_binary_cross_entropy_is_stable_for_huge_logits():
    z = [Value(800.0), Value(-800.0)]
    loss = binary_cross_entropy_with_logits(z, [0.0, 1.0])
    assert loss.data == pytest.approx(800.0)
    loss.backward()
    assert z[0].grad == pytest.approx(0.5) and z[1].grad == pytest.approx(-0.5)


def test_cross_entropy_matches_the_softmax_definition():
    rows, labels = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]], [1, 0]
    expected = 0.0
    for row, label in zip(rows, labels):
        expected -= math.log(math.exp(row[label]) / sum(math.exp(z) for z in row))
    expected /= 2
    logits = [[Value(z) for z in row] for row in rows]
    assert cross_entropy(logits, labels).data == pytest.approx(expected, rel=1e-12)

    def loss(values):
        return cross_entropy([values[:3], values[3:]], labels)

    check_gradient(loss, [1.0, 2.0, 0.5, -1.0, 0.0, 3.0])


def test_cross_entropy_is_stable_for_huge_logits():
    logits = [[Value(1000.0), Value(0.0), Value(-1000.0)]]
    loss = cross_entropy(logits, np.array([1]))
    assert loss.data == pytest.approx(1000.0)
    loss.backward()
    assert [v.grad for v in logits[0]] == pytest.approx([1.0, -1.0, 0.0])


def test_penalties_sum_over_parameters():
    params = [Value(1.5), Value(-2.0), Value(0.5)]
    assert l1_penalty(params).data == 4.0
    assert l2_penalty(params).data == 6.5
    check_gradient(l1_penalty, [1.5, -2.0, 0.5])
    check_gradient(l2_penalty, [1.5, -2.0, 0.5])


def test_accuracy_handles_sign_labels_binary_labels_and_classes():
    scores = [Value(0.5), Value(-0.2), Value(0.1), Value(-3.0)]
    assert accuracy(scores, [1, -1, -1, -1]) == 0.75
    assert accuracy([0.5, -0.2, 0.1, -3.0], np.array([1, 0, 1, 1])) == 0.75
    rows = [[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    assert accuracy(rows, [1, 0, 0]) == pytest.approx(2 / 3)


BAD = [
    ("length mismatch", lambda: mse_loss([Value(1.0)], [1.0, 2.0]), ValueError, "1 items, got 2"),
    ("empty", lambda: hinge_loss([], []), ValueError, "must not be empty"),
    ("label out of range", lambda: cross_entropy([[1.0, 2.0]], [2]), ValueError, r"0\.\.2"),
    ("negative label", lambda: cross_entropy([[1.0, 2.0]], [-1]), ValueError, ">= 0"),
    ("ragged rows", lambda: cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), ValueError, "2 items"),
    ("string score", lambda: mse_loss(["a"], [1.0]), TypeError, "predictions"),
    ("not iterable", lambda: mse_loss(3.0, [1.0]), TypeError, "predictions must be a list"),
    ("non-Value param", lambda: l2_penalty([1.0]), TypeError, "params"),
]


@pytest.mark.parametrize("case,call,error,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_a_clear_error(case, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_accuracy_takes_tensors_and_single_score_columns():
    from micrograd import Tensor

    column = np.array([[2.0], [-3.0], [0.5]])
    assert accuracy(column, np.array([1, 0, 1])) == 1.0
    assert accuracy(column, np.array([1, -1, -1])) == pytest.approx(2 / 3)
    assert accuracy(Tensor(column), [1, -1, 1]) == 1.0
    assert accuracy(Tensor([[0.1, 0.9], [0.8, 0.2]]), [1, 1]) == 0.5
    assert accuracy([[2.0], [-1.0]], [1, -1]) == 1.0

"""Every Tensor op: its value against numpy and its gradient against central finite
differences, including numpy broadcasting, every matmul case and the fused losses.
PyTorch's numbers for the same ops are checked in test_torch_references_tensor.py.

Inputs stay where each op is well conditioned (log and pow of positives, relu away
from its kink, hinge margins away from 1) so that finite differences are a fair judge.
"""

import numpy as np
import pytest

from gradcheck import assert_tensor_gradients
from micrograd import Tensor, concatenate
from micrograd._core import linear
from micrograd.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    mse_loss,
)

rng = np.random.default_rng(20240601)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    """Values with |x| in [0.2, 2]: clear of relu's kink by far more than the step h."""
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def check(op, reference, *arrays, **tolerances):
    """op's value against numpy's (same shape, equal to rounding) and its gradient
    against finite differences."""
    # 0-d inputs go in as Python floats: Tensor(np.array(x)) comes out 1-d (a known
    # bug, pinned in test_tensor_api.py) and would hide the 0-d broadcasting cases.
    got = op(*[Tensor(a) if np.ndim(a) else Tensor(float(a)) for a in arrays])
    expected = np.asarray(reference(*arrays), dtype=np.float64)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-14)
    assert_tensor_gradients(op, *arrays, **tolerances)


# ---------------------------------------------------------------- elementwise

BINARY_CASES = [
    pytest.param(lambda a, b: a + b, normal(3, 4), normal(4), id="(3,4)+(4,)"),
    pytest.param(lambda a, b: a - b, normal(4), normal(3, 4), id="(4,)-(3,4)"),
    pytest.param(lambda a, b: a * b, normal(3, 1), normal(1, 4), id="(3,1)*(1,4)"),
    pytest.param(lambda a, b: a / b, normal(2, 3, 4), positive(3, 1), id="(2,3,4)/(3,1)"),
    pytest.param(lambda a, b: a / b, normal(3, 1), -positive(2, 1, 4), id="(3,1)/(2,1,4)"),
    pytest.param(lambda a, b: a**b, positive(3, 4), normal(4), id="(3,4)**(4,)"),
    pytest.param(lambda a, b: a**b, positive(2, 1), normal(2, 3), id="(2,1)**(2,3)"),
    pytest.param(lambda a, b: a * b, normal(), normal(3, 4), id="0-d*(3,4)"),
    pytest.param(lambda a, b: a - b, normal(2, 3), normal(), id="(2,3)-0-d"),
    pytest.param(lambda a, b: a + b, normal(2, 3), normal(2, 3), id="same shapes"),
]


@pytest.mark.parametrize("op, a, b", BINARY_CASES)
def test_broadcasting_binary_op_matches_numpy_and_finite_differences(op, a, b):
    check(op, op, a, b)


SCALAR_CASES = [
    pytest.param(lambda t: t + 2.5, normal(3, 4), id="t+2.5"),
    pytest.param(lambda t: 2.5 + t, normal(3, 4), id="2.5+t"),
    pytest.param(lambda t: t - 1, normal(3, 4), id="t-1"),
    pytest.param(lambda t: 1 - t, normal(3, 4), id="1-t"),
    pytest.param(lambda t: t * -3, normal(3, 4), id="t*-3"),
    pytest.param(lambda t: 3 * t, normal(3, 4), id="3*t"),
    pytest.param(lambda t: t / 4.0, normal(3, 4), id="t/4"),
    pytest.param(lambda t: 2.0 / t, positive(3, 4), id="2/t"),
    pytest.param(lambda t: t**2, normal(3, 4), id="t**2"),
    pytest.param(lambda t: t**3, normal(3, 4), id="t**3"),
    pytest.param(lambda t: t**0.5, positive(3, 4), id="t**0.5"),
    pytest.param(lambda t: t**-1.5, positive(3, 4), id="t**-1.5"),
    pytest.param(lambda t: 2.0**t, normal(3, 4), id="2**t"),
    pytest.param(lambda t: -t, normal(3, 4), id="-t"),
    pytest.param(lambda t: t + np.float64(0.5), normal(2, 3), id="t+np.float64"),
    pytest.param(lambda t: t * np.arange(1.0, 4.0), normal(2, 3), id="t*ndarray"),
    pytest.param(lambda t: t + [1.0, 2.0, 3.0], normal(2, 3), id="t+list"),
]


@pytest.mark.parametrize("op, a", SCALAR_CASES)
def test_op_with_a_number_or_array_matches_numpy_and_finite_differences(op, a):
    check(op, op, a)


UNARY_CASES = [
    pytest.param(lambda t: t.relu(), lambda x: np.maximum(x, 0), away_from_zero(3, 4), id="relu"),
    pytest.param(
        lambda t: t.leaky_relu(),
        lambda x: np.where(x > 0, x, 0.01 * x),
        away_from_zero(3, 4),
        id="leaky_relu",
    ),
    pytest.param(
        lambda t: t.leaky_relu(0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        away_from_zero(3, 4),
        id="leaky_relu(0.2)",
    ),
    pytest.param(lambda t: t.tanh(), np.tanh, normal(3, 4), id="tanh"),
    pytest.param(lambda t: t.sigmoid(), sigmoid, normal(3, 4), id="sigmoid"),
    pytest.param(lambda t: t.exp(), np.exp, normal(3, 4), id="exp"),
    pytest.param(lambda t: t.log(), np.log, positive(3, 4), id="log"),
    pytest.param(lambda t: t.tanh(), np.tanh, normal(2, 3, 2), id="tanh 3-D"),
    pytest.param(lambda t: t.exp(), np.exp, normal(), id="exp 0-d"),
]


@pytest.mark.parametrize("op, reference, a", UNARY_CASES)
def test_unary_op_matches_numpy_and_finite_differences(op, reference, a):
    check(op, reference, a)


def test_a_tensor_used_twice_accumulates_both_paths():
    check(lambda t: t * t + t.exp() * t, lambda x: x * x + np.exp(x) * x, normal(3, 2))
    x = Tensor([1.0, -2.0], requires_grad=True)
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, -3.0])


# ---------------------------------------------------------------- reductions

AXES = [None, 0, 1, -1]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_reduction_over_an_axis_matches_numpy_and_finite_differences(name, axis, keepdims):
    a = normal(3, 4)  # continuous draws: no ties, so max is differentiable here
    check(
        lambda t: getattr(t, name)(axis=axis, keepdims=keepdims),
        lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims),
        a,
    )


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -2])
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_reduction_of_a_3d_tensor_matches_numpy_and_finite_differences(name, axis, keepdims):
    check(
        lambda t: getattr(t, name)(axis=axis, keepdims=keepdims),
        lambda x: getattr(np, name)(x, axis=axis, keepdims=keepdims),
        normal(2, 3, 4),
    )


def test_reductions_of_a_1d_tensor_give_0d_results():
    t = Tensor([1.0, 4.0, 2.0])
    assert t.sum().shape == () and t.sum().item() == 7.0
    assert t.mean(axis=0).shape == () and t.mean(axis=0).item() == pytest.approx(7 / 3)
    assert t.max(keepdims=True).shape == (1,) and t.max(keepdims=True).item() == 4.0


def test_max_splits_the_gradient_equally_among_ties():
    data = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 1.0], [5.0, 4.0, 4.0, 4.0]])
    t = Tensor(data, requires_grad=True)
    out = t.max(axis=1)
    np.testing.assert_array_equal(out.numpy(), [3.0, 2.0, 5.0])
    out.backward(np.array([1.0, 3.0, 2.0]))
    expected = [[0, 0.5, 0.5, 0], [1, 1, 1, 0], [2, 0, 0, 0]]
    np.testing.assert_allclose(t.grad, expected, rtol=0, atol=1e-15)


def test_max_over_everything_splits_among_ties_across_rows():
    t = Tensor([[4.0, 1.0], [0.0, 4.0]], requires_grad=True)
    t.max(keepdims=True).backward()
    np.testing.assert_array_equal(t.grad, [[0.5, 0.0], [0.0, 0.5]])
    u = Tensor([[4.0, 1.0], [0.0, 4.0]], requires_grad=True)
    u.max(axis=0).sum().backward()
    np.testing.assert_array_equal(u.grad, [[1.0, 0.0], [0.0, 1.0]])


def test_two_way_ties_agree_with_central_differences():
    # Central differences at a two-way tie see slope 1/2 for each entry, the same
    # equal split, so the generic check applies here too.
    check(lambda t: t.max(axis=-1), lambda x: x.max(axis=-1), np.array([[1.0, 2.0, 2.0]]))


# ---------------------------------------------------------------- softmax family


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize(
    "name, reference", [("softmax", softmax), ("log_softmax", log_softmax)], ids=["sm", "logsm"]
)
def test_softmax_family_along_an_axis_matches_numpy_and_finite_differences(name, reference, axis):
    check(lambda t: getattr(t, name)(axis=axis), lambda x: reference(x, axis), normal(3, 4))


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize(
    "name, reference", [("softmax", softmax), ("log_softmax", log_softmax)], ids=["sm", "logsm"]
)
def test_softmax_family_of_a_3d_tensor(name, reference, axis):
    check(lambda t: getattr(t, name)(axis=axis), lambda x: reference(x, axis), normal(2, 3, 2))


def test_softmax_default_axis_is_the_last():
    x = normal(2, 3)
    np.testing.assert_allclose(Tensor(x).softmax().numpy(), softmax(x, -1), rtol=1e-12)
    np.testing.assert_allclose(Tensor(x).log_softmax().numpy(), log_softmax(x, -1), rtol=1e-12)


def test_softmax_of_large_logits_does_not_overflow():
    t = Tensor([[1000.0, 1001.0, 999.0]])
    np.testing.assert_allclose(t.softmax().numpy(), softmax(t.numpy(), -1), rtol=1e-12)
    np.testing.assert_allclose(
        t.log_softmax().numpy(), [[-1.4076059644, -0.4076059644, -2.4076059644]], rtol=1e-9
    )
    np.testing.assert_allclose(t.softmax().numpy().sum(), 1.0, rtol=1e-15)


# ---------------------------------------------------------------- structure

STRUCTURE_CASES = [
    pytest.param(lambda t: t.reshape(2, 6), lambda x: x.reshape(2, 6), (3, 4), id="reshape"),
    pytest.param(lambda t: t.reshape(-1), lambda x: x.reshape(-1), (3, 4), id="reshape -1"),
    pytest.param(
        lambda t: t.reshape((2, -1, 3)), lambda x: x.reshape(2, -1, 3), (3, 4), id="reshape tuple"
    ),
    pytest.param(lambda t: t.T, lambda x: x.T, (3, 4), id=".T"),
    pytest.param(lambda t: t.T, lambda x: x.T, (2, 3, 4), id=".T 3-D"),
    pytest.param(lambda t: t.transpose(), lambda x: x.transpose(), (2, 3, 4), id="transpose()"),
    pytest.param(
        lambda t: t.transpose(1, 0, 2), lambda x: x.transpose(1, 0, 2), (2, 3, 4), id="(1,0,2)"
    ),
    pytest.param(
        lambda t: t.transpose(2, 0, 1), lambda x: x.transpose(2, 0, 1), (2, 3, 4), id="(2,0,1)"
    ),
    pytest.param(
        lambda t: t.transpose(-1, 0, 1), lambda x: x.transpose(-1, 0, 1), (2, 3, 4), id="(-1,0,1)"
    ),
    pytest.param(
        lambda t: t.transpose((1, 0)), lambda x: x.transpose(1, 0), (3, 4), id="tuple of axes"
    ),
    pytest.param(
        lambda t: t.T.reshape(4, 3) * 1.0, lambda x: x.T.reshape(4, 3), (3, 4), id="T then reshape"
    ),
    pytest.param(lambda t: t[1], lambda x: x[1], (3, 4), id="t[1]"),
    pytest.param(lambda t: t[-1], lambda x: x[-1], (3, 4), id="t[-1]"),
    pytest.param(lambda t: t[1], lambda x: x[1], (2, 3, 4), id="t[1] 3-D"),
    pytest.param(lambda t: t[2], lambda x: x[2], (5,), id="t[2] 1-D"),
    pytest.param(lambda t: t[1:3], lambda x: x[1:3], (4, 3), id="t[1:3]"),
    pytest.param(lambda t: t[0:5:2], lambda x: x[0:5:2], (5, 2), id="t[0:5:2]"),
    pytest.param(lambda t: t[::-2], lambda x: x[::-2], (5, 2), id="t[::-2]"),
    pytest.param(lambda t: t[[2, 0]], lambda x: x[[2, 0]], (3, 4), id="t[[2,0]]"),
    pytest.param(
        lambda t: t[[0, 2, 0, 0, -1]], lambda x: x[[0, 2, 0, 0, -1]], (3, 4), id="repeated"
    ),
    pytest.param(
        lambda t: t[np.array([1, 1, 0])],
        lambda x: x[np.array([1, 1, 0])],
        (2, 2, 3),
        id="int array",
    ),
]


@pytest.mark.parametrize("op, reference, shape", STRUCTURE_CASES)
def test_restructuring_op_matches_numpy_and_finite_differences(op, reference, shape):
    check(op, reference, normal(*shape))


def test_repeated_fancy_indices_accumulate_the_gradient():
    t = Tensor(np.zeros((3, 2)), requires_grad=True)
    t[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(t.grad, [[3.0, 3.0], [0.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize(
    "shapes, axis",
    [
        ([(2, 3), (1, 3), (3, 3)], 0),
        ([(2, 3), (2, 1)], 1),
        ([(2, 3, 1), (2, 3, 2)], -1),
        ([(2, 1, 2), (2, 3, 2)], 1),
        ([(4,), (2,)], 0),
    ],
)
def test_concatenate_matches_numpy_and_finite_differences(shapes, axis):
    arrays = [normal(*shape) for shape in shapes]
    check(
        lambda *ts: concatenate(list(ts), axis=axis),
        lambda *xs: np.concatenate(xs, axis=axis),
        *arrays,
    )


def test_concatenate_takes_numpy_arrays_as_constants():
    constant = normal(2, 3)
    check(
        lambda t: concatenate([constant, t, constant], axis=1),
        lambda x: np.concatenate([constant, x, constant], axis=1),
        normal(2, 2),
    )


def test_concatenate_default_axis_is_0_and_accepts_a_tuple():
    a, b = normal(1, 2), normal(2, 2)
    np.testing.assert_array_equal(
        concatenate((Tensor(a), Tensor(b))).numpy(), np.concatenate([a, b])
    )


# ---------------------------------------------------------------- matmul and linear

MATMUL_SHAPES = [
    pytest.param((3, 4), (4, 5), id="2-D@2-D"),
    pytest.param((4,), (4, 5), id="1-D@2-D"),
    pytest.param((3, 4), (4,), id="2-D@1-D"),
    pytest.param((4,), (4,), id="1-D@1-D"),
    pytest.param((2, 3, 4), (2, 4, 5), id="3-D@3-D"),
    pytest.param((2, 3, 4), (4, 5), id="3-D@2-D"),
    pytest.param((3, 4), (2, 4, 5), id="2-D@3-D"),
    pytest.param((2, 1, 3, 4), (5, 4, 2), id="4-D@3-D batch broadcast"),
    pytest.param((1, 3, 4), (2, 4, 2), id="(1,..)@(2,..)"),
    pytest.param((4,), (2, 4, 3), id="1-D@3-D"),
    pytest.param((2, 3, 4), (4,), id="3-D@1-D"),
    pytest.param((1, 1), (1, 1), id="1x1"),
]


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES)
def test_matmul_matches_numpy_and_finite_differences(a_shape, b_shape):
    check(lambda a, b: a @ b, np.matmul, normal(*a_shape), normal(*b_shape))


def test_matmul_with_a_numpy_array_on_the_right():
    a, b = normal(2, 3), normal(3, 2)
    check(lambda t: t @ b, lambda x: x @ b, a)


def test_linear_with_bias_is_x_at_w_transposed_plus_b():
    x, w, b = normal(5, 3), normal(4, 3), normal(4)
    check(lambda x, w, b: linear(x, w, b), lambda x, w, b: x @ w.T + b, x, w, b)
    assert linear(Tensor(x), Tensor(w), Tensor(b))._op == "linear"


def test_linear_without_bias_is_x_at_w_transposed():
    x, w = normal(5, 3), normal(2, 3)
    check(lambda x, w: linear(x, w), lambda x, w: x @ w.T, x, w)
    check(lambda x, w: linear(x, w, None), lambda x, w: x @ w.T, x, w)


def test_matmul_of_a_tensor_with_itself_accumulates_both_sides():
    check(lambda t: t @ t, lambda x: x @ x, normal(3, 3))
    check(lambda t: t @ t.T, lambda x: x @ x.T, normal(2, 3))


def test_linear_with_the_same_tensor_as_input_and_weight():
    check(lambda t: linear(t, t), lambda x: x @ x.T, normal(2, 3))


def test_linear_accepts_a_numpy_input():
    x, w, b = normal(3, 2), normal(4, 2), normal(4)
    check(lambda w, b: linear(x, w, b), lambda w, b: x @ w.T + b, w, b)


# ---------------------------------------------------------------- fused losses


def hinge_scores(labels):
    """Scores whose margins 1 - y*s sit at least 0.2 from the hinge's kink."""
    return labels * (1 + away_from_zero(*labels.shape))


LABELS_PM1 = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
CE_LABELS = [0, 2, 1, 1, 0]


def test_mse_loss_is_the_mean_squared_difference():
    target = normal(4, 3)
    check(lambda p: mse_loss(p, target), lambda p: np.mean((p - target) ** 2), normal(4, 3))


def test_mse_loss_of_a_column_against_a_vector_of_targets():
    target = normal(5)
    check(
        lambda p: mse_loss(p, target),
        lambda p: np.mean((p[:, 0] - target) ** 2),
        normal(5, 1),
    )


def test_hinge_loss_is_the_mean_of_relu_of_one_minus_margin():
    scores = hinge_scores(LABELS_PM1)
    assert {bool(m > 0) for m in 1 - LABELS_PM1 * scores} == {True, False}
    check(
        lambda s: hinge_loss(s, LABELS_PM1),
        lambda s: np.mean(np.maximum(0, 1 - LABELS_PM1 * s)),
        scores,
    )
    check(
        lambda s: hinge_loss(s, LABELS_PM1),
        lambda s: np.mean(np.maximum(0, 1 - LABELS_PM1 * s[:, 0])),
        scores.reshape(-1, 1),
    )


def test_binary_cross_entropy_with_logits_is_softplus_minus_z_t():
    targets = rng.uniform(0, 1, 6)
    check(
        lambda z: binary_cross_entropy_with_logits(z, targets),
        lambda z: np.mean(softplus(z) - z * targets),
        normal(6) * 3,
    )
    hard = np.array([0.0, 1.0, 1.0])
    check(
        lambda z: binary_cross_entropy_with_logits(z, hard),
        lambda z: np.mean(
            -hard * np.log(sigmoid(z[:, 0])) - (1 - hard) * np.log(1 - sigmoid(z[:, 0]))
        ),
        normal(3, 1),
    )


def test_binary_cross_entropy_with_logits_is_finite_for_extreme_logits():
    loss = binary_cross_entropy_with_logits(Tensor([800.0, -800.0], requires_grad=True), [0, 1])
    assert loss.item() == pytest.approx(800.0)


def test_cross_entropy_is_the_mean_negative_log_softmax_of_the_label():
    logits = normal(5, 3)
    check(
        lambda z: cross_entropy(z, CE_LABELS),
        lambda z: -np.mean(log_softmax(z, 1)[np.arange(5), CE_LABELS]),
        logits,
    )
    check(
        lambda z: cross_entropy(z, np.array(CE_LABELS)),
        lambda z: -np.mean(log_softmax(z, 1)[np.arange(5), CE_LABELS]),
        logits * 50,  # large logits: the log-sum-exp must not overflow
    )


def test_l2_penalty_is_the_sum_of_squares_of_all_tensors():
    check(
        lambda a, b: l2_penalty([a, b]),
        lambda a, b: np.sum(a**2) + np.sum(b**2),
        normal(2, 3),
        normal(4),
    )


@pytest.mark.parametrize(
    "loss", [mse_loss, hinge_loss, binary_cross_entropy_with_logits], ids=lambda f: f.__name__
)
def test_losses_give_one_fused_scalar_node(loss):
    pred = Tensor(normal(4, 1), requires_grad=True)
    out = loss(pred, np.array([1.0, -1.0, 1.0, 1.0]))
    assert out.shape == () and out._op == loss.__name__ and out.requires_grad
    assert len(out.operands) == 1


def test_cross_entropy_and_l2_penalty_give_one_fused_scalar_node():
    z = Tensor(normal(2, 3), requires_grad=True)
    assert cross_entropy(z, [0, 1])._op == "cross_entropy"
    assert cross_entropy(z, [0, 1]).shape == ()
    penalty = l2_penalty([z, z * 2])
    assert penalty._op == "l2_penalty" and penalty.shape == () and len(penalty.operands) == 2

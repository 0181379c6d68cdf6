"""Optimizers: first steps against values worked out by hand, PyTorch's defaults,
schedules through `lr`, bad hyper-parameters, and tensors without a gradient (skipped,
as PyTorch skips them). Trajectories against PyTorch's: test_torch_references.py."""

import math

import numpy as np
import pytest

from micrograd import MLP, Tensor, Value
from micrograd.optim import SGD, Adagrad, Adam, AdamW, RMSprop


def run(optimizer_class, grads, start=1.0, **kwargs):
    """Steps one parameter with the given gradient at each step; returns its values."""
    p = Value(start)
    opt = optimizer_class([p], **kwargs)
    trajectory = []
    for g in grads:
        opt.zero_grad()
        p.grad = g
        opt.step()
        trajectory.append(p.data)
    return trajectory


def test_sgd_plain_step_is_p_minus_lr_g():
    assert run(SGD, [0.5, -1.0], lr=0.1) == pytest.approx([0.95, 1.05])


def test_sgd_momentum_matches_hand_computation():
    # b1 = g1 = 0.5, p = 1 - 0.1 * 0.5 = 0.95; b2 = 0.9 * 0.5 + 0.5 = 0.95, p = 0.95 - 0.095
    assert run(SGD, [0.5, 0.5], lr=0.1, momentum=0.9) == pytest.approx([0.95, 0.855])


def test_sgd_nesterov_and_weight_decay_match_hand_computation():
    # g1 = 0.5 + 0.1 * 1 = 0.6; b1 = 0.6; step = g + 0.9 b = 1.14 -> p = 1 - 0.114 = 0.886
    # g2 = 0.5 + 0.0886 = 0.5886; b2 = 0.54 + 0.5886 = 1.1286; step = 0.5886 + 1.01574
    (first, second) = run(SGD, [0.5, 0.5], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    assert first == pytest.approx(0.886)
    assert second == pytest.approx(0.886 - 0.1 * (0.5886 + 0.9 * 1.1286))


def test_adam_first_step_moves_by_lr_times_sign():
    # After bias correction, m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
    (first,) = run(Adam, [0.5], lr=0.01)
    assert first == pytest.approx(1.0 - 0.01 * 0.5 / (0.5 + 1e-8))


def test_adam_second_step_matches_hand_computation():
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    g1, g2 = 0.5, -0.25
    m1, v1 = (1 - b1) * g1, (1 - b2) * g1**2
    p1 = 1.0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * g2, b2 * v1 + (1 - b2) * g2**2
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    assert run(Adam, [g1, g2], lr=lr) == pytest.approx([p1, p2], rel=1e-12)


def test_adamw_decays_the_weight_before_the_adam_step():
    (first,) = run(AdamW, [0.5], lr=0.01, weight_decay=0.1)
    assert first == pytest.approx(1.0 * (1 - 0.01 * 0.1) - 0.01 * 0.5 / (0.5 + 1e-8))


def test_adam_weight_decay_is_added_to_the_gradient():
    # g = 0.5 + 0.1 * 1 = 0.6: the first step is still lr * sign(g).
    (first,) = run(Adam, [0.5], lr=0.01, weight_decay=0.1)
    assert first == pytest.approx(1.0 - 0.01 * 0.6 / (0.6 + 1e-8))


def test_rmsprop_matches_hand_computation():
    alpha, lr, eps = 0.99, 0.01, 1e-8
    v1 = (1 - alpha) * 0.25
    p1 = 1.0 - lr * 0.5 / (math.sqrt(v1) + eps)
    v2 = alpha * v1 + (1 - alpha) * 0.25
    p2 = p1 - lr * 0.5 / (math.sqrt(v2) + eps)
    assert run(RMSprop, [0.5, 0.5], lr=lr) == pytest.approx([p1, p2], rel=1e-12)


def test_rmsprop_centered_with_momentum_matches_hand_computation():
    alpha, lr, eps, mu = 0.9, 0.01, 1e-8, 0.5
    v1, mean1 = (1 - alpha) * 0.25, (1 - alpha) * 0.5
    buf1 = 0.5 / (math.sqrt(v1 - mean1**2) + eps)
    (first,) = run(RMSprop, [0.5], lr=lr, alpha=alpha, momentum=mu, centered=True)
    assert first == pytest.approx(1.0 - lr * buf1, rel=1e-12)


def test_adagrad_matches_hand_computation():
    lr, eps = 0.1, 1e-10
    p1 = 1.0 - lr * 0.5 / (math.sqrt(0.25) + eps)
    p2 = p1 - lr * 0.5 / (math.sqrt(0.5) + eps)
    assert run(Adagrad, [0.5, 0.5], lr=lr) == pytest.approx([p1, p2], rel=1e-12)
    # lr_decay: the second step uses lr / (1 + 1 * decay)
    (_, second) = run(Adagrad, [0.5, 0.5], lr=lr, lr_decay=0.5)
    assert second == pytest.approx(p1 - lr / 1.5 * 0.5 / (math.sqrt(0.5) + eps), rel=1e-12)


def test_defaults_are_pytorchs():
    params = [Value(1.0)]
    assert SGD(params).lr == 1e-3
    assert Adam(params).lr == 1e-3
    assert AdamW(params).lr == 1e-3
    assert RMSprop(params).lr == 1e-2
    assert Adagrad(params).lr == 1e-2


def test_lr_is_writable_for_schedules():
    p = Value(1.0)
    opt = SGD([p], lr=1.0)
    opt.lr = 0.5
    assert opt.lr == 0.5
    p.grad = 1.0
    opt.step()
    assert p.data == 0.5


def test_zero_grad_clears_the_parameters():
    params = MLP(2, [3, 1]).parameters()
    for p in params:
        p.grad = 1.0
    Adam(params).zero_grad()
    assert all(p.grad == 0.0 for p in params)


@pytest.mark.parametrize("optimizer_class", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_every_optimizer_minimises_a_quadratic(optimizer_class):
    x, y = Value(2.0), Value(-1.5)
    opt = optimizer_class([x, y], lr=0.05)
    for _ in range(500):
        loss = (x - 1) ** 2 + 3 * (y + 0.5) ** 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    tolerance = 0.05 if optimizer_class is AdamW else 0.01  # AdamW's decay pulls toward 0
    assert abs(x.data - 1) < tolerance and abs(y.data + 0.5) < tolerance


BAD = [
    ("negative lr", lambda p: SGD(p, lr=-0.1), "lr must be"),
    ("nan lr", lambda p: Adam(p, lr=float("nan")), "lr must be"),
    ("beta1 = 1", lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\] must be in \[0, 1\)"),
    ("beta2 < 0", lambda p: AdamW(p, betas=(0.9, -0.1)), r"betas\[1\]"),
    ("negative momentum", lambda p: SGD(p, lr=0.1, momentum=-1), "momentum"),
    ("nesterov without momentum", lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov"),
    ("negative weight decay", lambda p: RMSprop(p, weight_decay=-1), "weight_decay"),
    ("negative eps", lambda p: Adagrad(p, eps=-1), "eps"),
    ("empty params", lambda p: Adam([]), "params must not be empty"),
]


@pytest.mark.parametrize("case,make,message", BAD, ids=[b[0] for b in BAD])
def test_bad_hyper_parameters_raise_value_error(case, make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_params_must_be_values():
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value or a Tensor, got float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        SGD([Value(1.0)], lr=0.1).lr = -1.0


# ---------------------------------------------------------------- tensors without a gradient

ALL_OPTIMIZERS_WITH_STATE = [
    (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
    (Adam, {"lr": 0.1, "weight_decay": 0.1}),
    (AdamW, {"lr": 0.1, "weight_decay": 0.1}),
    (RMSprop, {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    (Adagrad, {"lr": 0.1, "weight_decay": 0.1}),
]


def step_tensors(optimizer_class, kwargs, grads_per_step):
    """Two tensor parameters stepped with the given gradients, None meaning no
    gradient that step; returns their values after each step."""
    params = [Tensor([1.0, -2.0], requires_grad=True), Tensor([0.5], requires_grad=True)]
    opt = optimizer_class(params, **kwargs)
    trajectory = []
    for grads in grads_per_step:
        opt.zero_grad()
        for p, g in zip(params, grads):
            p.grad = None if g is None else np.array(g)
        opt.step()
        trajectory.append([p.tolist() for p in params])
    return trajectory


@pytest.mark.parametrize("optimizer_class, kwargs", ALL_OPTIMIZERS_WITH_STATE)
def test_a_tensor_without_a_gradient_is_skipped_like_pytorch(optimizer_class, kwargs):
    # A frozen or unused layer: no gradient, so no weight decay and no momentum either.
    trajectory = step_tensors(optimizer_class, kwargs, [([0.5, 0.5], None)] * 3)
    assert all(second == [0.5] for _, second in trajectory)
    assert trajectory[-1][0] != [1.0, -2.0]


@pytest.mark.parametrize("optimizer_class, kwargs", ALL_OPTIMIZERS_WITH_STATE)
def test_a_tensor_skipped_for_a_step_resumes_its_own_state(optimizer_class, kwargs):
    # The second parameter misses step 2; its steps 1 and 3 must be exactly the first
    # two steps of a parameter stepped alone (its own step count and moments).
    gapped = step_tensors(
        optimizer_class, kwargs, [([1.0, 1.0], [0.3]), ([1.0, 1.0], None), ([1.0, 1.0], [-0.7])]
    )
    alone = step_tensors(optimizer_class, kwargs, [([1.0, 1.0], [0.3]), ([1.0, 1.0], [-0.7])])
    assert gapped[1][1] == gapped[0][1]
    assert gapped[2][1] == alone[1][1]

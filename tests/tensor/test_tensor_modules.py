"""nn.Linear and nn.Sequential on Tensors, their state_dict, seeding, and the
optimizers stepping Tensor parameters."""

import math

import numpy as np
import pytest

import micrograd
from micrograd import Tensor
from micrograd.losses import hinge_loss
from micrograd.nn import Linear, ReLU, Sequential, Tanh
from micrograd.optim import SGD, Adam

# ---------------------------------------------------------------- nn and optim


def test_linear_initialisation_is_bounded_by_one_over_sqrt_nin_and_seedable():
    layer = Linear(9, 40, seed=1)
    assert layer.weight.shape == (40, 9) and layer.bias.shape == (40,)
    bound = 1 / math.sqrt(9)
    for p in layer.parameters():
        assert p.requires_grad and p.is_leaf
        assert np.abs(p.numpy()).max() <= bound
        assert np.abs(p.numpy()).max() > 0.8 * bound  # drawn over the whole range
    same = Linear(9, 40, seed=1)
    np.testing.assert_array_equal(same.weight.numpy(), layer.weight.numpy())
    np.testing.assert_array_equal(same.bias.numpy(), layer.bias.numpy())
    assert not np.array_equal(Linear(9, 40, seed=2).weight.numpy(), layer.weight.numpy())


def test_linear_without_bias_has_one_parameter():
    layer = Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None and layer.parameters() == [layer.weight]
    x = np.ones((4, 3))
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy().T, rtol=1e-15)


def test_manual_seed_makes_linear_reproducible():
    micrograd.manual_seed(7)
    first = Linear(3, 2).weight.numpy()
    micrograd.manual_seed(7)
    np.testing.assert_array_equal(Linear(3, 2).weight.numpy(), first)


def test_sequential_computes_the_layers_in_order():
    model = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1), ReLU())
    x = np.random.default_rng(0).standard_normal((5, 3))
    w1, b1 = model[0].weight.numpy(), model[0].bias.numpy()
    w2, b2 = model[2].weight.numpy(), model[2].bias.numpy()
    expected = np.maximum(np.tanh(x @ w1.T + b1) @ w2.T + b2, 0)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(model(Tensor(x)).numpy(), expected, rtol=1e-13, atol=1e-15)
    assert len(model) == 4 and len(model.parameters()) == 4


def test_sequential_zero_grad_clears_tensor_gradients():
    model = Sequential(Linear(2, 2, seed=0))
    model(np.ones((1, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_names_and_round_trip():
    model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    state = model.state_dict()
    assert sorted(state) == ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]
    assert state["layers.0.weight"].shape == (3, 2)
    other = Sequential(Linear(2, 3, seed=5), ReLU(), Linear(3, 1, seed=6))
    other.load_state_dict(state)
    for name, array in state.items():
        np.testing.assert_array_equal(other.state_dict()[name], array)


def test_load_state_dict_names_what_does_not_fit():
    model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "layers.1.bias"}
    with pytest.raises(ValueError, match=r"missing \['layers.1.bias'\]"):
        model.load_state_dict(missing)
    with pytest.raises(ValueError, match="unexpected.*layers.2.weight"):
        model.load_state_dict({**state, "layers.2.weight": np.zeros((1, 1))})
    with pytest.raises(ValueError, match=r"layers.0.weight.*\(2, 3\).*\(3, 2\)"):
        model.load_state_dict({**state, "layers.0.weight": np.zeros((2, 3))})


def test_sgd_step_on_tensor_parameters_is_p_minus_lr_grad_exactly():
    rng = np.random.default_rng(1)
    w, b = Tensor(rng.standard_normal((3, 2)), requires_grad=True), Tensor(np.zeros(3), True)
    gw, gb = rng.standard_normal((3, 2)), rng.standard_normal(3)
    before_w, before_b = w.numpy().copy(), b.numpy().copy()  # numpy() is a live view
    w.grad, b.grad = gw, gb
    opt = SGD([w, b], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(w.numpy(), before_w - 0.1 * gw)
    np.testing.assert_array_equal(b.numpy(), before_b - 0.1 * gb)
    opt.zero_grad()
    assert w.grad is None and b.grad is None


def test_adam_first_step_on_a_tensor_matches_the_formula():
    p = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    p.grad = np.array([0.5, -0.1, 2.0])
    Adam([p], lr=0.01, eps=1e-8).step()
    # After one step the bias-corrected moments are g and g^2.
    g = np.array([0.5, -0.1, 2.0])
    expected = np.array([1.0, -2.0, 3.0]) - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p.numpy(), expected, rtol=1e-14)


def test_optimizers_train_a_sequential_on_a_real_loss():
    X, y = micrograd.datasets.load_moons()
    model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 1, seed=1))
    opt = Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        loss = hinge_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]

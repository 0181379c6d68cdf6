"""The same network on the same data through both engines: the scalar Value graph
(Karpathy's MLP) and the dense Tensor graph (Sequential of Linear layers) give the
same loss and the same gradient for every weight, to 1e-9, and stay together over
Adam steps. The two share no code above the optimizer, so each checks the other."""

import numpy as np
import pytest

from micrograd import MLP, datasets
from micrograd.losses import cross_entropy, hinge_loss, l2_penalty, mse_loss
from micrograd.nn import Linear, ReLU, Sequential, Tanh
from micrograd.optim import Adam

TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}


def twin(mlp, *modules):
    """A Sequential holding the MLP's current weights (names and layout shared)."""
    model = Sequential(*modules)
    model.load_state_dict(mlp.state_dict())
    return model


def value_gradients(mlp):
    """The scalar model's gradients in the (nout, nin) / (nout,) layout of Linear."""
    grads = {}
    for k, layer in enumerate(mlp.layers):
        grads[f"layers.{k}.weight"] = np.array([[w.grad for w in n.w] for n in layer.neurons])
        grads[f"layers.{k}.bias"] = np.array([n.b.grad for n in layer.neurons])
    return grads


def tensor_gradients(model):
    grads = {}
    linears = [m for m in model.modules if isinstance(m, Linear)]
    for k, layer in enumerate(linears):
        grads[f"layers.{k}.weight"] = layer.weight.grad
        grads[f"layers.{k}.bias"] = layer.bias.grad
    return grads


def assert_same_gradients(mlp, model):
    expected = value_gradients(mlp)
    got = tensor_gradients(model)
    assert sorted(got) == sorted(expected)
    for name, grad in expected.items():
        assert got[name] is not None, name
        assert got[name].shape == grad.shape, name
        np.testing.assert_allclose(got[name], grad, **TOLERANCE, err_msg=name)
    # Guard against a vacuous pass: the comparison must involve real gradients.
    assert any(np.abs(g).max() > 1e-3 for g in expected.values())


def moons_models():
    mlp = MLP(2, [16, 16, 1], seed=0)
    model = twin(mlp, Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))
    return mlp, model


def moons_losses(mlp, model, X, y):
    """Karpathy's demo loss, SVM hinge plus 1e-4 * L2, on both engines."""
    scalar = hinge_loss(mlp(X), y) + 1e-4 * l2_penalty(mlp.parameters())
    dense = hinge_loss(model(X), y) + 1e-4 * l2_penalty(model.parameters())
    return scalar, dense


def test_the_twin_starts_with_the_same_weights():
    mlp, model = moons_models()
    for name, array in mlp.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name], array)
    X, _ = datasets.load_moons()
    np.testing.assert_allclose(model(X).numpy()[:, 0], mlp.predict(X), **TOLERANCE)


def test_moons_hinge_plus_l2_gives_the_same_loss_and_gradients():
    X, y = datasets.load_moons()
    mlp, model = moons_models()
    scalar, dense = moons_losses(mlp, model, X, y)
    assert dense.shape == ()
    assert dense.item() == pytest.approx(scalar.data, rel=1e-9)
    scalar.backward()
    dense.backward()
    assert_same_gradients(mlp, model)


def test_housing_like_mse_with_tanh_gives_the_same_loss_and_gradients():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((64, 13))
    y = X @ rng.uniform(-1, 1, 13) + 0.1 * rng.standard_normal(64)
    mlp = MLP(13, [8, 8, 1], activation="tanh", seed=3)
    model = twin(mlp, Linear(13, 8), Tanh(), Linear(8, 8), Tanh(), Linear(8, 1))
    scalar = mse_loss(mlp(X), y)
    dense = mse_loss(model(X), y)
    assert dense.item() == pytest.approx(scalar.data, rel=1e-9)
    scalar.backward()
    dense.backward()
    assert_same_gradients(mlp, model)


def test_iris_cross_entropy_gives_the_same_loss_and_gradients():
    X, y = datasets.load_iris()
    X, _, _ = datasets.standardize(X)
    labels = y.tolist()
    mlp = MLP(4, [16, 3], seed=5)
    model = twin(mlp, Linear(4, 16), ReLU(), Linear(16, 3))
    rows = mlp(X)
    assert len(rows) == 150 and len(rows[0]) == 3
    scalar = cross_entropy(rows, labels)
    dense = cross_entropy(model(X), labels)
    assert dense.item() == pytest.approx(scalar.data, rel=1e-9)
    scalar.backward()
    dense.backward()
    assert_same_gradients(mlp, model)


def test_adam_steps_keep_both_engines_equal():
    X, y = datasets.load_moons()
    mlp, model = moons_models()
    scalar_opt = Adam(mlp.parameters(), lr=0.01)
    dense_opt = Adam(model.parameters(), lr=0.01)
    for step in range(5):
        scalar, dense = moons_losses(mlp, model, X, y)
        assert dense.item() == pytest.approx(scalar.data, rel=1e-9), f"step {step}"
        scalar_opt.zero_grad()
        dense_opt.zero_grad()
        scalar.backward()
        dense.backward()
        assert_same_gradients(mlp, model)
        scalar_opt.step()
        dense_opt.step()
    for name, array in mlp.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[name], array, **TOLERANCE, err_msg=name)
    # The weights really moved, so the comparison above is not of two frozen models.
    first = MLP(2, [16, 16, 1], seed=0).state_dict()["layers.0.weight"]
    assert np.abs(mlp.state_dict()["layers.0.weight"] - first).max() > 1e-3

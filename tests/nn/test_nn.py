"""Karpathy's nn API: signatures, reprs, seeding, his demo's numbers, and bad input."""

import random

import numpy as np
import pytest

from gradcheck import assert_close, numeric_gradient
from micrograd import MLP, Value
from micrograd.nn import Layer, Module, Neuron


def test_mlp_2_16_16_1_has_337_parameters():
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_reprs_read_like_karpathys():
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    assert repr(Layer(2, 2, nonlin=False)) == "Layer of [LinearNeuron(2), LinearNeuron(2)]"
    assert repr(MLP(2, [1, 1])) == "MLP of [Layer of [ReLUNeuron(2)], Layer of [LinearNeuron(1)]]"


def test_modules_share_karpathys_base_class_and_structure():
    model = MLP(3, [4, 2])
    assert all(isinstance(m, Module) for m in (model, *model.layers, *model.layers[0].neurons))
    neuron = model.layers[0].neurons[0]
    assert len(neuron.w) == 3 and neuron.b.data == 0.0
    assert neuron.nonlin and not model.layers[-1].neurons[0].nonlin
    # Parameters are shared, not copied: the model sees a change made through a neuron.
    neuron.w[0].data = 5.0
    assert model.parameters()[0].data == 5.0
    assert model.parameters()[0] == neuron.w[0]


def test_one_output_is_a_value_and_several_are_a_list():
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(Neuron(2)([1.0, 2.0]), Value)
    assert isinstance(Layer(2, 3)([Value(1.0), 2.0]), list)


def test_weights_are_drawn_with_pythons_random_in_karpathys_order():
    random.seed(7)
    expected = []
    for nin, nout in ((2, 3), (3, 1)):
        for _ in range(nout):
            expected += [random.uniform(-1, 1) for _ in range(nin)] + [0.0]
    random.seed(7)
    assert [p.data for p in MLP(2, [3, 1]).parameters()] == expected


def test_neuron_forward_and_gradients_match_finite_differences():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    x = [0.3, -1.2, 0.8]
    model(x).backward()
    params = model.parameters()

    def output_at(values):
        for p, v in zip(params, values):
            p.data = v
        return model(x).data

    start = [p.data for p in params]
    grads = [p.grad for p in params]
    expected = numeric_gradient(output_at, start)
    for got, numeric in zip(grads, expected):
        assert_close(got, numeric)


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1])
    (model([1.0, -1.0]) + 1).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    layer = Layer(2, 2)
    layer([1.0, 1.0])[0].backward()
    Module.zero_grad(layer)
    assert all(p.grad == 0 for p in layer.parameters())


def karpathy_demo_loss(model, X, y):
    """The loss function of Karpathy's demo notebook, verbatim."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def test_karpathys_demo_reproduces_his_step_zero_loss_exactly():
    from micrograd.datasets import make_moons

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])
    total_loss, acc = karpathy_demo_loss(model, X, y)
    assert total_loss.data == 0.8958441028683222
    assert acc == 0.5


def test_karpathys_training_loop_runs_unchanged_and_learns():
    from micrograd.datasets import make_moons

    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])
    first = None
    for k in range(20):
        total_loss, acc = karpathy_demo_loss(model, X, y)
        first = first if first is not None else total_loss.data
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert total_loss.data < first / 2
    assert acc > 0.85


BAD_MODELS = [
    ("MLP(0, [1])", lambda: MLP(0, [1]), ValueError, "nin must be a positive int, got 0"),
    ("MLP(2, [])", lambda: MLP(2, []), ValueError, "nouts"),
    ("MLP(2, [3, 0])", lambda: MLP(2, [3, 0]), ValueError, "nouts"),
    ("MLP(2, 3)", lambda: MLP(2, 3), TypeError, "nouts must be a list"),
    ("MLP(2.5, [1])", lambda: MLP(2.5, [1]), TypeError, "nin must be a positive int, got float"),
    ("Neuron(-1)", lambda: Neuron(-1), ValueError, "nin must be a positive int, got -1"),
    ("Layer(2, 0)", lambda: Layer(2, 0), ValueError, "nout must be a positive int, got 0"),
    ("Layer(2, 1, bad=1)", lambda: Layer(2, 1, bad=1), TypeError, "bad"),
]


@pytest.mark.parametrize("case,call,error,message", BAD_MODELS, ids=[b[0] for b in BAD_MODELS])
def test_bad_model_arguments_raise_clear_errors(case, call, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[")):
        call()


def test_wrong_inputs_to_a_model_raise_clear_errors():
    model = MLP(3, [2, 1])
    with pytest.raises(ValueError, match="x must have 3 items, got 2"):
        model([1.0, 2.0])
    with pytest.raises(TypeError, match=r"x\[1\] must be a Value or a real number, got str"):
        model([1.0, "a", 3.0])
    with pytest.raises(TypeError, match="x must be a list"):
        model(5.0)

"""The training-stack side of MLP: activations, seeding, batched forward,
state_dict, save/load and their errors."""

import random

import numpy as np
import pytest

import micrograd
from micrograd import MLP, Value
from micrograd.nn import Linear, Sequential


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
def test_hidden_activation_is_applied_and_the_last_layer_stays_linear(activation):
    model = MLP(2, [3, 1], activation=activation, seed=0)
    assert {n.activation for n in model.layers[0].neurons} == {activation}
    assert model.layers[-1].neurons[0].activation == "linear"
    x = [0.3, -0.8]
    hidden = [
        sum((w.data * xi for w, xi in zip(n.w, x)), n.b.data) for n in model.layers[0].neurons
    ]
    squash = {
        "relu": lambda h: max(h, 0.0),
        "tanh": np.tanh,
        "sigmoid": lambda h: 1 / (1 + np.exp(-h)),
        "leaky_relu": lambda h: h if h > 0 else 0.01 * h,
        "linear": lambda h: h,
    }[activation]
    out_neuron = model.layers[1].neurons[0]
    expected = sum(w.data * squash(h) for w, h in zip(out_neuron.w, hidden))
    assert model(x).data == pytest.approx(expected, rel=1e-12)


def test_output_activation_can_be_asked_for():
    model = MLP(2, [3, 1], output_activation="sigmoid", seed=0)
    assert repr(model.layers[-1]) == "Layer of [SigmoidNeuron(3)]"
    assert 0 < model([5.0, -5.0]).data < 1


def test_unknown_activation_is_a_value_error():
    with pytest.raises(ValueError, match="activation must be one of relu"):
        MLP(2, [1], activation="gelu")


def test_seed_gives_reproducible_weights_without_touching_global_random():
    random.seed(5)
    state = random.getstate()
    first = [p.data for p in MLP(3, [4, 1], seed=42).parameters()]
    assert random.getstate() == state
    assert first == [p.data for p in MLP(3, [4, 1], seed=42).parameters()]
    assert first != [p.data for p in MLP(3, [4, 1], seed=43).parameters()]


def test_manual_seed_seeds_models_and_datasets():
    micrograd.manual_seed(7)
    weights = [p.data for p in MLP(2, [2, 1]).parameters()]
    X, _ = micrograd.datasets.make_moons(20, noise=0.1)
    micrograd.manual_seed(7)
    assert weights == [p.data for p in MLP(2, [2, 1]).parameters()]
    assert np.array_equal(X, micrograd.datasets.make_moons(20, noise=0.1)[0])


def test_batched_forward_equals_one_call_per_row():
    model = MLP(2, [8, 1], seed=1)
    X = np.random.default_rng(0).normal(size=(10, 2))
    batched = model(X)
    assert len(batched) == 10 and all(isinstance(v, Value) for v in batched)
    assert [v.data for v in batched] == [model(list(row)).data for row in X]
    assert [v.data for v in model(X.tolist())] == [v.data for v in batched]
    assert [v.data for v in model(X.astype(np.float32))] == pytest.approx(
        [v.data for v in batched], rel=1e-6
    )


def test_batched_forward_with_several_outputs_gives_a_list_per_row():
    model = MLP(3, [4, 2], seed=1)
    out = model(np.ones((5, 3)))
    assert len(out) == 5 and all(len(row) == 2 for row in out)


def test_rows_of_values_are_accepted_too():
    model = MLP(2, [3, 1], seed=1)
    rows = [[Value(1.0), Value(2.0)], [Value(-1.0), Value(0.5)]]
    out = model(rows)
    out[0].backward()
    assert rows[0][0].grad != 0 or rows[0][1].grad != 0 or out[0].data == 0


def test_batched_forward_checks_the_number_of_columns():
    with pytest.raises(ValueError, match="X must have 2 columns"):
        MLP(2, [1])(np.ones((4, 3)))


def test_state_dict_is_named_and_shaped_like_pytorch():
    model = MLP(2, [16, 16, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert state["layers.0.weight"].shape == (16, 2)
    assert state["layers.2.bias"].shape == (1,)
    assert state["layers.0.weight"][3, 1] == model.layers[0].neurons[3].w[1].data


def test_load_state_dict_round_trips_and_checks_names_and_shapes():
    source, target = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=1)
    target.load_state_dict(source.state_dict())
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    state = source.state_dict()
    with pytest.raises(ValueError, match=r"missing \['layers.1.bias'\]"):
        target.load_state_dict({k: v for k, v in state.items() if k != "layers.1.bias"})
    with pytest.raises(ValueError, match="has shape"):
        target.load_state_dict({**state, "layers.0.weight": np.zeros((2, 4))})
    with pytest.raises(ValueError, match="unexpected"):
        target.load_state_dict({**state, "layers.9.weight": np.zeros(1)})


@pytest.mark.parametrize("make", [lambda: MLP(2, [4, 1]), lambda: Sequential(Linear(2, 4))])
def test_load_state_dict_refuses_complex_and_string_arrays_and_loads_nothing(make):
    model = make()
    state = model.state_dict()
    before = [p.numpy().copy() if hasattr(p, "numpy") else p.data for p in model.parameters()]
    name = "layers.0.weight"
    for bad, words in [(state[name] + 1j, "complex"), (state[name].astype(str), "<U")]:
        with pytest.raises(TypeError, match=rf"state_dict\['{name}'\].*{words}"):
            model.load_state_dict({**state, name: bad})
    after = [p.numpy().copy() if hasattr(p, "numpy") else p.data for p in model.parameters()]
    assert all(np.array_equal(b, a) for b, a in zip(before, after))


def test_save_and_load_round_trip_through_a_file(tmp_path):
    model = MLP(3, [5, 2], activation="tanh", seed=3)
    path = tmp_path / "model.npz"
    micrograd.save(model, path)
    loaded = micrograd.load(path)
    assert repr(loaded) == repr(model)
    x = [0.1, -0.4, 0.9]
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]


def test_load_reports_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        micrograd.load(tmp_path / "nope.npz")
    good = tmp_path / "good.npz"
    micrograd.save(MLP(2, [3, 1], seed=0), good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.npz"):
        micrograd.load(truncated)
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match="text.npz"):
        micrograd.load(text)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(3))
    with pytest.raises(ValueError, match="micrograd.save"):
        micrograd.load(foreign)
    mismatched = tmp_path / "mismatched.npz"
    state = MLP(2, [3, 1], seed=0).state_dict()
    state["layers.0.weight"] = np.zeros((3, 5))
    config = '{"format": "micrograd.MLP/1", "nin": 2, "nouts": [3, 1], '
    config += '"activation": "relu", "output_activation": "linear"}'
    np.savez(mismatched, __config__=np.array(config), **state)
    with pytest.raises(ValueError, match="has shape"):
        micrograd.load(mismatched)


def test_models_and_optimizers_used_from_another_thread_raise_runtime_error():
    import threading

    from micrograd.optim import Adam

    model = MLP(2, [3, 1], seed=0)
    opt = Adam(model.parameters())
    calls = [
        lambda: model([1.0, 2.0]),
        lambda: model(np.ones((2, 2))),
        model.parameters,
        model.zero_grad,
        lambda: model.layers[0]([1.0, 2.0]),
        lambda: model.layers[0].neurons[0]([1.0, 2.0]),
        opt.step,
        opt.zero_grad,
    ]
    caught = []

    def use_them():
        for call in calls:
            try:
                call()
            except Exception as error:  # a PanicException (BaseException) would escape
                caught.append(error)

    worker = threading.Thread(target=use_them)
    worker.start()
    worker.join()
    assert len(caught) == len(calls)
    assert all(isinstance(e, RuntimeError) and "thread" in str(e) for e in caught)


def test_predict_gives_the_forward_values_without_a_graph():
    model = MLP(2, [8, 8, 1], activation="tanh", seed=2)
    X = np.random.default_rng(1).normal(size=(6, 2))
    predicted = model.predict(X)
    assert predicted.shape == (6,)
    assert predicted.tolist() == [v.data for v in model(X)]
    assert model.predict(X[0]) == model(list(X[0])).data
    several = MLP(2, [4, 3], seed=2)
    assert several.predict(X).shape == (6, 3)
    assert several.predict(X.tolist())[2].tolist() == [v.data for v in several(list(X[2]))]
    with pytest.raises(ValueError, match="X must have 2 columns"):
        model.predict(np.ones((3, 5)))


def test_sequential_state_dict_is_a_snapshot_not_a_live_view():
    from micrograd.nn import Linear, Sequential
    from micrograd.optim import SGD

    model = Sequential(Linear(2, 3, seed=0))
    saved = model.state_dict()
    before = saved["layers.0.weight"].copy()
    (model(np.ones((4, 2))).sum()).backward()
    SGD(model.parameters(), lr=0.1).step()
    assert np.array_equal(saved["layers.0.weight"], before)
    saved["layers.0.weight"][0, 0] = 7.0  # writable
    model.load_state_dict(saved)
    assert model[0].weight.numpy()[0, 0] == 7.0

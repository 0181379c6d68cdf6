"""One object model: ``Module`` in a module of its own (no import cycle), parameters
named by place (``named_parameters``), and state_dict, load_state_dict, summary,
labels and save/load built on those names for MLP, Sequential and user modules."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import micrograd
from micrograd import _core, nn
from micrograd._core import Tensor, Value
from micrograd.layers import LeakyReLU, Linear, ReLU, Sequential, Tanh
from micrograd.module import Module
from micrograd.nn import MLP, Layer, Neuron

PACKAGE = Path(micrograd.__file__).resolve().parent
SUBMODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


# ---------------------------------------------------------------- no import cycle


def _imports_at_import_time(path: Path) -> set[str]:
    """The micrograd submodules ``path`` imports when it is imported (imports inside
    functions and under ``if TYPE_CHECKING:`` do not run then)."""
    found: set[str] = set()
    pending: list[ast.stmt] = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, (ast.If, ast.Try)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    pending.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
        elif isinstance(node, ast.Import):
            found.update(
                a.name.split(".")[1] for a in node.names if a.name.startswith("micrograd.")
            )
        elif isinstance(node, ast.ImportFrom):
            module = "micrograd." * node.level + (node.module or "")
            if node.module == "micrograd" or (node.level and not node.module):
                found.update(a.name for a in node.names if a.name in SUBMODULES)
            elif module.startswith("micrograd."):
                found.add(module.split(".")[1])
    return found & set(SUBMODULES)


def test_the_package_has_no_import_cycle():
    graph = {name: _imports_at_import_time(PACKAGE / f"{name}.py") for name in SUBMODULES}
    assert "module" in graph["nn"] and "module" in graph["layers"]
    assert "nn" not in graph["layers"]
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name) :] + [name]
            pytest.fail(f"import cycle: {' -> '.join(cycle)}")
        if name in done:
            return
        for imported in sorted(graph[name]):
            visit(imported, [*path, name])
        done.add(name)

    for name in SUBMODULES:
        visit(name, [])


def test_each_submodule_imports_first_in_a_fresh_interpreter():
    script = textwrap.dedent(
        """
        import importlib, subprocess, sys
        failed = []
        for name in sys.argv[1:]:
            code = f"import micrograd.{name}"
            result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if result.returncode:
                failed.append((name, result.stderr.strip().splitlines()[-1]))
        print(failed)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *SUBMODULES], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_public_name_stays_where_it_was():
    assert nn.Module is Module and micrograd.Module is Module
    for name in ["LeakyReLU", "Linear", "ReLU", "Sequential", "Sigmoid", "Tanh"]:
        assert getattr(nn, name) is getattr(micrograd.layers, name)
    assert set(nn.__all__) >= {"MLP", "Layer", "Neuron", "Module", "Linear", "Sequential"}


# ---------------------------------------------------------------- one activation list


def test_the_activation_list_is_the_rust_one_and_each_name_round_trips():
    assert nn.ACTIVATIONS is _core.ACTIVATIONS
    assert nn.ACTIVATIONS == ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
    for name in nn.ACTIVATIONS:
        assert _core.Neuron([1.0], 0.0, name).activation == name
        assert Neuron(1, activation=name).activation == name
    with pytest.raises(ValueError, match="'relu', 'tanh', 'sigmoid', 'leaky_relu', 'linear'"):
        _core.Neuron([1.0], 0.0, "gelu")
    with pytest.raises(ValueError, match="relu, tanh, sigmoid, leaky_relu, linear"):
        MLP(2, [1], activation="gelu")


# ---------------------------------------------------------------- names


def test_an_mlp_names_each_parameter_by_its_path():
    model = MLP(2, [3, 1], seed=0)
    named = list(model.named_parameters())
    assert [p for _, p in named] == model.parameters()
    assert all(p is q for (_, p), q in zip(named, model.parameters()))
    names = [name for name, _ in named]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert dict(named)["layers.0.neurons.2.w.1"] is model.layers[0].neurons[2].w[1]
    assert [n for n, _ in model.named_modules()][:3] == ["", "layers.0", "layers.0.neurons.0"]
    assert list(model.children()) == model.layers
    assert [n for n, _ in Neuron(2).named_parameters(prefix="n")] == ["n.w.0", "n.w.1", "n.b"]


def test_a_sequential_names_its_parameters_as_its_state_dict_does():
    model = Sequential(Linear(2, 4, seed=0), ReLU(), Linear(4, 1, seed=1))
    named = dict(model.named_parameters())
    assert (
        list(named)
        == list(model.state_dict())
        == [
            "layers.0.weight",
            "layers.0.bias",
            "layers.1.weight",
            "layers.1.bias",
        ]
    )
    assert named["layers.1.weight"] is model[2].weight
    assert model.layers == [model[0], model[2]]
    assert [n for n, _ in model.named_modules()] == ["", "layers.0", "modules.1", "layers.1"]
    assert list(model.parameters()) == [p for _, p in model.named_parameters()]


class Affine(Module):
    """A user module built from attributes, PyTorch-style (no parameters() of its own)."""

    def __init__(self) -> None:
        self.scale = Value(2.0)
        self.shifts = [Value(0.5), Value(-0.5)]
        self.inner = Linear(2, 2, seed=3)
        self.neuron = Neuron(2, rng=None)


def test_a_user_module_is_named_from_its_attributes():
    model = Affine()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "scale",
        "shifts.0",
        "shifts.1",
        "inner.weight",
        "inner.bias",
        "neuron.w.0",
        "neuron.w.1",
        "neuron.b",
    ]
    assert len(model.parameters()) == 8
    assert set(model.state_dict()) == {"scale", "shifts", "inner.weight", "inner.bias"} | {
        "neuron.w",
        "neuron.b",
    }
    assert model.state_dict()["shifts"].tolist() == [0.5, -0.5]


def test_parameters_only_a_user_parameters_returns_are_named_by_index():
    extra = Value(7.0)

    class Wrapped(Module):
        def __init__(self) -> None:
            self.neuron = Neuron(1)

        def parameters(self):
            return [extra, *self.neuron.parameters()]

    model = Wrapped()
    assert [n for n, _ in model.named_parameters()] == ["0", "neuron.w.0", "neuron.b"]
    state = model.state_dict()
    assert set(state) == {"0", "neuron.w", "neuron.b"} and state["0"] == 7.0
    model.load_state_dict({**state, "0": np.float64(-1.0)})
    assert extra.data == -1.0
    assert [p.label for p in model.name_parameters().parameters()] == [
        "p0",
        "neuron.w0",
        "neuron.b",
    ]


# ---------------------------------------------------------------- state


def test_state_dicts_round_trip_for_every_kind_of_module():
    for make in (
        lambda seed: MLP(3, [4, 2], seed=seed),
        lambda seed: Layer(2, 3, rng=__import__("random").Random(seed)),
        lambda seed: Sequential(Linear(3, 4, seed=seed), Tanh(), Linear(4, 2, seed=seed + 9)),
        lambda seed: Affine(),
    ):
        source, target = make(0), make(1)
        for p in source.parameters():  # make every number differ from target's
            if isinstance(p, Value):
                p.data += 0.25
        target.load_state_dict(source.state_dict())
        for (n, p), (m, q) in zip(source.named_parameters(), target.named_parameters()):
            assert n == m
            assert np.array_equal(np.asarray(_data(p)), np.asarray(_data(q))), n


def _data(p):
    return p.numpy() if isinstance(p, Tensor) else p.data


def test_an_mlp_and_a_sequential_of_the_same_shape_load_each_others_weights():
    mlp = MLP(2, [4, 1], activation="tanh", seed=0)
    seq = Sequential(Linear(2, 4, seed=5), Tanh(), Linear(4, 1, seed=6))
    seq.load_state_dict(mlp.state_dict())
    X = np.random.default_rng(0).normal(size=(5, 2))
    assert np.allclose(seq(X).numpy()[:, 0], mlp.predict(X))
    mlp.load_state_dict(seq.state_dict())
    assert np.allclose(seq(X).numpy()[:, 0], mlp.predict(X))


def test_bulk_data_transfers_check_their_lengths_before_writing():
    values = [Value(1.0), Value(2.0)]
    assert _core.values_data(values).tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="3 numbers for 2 Values"):
        _core.set_values_data(values, np.zeros(3))
    assert [v.data for v in values] == [1.0, 2.0]
    _core.set_values_data(values, np.array([5.0, 6.0]))
    assert [v.data for v in values] == [5.0, 6.0]
    with pytest.raises(TypeError, match=r"values\[1\] must be a Value"):
        _core.values_data([values[0], 3.0])


# ---------------------------------------------------------------- summary, labels


def test_a_sequential_summary_reads_like_the_mlp_it_computes():
    seq = Sequential(Linear(2, 16), ReLU(), Linear(16, 16), LeakyReLU(), Linear(16, 1))
    lines = seq.summary().splitlines()
    assert lines[0] == "Sequential(2, [16, 16, 1])"
    assert [line.split()[-2] for line in lines[2:5]] == ["relu", "leaky_relu", "linear"]
    assert lines[-1].split()[-1] == "337"
    assert Linear(3, 2).summary().splitlines()[0] == "Linear(3, 2)"


def test_labels_follow_the_names():
    model = Affine()
    del model.inner  # a Tensor holds no label
    model.name_parameters(prefix="a.")
    assert [model.scale.label, model.shifts[1].label] == ["a.scale", "a.shifts1"]
    assert [p.label for p in model.neuron.parameters()] == [
        "a.neuron.w0",
        "a.neuron.w1",
        "a.neuron.b",
    ]
    with pytest.raises(TypeError, match="Linear has a parameter of type Tensor"):
        Sequential(Linear(1, 1)).name_parameters()


# ---------------------------------------------------------------- save and load


@pytest.mark.parametrize(
    "model",
    [
        Sequential(Linear(2, 8, seed=1), ReLU(), Linear(8, 8, seed=2), Tanh(), Linear(8, 3)),
        Sequential(Linear(2, 4, bias=False, seed=4), LeakyReLU(0.2), Linear(4, 1, seed=5)),
        Sequential(),
    ],
)
def test_save_and_load_round_trip_a_sequential(tmp_path, model):
    path = tmp_path / "seq.npz"
    micrograd.save(model, path)
    loaded = micrograd.load(path)
    assert isinstance(loaded, Sequential) and repr(loaded) == repr(model)
    assert loaded.state_dict().keys() == model.state_dict().keys()
    for name, array in model.state_dict().items():
        assert np.array_equal(loaded.state_dict()[name], array)
    X = np.random.default_rng(2).normal(size=(6, 2))
    assert np.array_equal(np.asarray(loaded(X)), np.asarray(model(X)))


def test_save_refuses_what_load_could_not_rebuild():
    class Custom(Module):
        def __call__(self, x):
            return x

    with pytest.raises(TypeError, match="module 1 is a Custom"):
        micrograd.save(Sequential(Linear(1, 1), Custom()), "unused.npz")
    with pytest.raises(TypeError, match="MLP or Sequential, got Neuron"):
        micrograd.save(Neuron(2), "unused.npz")


GOOD_LINEAR = {"type": "Linear", "nin": 2, "nout": 1, "bias": True}


@pytest.mark.parametrize(
    "record",
    [
        {"format": "micrograd.Sequential/1"},
        {"format": "micrograd.Sequential/1", "modules": "Linear"},
        {"format": "micrograd.Sequential/1", "modules": [GOOD_LINEAR], "extra": 1},
        {"format": "micrograd.Sequential/1", "modules": [{**GOOD_LINEAR, "nin": 0}]},
        {"format": "micrograd.Sequential/1", "modules": [{**GOOD_LINEAR, "nin": True}]},
        {"format": "micrograd.Sequential/1", "modules": [{**GOOD_LINEAR, "bias": 1}]},
        {"format": "micrograd.Sequential/1", "modules": [{**GOOD_LINEAR, "seed": 1}]},
        {"format": "micrograd.Sequential/1", "modules": [GOOD_LINEAR, {"type": "GELU"}]},
        {"format": "micrograd.Sequential/1", "modules": [GOOD_LINEAR, "ReLU"]},
        {"format": "micrograd.Sequential/1", "modules": [{"type": "LeakyReLU"}]},
        {
            "format": "micrograd.Sequential/1",
            "modules": [GOOD_LINEAR, {"type": "LeakyReLU", "negative_slope": "nan"}],
        },
    ],
)
def test_load_refuses_a_bad_sequential_record(tmp_path, record):
    import json

    path = tmp_path / "bad.npz"
    arrays = {"layers.0.weight": np.zeros((1, 2)), "layers.0.bias": np.zeros(1)}
    np.savez(path, __config__=np.array(json.dumps(record)), **arrays)
    with pytest.raises(ValueError, match="bad architecture record"):
        micrograd.load(path)


def test_load_checks_a_sequential_files_arrays_against_its_record(tmp_path):
    import json

    record = {"format": "micrograd.Sequential/1", "modules": [GOOD_LINEAR]}
    config = np.array(json.dumps(record))
    cases = {
        "missing": {"layers.0.weight": np.zeros((1, 2))},
        "unexpected": {"layers.0.weight": np.zeros((1, 2)), "layers.0.bias": np.zeros(1)}
        | {"layers.1.bias": np.zeros(1)},
        "has shape": {"layers.0.weight": np.zeros((2, 2)), "layers.0.bias": np.zeros(1)},
    }
    for words, arrays in cases.items():
        path = tmp_path / f"{words.replace(' ', '_')}.npz"
        np.savez(path, __config__=config, **arrays)
        with pytest.raises(ValueError, match=words):
            micrograd.load(path)

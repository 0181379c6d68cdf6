"""Every member of every Rust-backed type refuses another thread.

Values, Tensors, models and optimizers hold ``Rc``s, which only their creating thread
may touch. Every member of every Rust-backed type, used from another thread, must
raise a plain ``RuntimeError`` (not pyo3's ``PanicException``, a ``BaseException``
that ``except Exception`` misses) and leave the object working on its own thread. The
member tables below are checked against the classes, so a new method without a
thread test fails here. Freeing, seeding, concurrency and re-entrancy are in
test_reliability_threads.py; a few Value, model and Tensor uses in test_engine.py,
test_models.py and test_tensor_threads.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import micrograd
from micrograd import MLP, Tensor, Value, _core
from micrograd import losses as L
from micrograd.metrics import accuracy
from micrograd.nn import Layer, LeakyReLU, Linear, Neuron, ReLU, Sequential, Sigmoid, Tanh
from micrograd.optim import SGD, Adagrad, Adam, AdamW, RMSprop
from micrograd.viz import to_dot, tree
from other_thread import assert_refused, run_in_thread

# ---------------------------------------------------------------- every member, per type

VALUE_MEMBERS: dict[str, Callable[[Value], object]] = {
    "__abs__": abs,
    "__add__": lambda v: v + 1,
    "__radd__": lambda v: 1 + v,
    "__sub__": lambda v: v - 1,
    "__rsub__": lambda v: 1 - v,
    "__mul__": lambda v: v * 2,
    "__rmul__": lambda v: 2 * v,
    "__truediv__": lambda v: v / 2,
    "__rtruediv__": lambda v: 2 / v,
    "__pow__": lambda v: v**2,
    "__rpow__": lambda v: 2**v,
    "__neg__": lambda v: -v,
    "__eq__": lambda v: v == v,
    "__ne__": lambda v: v != v,
    "__lt__": lambda v: v < v,
    "__le__": lambda v: v <= v,
    "__gt__": lambda v: v > v,
    "__ge__": lambda v: v >= v,
    "__hash__": hash,
    "__repr__": repr,
    "_node_id": lambda v: v._node_id,
    "_op": lambda v: v._op,
    "_prev": lambda v: v._prev,
    "operands": lambda v: v.operands,
    "data": lambda v: v.data,
    "data=": lambda v: setattr(v, "data", 1.0),
    "grad": lambda v: v.grad,
    "grad=": lambda v: setattr(v, "grad", 1.0),
    "label": lambda v: v.label,
    "label=": lambda v: setattr(v, "label", "x"),
    "named": lambda v: v.named("x"),
    "backward": lambda v: v.backward(),
    "_backward": lambda v: v._backward,
    "_backward=": lambda v: setattr(v, "_backward", lambda: None),
    "item": lambda v: v.item(),
    "__float__": lambda v: float(v),
    "relu": lambda v: v.relu(),
    "leaky_relu": lambda v: v.leaky_relu(0.1),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "exp": lambda v: v.exp(),
    "log": lambda v: v.log(),
    "softplus": lambda v: v.softplus(),
    "abs": lambda v: v.abs(),
    "tree": lambda v: v.tree(),
    "print_tree": lambda v: v.print_tree(),
    "show": lambda v: v.show(),
    # the other engine's operand, and module functions taking Values
    "Value(1) * v": lambda v: Value(1.0) * v,
    "mse_loss": lambda v: L.mse_loss([v], [0.0]),
    "hinge_loss": lambda v: L.hinge_loss([v], [1.0]),
    "binary_cross_entropy_with_logits": lambda v: L.binary_cross_entropy_with_logits([v], [1.0]),
    "cross_entropy": lambda v: L.cross_entropy([[v, v]], [0]),
    "l1_penalty": lambda v: L.l1_penalty([v]),
    "l2_penalty": lambda v: L.l2_penalty([v]),
    "accuracy": lambda v: accuracy([v], [1.0]),
    "viz.tree": lambda v: tree(v),
    "viz.to_dot": lambda v: to_dot(v),
    "optimizer over it": lambda v: SGD([v], lr=0.1),
    "Neuron(...)(x)": lambda v: Neuron(1)([v]),
}

TENSOR_MEMBERS: dict[str, Callable[[Tensor], object]] = {
    "T": lambda t: t.T,
    "__add__": lambda t: t + 1,
    "__radd__": lambda t: 1 + t,
    "__sub__": lambda t: t - 1,
    "__rsub__": lambda t: 1 - t,
    "__mul__": lambda t: t * 2,
    "__rmul__": lambda t: 2 * t,
    "__truediv__": lambda t: t / 2,
    "__rtruediv__": lambda t: 2 / t,
    "__pow__": lambda t: t**2,
    "__rpow__": lambda t: 2**t,
    "__matmul__": lambda t: t @ t,
    "__rmatmul__": lambda t: np.ones(1).tolist() @ t,
    "__neg__": lambda t: -t,
    "__array__": np.asarray,
    "__bool__": bool,
    "__getitem__": lambda t: t[0],
    "__len__": len,
    "__iter__": iter,
    "__eq__": lambda t: t == 1.0,
    "__ne__": lambda t: t != 1.0,
    "__lt__": lambda t: t < 1.0,
    "__le__": lambda t: t <= 1.0,
    "__gt__": lambda t: t > 1.0,
    "__ge__": lambda t: t >= 1.0,
    "__repr__": repr,
    "_node_id": lambda t: t._node_id,
    "_op": lambda t: t._op,
    "operands": lambda t: t.operands,
    "shape": lambda t: t.shape,
    "ndim": lambda t: t.ndim,
    "size": lambda t: t.size,
    "is_leaf": lambda t: t.is_leaf,
    "requires_grad": lambda t: t.requires_grad,
    "requires_grad=": lambda t: setattr(t, "requires_grad", True),
    "grad": lambda t: t.grad,
    "grad=": lambda t: setattr(t, "grad", None),
    "zero_grad": lambda t: t.zero_grad(),
    "copy_": lambda t: t.copy_([2.0]),
    "item": lambda t: t.item(),
    "numpy": lambda t: t.numpy(),
    "tolist": lambda t: t.tolist(),
    "backward": lambda t: t.backward(),
    "sum": lambda t: t.sum(),
    "mean": lambda t: t.mean(),
    "max": lambda t: t.max(),
    "softmax": lambda t: t.softmax(),
    "log_softmax": lambda t: t.log_softmax(),
    "reshape": lambda t: t.reshape(1, 1),
    "transpose": lambda t: t.transpose(),
    "relu": lambda t: t.relu(),
    "leaky_relu": lambda t: t.leaky_relu(0.1),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "exp": lambda t: t.exp(),
    "log": lambda t: t.log(),
    # module functions taking Tensors
    "Tensor(t)": lambda t: Tensor(t),
    "Tensor([1]) * t": lambda t: Tensor([1.0]) * t,
    "concatenate": lambda t: micrograd.concatenate([t, t]),
    "linear (as x)": lambda t: _core.linear(t.reshape(1, 1), Tensor([[1.0]])),
    "mse_loss": lambda t: L.mse_loss(t, [0.0]),
    "hinge_loss": lambda t: L.hinge_loss(t, [1.0]),
    "binary_cross_entropy_with_logits": lambda t: L.binary_cross_entropy_with_logits(t, [1.0]),
    "cross_entropy": lambda t: L.cross_entropy(t.reshape(1, 1), [0]),
    "l2_penalty": lambda t: L.l2_penalty([t]),
    "accuracy": lambda t: accuracy(t, [1.0]),
    "optimizer over it": lambda t: Adam([t]),
    "ReLU()(t)": lambda t: ReLU()(t),
    "Linear(1, 1)(t)": lambda t: Linear(1, 1)(t.reshape(1, 1)),
}

# Members that make new objects and touch no existing one: no owner to check.
STATIC_MEMBERS = {
    _core.Value: set(),
    _core.Tensor: {
        "arange",
        "ones",
        "zeros",
        "rand",
        "randn",
        "uniform",
        "from_numpy",  # its thread test: test_a_shared_tensor_made_on_another_thread_...
        "__array_ufunc__",
        "__hash__",  # by identity, as object's: reads no tensor
    },
    _core.Neuron: set(),
    _core.Layer: set(),
    _core.MLP: set(),
    _core.Optimizer: {"sgd", "adam", "rmsprop", "adagrad"},
}


def model_members() -> dict[str, Callable[[], object]]:
    """Calls on objects made by this (the main) thread, for the worker to try."""
    mlp = MLP(2, [3, 1], seed=0).name_parameters()
    layer = Layer(2, 3)
    neuron = Neuron(2)
    seq = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    tensor_in = Tensor(np.ones((4, 2)))
    optimizers = {
        "SGD": SGD(mlp.parameters(), lr=0.1, momentum=0.9),
        "Adam": Adam(mlp.parameters()),
        "AdamW": AdamW(seq.parameters()),
        "RMSprop": RMSprop(seq.parameters()),
        "Adagrad": Adagrad(mlp.parameters()),
    }
    members: dict[str, Callable[[], object]] = {
        # _core.MLP and nn.MLP
        "MLP.__call__ (one sample)": lambda: mlp([1.0, 2.0]),
        "MLP.__call__ (batch)": lambda: mlp(np.ones((3, 2))),
        "MLP.forward_batch": lambda: mlp._core.forward_batch(np.ones((3, 2))),
        "MLP.predict": lambda: mlp.predict(np.ones((3, 2))),
        "MLP.parameters": mlp.parameters,
        "MLP.zero_grad": mlp.zero_grad,
        "MLP.nin": lambda: mlp.nin,
        "MLP.state_dict": mlp.state_dict,
        "MLP.load_state_dict": lambda: mlp.load_state_dict(MLP(2, [3, 1]).state_dict()),
        "MLP.config": mlp.config,
        "MLP.summary": mlp.summary,
        "MLP.name_parameters": mlp.name_parameters,
        "MLP.__repr__": lambda: repr(mlp),
        "micrograd.save": lambda: micrograd.save(mlp, "/nonexistent/never-written.npz"),
        # _core.Layer and nn.Layer
        "Layer.__call__": lambda: layer([1.0, 2.0]),
        "Layer.parameters": layer.parameters,
        "Layer.nin": lambda: layer._core.nin,
        "Layer.nout": lambda: layer._core.nout,
        "Layer.__repr__": lambda: repr(layer),
        # _core.Neuron and nn.Neuron
        "Neuron.__call__": lambda: neuron([1.0, 2.0]),
        "Neuron.parameters": neuron.parameters,
        "Neuron.w": lambda: neuron.w,
        "Neuron.b": lambda: neuron.b,
        "Neuron.nin": lambda: neuron._core.nin,
        "Neuron.activation": lambda: neuron._core.activation,
        "Neuron.__repr__": lambda: repr(neuron),
        "Neuron.zero_grad": neuron.zero_grad,
        "_core.Layer([neuron])": lambda: _core.Layer([neuron._core]),
        "_core.MLP([layer])": lambda: _core.MLP([layer._core]),
        # nn over Tensors
        "Sequential.__call__": lambda: seq(np.ones((4, 2))),
        "Sequential.state_dict": seq.state_dict,
        "Sequential.load_state_dict": lambda: seq.load_state_dict(seq_state),
        "Sequential.zero_grad": seq.zero_grad,
        "Linear.__call__": lambda: seq[0](np.ones((4, 2))),
        "Linear on a main-thread input": lambda: Linear(2, 1)(tensor_in),
        "Tanh": lambda: Tanh()(tensor_in),
        "Sigmoid": lambda: Sigmoid()(tensor_in),
        "LeakyReLU": lambda: LeakyReLU()(tensor_in),
    }
    seq_state = {name: array.copy() for name, array in seq.state_dict().items()}
    for name, opt in optimizers.items():
        members[f"{name}.step"] = opt.step
        members[f"{name}.zero_grad"] = opt.zero_grad
        members[f"{name}.lr"] = lambda opt=opt: opt.lr
        members[f"{name}.lr="] = lambda opt=opt: setattr(opt, "lr", 0.5)
        members[f"{name}.__repr__"] = lambda opt=opt: repr(opt)
    return members


def test_the_member_tables_cover_every_member_of_every_rust_type():
    for cls, table in [(_core.Value, VALUE_MEMBERS), (_core.Tensor, TENSOR_MEMBERS)]:
        members = {n for n in vars(cls) if n not in ("__doc__", "__module__", "__new__")}
        missing = members - set(table) - STATIC_MEMBERS[cls]
        assert not missing, f"{cls.__name__} members without a thread test: {missing}"
    named = {key.split(".")[1].split(" ")[0] for key in model_members() if "." in key}
    for cls in (_core.MLP, _core.Layer, _core.Neuron, _core.Optimizer):
        members = {n for n in vars(cls) if n not in ("__doc__", "__module__", "__new__")}
        missing = members - named - {"__call__"} - STATIC_MEMBERS[cls]
        assert not missing, f"{cls.__name__} members without a thread test: {missing}"


@pytest.mark.parametrize("member", sorted(VALUE_MEMBERS))
def test_every_value_member_refuses_another_thread(member):
    v = Value(2.0, label="v")
    assert_refused(run_in_thread(lambda: VALUE_MEMBERS[member](v)), f"Value {member}")
    assert (v * 2).data == 4.0  # still fine on its own thread


@pytest.mark.parametrize("member", sorted(TENSOR_MEMBERS))
def test_every_tensor_member_refuses_another_thread(member):
    t = Tensor([1.0], requires_grad=True)
    assert_refused(run_in_thread(lambda: TENSOR_MEMBERS[member](t)), f"Tensor {member}")
    assert t.tolist() == [1.0] and (t * 2).tolist() == [2.0]


def test_every_model_and_optimizer_member_refuses_another_thread():
    members = model_members()
    outcomes = {name: run_in_thread(call) for name, call in members.items()}
    for name, outcome in outcomes.items():
        assert_refused(outcome, name)
    for name, call in members.items():  # all of them still work on their own thread
        if name != "micrograd.save":
            call()

"""What tests/helpers/api_driver.py calls: fresh objects of every public kind (Values,
Tensors of several shapes, models, optimizers, arrays), their public members found by
introspection, the module functions and the operators."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

import numpy as np

import micrograd
from micrograd import MLP, Tensor, Value, _core, datasets, metrics, optim, plot, viz
from micrograd import losses as L
from micrograd import nn as mnn

# ---------------------------------------------------------------- objects to call


class ExtendedMLP(MLP):
    """Karpathy-style: a subclass whose parameters() adds a Value of its own."""

    def __init__(self) -> None:
        super().__init__(2, [2, 1], seed=0)
        self.extra = Value(0.5, label="extra")

    def parameters(self) -> list[Value]:
        return [*super().parameters(), self.extra]


def make_pool() -> dict[str, object]:
    """Fresh objects of every public type, in a few states each."""
    a, b = Value(2.0, label="a"), Value(-3.0)
    graph = (a * b + b**2).tanh()
    graph.backward()
    mlp = MLP(2, [3, 1], seed=0)
    t_rg = Tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], requires_grad=True)
    t_out = (t_rg * 2.0).relu()
    t_out.sum().backward()
    seq = mnn.Sequential(mnn.Linear(2, 3, seed=0), mnn.ReLU(), mnn.Linear(3, 1, seed=1))
    return {
        "value": a,
        "value_graph": graph,
        "value_nan": Value(math.nan),
        "tensor_0d": Tensor(3.0),
        "tensor_vec": Tensor([1.0, 2.0, 3.0], requires_grad=True),
        "tensor_mat": t_rg,
        "tensor_result": t_out,
        "tensor_empty": Tensor.zeros(0, 3),
        "tensor_col": Tensor([[1.0], [-1.0], [0.0]]),
        "neuron": mnn.Neuron(2),
        "layer": mnn.Layer(2, 3),
        "mlp": mlp,
        "extended_mlp": ExtendedMLP(),
        "core_mlp": mlp._core,
        "core_neuron": _core.Neuron([1.0, 2.0]),
        "linear": mnn.Linear(2, 3, seed=2),
        "sequential": seq,
        "relu": mnn.ReLU(),
        "leaky": mnn.LeakyReLU(),
        "sgd": optim.SGD(mlp.parameters(), lr=0.1, momentum=0.9),
        "adam": optim.Adam(seq.parameters()),
        "rmsprop": optim.RMSprop([a, b], centered=True),
        "adagrad": optim.Adagrad([t_rg]),
        "dataset": datasets.make_moons(6, seed=0),
        # not objects to call members of, only arguments:
        "mlp parameters": mlp.parameters(),
        "sequential parameters": seq.parameters(),
        "mlp predict": mlp.predict,
    }


POOL_KINDS = sorted(kind for kind in make_pool() if " " not in kind)
SKIPPED_MEMBERS = {
    "show",  # displays through IPython / graphviz
    "render",  # writes files
    "save",
    "print_tree",  # only prints tree(), which is driven
}
OPERATORS: dict[str, Callable] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "[]": operator.getitem,
    "pow3": lambda x, y: pow(x, y, 3),
}
UNARY: dict[str, Callable] = {
    "-x": operator.neg,
    "abs": abs,
    "bool": bool,
    "len": len,
    "hash": hash,
    "float": float,
    "iter": lambda x: list(iter(x))[:5],
    "np.asarray": np.asarray,
    "repr": repr,
    "str": str,
}


def members(obj: object) -> list[str]:
    names = []
    for name in dir(obj):
        if name.startswith("__") or name in SKIPPED_MEMBERS:
            continue
        names.append(name)
    return names


POOL_MEMBERS = {kind: members(obj) for kind, obj in make_pool().items() if kind in POOL_KINDS}

MODULE_FUNCTIONS: dict[str, Callable] = {
    "Value": Value,
    "Tensor": Tensor,
    "Tensor.zeros": Tensor.zeros,
    "Tensor.ones": Tensor.ones,
    "Tensor.randn": Tensor.randn,
    "Tensor.rand": Tensor.rand,
    "Tensor.uniform": Tensor.uniform,
    "Tensor.arange": Tensor.arange,
    "Tensor.from_numpy": Tensor.from_numpy,
    "concatenate": micrograd.concatenate,
    "compile": micrograd.compile,
    "manual_seed": micrograd.manual_seed,
    "_core.manual_seed": _core.manual_seed,
    "_core.linear": _core.linear,
    "_core.Neuron": _core.Neuron,
    "_core.Layer": _core.Layer,
    "_core.MLP": _core.MLP,
    "_core.Optimizer.sgd": _core.Optimizer.sgd,
    "_core.Optimizer.adam": _core.Optimizer.adam,
    "_core.Optimizer.rmsprop": _core.Optimizer.rmsprop,
    "_core.Optimizer.adagrad": _core.Optimizer.adagrad,
    "_core.binary_accuracy": _core.binary_accuracy,
    "_core.argmax_accuracy": _core.argmax_accuracy,
    "_core.zero_grad": _core.zero_grad,
    "nn.Neuron": mnn.Neuron,
    "nn.Layer": mnn.Layer,
    "nn.MLP": mnn.MLP,
    "nn.Linear": mnn.Linear,
    "nn.Sequential": mnn.Sequential,
    "nn.LeakyReLU": mnn.LeakyReLU,
    "nn.ReLU": mnn.ReLU,
    "nn.Tanh": mnn.Tanh,
    "nn.Sigmoid": mnn.Sigmoid,
    "nn.Module": mnn.Module,
    "optim.SGD": optim.SGD,
    "optim.Adam": optim.Adam,
    "optim.AdamW": optim.AdamW,
    "optim.RMSprop": optim.RMSprop,
    "optim.Adagrad": optim.Adagrad,
    "optim.Optimizer": optim.Optimizer,
    "losses.mse_loss": L.mse_loss,
    "losses.hinge_loss": L.hinge_loss,
    "losses.binary_cross_entropy_with_logits": L.binary_cross_entropy_with_logits,
    "losses.cross_entropy": L.cross_entropy,
    "losses.l1_penalty": L.l1_penalty,
    "losses.l2_penalty": L.l2_penalty,
    "metrics.accuracy": metrics.accuracy,
    "datasets.make_moons": datasets.make_moons,
    "datasets.make_circles": datasets.make_circles,
    "datasets.make_blobs": datasets.make_blobs,
    "datasets.train_test_split": datasets.train_test_split,
    "datasets.standardize": datasets.standardize,
    "datasets.load_iris": datasets.load_iris,
    "datasets.load_moons": datasets.load_moons,
    "datasets.load_housing": datasets.load_housing,
    "datasets.Dataset": datasets.Dataset,
    "viz.tree": viz.tree,
    "viz.to_dot": viz.to_dot,
    "viz.inputs": viz.inputs,
    "viz.print_tree": viz.print_tree,
    "viz.draw_dot": viz.draw_dot,
    "plot.decision_boundary": plot.decision_boundary,
    "plot.loss_curve": plot.loss_curve,
}
# Pure-Python loops sized by an argument: a huge int there is a (reported) slow path,
# not a crash, and would only burn the time budget.
NO_HUGE_INTS = {
    "nn.Neuron",
    "nn.Layer",
    "nn.MLP",
    "plot.decision_boundary",
    "plot.loss_curve",
    "viz.inputs",
    "viz.draw_dot",
    "datasets.make_moons",
    "datasets.make_circles",
    "datasets.make_blobs",
}

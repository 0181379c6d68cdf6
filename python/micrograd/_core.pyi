"""Type stubs for the Rust extension ``micrograd._core``."""

from collections.abc import Iterable
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

Number = int | float

class Value:
    """A scalar that remembers how it was computed, so ``backward()`` can find gradients."""

    def __init__(self, data: Number, *, label: str | None = None) -> None: ...
    data: float
    grad: float
    label: str | None
    @property
    def _prev(self) -> set[Value]: ...
    @property
    def _op(self) -> str: ...
    @property
    def operands(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in operand order."""
    def tree(
        self, *, max_depth: int | None = None, max_nodes: int | None = 1000, precision: int = 4
    ) -> str:
        """The graph below this Value as text (``micrograd.viz.tree``)."""
    def print_tree(
        self,
        *,
        max_depth: int | None = None,
        max_nodes: int | None = 1000,
        precision: int = 4,
        file: TextIO | None = None,
    ) -> None:
        """Prints ``tree()`` (``micrograd.viz.print_tree``)."""
    def show(self, *, rankdir: str = "LR", precision: int = 4) -> Any:
        """Displays the graph inline in Jupyter (``micrograd.viz.show``)."""
    def named(self, label: str) -> Value:
        """Sets ``label`` and returns this Value: ``(a * b).named("c")``."""
    def backward(self) -> None:
        """Add d(self)/d(leaf) into every leaf's ``grad``; leaves accumulate across calls."""
    def relu(self) -> Value: ...
    def leaky_relu(self, negative_slope: float = 0.01) -> Value: ...
    def softplus(self) -> Value: ...
    def abs(self) -> Value: ...
    def __abs__(self) -> Value: ...
    def tanh(self) -> Value: ...
    def sigmoid(self) -> Value: ...
    def exp(self) -> Value: ...
    def log(self) -> Value: ...
    def __add__(self, other: Operand) -> Value: ...
    def __radd__(self, other: Operand) -> Value: ...
    def __sub__(self, other: Operand) -> Value: ...
    def __rsub__(self, other: Operand) -> Value: ...
    def __mul__(self, other: Operand) -> Value: ...
    def __rmul__(self, other: Operand) -> Value: ...
    def __truediv__(self, other: Operand) -> Value: ...
    def __rtruediv__(self, other: Operand) -> Value: ...
    def __pow__(self, exponent: Operand, modulo: None = None) -> Value: ...
    def __rpow__(self, base: Number, modulo: None = None) -> Value: ...
    def __neg__(self) -> Value: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

Operand = Value | int | float
Inputs = Iterable[Value | Number]

class Neuron:
    def __init__(
        self,
        weights: list[float],
        bias: float = 0.0,
        activation: str = "relu",
        negative_slope: float = 0.01,
    ) -> None: ...
    def __call__(self, x: Inputs) -> Value: ...
    @property
    def w(self) -> list[Value]: ...
    @property
    def b(self) -> Value: ...
    @property
    def activation(self) -> str: ...
    @property
    def nin(self) -> int: ...
    def parameters(self) -> list[Value]: ...

class Layer:
    def __init__(self, neurons: list[Neuron]) -> None: ...
    def __call__(self, x: Inputs) -> Value | list[Value]: ...
    @property
    def nin(self) -> int: ...
    @property
    def nout(self) -> int: ...
    def parameters(self) -> list[Value]: ...

class MLP:
    def __init__(self, layers: list[Layer]) -> None: ...
    def __call__(self, x: Inputs) -> Value | list[Value]: ...
    def forward_batch(self, x: npt.NDArray[np.float64]) -> list[Value] | list[list[Value]]:
        """One output per row of a 2-D float64 array, built in Rust."""
    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The (rows, nout) outputs as numbers, building no graph."""
    @property
    def nin(self) -> int: ...
    def parameters(self) -> list[Value]: ...
    def zero_grad(self) -> None: ...

Numbers = Iterable[Number] | npt.ArrayLike
Scores = Iterable[Value | Number]

def mse_loss(predictions: Scores, targets: Numbers) -> Value:
    """Mean squared error: ``mean((prediction - target) ** 2)``."""

def hinge_loss(scores: Scores, labels: Numbers) -> Value:
    """Karpathy's max-margin loss ``mean(relu(1 - label * score))``, labels -1/+1."""

def binary_cross_entropy_with_logits(logits: Scores, targets: Numbers) -> Value:
    """Binary cross-entropy on logits (targets in [0, 1]), stable for any logit."""

def cross_entropy(logits: Iterable[Scores], labels: Iterable[int] | npt.ArrayLike) -> Value:
    """Softmax cross-entropy; ``logits`` holds one row of class scores per sample."""

def l1_penalty(params: Iterable[Value]) -> Value:
    """``sum(|p|)`` over ``params``."""

def l2_penalty(params: Iterable[Value]) -> Value:
    """``sum(p * p)`` over ``params``."""

def binary_accuracy(scores: Scores, labels: Numbers) -> float:
    """Fraction of scores on the right side of 0 for labels -1/+1 or 0/1."""

def argmax_accuracy(outputs: Iterable[Scores], labels: Iterable[int] | npt.ArrayLike) -> float:
    """Fraction of rows whose largest output is at the label's index."""

class Optimizer:
    """An update rule over a fixed list of Values; see ``micrograd.optim``."""

    @staticmethod
    def sgd(
        params: Iterable[Value],
        lr: float,
        momentum: float,
        dampening: float,
        weight_decay: float,
        nesterov: bool,
    ) -> Optimizer: ...
    @staticmethod
    def adam(
        params: Iterable[Value],
        lr: float,
        betas: tuple[float, float],
        eps: float,
        weight_decay: float,
        decoupled_weight_decay: bool,
        amsgrad: bool,
    ) -> Optimizer: ...
    @staticmethod
    def rmsprop(
        params: Iterable[Value],
        lr: float,
        alpha: float,
        eps: float,
        weight_decay: float,
        momentum: float,
        centered: bool,
    ) -> Optimizer: ...
    @staticmethod
    def adagrad(
        params: Iterable[Value],
        lr: float,
        lr_decay: float,
        weight_decay: float,
        initial_accumulator_value: float,
        eps: float,
    ) -> Optimizer: ...
    def step(self) -> None: ...
    def zero_grad(self) -> None: ...
    lr: float

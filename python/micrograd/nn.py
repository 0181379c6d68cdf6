"""Neural-network modules with Karpathy's signatures; the math runs in Rust.

Weights are drawn with Python's ``random.uniform(-1, 1)`` in Karpathy's order, so
``random.seed(1337)`` followed by his demo reproduces his numbers exactly.
"""

from __future__ import annotations

import operator
import random
from collections.abc import Iterable, Sequence
from typing import Union

from micrograd import _core
from micrograd._core import Value

Inputs = Iterable[Union[Value, float]]
Output = Union[Value, list[Value]]


def _positive_int(name: str, value: object) -> int:
    """``value`` as an int >= 1, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive int, got bool")
    try:
        size = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}") from None
    if size < 1:
        raise ValueError(f"{name} must be a positive int, got {size}")
    return size


class Module:
    """Base class: anything with ``parameters()`` gets ``zero_grad()``."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``relu(w . x + b)``, or linear with ``nonlin=False``."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        nin = _positive_int("nin", nin)
        weights = [random.uniform(-1, 1) for _ in range(nin)]
        self.nonlin = bool(nonlin)
        self._core = _core.Neuron(weights, 0.0, "relu" if self.nonlin else "linear")

    def __call__(self, x: Inputs) -> Value:
        return self._core(x)

    @property
    def w(self) -> list[Value]:
        return self._core.w

    @property
    def b(self) -> Value:
        return self._core.b

    def parameters(self) -> list[Value]:
        return self._core.parameters()

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({self._core.nin})"


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs; keyword arguments go to each Neuron."""

    def __init__(self, nin: int, nout: int, **kwargs: object) -> None:
        nin = _positive_int("nin", nin)
        nout = _positive_int("nout", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        self._core = _core.Layer([n._core for n in self.neurons])

    def __call__(self, x: Inputs) -> Output:
        return self._core(x)

    def parameters(self) -> list[Value]:
        return self._core.parameters()

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ReLU hidden layers, a linear last layer.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two hidden layers of 16 to one output.
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        nin = _positive_int("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}")
        nouts = [_positive_int("each entry of nouts", n) for n in nouts]
        if not nouts:
            raise ValueError("nouts must list at least one layer size, got []")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]
        self._core = _core.MLP([layer._core for layer in self.layers])

    def __call__(self, x: Inputs) -> Output:
        return self._core(x)

    def parameters(self) -> list[Value]:
        return self._core.parameters()

    def zero_grad(self) -> None:
        self._core.zero_grad()

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

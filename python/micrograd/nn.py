"""Neural-network modules with Karpathy's signatures; the math runs in Rust.

Weights are drawn with Python's ``random.uniform(-1, 1)`` in Karpathy's order, so
``random.seed(1337)`` followed by his demo reproduces his numbers exactly. ``seed=``
on a model draws from its own ``random.Random(seed)`` instead, leaving the global
state alone.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TypedDict, Union

import numpy as np

from micrograd import _core, _state
from micrograd._checks import ensure_room_for_parameters
from micrograd._checks import positive_int as _positive_int
from micrograd._convert import as_float_array
from micrograd._core import Value

# The dense layers over Tensors live in their own module; they are part of nn too.
from micrograd.layers import LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh
from micrograd.module import Module

if TYPE_CHECKING:
    from typing_extensions import TypeIs, Unpack

Inputs = Iterable[Union[Value, float]]
Output = Union[Value, list[Value]]
# The names the Rust Neuron accepts: one list, defined in the bindings.
ACTIVATIONS: tuple[str, ...] = _core.ACTIVATIONS
# "karpathy": his repository's bias of 0; "lecture": the lecture's bias drawn
# uniform(-1, 1) right after the neuron's weights.
INITS = ("karpathy", "lecture")
_NEURON_NAMES = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
    "linear": "Linear",
}


def _check_activation(name: object, argument: str = "activation") -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"{argument} must be one of {', '.join(ACTIVATIONS)}; got {name!r}")
    return name


def _check_init(name: object) -> str:
    if name not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {name!r}")
    return name


class Neuron(Module):
    """``activation(w . x + b)``: ReLU by default, linear with ``nonlin=False``.

    Weights start uniform in [-1, 1] (drawn from ``rng``, Python's ``random`` by
    default) and the bias at 0, as in Karpathy's micrograd; ``init="lecture"`` draws
    the bias uniform in [-1, 1] too, right after the weights, as the lecture's Neuron.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str = "relu",
        rng: random.Random | None = None,
        init: str = "karpathy",
    ) -> None:
        nin = _positive_int("nin", nin)
        activation = _check_activation(activation) if nonlin else "linear"
        init = _check_init(init)
        ensure_room_for_parameters(nin + 1)
        uniform = random.uniform if rng is None else rng.uniform
        weights = [uniform(-1, 1) for _ in range(nin)]
        bias = uniform(-1, 1) if init == "lecture" else 0.0
        self.nonlin = activation != "linear"
        self.activation = activation
        self._core = _core.Neuron(weights, bias, activation)

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

    def _parameter_groups(self) -> Iterator[tuple[str, list[Value] | Value]]:
        yield "w", self.w
        yield "b", self.b

    def _summary_row(self) -> tuple[str, int, int, str]:
        return ("neuron", self._core.nin, 1, self.activation)

    def __repr__(self) -> str:
        return f"{_NEURON_NAMES[self.activation]}Neuron({self._core.nin})"


class _NeuronOptions(TypedDict, total=False):
    """The keyword arguments a Layer passes on to each Neuron."""

    nonlin: bool
    activation: str
    rng: random.Random | None
    init: str


class Layer(Module):
    """``nout`` neurons over the same ``nin`` inputs; keyword arguments go to each Neuron."""

    def __init__(self, nin: int, nout: int, **kwargs: Unpack[_NeuronOptions]) -> None:
        nin = _positive_int("nin", nin)
        nout = _positive_int("nout", nout)
        ensure_room_for_parameters((nin + 1) * nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        self._core = _core.Layer([n._core for n in self.neurons])

    def __call__(self, x: Inputs) -> Output:
        return self._core(x)

    def parameters(self) -> list[Value]:
        return self._core.parameters()

    def _state_slots(self, prefix: str) -> list[_state.Slot]:
        # PyTorch's layout, as Linear: weight (nout, nin) and bias (nout,), read and
        # written in one Rust call over the layer's Values.
        values = self._core.parameters()
        return [_state.RowsSlot(prefix, values, len(self.neurons), self._core.nin)]

    def _summary_row(self) -> tuple[str, int, int, str]:
        # A Layer passes the same keyword arguments to each neuron, so one activation
        # is the rule; a hand-built layer that mixes them lists each once.
        activations = dict.fromkeys(neuron.activation for neuron in self.neurons)
        return ("layer", self._core.nin, len(self.neurons), "/".join(activations))

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ``activation`` on the hidden layers, a linear last layer.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two hidden layers of 16 to one
    output, exactly as Karpathy's. ``activation`` is one of relu, tanh, sigmoid,
    leaky_relu, linear; ``output_activation`` changes the last layer (linear by
    default). ``seed`` draws the initial weights from ``random.Random(seed)``,
    reproducibly and without touching the global random state.

    Call it on one sample (a list of numbers or Values) for a Value (or a list of
    Values), or on a batch (a 2-D numpy array or a list of rows) for one output per
    row, built in Rust without a Python call per scalar.

    ``init="lecture"`` draws every bias uniform in [-1, 1] after its neuron's weights,
    as the lecture's ``Neuron``; :meth:`MLP.lecture` builds the lecture's network.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        seed: int | None = None,
        output_activation: str = "linear",
        init: str = "karpathy",
    ) -> None:
        nin = _positive_int("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}")
        nouts = [_positive_int("each entry of nouts", n) for n in nouts]
        if not nouts:
            raise ValueError("nouts must list at least one layer size, got []")
        _check_activation(activation)
        _check_activation(output_activation, "output_activation")
        _check_init(init)
        rng = None if seed is None else random.Random(seed)
        sizes = [nin, *nouts]
        ensure_room_for_parameters(sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts))))
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                nonlin=(i != last) or output_activation != "linear",
                activation=activation if i != last else output_activation,
                rng=rng,
                init=init,
            )
            for i in range(len(nouts))
        ]
        self._core = _core.MLP([layer._core for layer in self.layers])

    @classmethod
    def lecture(cls, nin: int, nouts: Sequence[int], seed: int | None = None) -> MLP:
        """The network of Karpathy's lecture ("The spelled-out intro to neural networks
        and backpropagation"): tanh on every layer, the last one included, weights and
        biases uniform in [-1, 1], drawn in the lecture's order (each neuron's weights,
        then its bias) from Python's ``random``. After the same ``random.seed``,
        ``MLP.lecture(3, [4, 4, 1])`` has the lecture's ``MLP(3, [4, 4, 1])`` weights.
        It is ``MLP(nin, nouts, activation="tanh", output_activation="tanh",
        init="lecture")``.
        """
        return cls(
            nin,
            nouts,
            activation="tanh",
            seed=seed,
            output_activation="tanh",
            init="lecture",
        )

    def __call__(self, x: Inputs | Sequence[Inputs] | np.ndarray) -> Output | list[Output]:
        rows = _as_batch(x)
        if rows is not None:
            return self._core.forward_batch(rows)
        if _is_list_of_rows(x):
            return [self._core(row) for row in x]
        return self._core(x)

    def predict(self, x: Inputs | Sequence[Inputs] | np.ndarray) -> np.ndarray:
        """The outputs as plain numbers, computing no graph: for evaluation and plots.

        A batch (2-D array or list of rows) gives an array of shape (rows,) for one
        output, (rows, nout) for several; one sample gives shape () or (nout,).
        """
        rows = _as_batch(x)
        if rows is None:
            # One sample: no more than nin + 1 items are read (an endless iterable is
            # refused at once), and they follow Tensor's rule for numbers.
            items = list(itertools.islice(_iterable(x, "x"), self.nin + 1))
            if len(items) != self.nin:
                got = len(items) if len(items) <= self.nin else "more"
                raise ValueError(f"x must have {self.nin} items, got {got}")
            data = [v.data if isinstance(v, Value) else v for v in items]
            return self.predict(as_float_array([data], "x"))[0]
        out = self._core.predict(rows)
        return out[:, 0] if out.shape[1] == 1 else out

    def parameters(self) -> list[Value]:
        return self._core.parameters()

    def zero_grad(self) -> None:
        # The weights' own pass, without a wrapper per scalar, unless a subclass
        # changed what parameters() returns.
        if type(self).parameters is MLP.parameters:
            self._core.zero_grad()
        else:
            super().zero_grad()

    @property
    def nin(self) -> int:
        return self._core.nin

    @property
    def nouts(self) -> list[int]:
        return [len(layer.neurons) for layer in self.layers]

    def config(self) -> dict[str, object]:
        """The constructor arguments that rebuild this architecture."""
        hidden = self.layers[0].neurons[0].activation if len(self.layers) > 1 else "relu"
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": hidden,
            "output_activation": self.layers[-1].neurons[0].activation,
        }

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def _as_batch(x: object) -> np.ndarray | None:
    """``x`` as a 2-D float64 array when it is a numeric batch, else None (then it is
    read row by row, or as one sample, where each item is checked).

    Only real dtypes count as numbers, as for ``Tensor()``: strings are not parsed and
    datetimes are not converted (a 2-D array of them is a TypeError naming ``x``).
    """
    if isinstance(x, np.ndarray):
        if x.ndim == 2:
            return np.ascontiguousarray(as_float_array(x, "x"))
        return None
    if _is_list_of_rows(x):
        if any(isinstance(v, Value) for row in x for v in row):
            return None  # rows of Values: their graph must be kept, row by row
        try:
            array = np.asarray(x)
        except (TypeError, ValueError):
            return None  # ragged: handled row by row
        if array.ndim != 2 or array.dtype.kind not in "biuf":
            return None  # rows of Values, strings, deeper nesting: row by row
        return np.ascontiguousarray(array, dtype=np.float64)
    return None


def _is_list_of_rows(x: object) -> TypeIs[Sequence[Inputs]]:
    if not isinstance(x, (list, tuple)) or len(x) == 0:
        return False
    first = x[0]
    # A 0-d array is a number (as float() reads it), not a row.
    return isinstance(first, (list, tuple)) or (isinstance(first, np.ndarray) and first.ndim > 0)


def _iterable(x: object, argument: str) -> Iterable[object]:
    if not isinstance(x, Iterable):
        raise TypeError(f"{argument} must be a list of Values or numbers, got {type(x).__name__}")
    return x


__all__ = [
    "MLP",
    "LeakyReLU",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
]

"""Type stubs for the Rust extension ``micrograd._core``."""

from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any, ClassVar, TextIO, final, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import Self, TypeAlias, disjoint_base

# The same names, in the same order, as the extension's runtime ``__all__``.
__all__ = [
    "__version__",
    "_allocated_bytes",
    "Value",
    "_set_viz",
    "_Recording",
    "_Tape",
    "_CompiledCall",
    "Neuron",
    "Layer",
    "MLP",
    "ACTIVATIONS",
    "values_data",
    "set_values_data",
    "Optimizer",
    "zero_grad",
    "Tensor",
    "_as_float_array",
    "linear",
    "concatenate",
    "manual_seed",
    "mse_loss",
    "hinge_loss",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l1_penalty",
    "l2_penalty",
    "binary_accuracy",
    "argmax_accuracy",
]

# Type aliases for this stub only (the extension defines no such names, hence the
# leading underscore).
_Number: TypeAlias = int | float
_ArrayLike: TypeAlias = npt.ArrayLike
_Operand: TypeAlias = Value | _Number
_Inputs: TypeAlias = Iterable[Value | _Number]
_Output: TypeAlias = Value | list[Value]
_Numbers: TypeAlias = Iterable[_Number] | npt.ArrayLike
_Scores: TypeAlias = Iterable[Value | _Number]
_TensorOperand: TypeAlias = Tensor | _Number | npt.ArrayLike

__version__: str

def _allocated_bytes() -> int:
    """Bytes the extension's Rust code holds allocated right now, not counting freed
    graph nodes kept for reuse."""

def _set_viz(module: ModuleType) -> None:
    """Registers the module (``micrograd.viz``) that ``Value.tree``, ``print_tree``
    and ``show`` call; the extension never imports the package itself."""

def _as_float_array(data: object, argument: str = "data") -> npt.NDArray[np.float64]:
    """``data`` as an aligned, C-contiguous float64 array (``Tensor``'s rules)."""

@final
class _Recording:
    """Notes every node made on this thread from construction to ``stop()``."""

    def __new__(cls) -> _Recording: ...
    def stop(self) -> None:
        """Stops noting new nodes (idempotent)."""

    def tape(self, outputs: Iterable[Value], inputs: Iterable[Value]) -> _Tape:
        """The tape of the graph computing ``outputs``, with ``inputs`` as its input slots."""

@final
class _Tape:
    """A recorded graph, replayed from flat arrays in Rust."""

    def replay(self, parts: list[Any]) -> list[Value]:
        """Sets the inputs, reads the parameters, runs forward; the outputs as Values."""

    def replay0(self) -> Value:
        """``replay([])[0]`` for a tape of no inputs and one output."""

    def difference(self, other: _Tape) -> str | None:
        """Where ``other`` records a different graph, described; None when the same."""

    def table(self) -> str:
        """The tape as a table: slot, op, operands, value, grad."""

    def __len__(self) -> int: ...
    @property
    def nbytes(self) -> int:
        """Bytes held by the tape's arrays."""

    @property
    def bytes_per_node(self) -> float: ...
    @property
    def num_inputs(self) -> int: ...
    @property
    def num_params(self) -> int: ...
    def input_grads(self) -> list[float]:
        """d(output)/d(input) of the last backward pass, one per input number."""

@disjoint_base
class _CompiledCall:
    """The call of a compiled function, which ``micrograd.Compiled`` derives from: a
    call with no arguments replays the tape set by ``_set_fast`` in one C call; any
    other call goes to the subclass's ``_call``."""

    def __new__(cls, *_args: Any, **_kwargs: Any) -> Self: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def _set_fast(self, tape: _Tape | None) -> None:
        """Sets the tape that calls with no arguments replay directly (a tape of no
        inputs and one output); None sends every call to ``_call``."""

# PyO3 classes cannot be subclassed unless declared with `subclass`, hence @final;
# their constructors are `__new__`.
@final
class Value:
    """A scalar that remembers how it was computed, so ``backward()`` can find gradients."""

    def __new__(
        cls,
        data: _Number,
        _children: Iterable[Value] | None = None,
        _op: str | None = None,
        label: str | None = None,
    ) -> Value:
        """Karpathy's constructor: a leaf, or with children and an op name a node built
        by user code, whose ``_backward`` the user assigns."""
    data: float
    grad: float
    @property
    def label(self) -> str:
        """The name shown in graph pictures; ``''`` when unnamed."""
    @label.setter
    def label(self, label: str | None) -> None: ...
    @property
    def _prev(self) -> set[Value]: ...
    @property
    def _backward(self) -> Callable[[], object]:
        """This node's own chain-rule step (or the callable assigned to a user-built node)."""
    @_backward.setter
    def _backward(self, step: Callable[[], object] | None) -> None: ...
    def item(self) -> float:
        """``data`` as a Python float."""
    def __float__(self) -> float: ...
    @property
    def _op(self) -> str: ...
    @property
    def _node_id(self) -> int:
        """A number naming the graph node (equal for every object of one node)."""
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
    def __add__(self, other: _Operand, /) -> Value: ...
    def __radd__(self, other: _Operand, /) -> Value: ...
    def __sub__(self, other: _Operand, /) -> Value: ...
    def __rsub__(self, other: _Operand, /) -> Value: ...
    def __mul__(self, other: _Operand, /) -> Value: ...
    def __rmul__(self, other: _Operand, /) -> Value: ...
    def __truediv__(self, other: _Operand, /) -> Value: ...
    def __rtruediv__(self, other: _Operand, /) -> Value: ...
    def __pow__(self, exponent: _Operand, modulo: None = None, /) -> Value: ...
    def __rpow__(self, base: _Number, modulo: None = None, /) -> Value: ...
    def __neg__(self) -> Value: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Neuron:
    def __new__(
        cls,
        weights: Iterable[float],
        bias: float = 0.0,
        activation: str = "relu",
        negative_slope: float = 0.01,
    ) -> Neuron: ...
    def __call__(self, x: _Inputs) -> Value: ...
    @property
    def w(self) -> list[Value]: ...
    @property
    def b(self) -> Value: ...
    @property
    def activation(self) -> str: ...
    @property
    def nin(self) -> int: ...
    def parameters(self) -> list[Value]: ...

@final
class Layer:
    def __new__(cls, neurons: Iterable[Neuron]) -> Layer: ...
    def __call__(self, x: _Inputs) -> _Output: ...
    @property
    def nin(self) -> int: ...
    @property
    def nout(self) -> int: ...
    def parameters(self) -> list[Value]: ...

@final
class MLP:
    def __new__(cls, layers: Iterable[Layer]) -> MLP: ...
    def __call__(self, x: _Inputs) -> _Output: ...
    def forward_batch(self, x: npt.NDArray[np.float64]) -> list[_Output]:
        """One output per row of a 2-D float64 array, built in Rust."""
    def predict(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The (rows, nout) outputs as numbers, building no graph."""
    @property
    def nin(self) -> int: ...
    def parameters(self) -> list[Value]: ...
    def zero_grad(self) -> None: ...

ACTIVATIONS: tuple[str, ...]
"""The activation names a Neuron accepts (``micrograd.nn.ACTIVATIONS`` is this tuple)."""

def values_data(values: Iterable[Value]) -> npt.NDArray[np.float64]:
    """The ``data`` of each Value, in order, as a 1-D float64 array (one Rust call)."""

def set_values_data(values: Iterable[Value], data: npt.NDArray[np.float64]) -> None:
    """Sets each Value's ``data`` from a 1-D float64 array of the same length."""

@overload
def mse_loss(predictions: Tensor, targets: _ArrayLike) -> Tensor: ...
@overload
def mse_loss(predictions: _Scores, targets: _Numbers) -> Value:
    """Mean squared error: ``mean((prediction - target) ** 2)``."""

@overload
def hinge_loss(scores: Tensor, labels: _ArrayLike) -> Tensor: ...
@overload
def hinge_loss(scores: _Scores, labels: _Numbers) -> Value:
    """Karpathy's max-margin loss ``mean(relu(1 - label * score))``, labels -1/+1."""

@overload
def binary_cross_entropy_with_logits(logits: Tensor, targets: _ArrayLike) -> Tensor: ...
@overload
def binary_cross_entropy_with_logits(logits: _Scores, targets: _Numbers) -> Value:
    """Binary cross-entropy on logits (targets in [0, 1]), stable for any logit."""

@overload
def cross_entropy(logits: Tensor, labels: Iterable[int] | npt.ArrayLike) -> Tensor: ...
@overload
def cross_entropy(logits: Iterable[_Scores], labels: Iterable[int] | npt.ArrayLike) -> Value:
    """Softmax cross-entropy; ``logits`` holds one row of class scores per sample."""

def l1_penalty(params: Iterable[Value]) -> Value:
    """``sum(|p|)`` over ``params``."""

@overload
def l2_penalty(params: Iterable[Tensor]) -> Tensor: ...
@overload
def l2_penalty(params: Iterable[Value]) -> Value:
    """``sum(p * p)`` over ``params``."""

def binary_accuracy(scores: _Scores, labels: _Numbers) -> float:
    """Fraction of scores on the right side of 0 for labels -1/+1 or 0/1."""

def argmax_accuracy(outputs: Iterable[_Scores], labels: Iterable[int] | npt.ArrayLike) -> float:
    """Fraction of rows whose largest output is at the label's index."""

@final
class Optimizer:
    """An update rule over a fixed list of Values and Tensors; see ``micrograd.optim``."""

    @staticmethod
    def sgd(
        params: Iterable[Value | Tensor],
        lr: float,
        momentum: float,
        dampening: float,
        weight_decay: float,
        nesterov: bool,
    ) -> Optimizer: ...
    @staticmethod
    def adam(
        params: Iterable[Value | Tensor],
        lr: float,
        betas: tuple[float, float],
        eps: float,
        weight_decay: float,
        decoupled_weight_decay: bool,
        amsgrad: bool,
    ) -> Optimizer: ...
    @staticmethod
    def rmsprop(
        params: Iterable[Value | Tensor],
        lr: float,
        alpha: float,
        eps: float,
        weight_decay: float,
        momentum: float,
        centered: bool,
    ) -> Optimizer: ...
    @staticmethod
    def adagrad(
        params: Iterable[Value | Tensor],
        lr: float,
        lr_decay: float,
        weight_decay: float,
        initial_accumulator_value: float,
        eps: float,
    ) -> Optimizer: ...
    def step(self) -> None: ...
    def zero_grad(self) -> None: ...
    lr: float

def zero_grad(params: Iterable[Value | Tensor]) -> None:
    """Clears every gradient in ``params``: a Value's to 0, a Tensor's to None."""

@final
class Tensor:
    """An n-dimensional float64 array that records its ops for ``backward()``."""

    def __new__(cls, data: _ArrayLike, requires_grad: bool = False) -> Tensor:
        """A leaf holding a float64 copy of ``data`` (nested lists, a number, any
        array-like), as ``torch.tensor``; ``Tensor.from_numpy`` shares instead."""
    @staticmethod
    def from_numpy(array: npt.NDArray[np.float64], requires_grad: bool = False) -> Tensor:
        """A leaf over ``array``'s own memory, without a copy, as ``torch.from_numpy``.

        Changes to the array show in the tensor, and in-place updates of the tensor
        (``optimizer.step()``, ``copy_``, ``load_state_dict``) write into the array.
        The array must be float64 in native byte order, C-contiguous, aligned and
        writeable; any other raises TypeError (a non-array or another dtype) or
        ValueError (a layout that cannot be shared). ``Tensor(array)`` copies any array.
        """
    @staticmethod
    def zeros(*shape: int | tuple[int, ...], requires_grad: bool = False) -> Tensor: ...
    @staticmethod
    def ones(*shape: int | tuple[int, ...], requires_grad: bool = False) -> Tensor: ...
    @staticmethod
    def randn(
        *shape: int | tuple[int, ...], seed: int | None = None, requires_grad: bool = False
    ) -> Tensor: ...
    @staticmethod
    def rand(
        *shape: int | tuple[int, ...], seed: int | None = None, requires_grad: bool = False
    ) -> Tensor: ...
    @staticmethod
    def uniform(
        shape: list[int],
        low: float,
        high: float,
        seed: int | None = None,
        requires_grad: bool = False,
    ) -> Tensor: ...
    @staticmethod
    def arange(start: float, stop: float | None = None, step: float = 1.0) -> Tensor: ...
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def ndim(self) -> int: ...
    @property
    def size(self) -> int: ...
    requires_grad: bool
    @property
    def is_leaf(self) -> bool: ...
    grad: npt.NDArray[np.float64] | None
    @property
    def T(self) -> Tensor: ...
    @property
    def _op(self) -> str: ...
    @property
    def _node_id(self) -> int: ...
    @property
    def operands(self) -> tuple[Tensor, ...]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Tensor]:
        """The rows; a 0-d tensor is not iterable (TypeError), as in PyTorch."""
    # Elementwise, as numpy and PyTorch: a Tensor of 1.0 / 0.0 without grad.
    def __eq__(self, other: object, /) -> Tensor: ...  # type: ignore[override]
    def __ne__(self, other: object, /) -> Tensor: ...  # type: ignore[override]
    def __lt__(self, other: _ArrayLike, /) -> Tensor: ...
    def __le__(self, other: _ArrayLike, /) -> Tensor: ...
    def __gt__(self, other: _ArrayLike, /) -> Tensor: ...
    def __ge__(self, other: _ArrayLike, /) -> Tensor: ...
    def __hash__(self) -> int: ...
    def numpy(self) -> npt.NDArray[np.float64]:
        """A read-only numpy view of the values (no copy)."""
    def item(self) -> float: ...
    def __bool__(self) -> bool: ...
    def tolist(self) -> list[object] | float: ...
    def copy_(self, src: _ArrayLike) -> Tensor: ...
    def zero_grad(self) -> None: ...
    def backward(self, gradient: _ArrayLike | None = None) -> None: ...
    def sum(self, axis: int | None = None, keepdims: bool = False) -> Tensor: ...
    def mean(self, axis: int | None = None, keepdims: bool = False) -> Tensor: ...
    def max(self, axis: int | None = None, keepdims: bool = False) -> Tensor: ...
    def softmax(self, axis: int = -1) -> Tensor: ...
    def log_softmax(self, axis: int = -1) -> Tensor: ...
    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor: ...
    def transpose(self, *axes: int) -> Tensor: ...
    def relu(self) -> Tensor: ...
    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor: ...
    def tanh(self) -> Tensor: ...
    def sigmoid(self) -> Tensor: ...
    def exp(self) -> Tensor: ...
    def log(self) -> Tensor: ...
    def __getitem__(self, key: int | slice | list[int] | npt.ArrayLike, /) -> Tensor: ...
    def __add__(self, other: _TensorOperand, /) -> Tensor: ...
    def __radd__(self, other: _TensorOperand, /) -> Tensor: ...
    def __sub__(self, other: _TensorOperand, /) -> Tensor: ...
    def __rsub__(self, other: _TensorOperand, /) -> Tensor: ...
    def __mul__(self, other: _TensorOperand, /) -> Tensor: ...
    def __rmul__(self, other: _TensorOperand, /) -> Tensor: ...
    def __truediv__(self, other: _TensorOperand, /) -> Tensor: ...
    def __rtruediv__(self, other: _TensorOperand, /) -> Tensor: ...
    def __matmul__(self, other: _TensorOperand, /) -> Tensor: ...
    def __rmatmul__(self, other: _TensorOperand, /) -> Tensor: ...
    def __pow__(self, exponent: _TensorOperand, modulo: None = None, /) -> Tensor: ...
    def __rpow__(self, base: _TensorOperand, modulo: None = None, /) -> Tensor: ...
    def __neg__(self) -> Tensor: ...
    def __array__(self, dtype: object = None, copy: bool | None = None) -> npt.NDArray[Any]: ...
    # None makes numpy hand `ndarray <op> Tensor` back to the Tensor's reflected method.
    __array_ufunc__: ClassVar[None]

def linear(x: Tensor | _ArrayLike, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` as one graph node."""

def concatenate(tensors: Iterable[Tensor | _ArrayLike], axis: int = 0) -> Tensor:
    """Joins tensors along ``axis``."""

def manual_seed(seed: int) -> None:
    """Seeds the generator behind ``Tensor.randn``, ``Tensor.rand`` and ``nn.Linear``."""

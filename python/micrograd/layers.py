"""Dense layers over Tensors, PyTorch-style: ``Linear``, ``Sequential`` and
activation modules. Each layer's forward is one Rust op on whole arrays.

    model = Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))
    scores = model(X)          # X: (rows, 2) numpy array or Tensor -> (rows, 1) Tensor
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np

from micrograd import _core
from micrograd._checks import int_at_least, positive_int
from micrograd._core import Tensor, Value
from micrograd.module import Module


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` (nout, nin) and ``bias`` (nout,).

    Both start uniform in ``[-1/sqrt(nin), 1/sqrt(nin)]``, as PyTorch's ``nn.Linear``
    does; ``seed`` makes the draw reproducible (otherwise ``micrograd.manual_seed``
    governs it).
    """

    def __init__(self, nin: int, nout: int, bias: bool = True, seed: int | None = None) -> None:
        self.nin = positive_int("nin", nin)
        self.nout = positive_int("nout", nout)
        seed = _seed(seed)
        bound = 1 / math.sqrt(self.nin)
        self.weight = Tensor.uniform(
            [self.nout, self.nin], -bound, bound, seed=seed, requires_grad=True
        )
        self.bias = (
            Tensor.uniform(
                [self.nout],
                -bound,
                bound,
                # The next seed, wrapping at 2**64 so that every seed has a bias stream.
                seed=None if seed is None else (seed + 1) % 2**64,
                requires_grad=True,
            )
            if bias
            else None
        )

    def __call__(self, x: Tensor | np.ndarray) -> Tensor:
        return _core.linear(x, self.weight, self.bias)

    def parameters(self) -> list[Tensor]:
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def _summary_row(self) -> tuple[str, int, int, str]:
        return ("layer", self.nin, self.nout, "linear")

    def __repr__(self) -> str:
        return f"Linear(nin={self.nin}, nout={self.nout}, bias={self.bias is not None})"


def _seed(seed: object) -> int | None:
    """``seed`` as an int in [0, 2**64) (numpy integers welcome) or None, else a
    TypeError or ValueError naming it."""
    if seed is None:
        return None
    bound = "in [0, 2**64 - 1]"
    number = int_at_least("seed", seed, 0, kind="an int or None", bound=bound)
    if number >= 2**64:
        raise ValueError(f"seed must be {bound}, got {number}")
    return number


class _Activation(Module):
    """A parameter-free module applying one Tensor method."""

    method = ""

    def __call__(self, x: Tensor) -> Tensor:
        return getattr(x, self.method)()

    def _summary_activation(self) -> str:
        return self.method

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    method = "relu"


class Tanh(_Activation):
    method = "tanh"


class Sigmoid(_Activation):
    method = "sigmoid"


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def __call__(self, x: Tensor) -> Tensor:
        return x.leaky_relu(self.negative_slope)

    def _summary_activation(self) -> str:
        return "leaky_relu"

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class Sequential(Module):
    """Modules applied one after another."""

    def __init__(self, *modules: Module) -> None:
        for i, module in enumerate(modules):
            if not callable(module):
                raise TypeError(f"Sequential: module {i} is not callable: {module!r}")
        self.modules = list(modules)

    def __call__(self, x: Tensor | np.ndarray) -> Tensor:
        # Each output feeds the next module (a Tensor from a Linear layer on); an empty
        # Sequential returns x as it came.
        out: Any = x
        for module in self.modules:
            # __init__ checked that every module is callable; Module declares no __call__.
            out = cast("Callable[[Any], Any]", module)(out)
        return out

    def __getitem__(self, index: int) -> Module:
        return self.modules[index]

    def __len__(self) -> int:
        return len(self.modules)

    def parameters(self) -> list[Value | Tensor]:
        # Tensors for Linear layers; any other Module's parameters come through as they are.
        return [p for module in self.modules for p in module.parameters()]

    @property
    def layers(self) -> list[Module]:
        """The modules that hold parameters (the ``Linear`` layers), in order: the
        ``layers.k`` of the names, as in the scalar ``MLP``."""
        return [module for module in self.modules if module.parameters()]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The k-th module holding parameters is ``layers.k``, so a Sequential and a
        scalar ``MLP`` of the same shape have the same ``state_dict()`` names and
        load each other's weights; the others (activations) are ``modules.i``, by
        position."""
        layers = 0
        for i, module in enumerate(self.modules):
            if not isinstance(module, Module):
                continue  # a plain callable: no parameters, no name
            if module.parameters():
                yield f"layers.{layers}", module
                layers += 1
            else:
                yield f"modules.{i}", module

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {module!r}" for i, module in enumerate(self.modules))
        return f"Sequential({inner}\n)"

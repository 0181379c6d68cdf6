"""Optimizers with PyTorch's names, arguments, defaults and update equations; the
update loop runs in Rust.

    opt = Adam(model.parameters(), lr=0.01)
    for step in range(100):
        loss = ...
        opt.zero_grad()
        loss.backward()
        opt.step()

``lr`` is a writable attribute, so a schedule is ``opt.lr = ...`` between steps.

``params`` is an iterable of Values and Tensors; a single Value or Tensor is a
TypeError (wrap it in a list). A parameter listed twice is kept once, so every
parameter is updated once per step on both engines. Every float hyper-parameter
must be finite and in range, else a ValueError naming it (docs/optimizers.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from micrograd import _core
from micrograd._core import Tensor, Value


class Optimizer:
    """Base class: ``step()``, ``zero_grad()`` and a writable ``lr``.

    Every optimizer takes ``params``, an iterable of Values and Tensors (a single
    one is a TypeError); a parameter listed more than once is updated once per step.
    """

    def __init__(self, core: _core.Optimizer) -> None:
        self._core = core

    def step(self) -> None:
        """Updates every parameter once from its current ``grad``; a Tensor whose
        ``grad`` is None is skipped, as in PyTorch (no decay, no momentum)."""
        self._core.step()

    def zero_grad(self) -> None:
        """Sets every Value parameter's ``grad`` to 0 and every Tensor's to None."""
        self._core.zero_grad()

    @property
    def lr(self) -> float:
        return self._core.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._core.lr = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


def _pair(betas: tuple[float, float]) -> tuple[float, float]:
    """``betas`` as the tuple the Rust side takes: a list works too, as in PyTorch,
    and a wrong length is the Rust side's TypeError."""
    return cast("tuple[float, float]", tuple(betas))


class SGD(Optimizer):
    """``p -= lr * g`` with optional momentum (``torch.optim.SGD``)."""

    def __init__(
        self,
        params: Iterable[Value | Tensor],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(
            _core.Optimizer.sgd(params, lr, momentum, dampening, weight_decay, nesterov)
        )


class Adam(Optimizer):
    """Adam with bias correction; ``weight_decay`` adds ``wd * p`` to the gradient
    (``torch.optim.Adam``)."""

    def __init__(
        self,
        params: Iterable[Value | Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(
            _core.Optimizer.adam(params, lr, _pair(betas), eps, weight_decay, False, amsgrad)
        )


class AdamW(Optimizer):
    """Adam with decoupled weight decay: ``p *= 1 - lr * wd`` before the Adam update
    (``torch.optim.AdamW``)."""

    def __init__(
        self,
        params: Iterable[Value | Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(
            _core.Optimizer.adam(params, lr, _pair(betas), eps, weight_decay, True, amsgrad)
        )


class RMSprop(Optimizer):
    """Divides the gradient by a running RMS of past gradients (``torch.optim.RMSprop``)."""

    def __init__(
        self,
        params: Iterable[Value | Tensor],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(
            _core.Optimizer.rmsprop(params, lr, alpha, eps, weight_decay, momentum, centered)
        )


class Adagrad(Optimizer):
    """Divides the gradient by the root of the sum of past squared gradients
    (``torch.optim.Adagrad``)."""

    def __init__(
        self,
        params: Iterable[Value | Tensor],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(
            _core.Optimizer.adagrad(
                params, lr, lr_decay, weight_decay, initial_accumulator_value, eps
            )
        )


__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop"]

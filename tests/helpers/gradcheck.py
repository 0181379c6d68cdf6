"""Central finite differences, the reference every gradient test compares against."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def numeric_gradient(
    f: Callable[[Sequence[float]], float], point: Sequence[float], h: float = 1e-6
) -> list[float]:
    """d f / d point[i] for every i, by (f(x + h) - f(x - h)) / 2h."""
    grads = []
    for i in range(len(point)):
        up = list(point)
        down = list(point)
        up[i] += h
        down[i] -= h
        grads.append((f(up) - f(down)) / (2 * h))
    return grads


def assert_close(got: float, expected: float, rel: float = 1e-5, abs_: float = 1e-6) -> None:
    assert abs(got - expected) <= abs_ + rel * abs(expected), f"got {got}, expected {expected}"


def assert_tensor_gradients(
    op: Callable[..., Any],
    *arrays: Any,
    h: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    seed: int = 0,
    from_numpy: bool = False,
) -> None:
    """The Tensor engine's gradients of ``op`` at ``arrays`` against central differences.

    ``backward()`` runs on ``(op(*leaves) * W).sum()`` for a fixed random weighting
    ``W`` of the output's shape: with all-ones weights a wrong gradient that still
    sums correctly over an axis (a transposed or mis-broadcast one) would pass, so
    every output element gets its own factor. The finite differences evaluate the
    same weighted sum in numpy, perturbing one input element at a time.
    ``from_numpy=True`` makes every leaf with ``Tensor.from_numpy`` (sharing the
    array's memory) instead of ``Tensor`` (a copy).
    """
    from micrograd import Tensor

    make = Tensor.from_numpy if from_numpy else Tensor

    def leaf(array: np.ndarray, requires_grad: bool) -> Any:
        return make(array, requires_grad=requires_grad)

    arrays_f64 = [np.array(a, dtype=np.float64) for a in arrays]
    leaves = [leaf(a, True) for a in arrays_f64]
    out = op(*leaves)
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.5, 1.5, out.shape) * rng.choice([-1.0, 1.0], out.shape)
    (out * weights).sum().backward()

    def weighted_output(values: list[np.ndarray]) -> float:
        return float(np.sum(op(*[leaf(v, False) for v in values]).numpy() * weights))

    for k, (array, tensor) in enumerate(zip(arrays_f64, leaves)):
        assert tensor.grad is not None, f"input {k} got no gradient"
        assert tensor.grad.shape == array.shape, f"input {k}: grad shape {tensor.grad.shape}"
        numeric = np.empty_like(array)
        for index in np.ndindex(array.shape):
            up = [a.copy() for a in arrays_f64]
            down = [a.copy() for a in arrays_f64]
            up[k][index] += h
            down[k][index] -= h
            numeric[index] = (weighted_output(up) - weighted_output(down)) / (2 * h)
        np.testing.assert_allclose(
            tensor.grad, numeric, rtol=rtol, atol=atol, err_msg=f"gradient of input {k}"
        )

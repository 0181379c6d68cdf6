"""Central finite differences, the reference every gradient test compares against."""

from __future__ import annotations

from collections.abc import Callable, Sequence


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

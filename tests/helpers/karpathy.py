"""Karpathy's own code, shared by the tests that run it against either engine."""

from __future__ import annotations


def readme_expression(Value):  # noqa: N803 (the engine's Value class)
    """His README example; returns (a, b, g) before backward()."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g

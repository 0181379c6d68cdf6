"""Karpathy's own code, shared by the tests that run it against either engine, and his
examples built with micrograd."""

from __future__ import annotations

from karpathy_readme import karpathy_readme
from micrograd import Value


def readme_expression(Value):  # noqa: N803 (the engine's Value class)
    """His README example; returns (a, b, g) before backward()."""
    a = Value(-4.0)
    b = Value(2.0)
    return a, b, karpathy_readme(a, b)


def lecture_graph() -> tuple[dict[str, Value], Value]:
    """Karpathy's first lecture graph, L = (a * b + c) * f, every node labelled."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = (a * b).named("e")
    d = (e + c).named("d")
    L = (d * f).named("L")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}, L

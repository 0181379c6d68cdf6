"""Labels that make a printed graph read like the math: ``w0``, ``b``, ``x0``.

A model's parameters are named after their place: a neuron's ``w0, w1, ..., b``; in
a layer ``N3.w1`` (neuron 3); in an MLP ``L0.N3.w1`` (layer 0). Modules are
recognised by shape (``layers``, ``neurons``, ``w`` and ``b``), so the function
works on any module built the same way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, Union

from micrograd._core import Value

Number = Union[int, float]


def name_parameters(module: object, prefix: str = "") -> None:
    """Sets the ``label`` of every parameter of ``module`` after its place in it."""
    # Any: modules are recognised by their attributes (duck typing), not by class.
    pending: list[tuple[Any, str]] = [(module, prefix)]
    while pending:
        current, path = pending.pop()
        if hasattr(current, "layers"):
            pending.extend((layer, f"{path}L{i}.") for i, layer in enumerate(current.layers))
        elif hasattr(current, "neurons"):
            pending.extend((neuron, f"{path}N{j}.") for j, neuron in enumerate(current.neurons))
        elif hasattr(current, "w") and hasattr(current, "b"):
            for i, weight in enumerate(current.w):
                weight.label = f"{path}w{i}"
            current.b.label = f"{path}b"
        else:
            for i, parameter in enumerate(current.parameters()):
                if not isinstance(parameter, Value):
                    raise TypeError(
                        f"name_parameters() labels Values; {type(current).__name__} has a "
                        f"parameter of type {type(parameter).__name__}, which has no label"
                    )
                parameter.label = f"{path}p{i}"


def inputs(values: Iterable[Value | Number], prefix: str = "x") -> list[Value]:
    """Input Values labelled ``x0, x1, ...`` (``prefix`` + position), so a printed
    graph names them: ``neuron(inputs([2.0, 0.0]))``. Numbers become new Values;
    Values given are labelled in place and returned."""
    return [
        value.named(f"{prefix}{i}")
        if isinstance(value, Value)
        else Value(value, label=f"{prefix}{i}")
        for i, value in enumerate(values)
    ]


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(label: str) -> str:
    """``label`` with control characters and line or paragraph separators written as
    ``repr`` writes them (``\\n``, ``\\x00``, ``\\u2028``), so that printing it can
    neither start a new line nor emit a raw control byte."""
    if label.isprintable():
        return label
    return "".join(_escape(c) for c in label)


def _escape(c: str) -> str:
    if unicodedata.category(c) not in ("Cc", "Zl", "Zp"):
        return c
    if c in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[c]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

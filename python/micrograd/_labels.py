"""Labels that make a printed graph read like the math: ``w0``, ``b``, ``x0``.

A model's parameters are labelled after their names in ``named_parameters()``
(``Module.name_parameters``): a neuron's ``w0, w1, ..., b``; in a layer ``N3.w1``
(neuron 3); in an MLP ``L0.N3.w1`` (layer 0).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Union

from micrograd._core import Value

Number = Union[int, float]


_SHORT = {"layers": "L", "neurons": "N"}


def short_label(name: str) -> str:
    """A parameter's label from its name in ``named_parameters()``: a list index
    joins the name before it (``w.1`` -> ``w1``), ``layers``/``neurons`` shorten to
    ``L``/``N`` (``layers.0.neurons.3.w.1`` -> ``L0.N3.w1``), and an index standing
    alone (a parameter known only by its place in ``parameters()``) reads ``p3``."""
    parts: list[str] = []
    joinable = False
    for token in name.split("."):
        if token.isdigit() and joinable:
            parts[-1] = _SHORT.get(parts[-1], parts[-1]) + token
            joinable = False
        elif token.isdigit():
            parts.append(f"p{token}")
        else:
            parts.append(token)
            joinable = True
    return ".".join(parts)


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

"""Argument checks shared across the package, with messages that name the argument."""

from __future__ import annotations

import operator


def positive_int(name: str, value: object) -> int:
    """``value`` as an int >= 1 (numpy integers welcome), or a TypeError/ValueError
    naming ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive int, got bool")
    try:
        size = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}") from None
    if size < 1:
        raise ValueError(f"{name} must be a positive int, got {size}")
    return size

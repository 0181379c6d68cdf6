"""Argument checks shared across the package, with messages that name the argument."""

from __future__ import annotations

import operator
from typing import SupportsIndex

import numpy as np

# What one scalar parameter costs while a model is built: a Python float (24 bytes),
# its list slot (8) and its graph node in Rust (~96).
BYTES_PER_PARAMETER = 128


def int_at_least(name: str, value: object, minimum: int, *, kind: str, bound: str) -> int:
    """``value`` as an int >= ``minimum`` (numpy integers welcome, bools not), else a
    TypeError "{name} must be {kind}, got <type>" or a ValueError
    "{name} must be {bound}, got <value>"."""
    # A bool is an int to operator.index, but never a size or a count here.
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}")
    try:
        number = operator.index(value)
    except TypeError:  # an __index__ that raises or returns a non-int
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}") from None
    if number < minimum:
        raise ValueError(f"{name} must be {bound}, got {number}")
    return number


def positive_int(name: str, value: object) -> int:
    """``value`` as an int >= 1, or a TypeError/ValueError naming ``name``."""
    return int_at_least(name, value, 1, kind="a positive int", bound="a positive int")


def ensure_room_for_parameters(count: int) -> None:
    """Raises MemoryError at once when ``count`` parameters cannot fit in memory,
    instead of drawing them one by one until memory runs out (``MLP(2**40, [1])``).

    The probe is an untouched numpy allocation of the same size: the system refuses
    what it could never provide, and nothing is committed when it agrees.
    """
    if count * BYTES_PER_PARAMETER < 2**30:
        return
    try:
        np.empty(count * BYTES_PER_PARAMETER, dtype=np.uint8)
    except (MemoryError, ValueError):
        gib = count * BYTES_PER_PARAMETER / 2**30
        raise MemoryError(
            f"a model with {count:,} parameters needs about {gib:,.0f} GiB; "
            "that memory is not available"
        ) from None

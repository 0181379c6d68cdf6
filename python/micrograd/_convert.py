"""Turning user data into float64 arrays, with the errors a user should see.

The Rust Tensor calls ``as_float_array`` for anything that is not already a Tensor
or a plain number, so the rules (and messages) live in one readable place.
"""

from __future__ import annotations

import numpy as np

_NUMERIC_KINDS = "biuf"  # bool, signed and unsigned int, float


def as_float_array(data: object, argument: str = "data") -> np.ndarray:
    """``data`` (nested lists, a numpy array, a number) as a float64 numpy array.

    Raises TypeError for non-numeric data (strings, objects, complex numbers) and
    ValueError for ragged nested lists, naming ``argument``.
    """
    if isinstance(data, np.ndarray):
        array = data
    else:
        try:
            array = np.asarray(data)
        except ValueError as error:
            raise ValueError(
                f"{argument} must be a rectangular array, got ragged lists ({error})"
            ) from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{argument} must hold real numbers, got a numpy array of dtype {array.dtype}"
            if isinstance(data, np.ndarray)
            else f"{argument} must hold real numbers, got {type(data).__name__} of {array.dtype}"
        )
    return np.ascontiguousarray(array, dtype=np.float64)

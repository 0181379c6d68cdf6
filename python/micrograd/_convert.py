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
    # np.asarray keeps a 0-d input 0-d (np.ascontiguousarray would make it 1-d);
    # np.require copies an unaligned buffer (np.frombuffer at an odd offset), which
    # the Rust side must not read in place.
    return np.require(np.asarray(array, dtype=np.float64), requirements=["C", "A"])


def row_indices(key: object, rows: int) -> tuple[list[int], list[int]]:
    """The rows ``tensor[key]`` selects (flat, in order) and the shape they form.

    ``key`` is an integer array (any shape: the result has that shape in front) or a
    boolean mask of length ``rows``, as numpy reads them. Raises TypeError for other
    keys (floats, tuples of axes) and IndexError for a mask of the wrong length.
    """
    if isinstance(key, tuple):
        raise TypeError(
            "Tensor indexing selects rows: use t[i], t[a:b], t[[i, j, ...]] or a boolean "
            "mask; for other axes, transpose or reshape first"
        )
    index = np.asarray(key)
    if index.dtype.kind == "b":
        if index.shape != (rows,):
            raise IndexError(
                f"a boolean mask must have one entry per row ({rows}), got shape {index.shape}"
            )
        selected = np.flatnonzero(index)
        return selected.tolist(), [len(selected)]
    if index.dtype.kind not in "iu":
        raise TypeError(
            f"indices must be integers or a boolean mask, got {type(key).__name__} "
            f"of dtype {index.dtype}"
        )
    return index.ravel().tolist(), list(index.shape)

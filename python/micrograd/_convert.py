"""Turning user data into float64 arrays, with the errors a user should see.

The rules (and messages) live in the extension, which applies them to ``Tensor(data)``
and every other array argument; this module gives them to the Python layer.
"""

from __future__ import annotations

import numpy as np

from micrograd import _core


def as_float_array(data: object, argument: str = "data") -> np.ndarray:
    """``data`` (nested lists, a numpy array, a number) as an aligned, C-contiguous
    float64 numpy array, copied only when needed.

    Raises TypeError for non-numeric data (strings, objects, complex numbers) and
    ValueError for ragged nested lists, naming ``argument``.
    """
    return _core._as_float_array(data, argument)

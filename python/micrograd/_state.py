"""Checking a ``state_dict`` against a model before loading it."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._convert import as_float_array


def checked_arrays(
    expected: Mapping[str, tuple[int, ...]], state: Mapping[str, object]
) -> dict[str, np.ndarray]:
    """``state``'s arrays as float64, after checking that the names are exactly
    ``expected``'s and every shape matches; errors name what does not fit."""
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"state_dict does not fit this model: missing {missing}, unexpected {unexpected}"
        )
    arrays = {}
    for name, shape in expected.items():
        argument = f"state_dict[{name!r}]"
        try:
            # Real numbers only: a complex array would lose its imaginary part.
            array = as_float_array(state[name], argument)
        # OverflowError: an int beyond float range; SystemError and UnicodeError:
        # numpy reading strings with invalid code points.
        except (OverflowError, SystemError, UnicodeError) as error:
            raise TypeError(f"{argument} must be numeric: {error}") from None
        if array.shape != tuple(shape):
            raise ValueError(f"state_dict[{name!r}] has shape {array.shape}, expected {shape}")
        arrays[name] = array
    return arrays

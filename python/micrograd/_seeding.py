"""One seed for everything the Python side of micrograd draws.

Network weights come from Python's ``random`` (Karpathy's order) and datasets come
from numpy's global ``RandomState`` (scikit-learn's convention), so seeding both
here makes a whole script reproducible with one call.
"""

from __future__ import annotations

import numbers
import random
from typing import Union

import numpy as np

from micrograd import _core

Seed = Union[int, np.random.RandomState, None]

_initial_seed: int | None = None

# np.random.seed only takes seeds in [0, 2**32).
_MAX_SEED = 2**32 - 1


def manual_seed(seed: int) -> None:
    """Seed everything the package draws from: Python's ``random`` (scalar model
    weights), numpy's global ``RandomState`` (datasets) and the Rust generator behind
    ``Tensor.randn``, ``Tensor.rand`` and ``nn.Linear``.

    Args:
        seed: an int in ``[0, 2**32 - 1]``.

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is out of range.
    """
    global _initial_seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**32 - 1], got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    _core.manual_seed(seed)
    _initial_seed = seed


def initial_seed() -> int | None:
    """The seed last passed to :func:`manual_seed`, or ``None`` if it was never called."""
    return _initial_seed


def generator(seed: Seed = None) -> np.random.RandomState:
    """The ``RandomState`` a dataset function should draw from, as sklearn's ``check_random_state``.

    Args:
        seed: ``None`` for numpy's global ``RandomState`` (so ``np.random.seed`` and
            :func:`manual_seed` both control it), an int for a fresh
            ``RandomState(seed)``, or a ``RandomState`` to use as is.

    Returns:
        A ``numpy.random.RandomState``.

    Raises:
        TypeError: ``seed`` is none of the above (a ``numpy.random.Generator`` is
            refused because it draws different numbers than sklearn would).
    """
    if seed is None:
        # The global instance behind np.random.*; sklearn returns this same object.
        return np.random.mtrand._rand
    if isinstance(seed, np.random.RandomState):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.RandomState(int(seed))
    raise TypeError(
        f"seed must be None, an int or a numpy.random.RandomState, got {type(seed).__name__}"
    )

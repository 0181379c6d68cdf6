"""The record every loader returns: features, target and their names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Dataset:
    """Features, target and their names; unpacks like a tuple: ``X, y = load_iris()``.

    Attributes:
        X: float64 array of shape ``(n_samples, n_features)``.
        y: shape ``(n_samples,)``; float64 for a numeric target, integer class
            indices for a class-name target.
        feature_names: one name per column of ``X``, or ``None`` without a header.
        target_name: the target column's name, or ``None`` without a header.
        class_names: for a class-name target, ``class_names[k]`` is the name of
            class ``k`` (in order of first appearance); ``None`` for a numeric target.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...] | None = None
    target_name: str | None = None
    class_names: tuple[str, ...] | None = None

    def __iter__(self) -> Iterator[np.ndarray]:
        # Unpacking to (X, y) keeps Karpathy-style one-liners working.
        return iter((self.X, self.y))

"""Metrics on model outputs: plain floats, no graph."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from micrograd import _core


def accuracy(outputs: Sequence, labels: Sequence) -> float:
    """The fraction of samples classified correctly.

    - ``outputs`` one score per sample (Values or numbers) and ``labels`` -1/+1 or
      0/1: a score > 0 predicts the positive class.
    - ``outputs`` one row of class scores per sample and ``labels`` class indices:
      the largest score is the prediction.
    """
    outputs = list(outputs)
    if outputs and isinstance(outputs[0], (list, tuple, np.ndarray)):
        return _core.argmax_accuracy(outputs, np.asarray(labels).tolist())
    return _core.binary_accuracy(outputs, labels)


__all__ = ["accuracy"]

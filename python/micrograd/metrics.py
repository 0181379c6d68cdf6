"""Metrics on model outputs: plain floats, no graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from micrograd import _core
from micrograd._core import Tensor


def accuracy(outputs: Iterable[Any] | Tensor, labels: Iterable[Any]) -> float:
    """The fraction of samples classified correctly.

    - ``outputs`` one score per sample (Values or numbers) and ``labels`` -1/+1 or
      0/1: a score > 0 predicts the positive class.
    - ``outputs`` one row of class scores per sample and ``labels`` class indices:
      the largest score is the prediction.

    ``outputs`` may be a Tensor or an array; a single column of scores (shape
    (n, 1), what a one-output model returns) counts as one score per sample.
    """
    if isinstance(outputs, Tensor):
        return accuracy(outputs.numpy(), labels)
    if isinstance(outputs, np.ndarray):
        if outputs.ndim == 2 and outputs.shape[1] == 1:
            outputs = outputs[:, 0]
        if outputs.ndim == 2:
            return _core.argmax_accuracy(outputs.tolist(), np.asarray(labels).tolist())
        return _core.binary_accuracy(outputs.tolist(), labels)
    outputs = list(outputs)
    if outputs and isinstance(outputs[0], (list, tuple, np.ndarray)):
        if all(len(row) == 1 for row in outputs):
            return _core.binary_accuracy([row[0] for row in outputs], labels)
        return _core.argmax_accuracy(outputs, np.asarray(labels).tolist())
    return _core.binary_accuracy(outputs, labels)


__all__ = ["accuracy"]

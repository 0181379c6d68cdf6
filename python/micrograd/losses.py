"""Loss functions over Values, with PyTorch's names. Each builds its graph in Rust
and returns the mean over the samples as one Value.

    >>> from micrograd import Value
    >>> from micrograd.losses import mse_loss
    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
"""

from micrograd._core import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l1_penalty",
    "l2_penalty",
    "mse_loss",
]

"""Karpathy's import path: ``from micrograd.engine import Value``."""

from micrograd._core import Value

__all__ = ["Value"]

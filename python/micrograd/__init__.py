"""micrograd: Karpathy's micrograd API, with the graph, backprop and networks in Rust.

>>> from micrograd import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b ** 2
>>> c.backward()
>>> a.grad, b.grad
(-3.0, -4.0)
"""

from micrograd import datasets, losses, metrics, optim, viz
from micrograd._compile import compile
from micrograd._core import Tensor, Value, concatenate
from micrograd._core import __version__ as __version__  # re-exported
from micrograd._seeding import initial_seed, manual_seed
from micrograd.nn import MLP, Layer, Module, Neuron
from micrograd.serialization import load, save

__all__ = [
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "Tensor",
    "Value",
    "compile",
    "concatenate",
    "datasets",
    "initial_seed",
    "load",
    "losses",
    "manual_seed",
    "metrics",
    "optim",
    "save",
    "viz",
]

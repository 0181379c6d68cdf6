"""micrograd: Karpathy's micrograd API, with the graph, backprop and networks in Rust.

>>> from micrograd import Value
>>> a, b = Value(2.0), Value(-3.0)
>>> c = a * b + b ** 2
>>> c.backward()
>>> a.grad, b.grad
(-3.0, -4.0)
"""

from micrograd._core import Value
from micrograd.nn import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "Value"]
__version__ = "0.1.0"

"""Karpathy's import path: ``from micrograd.engine import Value``.

``Value`` takes the constructor of Karpathy's lecture and micrograd::

    Value(data, _children=(), _op='', label='')

``Value(2.0, label='a')`` is a leaf. A Value made by an op remembers its operands in
``_prev`` (a set) and the op's name in ``_op``. ``label`` is ``''`` unless given or set
afterwards, and names the Value in the graph pictures (``v.show()``, ``draw_dot``).
(``None`` for ``_children``, ``_op`` or ``label`` means the default.)

    >>> from micrograd.engine import Value
    >>> a = Value(2.0, label='a')
    >>> b = Value(-3.0, label='b')
    >>> e = a * b; e.label = 'e'
    >>> e, e._op, e._prev == {a, b}, Value(1.0).label
    (Value(data=-6.0, grad=0.0), '*', True, '')

Every Value has a ``_backward``: one step of the chain rule, which adds its local
derivative times its own ``grad`` into its operands' ``grad``. As in the lecture,
it can be called by hand, node by node, from the output back:

    >>> e.grad = 1.0
    >>> e._backward()
    >>> a.grad, b.grad
    (-3.0, 2.0)

Code outside the class adds an op the lecture's way: it makes the node with its
operands and op name, and assigns the node's ``_backward``. ``backward()`` calls it in
its turn, in topological order:

    >>> import math
    >>> def exp(x):
    ...     out = Value(math.exp(x.data), (x,), 'exp')
    ...     def _backward():
    ...         x.grad += out.data * out.grad
    ...     out._backward = _backward
    ...     return out
    >>> x = Value(0.0, label='x')
    >>> y = exp(3 * x)
    >>> y.backward()
    >>> y._op, float(y), x.grad
    ('exp', 1.0, 3.0)

``float(v)`` and ``v.item()`` give ``data`` as a Python float.
"""

from micrograd._core import Value

__all__ = ["Value"]

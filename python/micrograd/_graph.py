"""Walks over the graph below a Value (or a Tensor), shared by the tree text and the
DOT export.

Graphs can be a million ops deep, so every walk keeps its own stack: Python's
recursion limit (about a thousand frames) would stop a recursive walk long before.
Operands are visited in order (``Value.operands``), never through the ``_prev``
set, so the same graph always gives the same output.
"""

from __future__ import annotations

from collections.abc import Iterator

from micrograd._core import Tensor, Value


def topological_order(root: Value | Tensor) -> list[Value | Tensor]:
    """Every distinct node below ``root`` (and ``root``), operands before results.

    Depth first, operands left to right: each Value appears once, after all the
    Values it was computed from, and ``root`` comes last.
    """
    order: list[Value | Tensor] = []
    # Keyed by node id, not by the Python object: one node comes back as a new object
    # each time (`operands`), and Tensors do not hash by node.
    visited = {root._node_id}
    # Each frame is a Value and an iterator over its operands still to visit.
    stack: list[tuple[Value | Tensor, Iterator[Value | Tensor]]] = [(root, iter(root.operands))]
    while stack:
        node, operands = stack[-1]
        for operand in operands:
            if operand._node_id not in visited:
                visited.add(operand._node_id)
                stack.append((operand, iter(operand.operands)))
                break
        else:
            stack.pop()
            order.append(node)
    return order

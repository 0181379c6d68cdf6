"""Seeing the graph: a text tree, DOT text, graphviz pictures, and labels for them.

    >>> from micrograd import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = (a * b).named("c")
    >>> c.backward()
    >>> c.print_tree()
    * data = -6.0000, grad = 1.0000 ← c
    ├── data = 2.0000, grad = -3.0000 ← a
    └── data = -3.0000, grad = 2.0000 ← b

``tree`` and ``to_dot`` need nothing beyond micrograd. ``render`` and ``show`` need
the Graphviz program ``dot``; ``draw_dot`` needs the ``graphviz`` Python package
(``pip install "micrograd-rs[viz]"``). In Jupyter, ``value.show()`` displays the
graph inline (the plain ``repr`` of a Value stays a cheap one-liner).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, TextIO, Union

from micrograd import _core
from micrograd._checks import int_at_least
from micrograd._core import Tensor, Value
from micrograd._dot import build_graph, dot_source, require_dot, run_dot
from micrograd._labels import inputs
from micrograd._tree import render_tree

PathLike = Union[str, "os.PathLike[str]"]
# Big enough for any graph a learner reads line by line (an MLP(3, [4, 4, 1]) on four
# samples is a few hundred nodes); small enough that a training loss of 65,000 nodes
# prints in a blink instead of flooding the screen.
DEFAULT_MAX_NODES = 1000
RANKDIRS = ("LR", "TB", "RL", "BT")
MISSING_GRAPHVIZ_PACKAGE = (
    'draw_dot() needs the graphviz Python package: pip install "micrograd-rs[viz]" '
    "(or pip install graphviz); to_dot() returns the same graph as text without it"
)


def tree(
    root: Value,
    max_depth: int | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    precision: int = 4,
) -> str:
    """The graph below ``root`` as a text tree: op, data and grad per node, ``← label``.

    Operands hang below the node computed from them, in order. A node reached a
    second time (the graph is a DAG) is printed once, tagged ``#1``, and later lines
    refer to it: ``#1 * ← c (see above)``. Print it before and after ``backward()``
    to see what backward did: only the grads change.

    Args:
        root: the Value at the top, usually the loss.
        max_depth: print nodes at most this many ops below ``root`` (0: the root
            alone); ``…`` marks the operands left out. None: no depth limit.
        max_nodes: stop after this many node lines (1000 by default; None: all).
        precision: digits after the decimal point.

    When a limit cuts the graph, a last line says how many nodes were not shown.
    Tensor graphs have no per-element tree; draw them with ``to_dot``.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"tree() draws Value graphs, got {type(root).__name__}; for a Tensor graph "
            "use micrograd.viz.to_dot (its nodes show shapes)"
        )
    return render_tree(
        root,
        max_depth=_count("max_depth", max_depth, minimum=0, optional=True),
        max_nodes=_count("max_nodes", max_nodes, minimum=1, optional=True),
        precision=_count("precision", precision, minimum=0),
    )


def print_tree(
    root: Value,
    max_depth: int | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    precision: int = 4,
    file: TextIO | None = None,
) -> None:
    """Prints ``tree(root, ...)`` to ``file`` (standard output by default)."""
    print(tree(root, max_depth, max_nodes, precision), file=sys.stdout if file is None else file)


def to_dot(root: Value | Tensor, rankdir: str = "LR", precision: int = 4) -> str:
    """The graph below ``root`` as Graphviz DOT text; needs no package or program.

    Karpathy's picture: each Value a record ``{ label | data | grad }``, each op a
    node of its own between its operands and its result. For a Tensor graph each
    record shows the tensor's shape and, after ``backward()``, its gradient's.
    ``rankdir`` is the layout direction: LR (left to right, the default), TB, RL or
    BT. Paste the text into any Graphviz viewer, or run
    ``dot -Tsvg graph.dot -o graph.svg``.
    """
    graph = build_graph(root, _count("precision", precision, minimum=0))
    return dot_source(graph, _rankdir(rankdir))


def draw_dot(root: Value, format: str = "svg", rankdir: str = "LR", precision: int = 4) -> Any:
    """The graph as a ``graphviz.Digraph``, as in Karpathy's notebook.

    In Jupyter the Digraph displays itself; ``.render()`` and ``.pipe()`` write it in
    ``format``. Needs the ``graphviz`` Python package (``pip install
    "micrograd-rs[viz]"``; ImportError saying so without it) and, to draw, the
    Graphviz program ``dot``.
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(MISSING_GRAPHVIZ_PACKAGE, name="graphviz") from error
    graph = build_graph(root, _count("precision", precision, minimum=0))
    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": _rankdir(rankdir)})
    for name, label, shape in graph.nodes:
        dot.node(name, label=label, **({"shape": shape} if shape else {}))
    for tail, head in graph.edges:
        dot.edge(tail, head)
    return dot


def render(
    root: Value,
    path: PathLike,
    format: str | None = None,
    rankdir: str = "LR",
    precision: int = 4,
) -> Path:
    """Draws the graph into ``path`` with the Graphviz program ``dot``; returns the path.

    The format is ``format``, else the file's extension (``.svg``, ``.png``, ``.pdf``).
    Needs ``dot`` on PATH, not the Python package: FileNotFoundError saying how to
    install Graphviz without it.
    """
    path = Path(path)
    output_format = format or path.suffix.lstrip(".").lower()
    if not output_format:
        raise ValueError(f"cannot tell the format of {str(path)!r}: give format= or a suffix")
    picture = run_dot(to_dot(root, rankdir, precision), output_format)
    path.write_bytes(picture)
    return path


def show(root: Value, rankdir: str = "LR", precision: int = 4) -> Any:
    """The graph as an object that Jupyter displays inline: ``value.show()``.

    A ``graphviz.Digraph`` when the graphviz package is installed, else an
    ``IPython.display.SVG`` drawn by the ``dot`` program. Either way ``dot`` must be
    on PATH (checked here, so the error comes now and says what to install, rather
    than at display time).
    """
    require_dot()
    try:
        return draw_dot(root, "svg", rankdir, precision)
    except ImportError:
        pass  # no graphviz package: draw the SVG ourselves
    try:
        from IPython.display import SVG
    except ImportError as error:
        raise ImportError(
            "show() displays the graph in Jupyter or IPython, and neither the graphviz "
            'package nor IPython is installed: pip install "micrograd-rs[viz]"; '
            "outside a notebook use render(value, 'graph.svg') or print_tree()",
            name="IPython",
        ) from error
    return SVG(data=run_dot(to_dot(root, rankdir, precision), "svg"))


def _rankdir(rankdir: object) -> str:
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}")
    return rankdir


def _count(name: str, value: object, *, minimum: int, optional: bool = False) -> Any:
    """``value`` as an int >= ``minimum`` (or None when ``optional``), else a
    TypeError or ValueError naming the argument."""
    if value is None and optional:
        return None
    kind = "an int or None" if optional else "an int"
    return int_at_least(name, value, minimum, kind=kind, bound=f">= {minimum}")


# Value.tree(), .print_tree() and .show() call this module's functions of the same
# names: the extension never imports the package, the package registers with it.
_core._set_viz(sys.modules[__name__])

__all__ = ["draw_dot", "inputs", "print_tree", "render", "show", "to_dot", "tree"]

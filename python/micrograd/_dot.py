"""The graph below a Value as Graphviz DOT, drawn the way Karpathy's notebook draws it.

Every Value is a record ``{ label | data 2.0000 | grad 0.0000 }``; every op is a
small node of its own, fed by its operands and feeding its result:

    a ─┐
       (*) ──▶ { c | data -6.0000 | grad 0.0000 }
    b ─┘

Building the text needs nothing; turning it into a picture needs the Graphviz
program ``dot``, which ``run_dot`` calls.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

from micrograd._core import Tensor, Value
from micrograd._graph import topological_order
from micrograd._labels import visible

MISSING_DOT = (
    "the Graphviz program `dot` is not on PATH; install Graphviz: "
    "apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS), "
    "conda install graphviz, or see https://graphviz.org/download/ "
    "(to_dot() and tree() work without it)"
)
# Characters with a meaning inside a record label (fields, ports) or a quoted string.
_RECORD_SPECIALS = str.maketrans({c: "\\" + c for c in '\\{}|<>"'} | {"\n": " "})
_STRING_SPECIALS = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": " "})


@dataclass(frozen=True)
class DotGraph:
    """Nodes and edges ready for DOT: labels are already escaped for a quoted string."""

    nodes: list[tuple[str, str, str | None]]  # (name, label, shape or None)
    edges: list[tuple[str, str]]  # (from, to)


def build_graph(root: Value | Tensor, precision: int = 4) -> DotGraph:
    """The DOT nodes and edges of the graph below ``root``, in a fixed order.

    Values are named ``v0, v1, ...`` in topological order (operands first, ``root``
    last) and an op node after its result (``v2_op``), so the same graph always gives
    the same text. An operand used twice (``a * a``) gets two edges, one per use.
    """
    order = topological_order(root)
    names = {value._node_id: f"v{i}" for i, value in enumerate(order)}
    nodes: list[tuple[str, str, str | None]] = []
    edges: list[tuple[str, str]] = []
    for value in order:
        name = names[value._node_id]
        nodes.append((name, _record_label(value, precision), "record"))
        if value._op:
            op_name = f"{name}_op"
            nodes.append((op_name, visible(value._op).translate(_STRING_SPECIALS), None))
            edges.extend((names[operand._node_id], op_name) for operand in value.operands)
            edges.append((op_name, name))
    return DotGraph(nodes, edges)


def dot_source(graph: DotGraph, rankdir: str) -> str:
    """The DOT text of ``graph``, laid out in direction ``rankdir``."""
    lines = ["digraph {", f"\tgraph [rankdir={rankdir}]"]
    for name, label, shape in graph.nodes:
        shape_attribute = f" shape={shape}" if shape else ""
        lines.append(f'\t{name} [label="{label}"{shape_attribute}]')
    lines.extend(f"\t{tail} -> {head}" for tail, head in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def require_dot() -> str:
    """The path of the ``dot`` program, or a FileNotFoundError saying how to install it."""
    program = shutil.which("dot")
    if program is None:
        raise FileNotFoundError(MISSING_DOT)
    return program


def run_dot(source: str, output_format: str) -> bytes:
    """``source`` laid out and drawn by the ``dot`` program in ``output_format``
    (svg, png, pdf, ...); FileNotFoundError saying what to install without it."""
    result = subprocess.run(
        [require_dot(), f"-T{output_format}"],
        input=source.encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"dot -T{output_format} failed: {message}")
    return result.stdout


def _record_label(value: Value | Tensor, precision: int) -> str:
    """Karpathy's ``{ label | data %.4f | grad %.4f }``, without the label if it has none;
    a Tensor shows its shape (and its gradient's, once it has one) instead."""
    if isinstance(value, Tensor):
        fields = [f"shape {_shape(value.shape)}"]
        if value.grad is not None:
            fields.append(f"grad {_shape(value.grad.shape)}")
        return "{ " + " | ".join(fields) + " }"
    fields = [f"data {value.data:.{precision}f}", f"grad {value.grad:.{precision}f}"]
    if value.label:
        # A newline becomes a space; other control characters (NUL is not valid DOT)
        # are written out as \x00 and the like, then everything is escaped.
        label = visible(value.label.replace("\n", " "))
        fields.insert(0, label.translate(_RECORD_SPECIALS))
    return "{ " + " | ".join(fields) + " }"


def _shape(shape: tuple[int, ...]) -> str:
    """``(2, 3)`` as ``2×3``: parentheses and commas read poorly inside a record."""
    return "×".join(map(str, shape)) if shape else "scalar"

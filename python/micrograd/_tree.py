"""The graph below a Value as a text tree: op, data and grad per node, label last.

    * data = -6.0000, grad = 1.0000 ← e
    ├── data = 2.0000, grad = -3.0000 ← a
    └── data = -3.0000, grad = 2.0000 ← b

The graph is a DAG, not a tree: a node reached a second time is not printed again
(its whole subgraph would repeat, exponentially often in the worst case). Its first
line gets a tag ``#1`` and later lines point back to it: ``#1 * ← c (see above)``.
"""

from __future__ import annotations

from micrograd._core import Value
from micrograd._graph import topological_order
from micrograd._labels import visible

BRANCH, LAST = "├── ", "└── "
PIPE, GAP = "│   ", "    "
ARROW = "←"
ELLIPSIS = "…"


def render_tree(root: Value, max_depth: int | None, max_nodes: int | None, precision: int) -> str:
    """The tree text; see ``micrograd.viz.tree`` (which checks the arguments)."""
    # Each line is (box lines, node or None, text); a node's "#n" tag goes between
    # the box lines and the text, once we know which nodes are referenced.
    lines: list[tuple[str, Value | None, str]] = []
    first_line: dict[Value, int] = {}  # node -> the line that shows it in full
    referenced: set[Value] = set()
    cut_by_depth = cut_by_count = False
    node_lines = 0
    # Explicit stack, not recursion: graphs can be far deeper than Python's stack.
    # Each entry: node, the box lines of its ancestors, its own connector, its depth.
    stack: list[tuple[Value, str, str, int]] = [(root, "", "", 0)]
    while stack:
        node, ancestors, connector, depth = stack.pop()
        if node_lines == max_nodes:
            lines.append((ancestors + connector, None, ELLIPSIS))
            cut_by_count = True
            break
        node_lines += 1
        if node in first_line:
            referenced.add(node)
            lines.append((ancestors + connector, node, _reference_text(node)))
            continue
        first_line[node] = len(lines)
        lines.append((ancestors + connector, node, _node_text(node, precision)))
        operands = node.operands
        if not operands:
            continue
        # Under a last child the column is empty; under any other it continues.
        inner = ancestors + {BRANCH: PIPE, LAST: GAP}.get(connector, "")
        if depth == max_depth:
            lines.append((inner + LAST, None, f"{ELLIPSIS} {_operands(len(operands))}"))
            cut_by_depth = True
            continue
        last = len(operands) - 1
        for i in range(last, -1, -1):  # pushed in reverse, so popped in operand order
            stack.append((operands[i], inner, LAST if i == last else BRANCH, depth + 1))

    by_first_line = sorted(referenced, key=first_line.__getitem__)
    tags = {node: n for n, node in enumerate(by_first_line, start=1)}
    text = [lead + (f"#{tags[node]} " if node in tags else "") + body for lead, node, body in lines]
    if cut_by_depth or cut_by_count:
        limits = [f"max_depth={max_depth}"] if cut_by_depth else []
        if cut_by_count:
            limits.append(f"max_nodes={max_nodes}")
        # Counting walks the whole graph, so it is paid only when something was cut.
        total = len(topological_order(root))
        hidden = total - len(first_line)
        text.append(
            f"{ELLIPSIS} {hidden:,} of {total:,} nodes not shown (cut by {' and '.join(limits)})"
        )
    return "\n".join(text)


def _node_text(node: Value, precision: int) -> str:
    """``op data = ..., grad = ... ← label`` (a leaf has no op, an unnamed node no label)."""
    numbers = f"data = {node.data:.{precision}f}, grad = {node.grad:.{precision}f}"
    return _with_label(f"{node._op} {numbers}" if node._op else numbers, node)


def _reference_text(node: Value) -> str:
    """A node shown above: its op and label are enough to recognise it."""
    return f"{_with_label(node._op, node)} (see above)".lstrip()


def _with_label(text: str, node: Value) -> str:
    label = node.label
    if not label:
        return text
    # Escaped, so that a label holding a newline cannot add lines that look like nodes.
    label = visible(label)
    return f"{text} {ARROW} {label}" if text else f"{ARROW} {label}"


def _operands(count: int) -> str:
    return "1 operand" if count == 1 else f"{count} operands"

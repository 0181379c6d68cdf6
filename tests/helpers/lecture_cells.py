"""Runs the code cells of Karpathy's micrograd lecture notebooks, stored in tests/lecture/.

The notebooks are karpathy/nn-zero-to-hero's lectures/micrograd/*.ipynb (MIT licence,
tests/lecture/LICENSE-nn-zero-to-hero); only their code cells are kept, as JSON. A run
executes the cells in order in one namespace, as Jupyter would, and records what each
cell prints and displays, reduced to comparable data: numbers, Values as their data,
a graphviz drawing as its record nodes and edges. ``replaced=True`` swaps the cells
that define classes for this package's imports, as a learner following the lecture on
micrograd-rs would.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

LECTURE = Path(__file__).resolve().parents[1] / "lecture"
NOTEBOOKS = ("first_half_roughly", "second_half_roughly")
SEED = 42

# What a learner writes instead of the lecture's class cells.
VALUE_IMPORT = "from micrograd.engine import Value"
NETWORK_IMPORT = "from micrograd.nn import MLP\nMLP = MLP.lecture  # tanh everywhere, random biases"

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def cells(notebook: str) -> list[str]:
    return json.loads((LECTURE / f"micrograd_lecture_{notebook}.json").read_text())["cells"]


def replace_classes(source: str) -> str:
    """The cell with ``class Value`` swapped for the import (the rest of the cell kept)
    and the Neuron/Layer/MLP cell swapped for the network import."""
    if "class Neuron" in source:
        return NETWORK_IMPORT
    if "class Value" not in source:
        return source
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("class Value"))
    end = start + 1
    # The class body: every following line that is blank or indented.
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
        end += 1
    return "\n".join([*lines[:start], VALUE_IMPORT, "", *lines[end:]])


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def uses_torch(source: str) -> bool:
    return "torch" in source


def run(notebook: str, *, replaced: bool, with_torch: bool = False) -> list[dict[str, Any]]:
    """Executes every code cell (the PyTorch ones only with ``with_torch``); returns per
    cell its printed numbers, its displayed result and the Values in the namespace."""
    import matplotlib

    matplotlib.use("Agg")
    random.seed(SEED)
    namespace: dict[str, Any] = {"__name__": "__lecture__"}
    records = []
    for index, source in enumerate(cells(notebook)):
        if uses_torch(source) and not with_torch:
            records.append({"cell": index, "skipped": True})
            continue
        if replaced:
            source = replace_classes(source)
        # Notebook magics (%matplotlib inline) have no meaning outside IPython.
        source = "\n".join(line for line in source.split("\n") if not line.startswith("%"))
        records.append({"cell": index, **_run_cell(source, namespace, f"<cell {index}>")})
        _close_figures()
    return records


def _run_cell(source: str, namespace: dict[str, Any], name: str) -> dict[str, Any]:
    tree = ast.parse(source)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, name, "exec"), namespace)
        shown = eval(compile(last, name, "eval"), namespace) if last is not None else None
    return {
        "printed": [float(x) for x in NUMBER.findall(out.getvalue())],
        "shown": comparable(shown),
        "values": {
            key: (value.data, value.grad)
            for key, value in namespace.items()
            if type(value).__name__ == "Value"
        },
    }


def _close_figures() -> None:
    import matplotlib.pyplot as plt

    plt.close("all")


def comparable(shown: Any) -> Any:
    """A displayed result as plain data both engines' results can be compared on."""
    if type(shown).__name__ == "Value":
        return ("Value", shown.data)
    if isinstance(shown, (list, tuple)):
        return [comparable(item) for item in shown]
    if isinstance(shown, (int, float)):
        return float(shown)
    if type(shown).__name__ == "Digraph":
        return ("Digraph", dot_structure(shown.source))
    return None  # matplotlib artists and the like: drawn, not compared


RECORD = re.compile(r'^\t(\S+) \[label="(.*)" shape=record\]$')
OP_NODE = re.compile(r"^\t(\S+) \[label=(.*)\]$")
EDGE = re.compile(r"^\t(\S+) -> (\S+)$")


def dot_structure(source: str) -> dict[str, Any]:
    """Karpathy's draw_dot output with the ``id()`` names replaced by what they name:
    the record nodes (their ``{ label | data | grad }`` text), the op nodes and the
    edges, as multisets, so two drawings of the same graph compare equal."""
    records: dict[str, str] = {}
    ops: dict[str, str] = {}
    edges = []
    for line in source.split("\n"):
        if match := RECORD.match(line):
            records[match[1].strip('"')] = match[2]
        elif match := OP_NODE.match(line):
            ops[match[1].strip('"')] = match[2].strip('"')
        elif match := EDGE.match(line):
            edges.append((match[1].strip('"'), match[2].strip('"')))

    def name(node: str) -> str:
        if node in records:
            return records[node]
        owner = next(uid for uid in records if node == uid + ops[node])
        return f"{ops[node]} -> {records[owner]}"

    return {
        "records": sorted(Counter(records.values()).items()),
        "ops": sorted(Counter(name(node) for node in ops).items()),
        "edges": sorted(Counter((name(a), name(b)) for a, b in edges).items()),
    }


def close(a: Any, b: Any, tolerance: float = 1e-12) -> bool:
    """Equal structure, numbers within ``tolerance`` (relative or absolute)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= tolerance * max(1.0, abs(a), abs(b)) or (a != a and b != b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tolerance) for k in a)
    return a == b

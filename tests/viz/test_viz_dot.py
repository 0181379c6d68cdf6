"""Seeing the graph as a picture: DOT text, graphviz pictures, and what each says when
Graphviz is missing."""

from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import sys

import pytest

import micrograd.viz
from karpathy import lecture_graph
from micrograd import Value, viz

needs_dot = pytest.mark.needs_dot  # skips, saying how to install it, where dot is missing
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- DOT


def dot_statements(source: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The nodes (name -> attribute text) and edges of our DOT output."""
    nodes, edges = {}, []
    for line in source.splitlines()[2:-1]:
        edge = re.fullmatch(r"\t(\w+) -> (\w+)", line)
        node = re.fullmatch(r"\t(\w+) \[(.*)\]", line)
        assert edge or node, f"not a node or an edge: {line!r}"
        if edge:
            edges.append(edge.groups())
        else:
            nodes[node.group(1)] = node.group(2)
    return nodes, edges


def test_to_dot_has_a_record_per_value_an_ellipse_per_op_and_an_edge_per_use():
    _, L = lecture_graph()
    L.backward()
    source = viz.to_dot(L)
    assert source.startswith("digraph {\n\tgraph [rankdir=LR]\n") and source.endswith("}\n")
    nodes, edges = dot_statements(source)
    records = {name: attrs for name, attrs in nodes.items() if attrs.endswith(" shape=record")}
    ops = {name: attrs for name, attrs in nodes.items() if name not in records}
    assert len(records) == 7  # a, b, c, d, e, f, L
    assert sorted(ops.values()) == ['label="*"', 'label="*"', 'label="+"']
    assert len(edges) == 3 + 6  # op -> result, and one edge per operand of each op
    assert 'label="{ a | data 2.0000 | grad 6.0000 }" shape=record' in records.values()
    assert 'label="{ L | data -8.0000 | grad 1.0000 }" shape=record' in records.values()
    # Every edge joins declared nodes, and each op node feeds exactly one Value.
    assert all(tail in nodes and head in nodes for tail, head in edges)
    assert sorted(tail for tail, _ in edges if tail in ops) == sorted(ops)


def test_to_dot_is_deterministic_and_lists_operands_before_results():
    _, L = lecture_graph()
    assert viz.to_dot(L) == viz.to_dot(L)
    nodes, _ = dot_statements(viz.to_dot(L, rankdir="TB"))
    labels = [re.match(r'label="\{ (\w+) \|', attrs) for attrs in nodes.values()]
    assert [m.group(1) for m in labels if m] == ["a", "b", "e", "c", "d", "f", "L"]
    assert "\tgraph [rankdir=TB]\n" in viz.to_dot(L, rankdir="TB")


def test_to_dot_draws_an_operand_used_twice_with_two_edges():
    a = Value(3.0)
    _, edges = dot_statements(viz.to_dot(a * a))
    assert edges == [("v0", "v1_op"), ("v0", "v1_op"), ("v1_op", "v1")]


def test_to_dot_of_an_unlabelled_leaf_is_karpathys_two_field_record():
    assert 'v0 [label="{ data 1.5000 | grad 0.0000 }" shape=record]' in viz.to_dot(Value(1.5))


def test_to_dot_escapes_characters_that_mean_something_in_a_record():
    source = viz.to_dot(Value(1.0, label='a{b}|<c> "d" \\e\nf'))
    assert r'label="{ a\{b\}\|\<c\> \"d\" \\e f | data' in source


def test_to_dot_rejects_an_unknown_rankdir():
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB, RL, BT; got 'XY'"):
        viz.to_dot(Value(1.0), rankdir="XY")


@needs_dot
def test_dot_parses_and_draws_every_node_of_to_dot(tmp_path):
    _, L = lecture_graph()
    L.backward()
    path = viz.render(L, tmp_path / "graph.svg")
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == 7 + 3
    assert svg.count('class="edge"') == 9
    assert "grad 6.0000" in svg


@needs_dot
def test_render_writes_png_by_suffix_and_parses_escaped_labels(tmp_path):
    awkward = Value(2.0, label='a{b}|<c> "d" \\e') * Value(3.0, label="w0")
    path = viz.render(awkward, tmp_path / "graph.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    svg = viz.render(awkward, tmp_path / "graph.out", format="svg").read_text()
    assert "a{b}|&lt;c&gt; &quot;d&quot; \\e" in svg


def test_render_needs_a_format_it_can_tell(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the format"):
        viz.render(Value(1.0), tmp_path / "graph")


@needs_dot
def test_render_reports_a_format_dot_does_not_know(tmp_path):
    with pytest.raises(RuntimeError, match="dot -Tnot-a-format failed"):
        viz.render(Value(1.0), tmp_path / "graph.not-a-format")


def test_draw_dot_returns_karpathys_digraph_with_the_same_graph():
    graphviz = pytest.importorskip("graphviz")
    _, L = lecture_graph()
    digraph = viz.draw_dot(L, format="png", rankdir="TB")
    assert isinstance(digraph, graphviz.Digraph)
    assert digraph.format == "png" and digraph.graph_attr == {"rankdir": "TB"}
    # The same nodes and edges as to_dot, written by graphviz's own quoting rules.
    nodes, edges = dot_statements(viz.to_dot(L))
    body = "".join(digraph.body)
    assert body.count(" -> ") == len(edges)
    assert body.count("shape=record") == sum("shape=record" in a for a in nodes.values())
    assert all(f"\t{tail} -> {head}\n" in body for tail, head in edges)


# ---------------------------------------------------------------- show, and missing Graphviz


def hide_graphviz_package(monkeypatch):
    # None in sys.modules makes `import graphviz` raise ImportError, installed or not.
    monkeypatch.setitem(sys.modules, "graphviz", None)


def hide_dot_program(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)


def test_draw_dot_without_the_graphviz_package_says_what_to_install(monkeypatch):
    hide_graphviz_package(monkeypatch)
    with pytest.raises(ImportError, match=r'pip install "micrograd-rs\[viz\]"') as raised:
        viz.draw_dot(Value(1.0))
    assert "pip install graphviz" in str(raised.value)
    assert "to_dot()" in str(raised.value)  # and what works without it


@pytest.mark.parametrize("call", ["render", "show"])
def test_render_and_show_without_dot_say_how_to_install_graphviz(monkeypatch, tmp_path, call):
    hide_dot_program(monkeypatch)
    path = tmp_path / "graph.svg"
    with pytest.raises(FileNotFoundError, match="Graphviz program `dot` is not on PATH") as raised:
        viz.render(Value(1.0), path) if call == "render" else Value(1.0).show()
    assert "apt-get install graphviz" in str(raised.value)
    assert "brew install graphviz" in str(raised.value)
    assert not path.exists()


@needs_dot
def test_show_returns_a_digraph_when_the_graphviz_package_is_there():
    graphviz = pytest.importorskip("graphviz")
    _, L = lecture_graph()
    shown = L.show(rankdir="TB")
    assert isinstance(shown, graphviz.Digraph) and shown.graph_attr == {"rankdir": "TB"}


@needs_dot
def test_show_without_the_graphviz_package_draws_an_ipython_svg(monkeypatch):
    display = pytest.importorskip("IPython.display")
    hide_graphviz_package(monkeypatch)
    _, L = lecture_graph()
    shown = L.show()
    assert isinstance(shown, display.SVG)
    assert "<svg" in shown.data and "grad 0.0000" in shown.data


@needs_dot
def test_show_with_neither_graphviz_nor_ipython_says_what_to_install(monkeypatch):
    hide_graphviz_package(monkeypatch)
    monkeypatch.setitem(sys.modules, "IPython", None)
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    with pytest.raises(ImportError, match=r'pip install "micrograd-rs\[viz\]"'):
        Value(1.0).show()


def test_importing_micrograd_does_not_import_graphviz_or_ipython():
    code = "import sys, micrograd; print('graphviz' in sys.modules, 'IPython' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False False", result.stderr


def test_module_docstring_example_is_current():
    assert doctest.testmod(micrograd.viz).failed == 0


def test_to_dot_draws_tensor_graphs_with_shapes():
    import numpy as np

    from micrograd.losses import mse_loss
    from micrograd.nn import Linear, ReLU, Sequential

    model = Sequential(Linear(3, 4, seed=0), ReLU(), Linear(4, 1, seed=1))
    loss = mse_loss(model(np.ones((5, 3))), np.zeros(5))
    before = viz.to_dot(loss)
    assert '[label="{ shape 5×3 }" shape=record]' in before  # the input batch
    assert '[label="linear"]' in before and '[label="mse_loss"]' in before
    assert before.count("shape=record") == 9  # X, 2 weights, 2 biases, 4 results
    loss.backward()
    assert '[label="{ shape 4×3 | grad 4×3 }" shape=record]' in viz.to_dot(loss)
    with pytest.raises(TypeError, match="to_dot"):
        viz.tree(loss)

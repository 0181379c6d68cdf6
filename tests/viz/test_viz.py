"""Seeing the graph: labels, the text tree, DOT text, graphviz pictures, and what each
says when Graphviz is missing."""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import micrograd.viz
from markdown_blocks import fenced_blocks, python_blocks_with_output
from micrograd import MLP, Value, viz
from micrograd._graph import topological_order
from micrograd.datasets import load_moons
from micrograd.losses import hinge_loss, l2_penalty
from micrograd.nn import Layer, Module, Neuron

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
needs_dot = pytest.mark.needs_dot  # skips, saying how to install it, where dot is missing
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CUT_LINE = re.compile(r"^… ([\d,]+) of ([\d,]+) nodes not shown \(cut by (.+)\)$")


def lecture_graph() -> tuple[dict[str, Value], Value]:
    """Karpathy's first lecture graph, L = (a * b + c) * f, every node labelled."""
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    f = Value(-2.0, label="f")
    e = (a * b).named("e")
    d = (e + c).named("d")
    L = (d * f).named("L")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}, L


def lecture_neuron() -> tuple[Neuron, Value]:
    """His neuron, tanh(x0 w0 + x1 w1 + b), with his numbers and our labels."""
    neuron = Neuron(2, activation="tanh").name_parameters()
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = -3.0, 1.0, 6.8813735870195432
    return neuron, neuron(viz.inputs([2.0, 0.0])).named("o")


def moons_loss_graph() -> Value:
    """Karpathy's demo loss over 100 points: about 65,000 nodes."""
    X, y = load_moons()
    model = MLP(2, [16, 16, 1], seed=1337)
    return hinge_loss(model(X), y)


def cut_counts(text: str) -> tuple[int, int, str]:
    """(hidden, total, limits) from the last line of a cut tree."""
    match = CUT_LINE.match(text.splitlines()[-1])
    assert match, f"no cut line at the end of:\n{text}"
    hidden, total, limits = match.groups()
    return int(hidden.replace(",", "")), int(total.replace(",", "")), limits


# ---------------------------------------------------------------- the text tree


def test_tree_of_a_labelled_graph_before_backward_shows_data_and_zero_grads():
    _, L = lecture_graph()
    assert L.tree() == textwrap.dedent(
        """\
        * data = -8.0000, grad = 0.0000 ← L
        ├── + data = 4.0000, grad = 0.0000 ← d
        │   ├── * data = -6.0000, grad = 0.0000 ← e
        │   │   ├── data = 2.0000, grad = 0.0000 ← a
        │   │   └── data = -3.0000, grad = 0.0000 ← b
        │   └── data = 10.0000, grad = 0.0000 ← c
        └── data = -2.0000, grad = 0.0000 ← f"""
    )


def test_tree_after_backward_shows_the_chain_rule_grads():
    _, L = lecture_graph()
    L.backward()
    # Karpathy's lecture numbers: dL/da = 6, dL/db = -4, dL/dc = dL/dd = dL/de = -2, dL/df = 4.
    assert L.tree() == textwrap.dedent(
        """\
        * data = -8.0000, grad = 1.0000 ← L
        ├── + data = 4.0000, grad = -2.0000 ← d
        │   ├── * data = -6.0000, grad = -2.0000 ← e
        │   │   ├── data = 2.0000, grad = 6.0000 ← a
        │   │   └── data = -3.0000, grad = -4.0000 ← b
        │   └── data = 10.0000, grad = -2.0000 ← c
        └── data = -2.0000, grad = 4.0000 ← f"""
    )


def test_tree_of_a_neuron_with_named_parameters_and_inputs_reads_like_the_math():
    _, o = lecture_neuron()
    o.backward()
    assert o.tree() == textwrap.dedent(
        """\
        tanh data = 0.7071, grad = 1.0000 ← o
        └── + data = 0.8814, grad = 0.5000
            ├── + data = 0.8814, grad = 0.5000
            │   ├── data = 6.8814, grad = 0.5000 ← b
            │   └── * data = -6.0000, grad = 0.5000
            │       ├── data = -3.0000, grad = 1.0000 ← w0
            │       └── data = 2.0000, grad = -1.5000 ← x0
            └── * data = 0.0000, grad = 0.5000
                ├── data = 1.0000, grad = 0.0000 ← w1
                └── data = 0.0000, grad = 0.5000 ← x1"""
    )


def test_a_shared_node_is_printed_once_then_referenced_by_its_tag():
    a = Value(2.0, label="a")
    x = (a * a).named("x")
    y = (x + x * a).named("y")
    assert y.tree() == textwrap.dedent(
        """\
        + data = 12.0000, grad = 0.0000 ← y
        ├── #1 * data = 4.0000, grad = 0.0000 ← x
        │   ├── #2 data = 2.0000, grad = 0.0000 ← a
        │   └── #2 ← a (see above)
        └── * data = 8.0000, grad = 0.0000
            ├── #1 * ← x (see above)
            └── #2 ← a (see above)"""
    )


def test_an_unlabelled_shared_node_is_referenced_by_its_op():
    a = Value(1.0)
    s = a * 2
    text = (s + s).tree()
    assert text.splitlines()[1].startswith("├── #1 * data = 2.0000")
    assert text.splitlines()[-1] == "└── #1 * (see above)"


def test_repeated_doubling_prints_in_linear_not_exponential_lines():
    # v = v + v thirty times: as a tree, 2**31 - 1 lines; as a DAG, one per edge.
    v = Value(1.0, label="v")
    for _ in range(30):
        v = v + v
    lines = v.tree().splitlines()
    assert len(lines) == 1 + 2 * 30  # the root, then each node's two operand lines
    assert lines[-1] == "└── #1 + (see above)"
    assert sum("(see above)" in line for line in lines) == 30


def test_max_depth_marks_the_hidden_operands_and_counts_what_was_cut():
    _, L = lecture_graph()
    assert L.tree(max_depth=1) == textwrap.dedent(
        """\
        * data = -8.0000, grad = 0.0000 ← L
        ├── + data = 4.0000, grad = 0.0000 ← d
        │   └── … 2 operands
        └── data = -2.0000, grad = 0.0000 ← f
        … 4 of 7 nodes not shown (cut by max_depth=1)"""
    )
    assert L.tree(max_depth=0).splitlines() == [
        "* data = -8.0000, grad = 0.0000 ← L",
        "└── … 2 operands",
        "… 6 of 7 nodes not shown (cut by max_depth=0)",
    ]


def test_max_nodes_stops_where_the_next_node_would_go():
    _, L = lecture_graph()
    assert L.tree(max_nodes=3) == textwrap.dedent(
        """\
        * data = -8.0000, grad = 0.0000 ← L
        ├── + data = 4.0000, grad = 0.0000 ← d
        │   ├── * data = -6.0000, grad = 0.0000 ← e
        │   │   ├── …
        … 4 of 7 nodes not shown (cut by max_nodes=3)"""
    )


def test_a_graph_within_the_limits_has_no_cut_line():
    _, L = lecture_graph()
    assert L.tree(max_depth=3, max_nodes=7) == L.tree(max_depth=None, max_nodes=None)
    assert "not shown" not in L.tree()


def test_precision_sets_the_digits():
    a = Value(1 / 3, label="a")
    assert a.tree(precision=2) == "data = 0.33, grad = 0.00 ← a"
    assert a.tree(precision=0) == "data = 0, grad = 0 ← a"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"max_nodes": 0}, ValueError, "max_nodes must be >= 1, got 0"),
        ({"max_depth": -1}, ValueError, "max_depth must be >= 0, got -1"),
        ({"max_depth": 1.5}, TypeError, "max_depth must be an int or None, got float"),
        ({"max_nodes": True}, TypeError, "max_nodes must be an int or None, got bool"),
        ({"precision": None}, TypeError, "precision must be an int, got NoneType"),
        ({"precision": -1}, ValueError, "precision must be >= 0, got -1"),
    ],
)
def test_bad_limits_raise_errors_naming_the_argument(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        Value(1.0).tree(**kwargs)


def test_print_tree_and_the_value_methods_forward_to_viz(capsys):
    _, L = lecture_graph()
    L.print_tree(max_depth=1)
    assert capsys.readouterr().out == viz.tree(L, max_depth=1) + "\n"
    assert L.tree(max_nodes=2, precision=1) == viz.tree(L, max_nodes=2, precision=1)


def test_the_plain_repr_of_a_value_stays_one_line():
    assert repr(Value(2.0, label="a")) == "Value(data=2.0, grad=0.0)"


# ---------------------------------------------------------------- limits on a big graph


@pytest.fixture(scope="module")
def moons_loss() -> Value:
    return moons_loss_graph()


def test_the_moons_loss_graph_has_65_thousand_nodes(moons_loss):
    assert 65_000 <= len(topological_order(moons_loss)) < 66_000


def test_max_nodes_bounds_the_lines_of_a_65_thousand_node_graph(moons_loss):
    text = moons_loss.tree(max_nodes=200)
    lines = text.splitlines()
    # 200 node lines, one "…" where the next would go, and the cut line.
    assert len(lines) == 202
    assert lines[-2].endswith("└── …") or lines[-2].endswith("├── …")
    hidden, total, limits = cut_counts(text)
    assert limits == "max_nodes=200"
    assert total == len(topological_order(moons_loss))
    assert 0 < total - hidden <= 200


def test_the_default_limit_keeps_a_big_graph_to_a_thousand_nodes(moons_loss):
    lines = moons_loss.tree().splitlines()
    assert len(lines) == viz.DEFAULT_MAX_NODES + 2
    assert cut_counts("\n".join(lines))[2] == f"max_nodes={viz.DEFAULT_MAX_NODES}"


def test_max_depth_bounds_a_big_graph_and_both_limits_are_named(moons_loss):
    text = moons_loss.tree(max_depth=4)
    assert len(text.splitlines()) < 2 * 2**4 + 2  # at most 2^d nodes at depth d, plus marks
    assert cut_counts(text)[2] == "max_depth=4"
    both = moons_loss.tree(max_depth=2, max_nodes=4)
    assert cut_counts(both)[2] == "max_depth=2 and max_nodes=4"


def test_walks_are_iterative_on_a_graph_deeper_than_pythons_stack():
    depth = 3 * sys.getrecursionlimit()
    v = Value(0.0, label="x")
    for _ in range(depth):
        v = v + 1.0
    hidden, total, _ = cut_counts(v.tree(max_depth=2))
    assert total == 2 * depth + 1  # each + adds itself and a constant leaf
    assert v.tree(max_nodes=None, max_depth=5).count("\n") < 20
    assert viz.to_dot(v).count("->") == 3 * depth


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


# ---------------------------------------------------------------- labels


def test_a_neuron_names_its_weights_and_bias_and_returns_itself():
    neuron = Neuron(3)
    assert neuron.name_parameters() is neuron
    assert [p.label for p in neuron.parameters()] == ["w0", "w1", "w2", "b"]


def test_layers_and_mlps_name_parameters_by_place():
    layer = Layer(2, 2).name_parameters()
    assert [p.label for p in layer.parameters()] == [
        "N0.w0",
        "N0.w1",
        "N0.b",
        "N1.w0",
        "N1.w1",
        "N1.b",
    ]
    model = MLP(2, [3, 1]).name_parameters(prefix="net.")
    labels = [p.label for p in model.parameters()]
    assert labels[:3] == ["net.L0.N0.w0", "net.L0.N0.w1", "net.L0.N0.b"]
    assert labels[-4:] == ["net.L1.N0.w0", "net.L1.N0.w1", "net.L1.N0.w2", "net.L1.N0.b"]
    assert len(set(labels)) == len(labels) == 13


def test_name_parameters_refuses_parameters_that_cannot_hold_a_label():
    class TensorModule(Module):  # a module whose parameters are not Values (Tensors)
        def parameters(self):
            return [object()]

    with pytest.raises(TypeError, match="TensorModule has a parameter of type object"):
        TensorModule().name_parameters()


def test_inputs_labels_numbers_and_values_in_order():
    given = Value(5.0)
    x = viz.inputs([2.0, 0, given], prefix="x")
    assert [(v.data, v.label) for v in x] == [(2.0, "x0"), (0.0, "x1"), (5.0, "x2")]
    assert x[2] is given or x[2] == given
    assert viz.inputs([], prefix="x") == []


# ---------------------------------------------------------------- the README


def readme_section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_trees_are_what_the_code_prints():
    section = readme_section("Seeing the graph")
    (code, output), *_ = python_blocks_with_output(section)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})
    assert printed.getvalue() == output


def test_the_readme_cut_tree_is_the_moons_loss_at_step_0():
    (cut_block,) = [b for _, b in fenced_blocks(readme_section("Seeing the graph")) if ">>>" in b]
    command, *shown = cut_block.splitlines()
    X, y = load_moons()
    model = MLP(2, [16, 16, 1], seed=1337)  # the README's training loop, step 0
    loss = hinge_loss(model(X), y) + 1e-4 * l2_penalty(model.parameters())
    loss.backward()
    assert command == ">>> loss.print_tree(max_depth=3)"
    assert loss.tree(max_depth=3).splitlines() == shown


def test_the_readme_picture_is_committed_and_drawn_from_the_example_neuron():
    svg = (Path(__file__).resolve().parents[2] / "docs" / "graph.svg").read_text(encoding="utf-8")
    assert "![" in readme_section("Seeing the graph") and "(docs/graph.svg)" in README
    assert "<svg" in svg
    for label in ("w0", "x0", "w1", "x1", "b", "n", "o", "tanh"):
        assert f">{label}</text>" in svg, label


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

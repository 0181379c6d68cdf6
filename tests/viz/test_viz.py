"""Seeing the graph as text: labels, the text tree and its limits, and the README's
trees and picture. DOT text, graphviz pictures and what they say when Graphviz is
missing are test_viz_dot.py."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import textwrap
from pathlib import Path

import pytest

from karpathy import lecture_graph
from markdown_blocks import fenced_blocks, python_blocks_with_output
from micrograd import MLP, Value, viz
from micrograd._graph import topological_order
from micrograd.datasets import load_moons
from micrograd.losses import hinge_loss, l2_penalty
from micrograd.nn import Layer, Module, Neuron

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CUT_LINE = re.compile(r"^… ([\d,]+) of ([\d,]+) nodes not shown \(cut by (.+)\)$")


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

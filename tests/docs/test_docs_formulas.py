"""Every formula in docs/gradients.md and docs/optimizers.md, run against the code.

The notes write their formulas in Python, so these tests read them straight from the
Markdown and evaluate them: a formula edited in the notes is the formula tested, and
a change to the engine that the notes do not follow fails here.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import math
import re
from pathlib import Path

import pytest

from markdown_blocks import fenced_blocks, python_blocks_with_output
from micrograd import Value, optim

REPO = Path(__file__).resolve().parents[2]
GRADIENTS = (REPO / "docs" / "gradients.md").read_text(encoding="utf-8")
OPTIMIZERS = (REPO / "docs" / "optimizers.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- reading the notes


def table(markdown: str, header_start: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header begins with ``header_start``,
    each cell stripped of spaces and of the backticks around code."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header_start}"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip().strip("|").split("|")])
    return rows


def sections(markdown: str) -> dict[str, str]:
    """The text under each ``## heading``, by heading."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


# ---------------------------------------------------------------- gradients: the ops


def engine_op_symbols() -> set[str]:
    """The ``_op`` of every op the Rust core defines, read from the one calculus
    (rust/core/src/calculus.rs): each op kind's ``symbol``, which for most unary ops
    is its ``name``."""
    source = (REPO / "rust" / "core" / "src" / "calculus.rs").read_text(encoding="utf-8")

    def function(kind: str, signature: str) -> str:
        impl = source[source.index(f"impl {kind} {{") :]
        body = impl[impl.index(signature) :]
        return body[: body.index("\n    }\n")]

    variant = r"::(\w+)(?:\([^)]*\))? => "
    unary = dict(re.findall("UnaryOp" + variant + r'"([^"]+)"', function("UnaryOp", "fn name")))
    overrides = function("UnaryOp", "fn symbol")
    unary.update(re.findall("UnaryOp" + variant + r'"([^"]+)"\.into\(\)', overrides))
    if "UnaryOp::PowScalar(" in overrides:
        unary["PowScalar"] = "**n"  # formatted with the exponent: **2, **-1, **0.5
    symbols = function("BinaryOp", "fn symbol")
    binary = dict(re.findall("BinaryOp" + variant + r'"([^"]+)"', symbols))
    return set(unary.values()) | set(binary.values())


OP_ROWS = table(GRADIENTS, "you write | `_op`")
EDGE_ROWS = table(GRADIENTS, "you write | at")
# Points to try; a point outside a formula's domain (log of a negative, a complex
# power) is skipped, and every row must still be checked at several points.
X_POINTS = [-1.7, -0.4, 0.6, 1.3, 2.3]
Y_POINTS = [-1.3, 0.8, 2.1]
N_POINTS = [2, 3, -1, 0.5]
S_POINTS = [0.01, 0.2]
MATH = {
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sign": lambda x: (x > 0) - (x < 0),
    "inf": math.inf,
    "isnan": math.isnan,
}


def uses(code: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", code) is not None


def points_for(code: str) -> list[dict[str, float]]:
    """Every combination of sample values for the variables ``code`` uses."""
    points = [{"x": x} for x in X_POINTS]
    for name, values in (("y", Y_POINTS), ("n", N_POINTS), ("s", S_POINTS)):
        if uses(code, name):
            points = [{**point, name: value} for point in points for value in values]
    return points


def documented(formula: str, numbers: dict[str, float]) -> float | None:
    """The formula's value at ``numbers``, or None outside its domain."""
    try:
        value = eval(formula, {**MATH}, dict(numbers))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if isinstance(value, complex) or math.isnan(value):
        return None
    return float(value)


def build(code: str, point: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """``code`` run with micrograd: x and y are Values, n and s plain numbers."""
    values = {name: Value(point[name], label=name) for name in ("x", "y") if name in point}
    constants = {name: point[name] for name in ("n", "s") if name in point}
    out = eval(code, {"abs": abs}, {**values, **constants})
    out.backward()
    return out, values


def test_the_table_lists_every_op_of_the_engine_once():
    symbols = [row[1] for row in OP_ROWS]
    assert len(symbols) == len(set(symbols))
    assert set(symbols) == engine_op_symbols()


@pytest.mark.parametrize("row", OP_ROWS, ids=[row[1] for row in OP_ROWS])
def test_forward_and_local_derivatives_in_the_table_match_the_engine(row):
    code, symbol, forward, d_dx, d_dy = row
    checked = 0
    for point in points_for(code):
        expected = documented(forward, point)
        if expected is None:
            continue
        out, values = build(code, point)
        exponent = f"{point['n']:g}" if "n" in point else ""
        assert out._op == symbol.replace("**n", f"**{exponent}"), (code, point)
        assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-15), (code, point)
        for name, formula in (("x", d_dx), ("y", d_dy)):
            if formula == "—":
                assert name not in values, f"{code} takes {name} but documents no derivative"
                continue
            local = documented(formula, {**point, "out": out.data})
            assert local is not None, (formula, point)
            assert values[name].grad == pytest.approx(local, rel=1e-12, abs=1e-15), (
                formula,
                point,
            )
        checked += 1
    assert checked >= 3, f"{code} was checked at {checked} points only"


@pytest.mark.parametrize("row", EDGE_ROWS, ids=[f"{row[0]} at {row[1]}" for row in EDGE_ROWS])
def test_each_edge_case_in_the_notes_holds(row):
    code, at, check = row
    point: dict[str, float] = {}
    exec(at, {}, point)
    out, values = build(code, point)
    assert eval(check, {**MATH}, {"out": out, **values}), (code, at, check)


def test_every_example_prints_what_the_notes_show():
    namespace: dict[str, object] = {}
    shown = 0
    for code, output in python_blocks_with_output(GRADIENTS):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)
        if output is not None:
            assert printed.getvalue() == output, code
            shown += 1
    assert shown == 4  # the tree before and after backward, x.grad, the shared tree


def test_each_step_of_the_worked_chain_rule_matches_backward():
    first_example = python_blocks_with_output(GRADIENTS)[0][0]
    graph: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(first_example, graph)
    graph["L"].backward()
    steps = next(block for lang, block in fenced_blocks(GRADIENTS) if "dL/dL" in block)
    names = []
    for line in steps.splitlines():
        name, *rest = [part.strip() for part in line.split(" = ")]
        node = graph[name.removeprefix("dL/d")]
        *derivation, result = rest
        assert float(result) == node.grad, line
        for expression in derivation:
            # "dL/dd * f" reads the gradient of d and the data of f; "-2.0 * 1" is numbers.
            as_python = re.sub(r"dL/d(\w+)", r"\1.grad", expression)
            as_python = re.sub(r"\b([a-zA-Z])\b(?!\.grad)", r"\1.data", as_python)
            assert eval(as_python, {}, graph) == pytest.approx(node.grad), line
        names.append(name)
    assert sorted(names) == sorted(f"dL/d{n}" for n in "Labcdef")


# ---------------------------------------------------------------- optimizers


OPTIMIZER_SECTIONS = {
    name: text for name, text in sections(OPTIMIZERS).items() if hasattr(optim, name)
}
# Settings that take every branch of every update rule at least once.
SETTINGS = {
    "SGD": [
        {},
        {"lr": 0.1, "momentum": 0.9},
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05},
        {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01},
    ],
    "Adam": [
        {},
        {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1},
        {"lr": 0.3, "betas": (0.5, 0.5), "amsgrad": True},
    ],
    "AdamW": [{}, {"lr": 0.3, "betas": (0.5, 0.5), "weight_decay": 0.2, "amsgrad": True}],
    "RMSprop": [
        {},
        {"centered": True},
        {"momentum": 0.9, "weight_decay": 0.1},
        {"centered": True, "momentum": 0.5, "alpha": 0.9, "eps": 1e-3},
    ],
    "Adagrad": [
        {},
        {"lr": 0.2, "lr_decay": 0.5, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
    ],
}
STEPS = 3
START = [0.5, -1.5, 2.0]


def loss_of(p: list[Value]) -> Value:
    """A loss whose gradients change a lot from step to step, so every term matters."""
    return 3 * (p[0] - 2) ** 2 + p[1] ** 4 + p[0] * p[1] + (p[2] * 2).tanh()


def defaults(name: str) -> dict[str, object]:
    parameters = inspect.signature(getattr(optim, name)).parameters.values()
    return {p.name: p.default for p in parameters if p.name != "params"}


def documented_signature(name: str) -> tuple[list[str], dict[str, object]]:
    """The argument names and defaults of the `Name(params, ...)` line of a section."""
    line = re.search(rf"^`({name}\(params.*\))`$", OPTIMIZER_SECTIONS[name], re.MULTILINE)
    assert line, f"no signature line in the {name} section"
    call = ast.parse(line.group(1), mode="eval").body
    names = [arg.id for arg in call.args] + [kw.arg for kw in call.keywords]
    return names, {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


def update_rule(name: str) -> tuple[str, str]:
    """The (state before the first step, one step) code of a section's update block."""
    (block,) = [b for lang, b in fenced_blocks(OPTIMIZER_SECTIONS[name]) if lang == "python"]
    before, step = re.split(r"^# at each step.*\n", block, flags=re.MULTILINE)
    return before, step


def test_every_optimizer_has_a_section():
    documented = set(OPTIMIZER_SECTIONS)
    assert documented == set(optim.__all__) - {"Optimizer"}
    assert documented == set(SETTINGS)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_documented_signatures_and_defaults_match_the_code(name):
    names, documented_defaults = documented_signature(name)
    assert names == list(inspect.signature(getattr(optim, name)).parameters)
    assert documented_defaults == defaults(name)
    rows = table(OPTIMIZER_SECTIONS[name], "hyper-parameter")
    assert {row[0]: ast.literal_eval(row[1]) for row in rows} == defaults(name)


@pytest.mark.parametrize(
    "name, settings",
    [(name, settings) for name, many in SETTINGS.items() for settings in many],
    ids=[f"{name}-{i}" for name, many in SETTINGS.items() for i in range(len(many))],
)
def test_documented_update_equations_match_micrograd_optim(name, settings):
    hyper = {**defaults(name), **settings}
    before, step = update_rule(name)
    params = [Value(p) for p in START]
    optimizer = getattr(optim, name)(params, **settings)
    # One namespace per parameter: its value, gradient and running state.
    states = []
    for start in START:
        state = {**hyper, "sqrt": math.sqrt, "p": start}
        exec(before, state)
        states.append(state)
    for t in range(1, STEPS + 1):
        optimizer.zero_grad()
        loss_of(params).backward()
        for param, state in zip(params, states):
            state.update(g=param.grad, t=t)
            exec(step, state)
        optimizer.step()
        for i, (param, state) in enumerate(zip(params, states)):
            assert param.data == pytest.approx(state["p"], rel=1e-12, abs=1e-14), (i, t)

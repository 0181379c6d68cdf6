"""Speed of the scalar Value engine against Karpathy's pure-Python micrograd.

    python benches/ops.py [--quick]

Times single ops as a user writes them (``a + b``, ``a * 2.0``, ...) and ``backward()``
per node on a deep chain and on the graph of one MLP forward pass with Karpathy's demo
loss. Both engines do the same work: same expressions, same seeded weights, same graph.
Prints a markdown table; a missed target shows as "no" and never fails the run.
"""

from __future__ import annotations

import platform
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# `python benches/ops.py` puts this directory on sys.path itself; importing the module
# from elsewhere (a test, `python -m`) does not.
BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

import micrograd  # noqa: E402
import pure_python_engine as baseline  # noqa: E402
from timing import (  # noqa: E402
    Case,
    Settings,
    Setup,
    markdown_table,
    measure_all,
    method_line,
    parse_settings,
)

OP_TARGET = 10.0
BACKWARD_TARGET = 30.0
OP_EXPRESSIONS = ("a + b", "a * 2.0", "2.0 * a", "a.relu()", "a ** 2")
# Copies of the expression per loop iteration, so the `for` loop's own cost (~10 ns,
# comparable to one of our ops) is spread thin instead of diluting the ratio.
UNROLL = 10
MLP_SIZES = [16, 16, 1]


def expression_setup(value_type: type, expression: str, count: int) -> Setup:
    """Evaluates ``expression`` about ``count`` times on ``a = Value(3.0)``, ``b = Value(-2.0)``.

    The expression is compiled into the loop body, as it sits in user code, rather than
    wrapped in a lambda, whose call would cost more than the op being measured.
    """
    loops = max(1, count // UNROLL)
    body = f"\n        {expression}" * UNROLL
    source = f"def run(a, b):\n    for _ in range({loops}):{body}\n"
    namespace: dict[str, object] = {}
    exec(compile(source, f"<bench: {expression}>", "exec"), namespace)
    run = namespace["run"]

    def setup():
        a, b = value_type(3.0), value_type(-2.0)
        return (lambda: run(a, b)), loops * UNROLL

    return setup


def count_nodes(root: object) -> int:
    """Distinct nodes reachable from ``root`` through ``_prev`` (no recursion)."""
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def backward_case(name: str, build_ours: Callable, build_baseline: Callable) -> Case:
    """Times ``backward()`` alone on a freshly built graph, per node.

    Both engines are divided by the node count of Karpathy's graph, so the ratio stays the
    ratio of total times for the same computation.
    """
    nodes = count_nodes(build_baseline())

    def timed_backward(build: Callable) -> Setup:
        def setup():
            return build().backward, nodes

        return setup

    return Case(
        f"{name} ({nodes:,} nodes)",
        timed_backward(build_ours),
        timed_backward(build_baseline),
        BACKWARD_TARGET,
    )


def chain(value_type: type, steps: int) -> object:
    """``x = x * 1.0001 + 0.1``, ``steps`` times: four nodes per step, depth 2 per step."""
    x = value_type(1.0)
    for _ in range(steps):
        x = x * 1.0001 + 0.1
    return x


def hinge_loss(model: Callable, value_type: type, points: Sequence, labels: Sequence) -> object:
    """Karpathy's demo loss: mean SVM max-margin loss plus 1e-4 L2 regularisation."""
    inputs = [list(map(value_type, xrow)) for xrow in points]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def two_class_points(count: int) -> tuple[list[tuple[float, float]], list[int]]:
    """``count`` seeded 2-D points labelled +1/-1 by quadrant (Karpathy's labels are ints)."""
    rng = random.Random(0)
    points = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(count)]
    labels = [1 if x * y > 0 else -1 for x, y in points]
    return points, labels


def op_cases(settings: Settings) -> list[Case]:
    count = 10_000 if settings.quick else 100_000
    return [
        Case(
            f"`{expression}`",
            expression_setup(micrograd.Value, expression, count),
            expression_setup(baseline.Value, expression, count),
            OP_TARGET,
        )
        for expression in OP_EXPRESSIONS
    ]


def backward_cases(settings: Settings) -> list[Case]:
    steps = 2_500 if settings.quick else 25_000
    batch = 10 if settings.quick else 100
    # Karpathy's recursive build_topo takes one frame per node along the deepest path;
    # raising the limit is what his users do for deep graphs.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 2 * steps + 1_000))

    # Same seed, same draw order: both MLPs get identical weights, hence identical graphs.
    random.seed(1337)
    ours_model = micrograd.nn.MLP(2, MLP_SIZES)
    random.seed(1337)
    baseline_model = baseline.MLP(2, MLP_SIZES)
    points, labels = two_class_points(batch)

    def mlp_loss(model: Callable, value_type: type) -> Callable:
        def build():
            model.zero_grad()
            return hinge_loss(model, value_type, points, labels)

        return build

    return [
        backward_case(
            "`backward()` per node, chain",
            lambda: chain(micrograd.Value, steps),
            lambda: chain(baseline.Value, steps),
        ),
        backward_case(
            f"`backward()` per node, `MLP(2, {MLP_SIZES})` + hinge loss, batch {batch}",
            mlp_loss(ours_model, micrograd.Value),
            mlp_loss(baseline_model, baseline.Value),
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings("Scalar Value engine vs pure-Python micrograd.", argv)
    print(
        "Scalar Value engine (micrograd._core) vs Karpathy's pure-Python micrograd"
        f" (benches/pure_python_engine.py), Python {platform.python_version()}"
        f" on {platform.machine()}{', --quick' if settings.quick else ''}."
    )
    print(method_line(settings), flush=True)
    cases = op_cases(settings) + backward_cases(settings)
    results = measure_all(cases, settings)
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

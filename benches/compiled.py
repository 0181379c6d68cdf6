"""Compiled scalar graphs (``micrograd.compile``) against PyTorch and our dynamic engine.

    python benches/compiled.py [--quick]

Rows:

- Karpathy's demo step (``MLP(2, [16, 16, 1])``, hinge + 1e-4 L2 over the batch,
  backward, SGD update), its loss function compiled, against the same step in PyTorch
  on one thread in float64 and in float32, and against our dynamic Value engine.
- Karpathy's README expression, compiled and called from Python (call, backward, read
  the grads), against PyTorch eager on scalar tensors.
- Tape bytes per node of the demo's graph (the allocator's count), against the bytes
  per node of the same graph alive in the dynamic engine.

Interleaved repeats in one process (benches/timing.py); PyTorch rows need torch.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

import numpy as np  # noqa: E402

import micrograd  # noqa: E402
import training_step  # noqa: E402
from micrograd import Value  # noqa: E402
from micrograd._core import _allocated_bytes  # noqa: E402
from micrograd.losses import hinge_loss, l2_penalty  # noqa: E402
from micrograd.optim import SGD  # noqa: E402
from timing import (  # noqa: E402
    TORCH_MISSING,
    Case,
    Result,
    Settings,
    Setup,
    markdown_table,
    measure_all,
    method_line,
    parse_settings,
    summarise,
    torch_available,
)

STEPS = 10  # demo steps per timed call
EXPRESSIONS = 2_000  # README expressions per timed call
TARGETS = {"float64": 1.5, "float32": 1.0, "dynamic": 15.0, "readme": 300.0}
BYTES_PER_NODE_LIMIT = 40.0


def compiled_step(X: np.ndarray, y: np.ndarray) -> Setup:
    def setup():
        model = micrograd.MLP(2, training_step.SIZES, seed=0)
        params = model.parameters()
        opt = SGD(params, lr=0.1)
        loss_fn = micrograd.compile(
            lambda: hinge_loss(model(X), y) + training_step.ALPHA * l2_penalty(params)
        )
        loss_fn()  # recorded here, outside the clock

        def run():
            for _ in range(STEPS):
                loss = loss_fn()
                opt.zero_grad()
                loss.backward()
                opt.step()

        return run, STEPS

    return setup


def torch_step(X: np.ndarray, y: np.ndarray, dtype: str) -> Setup:
    import torch

    torch.set_num_threads(1)
    kind = getattr(torch, dtype)
    inputs = torch.from_numpy(X).to(kind)
    labels = torch.from_numpy(y.astype(np.float64)).to(kind)

    def setup():
        torch.manual_seed(0)
        layers = [torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16)]
        net = torch.nn.Sequential(*layers, torch.nn.ReLU(), torch.nn.Linear(16, 1)).to(kind)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)

        def run():
            for _ in range(STEPS):
                scores = net(inputs).squeeze(1)
                loss = torch.relu(1 - labels * scores).mean()
                loss = loss + training_step.ALPHA * sum((p * p).sum() for p in net.parameters())
                opt.zero_grad()
                loss.backward()
                opt.step()

        return run, STEPS

    return setup


def dynamic_step(X: np.ndarray, y: np.ndarray) -> Setup:
    def setup():
        run, _ = training_step.ours(X, y)()
        return run, training_step.STEPS["ours"]

    return setup


def readme(a, b):
    """Karpathy's README expression on two leaves, returning g."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def compiled_readme() -> Setup:
    def setup():
        a, b = Value(-4.0), Value(2.0)
        g_of = micrograd.compile(lambda: readme(a, b))
        g_of()

        def run():
            for _ in range(EXPRESSIONS):
                a.grad = 0.0
                b.grad = 0.0
                g = g_of()
                g.backward()
                _ = (a.grad, b.grad)

        return run, EXPRESSIONS

    return setup


def torch_readme() -> Setup:
    import torch

    torch.set_num_threads(1)

    def setup():
        def run():
            for _ in range(EXPRESSIONS // 20):  # 20x fewer: it is that much slower
                a = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
                b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
                g = readme(a, b)
                g.backward()
                a.grad.item(), b.grad.item()

        return run, EXPRESSIONS // 20

    return setup


def demo_loss_graph(X: np.ndarray, y: np.ndarray):
    model = micrograd.MLP(2, training_step.SIZES, seed=0)
    params = model.parameters()
    return lambda: hinge_loss(model(X), y) + training_step.ALPHA * l2_penalty(params)


def tape_bytes_per_node(X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(tape, dynamic graph) bytes per node of the demo loss, by the allocator's count.

    The tape has one slot per node of the graph (its parameters, constants and ops),
    so its length counts the dynamic graph's nodes too."""
    loss_of = demo_loss_graph(X, y)
    compiled = micrograd.compile(loss_of)
    gc.collect()
    before = _allocated_bytes()
    compiled()
    gc.collect()
    nodes = len(compiled.tape)
    tape = (_allocated_bytes() - before) / nodes
    before = _allocated_bytes()
    loss = loss_of()
    dynamic = (_allocated_bytes() - before) / nodes
    del loss
    return tape, dynamic


@dataclass(frozen=True)
class TapeMemory:
    name: str
    X: np.ndarray
    y: np.ndarray

    def prime(self) -> None:
        tape_bytes_per_node(self.X, self.y)

    def measure(self, settings: Settings) -> Result:
        pairs = [tape_bytes_per_node(self.X, self.y) for _ in range(3)]
        return summarise(
            self.name,
            [tape for tape, _ in pairs],
            [dynamic for _, dynamic in pairs],
            target=f"<= {BYTES_PER_NODE_LIMIT:g} B/node",
            met=lambda ours, _: ours <= BYTES_PER_NODE_LIMIT,
            unit=lambda size: f"{size:.1f} B",
        )


def cases(settings: Settings) -> list[object]:
    X, y = training_step.moons(20 if settings.quick else 100)
    batch = f"batch {len(X)}"
    found: list[object] = [
        Case(
            f"compiled demo step, moons ({batch}) vs dynamic Value engine",
            compiled_step(X, y),
            dynamic_step(X, y),
            TARGETS["dynamic"],
        ),
        TapeMemory(f"tape bytes per node, moons loss ({batch}) vs dynamic graph", X, y),
    ]
    if torch_available():
        found += [
            Case(
                f"compiled demo step, moons ({batch}) vs PyTorch float64",
                compiled_step(X, y),
                torch_step(X, y, "float64"),
                TARGETS["float64"],
            ),
            Case(
                f"compiled demo step, moons ({batch}) vs PyTorch float32",
                compiled_step(X, y),
                torch_step(X, y, "float32"),
                TARGETS["float32"],
            ),
            Case(
                "compiled README expression vs PyTorch eager scalars",
                compiled_readme(),
                torch_readme(),
                TARGETS["readme"],
            ),
        ]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings("Compiled scalar graphs vs PyTorch and the dynamic engine.", argv)
    print("micrograd.compile: Karpathy's demo step and README expression, replayed from a tape.")
    print(method_line(settings, per="step or expression"), flush=True)
    if not torch_available():
        print(TORCH_MISSING)
    results = measure_all(cases(settings), settings)  # type: ignore[arg-type]
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

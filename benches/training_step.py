"""One step of Karpathy's moons demo through this package, against the same step in
Karpathy's pure-Python micrograd and, when it is importable, in PyTorch on one thread.

    python benches/training_step.py [--quick]

A step is what his notebook does each iteration: forward over the whole batch, SVM
max-margin loss plus 1e-4 L2, backward, SGD update. Ours uses the batched API
(`model(X)`, `hinge_loss`, `l2_penalty`, `optim.SGD`); the baseline runs his code as
written. Prints a markdown table; a missed target shows as "no" and never fails the run.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

import numpy as np  # noqa: E402

import micrograd  # noqa: E402
import pure_python_engine as pure  # noqa: E402
from micrograd.losses import hinge_loss, l2_penalty  # noqa: E402
from micrograd.optim import SGD  # noqa: E402
from timing import (  # noqa: E402
    TORCH_MISSING,
    Case,
    Settings,
    Setup,
    markdown_table,
    measure_all,
    method_line,
    parse_settings,
    torch_available,
)

# Steps per timed call: a training loop's steady state, not one cold call.
STEPS = {"ours": 10, "pure_python": 1, "pytorch": 10}
PURE_PYTHON_TARGET = 150.0
PYTORCH_TARGET = 0.1  # "within 10x of PyTorch": their time / ours >= 0.1
SIZES = [16, 16, 1]
ALPHA = 1e-4


def repeated(step: Callable[[], None], times: int) -> Callable[[], None]:
    def run():
        for _ in range(times):
            step()

    return run


def moons(samples: int) -> tuple[np.ndarray, np.ndarray]:
    X, y = micrograd.datasets.make_moons(samples, noise=0.1, seed=1337)
    return X, y * 2 - 1


def ours(X: np.ndarray, y: np.ndarray) -> Setup:
    def setup():
        model = micrograd.MLP(2, SIZES, seed=0)
        params = model.parameters()
        opt = SGD(params, lr=0.1)

        def step():
            loss = hinge_loss(model(X), y) + ALPHA * l2_penalty(params)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return repeated(step, STEPS["ours"]), STEPS["ours"]

    return setup


def pure_python(X: np.ndarray, y: np.ndarray) -> Setup:
    def setup():
        pure.random.seed(0)
        model = pure.MLP(2, SIZES)

        def step():  # Karpathy's demo notebook, verbatim but for names
            inputs = [list(map(pure.Value, xrow)) for xrow in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = ALPHA * sum(p * p for p in model.parameters())
            total_loss = data_loss + reg_loss
            model.zero_grad()
            total_loss.backward()
            for p in model.parameters():
                p.data -= 0.1 * p.grad

        return repeated(step, STEPS["pure_python"]), STEPS["pure_python"]

    return setup


def pytorch(X: np.ndarray, y: np.ndarray) -> Setup:
    import torch

    torch.set_num_threads(1)
    inputs = torch.from_numpy(X)
    labels = torch.from_numpy(y.astype(np.float64))

    def setup():
        torch.manual_seed(0)
        layers = [torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16)]
        net = torch.nn.Sequential(*layers, torch.nn.ReLU(), torch.nn.Linear(16, 1)).double()
        opt = torch.optim.SGD(net.parameters(), lr=0.1)

        def step():
            scores = net(inputs).squeeze(1)
            loss = torch.relu(1 - labels * scores).mean()
            loss = loss + ALPHA * sum((p * p).sum() for p in net.parameters())
            opt.zero_grad()
            loss.backward()
            opt.step()

        return repeated(step, STEPS["pytorch"]), STEPS["pytorch"]

    return setup


def cases(settings: Settings) -> list[Case]:
    X, y = moons(20 if settings.quick else 100)
    batch = f"batch {len(X)}"
    found = [
        Case(
            f"moons step ({batch}) vs pure Python",
            ours(X, y),
            pure_python(X, y),
            PURE_PYTHON_TARGET,
        )
    ]
    if torch_available():
        found.append(
            Case(f"moons step ({batch}) vs PyTorch", ours(X, y), pytorch(X, y), PYTORCH_TARGET)
        )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings("One moons training step vs pure Python and PyTorch.", argv)
    print(
        "Karpathy's moons step, MLP(2, [16, 16, 1]), hinge + L2, SGD: this package vs"
        f" pure-Python micrograd and PyTorch, Python {platform.python_version()}"
        f" on {platform.machine()}{', --quick' if settings.quick else ''}."
    )
    print(method_line(settings, per="step"), flush=True)
    if not torch_available():
        print(TORCH_MISSING)
    results = measure_all(cases(settings), settings)
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dense Tensor engine against PyTorch on one thread, and against our other engines.

    python benches/tensor.py [--quick]

Three training workloads, each timed per SGD step (forward, loss, backward, update):

- Karpathy's moons step: a batch of 100 points through 2 -> 16 -> 16 -> 1 with ReLU,
  hinge loss + 1e-4 L2. Issue 5's target: at least 5x faster than PyTorch.
- The housing regression: all 506 towns through 13 -> 8 -> 1, MSE, 1,000 full-batch
  steps. Target: at least 3x faster than PyTorch.
- A GEMM-bound net: a batch of 1024 through 512 -> 512 -> 512 -> 10 with ReLU,
  cross-entropy. Target: at most 1.5x PyTorch's time, i.e. a ratio of at least 0.67.

Two creation rows: ``Tensor.from_numpy`` over a large array (10^7 float64s, 80 MB)
against ``Tensor(array)``, which copies it, and against ``torch.from_numpy``. Sharing
costs the same at any size. No issue sets these targets; ours are at least 1,000x
the copy's speed and at most twice ``torch.from_numpy``'s time (a ratio of 0.5).

One scaling row: ``backward()`` alone through one selection per row (``x[i]`` for every
row of an ``(n, 1)`` tensor, concatenated and summed), per row, at 200,000 rows (ours)
against 20,000 (the baseline; 50,000 against 5,000 with ``--quick``). A backward linear
in the rows reads 1 at most (0.6 to 1 here: the larger graph falls out of the caches);
one that sends each selection a zero array of x's whole shape, as it once did, is
quadratic and reads 0.1 at most. Our own floor, between the two: at least 0.3.
tests/reliability/test_reliability_deep_graphs.py checks the cause without a clock
(a selection's backward writes its own row of the gradient and no other).

Small nets are bound by the fixed cost of each op (the Python call, graph bookkeeping,
allocation), large ones by the matrix products; the three cases cover both ends.
PyTorch runs in float64 with ``torch.set_num_threads(1)``, so both sides do the same
arithmetic on one core; its housing and GEMM nets start from our weights (the moons
rows reuse benches/training_step.py's setups as they are). Without PyTorch its rows
are left out; the rows against the scalar Value engine (``micrograd.MLP``'s batched
API) and against Karpathy's pure-Python engine always run, so the table is never empty.
Prints a markdown table; a missed target shows as "no" and never fails the run.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

import numpy as np  # noqa: E402

import micrograd  # noqa: E402
import training_step  # noqa: E402
from micrograd import Tensor  # noqa: E402
from micrograd.losses import cross_entropy, hinge_loss, l2_penalty, mse_loss  # noqa: E402
from micrograd.nn import Linear, ReLU, Sequential  # noqa: E402
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

# Issue 5's targets against PyTorch: its time / ours.
MOONS_TORCH_TARGET = 5.0
HOUSING_TORCH_TARGET = 3.0
# "At most 1.5x PyTorch's time" is a ratio of 1 / 1.5 = 0.667. The table prints ratios
# rounded down to two decimals, so the target is written as 0.67 for the printed
# verdict to agree with the printed ratio.
GEMM_TORCH_TARGET = 0.67
# Our own floors for the engine-against-engine rows (no issue sets them): a whole-array
# op per layer should beat a graph node per scalar by at least 10x.
VALUE_ENGINE_TARGET = 10.0
PURE_PYTHON_TARGET = 1000.0
SHARE_VS_COPY_TARGET = 1000.0
SHARE_VS_TORCH_TARGET = 0.5
# Per-row time at the base size over per-row time at SELECTION_SCALE times the rows:
# linear reads up to 1 (less as the larger graph leaves the caches), quadratic up to
# 1 / SELECTION_SCALE.
SELECTION_SCALING_TARGET = 0.3
SELECTION_SCALE = 10

MOONS_SIZES = [2, 16, 16, 1]
HOUSING_SIZES = [13, 8, 1]
ALPHA = 1e-4
LR = 0.01  # housing and GEMM; moons uses training_step's 0.1
MOONS_STEPS = training_step.STEPS["ours"]  # steps per timed call, as training_step times


@dataclass(frozen=True)
class Workload:
    """Inputs and targets for one case, and how many SGD steps one timed call runs."""

    X: np.ndarray
    y: np.ndarray
    sizes: list[int]
    steps: int


def tensor_mlp(sizes: Sequence[int], seed: int = 0) -> Sequential:
    """``Linear`` layers of ``sizes`` with ReLU between them, seeded layer by layer."""
    modules = []
    for k, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        if k:
            modules.append(ReLU())
        modules.append(Linear(nin, nout, seed=seed + 2 * k))  # the bias takes seed + 1
    return Sequential(*modules)


def repeated(step: Callable[[], None], times: int) -> Callable[[], None]:
    def run():
        for _ in range(times):
            step()

    return run


# ---------------------------------------------------------------- our Tensor engine


def tensor_moons(work: Workload) -> Setup:
    def setup():
        model = tensor_mlp(work.sizes)
        params = model.parameters()
        opt = SGD(params, lr=0.1)

        def step():
            loss = hinge_loss(model(work.X), work.y) + ALPHA * l2_penalty(params)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return repeated(step, work.steps), work.steps

    return setup


def tensor_sgd(work: Workload, loss_of: Callable) -> Setup:
    """SGD steps on ``loss_of(model(X), y)``: the housing (MSE) and GEMM (cross-entropy) rows."""

    def setup():
        model = tensor_mlp(work.sizes)
        opt = SGD(model.parameters(), lr=LR)

        def step():
            loss = loss_of(model(work.X), work.y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return repeated(step, work.steps), work.steps

    return setup


def tensor_creation(make: Callable[[np.ndarray], object], array: np.ndarray, times: int) -> Setup:
    def setup():
        return repeated(lambda: make(array), times), times

    return setup


def rows_backward(rows: int) -> Setup:
    """``backward()`` alone through ``x[i]`` for each of ``rows`` rows, concatenated and
    summed; the graph is built in the setup, outside the clock. Ops: the rows."""

    def setup():
        x = Tensor(np.arange(rows, dtype=np.float64).reshape(rows, 1), requires_grad=True)
        loss = micrograd.concatenate([x[i] for i in range(rows)]).sum()
        return loss.backward, rows

    return setup


# ---------------------------------------------------------------- PyTorch


def torch_mlp(sizes: Sequence[int]):
    """PyTorch's twin of ``tensor_mlp(sizes)``: float64, starting from the same weights."""
    import torch

    ours = tensor_mlp(sizes).state_dict()
    layers = []
    for k, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        if k:
            layers.append(torch.nn.ReLU())
        linear = torch.nn.Linear(nin, nout).double()
        with torch.no_grad():
            # np.array copies: Tensor.numpy() is a read-only view, which torch warns about.
            linear.weight.copy_(torch.from_numpy(np.array(ours[f"layers.{k}.weight"])))
            linear.bias.copy_(torch.from_numpy(np.array(ours[f"layers.{k}.bias"])))
        layers.append(linear)
    return torch.nn.Sequential(*layers)


def torch_sgd(work: Workload, loss_of: Callable) -> Setup:
    """PyTorch's twin of ``tensor_sgd``, with ``loss_of`` over torch tensors."""
    import torch

    torch.set_num_threads(1)
    inputs, targets = torch.from_numpy(work.X), torch.from_numpy(work.y)

    def setup():
        net = torch_mlp(work.sizes)
        opt = torch.optim.SGD(net.parameters(), lr=LR)

        def step():
            loss = loss_of(net(inputs), targets)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return repeated(step, work.steps), work.steps

    return setup


# ---------------------------------------------------------------- the cases


def moons(quick: bool) -> Workload:
    X, y = training_step.moons(20 if quick else 100)
    return Workload(X, y, MOONS_SIZES, MOONS_STEPS)


def housing(quick: bool) -> Workload:
    data = micrograd.datasets.load_housing()
    X, _, _ = micrograd.datasets.standardize(data.X)
    return Workload(X, data.y, HOUSING_SIZES, 20 if quick else 1000)


def gemm(quick: bool) -> Workload:
    batch, sizes = (64, [64, 64, 10]) if quick else (1024, [512, 512, 512, 10])
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    return Workload(X, labels, sizes, 1)


def creation_array(quick: bool) -> np.ndarray:
    return np.random.default_rng(0).standard_normal(10**6 if quick else 10**7)


def arrows(sizes: Sequence[int]) -> str:
    return " -> ".join(map(str, sizes))


def cases(settings: Settings) -> list[Case]:
    moon = moons(settings.quick)
    moons_name = f"moons step (batch {len(moon.X)}, {arrows(moon.sizes)})"
    array = creation_array(settings.quick)
    creation_name = f"creation from a {array.size:,}-float array"
    selected = 50_000 if settings.quick else 200_000
    found = [
        Case(
            f"{moons_name}, Tensor vs Value engine",
            tensor_moons(moon),
            training_step.ours(moon.X, moon.y),
            VALUE_ENGINE_TARGET,
        ),
        Case(
            f"{moons_name}, Tensor vs pure Python",
            tensor_moons(moon),
            training_step.pure_python(moon.X, moon.y),
            PURE_PYTHON_TARGET,
        ),
        Case(
            f"{creation_name}, Tensor.from_numpy vs Tensor(array) (a copy)",
            tensor_creation(Tensor.from_numpy, array, 1000),
            tensor_creation(Tensor, array, 3),
            SHARE_VS_COPY_TARGET,
        ),
        Case(
            f"backward through one selection per row, {selected:,} rows vs"
            f" {selected // SELECTION_SCALE:,}, per row",
            rows_backward(selected),
            rows_backward(selected // SELECTION_SCALE),
            SELECTION_SCALING_TARGET,
        ),
    ]
    if not torch_available():
        return found
    import torch

    house, net = housing(settings.quick), gemm(settings.quick)
    return found + [
        Case(
            f"{moons_name}, Tensor vs PyTorch",
            tensor_moons(moon),
            training_step.pytorch(moon.X, moon.y),
            MOONS_TORCH_TARGET,
        ),
        Case(
            f"housing ({len(house.X)} x {arrows(house.sizes)}), {house.steps:,} steps,"
            " Tensor vs PyTorch",
            tensor_sgd(house, mse_loss),
            torch_sgd(house, lambda out, y: torch.nn.functional.mse_loss(out.squeeze(1), y)),
            HOUSING_TORCH_TARGET,
        ),
        Case(
            f"GEMM-bound step (batch {len(net.X)}, {arrows(net.sizes)}), Tensor vs PyTorch",
            tensor_sgd(net, cross_entropy),
            torch_sgd(net, torch.nn.functional.cross_entropy),
            GEMM_TORCH_TARGET,
        ),
        Case(
            f"{creation_name}, Tensor.from_numpy vs torch.from_numpy",
            tensor_creation(Tensor.from_numpy, array, 1000),
            tensor_creation(torch.from_numpy, array, 1000),
            SHARE_VS_TORCH_TARGET,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings(
        "The Tensor engine vs PyTorch, the Value engine and pure Python.", argv
    )
    print(
        "Training steps (forward, loss, backward, SGD) on the Tensor engine vs PyTorch"
        " (float64, one thread), the Value engine and pure-Python micrograd,"
        f" Python {platform.python_version()} on {platform.machine()}"
        f"{', --quick' if settings.quick else ''}."
    )
    per = "step (per call in the creation rows, per row in the selection row)"
    print(method_line(settings, per=per), flush=True)
    if not torch_available():
        print(TORCH_MISSING)
    results = measure_all(cases(settings), settings)
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

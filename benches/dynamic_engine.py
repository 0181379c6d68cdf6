"""Does the dynamic Value engine hold its speed over a run? (issue 15)

    python benches/dynamic_engine.py [--quick]

Karpathy's demo loop as he wrote it: ``total_loss = loss()`` rebinds only once the new
graph exists, so each step's graph is built while the previous one is alive. The row
compares the mean step time of steps 951-1000 with that of steps 1-50 (with
``--quick``, steps 151-200 with 1-50), in the same process: a ratio, so it holds on any
machine. Each repeat is a fresh interpreter, so every run starts from a fresh heap.
Target: the late steps within 15 % of the early ones (ratio >= 0.87). Not part of
benches/run.py yet. Prints a markdown table; a missed target never fails the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
if str(BENCHES) not in sys.path:
    sys.path.insert(0, str(BENCHES))

from timing import format_duration, markdown_table, parse_settings, summarise  # noqa: E402

WINDOW = 50
TARGET = 1 / 1.15

LOOP = r"""
import json, random, sys, time
import numpy as np
from micrograd import MLP, Value
from micrograd.datasets import make_moons

steps = int(sys.argv[1])
np.random.seed(1337)
random.seed(1337)
X, y = make_moons(n_samples=100, noise=0.1)
y = y * 2 - 1
model = MLP(2, [16, 16, 1])

def loss():
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss

times = []
for k in range(steps):
    start = time.perf_counter_ns()
    total_loss = loss()
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / steps
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    times.append(time.perf_counter_ns() - start)
print(json.dumps(times))
"""


def step_times(steps: int) -> list[int]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", LOOP, str(steps)], env=env, capture_output=True, text=True
    )
    result.check_returncode()
    return json.loads(result.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_settings("Step time late in a run vs early, Karpathy's loop.", argv)
    steps = 200 if settings.quick else 1000
    late, early = [], []
    for _ in range(settings.repeats):
        # One more step first, untimed: the first call imports and warms caches.
        times = step_times(steps + 1)[1:]
        early.append(sum(times[:WINDOW]) / WINDOW)
        late.append(sum(times[-WINDOW:]) / WINDOW)
    print(
        f"Karpathy's demo loop (old graph alive while the next is built), {steps} steps:"
        f" mean step time of the last {WINDOW} steps (ours) vs the first {WINDOW} (baseline),"
        f" median of {settings.repeats} fresh processes."
    )
    name = f"dynamic engine, steps {steps - WINDOW + 1}-{steps} vs 1-{WINDOW}"
    result = summarise(
        name,
        late,
        early,
        target=f">= {TARGET:.2f}x",
        met=lambda _, ratio: ratio >= TARGET,
        unit=format_duration,
    )
    print()
    print(markdown_table([result]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Soak test: thousands of training steps on both engines, checking that memory stays flat.

    python tests/soak/soak.py             # the full run: 10,000 steps per engine
    python tests/soak/soak.py --quick     # what CI runs: 300 scalar steps, 3,000 Tensor steps
    python tests/soak/soak.py --steps 2000 --engine tensor --json

Each engine trains Karpathy's moons model (2 -> 16 -> 16 -> 1, ReLU, hinge loss plus
1e-4 L2 on the 100 points, Adam): the scalar ``MLP`` (about 66,000 graph nodes built
and freed per step) and the Tensor ``Sequential``. Around the plain training step,
every step also exercises the ways a long notebook session holds and drops graphs:

- **a graph dropped mid-step**: a second model is trained by a throwaway step in which
  the last Python references to its loss *and to the model itself* are deleted between
  ``backward()`` and ``step()``; the optimizer alone keeps the parameters alive, the
  step must still update them, and deleting the optimizer must free everything. Every
  fifth step instead raises an exception after ``backward()`` (the graph is then freed
  by the traceback, partially used), and every step feeds one malformed batch that
  fails inside the Rust loss after the model's graph for it was already built.
- **Values kept alive across steps**: the last three losses stay referenced (with their
  whole graphs, as a user keeping ``losses.append(loss)`` does); an old loss still
  reads the value it had, and ``backward()`` on it still works (it accumulates into
  today's parameters, which are then zeroed). The Tensor phase also keeps the
  read-only ``numpy()`` view of a weight from step 0, which must follow every update.
- **parameters shared between two models**: a second model reuses the first layer of
  the main one; both models' losses backpropagate into the shared parameters, which
  receive the sum of the two contributions (the accumulate rule) and are updated by
  one optimizer over the union of both parameter lists.

Each engine runs in its own child process, so that its memory baseline is its own.
Memory is sampled fifty times, at the same point of a step (after ``gc.collect()``),
as two counts the program controls, never as a resident-set size or a time:

- the bytes the extension's Rust code holds allocated
  (``micrograd._core._allocated_bytes()``: graph nodes, tensor buffers, optimizer
  state). A leak-free loop comes back to exactly the same count every step, whatever
  the machine's load, so from the first sample after warm-up (a tenth of the steps,
  at least 50) to the last it may not grow by even one scalar graph node;
- Python's allocated blocks (``sys.getallocatedblocks()``), which may grow by at most
  ``PYTHON_WARMUP_BLOCKS``: the interpreter's own caches keep filling for a while
  (a few hundred blocks over 10,000 steps), while a leaked Python object per step
  is thousands over the quick Tensor run.

The resident-set size is reported for people but judges nothing: it moves with the
allocator's page purging and the machine's paging. Exit status 0 means every check
held; the last line of ``--json`` output holds the numbers.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from collections import deque

import numpy as np

from micrograd import MLP, Tensor, Value
from micrograd._core import _allocated_bytes
from micrograd.datasets import load_moons
from micrograd.losses import cross_entropy, hinge_loss, l2_penalty
from micrograd.nn import Layer, Linear, Module, ReLU, Sequential
from micrograd.optim import SGD, Adam

ALPHA = 1e-4
PAGE = os.sysconf("SC_PAGE_SIZE")
KEEP = 3  # losses kept alive, with their graphs, across steps
LEAKED: list = []  # non-empty only under --leak-for-test: then every loss is kept here
FULL_STEPS = 10_000
QUICK_STEPS = {"value": 300, "tensor": 3_000}
# The smallest thing of ours that can leak: one scalar graph node, with its Rc and
# RefCell headers and its op (benches/memory.py measures 96.5 B per node in a graph).
NODE_BYTES = 96
# Python's allocated blocks still rise by a few hundred over the first thousands of
# steps as the interpreter's caches fill (+0.31 % of ~100,000 in a 10,000-step run);
# one leaked object per step is 2,700 blocks over the quick Tensor run.
PYTHON_WARMUP_BLOCKS = 1_000


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm (Linux): reported for
    people, never judged (it moves with page purging and paging, not only with us)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class SoakFailure(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SoakFailure(message)


class Branch(Module):
    """A second scalar model whose first layer is another model's: shared parameters."""

    def __init__(self, shared: Layer, seed: int) -> None:
        self.shared = shared
        self.head = MLP(16, [4, 1], seed=seed)

    def __call__(self, rows: np.ndarray) -> list:
        return [self.head(self.shared(list(row))) for row in rows]

    def parameters(self) -> list:
        return self.shared.parameters() + self.head.parameters()


def union(*parameter_lists: list) -> list:
    """Parameters of several models, each once (Values hash by node, Tensors by id)."""
    seen, out = set(), []
    for params in parameter_lists:
        for p in params:
            key = p._node_id
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


# ---------------------------------------------------------------- the scalar engine


def value_throwaway_step(X: np.ndarray, y: np.ndarray, step: int) -> None:
    """A step in which the loss and its model are dropped between backward and step."""
    model = MLP(2, [4, 1], seed=step)
    params = model.parameters()  # handles to check the update with, not the model
    before = [p.data for p in params]
    opt = SGD(params, lr=0.1)
    loss = hinge_loss(model(X[:10]), y[:10])
    loss.backward()
    grads = [p.grad for p in params]
    del loss, model  # the model, its layers and the loss graph are freed here
    opt.step()
    moved = [a - 0.1 * g for a, g in zip(before, grads)]
    check([p.data for p in params] == moved, "step after dropping the model")
    del opt, params


class Interrupted(Exception):
    pass


def value_step_that_raises(model: MLP, X: np.ndarray, y: np.ndarray) -> None:
    loss = hinge_loss(model(X[:20]), y[:20])
    loss.backward()
    raise Interrupted("an exception between backward() and step()")


def value_phase(steps: int, warmup: int) -> dict:
    X, y = load_moons()
    model = MLP(2, [16, 16, 1], seed=1337)
    branch = Branch(model.layers[0], seed=7)
    params = union(model.parameters(), branch.parameters())
    shared = model.layers[0].parameters()
    opt = Adam(params, lr=0.01)
    kept: deque[tuple[Value, float]] = deque(maxlen=KEEP)
    bad_labels = [0, 1, 1, 99]  # 99 is out of range for 2 classes
    logits_rows = X[:4]
    samples: list[Sample] = []
    start = time.perf_counter()
    for step in range(steps):
        # The main step, with the branch sharing the first layer.
        loss = hinge_loss(model(X), y) + ALPHA * l2_penalty(params)
        branch_loss = hinge_loss(branch(X[:8]), y[:8])
        opt.zero_grad()
        if step % 50 == 0:
            # Accumulation through shared parameters: grad = d(main) + d(branch).
            loss.backward()
            from_main = [p.grad for p in shared]
            opt.zero_grad()
            branch_loss.backward()
            from_branch = [p.grad for p in shared]
            opt.zero_grad()
        loss.backward()
        branch_loss.backward()
        if step % 50 == 0:
            total = [p.grad for p in shared]
            expected = [a + b for a, b in zip(from_main, from_branch)]
            check(
                np.allclose(total, expected, rtol=1e-12, atol=1e-15),
                "shared parameters did not receive the sum of both models' gradients",
            )
        opt.step()

        # Values kept alive across steps still read what they were, and backprop.
        if len(kept) == KEEP:
            old, old_data = kept[0]
            check(old.data == old_data, "a Value kept across steps changed its data")
            if step % 25 == 0:
                old.backward()  # accumulates into today's parameters
                opt.zero_grad()
        kept.append((loss, loss.data))
        if LEAKED:
            LEAKED.append(loss)

        # A graph dropped between backward and step, and one abandoned by an exception.
        value_throwaway_step(X, y, step)
        if step % 5 == 0:
            try:
                value_step_that_raises(model, X, y)
            except Interrupted:
                pass
            opt.zero_grad()
        # A graph whose loss fails in Rust after the scores were built.
        try:
            hinge_loss(model(X), y[:-1])
        except ValueError:
            pass
        try:
            # Three rows' terms are built in Rust before the bad label is reached.
            cross_entropy([[s, -s] for s in model(logits_rows)], bad_labels)
        except ValueError:
            pass
        del loss, branch_loss

        measure(step, steps, warmup, samples)
    elapsed = time.perf_counter() - start
    return finish("value", steps, warmup, elapsed, samples)


# ---------------------------------------------------------------- the Tensor engine


def tensor_throwaway_step(X: Tensor, y: np.ndarray, step: int) -> None:
    model = Sequential(Linear(2, 4, seed=step), ReLU(), Linear(4, 1, seed=step + 1))
    params = model.parameters()
    before = [p.numpy().copy() for p in params]
    opt = SGD(params, lr=0.1)
    loss = hinge_loss(model(X[:10]), y[:10])
    loss.backward()
    grads = [p.grad for p in params]
    del loss, model  # the optimizer and `params` hold the parameters now
    opt.step()
    for p, old, g in zip(params, before, grads):
        check(np.array_equal(p.numpy(), old - 0.1 * g), "step after dropping the model")
    del opt, params


def tensor_step_that_raises(model: Sequential, X: Tensor, y: np.ndarray) -> None:
    loss = hinge_loss(model(X), y)
    loss.backward()
    raise Interrupted("an exception between backward() and step()")


def tensor_phase(steps: int, warmup: int) -> dict:
    X_np, y = load_moons()
    X = Tensor(X_np)
    first = Linear(2, 16, seed=1337)
    model = Sequential(first, ReLU(), Linear(16, 16, seed=1), ReLU(), Linear(16, 1, seed=2))
    branch = Sequential(first, ReLU(), Linear(16, 1, seed=3))  # shares `first`
    params = union(model.parameters(), branch.parameters())
    opt = Adam(params, lr=0.01)
    weight_view = first.weight.numpy()  # a live, read-only view of the buffer
    kept: deque[tuple[Tensor, float]] = deque(maxlen=KEEP)
    samples: list[Sample] = []
    start = time.perf_counter()
    for step in range(steps):
        loss = hinge_loss(model(X), y) + ALPHA * l2_penalty(params)
        branch_loss = hinge_loss(branch(X[:8]), y[:8])
        opt.zero_grad()
        if step % 50 == 0:
            loss.backward()
            from_main = first.weight.grad.copy()
            opt.zero_grad()
            branch_loss.backward()
            from_branch = first.weight.grad.copy()
            opt.zero_grad()
        loss.backward()
        branch_loss.backward()
        if step % 50 == 0:
            check(
                np.allclose(first.weight.grad, from_main + from_branch, rtol=1e-12, atol=1e-15),
                "the shared Linear did not receive the sum of both models' gradients",
            )
        opt.step()
        check(
            np.array_equal(weight_view, first.weight.numpy()),
            "a numpy() view kept across steps stopped following the weights",
        )

        if len(kept) == KEEP:
            old, old_value = kept[0]
            check(old.item() == old_value, "a Tensor kept across steps changed")
            if step % 25 == 0:
                old.backward()
                opt.zero_grad()
        kept.append((loss, loss.item()))
        if LEAKED:
            LEAKED.append(loss)

        tensor_throwaway_step(X, y, step)
        if step % 5 == 0:
            try:
                tensor_step_that_raises(model, X, y)
            except Interrupted:
                pass
            opt.zero_grad()
        try:
            hinge_loss(model(X), y[:-1])  # fails in Rust after the forward graph exists
        except ValueError:
            pass
        try:
            cross_entropy(model(X[:4]).reshape(2, 2), [0, 5])
        except ValueError:
            pass
        # Backward from an interior node whose root is already gone.
        hidden = model[1](model[0](X[:16]))
        root = hidden.sum() * 2.0
        del root
        hidden.sum().backward()
        opt.zero_grad()
        del loss, branch_loss, hidden

        measure(step, steps, warmup, samples)
    elapsed = time.perf_counter() - start
    return finish("tensor", steps, warmup, elapsed, samples)


# ---------------------------------------------------------------- reporting


Sample = tuple[int, int, int, int]  # steps done, Rust bytes, Python blocks, RSS


def measure(step: int, steps: int, warmup: int, samples: list[Sample]) -> None:
    """Samples memory at the end of a step: always at the same point of the loop (with
    the kept losses alive), so that samples compare like with like."""
    done = step + 1
    if done == warmup or done == steps or done % max(1, steps // 50) == 0:
        gc.collect()
        samples.append((done, _allocated_bytes(), sys.getallocatedblocks(), rss_bytes()))


def finish(engine: str, steps: int, warmup: int, elapsed: float, samples: list[Sample]) -> dict:
    """The numbers of one phase: growth of each count from the first sample after
    warm-up to the last, and per step over those steps."""
    after = [sample for sample in samples if sample[0] >= warmup]
    (first_done, first_bytes, first_blocks, _), last = after[0], after[-1]
    last_done, last_bytes, last_blocks, _ = last
    span = max(1, last_done - first_done)
    mb = 2**20
    return {
        "engine": engine,
        "steps": steps,
        "warmup_steps": warmup,
        "seconds": round(elapsed, 2),
        "ms_per_step": round(1000 * elapsed / steps, 3),
        "measured_steps": span,
        "rust_bytes_after_warmup": first_bytes,
        "rust_bytes_end": last_bytes,
        "rust_bytes_growth_per_step": round((last_bytes - first_bytes) / span, 3),
        "python_blocks_after_warmup": first_blocks,
        "python_blocks_end": last_blocks,
        "python_blocks_growth_per_step": round((last_blocks - first_blocks) / span, 3),
        "rss_end_mb": round(last[3] / mb, 2),
        "rss_peak_mb": round(max(sample[3] for sample in samples) / mb, 2),
        "rust_bytes_samples": [(done, rust) for done, rust, _, _ in samples],
    }


def judge(result: dict) -> list[str]:
    """Failures: the Rust count grew by a node or more, Python's by more than caches do."""
    failures = []
    rust_growth = result["rust_bytes_end"] - result["rust_bytes_after_warmup"]
    if rust_growth >= NODE_BYTES:
        failures.append(
            f"{result['engine']}: the extension's live memory grew {rust_growth:,} bytes "
            f"over {result['measured_steps']} steps after warm-up "
            f"(bound: less than one {NODE_BYTES}-byte graph node)"
        )
    python_growth = result["python_blocks_end"] - result["python_blocks_after_warmup"]
    if python_growth > PYTHON_WARMUP_BLOCKS:
        failures.append(
            f"{result['engine']}: Python's allocated blocks grew by {python_growth:,} "
            f"over {result['measured_steps']} steps after warm-up "
            f"(bound {PYTHON_WARMUP_BLOCKS:,})"
        )
    return failures


def describe(result: dict) -> str:
    return (
        f"{result['engine']:6s} {result['steps']} steps in {result['seconds']} s "
        f"({result['ms_per_step']} ms/step); Rust live bytes after "
        f"{result['warmup_steps']} warm-up steps {result['rust_bytes_after_warmup']:,}, "
        f"at the end {result['rust_bytes_end']:,} "
        f"({result['rust_bytes_growth_per_step']:+} B/step); Python blocks "
        f"{result['python_blocks_growth_per_step']:+}/step; RSS at the end "
        f"{result['rss_end_mb']} MB, peak {result['rss_peak_mb']} MB"
    )


def run_phase(engine: str, steps: int) -> dict:
    """One engine in this process: its result, or a SoakFailure's message."""
    warmup = min(steps - 1, max(50, steps // 10))
    phases = {"value": value_phase, "tensor": tensor_phase}
    try:
        return phases[engine](steps, warmup)
    except SoakFailure as failure:
        return {"engine": engine, "steps": steps, "error": str(failure)}


def run_child(engine: str, steps: int, leak: bool) -> dict:
    """One engine in a fresh process, so that its memory baseline is its own."""
    command = [sys.executable, __file__, "--engine", engine, "--steps", str(steps), "--raw"]
    command += ["--leak-for-test"] if leak else []
    child = subprocess.run(command, capture_output=True, text=True)
    if child.returncode != 0:
        tail = child.stderr.strip().splitlines()[-20:]
        return {"engine": engine, "steps": steps, "error": "\n".join(tail)}
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="steps per engine (default 10,000)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="for CI: 300 steps of the scalar engine, 3,000 of the (faster) Tensor engine",
    )
    parser.add_argument("--engine", choices=["value", "tensor", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)  # child mode
    # Keeps every step's loss alive: the leak the harness's own test must catch.
    parser.add_argument("--leak-for-test", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 2:
        parser.error("--steps must be at least 2")
    engines = ["value", "tensor"] if args.engine == "both" else [args.engine]

    def steps_of(engine: str) -> int:
        return args.steps or (QUICK_STEPS[engine] if args.quick else FULL_STEPS)

    if args.raw:  # a child: one engine, in process, its result as one JSON line
        LEAKED.extend([None] if args.leak_for_test else [])
        print(json.dumps(run_phase(engines[0], steps_of(engines[0]))))
        return 0
    results, failures = [], []
    for engine in engines:
        result = run_child(engine, steps_of(engine), args.leak_for_test)
        results.append(result)
        if "error" in result:
            failures.append(f"{engine}: {result['error']}")
            continue
        failures += judge(result)
        if not args.json:
            print(describe(result))
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    if args.json:
        print(json.dumps({"results": results, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

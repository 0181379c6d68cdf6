"""Threads and re-entrancy.

Values, Tensors, models and optimizers hold ``Rc``s, which only their creating thread
may touch: a graph dropped on another thread is freed, objects made on a finished
thread are refused later, threads training their own models at once agree with one
thread. Every member of every type refusing another thread is
test_reliability_thread_members.py; a few Value, model and Tensor uses are in
test_engine.py, test_models.py and test_tensor_threads.py.

Re-entrancy: Python code can run in the middle of a library call (a garbage
collection triggered by an allocation runs ``gc.callbacks``, ``__del__`` and weakref
callbacks); it must be able to read and write gradients and data, even of the graph
being worked on, without a panic.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from collections.abc import Callable

import numpy as np
import pytest

import micrograd
from micrograd import MLP, Tensor, Value
from micrograd import losses as L
from micrograd.nn import Linear, Sequential, Tanh
from micrograd.optim import SGD, Adam
from micrograd.viz import inputs
from other_thread import assert_refused, run_in_thread

LEAK_PROBE = """
import gc, os, sys, threading
from micrograd import MLP
from micrograd.datasets import load_moons
from micrograd.losses import hinge_loss

X, y = load_moons()


def rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(handed_over):
    loss = hinge_loss(MLP(2, [16, 16, 1], seed=0)(X), y)  # 65,818 nodes
    if sys.argv[1] == "cross":
        handed_over.append(loss)  # the main thread drops it


for step in range(25):
    handed_over = []
    worker = threading.Thread(target=build, args=(handed_over,))
    worker.start()
    worker.join()
    del handed_over
    gc.collect()
    if step == 4:
        start = rss_mb()
print(rss_mb() - start)
"""


def rss_growth_mb(mode: str) -> float:
    child = subprocess.run(
        [sys.executable, "-c", LEAK_PROBE, mode], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr[-2000:]
    return float(child.stdout.split()[-1])


def test_a_graph_dropped_on_another_thread_is_freed():
    # 20 moons losses built on worker threads and dropped on the main thread (about
    # 120 MB if leaked) against the same built and dropped on the worker.
    assert rss_growth_mb("cross") < rss_growth_mb("same") + 30


def test_a_shared_tensor_made_on_another_thread_is_refused_here_and_releases_its_array():
    array = np.ones(3)
    before = sys.getrefcount(array)
    outcome = run_in_thread(lambda: Tensor.from_numpy(array, requires_grad=True) * 2)
    made_there = outcome["result"]
    with pytest.raises(RuntimeError, match="thread"):
        made_there.sum()
    assert sys.getrefcount(array) > before  # the graph holds the array
    del made_there, outcome  # the last reference goes on this thread
    gc.collect()
    assert sys.getrefcount(array) == before


def test_unseeded_draws_on_every_thread_follow_one_process_wide_manual_seed():
    micrograd.manual_seed(5)
    expected = [Tensor.randn(3).tolist(), Tensor.randn(3).tolist(), Linear(2, 2).weight.tolist()]
    micrograd.manual_seed(5)
    on_a_worker = run_in_thread(lambda: Tensor.randn(3).tolist())["result"]
    here = Tensor.randn(3).tolist()
    on_another_worker = run_in_thread(lambda: Linear(2, 2).weight.tolist())["result"]
    # One stream, shared: the worker continues where the seed left it, and the
    # draws after it are new numbers, not a replay of the worker's.
    assert [on_a_worker, here, on_another_worker] == expected
    assert on_a_worker != here


def test_objects_made_in_a_finished_thread_are_refused_in_every_later_thread():
    # Rust thread ids are never reused, even when the OS reuses a dead thread's id.
    made = run_in_thread(
        lambda: (Value(1.0) * 2, Tensor([1.0]) * 2, MLP(2, [1], seed=0), SGD([Value(0.0)]))
    )["result"]
    for _ in range(3):
        for obj, use in zip(made, [lambda v: v.data, lambda t: t.item(), lambda m: m([1, 2])]):
            assert_refused(run_in_thread(lambda obj=obj, use=use: use(obj)), repr(type(obj)))
    with pytest.raises(RuntimeError, match="thread"):
        made[3].step()
    del made  # dropped on a thread that does not own them: freed (under the GIL)


# ---------------------------------------------------------------- concurrency


def train(seed: int, steps: int) -> list[float]:
    """A small scalar and Tensor training run; returns the final parameters."""
    X = np.random.default_rng(seed).normal(size=(16, 2))
    y = np.sign(X[:, 0] * X[:, 1]) + (X[:, 0] == 0)
    mlp = MLP(2, [8, 1], seed=seed)
    opt = Adam(mlp.parameters(), lr=0.05)
    seq = Sequential(Linear(2, 8, seed=seed), Tanh(), Linear(8, 1, seed=seed + 1))
    opt_t = SGD(seq.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        loss = L.hinge_loss(mlp(X), y) + 1e-3 * L.l2_penalty(mlp.parameters())
        opt.zero_grad()
        loss.backward()
        for p in mlp.parameters():  # read and write grads between backward and step
            p.grad = p.grad * 1.0
        opt.step()
        loss_t = L.mse_loss(seq(X), y)
        opt_t.zero_grad()
        loss_t.backward()
        opt_t.step()
    return [p.data for p in mlp.parameters()] + [
        float(x) for p in seq.parameters() for x in p.numpy().ravel()
    ]


def test_threads_training_their_own_models_at_once_match_a_single_threaded_run():
    expected = {seed: train(seed, 20) for seed in range(4)}
    results: dict[int, list[float]] = {}
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        try:
            results[seed] = train(seed, 20)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert not errors, errors
    assert results == expected


# ---------------------------------------------------------------- re-entrancy


class GarbageHook:
    """Runs `touch` at the start of every garbage collection (which an allocation
    inside a library call can trigger), recording anything it raises."""

    def __init__(self, touch: Callable[[], None]) -> None:
        self.touch, self.raised, self.calls = touch, [], 0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self.calls += 1
            try:
                self.touch()
            except BaseException as error:  # noqa: BLE001
                self.raised.append(error)

    def __enter__(self) -> GarbageHook:
        self.thresholds = gc.get_threshold()
        gc.callbacks.append(self)
        gc.set_threshold(1, 1, 1)  # collect on (nearly) every container allocation
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)
        gc.set_threshold(*self.thresholds)


def test_grads_read_and_written_from_inside_library_calls_are_safe_for_values():
    mlp = MLP(2, [4, 1], seed=0)
    params = mlp.parameters()
    other = MLP(2, [4, 1], seed=1)
    other_loss = L.mse_loss(other(np.ones((3, 2))), [0.0, 1.0, 2.0])

    def touch() -> None:
        for p in params[:3]:
            p.grad = p.grad + 0.0
            p.data = p.data + 0.0
        other_loss.backward()  # a backward on another graph, mid-call

    X = np.random.default_rng(0).normal(size=(8, 2))
    with GarbageHook(touch) as hook:
        for _ in range(5):
            scores = mlp(X)  # lists of Values: many allocations, many collections
            loss = L.hinge_loss(scores, np.ones(8)) + L.l2_penalty(params)
            loss.backward()
            _ = [p.grad for p in loss._prev]
            SGD(params, lr=0.01).step()
            _ = (loss.tree(), mlp.state_dict())
    assert hook.calls > 0
    assert not hook.raised, hook.raised[:3]


def test_tensor_grads_read_and_written_from_inside_library_calls_are_safe():
    layer = Linear(2, 3, seed=0)
    t = Tensor(np.ones((4, 2)))
    weights = layer.weight.numpy().copy()

    def touch() -> None:
        layer.weight.grad = None
        layer.weight.copy_(weights)
        _ = (layer.bias.grad, layer.bias.item() if layer.bias.size == 1 else None)

    with GarbageHook(touch) as hook:
        for _ in range(5):
            loss = L.mse_loss(layer(t), np.zeros((4, 3)))
            loss.backward()
            _ = (loss.item(), layer.weight.grad, loss.operands, t[1:3], t.T)
            Adam(layer.parameters()).step()
    assert hook.calls > 0
    # (numpy(), repr() and tolist() are the known exception, tested on their own below.)
    assert not hook.raised, hook.raised[:3]


def test_a_tensor_written_during_its_own_numpy_call_does_not_panic():
    t = Tensor([1.0, 2.0], requires_grad=True)
    with GarbageHook(lambda: t.copy_(np.array([5.0, 6.0]))) as hook:
        for _ in range(20):
            t.numpy()
            repr(t)
    assert hook.calls > 0
    assert not hook.raised, f"{type(hook.raised[0]).__mro__}: {hook.raised[0]}"


def test_inputs_and_labels_made_on_another_thread_are_refused_not_crashing():
    made = run_in_thread(lambda: inputs([1.0, 2.0]))["result"]
    mlp = MLP(2, [1], seed=0)
    with pytest.raises(RuntimeError, match="thread"):
        mlp(made)
    with pytest.raises(RuntimeError, match="thread"):
        L.mse_loss(made, [0.0, 0.0])

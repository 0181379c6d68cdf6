"""Deep and wide graphs built from Python, one scenario per run, for
tests/reliability/test_reliability_deep_graphs.py to run in a child process (a stack overflow
there is a failed test, not a dead pytest).

    python tests/helpers/deep_graphs.py value-chain 1000000
    python tests/helpers/deep_graphs.py tensor-chain 1000000
    python tests/helpers/deep_graphs.py --list

Each scenario prints one JSON line of measurements and exits 0; anything else (an
exception, an abort, a segfault) is a failure. Python's recursion limit stays at its
default of 1,000, so nothing may recurse in Python either.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable

import numpy as np

from micrograd import Tensor, Value, concatenate
from micrograd.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
)
from micrograd.nn import Linear

LN2 = math.log(2.0)

# ---------------------------------------------------------------- the scalar engine

# The Value ops one block goes through (VALUE_BLOCK_OPS of them: every Op variant and
# every dunder, reflected ones included); the block is the identity for y > 0, with
# derivative 1, so after any number of blocks y = x and dy/dx = 1.
VALUE_BLOCK_OPS = 39


def value_block(y: Value, one: Value) -> Value:
    y = (y + 2.0) - 2.0  # Add, Sub
    y = 3.0 + y - 3.0  # __radd__
    y = (y * 4.0) / 4.0  # Mul, Div
    y = 0.5 * (2.0 * y)  # __rmul__
    y = 1.0 / (1.0 / y)  # __rtruediv__
    y = -(y * -1.0)  # Neg
    y = (y**2) ** 0.5  # PowScalar
    y = y**one  # Pow, the exponent a Value
    y = (2.0**y).log() / LN2  # __rpow__, Log
    y = abs(y.relu().leaky_relu(0.1).abs())  # Relu, LeakyRelu, Abs, __abs__
    y = y.exp().log()  # Exp
    s = y.sigmoid()  # Sigmoid, inverted by the logit
    y = s.log() - (1.0 - s).log()  # __rsub__
    t = y.tanh()  # Tanh, inverted by atanh
    y = 0.5 * ((1.0 + t) / (1.0 - t)).log()
    return (y.softplus().exp() - 1.0).log()  # Softplus, inverted


def value_chain(ops: int) -> dict:
    x, one = Value(0.5), Value(1.0)
    start = time.perf_counter()
    y = x
    for _ in range(ops // VALUE_BLOCK_OPS):
        y = value_block(y, one)
    built = time.perf_counter()
    y.backward()
    backward = time.perf_counter()
    result = {"data": y.data, "dy_dx": x.grad, "dy_dexponent": one.grad}
    del y
    freed = time.perf_counter()
    assert abs(result["data"] - 0.5) < 1e-9, result
    assert abs(result["dy_dx"] - 1.0) < 1e-6, result
    assert math.isfinite(result["dy_dexponent"]) and result["dy_dexponent"] < 0, result
    assert x.data == 0.5 and x.grad == result["dy_dx"]  # the leaves outlive the graph
    return {**result, **timings(start, built, backward, freed)}


def value_fan_out(parents: int) -> dict:
    """One Value with a million parents, summed the way Karpathy sums (a chain of
    additions as deep as the fan-out is wide)."""
    x = Value(3.0)
    start = time.perf_counter()
    total = sum(x * 1.0 for _ in range(parents))
    built = time.perf_counter()
    total.backward()
    backward = time.perf_counter()
    assert total.data == 3.0 * parents and x.grad == parents, (total.data, x.grad)
    del total
    freed = time.perf_counter()
    return {"dtotal_dx": x.grad, **timings(start, built, backward, freed)}


def value_fan_in(leaves: int) -> dict:
    """A million leaves into the batched penalties: wide graphs built in Rust."""
    params = [Value(float(i % 7) - 3.0) for i in range(leaves)]
    start = time.perf_counter()
    loss = l2_penalty(params) + l1_penalty(params)
    built = time.perf_counter()
    loss.backward()
    backward = time.perf_counter()
    assert params[5].grad == 2 * 2.0 + 1.0, params[5].grad  # d/dp (p^2 + |p|) at p = 2
    del loss
    freed = time.perf_counter()
    return {"grad": params[5].grad, **timings(start, built, backward, freed)}


def value_ladder_backward(levels: int) -> dict:
    """Each node uses the previous one twice: 2^levels paths, levels nodes. The walk
    must mark nodes rather than follow paths. The graph is not freed here (see
    value-ladder-free): the process leaves with os._exit after printing."""
    x = Value(1.0)
    y = x
    start = time.perf_counter()
    for _ in range(levels):
        y = (y + y) * 0.5
    built = time.perf_counter()
    y.backward()
    backward = time.perf_counter()
    assert y.data == 1.0 and x.grad == 1.0, (y.data, x.grad)
    report({"dy_dx": x.grad, **timings(start, built, backward, backward)})
    os._exit(0)  # skip freeing the ladder: that is the known-bug scenario below


def value_ladder_free(levels: int) -> dict:
    y = Value(1.0)
    for _ in range(levels):
        y = y * y  # squaring by multiplication: one node holding its operand twice
    start = time.perf_counter()
    del y
    return timings(start, start, start, time.perf_counter())


def interrupted_backward(ops: int) -> dict:
    """A signal arrives in the middle of a long backward() and its handler raises. The
    exception surfaces once backward() has returned, so the gradients are those of a
    complete pass (all or nothing); the graph is then freed with the traceback.

    The signal comes from a timer of this process's CPU time (ITIMER_PROF), set to a
    quarter of the CPU time of the same backward() run before: CPU time does not
    advance while the machine runs other jobs, so where the signal lands does not
    depend on the machine's load, as it did with a wall-clock timer."""
    x, one = Value(0.5), Value(1.0)
    y = x
    for _ in range(ops // VALUE_BLOCK_OPS):
        y = value_block(y, one)
    # The first backward() costs about three times the next (the gradients' memory is
    # touched for the first time), so the timer is set from the second.
    y.backward()
    start = time.process_time()
    y.backward()
    cpu = time.process_time() - start
    x.grad = one.grad = 0.0

    class Alarm(Exception):
        pass

    def on_alarm(signum, frame):
        raise Alarm

    signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, cpu / 4)  # lands a quarter of the way in
    try:
        y.backward()
        landed_during_backward = False  # backward() finished before the timer fired
    except Alarm:
        landed_during_backward = True
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
    assert abs(x.grad - 1.0) < 1e-6, x.grad  # the whole pass happened, once
    del y
    again = value_block(x, one)  # the engine is fine afterwards
    again.backward()
    assert abs(x.grad - 2.0) < 1e-6, x.grad  # and gradients accumulate as usual
    return {
        "backward_cpu_s": round(cpu, 3),
        "alarm_during_backward": landed_during_backward,
        "dy_dx_after_interrupt": 1.0,
    }


# ---------------------------------------------------------------- the Tensor engine

TENSOR_BLOCK_OPS = 72


class TensorConstants:
    def __init__(self) -> None:
        self.two = Tensor([[2.0]])
        self.zero = Tensor([[0.0]])
        self.eye = Tensor([[1.0]])
        self.exponent = Tensor([[1.0]], requires_grad=True)  # a leaf with a gradient
        self.linear = Linear(1, 1, seed=0)
        self.linear.weight.copy_([[1.0]])
        self.linear.bias.copy_([0.0])


def tensor_block(y: Tensor, c: TensorConstants) -> Tensor:
    """Every kind of Tensor op (elementwise, unary, reductions, softmax, structure,
    products, fused losses), as an identity on a (1, 1) tensor holding y > 0."""
    y = (y + c.two) - c.two
    y = 3.0 + y - 3.0
    y = (y * 4.0) / 4.0
    y = 1.0 / (1.0 / y)
    y = -(y * -1.0)
    y = (y**2) ** 0.5
    y = y**c.exponent  # elementwise pow, the exponent a Tensor
    y = (2.0**y).log() / LN2
    y = y.relu().leaky_relu(0.1)
    y = y.exp().log()
    s = y.sigmoid()
    y = s.log() - (1.0 - s).log()
    t = y.tanh()
    y = 0.5 * ((1.0 + t) / (1.0 - t)).log()
    y = y.sum(axis=0, keepdims=True).mean(axis=1, keepdims=True).max(axis=0, keepdims=True)
    y = y.sum().reshape(1, 1)
    p = concatenate([y, c.zero], axis=1).log_softmax(axis=1).T
    y = p[0:1] - p[1:2]
    q = concatenate([y, c.zero], axis=1).softmax(axis=1).T
    y = (q[0:1] / q[1:2]).log()
    y = (y @ c.eye).transpose(1, 0)
    y = c.linear(y)
    y = mse_loss(y, [[0.0]]).reshape(1, 1) ** 0.5
    y = hinge_loss(y, [[-1.0]]).reshape(1, 1) - 1.0
    y = (binary_cross_entropy_with_logits(y, [[0.0]]).exp() - 1.0).log().reshape(1, 1)
    z = concatenate([y, c.zero], axis=1)
    y = (cross_entropy(z, [1]).exp() - 1.0).log().reshape(1, 1)
    return l2_penalty([y]).reshape(1, 1) ** 0.5


def tensor_chain(ops: int) -> dict:
    c = TensorConstants()
    x = Tensor([[0.5]], requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(ops // TENSOR_BLOCK_OPS):
        y = tensor_block(y, c)
    built = time.perf_counter()
    y.backward()
    backward = time.perf_counter()
    result = {
        "data": y.item(),
        "dy_dx": float(x.grad[0, 0]),
        "dy_dexponent": float(c.exponent.grad[0, 0]),
        "dy_dweight": float(c.linear.weight.grad[0, 0]),
    }
    del y
    freed = time.perf_counter()
    assert abs(result["data"] - 0.5) < 1e-9, result
    assert abs(result["dy_dx"] - 1.0) < 1e-6, result
    assert math.isfinite(result["dy_dexponent"]), result
    return {**result, **timings(start, built, backward, freed)}


def tensor_fan_in(operands: int) -> dict:
    """One tensor with a million parents, all joined by one node with a million
    operands."""
    x = Tensor([[2.0]], requires_grad=True)
    start = time.perf_counter()
    parents = [x * float(i % 10) for i in range(operands)]  # a million parents of x
    joined = concatenate(parents)  # one node, a million operands
    del parents
    loss = (joined * joined).sum()
    built = time.perf_counter()
    loss.backward()
    backward = time.perf_counter()
    expected = 2 * 2.0 * sum((i % 10) ** 2 for i in range(operands))  # d/dx sum((x i)^2)
    assert x.grad[0, 0] == expected, (x.grad, expected)
    del joined, loss
    freed = time.perf_counter()
    return {"dloss_dx": float(x.grad[0, 0]), **timings(start, built, backward, freed)}


def tensor_rows_backward(rows: int) -> dict:
    """Every other row of a tensor selected on its own (x[i], a per-sample loop), then
    one backward; reports how many rows of x's gradient that backward wrote.

    Each selection must add its gradient to its own row and touch no other, so that n
    selections cost n rows of work; a selection that sent back a zero array of x's
    whole shape (as one did) cost a whole gradient each, n^2 in all. The count needs no
    clock: x's gradient starts at -0.0 everywhere (from an earlier backward), and any
    addition to a -0.0, even of 0.0, leaves a +0.0 or a non-zero, so the rows still
    holding -0.0 are exactly the rows nothing wrote to."""
    x = Tensor(np.arange(rows, dtype=np.float64).reshape(rows, 1), requires_grad=True)
    (x * -0.0).sum().backward()
    assert np.signbit(x.grad).all() and (x.grad == 0.0).all(), "x.grad must start at -0.0"
    selected = range(0, rows, 2)
    start = time.perf_counter()
    loss = concatenate([x[i] for i in selected]).sum()
    built = time.perf_counter()
    loss.backward()
    backward = time.perf_counter()
    grad = x.grad[:, 0]
    assert grad.shape == (rows,) and (grad[::2] == 1.0).all(), grad
    del loss
    return {
        "selections": len(selected),
        "rows": rows,
        "rows_written": int(np.count_nonzero(~np.signbit(grad))),
        **timings(start, built, backward, time.perf_counter()),
    }


def tensor_ladder_free(levels: int) -> dict:
    y = Tensor([1.0])
    for i in range(levels):
        y = concatenate([y, y])[0:1] if i % 10 == 0 else y * y
    start = time.perf_counter()
    del y
    return timings(start, start, start, time.perf_counter())


# ---------------------------------------------------------------- running one


def timings(start: float, built: float, backward: float, freed: float) -> dict:
    return {
        "build_s": round(built - start, 3),
        "backward_s": round(backward - built, 3),
        "free_s": round(freed - backward, 3),
    }


def report(result: dict) -> None:
    peak_kb = int(
        next(
            line.split()[1]
            for line in open("/proc/self/status")
            if line.startswith("VmHWM")  # peak resident set size
        )
    )
    print(json.dumps({**result, "peak_rss_mb": round(peak_kb / 1024, 1)}), flush=True)


SCENARIOS: dict[str, Callable[[int], dict]] = {
    "value-chain": value_chain,
    "value-fan-out": value_fan_out,
    "value-fan-in": value_fan_in,
    "value-ladder-backward": value_ladder_backward,
    "value-ladder-free": value_ladder_free,
    "interrupted-backward": interrupted_backward,
    "tensor-chain": tensor_chain,
    "tensor-fan-in": tensor_fan_in,
    "tensor-rows-backward": tensor_rows_backward,
    "tensor-ladder-free": tensor_ladder_free,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] == "--list":
        print("\n".join(SCENARIOS))
        return 0
    name, size = argv[0], int(argv[1]) if len(argv) > 1 else 1_000_000
    report(SCENARIOS[name](size))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""micrograd.compile: a recorded scalar graph replayed from a tape in Rust."""

from __future__ import annotations

import gc
import math
import random
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd
from gradcheck import numeric_gradient
from karpathy import readme_expression
from micrograd import MLP, Value
from micrograd._compile import Compiled, GraphChangedError
from micrograd._core import _allocated_bytes
from micrograd.datasets import make_moons

# Every op of the one calculus, as the Value API spells it, each with the range of
# its operands where finite differences are meaningful (away from kinks and poles).
UNARY_OPS = {
    "neg": (lambda x: -x, (-2.0, 2.0)),
    "pow": (lambda x: x**3, (-2.0, 2.0)),
    "relu": (lambda x: x.relu(), (0.1, 2.0)),
    "relu (negative side)": (lambda x: x.relu(), (-2.0, -0.1)),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), (-2.0, -0.1)),
    "tanh": (lambda x: x.tanh(), (-2.0, 2.0)),
    "sigmoid": (lambda x: x.sigmoid(), (-3.0, 3.0)),
    "exp": (lambda x: x.exp(), (-2.0, 2.0)),
    "log": (lambda x: x.log(), (0.2, 3.0)),
    "softplus": (lambda x: x.softplus(), (-3.0, 3.0)),
    "abs": (lambda x: abs(x), (0.1, 2.0)),
}
BINARY_OPS = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
}


def demo_loss(model, X, y):
    """Karpathy's demo loss function, returning the scores instead of the accuracy."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss, scores


def train(compiled: bool, steps: int) -> tuple[list[float], float]:
    np.random.seed(1337)
    random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])

    def loss():
        return demo_loss(model, X, y)

    if compiled:
        loss = micrograd.compile(loss)
    losses = []
    for k in range(steps):
        total_loss, scores = loss()
        acc = np.mean([(yi > 0) == (s.data > 0) for yi, s in zip(y, scores)])
        losses.append(total_loss.data)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    return losses, float(acc)


def test_compiled_and_dynamic_demo_agree_at_every_step_and_both_reach_100_percent():
    dynamic, dynamic_acc = train(compiled=False, steps=100)
    compiled, compiled_acc = train(compiled=True, steps=100)
    assert dynamic[0] == compiled[0] == 0.8958441028683222
    for step, (a, b) in enumerate(zip(dynamic, compiled)):
        assert abs(a - b) <= 1e-12, f"step {step}: {a} vs {b}"
    assert dynamic_acc == compiled_acc == 1.0


def test_readme_expression_through_the_tape_gives_karpathys_numbers():
    a, b = Value(-4.0), Value(2.0)
    f = micrograd.compile(lambda: readme_expression(lambda x: {-4.0: a, 2.0: b}[x])[2])
    for _ in range(3):
        a.grad = b.grad = 0.0
        g = f()
        g.backward()
        assert f"{g.data:.4f}" == "24.7041"
        assert (f"{a.grad:.4f}", f"{b.grad:.4f}") == ("138.8338", "645.5773")
    assert f.recordings == 1
    # Parameters are read before each replay.
    a.data, b.data = 1.5, -0.5
    expected = readme_expression(lambda x: Value({-4.0: 1.5, 2.0: -0.5}[x]))[2]
    assert f().data == expected.data


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(UNARY_OPS)), t=st.floats(0.0, 1.0))
def test_every_unary_op_through_the_tape_matches_finite_differences(name, t):
    op, (low, high) = UNARY_OPS[name]
    x = low + t * (high - low)
    param = Value(x)
    as_param = micrograd.compile(lambda: op(param))
    as_input = micrograd.compile(lambda v: op(v))

    out = as_param()
    out.backward()
    numeric = numeric_gradient(lambda p: as_input(p[0]).data, [x])[0]
    assert abs(param.grad - numeric) <= 1e-5 * max(1.0, abs(numeric)), (param.grad, numeric)
    as_input(x).backward()
    assert as_input.tape.input_grads() == [param.grad]
    assert as_input.recordings == 1  # finite differences replayed, never re-recorded


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(BINARY_OPS)),
    x=st.floats(0.3, 2.0),
    y=st.floats(-1.5, 1.5).filter(lambda y: abs(y) > 0.2),
)
def test_every_binary_op_through_the_tape_matches_finite_differences(name, x, y):
    op = BINARY_OPS[name]
    f = micrograd.compile(lambda u, v: op(u, v))
    f(x, y).backward()
    grads = f.tape.input_grads()
    numeric = numeric_gradient(lambda p: f(*p).data, [x, y])
    for got, expected in zip(grads, numeric):
        assert abs(got - expected) <= 1e-5 * max(1.0, abs(expected)), (got, expected)


def test_check_mode_catches_a_branch_on_data():
    v = Value(1.0)

    def branchy():
        return v.relu() if v.data > 0 else v.tanh()

    checked = micrograd.compile(branchy, check=True)
    assert checked().data == 1.0
    v.data = 2.0
    assert checked().data == 2.0  # same branch, same graph
    v.data = -1.0
    with pytest.raises(GraphChangedError, match=r"node 1 differs: recorded slot 1: ReLU\(0\)"):
        checked()

    # Without check mode the branch is frozen at recording, as documented.
    v.data = 1.0
    frozen = micrograd.compile(branchy)
    frozen()
    v.data = -1.0
    assert frozen().data == 0.0  # relu(-1), where branchy() would take tanh


def test_shape_changes_record_again_and_values_do_not():
    w = Value(0.5)
    f = micrograd.compile(lambda x: sum(xi * w for row in x for xi in row))
    assert f(np.ones((2, 3))).data == 3.0
    assert f(np.full((2, 3), 2.0)).data == 6.0
    assert f.recordings == 1
    assert f(np.ones((3, 3))).data == 4.5
    assert f.recordings == 2
    assert f([[1, 2], [3, 4]]).data == 5.0  # lists of numbers are inputs too
    assert f([[1.0, 2.0], [3.0, 5.0]]).data == 5.5
    assert f.recordings == 3


def test_static_arguments_are_part_of_the_signature():
    w = Value(2.0)
    f = micrograd.compile(lambda n, mode: w * n if mode == "mul" else w + n)
    assert f(3.0, "mul").data == 6.0
    assert f(3.0, "add").data == 5.0
    assert f(4.0, mode="add").data == 6.0
    assert f.recordings == 3


def test_a_python_backward_is_refused_with_a_clear_error():
    x = Value(0.5)

    def custom_exp():
        out = Value(math.exp(x.data), (x,), "exp")

        def _backward():
            x.grad += out.data * out.grad

        out._backward = _backward
        return out

    with pytest.raises(TypeError, match="custom op 'exp'"):
        micrograd.compile(custom_exp)()


def test_a_stale_result_refuses_backward_and_bad_returns_are_refused():
    w = Value(3.0)
    f = micrograd.compile(lambda: w * w)
    first = f()
    f()
    with pytest.raises(RuntimeError, match="earlier call of a compiled function"):
        first.backward()
    with pytest.raises(TypeError, match="must return a Value"):
        micrograd.compile(lambda: (w * w).data)()


def test_recording_stops_on_errors_and_does_not_nest():
    w = Value(1.0)

    def fails():
        w * 2
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        micrograd.compile(fails)()
    inner = micrograd.compile(lambda: w * 2)
    outer = micrograd.compile(lambda: inner() + 1)
    with pytest.raises(RuntimeError, match="do not nest"):
        outer()
    assert micrograd.compile(lambda: w + 1)().data == 2.0


# Products the tape fuses into the add that uses them (a neuron's `acc + w * x`),
# and ones it must not fuse: used twice, or its operand used before the add.
FUSED_PRODUCTS = {
    "acc + w * x": (lambda a, w, x: a + w * x, True),
    "w * x + acc": (lambda a, w, x: w * x + a, True),
    "neuron": (lambda a, w, x: sum((w * x, x * a, a * w), a).tanh(), True),
    "product used twice": (lambda a, w, x: (lambda m: (a + m) * m)(w * x), False),
    "operand used before the add": (lambda a, w, x: (w * x + x * a) * x, True),
}


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(FUSED_PRODUCTS)),
    point=st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3),
)
def test_fused_products_through_the_tape_match_finite_differences(name, point):
    op, fuses = FUSED_PRODUCTS[name]
    f = micrograd.compile(lambda a, w, x: op(a, w, x))
    f(*point).backward()
    assert ("fused into" in f.tape.table()) == fuses, f.tape.table()
    grads = f.tape.input_grads()
    numeric = numeric_gradient(lambda p: f(*p).data, point)
    for got, expected in zip(grads, numeric):
        assert abs(got - expected) <= 1e-5 * max(1.0, abs(expected)), (got, expected)
    # The same graph built by the dynamic engine: the same value and gradients.
    leaves = [Value(v) for v in point]
    dynamic = op(*leaves)
    dynamic.backward()
    assert f(*point).data == dynamic.data
    assert grads == [leaf.grad for leaf in leaves]


def test_results_join_a_dynamic_graph():
    w = Value(2.0)
    f = micrograd.compile(lambda: w * w)
    out = f() * 3 + w  # d/dw = 6 w + 1
    out.backward()
    assert w.grad == 13.0
    assert f()._op == "compiled"


def test_the_demo_tape_holds_at_most_40_bytes_per_node():
    random.seed(0)
    X, y = make_moons(n_samples=100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1])
    f = micrograd.compile(lambda: demo_loss(model, X, y * 2 - 1)[0])
    gc.collect()
    before = _allocated_bytes()
    f()
    gc.collect()
    held = _allocated_bytes() - before
    nodes = len(f.tape)
    assert nodes > 60_000
    assert f.tape.bytes_per_node <= 40
    # Counted by the allocator, too: the tape is all a compiled function keeps.
    assert held / nodes <= 40, held / nodes


def test_the_c_fast_path_keeps_tape_check_mode_and_signatures():
    v = Value(1.0)

    def branchy(x=1.0):
        return (v.relu() if v.data > 0 else v.tanh()) * x

    f = micrograd.compile(branchy)
    assert isinstance(f, Compiled) and f.__name__ == "branchy"
    assert f().data == 1.0  # records; later calls with no arguments take the C path
    no_arguments = f.tape
    v.data = 2.0
    assert f().data == 2.0 and f.tape is no_arguments
    assert f(3.0).data == 6.0  # another signature: its own tape, through _call
    assert f.tape is not no_arguments and f.recordings == 2
    assert f().data == 2.0 and f.tape is no_arguments
    assert f().data == 2.0 and f.tape is no_arguments
    # Check mode switched on later is honoured by the C path too.
    f.check = True
    v.data = -1.0
    with pytest.raises(GraphChangedError, match=r"recorded slot \d+: ReLU"):
        f()
    f.check = False
    assert f().data == 0.0  # relu(-1): the branch frozen at recording
    assert f.recordings == 3


def test_a_result_nothing_holds_is_reused_as_if_it_were_new():
    w = Value(3.0)
    f = micrograd.compile(lambda: w * w)
    kept = f()
    kept.label = "kept"
    kept.backward()
    w.data = 4.0
    for _ in range(3):  # results dropped at once: their objects and nodes come back
        out = f()
        assert (out.data, out.grad, out.label, out._op) == (16.0, 0.0, "", "compiled")
        out.label = "dropped"
        out.backward()
        del out
    # A result still held keeps its values and stays stale.
    assert (kept.data, kept.grad, kept.label) == (9.0, 1.0, "kept")
    with pytest.raises(RuntimeError, match="earlier call of a compiled function"):
        kept.backward()
    # A weak reference sees its result die (by the next call: the tape keeps its
    # last results), never come back as a later one.
    ref = weakref.ref(f())
    later = f()
    assert ref() is None and later.data == 16.0
    # A result whose _backward was replaced is never handed out again.
    w.grad = 0.0
    replaced = f()
    replaced._backward = lambda: None
    del replaced
    f().backward()
    assert w.grad == 8.0
    # A result reused while another function records is made there, like a new one.
    outer = micrograd.compile(lambda: f() + 1)
    with pytest.raises(TypeError, match="custom op 'compiled'"):
        outer()

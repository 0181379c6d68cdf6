"""The Value engine through Python: values, gradients, Karpathy's API and bad input."""

import math
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from gradcheck import assert_close, numeric_gradient
from karpathy import readme_expression
from micrograd import Value
from micrograd.engine import Value as EngineValue


def karpathy_readme_expression():
    return readme_expression(Value)


def test_karpathys_readme_example_gives_his_numbers():
    a, b, g = karpathy_readme_expression()
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_engine_module_exports_the_same_class():
    assert EngineValue is Value


# (name, function of Values, point): each op alone and with constants on either side.
OPS = [
    ("add", lambda a, b: a + b, [1.5, -2.0]),
    ("radd", lambda a: 3 + a, [1.5]),
    ("sub", lambda a, b: a - b, [1.5, -2.0]),
    ("rsub", lambda a: 3.0 - a, [1.5]),
    ("mul", lambda a, b: a * b, [1.5, -2.0]),
    ("rmul", lambda a: 2 * a, [1.5]),
    ("div", lambda a, b: a / b, [1.5, -2.0]),
    ("rdiv", lambda a: 3.0 / a, [1.5]),
    ("neg", lambda a: -a, [1.5]),
    ("pow int", lambda a: a**3, [-1.5]),
    ("pow float", lambda a: a**0.5, [2.25]),
    ("pow negative", lambda a: a**-2, [1.5]),
    ("pow value", lambda a, b: a**b, [1.5, -0.7]),
    ("rpow", lambda a: 2**a, [1.5]),
    ("relu +", lambda a: a.relu(), [1.5]),
    ("relu -", lambda a: a.relu(), [-1.5]),
    ("leaky_relu", lambda a: a.leaky_relu(0.2), [-1.5]),
    ("tanh", lambda a: a.tanh(), [0.3]),
    ("sigmoid", lambda a: a.sigmoid(), [-0.8]),
    ("exp", lambda a: a.exp(), [0.7]),
    ("log", lambda a: a.log(), [0.7]),
    ("softplus", lambda a: a.softplus(), [-0.6]),
    ("abs", lambda a: abs(a), [-0.6]),
    ("shared operand", lambda a, b: (a * b + a).tanh() * a, [0.4, -1.2]),
]


@pytest.mark.parametrize("name,f,point", OPS, ids=[op[0] for op in OPS])
def test_every_op_gradient_matches_finite_differences(name, f, point):
    inputs = [Value(x) for x in point]
    out = f(*inputs)
    out.backward()
    expected = numeric_gradient(lambda p: f(*[Value(x) for x in p]).data, point)
    for value, numeric in zip(inputs, expected):
        assert_close(value.grad, numeric)


def test_tanh_and_sigmoid_do_not_overflow_for_large_inputs():
    for x in (-700.0, -300.0, 300.0, 700.0):
        v = Value(x)
        out = v.tanh() + v.sigmoid()
        out.backward()
        assert math.isfinite(out.data)
        assert v.grad == pytest.approx(0.0, abs=1e-100)


def test_math_outside_the_domain_follows_ieee():
    assert math.isnan(Value(-1.0).log().data)
    assert Value(0.0).log().data == -math.inf
    assert (1 / Value(0.0)).data == math.inf
    assert math.isnan((Value(0.0) / Value(0.0)).data)


def test_repr_prev_and_op_read_like_karpathys():
    a = Value(2.0)
    b = Value(3)
    c = a * b
    assert repr(c) == "Value(data=6.0, grad=0.0)"
    assert c._op == "*"
    assert c._prev == {a, b}
    assert a._prev == set()
    assert a._op == ""
    assert (a**2)._op == "**2"
    assert a.relu()._op == "ReLU"


def test_operands_are_ordered_and_named_sets_the_label_in_place():
    a, b = Value(2.0), Value(3.0)
    c = (a - b).named("c")
    assert c.label == "c"
    assert c.operands == (a, b)
    assert (b - a).operands == (b, a)
    assert a.operands == ()


def test_data_and_grad_are_writable_floats():
    a = Value(1)
    assert isinstance(a.data, float)
    a.data -= 0.5
    a.grad = 2
    assert (a.data, a.grad) == (0.5, 2.0)


def test_labels_are_optional_and_writable():
    a = Value(1.0, label="a")
    assert a.label == "a"
    a.label = "x"
    assert a.label == "x"
    assert Value(1.0).label == ""  # Karpathy's default: unlabelled is ''
    a.label = None
    assert a.label == ""


def test_the_same_node_is_equal_and_hashes_alike_in_every_wrapper():
    a = Value(2.0)
    b = a * 3
    (child,) = [v for v in b._prev if v.data == 2.0]
    assert child == a
    assert hash(child) == hash(a)
    assert child is a  # one node, one Python object while it is alive
    assert Value(2.0) != Value(2.0)
    assert len({a, child, Value(2.0)}) == 2


def test_karpathys_graph_trace_terminates_and_finds_each_node_once():
    a, b, g = karpathy_readme_expression()

    def trace(root):  # from Karpathy's trace_graph notebook
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    nodes, edges = trace(g)
    assert a in nodes and b in nodes
    # 2 inputs, 10 constants and 21 ops, counted by hand from the expression above
    assert len(nodes) == 33
    assert all(child in nodes and parent in nodes for child, parent in edges)


def test_numpy_scalars_mix_in_on_either_side():
    v = Value(3.0)
    yi = np.int64(1)
    out = -yi * v  # Karpathy's demo: `-yi * scorei` with yi a numpy integer
    assert type(out) is Value and out.data == -3.0
    for result in (np.float64(2.0) + v, v + np.float32(2.0), np.int32(2) * v, v ** np.int64(2)):
        assert type(result) is Value
    assert (np.float64(2.0) - v).data == -1.0
    assert Value(np.float64(1.5)).data == 1.5
    assert Value(np.int64(7)).data == 7.0


def test_backward_accumulates_leaf_gradients_like_pytorch():
    a = Value(3.0)
    h = a * 2
    y = h * h  # dy/da = 8a
    y.backward()
    assert a.grad == 24.0
    y.backward()
    assert a.grad == 48.0
    assert h.grad == 12.0  # interior nodes hold the latest call's gradient
    a.grad = 0
    y.backward()
    assert a.grad == 24.0


BAD_INPUT = [
    ("Value('x')", lambda: Value("x"), TypeError, "real number"),
    ("Value(None)", lambda: Value(None), TypeError, "real number"),
    ("Value([1])", lambda: Value([1.0]), TypeError, "real number"),
    ("Value(1) + 'a'", lambda: Value(1) + "a", TypeError, "unsupported operand"),
    ("'a' * Value(1)", lambda: "a" * Value(1), TypeError, "can't multiply"),
    ("Value(1) ** 'x'", lambda: Value(1) ** "x", TypeError, "unsupported operand"),
    ("Value(1) < Value(2)", lambda: Value(1) < Value(2), TypeError, "not supported"),
    ("v.data = 'x'", lambda: setattr(Value(1), "data", "x"), TypeError, "data must be"),
    ("v.grad = None", lambda: setattr(Value(1), "grad", None), TypeError, "grad must be"),
]


@pytest.mark.parametrize("case,call,error,message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_raises_a_clear_python_error(case, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_value_used_from_another_thread_raises_runtime_error():
    v = Value(1.0)
    caught = []

    def use_it():
        for attempt in (lambda: v + 1, lambda: v.data, v.backward, lambda: Value(2.0) * v):
            try:
                attempt()
            except Exception as error:  # a PanicException would slip past this
                caught.append(error)

    worker = threading.Thread(target=use_it)
    worker.start()
    worker.join()
    assert len(caught) == 4
    assert all(isinstance(e, RuntimeError) and "thread" in str(e) for e in caught)
    assert (v + 1).data == 2.0  # still fine on its own thread


def test_values_made_in_a_thread_work_there():
    results = []

    def work():
        a = Value(2.0)
        (a * a).backward()
        results.append(a.grad)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert results == [4.0]


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=600
    )


def test_a_million_op_chain_backprops_and_frees_in_a_subprocess():
    result = run_python(
        """
        from micrograd import Value
        x = Value(0.5)
        y = x
        ops = [lambda v: v + 1.0, lambda v: v * 1.0, lambda v: v - 1.0, lambda v: v / 1.0,
               lambda v: -(-v), lambda v: v ** 1, lambda v: v.relu() + 0.0]
        for i in range(1_000_000 // 2):
            y = ops[i % len(ops)](y)
        y = y.tanh().exp().log().sigmoid()
        y.backward()
        assert x.grad > 0, x.grad
        del y
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"

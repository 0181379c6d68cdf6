"""IEEE 754 semantics at the edges, for every scalar op on both engines: nan, ±inf,
±0, the largest and smallest doubles go in, the IEEE answer comes out (the one numpy
gives for the same formula), and nothing raises. Backward through them completes,
with inf and nan where the calculus says so. Already elsewhere: domain errors
(test_engine.py::test_math_outside_the_domain_follows_ieee), nan through Tensor ops
and softmax of infinite logits (test_tensor_bad_input.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np
import pytest

from micrograd import Tensor, Value

SPECIAL = [
    math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    1e308,
    -1e308,
    5e-324,
    710.0,
    -745.0,
    1e-300,
]


# C99's pow (Annex F, IEEE 754's pown/powr cases), which Rust's powf and Python's float
# ** follow; numpy's power differs on a few of them (numpy: (-inf) ** 0.5 is nan).
_libm = ctypes.CDLL(ctypes.util.find_library("m"))
_libm.pow.restype = ctypes.c_double
_libm.pow.argtypes = [ctypes.c_double, ctypes.c_double]
c_pow = np.vectorize(_libm.pow, otypes=[np.float64])


def sigmoid(x: np.ndarray) -> np.ndarray:
    # Both branches of the stable form, as the engines compute it.
    with np.errstate(all="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def softplus(x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))) + np.where(np.isnan(x), x, 0)


UNARY = {
    "neg": (lambda v: -v, np.negative),
    "relu": (lambda v: v.relu(), lambda x: np.where(x < 0, 0.0, x)),
    "leaky_relu": (lambda v: v.leaky_relu(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    "tanh": (lambda v: v.tanh(), np.tanh),
    "sigmoid": (lambda v: v.sigmoid(), sigmoid),
    "exp": (lambda v: v.exp(), np.exp),
    "log": (lambda v: v.log(), np.log),
    "square": (lambda v: v**2, lambda x: c_pow(x, 2.0)),
    "sqrt": (lambda v: v**0.5, lambda x: c_pow(x, 0.5)),
    "reciprocal": (lambda v: v**-1, lambda x: c_pow(x, -1.0)),
}
VALUE_ONLY = {
    "softplus": (lambda v: v.softplus(), softplus),
    "abs": (lambda v: v.abs(), np.abs),
}
BINARY = {
    "+": (lambda a, b: a + b, np.add),
    "-": (lambda a, b: a - b, np.subtract),
    "*": (lambda a, b: a * b, np.multiply),
    "/": (lambda a, b: a / b, np.divide),
    "**": (lambda a, b: a**b, c_pow),
}


def same(got: float, expected: float) -> bool:
    """Equal as IEEE values: nan equals nan, and the sign of zero is not compared."""
    return (
        (math.isnan(got) and math.isnan(expected))
        or got == expected
        or (math.isfinite(expected) and math.isclose(got, expected, rel_tol=1e-15, abs_tol=0))
    )


@pytest.mark.parametrize("name", sorted({**UNARY, **VALUE_ONLY}))
def test_every_unary_value_op_gives_the_ieee_answer_and_a_gradient(name):
    op, reference = {**UNARY, **VALUE_ONLY}[name]
    with np.errstate(all="ignore"):
        expected = reference(np.array(SPECIAL))
    for x, want in zip(SPECIAL, expected):
        v = Value(x)
        out = op(v)
        assert same(out.data, float(want)), f"{name}({x}) = {out.data}, IEEE says {want}"
        out.backward()  # never raises, whatever the gradient turns out to be
        assert isinstance(v.grad, float)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_every_unary_tensor_op_matches_the_scalar_engine_elementwise(name):
    op, _ = UNARY[name]
    x = Tensor(SPECIAL, requires_grad=True)
    out = op(x)
    scalars = [op(Value(v)).data for v in SPECIAL]
    for got, want, v in zip(out.tolist(), scalars, SPECIAL):
        assert same(got, want), f"{name}({v}): Tensor {got}, Value {want}"
    out.sum().backward()
    assert x.grad.shape == (len(SPECIAL),)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_every_binary_op_gives_the_ieee_answer_on_both_engines(name):
    op, reference = BINARY[name]
    a = np.repeat(SPECIAL, len(SPECIAL))
    b = np.tile(SPECIAL, len(SPECIAL))
    with np.errstate(all="ignore"):
        expected = reference(a, b)
    tensor_out = op(Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)).tolist()
    for x, y, want, from_tensor in zip(a, b, expected, tensor_out):
        left, right = Value(float(x)), Value(float(y))
        out = op(left, right)
        assert same(out.data, float(want)), f"{x} {name} {y} = {out.data}, IEEE says {want}"
        assert same(from_tensor, float(want)), f"Tensor: {x} {name} {y} = {from_tensor}"
        out.backward()
        assert isinstance(left.grad, float) and isinstance(right.grad, float)


def test_the_calculus_at_the_edges_gives_infinities_not_errors():
    x = Value(0.0)
    x.log().backward()
    assert x.grad == math.inf  # d log x / dx = 1 / x at 0
    y = Value(0.0)
    (1.0 / y).backward()
    assert math.isinf(y.grad) or math.isnan(y.grad)  # -1 / 0^2
    z = Value(math.nan)
    (z * 2.0).backward()
    assert z.grad == 2.0  # the local derivative of * does not depend on z
    w = Value(-1.0)
    (w**0.5).backward()
    assert math.isnan(w.grad)

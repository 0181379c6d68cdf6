"""Every Tensor op against PyTorch, with or without PyTorch installed.

The inputs, output weights, outputs and gradients were computed by
tests/reference/make_torch_references.py in float64 and stored in
tests/reference/torch_references.json (see test_torch_references.py, which also
checks the file against a fresh PyTorch run where PyTorch is importable). Each
case's gradient is that of ``(op(*inputs) * weights).sum()``: broadcasting, every
matmul shape, reductions (max with ties: PyTorch's ``amax`` splits the gradient
equally), the softmax family, indexing and joining.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from micrograd import Tensor, concatenate
from micrograd._core import linear

REFERENCE_FILE = Path(__file__).with_name("torch_references.json")
CASES = json.loads(REFERENCE_FILE.read_text())["tensor_ops"]

TENSOR_OPS = {
    "a + b": lambda a, b: a + b,
    "a - b": lambda a, b: a - b,
    "a * b": lambda a, b: a * b,
    "a / b": lambda a, b: a / b,
    "a ** b": lambda a, b: a**b,
    "a + 2.5": lambda a: a + 2.5,
    "2.5 + a": lambda a: 2.5 + a,
    "a - 1": lambda a: a - 1,
    "1 - a": lambda a: 1 - a,
    "a * -3": lambda a: a * -3,
    "3 * a": lambda a: 3 * a,
    "a / 4": lambda a: a / 4,
    "2 / a": lambda a: 2 / a,
    "a ** 2": lambda a: a**2,
    "a ** 3": lambda a: a**3,
    "a ** 0.5": lambda a: a**0.5,
    "a ** -1.5": lambda a: a**-1.5,
    "2 ** a": lambda a: 2**a,
    "-a": lambda a: -a,
    # c: a numpy array, a constant
    "a + c": lambda a, c: a + c,
    "c - a": lambda a, c: c - a,
    "a * c": lambda a, c: a * c,
    "a @ c": lambda a, c: a @ c,
    "c @ a": lambda a, c: c @ a,
    "a.relu()": lambda a: a.relu(),
    "a.leaky_relu()": lambda a: a.leaky_relu(),
    "a.leaky_relu(0.2)": lambda a: a.leaky_relu(0.2),
    "a.tanh()": lambda a: a.tanh(),
    "a.sigmoid()": lambda a: a.sigmoid(),
    "a.exp()": lambda a: a.exp(),
    "a.log()": lambda a: a.log(),
    "a * a + a.exp() * a": lambda a: a * a + a.exp() * a,
    "linear(a, b, c).tanh().log_softmax(axis=1)": lambda a, b, c: (
        linear(a, b, c).tanh().log_softmax(axis=1)
    ),
    "a @ b": lambda a, b: a @ b,
    "linear(a, b, c)": lambda a, b, c: linear(a, b, c),
    "linear(a, b)": lambda a, b: linear(a, b),
    "a.softmax()": lambda a: a.softmax(),
    "a.log_softmax()": lambda a: a.log_softmax(),
    "a.reshape(2, 6)": lambda a: a.reshape(2, 6),
    "a.reshape(-1)": lambda a: a.reshape(-1),
    "a.reshape((2, -1, 3))": lambda a: a.reshape((2, -1, 3)),
    "a.T": lambda a: a.T,
    "a.transpose()": lambda a: a.transpose(),
    "a.transpose(1, 0, 2)": lambda a: a.transpose(1, 0, 2),
    "a.transpose(2, 0, 1)": lambda a: a.transpose(2, 0, 1),
    "a[1]": lambda a: a[1],
    "a[-1]": lambda a: a[-1],
    "a[1:3]": lambda a: a[1:3],
    "a[0:5:2]": lambda a: a[0:5:2],
    "a[::-2]": lambda a: a[::-2],
    "a[[2, 0]]": lambda a: a[[2, 0]],
    "a[[0, 2, 0, 0, -1]]": lambda a: a[[0, 2, 0, 0, -1]],
    "concatenate([a, b, c], axis=0)": lambda a, b, c: concatenate([a, b, c], axis=0),
}
for _axis in (None, 0, 1, 2, -1, -2):
    for _keepdims in (False, True):
        for _name in ("sum", "mean", "max"):
            TENSOR_OPS[f"a.{_name}(axis={_axis}, keepdims={_keepdims})"] = (
                lambda a, n=_name, d=_axis, k=_keepdims: getattr(a, n)(axis=d, keepdims=k)
            )
for _axis in (0, 1, 2, -1):
    TENSOR_OPS[f"a.softmax(axis={_axis})"] = lambda a, d=_axis: a.softmax(axis=d)
    TENSOR_OPS[f"a.log_softmax(axis={_axis})"] = lambda a, d=_axis: a.log_softmax(axis=d)
    TENSOR_OPS[f"concatenate([a, b], axis={_axis})"] = lambda a, b, d=_axis: concatenate(
        [a, b], axis=d
    )
# Not ops: construction, conversion, gradient bookkeeping.
TENSOR_API = {
    "arange", "backward", "copy_", "from_numpy", "grad", "is_leaf", "item", "ndim", "numpy",
    "ones", "operands", "rand", "randn", "requires_grad", "shape", "size", "tolist",
    "uniform", "zero_grad", "zeros",
}  # fmt: skip


def case_id(case):
    shapes = ", ".join(str(np.shape(x)) for x in case["inputs"] + case.get("constants", []))
    return f"{case['op']} {shapes}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_tensor_op_and_its_gradients_agree_with_pytorch(case):
    leaves = [Tensor(x, requires_grad=True) for x in case["inputs"]]
    constants = [np.array(c) for c in case.get("constants", [])]
    out = TENSOR_OPS[case["op"]](*leaves, *constants)
    expected = np.array(case["output"])
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    weights = np.array(case["weights"])
    (out * (weights if weights.ndim else float(weights))).sum().backward()
    for k, (leaf, grad) in enumerate(zip(leaves, case["grads"])):
        assert leaf.grad is not None and leaf.grad.shape == np.shape(grad), f"input {k}"
        np.testing.assert_allclose(
            leaf.grad, grad, rtol=1e-10, atol=1e-12, err_msg=f"gradient of input {k}"
        )


def test_every_tensor_op_has_a_pytorch_reference():
    assert {case["op"] for case in CASES} == set(TENSOR_OPS)
    # A method added to Tensor without a reference case fails here.
    methods = {name for name in dir(Tensor) if not name.startswith("_")} - TENSOR_API
    for method in methods:
        spelled = f".{method}(" if callable(getattr(Tensor, method, None)) else f".{method}"
        assert any(spelled in op for op in TENSOR_OPS), method


def test_max_with_ties_is_compared_along_every_axis():
    def has_ties(case):
        data = np.ravel(case["inputs"][0])
        return len(np.unique(data)) < len(data)

    tied = [case["op"] for case in CASES if case["op"].startswith("a.max") and has_ties(case)]
    assert {op.split(",")[0] for op in tied} == {f"a.max(axis={d}" for d in (None, 0, 1, 2, -1)}

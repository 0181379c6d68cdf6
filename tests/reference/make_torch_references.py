"""PyTorch's numbers for the comparisons in tests/reference/test_torch_references*.py.

The test suite compares micrograd with PyTorch without importing PyTorch: it reads
``torch_references.json``, which this script writes next to itself. Run it where
PyTorch and numpy are installed, after adding or changing a case here:

    python tests/reference/make_torch_references.py

Everything is computed in float64. Scalar inputs are written below; array inputs
come from seeded numpy generators and are stored in the file next to PyTorch's
outputs, so the tests feed micrograd exactly what PyTorch was given. Every case
names its op by a key (``"a + b"``, ``"a.log_softmax(axis=1)"``, an optimizer and
its keyword arguments, a loss, a network's layers) that the tests spell in
micrograd. A gradient is always that of the weighted sum ``(output * weights).sum()``
with stored weights (1 for a scalar output), so a transposed or mis-broadcast
gradient cannot hide behind a plain sum.

``build_references()`` returns the whole dict without writing anything;
test_stored_references_match_a_fresh_pytorch_run compares it with the stored file
wherever PyTorch is importable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUTPUT = Path(__file__).with_name("torch_references.json")

# The expression shared with the tests (no micrograd import, so it runs here too).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))
from karpathy_readme import karpathy_readme  # noqa: E402

SEED = 20240601
F64 = torch.float64


def t64(x, requires_grad=False):
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=requires_grad)


def as_list(x):
    """A tensor or array as nested lists of floats (a float for 0-d)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().numpy()
    return np.asarray(x, dtype=np.float64).tolist()


def weighted_backward(out, rng):
    """Backward through ``(out * weights).sum()``; returns the weights drawn."""
    weights = rng.uniform(0.5, 1.5, out.shape) * rng.choice([-1.0, 1.0], out.shape)
    (out * t64(weights)).sum().backward()
    return weights


# ---------------------------------------------------------------- scalar Value ops

BINARY = [(1.5, -0.75), (-2.0, 0.5), (0.3, 4.0)]
POSITIVE_BASE = [(1.5, -0.75), (0.5, 2.5), (3.0, 0.0)]
REAL = [(-2.5,), (-0.3,), (0.0,), (0.7,), (3.0,)]
WIDE = [(-30.0,), (-2.5,), (-0.3,), (0.0,), (0.7,), (3.0,), (25.0,)]
NONZERO = [(-2.5,), (-0.3,), (0.7,), (3.0,)]
POSITIVE = [(0.05,), (0.7,), (1.0,), (3.0,), (12.5,)]


def every_op(a, b):
    """One graph through every Value op, ``a`` and ``b`` each used many times."""
    s = F.softplus(a - b) * (b / a).abs() ** 1.5
    t = F.leaky_relu(a, 0.1) * b.exp() - (a * b).sigmoid()
    u = (a**2 + 1).log() * b.tanh() + 2.0 ** (b - a).relu() - (-a) / (3 - b)
    return s + t + u + abs(a - 2 * b) ** b


VALUE_OPS = {
    # name: (PyTorch function of 0-d tensors, the points: one tuple of inputs each)
    "a + b": (lambda a, b: a + b, BINARY),
    "a + 2.5": (lambda a: a + 2.5, REAL),
    "2.5 + a": (lambda a: 2.5 + a, REAL),
    "a - b": (lambda a, b: a - b, BINARY),
    "a - 1.5": (lambda a: a - 1.5, REAL),
    "1.5 - a": (lambda a: 1.5 - a, REAL),
    "a * b": (lambda a, b: a * b, BINARY),
    "a * -3.0": (lambda a: a * -3.0, REAL),
    "-3.0 * a": (lambda a: -3.0 * a, REAL),
    "a / b": (lambda a, b: a / b, BINARY),
    "a / 4.0": (lambda a: a / 4.0, REAL),
    "2.0 / a": (lambda a: 2.0 / a, NONZERO),
    "a ** 2": (lambda a: a**2, REAL),
    "a ** 3": (lambda a: a**3, REAL),
    "a ** -2": (lambda a: a**-2, NONZERO),
    "a ** 0": (lambda a: a**0, NONZERO),
    "a ** 0.5": (lambda a: a**0.5, POSITIVE),
    "a ** -1.5": (lambda a: a**-1.5, POSITIVE),
    "a ** b": (lambda a, b: a**b, POSITIVE_BASE),
    "2.0 ** a": (lambda a: 2.0**a, REAL),
    "a * a": (lambda a: a * a, REAL),
    "a / a": (lambda a: a / a, NONZERO),
    "-a": (lambda a: -a, REAL),
    "a.relu()": (lambda a: a.relu(), REAL),
    "a.leaky_relu()": (lambda a: F.leaky_relu(a), REAL),
    "a.leaky_relu(0.2)": (lambda a: F.leaky_relu(a, 0.2), REAL),
    "a.softplus()": (lambda a: F.softplus(a), [*REAL, (-30.0,), (19.5,)]),
    # Above threshold=20 PyTorch's softplus is x itself, gradient exactly 1; ours is
    # log(1 + exp(x)) throughout, gradient sigmoid(x) = 1 - 1.4e-11 at 25: a known
    # difference, tested as such.
    "a.softplus(), x > 20": (lambda a: F.softplus(a), [(21.0,), (25.0,)]),
    "a.abs()": (lambda a: a.abs(), REAL),
    "abs(a)": (lambda a: abs(a), REAL),
    "a.tanh()": (lambda a: a.tanh(), WIDE),
    "a.sigmoid()": (lambda a: a.sigmoid(), WIDE),
    "a.exp()": (lambda a: a.exp(), WIDE),
    "a.log()": (lambda a: a.log(), POSITIVE),
    "karpathy_readme(a, b)": (karpathy_readme, [(-4.0, 2.0)]),
    "neuron_tanh(x1, x2, w1, w2, b)": (
        lambda x1, x2, w1, w2, b: (x1 * w1 + x2 * w2 + b).tanh(),
        [(2.0, 0.0, -3.0, 1.0, 6.8813735870195432), (0.5, -1.5, 0.3, 0.8, -0.2)],
    ),
    "neuron_exp(x1, x2, w1, w2, b)": (
        lambda x1, x2, w1, w2, b: (
            ((2 * (x1 * w1 + x2 * w2 + b)).exp() - 1) / ((2 * (x1 * w1 + x2 * w2 + b)).exp() + 1)
        ),
        [(2.0, 0.0, -3.0, 1.0, 6.8813735870195432)],
    ),
    "every_op(a, b)": (every_op, [(-1.3, 0.8), (0.6, 2.1)]),
}


def value_ops():
    section = {}
    for name, (fn, points) in VALUE_OPS.items():
        values, grads = [], []
        for point in points:
            leaves = [t64(x, requires_grad=True) for x in point]
            out = fn(*leaves)
            out.backward()
            values.append(out.item())
            grads.append([leaf.grad.item() for leaf in leaves])
        section[name] = {"points": [list(p) for p in points], "values": values, "grads": grads}
    return section


# ---------------------------------------------------------------- optimizers

SCALAR_GRADS = [0.5, -0.3, 0.8, 0.1, -0.6, 0.2]
TENSOR_START = [[1.0, -2.0], [0.5]]
# Per step, each tensor's gradient; None: the tensor has no gradient that step.
TENSOR_SCHEDULE = [([0.5, -0.2], [0.3]), ([0.1, 0.4], None), (None, [-0.7]), ([0.2, 0.2], [0.1])]
LRS = [0.1, 0.05, 0.2, 0.02, 0.1, 0.01]  # for the cases with an lr schedule

OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.1, "betas": [0.8, 0.9], "eps": 1e-3}),
    # beta2 = 0.5: the second moment falls after a large gradient, so amsgrad's
    # running maximum matters within these few steps.
    ("Adam", {"lr": 0.1, "betas": [0.9, 0.5], "amsgrad": True}),
    ("Adam", {"lr": 0.1, "betas": [0.9, 0.5], "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "betas": [0.5, 0.6], "eps": 1e-3, "weight_decay": 0.2}),
    ("AdamW", {"lr": 0.1, "betas": [0.9, 0.5], "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-3}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("RMSprop", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.1, "alpha": 0.9, "momentum": 0.3, "weight_decay": 0.1, "centered": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1}),
]
# These also set lr before every step: opt.lr = LRS[k] (PyTorch: param_groups' "lr").
WITH_LR_SCHEDULE = [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("Adam", {"lr": 0.1, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.1, "alpha": 0.9, "momentum": 0.3, "centered": True}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1}),
]


def make_optimizer(name, params, kwargs):
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in kwargs.items()}
    return getattr(torch.optim, name)(params, foreach=False, **kwargs)


def scalar_trajectory(name, kwargs, lrs):
    p = t64([1.0], requires_grad=True)
    opt = make_optimizer(name, [p], kwargs)
    trajectory = []
    for k, g in enumerate(SCALAR_GRADS):
        if lrs:
            opt.param_groups[0]["lr"] = lrs[k]
        p.grad = t64([g])
        opt.step()
        trajectory.append(p.item())
    return trajectory


def tensor_trajectory(name, kwargs, lrs):
    params = [t64(start, requires_grad=True) for start in TENSOR_START]
    opt = make_optimizer(name, params, kwargs)
    trajectory = []
    for k, grads in enumerate(TENSOR_SCHEDULE):
        if lrs:
            opt.param_groups[0]["lr"] = lrs[k]
        opt.zero_grad()
        for p, g in zip(params, grads):
            p.grad = None if g is None else t64(g)
        opt.step()
        trajectory.append([p.tolist() for p in params])
    return trajectory


def optimizers():
    cases = []
    runs = [(name, kwargs, None) for name, kwargs in OPTIMIZERS]
    for name, kwargs, lrs in runs + [(name, kwargs, LRS) for name, kwargs in WITH_LR_SCHEDULE]:
        case = {"optimizer": name, "kwargs": kwargs}
        if lrs:
            case["lrs"] = lrs
        case["scalar"] = scalar_trajectory(name, kwargs, lrs)
        case["tensors"] = tensor_trajectory(name, kwargs, lrs)
        cases.append(case)
    schedules = {
        "scalar_start": 1.0,
        "scalar_grads": SCALAR_GRADS,
        "tensor_start": TENSOR_START,
        "tensor_schedule": [list(step) for step in TENSOR_SCHEDULE],
    }
    return {"schedules": schedules, "cases": cases}


# ---------------------------------------------------------------- losses


def _as_shape_of(p, t):
    """Our losses read an (n, 1) column of predictions as n predictions."""
    return p.reshape(t.shape)


LOSSES = {
    "mse_loss": lambda p, t: F.mse_loss(_as_shape_of(p, t), t),
    "hinge_loss": lambda s, y: torch.relu(1 - y * _as_shape_of(s, y)).mean(),
    "binary_cross_entropy_with_logits": lambda z, t: F.binary_cross_entropy_with_logits(
        _as_shape_of(z, t), t
    ),
    "cross_entropy": lambda z, labels: F.cross_entropy(z, labels.long()),
    "l1_penalty": lambda *params: sum(p.abs().sum() for p in params),
    "l2_penalty": lambda *params: sum((p * p).sum() for p in params),
}


def loss_cases(rng):
    def normal(*shape):
        return rng.standard_normal(shape)

    pm1 = np.array([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
    rows = [[0.2, -1.0, 2.5], [1.5, 0.3, -0.7], [-2.0, 0.0, 0.5], [0.1, 0.1, 0.1]]
    penalty = [0.5, -1.5, 2.0, 0.0, -0.25]
    # (loss, engine, leaves, targets): a Value engine leaf is a list (rows for
    # cross_entropy) of numbers, each one Value; a tensor engine leaf is one Tensor.
    return [
        ("mse_loss", "value", [[0.5, -1.2, 2.0, 0.3]], [1.0, -1.0, 0.0, 0.3]),
        # Score 1.0 with label 1 sits on the hinge's kink: relu's gradient there is 0.
        ("hinge_loss", "value", [[0.3, -2.0, 1.7, -0.4, 1.0, 0.5]], [1, -1, 1, 1, 1, -1]),
        (
            "binary_cross_entropy_with_logits",
            "value",
            [[0.5, -1.2, 3.0, -40.0, 35.0, 0.0, 800.0, -800.0]],
            [1.0, 0.0, 0.3, 1.0, 0.0, 0.5, 0.0, 1.0],
        ),
        ("cross_entropy", "value", [rows], [2, 0, 1, 1]),
        ("cross_entropy", "value", [(np.array(rows) * 60).tolist()], [0, 0, 2, 1]),
        ("l1_penalty", "value", [penalty], None),
        ("l2_penalty", "value", [penalty], None),
        ("mse_loss", "tensor", [normal(5)], normal(5)),
        ("mse_loss", "tensor", [normal(5, 1)], normal(5)),
        ("mse_loss", "tensor", [normal(4, 3)], normal(4, 3)),
        ("hinge_loss", "tensor", [pm1 * (1 + rng.uniform(-0.8, 0.8, 6))], pm1),
        ("hinge_loss", "tensor", [(pm1 * (1 + rng.uniform(-0.8, 0.8, 6))).reshape(6, 1)], pm1),
        ("hinge_loss", "tensor", [np.array([1.0, -1.0, 0.5])], np.array([1.0, 1.0, -1.0])),
        ("binary_cross_entropy_with_logits", "tensor", [normal(6) * 3], rng.uniform(0, 1, 6)),
        ("binary_cross_entropy_with_logits", "tensor", [normal(6, 1) * 3], rng.uniform(0, 1, 6)),
        (
            "binary_cross_entropy_with_logits",
            "tensor",
            [normal(6, 1) * 4],
            rng.uniform(0, 1, (6, 1)),
        ),
        (
            "binary_cross_entropy_with_logits",
            "tensor",
            [np.array([800.0, -800.0, 40.0, -35.0, 0.0])],
            np.array([0.0, 1.0, 0.5, 1.0, 0.25]),
        ),
        ("cross_entropy", "tensor", [normal(5, 3) * 2], [0, 2, 1, 1, 0]),
        ("cross_entropy", "tensor", [normal(5, 3) * 50], [2, 2, 0, 1, 0]),
        ("cross_entropy", "tensor", [normal(4, 6)], [5, 0, 3, 3]),
        ("l2_penalty", "tensor", [normal(2, 3), normal(4)], None),
    ]


def losses():
    cases = []
    for loss, engine, leaves, targets in loss_cases(np.random.default_rng(SEED + 2)):
        inputs = [t64(leaf, requires_grad=True) for leaf in leaves]
        args = inputs if targets is None else [inputs[0], t64(targets)]
        out = LOSSES[loss](*args)
        out.backward()
        case = {"loss": loss, "engine": engine, "inputs": [as_list(x) for x in inputs]}
        if targets is not None:  # class labels stay integers
            case["targets"] = list(targets) if loss == "cross_entropy" else as_list(targets)
        case.update(value=out.item(), grads=[as_list(x.grad) for x in inputs])
        cases.append(case)
    return cases


# ---------------------------------------------------------------- Tensor ops


def _dims(a, axis):
    return tuple(range(a.ndim)) if axis is None else axis


def _reverse(a):
    return a.permute(*reversed(range(a.ndim)))


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
    "a + c": lambda a, c: a + c,
    "c - a": lambda a, c: c - a,
    "a * c": lambda a, c: a * c,
    "a @ c": lambda a, c: a @ c,
    "c @ a": lambda a, c: c @ a,
    "a.relu()": lambda a: a.relu(),
    "a.leaky_relu()": lambda a: F.leaky_relu(a),
    "a.leaky_relu(0.2)": lambda a: F.leaky_relu(a, 0.2),
    "a.tanh()": lambda a: a.tanh(),
    "a.sigmoid()": lambda a: a.sigmoid(),
    "a.exp()": lambda a: a.exp(),
    "a.log()": lambda a: a.log(),
    "a * a + a.exp() * a": lambda a: a * a + a.exp() * a,
    "linear(a, b, c).tanh().log_softmax(axis=1)": lambda a, b, c: torch.log_softmax(
        F.linear(a, b, c).tanh(), 1
    ),
    "a @ b": lambda a, b: a @ b,
    "linear(a, b, c)": lambda a, b, c: F.linear(a, b, c),
    "linear(a, b)": lambda a, b: F.linear(a, b),
    "a.softmax()": lambda a: torch.softmax(a, -1),
    "a.log_softmax()": lambda a: torch.log_softmax(a, -1),
    "a.reshape(2, 6)": lambda a: a.reshape(2, 6),
    "a.reshape(-1)": lambda a: a.reshape(-1),
    "a.reshape((2, -1, 3))": lambda a: a.reshape((2, -1, 3)),
    "a.T": _reverse,
    "a.transpose()": _reverse,
    "a.transpose(1, 0, 2)": lambda a: a.permute(1, 0, 2),
    "a.transpose(2, 0, 1)": lambda a: a.permute(2, 0, 1),
    "a[1]": lambda a: a[1],
    "a[-1]": lambda a: a[-1],
    "a[1:3]": lambda a: a[1:3],
    "a[0:5:2]": lambda a: a[0:5:2],
    "a[::-2]": lambda a: a.flip(0)[::2],  # PyTorch has no negative steps
    "a[[2, 0]]": lambda a: a[[2, 0]],
    "a[[0, 2, 0, 0, -1]]": lambda a: a[[0, 2, 0, 0, -1]],
}
for _axis in (None, 0, 1, 2, -1, -2):
    for _keepdims in (False, True):
        _kw = f"axis={_axis}, keepdims={_keepdims}"
        TENSOR_OPS[f"a.sum({_kw})"] = lambda a, d=_axis, k=_keepdims: a.sum(_dims(a, d), k)
        TENSOR_OPS[f"a.mean({_kw})"] = lambda a, d=_axis, k=_keepdims: a.mean(_dims(a, d), k)
        TENSOR_OPS[f"a.max({_kw})"] = lambda a, d=_axis, k=_keepdims: torch.amax(a, _dims(a, d), k)
for _axis in (0, 1, 2, -1):
    TENSOR_OPS[f"a.softmax(axis={_axis})"] = lambda a, d=_axis: torch.softmax(a, d)
    TENSOR_OPS[f"a.log_softmax(axis={_axis})"] = lambda a, d=_axis: torch.log_softmax(a, d)
    TENSOR_OPS[f"concatenate([a, b], axis={_axis})"] = lambda a, b, d=_axis: torch.cat([a, b], d)
TENSOR_OPS["concatenate([a, b, c], axis=0)"] = lambda a, b, c: torch.cat([a, b, c], 0)

MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (2, 4, 2)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((1, 1), (1, 1)),
]
TIES = [[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 2.0, 1.0], [0.0, 3.0, -1.0, 3.0]]


def tensor_op_cases(rng):
    """(op, leaves, constants): the leaves get gradients; constants go in as arrays."""

    def normal(*shape):
        return rng.standard_normal(shape)

    def positive(*shape):
        return rng.uniform(0.5, 2.0, shape)

    def away_from_zero(*shape):
        return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)

    def with_zero(array):  # a kink: PyTorch's relu'(0) = 0, leaky_relu'(0) = slope
        array.flat[1] = 0.0
        return array

    cases = [
        ("a + b", [normal(3, 4), normal(4)], []),
        ("a - b", [normal(4), normal(3, 4)], []),
        ("a * b", [normal(3, 1), normal(1, 4)], []),
        ("a / b", [normal(2, 3, 4), positive(3, 1)], []),
        ("a / b", [normal(3, 1), -positive(2, 1, 4)], []),
        ("a ** b", [positive(3, 4), normal(4)], []),
        ("a ** b", [positive(2, 1), normal(2, 3)], []),
        ("a * b", [normal(), normal(3, 4)], []),
        ("a - b", [normal(2, 3), normal()], []),
        ("a + b", [normal(2, 3), normal(2, 3)], []),
    ]
    scalar_ops = ["a + 2.5", "2.5 + a", "a - 1", "1 - a", "a * -3", "3 * a", "a / 4", "a ** 2"]
    cases += [(op, [normal(3, 4)], []) for op in [*scalar_ops, "a ** 3", "2 ** a", "-a"]]
    cases += [(op, [positive(3, 4)], []) for op in ["2 / a", "a ** 0.5", "a ** -1.5", "a.log()"]]
    cases += [
        ("a + c", [normal(2, 3)], [normal(3)]),
        ("c - a", [normal(2, 3)], [normal(2, 1)]),
        ("a * c", [normal(2, 3)], [normal(2, 3)]),
        ("a @ c", [normal(2, 3)], [normal(3, 2)]),
        ("c @ a", [normal(3, 2)], [normal(4, 3)]),
    ]
    for op in ["a.relu()", "a.leaky_relu()", "a.leaky_relu(0.2)"]:
        cases.append((op, [with_zero(away_from_zero(3, 4))], []))
    for op in ["a.tanh()", "a.sigmoid()", "a.exp()"]:
        cases.append((op, [normal(3, 4) * 3], []))
    cases += [
        ("a.tanh()", [normal(2, 3, 2)], []),
        ("a.exp()", [normal()], []),
        ("a * a + a.exp() * a", [normal(3, 2)], []),
        ("linear(a, b, c).tanh().log_softmax(axis=1)", [normal(4, 3), normal(5, 3), normal(5)], []),
    ]
    ties_3d = rng.integers(-2, 3, (2, 3, 4)).astype(np.float64)  # many ties
    for name in ["sum", "mean", "max"]:
        for keepdims in (False, True):
            for axis in (None, 0, 1, -1):
                cases.append((f"a.{name}(axis={axis}, keepdims={keepdims})", [normal(3, 4)], []))
            for axis in (None, 0, 1, 2, -2):
                cases.append((f"a.{name}(axis={axis}, keepdims={keepdims})", [normal(2, 3, 4)], []))
    for axis in (None, 0, 1, -1):  # max with ties: PyTorch's amax splits the gradient
        for keepdims in (False, True):
            cases.append((f"a.max(axis={axis}, keepdims={keepdims})", [np.array(TIES)], []))
    for axis in (None, 0, 1, 2):
        cases.append((f"a.max(axis={axis}, keepdims=False)", [ties_3d.copy()], []))
    for name in ["softmax", "log_softmax"]:
        for axis in (0, 1, -1):
            cases.append((f"a.{name}(axis={axis})", [normal(3, 4) * 3], []))
        for axis in (0, 1, 2):
            cases.append((f"a.{name}(axis={axis})", [normal(2, 3, 2)], []))
        cases.append((f"a.{name}()", [normal(2, 3)], []))
        cases.append((f"a.{name}(axis=-1)", [np.array([[1000.0, 1001.0, 999.0]])], []))
    cases += [("a @ b", [normal(*a), normal(*b)], []) for a, b in MATMUL_SHAPES]
    cases += [
        ("linear(a, b, c)", [normal(5, 3), normal(4, 3), normal(4)], []),
        ("linear(a, b)", [normal(5, 3), normal(2, 3)], []),
        ("concatenate([a, b, c], axis=0)", [normal(2, 3), normal(1, 3), normal(3, 3)], []),
        ("concatenate([a, b], axis=1)", [normal(2, 3), normal(2, 1)], []),
        ("concatenate([a, b], axis=-1)", [normal(2, 3, 1), normal(2, 3, 2)], []),
        ("concatenate([a, b], axis=2)", [normal(2, 1, 2), normal(2, 1, 3)], []),
        ("concatenate([a, b], axis=0)", [normal(4), normal(2)], []),
    ]
    structure = [
        ("a.reshape(2, 6)", (3, 4)),
        ("a.reshape(-1)", (3, 4)),
        ("a.reshape((2, -1, 3))", (3, 4)),
        ("a.T", (3, 4)),
        ("a.T", (2, 3, 4)),
        ("a.transpose()", (2, 3, 4)),
        ("a.transpose(1, 0, 2)", (2, 3, 4)),
        ("a.transpose(2, 0, 1)", (2, 3, 4)),
        ("a[1]", (3, 4)),
        ("a[-1]", (3, 4)),
        ("a[1]", (2, 3, 4)),
        ("a[1:3]", (4, 3)),
        ("a[0:5:2]", (5, 2)),
        ("a[::-2]", (5, 2)),
        ("a[[2, 0]]", (3, 4)),
        ("a[[0, 2, 0, 0, -1]]", (3, 4)),
    ]
    cases += [(op, [normal(*shape)], []) for op, shape in structure]
    return cases


def tensor_ops():
    rng = np.random.default_rng(SEED + 3)
    cases = []
    for op, leaves, constants in tensor_op_cases(rng):
        inputs = [t64(leaf, requires_grad=True) for leaf in leaves]
        out = TENSOR_OPS[op](*inputs, *[t64(c) for c in constants])
        weights = weighted_backward(out, rng)
        case = {"op": op, "inputs": [as_list(x) for x in inputs]}
        if constants:
            case["constants"] = [as_list(c) for c in constants]
        case.update(
            weights=as_list(weights),
            output=as_list(out),
            grads=[as_list(x.grad) for x in inputs],
        )
        cases.append(case)
    return cases


# ---------------------------------------------------------------- networks

ACTIVATIONS = {
    "relu": ["ReLU"],
    "tanh": ["Tanh"],
    "sigmoid": ["Sigmoid"],
    "leaky_relu": ["LeakyReLU", 0.01],
    "linear": [],
}
# (engine, the scalar MLP's arguments or the Sequential's layers as torch.nn module
# specs, rows of input)
NETWORKS = [
    ("value", {"nin": 3, "nouts": [5, 1]}, 1),
    ("value", {"nin": 3, "nouts": [4, 2], "activation": "tanh"}, 5),
    ("value", {"nin": 3, "nouts": [4, 2], "activation": "sigmoid"}, 5),
    ("value", {"nin": 3, "nouts": [4, 2], "activation": "linear"}, 5),
    (
        "value",
        {"nin": 3, "nouts": [4, 4, 2], "activation": "leaky_relu", "output_activation": "sigmoid"},
        5,
    ),
    ("value", {"nin": 2, "nouts": [16, 16, 1]}, 7),
    (
        "tensor",
        [["Linear", 2, 16, True], ["ReLU"], ["Linear", 16, 16, True], ["ReLU"]]
        + [["Linear", 16, 1, True]],
        7,
    ),
    (
        "tensor",
        [["Linear", 3, 6, True], ["Tanh"], ["Linear", 6, 6, False], ["Sigmoid"]]
        + [["Linear", 6, 5, True], ["LeakyReLU", 0.2], ["Linear", 5, 2, True]],
        5,
    ),
]


def mlp_layers(nin, nouts, activation="relu", output_activation="linear"):
    """The torch.nn module specs of micrograd's MLP(nin, nouts, ...)."""
    layers, sizes = [], [nin, *nouts]
    for i in range(len(nouts)):
        layers.append(["Linear", sizes[i], sizes[i + 1], True])
        layers += [ACTIVATIONS[activation if i < len(nouts) - 1 else output_activation]]
    return [spec for spec in layers if spec]


def torch_module(spec):
    name, *args = spec
    if name == "Linear":
        return torch.nn.Linear(args[0], args[1], bias=args[2], dtype=F64)
    return getattr(torch.nn, name)(*args)


def networks():
    """Each network is a torch.nn.Sequential loaded from a state_dict in micrograd's
    names (``layers.k.weight`` (nout, nin), ``layers.k.bias`` for the k-th Linear):
    the outputs, and the gradients of the weighted outputs for the parameters (in
    micrograd's names) and for the inputs."""
    rng = np.random.default_rng(SEED + 4)
    cases = []
    for engine, spec, rows in NETWORKS:
        layers = mlp_layers(**spec) if engine == "value" else spec
        net = torch.nn.Sequential(*[torch_module(layer) for layer in layers])
        linears = [i for i, layer in enumerate(layers) if layer[0] == "Linear"]
        state, names = {}, {}
        for k, i in enumerate(linears):
            _, nin, nout, bias = layers[i]
            state[f"layers.{k}.weight"] = rng.uniform(-1, 1, (nout, nin))
            names[f"{i}.weight"] = f"layers.{k}.weight"
            if bias:
                state[f"layers.{k}.bias"] = rng.uniform(-0.5, 0.5, nout)
                names[f"{i}.bias"] = f"layers.{k}.bias"
        net.load_state_dict({theirs: t64(state[ours]) for theirs, ours in names.items()})
        x = t64(rng.uniform(-2, 2, (rows, layers[0][1])), requires_grad=True)
        out = net(x)
        weights = weighted_backward(out, rng)
        grads = {names[n]: as_list(p.grad) for n, p in net.named_parameters()}
        case = {"engine": engine}
        if engine == "value":
            case["mlp"] = spec
        case.update(
            layers=layers,
            state={name: as_list(array) for name, array in state.items()},
            inputs=as_list(x),
            weights=as_list(weights),
            outputs=as_list(out),
            grads=grads,
            input_grads=as_list(x.grad),
        )
        cases.append(case)
    return cases


# ---------------------------------------------------------------- the file


def build_references():
    """Every reference number, computed afresh with PyTorch."""
    return {
        "meta": {
            "generator": "tests/reference/make_torch_references.py",
            "torch": torch.__version__,
            "numpy": np.__version__,
            "dtype": "float64",
        },
        "value_ops": value_ops(),
        "optimizers": optimizers(),
        "losses": losses(),
        "tensor_ops": tensor_ops(),
        "networks": networks(),
    }


def _is_numbers(x):
    if isinstance(x, list):
        return all(_is_numbers(v) for v in x)
    return x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))


def dumps(x, indent=0):
    """JSON with one line per short item or array of numbers (floats at full
    precision: Python's repr round-trips)."""
    compact = json.dumps(x, separators=(", ", ": "), allow_nan=False)
    if len(compact) + indent <= 100 or _is_numbers(x) or not isinstance(x, (dict, list)):
        return compact
    pad = " " * (indent + 1)
    if isinstance(x, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in x.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return "[\n" + ",\n".join(pad + dumps(v, indent + 1) for v in x) + "\n" + " " * indent + "]"


def main():
    OUTPUT.write_text(dumps(build_references()) + "\n")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()

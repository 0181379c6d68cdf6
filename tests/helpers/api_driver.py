"""Drives the whole public Python API with hypothesis-generated arguments and checks
that every call returns or raises an ordinary exception: never pyo3's
``PanicException`` (a ``BaseException``), never another non-``Exception``, never a
dead process. tests/reliability/test_reliability_api.py runs it in a child process, so an abort
or a segfault is a failed test with the last call named, not a dead pytest.

    python tests/helpers/api_driver.py --examples 2000 --seed 1 [--log calls.log]

Each example builds fresh objects (Values, Tensors of several shapes, models,
optimizers, arrays), then makes one to six calls: a module function, a constructor,
or any public method, property or operator of one of those objects, found by
introspection (so new API is driven without being listed here). Arguments are drawn
per parameter: plausible values for its name (a shape for ``shape``, labels for
``labels``) or anything at all (wrong types, nan, inf, huge and negative sizes, empty
and ragged lists, wrong shapes, objects whose ``__float__`` or ``__len__`` misbehave,
arrays of 32 to 64 dimensions, read-only or unaligned buffers behind a subclass's
lying ``.flags``, 0-d arrays, datetimes, iterators without ``len()``, and operands
whose ``__float__`` / ``__array__`` raise a BaseException that must come out unchanged).
Whatever a call returns is then printed with ``repr`` and, when it is a Value or a
Tensor, differentiated, so that results are used too.

The process caps its address space (``RLIMIT_AS``) at 4 GiB, so that a huge request
fails at once instead of swapping the machine. A few argument classes that reach known
bugs are not generated (``KNOWN_BUGS``); each has an xfail regression test in
tests/reliability/test_reliability_regressions.py. Once fixed, delete the entry here.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import math
import operator
import os
import resource
import sys
import traceback
import types
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import micrograd
from micrograd import MLP, Tensor, Value, _core, datasets, metrics, optim, plot, viz
from micrograd import losses as L
from micrograd import nn as mnn

# Argument classes that reach known bugs, left out until the bugs are fixed.
KNOWN_BUGS: set[str] = set()  # none open; add a name here to stop generating a class

HUGE = 2**20  # an int at least this large counts as huge
SAFE_INTS = [
    0,
    1,
    2,
    3,
    5,
    -1,
    -2,
    2**31,
    2**40,
    2**62,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
]
SPECIAL_FLOATS = [0.0, -0.0, 0.5, 1.0, -3.0, math.nan, math.inf, -math.inf, 1e308, 5e-324]
MEMORY_CAP = 4 * 2**30


# ---------------------------------------------------------------- odd objects


class BadFloat:
    """A number-like whose conversion raises."""

    def __float__(self) -> float:
        raise RuntimeError("no float for you")

    def __index__(self) -> int:
        raise RuntimeError("no index for you")

    def __repr__(self) -> str:
        return "BadFloat()"


class LyingLen:
    """A sequence that claims more (or fewer) items than it yields."""

    def __init__(self, claimed: int, items: list) -> None:
        self.claimed, self.items = claimed, items

    def __len__(self) -> int:
        return self.claimed

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, i: int):
        return self.items[i]

    def __repr__(self) -> str:
        return f"LyingLen(claimed={self.claimed}, items={self.items!r})"


class RaisingIter:
    def __iter__(self):
        yield 1.0
        raise ValueError("the iterator broke")

    def __repr__(self) -> str:
        return "RaisingIter()"


class LyingFlags(np.ndarray):
    """An ndarray subclass whose ``.flags`` claim any buffer is aligned and writeable
    (``Tensor.from_numpy`` must read the array struct's own flags)."""

    @property
    def flags(self):  # type: ignore[override]
        return types.SimpleNamespace(aligned=True, writeable=True, c_contiguous=True)


def lying_arrays() -> st.SearchStrategy:
    """Read-only (over ``bytes``) and unaligned float64 buffers behind lying flags."""
    return st.sampled_from(["read-only", "unaligned"]).map(
        lambda kind: (
            np.frombuffer(b"\x00" * 32, dtype=np.float64)
            if kind == "read-only"
            else np.frombuffer(bytearray(33), dtype=np.float64, offset=1)
        ).view(LyingFlags)
    )


def deep_arrays() -> st.SearchStrategy:
    """Arrays at and past numpy 1.x's 32 dimensions (numpy 2 allows 64)."""
    ndims = [32, 33, 40] + ([64] if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else [])
    return st.sampled_from(ndims).map(lambda ndim: np.zeros((1,) * ndim))


class Propagates(BaseException):
    """Raised inside ``__float__`` / ``__array__``: must come out unchanged (as a
    KeyboardInterrupt would), never as a TypeError; the driver counts it as fine."""


class InterruptingNumber:
    def __float__(self) -> float:
        raise Propagates("from __float__")

    def __index__(self) -> int:
        raise Propagates("from __index__")

    def __array__(self, dtype=None, copy=None):
        raise Propagates("from __array__")

    def __repr__(self) -> str:
        return "InterruptingNumber()"


def long_iterator() -> object:
    """An iterator with no ``len()`` and 10^5 items: read one by one."""
    return (float(i) for i in range(100_000))


class NumpyLike:
    """An object numpy converts through ``__array__``."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __repr__(self) -> str:
        return f"NumpyLike({self.array!r})"


# ---------------------------------------------------------------- objects to call


class ExtendedMLP(MLP):
    """Karpathy-style: a subclass whose parameters() adds a Value of its own."""

    def __init__(self) -> None:
        super().__init__(2, [2, 1], seed=0)
        self.extra = Value(0.5, label="extra")

    def parameters(self) -> list[Value]:
        return [*super().parameters(), self.extra]


def make_pool() -> dict[str, object]:
    """Fresh objects of every public type, in a few states each."""
    a, b = Value(2.0, label="a"), Value(-3.0)
    graph = (a * b + b**2).tanh()
    graph.backward()
    mlp = MLP(2, [3, 1], seed=0)
    t_rg = Tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]], requires_grad=True)
    t_out = (t_rg * 2.0).relu()
    t_out.sum().backward()
    seq = mnn.Sequential(mnn.Linear(2, 3, seed=0), mnn.ReLU(), mnn.Linear(3, 1, seed=1))
    return {
        "value": a,
        "value_graph": graph,
        "value_nan": Value(math.nan),
        "tensor_0d": Tensor(3.0),
        "tensor_vec": Tensor([1.0, 2.0, 3.0], requires_grad=True),
        "tensor_mat": t_rg,
        "tensor_result": t_out,
        "tensor_empty": Tensor.zeros(0, 3),
        "tensor_col": Tensor([[1.0], [-1.0], [0.0]]),
        "neuron": mnn.Neuron(2),
        "layer": mnn.Layer(2, 3),
        "mlp": mlp,
        "extended_mlp": ExtendedMLP(),
        "core_mlp": mlp._core,
        "core_neuron": _core.Neuron([1.0, 2.0]),
        "linear": mnn.Linear(2, 3, seed=2),
        "sequential": seq,
        "relu": mnn.ReLU(),
        "leaky": mnn.LeakyReLU(),
        "sgd": optim.SGD(mlp.parameters(), lr=0.1, momentum=0.9),
        "adam": optim.Adam(seq.parameters()),
        "rmsprop": optim.RMSprop([a, b], centered=True),
        "adagrad": optim.Adagrad([t_rg]),
        "dataset": datasets.make_moons(6, seed=0),
        # not objects to call members of, only arguments:
        "mlp parameters": mlp.parameters(),
        "sequential parameters": seq.parameters(),
        "mlp predict": mlp.predict,
    }


POOL_KINDS = sorted(kind for kind in make_pool() if " " not in kind)
SKIPPED_MEMBERS = {
    "show",  # displays through IPython / graphviz
    "render",  # writes files
    "save",
    "print_tree",  # only prints tree(), which is driven
}
OPERATORS: dict[str, Callable] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "[]": operator.getitem,
    "pow3": lambda x, y: pow(x, y, 3),
}
UNARY: dict[str, Callable] = {
    "-x": operator.neg,
    "abs": abs,
    "bool": bool,
    "len": len,
    "hash": hash,
    "float": float,
    "iter": lambda x: list(iter(x))[:5],
    "np.asarray": np.asarray,
    "repr": repr,
    "str": str,
}


def members(obj: object) -> list[str]:
    names = []
    for name in dir(obj):
        if name.startswith("__") or name in SKIPPED_MEMBERS:
            continue
        names.append(name)
    return names


POOL_MEMBERS = {kind: members(obj) for kind, obj in make_pool().items() if kind in POOL_KINDS}

MODULE_FUNCTIONS: dict[str, Callable] = {
    "Value": Value,
    "Tensor": Tensor,
    "Tensor.zeros": Tensor.zeros,
    "Tensor.ones": Tensor.ones,
    "Tensor.randn": Tensor.randn,
    "Tensor.rand": Tensor.rand,
    "Tensor.uniform": Tensor.uniform,
    "Tensor.arange": Tensor.arange,
    "Tensor.from_numpy": Tensor.from_numpy,
    "concatenate": micrograd.concatenate,
    "compile": micrograd.compile,
    "manual_seed": micrograd.manual_seed,
    "_core.manual_seed": _core.manual_seed,
    "_core.linear": _core.linear,
    "_core.Neuron": _core.Neuron,
    "_core.Layer": _core.Layer,
    "_core.MLP": _core.MLP,
    "_core.Optimizer.sgd": _core.Optimizer.sgd,
    "_core.Optimizer.adam": _core.Optimizer.adam,
    "_core.Optimizer.rmsprop": _core.Optimizer.rmsprop,
    "_core.Optimizer.adagrad": _core.Optimizer.adagrad,
    "_core.binary_accuracy": _core.binary_accuracy,
    "_core.argmax_accuracy": _core.argmax_accuracy,
    "_core.zero_grad": _core.zero_grad,
    "nn.Neuron": mnn.Neuron,
    "nn.Layer": mnn.Layer,
    "nn.MLP": mnn.MLP,
    "nn.Linear": mnn.Linear,
    "nn.Sequential": mnn.Sequential,
    "nn.LeakyReLU": mnn.LeakyReLU,
    "nn.ReLU": mnn.ReLU,
    "nn.Tanh": mnn.Tanh,
    "nn.Sigmoid": mnn.Sigmoid,
    "nn.Module": mnn.Module,
    "optim.SGD": optim.SGD,
    "optim.Adam": optim.Adam,
    "optim.AdamW": optim.AdamW,
    "optim.RMSprop": optim.RMSprop,
    "optim.Adagrad": optim.Adagrad,
    "optim.Optimizer": optim.Optimizer,
    "losses.mse_loss": L.mse_loss,
    "losses.hinge_loss": L.hinge_loss,
    "losses.binary_cross_entropy_with_logits": L.binary_cross_entropy_with_logits,
    "losses.cross_entropy": L.cross_entropy,
    "losses.l1_penalty": L.l1_penalty,
    "losses.l2_penalty": L.l2_penalty,
    "metrics.accuracy": metrics.accuracy,
    "datasets.make_moons": datasets.make_moons,
    "datasets.make_circles": datasets.make_circles,
    "datasets.make_blobs": datasets.make_blobs,
    "datasets.train_test_split": datasets.train_test_split,
    "datasets.standardize": datasets.standardize,
    "datasets.load_iris": datasets.load_iris,
    "datasets.load_moons": datasets.load_moons,
    "datasets.load_housing": datasets.load_housing,
    "datasets.Dataset": datasets.Dataset,
    "viz.tree": viz.tree,
    "viz.to_dot": viz.to_dot,
    "viz.inputs": viz.inputs,
    "viz.print_tree": viz.print_tree,
    "viz.draw_dot": viz.draw_dot,
    "plot.decision_boundary": plot.decision_boundary,
    "plot.loss_curve": plot.loss_curve,
}
# Pure-Python loops sized by an argument: a huge int there is a (reported) slow path,
# not a crash, and would only burn the time budget.
NO_HUGE_INTS = {
    "nn.Neuron",
    "nn.Layer",
    "nn.MLP",
    "plot.decision_boundary",
    "plot.loss_curve",
    "viz.inputs",
    "viz.draw_dot",
    "datasets.make_moons",
    "datasets.make_circles",
    "datasets.make_blobs",
}


# ---------------------------------------------------------------- argument strategies


def small_arrays() -> st.SearchStrategy:
    """numpy arrays of up to three dimensions of 0 to 3, in numeric and odd dtypes."""
    fills = {
        "f": [0.0, 1.0, -2.5, math.nan, math.inf],
        "c": [1 + 2j, 0j],
        "i": [0, 1, -1, 7],
        "b": [True, False],
        "O": [1.0, None, "x"],
        "U": ["1", "a"],
    }
    dtypes = st.sampled_from(
        [np.float64, np.float32, np.int64, np.bool_, np.complex128, object, "<U2"]
    )
    shapes = st.lists(st.sampled_from([0, 1, 2, 3]), max_size=3).map(tuple)

    def build(dtype, shape, pick):
        options = fills[np.dtype(dtype).kind]
        array = np.empty(shape, dtype=dtype)
        array[...] = options[pick % len(options)]
        return array

    return st.builds(build, dtypes, shapes, st.integers(0, 4))


def leaves() -> st.SearchStrategy:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(SAFE_INTS),
        st.integers(-4, 4),
        st.sampled_from(SPECIAL_FLOATS),
        st.floats(-10, 10),
        st.sampled_from(
            ["", "relu", "tanh", "linear", "x", "layers.0.weight", "dots", "LR", "sum"]
        ),
        # labels that would forge tree lines or break DOT if printed raw
        st.sampled_from(["a\n└── forged", "nul\x00", "sep\u2028x", 'q"{|}\\']),
        st.text(max_size=4),
        st.just(b"\x00bytes"),
        st.sampled_from([np.float64(1.5), np.int64(2), np.float32(-1), np.bool_(True)]),
        st.builds(BadFloat),
        st.builds(InterruptingNumber),
        st.builds(long_iterator),
        deep_arrays(),
        lying_arrays(),
        st.sampled_from([np.array(1.0), np.array(True), np.array(np.datetime64("2020-01-01"))]),
        st.sampled_from([np.datetime64("2020-01-01"), np.timedelta64(1, "D"), np.complex128(1)]),
        st.just(10**400),
        st.just(1 + 2j),
        st.sampled_from(
            [range(0), range(3), range(2**40), slice(None, None, -1), slice(1, 2), Ellipsis]
        ),
        st.just(object()),
    )


class Ref:
    """Stands for the pool object of one kind until the call is made, so strategies
    need no pool: they are built once, and hypothesis prints ``Ref('mlp')``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"Ref({self.kind!r})"


def resolve(obj: object, pool: dict[str, object], depth: int = 0) -> object:
    """``obj`` with every Ref replaced by its pool object (containers rebuilt)."""
    if isinstance(obj, Ref):
        return pool[obj.kind]
    if depth > 8:
        return obj
    if isinstance(obj, list):
        return [resolve(x, pool, depth + 1) for x in obj]
    if isinstance(obj, tuple):
        return tuple(resolve(x, pool, depth + 1) for x in obj)
    if isinstance(obj, dict):
        return {k: resolve(v, pool, depth + 1) for k, v in obj.items()}
    if isinstance(obj, LyingLen):
        return LyingLen(obj.claimed, resolve(obj.items, pool, depth + 1))
    return obj


POOL_OBJECTS = st.sampled_from(POOL_KINDS).map(Ref)
ANYTHING = st.recursive(
    st.one_of(leaves(), POOL_OBJECTS, small_arrays()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.sampled_from(["layers.0.weight", "a", "nin"]), inner, max_size=2),
        st.builds(
            LyingLen, st.sampled_from([0, 1, 5, 1000, 2**40, 2**62]), st.lists(inner, max_size=3)
        ),
        st.builds(NumpyLike, small_arrays()),
        st.builds(RaisingIter),
    ),
    max_leaves=6,
)


def numbers_grid() -> st.SearchStrategy:
    """Rectangular (or nearly) lists of floats and numpy arrays: plausible data."""
    values = st.sampled_from(SPECIAL_FLOATS + [1.0, 2.0, -1.0])
    grid = st.builds(
        lambda r, c, v: [[v] * c for _ in range(r)], st.integers(0, 4), st.integers(0, 3), values
    )
    return st.one_of(
        grid,
        grid.map(np.asarray),
        st.lists(values, max_size=5),
        st.lists(values, max_size=5).map(np.asarray),
        st.lists(st.lists(values, max_size=3), max_size=3),  # ragged, often
    )


def _by_column(P):
    return P[:, 0]


INTS = st.one_of(st.integers(-3, 5), st.sampled_from(SAFE_INTS))
FLOATS = st.one_of(st.sampled_from(SPECIAL_FLOATS), st.floats(-2, 2), INTS)
# (parameter names, what to draw for them); the first entry naming a parameter wins.
PLAUSIBLE: list[tuple[set[str], st.SearchStrategy]] = [
    (
        {"shape", "axes", "nouts", "indices"},
        st.one_of(st.lists(INTS, max_size=4).map(tuple), st.just((1,) * 33)),
    ),
    (
        set(
            "axis nin nout seed n_samples n_features centers width height max_depth "
            "max_nodes precision random_state index".split()
        ),
        INTS,
    ),
    (
        set(
            "lr eps alpha momentum weight_decay lr_decay negative_slope noise low high "
            "margin factor cluster_std bias data dampening value start stop step test_size "
            "grad initial_accumulator_value std".split()
        ),
        FLOATS,
    ),
    ({"betas"}, st.tuples(st.sampled_from(SPECIAL_FLOATS), st.sampled_from(SPECIAL_FLOATS))),
    (
        {"params", "parameters"},
        st.sampled_from(
            [
                Ref("mlp parameters"),
                Ref("sequential parameters"),
                [Ref("value")],
                [],
                [1.0],
                # a bare parameter (must be refused) and duplicates (kept once)
                Ref("value"),
                Ref("tensor_vec"),
                [Ref("value"), Ref("value")],
                [Ref("tensor_mat"), Ref("tensor_mat"), Ref("value")],
            ]
        ),
    ),
    (
        set("activation output_activation style rankdir label prefix target title format".split()),
        st.sampled_from(
            "relu tanh sigmoid leaky_relu linear dots blocks shade LR TB x y".split()
            + ["", 0, None]
        ),
    ),
    ({"predict"}, st.sampled_from([Ref("mlp predict"), _by_column, len, None])),
    ({"root"}, st.sampled_from([Ref("value_graph"), Ref("tensor_result")])),
    (
        set(
            "requires_grad keepdims nesterov amsgrad centered header nonlin shuffle "
            "decoupled_weight_decay".split()
        ),
        st.one_of(st.booleans(), leaves()),
    ),
    ({"file"}, st.sampled_from([None, io.StringIO()])),
]
DATA_LIKE = st.one_of(numbers_grid(), ANYTHING)


def plausible(name: str) -> st.SearchStrategy:
    """What a parameter of this name would sensibly get (or nearly): data-like values
    (arrays, lists, Values) for any name not in the table."""
    for names, strategy in PLAUSIBLE:
        if name in names:
            return strategy
    return DATA_LIKE


def has_huge_int(obj: object, depth: int = 0) -> bool:
    if isinstance(obj, bool):
        return False
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.timedelta64):
        return abs(int(obj)) >= HUGE
    if isinstance(obj, (list, tuple)) and depth < 3:
        return any(has_huge_int(item, depth + 1) for item in obj)
    if isinstance(obj, dict) and depth < 3:
        return any(has_huge_int(item, depth + 1) for item in obj.values())
    return False


def has_zero(obj: object, depth: int = 0) -> bool:
    if isinstance(obj, bool):
        return False
    if isinstance(obj, (int, np.integer)):
        return int(obj) == 0
    if isinstance(obj, (Tensor, np.ndarray)):
        return 0 in obj.shape or obj.size == 0
    if isinstance(obj, (list, tuple)) and depth < 3:
        return any(has_zero(item, depth + 1) for item in obj)
    return False


def huge_len(obj: object, depth: int = 0) -> bool:
    if isinstance(obj, LyingLen):
        return obj.claimed >= HUGE
    if isinstance(obj, range):
        return len(obj) >= HUGE
    if isinstance(obj, (list, tuple)) and depth < 3:
        return any(huge_len(item, depth + 1) for item in obj)
    return False


# ---------------------------------------------------------------- one call


@dataclass
class Call:
    label: str
    function: Callable
    args: tuple
    kwargs: dict

    def describe(self) -> str:
        def short(x: object) -> str:
            text = repr(x) if not isinstance(x, (Value, Tensor)) else f"<{type(x).__name__}>"
            return text if len(text) < 80 else text[:77] + "..."

        parts = [short(a) for a in self.args] + [f"{k}={short(v)}" for k, v in self.kwargs.items()]
        return f"{self.label}({', '.join(parts)})"


class Crash(AssertionError):
    """A call ended in something other than a return or an ordinary exception."""


def draw_arguments(data, function: Callable, pool: dict, label: str) -> tuple[tuple, dict]:
    try:
        signature = inspect.signature(function)
        parameters = [p for p in signature.parameters.values() if p.name != "self"]
    except (TypeError, ValueError):
        parameters = []
    args: list = []
    kwargs: dict = {}
    if not parameters or data.draw(st.integers(0, 9), label="free-form") == 0:
        args = data.draw(st.lists(ANYTHING, max_size=3), label=f"{label} args")
        return tuple(args), kwargs
    for p in parameters:
        wanted = p.default is inspect.Parameter.empty or data.draw(st.booleans())
        if not wanted and p.kind is not p.VAR_POSITIONAL:
            continue
        strategy = plausible(p.name)
        if data.draw(st.integers(0, 4), label="wild") == 0:
            strategy = ANYTHING
        if p.kind is p.VAR_POSITIONAL:
            args += data.draw(st.lists(strategy, max_size=4), label=p.name)
        elif p.kind is p.VAR_KEYWORD:
            continue
        elif p.kind is p.KEYWORD_ONLY or (args != [] and data.draw(st.booleans())):
            kwargs[p.name] = data.draw(strategy, label=p.name)
        else:
            if kwargs:  # positional after keyword is not Python
                kwargs[p.name] = data.draw(strategy, label=p.name)
            else:
                args.append(data.draw(strategy, label=p.name))
    if data.draw(st.integers(0, 19), label="extra") == 0:
        kwargs["bogus"] = 1
    return tuple(args), kwargs


def draw_call(data, pool: dict[str, object]) -> Call:
    kind = data.draw(st.sampled_from(["module", "member", "member", "operator", "unary"]))
    if kind == "module":
        label = data.draw(st.sampled_from(sorted(MODULE_FUNCTIONS)), label="function")
        function = MODULE_FUNCTIONS[label]
        args, kwargs = draw_arguments(data, function, pool, label)
        return Call(label, function, args, kwargs)
    if kind == "member":
        owner = data.draw(st.sampled_from(POOL_KINDS), label="object")
        name = data.draw(st.sampled_from(POOL_MEMBERS[owner] or ["__class__"]), label="member")
        obj = pool[owner]
        try:
            attribute = inspect.getattr_static(obj, name)
        except AttributeError:
            attribute = None
        settable = type(attribute).__name__ == "getset_descriptor" or (
            isinstance(attribute, property) and attribute.fset is not None
        )
        if settable and data.draw(st.booleans(), label="assign"):
            # Writable properties only: overwriting a Python wrapper's own fields
            # (model.layers = None) is the caller's business, not the library's.
            value = data.draw(plausible(name), label="value")
            return Call(f"{owner}.{name} =", setattr, (obj, name, value), {})
        method = getattr(obj, name, None)
        if not callable(method) or isinstance(method, (Value, Tensor, np.ndarray)):
            return Call(f"{owner}.{name}", getattr, (obj, name), {})
        args, kwargs = draw_arguments(data, method, pool, f"{owner}.{name}")
        return Call(f"{owner}.{name}", method, args, kwargs)
    if kind == "operator":
        symbol = data.draw(st.sampled_from(sorted(OPERATORS)), label="operator")
        left = data.draw(POOL_OBJECTS, label="left")
        right = data.draw(DATA_LIKE, label="right")
        if data.draw(st.booleans(), label="swap"):
            left, right = right, left
        return Call(symbol, OPERATORS[symbol], (left, right), {})
    symbol = data.draw(st.sampled_from(sorted(UNARY)), label="unary")
    target = data.draw(POOL_OBJECTS, label="operand")
    return Call(symbol, UNARY[symbol], (target,), {})


def excluded(call: Call) -> bool:
    everything = (*call.args, *call.kwargs.values())
    receiver = getattr(call.function, "__self__", None)
    if "huge-len" in KNOWN_BUGS and huge_len(everything):
        return True
    if "empty-huge-dims" in KNOWN_BUGS and has_huge_int(everything):
        receiver_empty = isinstance(receiver, Tensor) and 0 in receiver.shape
        if receiver_empty or has_zero(everything):
            return True
    if call.label.split("(")[0] in NO_HUGE_INTS and has_huge_int(everything):
        return True
    return False


OUTCOMES: Counter = Counter()  # "returned" or the exception type: the driver's reach


def check_outcome(call: Call, log) -> object:
    log.write(call.describe() + "\n")
    log.flush()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            result = call.function(*call.args, **call.kwargs)
    except Exception as error:
        OUTCOMES[type(error).__name__] += 1
        return None
    except Propagates:
        OUTCOMES["Propagates"] += 1  # an operand's own BaseException, unchanged
        return None
    except BaseException as error:  # noqa: BLE001 - PanicException and friends
        raise Crash(
            f"{call.describe()} raised {type(error).__module__}.{type(error).__qualname__} "
            f"(not an Exception): {error}\n{traceback.format_exc()}"
        ) from None
    OUTCOMES["returned"] += 1
    broken = broken_contract(call)
    if broken:
        raise Crash(f"{call.describe()} returned, but {broken}")
    return result


OPTIMIZER_LABELS = {"optim.SGD", "optim.Adam", "optim.AdamW", "optim.RMSprop", "optim.Adagrad"}
SHAPED_LOSSES = {
    "losses.mse_loss",
    "losses.hinge_loss",
    "losses.binary_cross_entropy_with_logits",
}


def broken_contract(call: Call) -> str | None:
    """Calls that must raise when they return: silently wrong answers, not crashes."""
    everything = [*call.args, *call.kwargs.values()]
    params = call.kwargs.get("params", call.args[0] if call.args else None)
    if call.label in OPTIMIZER_LABELS and isinstance(params, (Value, Tensor)):
        return "a bare Value or Tensor is not a list of parameters"
    if call.label in OPTIMIZER_LABELS:
        floats = [a for a in everything if isinstance(a, float)]
        if any(not math.isfinite(a) for a in floats):
            return "every float hyper-parameter must be finite"
    if call.label in SHAPED_LOSSES and len(call.args) == 2 and isinstance(call.args[0], Tensor):
        shape = call.args[0].shape
        try:
            target = np.shape(call.args[1])
        except Exception:  # noqa: BLE001 - ragged or odd: numpy's own refusal
            return None
        column = len(shape) == 2 and shape[1] == 1 and target == shape[:1]
        if target != shape and not column:
            return f"predictions of shape {shape} and targets of shape {target} do not fit"
    return None


def use_result(result: object, log) -> None:
    """A returned object must be usable: repr, and backward through it."""
    if isinstance(result, Tensor) and any(d >= HUGE for d in result.shape):
        return  # a shape the known-bug filter keeps away from numpy()
    uses: list[tuple[str, Callable]] = [("repr(result)", lambda: repr(result))]
    if isinstance(result, Value):
        uses.append(("result.backward()", result.backward))
    if isinstance(result, Tensor):
        uses.append(("result.sum().backward()", lambda: result.sum().backward()))
        uses.append(("result.numpy()", result.numpy))
    for label, use in uses:
        check_outcome(Call(label, use, (), {}), log)


# ---------------------------------------------------------------- the driver


def run(examples: int, seed_value: int, log_path: str) -> None:
    log = open(log_path, "w", buffering=1)  # noqa: SIM115 - kept open for the run

    @seed(seed_value)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
        report_multiple_bugs=False,
    )
    @given(st.data())
    def drive(data) -> None:
        pool = make_pool()
        for _ in range(data.draw(st.integers(1, 6), label="calls")):
            call = draw_call(data, pool)
            call.args, call.kwargs = resolve(call.args, pool), resolve(call.kwargs, pool)
            if excluded(call):
                continue
            result = check_outcome(call, log)
            if result is not None:
                use_result(result, log)

    drive()
    log.write("DONE\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log", default=os.devnull, help="each call is written here first")
    parser.add_argument(
        "--include-known-bugs", action="store_true", help="generate KNOWN_BUGS' inputs too"
    )
    args = parser.parse_args(argv)
    if args.include_known_bugs:
        KNOWN_BUGS.clear()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    try:
        run(args.examples, args.seed, args.log)
    except Crash as crash:
        print(f"CRASH {crash}", file=sys.stderr)
        return 1
    calls = sum(OUTCOMES.values())
    summary = ", ".join(f"{name} {count}" for name, count in OUTCOMES.most_common())
    print(f"ok: {args.examples} examples, seed {args.seed}, {calls} calls: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

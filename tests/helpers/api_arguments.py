"""What tests/helpers/api_driver.py passes: odd objects (a ``__float__`` or ``__len__``
that misbehaves, lying ``.flags``, arrays of 32 to 64 dimensions, operands raising a
BaseException) and the hypothesis strategies drawing plausible or arbitrary arguments
per parameter name."""

from __future__ import annotations

import io
import math
import types

import numpy as np
from hypothesis import strategies as st

from api_pool import POOL_KINDS
from micrograd import Tensor

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

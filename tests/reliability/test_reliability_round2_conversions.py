"""Issue 12 ("Reliability, round 2"): the defects at the Python <-> numpy / Rust
conversion boundary, one regression test (or a few) per item. Every bad input must
be an ordinary exception naming what was expected; pyo3's PanicException (a
BaseException) must never reach Python.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import mmap
import signal
import threading
import types
import weakref
from fractions import Fraction

import numpy as np
import pytest

from micrograd import MLP, Tensor, Value, _core, nn, optim
from micrograd import losses as L

MAX_NDIM = 32
TOO_MANY = (1,) * (MAX_NDIM + 1)

# ---------------------------------------------------------------- 1. > 32 dimensions


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tensor(np.zeros(TOO_MANY)),
        lambda: Tensor(np.zeros((1,) * 40)),
        lambda: Tensor([1.0]) + np.zeros((1,) * 40),
        lambda: np.zeros((1,) * 40) * Tensor([1.0]),
        lambda: Tensor.from_numpy(np.zeros((1,) * 40)),
        lambda: Tensor.from_numpy(np.zeros(TOO_MANY)),
        lambda: Tensor([1.0]).reshape(*TOO_MANY),
        lambda: Tensor([1.0]).reshape(TOO_MANY),
        lambda: Tensor.zeros(*TOO_MANY),
        lambda: Tensor.ones(TOO_MANY),
        lambda: Tensor.randn(*TOO_MANY),
        lambda: Tensor.zeros((1,) * MAX_NDIM)[True],
        lambda: Tensor.zeros(1, 1)[np.zeros((1,) * MAX_NDIM, dtype=np.int64)],
        lambda: Tensor.zeros(1)[np.zeros((1,) * 40, dtype=np.int64)],
        lambda: Tensor([1.0]).copy_(np.zeros((1,) * 40)),
        lambda: L.mse_loss(Tensor([1.0]), np.zeros((1,) * 40)),
        lambda: Tensor([1.0]).backward(np.zeros((1,) * 40)),
    ],
)
def test_more_than_32_dimensions_is_a_value_error(make):
    with pytest.raises(ValueError, match="at most 32"):
        make()


def test_broadcasting_cannot_make_a_33_dimensional_tensor():
    a = Tensor.zeros((1,) * MAX_NDIM)
    b = Tensor.zeros((1,) * MAX_NDIM)
    assert (a + b).ndim == MAX_NDIM  # 32 is fine, and converts back
    assert (a + b).numpy().shape == (1,) * MAX_NDIM
    with pytest.raises(ValueError, match="at most 32"):
        a + Tensor.zeros(1).reshape(*(1,) * MAX_NDIM)[True]
    with pytest.raises(ValueError, match="at most 32"):
        a + np.zeros((1,) * (MAX_NDIM + 1))


def test_the_grad_setter_refuses_too_many_dimensions():
    t = Tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="grad has 40 dimensions"):
        t.grad = np.zeros((1,) * 40)


def test_a_32_dimensional_tensor_converts_every_way():
    t = Tensor([2.0], requires_grad=True).reshape(*(1,) * MAX_NDIM)
    assert t.numpy().shape == (1,) * MAX_NDIM
    assert "2." in repr(t)
    assert np.asarray(t.tolist()).shape == (1,) * MAX_NDIM
    t.sum().backward()
    shared = Tensor.from_numpy(np.ones((1,) * MAX_NDIM))
    assert shared.numpy().shape == (1,) * MAX_NDIM


# ---------------------------------------------------------------- 2. flags from the struct


class LyingFlags(np.ndarray):
    """Claims every buffer is aligned, writeable and contiguous."""

    @property
    def flags(self):  # type: ignore[override]
        return types.SimpleNamespace(aligned=True, writeable=True, c_contiguous=True)


def test_from_numpy_reads_the_flags_of_the_array_not_of_the_subclass():
    immutable = np.frombuffer(b"\x00" * 32, dtype=np.float64).view(LyingFlags)
    assert immutable.flags.writeable  # the lie
    with pytest.raises(ValueError, match="read-only"):
        Tensor.from_numpy(immutable)
    unaligned = np.frombuffer(bytearray(33), dtype=np.float64, offset=1).view(LyingFlags)
    with pytest.raises(ValueError, match="not aligned"):
        Tensor.from_numpy(unaligned)


def test_a_read_only_mmap_through_a_lying_subclass_is_refused(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(np.arange(4.0).tobytes())
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mem:
        array = np.frombuffer(mem, dtype=np.float64).view(LyingFlags)
        with pytest.raises(ValueError, match="read-only"):
            Tensor.from_numpy(array, requires_grad=True)
        del array
    assert path.read_bytes() == np.arange(4.0).tobytes()


# ---------------------------------------------------------------- 3. endless iterables


def test_inputs_stop_one_past_the_expected_length():
    with pytest.raises(ValueError, match="x must have 2 items, got more"):
        nn.Neuron(2)(itertools.repeat(1.0))
    with pytest.raises(ValueError, match="x must have 2 items, got 10000000"):
        nn.Neuron(2)(range(10**7))
    with pytest.raises(ValueError, match="x must have 2 items"):
        nn.Layer(2, 3)(itertools.count())
    with pytest.raises(ValueError, match="x must have 2 items"):
        MLP(2, [3, 1], seed=0)(itertools.repeat(0.5))
    with pytest.raises(ValueError, match="x must have 2 items"):
        MLP(2, [3, 1], seed=0).predict(itertools.repeat(0.5))
    with pytest.raises(ValueError, match="at most 32"):
        Tensor.zeros(itertools.count())
    with pytest.raises(ValueError, match="at most 32"):
        Tensor([1.0]).reshape(itertools.repeat(1))


@contextlib.contextmanager
def ctrl_c_after(seconds: float):
    """A real signal, as Ctrl-C is: its C handler needs no GIL, so it lands while
    Rust code holds the GIL (a Python thread calling interrupt_main would wait)."""
    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "read_forever",
    [
        lambda: optim.SGD(itertools.repeat(Value(1.0)), lr=0.1),
        lambda: L.l1_penalty(itertools.repeat(Value(1.0))),
        lambda: L.l2_penalty(itertools.repeat(Value(1.0))),
        lambda: L.mse_loss(itertools.repeat(Value(1.0)), [1.0]),
        lambda: _core.binary_accuracy(itertools.repeat(1.0), [1.0]),
    ],
)
def test_ctrl_c_interrupts_reading_an_endless_iterable(read_forever):
    with ctrl_c_after(0.2), pytest.raises(KeyboardInterrupt):
        read_forever()


# ---------------------------------------------------------------- 5. gc sees from_numpy


class Sub(np.ndarray):
    pass


def test_a_cycle_through_from_numpy_is_collected():
    gc.collect()
    before = _core._allocated_bytes()
    refs = []
    for _ in range(20):
        a = np.ones(125_000).view(Sub)
        a.t = Tensor.from_numpy(a)
        refs.append(weakref.ref(a))
        del a
    gc.collect()
    assert all(ref() is None for ref in refs)
    assert _core._allocated_bytes() - before < 2_000_000  # not 20 MB kept


def test_clearing_a_shared_node_leaves_it_intact():
    # A node also held by a graph is not the collector's to break: the values stay shared.
    a = np.ones(3).view(Sub)
    a.t = Tensor.from_numpy(a, requires_grad=True)
    out = a.t * 2.0
    view = weakref.ref(a)
    del a
    gc.collect()
    leaf = out.operands[0]
    assert view() is not None
    view().__setitem__(0, 5.0)
    assert leaf.numpy().tolist() == [5.0, 1.0, 1.0]


# ---------------------------------------------------------------- 9. iteration


def test_a_0d_tensor_is_not_iterable():
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(Tensor(3.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        sum(Tensor(3.0))
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(3.0))


def test_iteration_yields_the_rows():
    rows = list(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    assert sum(Tensor([1.0, 2.0])).item() == 3.0
    assert list(Tensor.zeros(0, 2)) == []


# ---------------------------------------------------------------- 12. comparisons


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        ("__eq__", [0.0, 1.0, 0.0]),
        ("__ne__", [1.0, 0.0, 1.0]),
        ("__lt__", [1.0, 0.0, 0.0]),
        ("__le__", [1.0, 1.0, 0.0]),
        ("__gt__", [0.0, 0.0, 1.0]),
        ("__ge__", [0.0, 1.0, 1.0]),
    ],
)
def test_every_comparison_is_elementwise(op, expected):
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for other in (2.0, 2, np.float32(2.0), Tensor(2.0), np.array([2.0]), [2.0, 2.0, 2.0]):
        result = getattr(t, op)(other)
        assert isinstance(result, Tensor)
        assert result.tolist() == expected
        assert not result.requires_grad
    mirrored = {"__lt__": "__gt__", "__le__": "__ge__", "__gt__": "__lt__", "__ge__": "__le__"}
    assert getattr(Tensor(2.0), mirrored.get(op, op))(t).tolist() == expected


def test_comparisons_follow_numpy_for_nan_and_broadcasting():
    nan = Tensor([np.nan])
    assert (nan == nan).tolist() == [0.0] and (nan != nan).tolist() == [1.0]
    grid = Tensor([[1.0], [2.0]]) < Tensor([1.5, 2.5])
    assert grid.tolist() == (np.array([[1.0], [2.0]]) < np.array([1.5, 2.5])).tolist()
    with pytest.raises(ValueError, match="do not fit"):
        _ = Tensor([1.0, 2.0]) == Tensor([1.0, 2.0, 3.0])


def test_membership_and_hashing():
    assert 1.0 in Tensor([1.0])
    assert 5.0 not in Tensor([1.0, 2.0])
    t = Tensor([1.0, 2.0])
    assert {t: 1}[t] == 1  # hashed by identity; the lookup's == short-circuits on `is`
    assert t in [t] and hash(t) == hash(t) and hash(t) != hash(Tensor([1.0, 2.0]))
    assert (Tensor([1.0]) == "a") is False and (Tensor([1.0]) != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        _ = Tensor([1.0]) < "a"  # type: ignore[operator]


# ---------------------------------------------------------------- 13. bools as indices


@pytest.mark.parametrize("key", [True, False, np.True_, np.False_, np.array(True)])
@pytest.mark.parametrize("data", [[[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0], 3.0])
def test_a_bool_index_adds_an_axis_as_numpy_does(key, data):
    t = Tensor(data, requires_grad=True)
    result = t[key]
    assert result.shape == np.asarray(data)[key].shape
    assert result.tolist() == np.asarray(data)[key].tolist()
    result.sum().backward()
    assert t.grad.shape == t.shape


def test_bools_in_an_index_list_are_a_mask_as_in_numpy():
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    for key in ([True, False], [np.True_, np.False_], np.array([False, True])):
        assert Tensor(data)[key].tolist() == data[key].tolist()


# ---------------------------------------------------------------- 14 / 19b. one number rule


@pytest.mark.parametrize(
    "bad",
    [
        "1",
        b"1",
        1j,
        np.complex128(1),
        np.datetime64("2020-01-01"),
        np.timedelta64(1, "D"),
        np.array("1"),
        np.array(np.datetime64("2020-01-01")),
    ],
)
def test_the_scalar_engine_refuses_what_tensor_refuses(bad):
    with pytest.raises(TypeError):
        Tensor(bad)
    with pytest.raises(TypeError):
        Value(1.0) + bad
    with pytest.raises(TypeError, match=r"x\[0\]"):
        nn.Neuron(2)([bad, 1.0])
    with pytest.raises(TypeError, match=r"targets\[0\]"):
        L.mse_loss([Value(1.0)], [bad])


def test_model_inputs_are_not_parsed_or_converted():
    m = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        m.predict(["1", "2"])
    dates = np.array([["2020-01-01", "2020-01-02"]], dtype="datetime64[D]")
    with pytest.raises(TypeError, match="x must hold real numbers"):
        m.predict(dates)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        m(dates)
    with pytest.raises(TypeError, match=r"x\[0\]"):
        m(dates[0])
    with pytest.raises(TypeError, match=r"x\[0\]"):
        m([["1", "2"]])


def test_real_numbers_of_every_kind_are_accepted_by_both_engines():
    for number in (
        2,
        2.0,
        True,
        np.int8(2),
        np.uint64(2),
        np.float32(2.0),
        np.bool_(True),
        np.array(2.0),
        np.array(2, dtype=np.int16),
        Fraction(1, 2),
    ):
        assert (Value(1.0) + number).data == 1.0 + float(number)
        assert Tensor(number).item() == float(number)
        assert (Tensor(1.0) + number).item() == 1.0 + float(number)


def test_0d_arrays_are_numbers_for_a_model():
    m = MLP(2, [3, 1], seed=0)
    expected = m([1.0, 2.0]).data
    assert m([np.array(1.0), np.array(2.0)]).data == expected
    assert m.predict([np.array(1.0), np.array(2.0)]) == pytest.approx(expected)


# ---------------------------------------------------------------- 17. matmul too large


def test_a_product_too_large_for_memory_is_a_memory_error():
    with pytest.raises(MemoryError):
        Tensor.zeros(1_000_000, 1) @ Tensor.zeros(1, 1_000_000)  # 8 TB
    with pytest.raises(MemoryError):
        Tensor.zeros(2, 1_000_000, 1) @ Tensor.zeros(1, 1_000_000)
    with pytest.raises(ValueError, match="do not fit"):
        Tensor.zeros(3, 2) @ Tensor.zeros(3, 2)


# ---------------------------------------------------------------- 18. errors propagate


class InterruptedFloat:
    def __float__(self) -> float:
        raise KeyboardInterrupt

    def __index__(self) -> int:
        raise KeyboardInterrupt


class ArrayOutOfMemory:
    def __array__(self, dtype=None, copy=None):
        raise MemoryError("no room for the array")


@pytest.mark.parametrize(
    "call",
    [
        lambda x: Value(1.0) + x,
        lambda x: x * Value(1.0),
        lambda x: Value(1.0) ** x,
        lambda x: Value(x),
        lambda x: nn.Neuron(2)([x, 1.0]),
        lambda x: MLP(2, [1], seed=0)([1.0, x]),
        lambda x: L.mse_loss([Value(1.0)], [x]),
        lambda x: L.hinge_loss([x], [1.0]),
        lambda x: Tensor([1.0]) + x,
        lambda x: Tensor(x),
    ],
)
def test_an_interrupt_inside_float_propagates(call):
    with pytest.raises(KeyboardInterrupt):
        call(InterruptedFloat())


@pytest.mark.parametrize(
    "call",
    [
        lambda x: Tensor(x),
        lambda x: Tensor([1.0]) + x,
        lambda x: Tensor([1.0]) == x,
        lambda x: Tensor([1.0]).copy_(x),
        lambda x: L.mse_loss(Tensor([1.0]), x),
    ],
)
def test_a_memory_error_inside_array_propagates(call):
    with pytest.raises(MemoryError, match="no room"):
        call(ArrayOutOfMemory())


# ---------------------------------------------------------------- 15. shared, not synchronized


def test_from_numpy_memory_is_shared_but_not_synchronized_across_threads():
    """docs/reliability.md §8: a write made before a call is seen by it; a write from
    another thread while numpy has released the GIL may land during a call (each
    element read is then an old or a new value, the sum anything between), and the
    memory stays valid throughout."""
    n = 1_000_000
    a = np.ones(n)
    t = Tensor.from_numpy(a)
    a[:] = 3.0
    assert t.sum().item() == 3.0 * n  # between calls: seen
    a[:] = 1.0
    ones, twos = np.ones(n), np.full(n, 2.0)
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            np.copyto(a, twos)  # numpy releases the GIL while it copies
            np.copyto(a, ones)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        sums = [t.sum().item() for _ in range(200)]
    finally:
        stop.set()
        thread.join()
    assert all(n <= s <= 2 * n for s in sums)


# ---------------------------------------------------------------- panics guarded


def test_unaligned_arrays_are_copied_before_rust_reads_them():
    unaligned = np.frombuffer(bytearray(8 * 4 + 1), dtype=np.float64, offset=1)
    assert not unaligned.flags.aligned
    assert Tensor(unaligned).tolist() == [0.0] * 4
    assert (Tensor([1.0] * 4) + unaligned).tolist() == [1.0] * 4
    m = MLP(2, [1], seed=0)
    rows = np.frombuffer(bytearray(8 * 4 + 1), dtype=np.float64, offset=1).reshape(2, 2)
    assert m.predict(rows).shape == (2,)


def test_a_batch_of_the_wrong_dimensionality_names_x():
    m = MLP(2, [1], seed=0)
    for bad in (np.ones(2), np.ones((1, 2, 2)), np.ones((3, 5))):
        with pytest.raises(ValueError, match="X must have 2 columns"):
            m._core.forward_batch(bad)
        with pytest.raises(ValueError, match="X must have 2 columns"):
            m._core.predict(bad)


def test_an_endless_parameter_list_is_a_memory_error_not_an_abort():
    """No length to stop at: the list grows until memory runs out, then MemoryError
    (here under a 1 GiB address-space cap, in a child process)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import itertools, resource
        from micrograd import Value, optim
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        try:
            optim.SGD(itertools.repeat(Value(1.0)), lr=0.1)
        except MemoryError as error:
            print("MemoryError", error)
        """
    )
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr
    assert "MemoryError could not allocate" in child.stdout and "items read so far" in child.stdout

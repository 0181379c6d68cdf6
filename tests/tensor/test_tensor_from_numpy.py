"""Tensor.from_numpy: a tensor over a numpy array's own memory, as torch.from_numpy.

Sharing goes both ways (numpy's writes show in the tensor, an optimizer's step shows
in the array), the array lives as long as any tensor over it and no longer, and an
array the core cannot read in place is refused with the copying alternative named.
"""

import gc
import sys
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck import assert_tensor_gradients
from micrograd import Tensor
from micrograd.losses import mse_loss
from micrograd.nn import Linear, Sequential
from micrograd.optim import SGD, Adam


def test_the_tensor_reads_the_arrays_memory_without_a_copy():
    array = np.arange(6.0).reshape(2, 3)
    t = Tensor.from_numpy(array)
    assert t.shape == (2, 3)
    assert np.shares_memory(t.numpy(), array)
    array[1, 2] = -7.0
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, -7.0]]
    assert (t * 2).tolist() == [[0.0, 2.0, 4.0], [6.0, 8.0, -14.0]]


def test_tensor_of_an_array_still_copies():
    array = np.arange(3.0)
    t = Tensor(array)
    array[0] = 99.0
    assert t.tolist() == [0.0, 1.0, 2.0]
    assert not np.shares_memory(t.numpy(), array)


def test_an_optimizer_step_writes_into_the_array():
    array = np.array([1.0, -2.0, 3.0])
    w = Tensor.from_numpy(array, requires_grad=True)
    (w * w).sum().backward()
    grad = w.grad.copy()
    SGD([w], lr=0.1).step()
    np.testing.assert_array_equal(array, np.array([1.0, -2.0, 3.0]) - 0.1 * grad)


def test_copy_and_load_state_dict_write_into_the_array():
    weight, bias = np.zeros((2, 3)), np.zeros(2)
    model = Sequential(Linear(3, 2))
    state = {name: value.copy() for name, value in model.state_dict().items()}
    layer = model[0]
    layer.weight = Tensor.from_numpy(weight, requires_grad=True)
    layer.bias = Tensor.from_numpy(bias, requires_grad=True)
    model.load_state_dict(state)
    assert weight.any() and bias.any()
    np.testing.assert_array_equal(weight, state["layers.0.weight"])
    np.testing.assert_array_equal(bias, state["layers.0.bias"])
    layer.bias.copy_([5.0, 6.0])
    assert bias.tolist() == [5.0, 6.0]


@pytest.mark.parametrize(
    "op, shapes",
    [
        (lambda x, w: (x @ w).tanh(), [(4, 3), (3, 2)]),
        (lambda x, y: x * y + x / (y * y + 1.0), [(2, 3), (3,)]),
        (lambda x: x.log_softmax(axis=1), [(3, 4)]),
        (lambda x: x[1:3].max(axis=0), [(4, 2)]),
    ],
    ids=["matmul-tanh", "broadcast-arith", "log_softmax", "rows-max"],
)
def test_gradients_through_shared_leaves_match_finite_differences(op, shapes):
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=shape) for shape in shapes]
    assert_tensor_gradients(op, *arrays, from_numpy=True)


def test_training_on_shared_data_and_weights_learns_and_updates_the_arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    weight = rng.normal(size=(1, 3))
    inputs, targets = Tensor.from_numpy(x), Tensor.from_numpy(y)
    w = Tensor.from_numpy(weight, requires_grad=True)
    opt = Adam([w], lr=0.05)
    first = None
    for _ in range(300):
        opt.zero_grad()
        loss = mse_loss(inputs @ w.T, targets)
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 1e-3 * first
    np.testing.assert_allclose(weight, [[1.0, -2.0, 0.5]], atol=0.02)


def test_the_array_lives_as_long_as_a_tensor_over_it_and_no_longer():
    array = np.ones(4)
    alive = weakref.ref(array)
    t = Tensor.from_numpy(array, requires_grad=True)
    graph = (t * 3).sum()
    view = t.numpy()
    del array, t
    gc.collect()
    assert alive() is not None
    graph.backward()  # the graph still reads the shared memory
    assert view.tolist() == [1.0, 1.0, 1.0, 1.0]
    del graph, view
    gc.collect()
    assert alive() is None


def test_making_and_dropping_shared_tensors_leaks_no_reference():
    array = np.ones((3, 3))
    before = sys.getrefcount(array)
    for _ in range(1000):
        (Tensor.from_numpy(array) @ Tensor.from_numpy(array)).sum()
    gc.collect()
    assert sys.getrefcount(array) == before


def test_numpy_cannot_resize_an_array_a_tensor_shares():
    array = np.ones(3)
    t = Tensor.from_numpy(array)
    with pytest.raises(ValueError, match="reference"):
        array.resize(100)
    assert t.tolist() == [1.0, 1.0, 1.0]


def test_empty_and_0d_arrays_keep_their_shapes():
    assert Tensor.from_numpy(np.empty((0, 3))).shape == (0, 3)
    scalar = np.array(2.5)
    t = Tensor.from_numpy(scalar, requires_grad=True)
    assert t.shape == () and t.item() == 2.5
    (t * t).backward()
    assert float(t.grad) == 5.0


def read_only(array):
    array.flags.writeable = False
    return array


@pytest.mark.parametrize(
    "data, exception, words",
    [
        ([1.0, 2.0], TypeError, "expects a numpy.ndarray, got list"),
        (np.arange(3), TypeError, "must be float64.*int64"),
        (np.ones(3, dtype=np.float32), TypeError, "must be float64.*float32"),
        (np.ones(3).astype(">f8"), TypeError, "native byte order"),
        (np.ones((3, 4))[:, ::2], ValueError, "not C-contiguous"),
        (np.asfortranarray(np.ones((3, 4))), ValueError, "not C-contiguous"),
        (np.frombuffer(b"\0" * 16, dtype=np.float64), ValueError, "read-only"),
        (read_only(np.ones(3)), ValueError, "read-only"),
        (Tensor([1.0]), TypeError, "got Tensor"),
    ],
    ids=[
        "list",
        "int",
        "float32",
        "big-endian",
        "strided",
        "fortran",
        "bytes",
        "read-only",
        "tensor",
    ],
)
def test_an_array_that_cannot_be_shared_is_refused_naming_the_copy(data, exception, words):
    with pytest.raises(exception, match=words) as caught:
        Tensor.from_numpy(data)
    assert "Tensor(" in str(caught.value)


def misaligned_float64():
    raw = np.zeros(8 * 4 + 1, dtype=np.uint8)
    return raw[1:].view(np.float64)


def test_a_misaligned_array_is_refused():
    array = misaligned_float64()
    assert not array.flags.aligned
    with pytest.raises(ValueError, match="not aligned"):
        Tensor.from_numpy(array)


arrays = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int32, np.dtype(">f8")]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements=st.integers(-10, 10),
)
layouts = st.sampled_from(["as-is", "transposed", "every-other", "fortran", "read-only"])


def lay_out(array, layout):
    if layout == "transposed":
        return array.T
    if layout == "every-other" and array.ndim:
        return array[::2]
    if layout == "fortran":
        return np.asfortranarray(array)
    if layout == "read-only":
        return read_only(array)
    return array


@settings(max_examples=80, deadline=None)
@given(arrays, layouts)
def test_from_numpy_shares_exactly_when_the_layout_allows(array, layout):
    array = lay_out(array, layout)
    shareable = (
        array.dtype == np.dtype("=f8")
        and array.flags.c_contiguous
        and array.flags.aligned
        and array.flags.writeable
    )
    try:
        t = Tensor.from_numpy(array)
    except (TypeError, ValueError):
        assert not shareable
        return
    assert shareable
    assert t.shape == array.shape
    np.testing.assert_array_equal(t.numpy(), array)
    if array.size:
        assert np.shares_memory(t.numpy(), array)

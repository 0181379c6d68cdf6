"""The Tensor API around the math: creation, numpy interop and gradient bookkeeping.
Modules and optimizers on Tensors are test_tensor_modules.py, threads
test_tensor_threads.py, and the bad-input table test_tensor_bad_input.py.
"""

import gc
import math

import numpy as np
import pytest

import micrograd
from micrograd import Tensor, concatenate
from micrograd.optim import SGD

# ---------------------------------------------------------------- creation


def test_tensor_from_nested_lists_is_float64_with_numpys_shape():
    t = Tensor([[1, 2, 3], [4, 5, 6]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.numpy().dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize(
    "array",
    [
        np.array([1.5, -2.25], dtype=np.float32),
        np.array([[1, 2], [3, 4]], dtype=np.int64),
        np.array([1, 2], dtype=np.uint8),
        np.array([True, False]),
        np.arange(6.0).reshape(2, 3).T,  # not C-contiguous
        np.arange(10.0)[::3],  # strided
    ],
    ids=["float32", "int64", "uint8", "bool", "transposed", "strided"],
)
def test_tensor_from_numpy_arrays_of_any_real_dtype_or_layout(array):
    t = Tensor(array)
    assert t.shape == array.shape
    assert t.numpy().dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), array.astype(np.float64))


def test_a_python_float_gives_a_0d_tensor():
    t = Tensor(2.5)
    assert t.shape == () and t.ndim == 0 and t.size == 1
    assert t.item() == 2.5 and t.tolist() == 2.5
    with pytest.raises(TypeError, match="0-d"):
        len(t)


@pytest.mark.parametrize(
    "scalar",
    [3, np.array(3.0), np.float64(3.0), np.float32(3.0), np.int64(3), True],
    ids=["int", "0-d array", "np.float64", "np.float32", "np.int64", "bool"],
)
def test_every_kind_of_scalar_gives_a_0d_tensor(scalar):
    assert Tensor(scalar).shape == ()


def test_tensor_from_a_tensor_copies_its_values_into_a_new_leaf():
    source = Tensor([1.0, 2.0], requires_grad=True)
    copy = Tensor(source * 2)
    assert copy.is_leaf and not copy.requires_grad
    source.copy_([5.0, 5.0])
    np.testing.assert_array_equal(copy.numpy(), [2.0, 4.0])


@pytest.mark.parametrize("make, fill", [(Tensor.zeros, 0.0), (Tensor.ones, 1.0)])
def test_zeros_and_ones_take_a_shape_several_ways(make, fill):
    for t in (make(2, 3), make((2, 3)), make([2, 3])):
        assert t.shape == (2, 3) and not t.requires_grad
        assert (t.numpy() == fill).all()
    assert make(4, requires_grad=True).requires_grad
    assert make().shape == ()
    assert make(0, 3).shape == (0, 3)


def test_randn_with_a_seed_is_reproducible_and_seeds_differ():
    a = Tensor.randn(3, 4, seed=11).numpy()
    np.testing.assert_array_equal(a, Tensor.randn(3, 4, seed=11).numpy())
    np.testing.assert_array_equal(a, Tensor.randn((3, 4), seed=11).numpy())
    assert not np.array_equal(a, Tensor.randn(3, 4, seed=12).numpy())
    assert Tensor.randn(2, seed=1, requires_grad=True).requires_grad


def test_randn_draws_standard_normal_samples():
    sample = Tensor.randn(20000, seed=3).numpy()
    assert abs(sample.mean()) < 0.05 and abs(sample.std() - 1) < 0.05


def test_rand_and_uniform_stay_in_their_interval():
    r = Tensor.rand(1000, seed=4).numpy()
    assert r.min() >= 0.0 and r.max() < 1.0 and r.std() > 0.2
    np.testing.assert_array_equal(r, Tensor.rand(1000, seed=4).numpy())
    u = Tensor.uniform((50, 20), -3.0, -2.0, seed=5).numpy()
    assert u.shape == (50, 20) and u.min() >= -3.0 and u.max() < -2.0
    assert Tensor.uniform([2], 0, 1, requires_grad=True).requires_grad


def test_manual_seed_makes_randn_and_rand_reproducible():
    micrograd.manual_seed(123)
    first, uniform = Tensor.randn(5).numpy(), Tensor.rand(3).numpy()
    following = Tensor.randn(5).numpy()
    micrograd.manual_seed(123)
    np.testing.assert_array_equal(Tensor.randn(5).numpy(), first)
    np.testing.assert_array_equal(Tensor.rand(3).numpy(), uniform)
    assert not np.array_equal(following, first)  # the stream moves on between draws
    micrograd.manual_seed(124)
    assert not np.array_equal(Tensor.randn(5).numpy(), first)


@pytest.mark.parametrize(
    "args", [(5,), (2, 7), (0, 1, 0.25), (5, 0, -1.5), (0, 1, 0.1), (3, 1), (-2.5, 2)]
)
def test_arange_matches_numpy(args):
    got = Tensor.arange(*args).numpy()
    expected = np.arange(*args, dtype=np.float64)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-15)


def test_arange_rejects_a_zero_or_infinite_step():
    with pytest.raises(ValueError, match="step"):
        Tensor.arange(0, 1, 0)
    with pytest.raises(ValueError, match="step"):
        Tensor.arange(0, math.inf)


# ---------------------------------------------------------------- numpy interop


def test_the_tensor_copies_its_input_array():
    data = np.arange(12.0).reshape(3, 4)
    t = Tensor(data)
    np.testing.assert_array_equal(t.numpy(), data)
    data[1, 1] = 99.0
    np.testing.assert_array_equal(t.numpy(), np.arange(12.0).reshape(3, 4))


def test_numpy_is_a_read_only_view_that_follows_in_place_updates():
    t = Tensor([1.0, 2.0], requires_grad=True)
    view, snapshot = t.numpy(), t.numpy().copy()
    assert not view.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        view[0] = 5.0
    t.copy_([3.0, 4.0])
    np.testing.assert_array_equal(view, [3.0, 4.0])
    np.testing.assert_array_equal(snapshot, [1.0, 2.0])
    snapshot[0] = 7.0  # a copy is an ordinary writable array


def test_a_numpy_view_keeps_its_tensor_alive():
    view = (Tensor([1.0, 2.0]) * 3).numpy()
    gc.collect()
    np.testing.assert_array_equal(view, [3.0, 6.0])


def test_np_asarray_reads_a_tensor():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    np.testing.assert_array_equal(np.asarray(t), [[1, 2], [3, 4]])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(np.array(t), t.numpy())


def test_item_and_tolist():
    assert Tensor([[2.5]]).item() == 2.5
    assert Tensor([[1, 2], [3, 4]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert Tensor(np.zeros((2, 0))).tolist() == [[], []]
    with pytest.raises(ValueError, match=r"item\(\).*\(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_repr_reads_like_numpys_array_and_flags_requires_grad():
    assert repr(Tensor(2.5)) == "Tensor(2.5)"
    assert repr(Tensor([1.0, 2.0], requires_grad=True)) == "Tensor([1. 2.], requires_grad=True)"
    text = repr(Tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert text == "Tensor([[1. 2.]\n        [3. 4.]])"  # continuation lines align


# ---------------------------------------------------------------- graph bookkeeping


def test_results_require_grad_when_any_operand_does():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0])
    assert a.requires_grad and not b.requires_grad
    assert (a * b).requires_grad and (b + a).requires_grad and (a.sum()).requires_grad
    assert not (b * 2).requires_grad and not b.exp().requires_grad
    assert concatenate([b, a]).requires_grad and not concatenate([b, b]).requires_grad
    product = a * b
    assert product._op == "mul" and not product.is_leaf and a.is_leaf
    assert [o.tolist() for o in product.operands] == [[1.0, 2.0], [3.0, 4.0]]
    assert a._op == "" and a.operands == ()


def test_requires_grad_is_settable_on_leaves_only():
    t = Tensor([1.0])
    t.requires_grad = True
    assert t.requires_grad and (t * 2).requires_grad
    with pytest.raises(ValueError, match="leaf"):
        (t * 2).requires_grad = False


def test_backward_on_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(ValueError, match="require grad"):
        (Tensor([1.0, 2.0]) * 2).sum().backward()


def test_backward_without_grad_says_only_what_is_wrong():
    with pytest.raises(ValueError) as error:
        Tensor(3.0).backward()
    assert "requires_grad" in str(error.value) or "require grad" in str(error.value)
    assert "one element" not in str(error.value)


def test_grad_is_none_before_backward_and_for_tensors_without_requires_grad():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0])
    assert a.grad is None
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    assert b.grad is None


def test_leaf_grads_accumulate_across_backward_calls_interior_grads_do_not():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 3
    loss = (b * b).sum()
    loss.backward()
    np.testing.assert_array_equal(a.grad, [18.0, 36.0])
    np.testing.assert_array_equal(b.grad, [6.0, 12.0])
    loss.backward()
    np.testing.assert_array_equal(a.grad, [36.0, 72.0])
    np.testing.assert_array_equal(b.grad, [6.0, 12.0])


def test_backward_from_a_leaf_accumulates_ones():
    t = Tensor([2.0], requires_grad=True)
    t.backward()
    t.backward()
    np.testing.assert_array_equal(t.grad, [2.0])


def test_backward_with_an_explicit_gradient():
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (a * a).backward(np.array([[1.0, 0.0], [0.5, 2.0]]))
    np.testing.assert_array_equal(a.grad, [[2.0, 0.0], [3.0, 16.0]])
    b = Tensor([1.0, 2.0], requires_grad=True)
    (b * 2).backward([1.0, 1.0])  # any array-like
    np.testing.assert_array_equal(b.grad, [2.0, 2.0])


def test_zero_grad_forgets_the_gradient():
    a = Tensor([1.0, 2.0], requires_grad=True)
    (a * a).sum().backward()
    a.zero_grad()
    assert a.grad is None
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 4.0])


def test_grad_is_settable_and_reads_back_as_a_copy():
    a = Tensor([1.0, 2.0], requires_grad=True)
    a.grad = np.array([0.5, 0.25])
    read = a.grad
    read[0] = 100.0
    np.testing.assert_array_equal(a.grad, [0.5, 0.25])
    a.grad = None
    assert a.grad is None
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        a.grad = np.zeros(3)


def test_copy_in_place_returns_the_tensor_and_keeps_the_optimizer_working():
    p = Tensor([1.0, 2.0], requires_grad=True)
    opt = SGD([p], lr=0.5)
    assert p.copy_(np.array([10.0, 20.0])) is p
    p.grad = np.array([1.0, -2.0])
    opt.step()
    np.testing.assert_array_equal(p.numpy(), [10.0 - 0.5 * 1.0, 20.0 - 0.5 * -2.0])
    with pytest.raises(ValueError, match=r"copy_.*\(2,\).*\(3,\)"):
        p.copy_([1.0, 2.0, 3.0])


def test_a_deep_chain_backpropagates_and_frees_without_crashing():
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0])
    del y  # freeing 40,000 nodes must not recurse

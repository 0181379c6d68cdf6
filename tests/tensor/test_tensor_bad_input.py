"""The Tensor bad-input table: each mistake gets the right exception and a message that
names it; impossible sizes and failed allocations are Python errors, not aborts; nan and
inf propagate like IEEE and numpy; numpy on the left of an operator gives a Tensor.
"""

import math
import operator
import subprocess
import sys

import numpy as np
import pytest

from micrograd import Tensor, Value, concatenate
from micrograd._core import linear
from micrograd.losses import cross_entropy, hinge_loss, mse_loss

# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: a**b, "pow"),
    ],
    ids=["add", "sub", "mul", "div", "pow"],
)
def test_shape_mismatch_names_the_op_and_both_shapes(op, name):
    with pytest.raises(ValueError) as error:
        op(Tensor(np.ones((2, 3))), Tensor(np.ones(4)))
    message = str(error.value)
    assert name in message and "(2, 3)" in message and "(4,)" in message
    with pytest.raises(ValueError, match=rf"{name}.*\(3, 1, 2\).*\(4, 3\)"):
        op(Tensor(np.ones((3, 1, 2))), np.ones((4, 3)))


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (2,)), ((2, 2, 3), (3, 2, 1)), ((3,), (2, 4, 5))],
)
def test_matmul_of_mismatched_dims_raises_value_error_naming_both_shapes(a_shape, b_shape):
    with pytest.raises(ValueError) as error:
        Tensor(np.ones(a_shape)) @ Tensor(np.ones(b_shape))
    message = str(error.value)
    assert "matmul" in message and str(a_shape) in message and str(b_shape) in message


def test_matmul_with_a_0d_operand_raises_value_error():
    with pytest.raises(ValueError, match="matmul"):
        Tensor(np.ones((2, 2))) @ Tensor(2.0)


def test_linear_with_mismatched_shapes_names_the_op_and_shapes():
    w = Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"linear.*\(4, 5\).*\(3, 2\)"):
        linear(Tensor(np.ones((4, 5))), w)
    with pytest.raises(ValueError, match=r"linear \(bias\).*\(2,\)"):
        linear(Tensor(np.ones((4, 2))), w, Tensor(np.zeros(2)))
    with pytest.raises(TypeError, match="x must be a Tensor"):
        linear("x", w)


def test_linear_of_other_ranks_follows_x_at_w_transposed_or_refuses_clearly():
    """numpy's ``x @ w.T + b`` is defined for a single sample (1-D x) and for batches
    of batches (3-D x); the fused op may support them or refuse, but never wrongly."""
    w, b = np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0, 0.5])
    for x in (np.array([0.5, -1.0]), np.arange(8.0).reshape(2, 2, 2)):
        try:
            got = linear(Tensor(x), Tensor(w), Tensor(b)).numpy()
        except ValueError as error:
            assert "linear" in str(error) and str(x.shape) in str(error)
        else:
            np.testing.assert_allclose(got, x @ w.T + b)


@pytest.mark.parametrize(
    "data, exception, words",
    [
        (np.array(["a"]), TypeError, "real numbers"),
        (np.array([1, "a"], dtype=object), TypeError, "object"),
        (np.array([1.0, 2.0], dtype=object), TypeError, "object"),
        ([[1, 2], [3]], ValueError, "ragged"),
        ([1 + 2j], TypeError, "real numbers"),
        ("abc", TypeError, "real numbers"),
        (None, TypeError, "real numbers"),
        ([Value(1.0)], TypeError, "real numbers"),
    ],
    ids=[
        "str array",
        "object array",
        "numeric object array",
        "ragged",
        "complex",
        "str",
        "None",
        "list of Values",
    ],
)
def test_non_numeric_or_ragged_data_is_refused(data, exception, words):
    with pytest.raises(exception, match=words):
        Tensor(data)


def test_a_tensor_and_a_value_do_not_mix():
    t, v = Tensor([1.0, 2.0], requires_grad=True), Value(2.0)
    for op in (
        lambda: t + v,
        lambda: v + t,
        lambda: t * v,
        lambda: v * t,
        lambda: t - v,
        lambda: v / t,
        lambda: t @ v,
        lambda: t**v,
    ):
        with pytest.raises(TypeError):
            op()


def test_operands_that_are_not_numbers_give_type_error():
    t = Tensor([1.0, 2.0])
    for bad in ("a", None, np.array(["a", "b"]), object()):
        with pytest.raises(TypeError):
            t + bad
        with pytest.raises(TypeError):
            bad * t


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.sum(axis=2),
        lambda t: t.mean(axis=-3),
        lambda t: t.max(axis=5),
        lambda t: t.softmax(axis=2),
        lambda t: t.log_softmax(axis=-3),
        lambda t: t.transpose(0, 2),
        lambda t: concatenate([t, t], axis=2),
    ],
    ids=["sum", "mean", "max", "softmax", "log_softmax", "transpose", "concatenate"],
)
def test_axis_out_of_range_raises_index_error_naming_axis_and_ndim(op):
    with pytest.raises(IndexError, match=r"axis -?\d.*2 dimensions"):
        op(Tensor(np.ones((2, 3))))


def test_axis_of_a_1d_tensor_reads_one_dimension():
    with pytest.raises(IndexError, match="axis 1 is out of range for a tensor with 1 dimension$"):
        Tensor([1.0]).sum(axis=1)


@pytest.mark.parametrize("key", [3, -4, [0, 3], [-4], np.array([1, 5])])
def test_row_index_out_of_range_raises_index_error(key):
    with pytest.raises(IndexError, match="out of range for 3 rows"):
        Tensor(np.ones((3, 2)))[key]


def test_indexing_a_0d_tensor_raises_index_error():
    with pytest.raises(IndexError, match="0-d"):
        Tensor(1.0)[0]


def test_tuple_indexing_explains_what_works_instead():
    with pytest.raises(TypeError, match=r"selects rows.*t\[i\].*transpose"):
        Tensor(np.ones((3, 2)))[0, 1]


def test_non_integer_index_arrays_are_refused():
    with pytest.raises(TypeError, match="integers"):
        Tensor(np.ones((3, 2)))[[0.5, 1]]


def test_a_boolean_mask_selects_rows_like_numpy_or_is_refused():
    data = np.arange(6.0).reshape(3, 2)
    mask = np.array([True, False, True])
    try:
        got = Tensor(data)[mask].numpy()
    except (TypeError, IndexError):
        return
    np.testing.assert_array_equal(got, data[mask])


@pytest.mark.parametrize("key", [[[0, 1], [1, 0]], 1.0], ids=["nested list", "float"])
def test_index_keys_numpy_reads_differently_are_followed_or_refused(key):
    data = np.arange(6.0).reshape(3, 2)
    try:
        expected = data[key]
    except IndexError:
        expected = None
    try:
        got = Tensor(data)[key].numpy()
    except (TypeError, IndexError):
        return
    assert expected is not None and got.shape == expected.shape


def test_backward_on_a_non_scalar_without_gradient_asks_for_one():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient.*\(2, 3\)"):
        (t * 2).backward()


def test_backward_with_a_gradient_of_the_wrong_shape_raises():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient.*\(2, 3\).*\(3,\)"):
        (t * 2).backward(np.ones(3))
    with pytest.raises(ValueError, match="gradient"):
        (t * 2).sum().backward(np.ones(2))


@pytest.mark.parametrize("shape", [(5, 3), (-1, 5), (-1, -1), (2, -2), (0, -1)])
def test_reshape_to_the_wrong_size_raises_value_error(shape):
    with pytest.raises(ValueError, match=r"reshape.*\(3, 4\)"):
        Tensor(np.ones((3, 4))).reshape(*shape)


@pytest.mark.parametrize("axes", [(0, 0), (0,), (1, 0, 0)])
def test_transpose_with_a_bad_permutation_raises_value_error(axes):
    with pytest.raises(ValueError, match="permutation"):
        Tensor(np.ones((2, 3))).transpose(*axes)


@pytest.mark.parametrize(
    "labels, words",
    [([0, 3], "labels must be in 0..3, got 3"), ([0, -1], ">= 0, got -1"), ([0], "one label")],
)
def test_cross_entropy_refuses_bad_labels(labels, words):
    with pytest.raises(ValueError, match=words):
        cross_entropy(Tensor(np.zeros((2, 3)), requires_grad=True), labels)


def test_cross_entropy_needs_2d_logits():
    with pytest.raises(ValueError, match="rows, classes"):
        cross_entropy(Tensor(np.zeros(3)), [0, 1, 2])


def test_losses_refuse_targets_of_another_size():
    with pytest.raises(ValueError, match=r"mse_loss.*\(3, 1\).*\(4,\)"):
        mse_loss(Tensor(np.zeros((3, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="hinge_loss"):
        hinge_loss(Tensor(np.zeros(3)), [1, -1])


def test_concatenate_refuses_mismatched_or_missing_tensors():
    with pytest.raises(ValueError, match=r"concat.*\(2, 3\).*\(2, 4\)"):
        concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))])
    with pytest.raises(ValueError, match=r"concat.*\(2, 3\).*\(3,\)"):
        concatenate([Tensor(np.ones((2, 3))), Tensor(np.ones(3))])
    with pytest.raises(ValueError, match="empty"):
        concatenate([])
    with pytest.raises(TypeError, match="Tensors or arrays"):
        concatenate([Tensor([1.0]), "a"])


def test_bad_shapes_and_ranges_for_creation_are_refused():
    with pytest.raises(ValueError, match=">= 0"):
        Tensor.zeros(-1, 2)
    with pytest.raises(TypeError, match="integers"):
        Tensor.ones(2.5)
    with pytest.raises(ValueError, match="high"):
        Tensor.uniform((2,), 1.0, 0.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tensor.zeros(2**40, 2**40),
        lambda: Tensor.randn(2**62, 4),
        lambda: Tensor.arange(1e20),
    ],
    ids=["zeros", "randn", "arange"],
)
def test_impossible_sizes_raise_a_python_error(make):
    with pytest.raises((ValueError, MemoryError)):
        make()


def test_a_failed_allocation_raises_memory_error_not_abort():
    # In a child process: today the interpreter dies (SIGABRT). 2**47 float64s (1 PiB)
    # is beyond any address space, so the allocation fails at once, never swaps.
    code = (
        "from micrograd import Tensor\n"
        "try:\n    Tensor.zeros(2**47)\n"
        "except (MemoryError, ValueError):\n    print('refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "refused" in result.stdout, result.stderr[-300:]


# ---------------------------------------------------------------- nan, inf, numpy on the left


def test_nan_and_inf_propagate_like_ieee():
    with np.errstate(all="ignore"):
        assert np.isnan(Tensor([-1.0]).log().item())
        assert Tensor([0.0]).log().item() == -math.inf
        assert (1 / Tensor([0.0])).item() == math.inf
        assert (-1 / Tensor([0.0])).item() == -math.inf
        assert np.isnan((Tensor([0.0]) / 0.0).item())
        assert Tensor([1000.0]).exp().item() == math.inf
        assert np.isnan((Tensor([math.inf]) - math.inf).item())
        np.testing.assert_array_equal(Tensor([-math.inf, 1.0]).softmax().numpy(), [0.0, 1.0])


def test_softmax_of_infinite_logits_does_not_crash():
    out = Tensor([math.inf, 1.0], requires_grad=True)
    soft = out.softmax()
    assert soft.shape == (2,)  # nan, as numpy's formula gives; the point is no crash
    (soft * np.array([1.0, 2.0])).sum().backward()
    assert out.grad.shape == (2,)
    log_soft = Tensor([[math.inf, 1.0]]).log_softmax(axis=1)
    assert log_soft.shape == (1, 2)
    assert np.isfinite(cross_entropy(Tensor([[1e308, -1e308]]), [0]).item())


def test_gradients_through_nan_stay_nan_without_crashing():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    x.log().sum().backward()
    assert x.grad[0] == -1.0 and x.grad[1] == 0.5  # d log x = 1/x even where log is nan
    y = Tensor([math.nan, 1.0], requires_grad=True)
    (y * y).sum().backward()
    assert np.isnan(y.grad[0]) and y.grad[1] == 2.0


@pytest.mark.parametrize("axis", [None, 0])
def test_max_propagates_nan_like_numpy(axis):
    assert np.isnan(Tensor([math.nan, 1.0]).max(axis=axis).item())


@pytest.mark.parametrize(
    "left, op",
    [
        (left, op)
        for left in (np.array([1.0, 2.0, 3.0]), np.float64(2.0), np.int64(2))
        for op in (
            operator.add,
            operator.sub,
            operator.mul,
            operator.truediv,
            operator.pow,
            operator.matmul,
        )
        if op is not operator.matmul or np.ndim(left) == 1
    ],
    ids=lambda x: x.__name__ if callable(x) else type(x).__name__,
)
def test_numpy_on_the_left_gives_a_tensor_with_gradients(left, op):
    t = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    out = op(left, t)  # what `left + t` runs: left's __add__ first, then t's __radd__
    assert isinstance(out, Tensor), type(out)
    np.testing.assert_allclose(out.numpy(), op(left, t.numpy()))
    out.sum().backward()
    assert t.grad is not None


def test_a_huge_python_int_is_a_number_too():
    np.testing.assert_array_equal((Tensor([1.0]) + 10**30).numpy(), np.array([1.0]) + 10**30)

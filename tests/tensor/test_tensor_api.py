"""The Tensor API around the math: creation, numpy interop, gradient bookkeeping,
nn.Linear/Sequential, optimizers on Tensors, seeding, threads, and the bad-input
table (each mistake gets the right exception and a message that names it).
"""

import gc
import math
import operator
import subprocess
import sys
import threading

import numpy as np
import pytest

import micrograd
from micrograd import Tensor, Value, concatenate
from micrograd._core import linear
from micrograd.losses import cross_entropy, hinge_loss, mse_loss
from micrograd.nn import Linear, ReLU, Sequential, Tanh
from micrograd.optim import SGD, Adam

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


# ---------------------------------------------------------------- nn and optim


def test_linear_initialisation_is_bounded_by_one_over_sqrt_nin_and_seedable():
    layer = Linear(9, 40, seed=1)
    assert layer.weight.shape == (40, 9) and layer.bias.shape == (40,)
    bound = 1 / math.sqrt(9)
    for p in layer.parameters():
        assert p.requires_grad and p.is_leaf
        assert np.abs(p.numpy()).max() <= bound
        assert np.abs(p.numpy()).max() > 0.8 * bound  # drawn over the whole range
    same = Linear(9, 40, seed=1)
    np.testing.assert_array_equal(same.weight.numpy(), layer.weight.numpy())
    np.testing.assert_array_equal(same.bias.numpy(), layer.bias.numpy())
    assert not np.array_equal(Linear(9, 40, seed=2).weight.numpy(), layer.weight.numpy())


def test_linear_without_bias_has_one_parameter():
    layer = Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None and layer.parameters() == [layer.weight]
    x = np.ones((4, 3))
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy().T, rtol=1e-15)


def test_manual_seed_makes_linear_reproducible():
    micrograd.manual_seed(7)
    first = Linear(3, 2).weight.numpy()
    micrograd.manual_seed(7)
    np.testing.assert_array_equal(Linear(3, 2).weight.numpy(), first)


def test_sequential_computes_the_layers_in_order():
    model = Sequential(Linear(3, 4, seed=0), Tanh(), Linear(4, 2, seed=1), ReLU())
    x = np.random.default_rng(0).standard_normal((5, 3))
    w1, b1 = model[0].weight.numpy(), model[0].bias.numpy()
    w2, b2 = model[2].weight.numpy(), model[2].bias.numpy()
    expected = np.maximum(np.tanh(x @ w1.T + b1) @ w2.T + b2, 0)
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(model(Tensor(x)).numpy(), expected, rtol=1e-13, atol=1e-15)
    assert len(model) == 4 and len(model.parameters()) == 4


def test_sequential_zero_grad_clears_tensor_gradients():
    model = Sequential(Linear(2, 2, seed=0))
    model(np.ones((1, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_names_and_round_trip():
    model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    state = model.state_dict()
    assert sorted(state) == ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]
    assert state["layers.0.weight"].shape == (3, 2)
    other = Sequential(Linear(2, 3, seed=5), ReLU(), Linear(3, 1, seed=6))
    other.load_state_dict(state)
    for name, array in state.items():
        np.testing.assert_array_equal(other.state_dict()[name], array)


def test_load_state_dict_names_what_does_not_fit():
    model = Sequential(Linear(2, 3, seed=0), ReLU(), Linear(3, 1, seed=1))
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "layers.1.bias"}
    with pytest.raises(ValueError, match=r"missing \['layers.1.bias'\]"):
        model.load_state_dict(missing)
    with pytest.raises(ValueError, match="unexpected.*layers.2.weight"):
        model.load_state_dict({**state, "layers.2.weight": np.zeros((1, 1))})
    with pytest.raises(ValueError, match=r"layers.0.weight.*\(2, 3\).*\(3, 2\)"):
        model.load_state_dict({**state, "layers.0.weight": np.zeros((2, 3))})


def test_sgd_step_on_tensor_parameters_is_p_minus_lr_grad_exactly():
    rng = np.random.default_rng(1)
    w, b = Tensor(rng.standard_normal((3, 2)), requires_grad=True), Tensor(np.zeros(3), True)
    gw, gb = rng.standard_normal((3, 2)), rng.standard_normal(3)
    before_w, before_b = w.numpy().copy(), b.numpy().copy()  # numpy() is a live view
    w.grad, b.grad = gw, gb
    opt = SGD([w, b], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(w.numpy(), before_w - 0.1 * gw)
    np.testing.assert_array_equal(b.numpy(), before_b - 0.1 * gb)
    opt.zero_grad()
    assert w.grad is None and b.grad is None


def test_adam_first_step_on_a_tensor_matches_the_formula():
    p = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    p.grad = np.array([0.5, -0.1, 2.0])
    Adam([p], lr=0.01, eps=1e-8).step()
    # After one step the bias-corrected moments are g and g^2.
    g = np.array([0.5, -0.1, 2.0])
    expected = np.array([1.0, -2.0, 3.0]) - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(p.numpy(), expected, rtol=1e-14)


def test_optimizers_train_a_sequential_on_a_real_loss():
    X, y = micrograd.datasets.load_moons()
    model = Sequential(Linear(2, 16, seed=0), ReLU(), Linear(16, 1, seed=1))
    opt = Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        loss = hinge_loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]


# ---------------------------------------------------------------- threads


def run_in_thread(function):
    """function() on another thread: its result, or the exception it raised."""
    outcome = {}

    def target():
        try:
            outcome["result"] = function()
        except BaseException as error:  # a PanicException would be a BaseException
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return outcome


@pytest.mark.parametrize(
    "use",
    [
        lambda t: t + 1,
        lambda t: 1 + t,
        lambda t: Tensor([1.0]) * t,
        lambda t: t.shape,
        lambda t: t.grad,
        lambda t: t.numpy(),
        lambda t: repr(t),
        lambda t: t.sum(),
        lambda t: t.backward(),
        lambda t: mse_loss(t, [0.0]),
        lambda t: SGD([t], lr=0.1),
    ],
    ids=[
        "add",
        "radd",
        "operand",
        "shape",
        "grad",
        "numpy",
        "repr",
        "sum",
        "backward",
        "loss",
        "optimizer",
    ],
)
def test_using_a_tensor_from_another_thread_raises_runtime_error(use):
    t = Tensor([1.0], requires_grad=True)
    outcome = run_in_thread(lambda: use(t))
    assert type(outcome.get("error")) is RuntimeError, outcome
    assert "thread" in str(outcome["error"])
    assert t.tolist() == [1.0]  # still fine on its own thread


def test_a_tensor_made_in_another_thread_is_refused_here_and_freed_safely():
    outcome = run_in_thread(lambda: Tensor([1.0, 2.0], requires_grad=True) * 2)
    made_there = outcome["result"]
    with pytest.raises(RuntimeError, match="thread"):
        made_there.sum()
    del made_there  # dropped on the wrong thread: leaked, never touched


def test_an_optimizer_is_bound_to_its_thread():
    opt = SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    outcome = run_in_thread(opt.step)
    assert type(outcome.get("error")) is RuntimeError, outcome


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

"""Property tests for the Tensor engine over random shapes (1-3 dimensions, sides 1-5):
broadcasting gradients, reductions over random axes, reshape and transpose round
trips and matmul shapes, each against numpy and finite differences."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck import assert_tensor_gradients
from micrograd import Tensor

# Gradient checks loop over every input element in Python; a few dozen examples per
# property keep the file at a few seconds while still mixing ranks and sizes.
quick = settings(max_examples=60, deadline=None)

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)
seeds = st.integers(0, 2**32 - 1)

# Each binary op with the ranges in which it is smooth: the divisor and the base of
# a power stay positive.
BINARY_OPS = {
    "add": (lambda a, b: a + b, False),
    "sub": (lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, False),
    "div": (lambda a, b: a / b, True),
    "pow": (lambda a, b: b**a, True),  # positive base b, any exponent a
}


@quick
@given(
    pair=hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=5
    ),
    name=st.sampled_from(sorted(BINARY_OPS)),
    seed=seeds,
)
def test_broadcasting_binary_ops_gradients_match_finite_differences(pair, name, seed):
    op, second_positive = BINARY_OPS[name]
    rng = np.random.default_rng(seed)
    a_shape, b_shape = pair.input_shapes
    a = rng.standard_normal(a_shape)
    b = rng.uniform(0.5, 2.0, b_shape) if second_positive else rng.standard_normal(b_shape)
    out = op(Tensor(a), Tensor(b))
    assert out.shape == pair.result_shape
    np.testing.assert_allclose(out.numpy(), op(a, b), rtol=1e-12, atol=1e-14)
    assert_tensor_gradients(op, a, b, seed=seed)


@st.composite
def shape_and_axis(draw):
    shape = draw(shapes)
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    return shape, axis


@quick
@given(
    case=shape_and_axis(),
    keepdims=st.booleans(),
    name=st.sampled_from(["sum", "mean", "max"]),
    seed=seeds,
)
def test_reductions_over_a_random_axis_match_numpy_and_finite_differences(
    case, keepdims, name, seed
):
    shape, axis = case
    a = np.random.default_rng(seed).standard_normal(shape)  # continuous: max has no ties
    out = getattr(Tensor(a), name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)
    assert_tensor_gradients(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), a, seed=seed)


@st.composite
def shape_and_reshape(draw):
    """A shape and another one with the same number of elements, maybe with a -1."""
    shape = draw(shapes)
    size = int(np.prod(shape))
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    first = draw(st.sampled_from(divisors))
    rest = size // first
    second = draw(st.sampled_from([d for d in divisors if rest % d == 0]))
    target = draw(
        st.sampled_from(
            [
                (size,),
                (-1,),
                (first, rest),
                (first, -1),
                (-1, rest),
                (first, second, rest // second),
            ]
        )
    )
    return shape, target


@quick
@given(case=shape_and_reshape(), seed=seeds)
def test_reshape_round_trip_restores_values_and_routes_gradients(case, seed):
    shape, target = case
    a = np.random.default_rng(seed).standard_normal(shape)
    t = Tensor(a, requires_grad=True)
    reshaped = t.reshape(*target)
    np.testing.assert_array_equal(reshaped.numpy(), a.reshape(target))
    back = reshaped.reshape(shape)
    assert back.shape == shape
    np.testing.assert_array_equal(back.numpy(), a)
    weights = np.random.default_rng(seed + 1).standard_normal(shape)
    (back * weights).sum().backward()
    np.testing.assert_array_equal(t.grad, weights)


@st.composite
def shape_and_permutation(draw):
    shape = draw(shapes)
    return shape, draw(st.permutations(range(len(shape))))


@quick
@given(case=shape_and_permutation(), seed=seeds)
def test_transpose_matches_numpy_and_its_inverse_restores_the_tensor(case, seed):
    shape, permutation = case
    a = np.random.default_rng(seed).standard_normal(shape)
    t = Tensor(a, requires_grad=True)
    moved = t.transpose(*permutation)
    np.testing.assert_array_equal(moved.numpy(), a.transpose(permutation))
    back = moved.transpose(*np.argsort(permutation).tolist())
    np.testing.assert_array_equal(back.numpy(), a)
    weights = np.random.default_rng(seed + 1).standard_normal(moved.shape)
    (moved * weights).sum().backward()
    np.testing.assert_array_equal(t.grad, weights.transpose(np.argsort(permutation)))


@st.composite
def matmul_shapes(draw):
    """Operand shapes numpy's matmul accepts: batch dimensions that broadcast, and
    sometimes a vector on either side (promoted, then dropped from the result)."""
    batches = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=2, min_dims=0, max_dims=2, min_side=1, max_side=3
        )
    )
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    a_batch, b_batch = batches.input_shapes
    a_shape = (*a_batch, m, k)
    b_shape = (*b_batch, k, n)
    if not a_batch and draw(st.booleans()):
        a_shape = (k,)
    if not b_batch and draw(st.booleans()):
        b_shape = (k,)
    return a_shape, b_shape


@quick
@given(case=matmul_shapes(), seed=seeds)
def test_matmul_shapes_values_and_gradients_follow_numpy(case, seed):
    a_shape, b_shape = case
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    out = Tensor(a) @ Tensor(b)
    expected = a @ b
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-13)
    assert_tensor_gradients(lambda x, y: x @ y, a, b, seed=seed)


@quick
@given(
    pair=hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=5
    ),
    seed=seeds,
)
def test_mismatched_shapes_raise_value_error_or_broadcast_like_numpy(pair, seed):
    """Shifting one side of a broadcastable pair either still broadcasts (then the
    result matches numpy's) or raises ValueError naming both shapes, as numpy would."""
    a_shape, b_shape = pair.input_shapes
    b_shape = tuple(d + 1 for d in b_shape)
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    try:
        expected = a * b
    except ValueError:
        try:
            Tensor(a) * Tensor(b)
        except ValueError as error:
            message = str(error)
            assert "mul" in message and str(a_shape) in message and str(b_shape) in message
            return
        raise AssertionError(f"{a_shape} * {b_shape} did not raise") from None
    np.testing.assert_allclose((Tensor(a) * Tensor(b)).numpy(), expected, rtol=1e-12)

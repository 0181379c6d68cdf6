"""Property test: backward on random expression graphs agrees with finite differences."""

from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck import numeric_gradient
from micrograd import Value

# Smooth ops only (finite differences are unreliable at the kink of relu), each kept
# in a range where it is well conditioned so that the comparison is meaningful.
UNARY = [
    lambda x: x.tanh(),
    lambda x: x.sigmoid(),
    lambda x: x.tanh().exp(),
    lambda x: (x * x + 1).log(),
    lambda x: x**2,
    lambda x: -x,
    lambda x: 0.5 * x + 1,
]
BINARY = [
    lambda x, y: x + y,
    lambda x, y: x - y,
    lambda x, y: x * y,
    lambda x, y: x / (y * y + 1),
    lambda x, y: (x * x + 1) ** y.tanh(),
]

step = st.one_of(
    st.tuples(st.just("unary"), st.integers(0, len(UNARY) - 1), st.integers(0, 99)),
    st.tuples(
        st.just("binary"), st.integers(0, len(BINARY) - 1), st.integers(0, 99), st.integers(0, 99)
    ),
)


def evaluate(program, inputs):
    """Runs `program` over a growing pool of Values, each step reusing earlier nodes."""
    pool = list(inputs)
    for instruction in program:
        if instruction[0] == "unary":
            _, op, i = instruction
            pool.append(UNARY[op](pool[i % len(pool)]))
        else:
            _, op, i, j = instruction
            pool.append(BINARY[op](pool[i % len(pool)], pool[j % len(pool)]))
    return pool[-1] + pool[-2] * 0.5


@settings(max_examples=150, deadline=None)
@given(
    point=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
    program=st.lists(step, min_size=1, max_size=12),
)
def test_backward_matches_finite_differences_on_random_graphs(point, program):
    inputs = [Value(x) for x in point]
    out = evaluate(program, inputs)
    out.backward()
    expected = numeric_gradient(lambda p: evaluate(program, [Value(x) for x in p]).data, point)
    for value, numeric in zip(inputs, expected):
        # Finite differences lose about |out| * 1e-10 to rounding: allow for it.
        tolerance = 1e-4 * max(1.0, abs(numeric)) + 1e-8 * abs(out.data)
        assert abs(value.grad - numeric) <= tolerance, (value.grad, numeric)

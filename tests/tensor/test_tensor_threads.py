"""A Tensor, and an optimizer over Tensors, belong to the thread that made them: used
from another thread they raise RuntimeError (every member of every type is checked in
tests/reliability/test_reliability_thread_members.py)."""

import pytest

from micrograd import Tensor
from micrograd.losses import mse_loss
from micrograd.optim import SGD
from other_thread import run_in_thread


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

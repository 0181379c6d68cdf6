"""Karpathy's Value API beyond the operators: the constructor with children and an op
name, ``_backward`` on every node, ops written outside the class (exercise style),
stable ``id()`` for Karpathy's draw_dot, ``label=''``, ``float()`` and ``item()``."""

from __future__ import annotations

import gc
import math

import pytest

from lecture_cells import cells, dot_structure
from micrograd.engine import Value


def karpathy_exp(self: Value) -> Value:
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward() -> None:
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def karpathy_log(self: Value) -> Value:
    out = Value(math.log(self.data), _children=(self,), _op="log", label="")

    def _backward() -> None:
        self.grad += (1 / self.data) * out.grad

    out._backward = _backward
    return out


def nll_of_softmax(logits: list[Value], target: int) -> Value:
    counts = [karpathy_exp(x) for x in logits]
    total = sum(counts)
    probs = [c / total for c in counts]
    return -karpathy_log(probs[target])


def test_softmax_nll_from_user_ops_matches_finite_differences() -> None:
    data = [0.3, -1.2, 2.0, 0.5]
    logits = [Value(x) for x in data]
    loss = nll_of_softmax(logits, target=1)
    gc.collect()  # intermediate Python objects gone: the hooks live in the nodes
    loss.backward()
    h = 1e-6
    for i in range(len(data)):
        up = [x + (h if j == i else 0.0) for j, x in enumerate(data)]
        down = [x - (h if j == i else 0.0) for j, x in enumerate(data)]
        numeric = (
            nll_of_softmax([Value(x) for x in up], 1).data
            - nll_of_softmax([Value(x) for x in down], 1).data
        ) / (2 * h)
        assert math.isclose(logits[i].grad, numeric, rel_tol=1e-6, abs_tol=1e-8)
    # and the analytic answer: softmax - one_hot
    exps = [math.exp(x) for x in data]
    for i, logit in enumerate(logits):
        expected = exps[i] / sum(exps) - (1.0 if i == 1 else 0.0)
        assert math.isclose(logit.grad, expected, rel_tol=1e-12, abs_tol=1e-15)


def test_the_constructor_takes_karpathys_arguments() -> None:
    a, b = Value(2.0, label="a"), Value(3.0)
    c = Value(a.data + b.data, (a, b), "+")
    assert c._op == "+" and c._prev == {a, b} and c.data == 5.0 and c.label == ""
    e = Value(1.5, _children=(a,), _op="exp", label="e")
    assert e.label == "e" and e._op == "exp"
    # no _backward assigned: contributes nothing, as Karpathy's default lambda
    (c * 2).backward()
    assert a.grad == 0.0 and b.grad == 0.0
    with pytest.raises(TypeError, match="_children"):
        Value(1.0, (1.0,), "+")


def test_backward_node_by_node_as_in_the_lecture() -> None:
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, b, x1w1x2w2, x2w2, x1w1):
        node._backward()
    assert math.isclose(n.grad, 0.5, rel_tol=1e-12)
    grads = [x1.grad, w1.grad, x2.grad, w2.grad]
    assert all(math.isclose(g, e, rel_tol=1e-12) for g, e in zip(grads, [-1.5, 1.0, 0.5, 0.0]))
    b._backward()  # a leaf: nothing
    assert math.isclose(b.grad, 0.5, rel_tol=1e-12)


def test_a_custom_nodes_step_runs_with_native_ones_in_topological_order() -> None:
    x = Value(0.7)
    y = karpathy_exp(x * 3).tanh() + x
    y.backward()
    t = math.tanh(math.exp(2.1))
    assert math.isclose(x.grad, (1 - t * t) * math.exp(2.1) * 3 + 1, rel_tol=1e-12)
    assert callable(y._prev and karpathy_exp(x)._backward)


def test_an_exception_in_backward_propagates_and_the_graph_stays_usable() -> None:
    x = Value(1.0)
    out = Value(2.0, (x,), "boom")

    def fails() -> None:
        raise ZeroDivisionError("in the user's _backward")

    out._backward = fails
    y = out * 3
    with pytest.raises(ZeroDivisionError, match="user's"):
        y.backward()
    with pytest.raises(ZeroDivisionError):
        out._backward()
    out._backward = lambda: setattr(x, "grad", x.grad + out.grad)
    y.backward()
    assert x.grad == 3.0
    out._backward = None  # back to contributing nothing
    y.backward()
    assert x.grad == 3.0
    with pytest.raises(TypeError, match="callable"):
        out._backward = 1.0


def test_only_user_built_nodes_take_a_backward() -> None:
    a = Value(1.0)
    with pytest.raises(AttributeError, match="built in"):
        (a * 2)._backward = lambda: None
    with pytest.raises(AttributeError):
        a._backward = lambda: None


def test_the_same_node_is_the_same_object_while_alive() -> None:
    a, b = Value(-2.0), Value(3.0)
    d, e = a * b, a + b
    f = d * e
    assert {id(v) for v in f._prev} == {id(d), id(e)}
    assert {id(v) for v in d._prev} == {id(a), id(b)} == {id(v) for v in e._prev}
    assert f.operands[0] is d


def karpathy_draw_dot() -> dict:
    namespace: dict = {}
    source = cells("second_half_roughly")
    exec("import math\n" + source[7] + "\n" + source[8], namespace)
    return namespace


def node_count(root: Value) -> int:
    seen, stack = {root._node_id}, [root]
    while stack:
        for child in stack.pop().operands:
            if child._node_id not in seen:
                seen.add(child._node_id)
                stack.append(child)
    return len(seen)


def shared_graph(value_type: type) -> object:
    a = value_type(-2.0, label="a")
    b = value_type(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    f.backward()
    return f


def test_karpathys_draw_dot_draws_the_graph_he_draws() -> None:
    theirs = karpathy_draw_dot()
    draw_dot = theirs["draw_dot"]
    expected = dot_structure(draw_dot(shared_graph(theirs["Value"])).source)
    got = dot_structure(draw_dot(shared_graph(Value)).source)
    assert got == expected
    assert sum(n for _, n in got["records"]) == 5


def test_karpathys_draw_dot_has_no_phantom_nodes() -> None:
    draw_dot = karpathy_draw_dot()["draw_dot"]
    n = Value(0.8813735870195432, label="n")
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    drawn = dot_structure(draw_dot(o).source)
    assert sum(count for _, count in drawn["records"]) == node_count(o)
    assert sum(count for _, count in drawn["ops"]) == node_count(o) - 4  # 4 leaves


def test_label_defaults_to_empty() -> None:
    v = Value(1.0)
    assert v.label == ""
    v.label = "v"
    assert (v * 2).label == "" and v.label == "v"
    v.label = ""
    assert "←" not in v.tree()


def test_float_and_item() -> None:
    v = Value(2.5) * 2
    assert float(v) == 5.0 and v.item() == 5.0 and isinstance(v.item(), float)
    assert math.exp(Value(0.0)) == 1.0
    # a Value exponent is still differentiated, not read as a number
    base, exponent = Value(2.0), Value(3.0)
    (base**exponent).backward()
    assert exponent.grad == pytest.approx(8 * math.log(2))


def test_decision_boundary_takes_the_model_itself() -> None:
    import random

    from micrograd.nn import MLP
    from micrograd.plot import decision_boundary

    X = [[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]
    y = [-1, 1, 1]
    random.seed(0)
    model = MLP(2, [4, 1])
    picture = decision_boundary(model, X, y, width=12, height=6)
    assert picture == decision_boundary(model.predict, X, y, width=12, height=6)
    # the lecture's network takes one sample at a time and returns a Value
    namespace: dict = {}
    source = cells("second_half_roughly")
    exec("import math, random\n" + source[7] + "\n" + source[14], namespace)
    theirs = namespace["MLP"](2, [4, 1])
    assert "|" in decision_boundary(theirs, X, y, width=12, height=6)
    with pytest.raises(TypeError, match="predict"):
        decision_boundary(object(), X, y, width=12, height=6)


def test_user_ops_in_a_training_loop_are_freed() -> None:
    # Karpathy's closure refers to `out`, and `out`'s node holds the closure: a cycle
    # through Rust that the garbage collector must still be able to break.
    from micrograd._core import _allocated_bytes

    x = Value(0.5)

    def step() -> None:
        loss = nll_of_softmax([x * 1.0, x * 2.0, Value(0.1)], target=0)
        loss.backward()

    step()
    gc.collect()
    baseline = _allocated_bytes()
    for _ in range(200):
        step()
    # A chain of user-built nodes (here log over exp) is freed one link per
    # collection: a node shows its closure to the collector only once nothing else
    # uses it, i.e. once the link above it is gone. So collect until nothing is left.
    for _ in range(10):
        if not gc.collect():
            break
    assert _allocated_bytes() <= baseline, "user-built nodes of finished steps were kept"


def test_the_collector_never_takes_a_step_that_a_live_graph_still_needs() -> None:
    import weakref

    x = Value(0.5)
    e = karpathy_exp(x)
    seen = weakref.ref(e)
    y = e * 3.0
    del e  # only y's node keeps e's node now (and the closure keeps the object)
    gc.collect()
    y.backward()
    assert math.isclose(x.grad, 3.0 * math.exp(0.5), rel_tol=1e-12)
    assert seen() is not None  # still referenced by its own closure, in y's graph
    del y
    gc.collect()
    assert seen() is None  # once the graph is gone, the cycle is collected

"""One neuron by hand, as in Karpathy's lecture: forward, backward, and a check.

    python examples/neuron.py

A neuron computes o = tanh(x1*w1 + x2*w2 + b). Every intermediate result is a Value,
so after o.backward() each one knows how much o changes when it is nudged: its grad.
The bias 6.8813735870195432 is his choice: it makes n = 0.8814, where tanh is
exactly 1/sqrt(2), so the numbers come out round.
"""

import math

from micrograd import Value

# inputs x1, x2
x1 = Value(2.0, label="x1")
x2 = Value(0.0, label="x2")
# weights w1, w2
w1 = Value(-3.0, label="w1")
w2 = Value(1.0, label="w2")
# bias of the neuron
b = Value(6.8813735870195432, label="b")

# forward: every step is its own Value, so we can look at it afterwards
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1*w1 + x2*w2"
n = x1w1x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"

# backward: o.grad = 1, then the chain rule from o back to the inputs
o.backward()

print("o = tanh(x1*w1 + x2*w2 + b)")
print()
print(f"{'value':>14}  {'data':>10}  {'grad (do/dvalue)':>16}")
for v in [o, n, b, x1w1x2w2, x1w1, x2w2, w1, x1, w2, x2]:
    print(f"{v.label:>14}  {v.data:10.4f}  {v.grad:16.4f}")

print()
print(f"Why: do/dn = 1 - tanh(n)^2 = 1 - o^2 = {1 - o.data**2:.4f}.")
print("A sum passes its grad on unchanged, so b, x1*w1 and x2*w2 get 0.5 too;")
print("a product swaps its inputs: x1.grad = w1 * 0.5 = -1.5 and w1.grad = x1 * 0.5 = 1.0.")
print("x2 is 0, so nudging w2 changes nothing: w2.grad = 0.")


# The check: nudge one input by a tiny h each way and watch o move. The slope
# (o(+h) - o(-h)) / 2h is the gradient measured, not derived; the two must agree.
def neuron(x1, x2, w1, w2, b):
    """The same neuron on plain floats, no Values, no graph."""
    return math.tanh(x1 * w1 + x2 * w2 + b)


leaves = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
h = 1e-6
print()
print(f"finite differences with h = {h}:")
print(f"{'input':>6}  {'backward()':>11}  {'(o(+h) - o(-h)) / 2h':>21}")
for name, leaf in leaves.items():
    up = {key: value.data for key, value in leaves.items()}
    down = dict(up)
    up[name] += h
    down[name] -= h
    numerical = (neuron(**up) - neuron(**down)) / (2 * h)
    print(f"{name:>6}  {leaf.grad:11.6f}  {numerical:21.6f}")

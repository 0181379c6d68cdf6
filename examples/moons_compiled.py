"""Karpathy's demo notebook on Values, with one line added: his loss function compiled.

    python examples/moons_compiled.py [--steps N] [--quick]

His loop, his loss function, his `p.data -= learning_rate * p.grad` update. The
added line, `loss = micrograd.compile(loss)`, records the 65,818-node graph of the
loss on the first call and replays it from a flat tape in Rust after that
(docs/compiled-graphs.md). One change inside his loss function: his accuracy reads
`scorei.data`, a number the tape would freeze at its recorded value, so the loss
returns the scores and the accuracy is computed from them in the loop.
"""

import argparse
import time

import numpy as np

import micrograd
from micrograd import MLP, Value, manual_seed, plot
from micrograd.datasets import make_moons

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

manual_seed(1337)  # his np.random.seed(1337); random.seed(1337)
X, y = make_moons(n_samples=100, noise=0.1)
y = y * 2 - 1  # make y be -1 or 1
model = MLP(2, [16, 16, 1])  # 2-layer neural network


def loss():
    inputs = [list(map(Value, xrow)) for xrow in X]
    # forward the model to get scores
    scores = list(map(model, inputs))
    # svm "max-margin" loss
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    return total_loss, scores


loss = micrograd.compile(loss)  # <- the one line added: record once, replay after

start = time.perf_counter()
for k in range(steps):
    # forward
    total_loss, scores = loss()
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    acc = sum(accuracy) / len(accuracy)

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9 * k / steps
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    if k % 10 == 0 or k == steps - 1:
        print(f"step {k} loss {total_loss.data}, accuracy {acc * 100}%")
elapsed = time.perf_counter() - start

tape = loss.tape
print()
print(f"trained {steps} steps in {elapsed:.2f} s; the graph was recorded {loss.recordings} time(s)")
print(f"tape: {len(tape)} slots, {tape.num_params} parameters, {tape.bytes_per_node:.1f} B/slot")
print(f"final accuracy: {np.mean((model.predict(X) > 0) == (y > 0)):.1%}")
print()
print(plot.decision_boundary(model.predict, X, y))

"""Karpathy's micrograd demo notebook (demo.ipynb), step for step, on the batched API.

    python examples/moons_sgd.py

Same seeds, data, network, loss and learning-rate schedule as his notebook, so the
first loss is his 0.8958441028683222 to the last digit. Where he loops over the
points in Python (``list(map(model, inputs))``, ``sum(losses)``, a loop over the
parameters for the update) this script makes one call each, which loops in Rust.
"""

import argparse
import time

from micrograd import MLP, manual_seed, plot
from micrograd.datasets import make_moons
from micrograd.losses import hinge_loss, l2_penalty
from micrograd.metrics import accuracy
from micrograd.optim import SGD

KARPATHY_STEP0_LOSS = 0.8958441028683222  # printed by his notebook with seed 1337

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="his seed is 1337")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

# His notebook: np.random.seed(1337); random.seed(1337). manual_seed does both:
# numpy's draws the data, Python's draws the initial weights.
manual_seed(args.seed)
X, y = make_moons(n_samples=100, noise=0.1)
y = y * 2 - 1  # labels 0/1 -> -1/+1, as the SVM loss wants
model = MLP(2, [16, 16, 1])  # no seed= here: weights come from the global random, like his
optimizer = SGD(model.parameters(), lr=1.0)
alpha = 1e-4  # his L2 regularization strength

print("Karpathy's demo: MLP(2, [16, 16, 1]) on make_moons(100, noise=0.1)")
print(f"SVM max-margin loss + {alpha} * L2, seed {args.seed}")
print(f"SGD for {steps} steps, lr = 1.0 - 0.9 * k / {steps} at step k")
print()

start = time.perf_counter()
for k in range(steps):
    # forward
    scores = model(X)
    total_loss = hinge_loss(scores, y) + alpha * l2_penalty(model.parameters())
    acc = accuracy(scores, y)
    if k == 0:
        step0_loss = total_loss.data

    # backward
    optimizer.zero_grad()
    total_loss.backward()

    # update (sgd); he wrote 1.0 - 0.9 * k / 100 for his 100 steps: lr decays from 1.0 to 0.1
    optimizer.lr = 1.0 - 0.9 * k / steps
    optimizer.step()

    if k % 10 == 0 or k == steps - 1:  # he printed every step; every 10th is enough here
        print(f"step {k} loss {total_loss.data}, accuracy {acc * 100}%")
elapsed = time.perf_counter() - start

print()
print(f"trained {steps} steps in {elapsed:.2f} s")
if step0_loss == KARPATHY_STEP0_LOSS:
    print(f"step 0 loss {step0_loss!r} matches his notebook exactly")
else:
    print(f"step 0 loss {step0_loss!r}; his notebook (seed 1337) has {KARPATHY_STEP0_LOSS!r}")
print(f"final accuracy: {accuracy(model(X), y):.1%}")
print()
print(plot.decision_boundary(model.predict, X, y))

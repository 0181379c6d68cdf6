"""Train a small network to separate two moons, then draw what it learned.

    python examples/moons_adam.py                # 100 steps, then the boundary
    python examples/moons_adam.py --style shade  # other glyphs for the picture
    python examples/moons_adam.py --png moons.png

The data is the 100 points of Karpathy's micrograd demo, labelled -1 and +1. The
network scores each point; a score > 0 means "+1". Training minimises his SVM
hinge loss plus a small L2 penalty on the weights, with Adam instead of his plain
SGD: Adam scales each parameter's step by its own gradient history, so one
learning rate suits every layer and 100 steps are plenty.
"""

import argparse
import sys
import time

from micrograd import MLP, plot
from micrograd.datasets import load_moons
from micrograd.losses import hinge_loss, l2_penalty
from micrograd.metrics import accuracy
from micrograd.optim import Adam

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="seed for the initial weights")
parser.add_argument("--lr", type=float, default=0.05, help="Adam's learning rate")
parser.add_argument("--style", choices=sorted(plot.STYLES), default="dots", help="ASCII glyphs")
parser.add_argument("--png", metavar="FILE", help="also save the boundary as an image")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

X, y = load_moons()  # X: (100, 2) floats, y: 100 labels, -1 or +1
model = MLP(2, [16, 16, 1], seed=args.seed)  # 2 inputs -> 16 -> 16 -> 1 score
optimizer = Adam(model.parameters(), lr=args.lr)
alpha = 1e-4  # strength of the L2 penalty: it keeps the weights, and the boundary, smooth

print(f"Separating two moons ({len(X)} points) with MLP(2, [16, 16, 1]):")
print(f"{len(model.parameters())} parameters, Adam lr={args.lr}, hinge loss + {alpha} * L2")
print(f"{steps} steps, seed {args.seed}")
print()

start = time.perf_counter()
for step in range(steps):
    scores = model(X)  # one Value per point, built in one call
    loss = hinge_loss(scores, y) + alpha * l2_penalty(model.parameters())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0 or step == steps - 1:
        # Loss and accuracy of the scores this step started from (before its update).
        print(f"step {step:3d}  loss {loss.data:.4f}  accuracy {accuracy(scores, y):6.1%}")
elapsed = time.perf_counter() - start

final_scores = model(X)  # after the last update
print()
print(f"trained {steps} steps in {elapsed:.2f} s ({1000 * elapsed / steps:.1f} ms per step)")
print(f"final accuracy: {accuracy(final_scores, y):.1%}")
print()


# The plot asks for the scores of a whole grid of points at once; model.predict
# computes them as plain numbers, building no graph, so the picture is instant.
plot.decision_boundary(model.predict, X, y, style=args.style, file=sys.stdout)

if args.png:
    title = f"MLP(2, [16, 16, 1]), Adam, {steps} steps"
    try:
        plot.save_decision_boundary(model.predict, X, y, args.png, title=title)
    except (ImportError, OSError) as error:  # no matplotlib, or a path we cannot write
        sys.exit(f"could not write {args.png}: {error}")
    print(f"saved the decision boundary to {args.png}")

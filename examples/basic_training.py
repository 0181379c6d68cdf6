"""The smallest complete training loop: learn y = x1 + x2 from examples.

    python examples/basic_training.py

The network never sees the formula, only 200 random points and their sums. A
quarter of them are held out as a test set: a low test error shows the network
learned the rule itself, not just the points it trained on.
"""

import argparse

import numpy as np

from micrograd import MLP
from micrograd.datasets import train_test_split
from micrograd.losses import mse_loss
from micrograd.optim import Adam

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=200, help="training steps (default 200)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="seed for the data and the weights")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

# The data: 200 points (x1, x2) drawn uniformly from [-1, 1]^2, and their sums.
rng = np.random.RandomState(args.seed)
X = rng.uniform(-1, 1, size=(200, 2))
y = X[:, 0] + X[:, 1]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=args.seed)

# 2 inputs -> 8 ReLU units -> 1 output. The output layer is linear (the default),
# so predictions can be any number, negative sums included.
model = MLP(2, [8, 1], seed=args.seed)
optimizer = Adam(model.parameters(), lr=0.05)

print("Learning y = x1 + x2 with MLP(2, [8, 1]), mean squared error, Adam lr=0.05")
print(f"{len(X_train)} training points, {len(X_test)} test points, {steps} steps")
print()

for step in range(steps):
    predictions = model(X_train)  # one Value per row
    loss = mse_loss(predictions, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 20 == 0 or step == steps - 1:
        print(f"step {step:3d}  train MSE {loss.data:.6f}")

# Evaluation only reads .data; the graphs it builds are simply dropped.
train_mse = mse_loss(model(X_train), y_train).data
test_mse = mse_loss(model(X_test), y_test).data
print()
print(f"final train MSE: {train_mse:.6f}")
print(f"final test MSE: {test_mse:.6f}")
print()
print("    x1       x2      x1 + x2   predicted")
for (x1, x2), truth in zip(X_test[:4], y_test[:4]):
    predicted = model([x1, x2]).data  # one sample: a list of numbers in, one Value out
    print(f"{x1:7.3f}  {x2:7.3f}  {truth:9.3f}  {predicted:9.3f}")

"""Regression on real data: predict Boston house prices from 13 town statistics.

    python examples/housing.py

The target, MEDV, is a town's median home value in $1000s. A model that always
guesses the average price has a mean squared error equal to MEDV's variance, so
that variance is the number to beat: the network should end well below it.
"""

import argparse

from micrograd import MLP, plot
from micrograd.datasets import load_housing, standardize, train_test_split
from micrograd.losses import mse_loss
from micrograd.optim import Adam

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="seed for the split and the weights")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

data = load_housing()
X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.2, seed=args.seed)
# The features come in wildly different units (a crime rate, a tax rate in dollars,
# a proportion...). Scaling each to mean 0 and std 1 lets one learning rate suit them
# all. The mean and std are measured on the training rows only: the test rows stand
# for houses we have not seen, so they must not influence training in any way.
X_train, mean, std = standardize(X_train)
X_test, _, _ = standardize(X_test, mean, std)

model = MLP(13, [8, 1], seed=args.seed)  # 13 features -> 8 ReLU units -> 1 price
# Start the output at the average training price: otherwise the first steps are
# spent just learning that offset (about 22.5) instead of how the features matter.
model.layers[-1].neurons[0].b.data = float(y_train.mean())
optimizer = Adam(model.parameters(), lr=0.05)

variance = float(data.y.var())
print(f"Boston housing: {len(data.X)} towns, {len(data.feature_names)} features each:")
print(", ".join(data.feature_names))
print(f"MLP(13, [8, 1]), mean squared error, Adam lr=0.05, {steps} steps")
print(f"{len(X_train)} training towns, {len(X_test)} test towns")
print(f"variance of MEDV: {variance:.2f} (the MSE of always guessing the average)")
print()

losses = []
for step in range(steps):
    loss = mse_loss(model(X_train), y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.data)
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:3d}  train MSE {loss.data:8.3f}")

train_mse = mse_loss(model(X_train), y_train).data
test_mse = mse_loss(model(X_test), y_test).data
print()
print(f"final train MSE: {train_mse:.2f}")
print(f"final test MSE: {test_mse:.2f}")
print(f"typical test error: about ${1000 * test_mse**0.5:,.0f} per home (the root of the MSE)")
print()
print(plot.loss_curve(losses, height=10, title="train MSE"))

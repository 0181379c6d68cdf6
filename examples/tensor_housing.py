"""Boston house prices with Tensors: 13 town statistics -> 8 ReLU units -> 1 price.

    python examples/tensor_housing.py                  # 1000 full-batch SGD steps
    python examples/tensor_housing.py --optimizer adam

housing.py solves the same regression with scalar Values; here each layer is one
matrix product over all the training towns at once, so 1000 steps take well under
a second. The target, MEDV, is a town's median home value in $1000s. Always
guessing the average price gives a mean squared error equal to MEDV's variance:
that is the number to beat, and the network should end far below it.
"""

import argparse
import time

import numpy as np

import micrograd
from micrograd import plot
from micrograd.datasets import load_housing, standardize, train_test_split
from micrograd.losses import mse_loss
from micrograd.nn import Linear, ReLU, Sequential
from micrograd.optim import SGD, Adam

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=1000, help="training steps (default 1000)")
parser.add_argument("--quick", action="store_true", help="20 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="seed for the split and the weights")
parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd", help="(default sgd)")
parser.add_argument("--lr", type=float, help="learning rate (default 0.01 for both)")
args = parser.parse_args()
steps = 20 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")
lr = args.lr if args.lr is not None else 0.01

data = load_housing()
X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.2, seed=args.seed)
# The features come in wildly different units (a crime rate, a tax rate in dollars,
# a proportion...). Scaling each to mean 0 and std 1 lets one learning rate suit them
# all. The mean and std come from the training rows only: the test rows stand for
# towns we have not seen, so they must not influence training in any way.
X_train, mean, std = standardize(X_train)
X_test, _, _ = standardize(X_test, mean, std)

micrograd.manual_seed(args.seed)  # the Linear layers draw their weights from it
model = Sequential(Linear(13, 8), ReLU(), Linear(8, 1))
# Start the output at the average training price: otherwise the first steps are
# spent just learning that offset (about 22.5) instead of how the features matter.
model[-1].bias.copy_(np.array([y_train.mean()]))
params = model.parameters()
Optimizer = {"sgd": SGD, "adam": Adam}[args.optimizer]
optimizer = Optimizer(params, lr=lr)

variance = float(data.y.var())
print(f"Boston housing: {len(data.X)} towns, {len(data.feature_names)} features each:")
print(", ".join(data.feature_names))
print(f"Linear(13, 8) -> ReLU -> Linear(8, 1), mean squared error, {Optimizer.__name__} lr={lr}")
print(f"{steps} full-batch steps over {len(X_train)} training towns; {len(X_test)} test towns")
print(f"variance of MEDV: {variance:.2f} (the MSE of always guessing the average)")
print()

losses = []
report_every = max(1, steps // 10)
start = time.perf_counter()
for step in range(steps):
    loss = mse_loss(model(X_train), y_train)  # predictions (rows, 1), targets (rows,)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    if step % report_every == 0 or step == steps - 1:
        print(f"step {step:4d}  train MSE {loss.item():8.3f}")
elapsed = time.perf_counter() - start

train_mse = mse_loss(model(X_train), y_train).item()
test_mse = mse_loss(model(X_test), y_test).item()
print()
print(f"trained {steps} steps in {elapsed:.3f} s ({1e6 * elapsed / steps:.0f} us per step)")
print(f"final train MSE: {train_mse:.2f}")
print(f"final test MSE: {test_mse:.2f}")
print(f"typical test error: about ${1000 * test_mse**0.5:,.0f} per home (the root of the MSE)")
print()
print(plot.loss_curve(losses, height=10, title="train MSE"))

"""Three iris species from four measurements, with Tensors and softmax cross-entropy.

    python examples/tensor_iris.py

iris.py solves the same task with scalar Values; here the network is a PyTorch-style
``Sequential`` and each layer is one matrix product over all the flowers at once.
With more than two classes the network gives one score (a "logit") per class and
the largest wins. Cross-entropy turns each row of scores into probabilities with a
softmax and penalises a low probability for the right class.
"""

import argparse
import time

import numpy as np

import micrograd
from micrograd.datasets import load_iris, standardize, train_test_split
from micrograd.losses import cross_entropy
from micrograd.metrics import accuracy
from micrograd.nn import Linear, ReLU, Sequential
from micrograd.optim import Adam

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="seed for the split and the weights")
parser.add_argument("--lr", type=float, default=0.05, help="Adam's learning rate (default 0.05)")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

data = load_iris()  # y holds class indices 0, 1, 2; data.class_names their names
X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.2, seed=args.seed)
# Scale with the training rows' mean and std, then apply the same to the test rows.
X_train, mean, std = standardize(X_train)
X_test, _, _ = standardize(X_test, mean, std)

n_classes = len(data.class_names)
micrograd.manual_seed(args.seed)  # the Linear layers draw their weights from it
model = Sequential(Linear(4, 16), ReLU(), Linear(16, n_classes))  # 4 -> 16 -> 3 logits
optimizer = Adam(model.parameters(), lr=args.lr)

print(f"Iris: {len(data.X)} flowers, 4 measurements, classes {', '.join(data.class_names)}")
print(f"Linear(4, 16) -> ReLU -> Linear(16, 3), cross-entropy, Adam lr={args.lr}, {steps} steps")
print(f"{len(X_train)} training flowers, {len(X_test)} test flowers")
print()

start = time.perf_counter()
for step in range(steps):
    logits = model(X_train)  # a (120, 3) Tensor: one row of class scores per flower
    loss = cross_entropy(logits, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0 or step == steps - 1:
        # accuracy() takes plain numbers: a 2-D array means "argmax of each row".
        hits = accuracy(logits.numpy(), y_train)
        print(f"step {step:3d}  loss {loss.item():.4f}  accuracy {hits:6.1%}")
elapsed = time.perf_counter() - start

print()
print(f"trained {steps} steps in {elapsed:.3f} s ({1e6 * elapsed / steps:.0f} us per step)")
print(f"final training accuracy: {accuracy(model(X_train).numpy(), y_train):.1%}")
test_scores = model(X_test).numpy()
print(f"test accuracy: {accuracy(test_scores, y_test):.1%}")

# Which species get mistaken for which: row = true class, column = predicted class.
predicted = test_scores.argmax(axis=1)
confusion = np.zeros((n_classes, n_classes), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)  # one count per (true, predicted) pair

names = [name.removeprefix("Iris-") for name in data.class_names]
width = max(len(name) for name in names)
print()
print("test set: one row per true species, one column per predicted species")
print(" " * width + "".join(f"  {name:>{width}}" for name in names) + "   correct")
for k, (name, row) in enumerate(zip(names, confusion)):
    counts = "".join(f"  {count:>{width}}" for count in row)
    print(f"{name:>{width}}{counts}   {row[k]}/{row.sum()}")  # row[k]: the diagonal

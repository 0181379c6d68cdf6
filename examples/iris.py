"""Three classes: tell apart the species of iris flowers from four measurements.

    python examples/iris.py

With more than two classes the network gives one score (a "logit") per class and
the largest wins. Cross-entropy turns the scores into probabilities with a softmax
and penalises a low probability for the right class.
"""

import argparse

import numpy as np

from micrograd import MLP
from micrograd.datasets import load_iris, standardize, train_test_split
from micrograd.losses import cross_entropy
from micrograd.metrics import accuracy
from micrograd.optim import Adam

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
parser.add_argument("--quick", action="store_true", help="3 steps only, for the test suite")
parser.add_argument("--seed", type=int, default=1337, help="seed for the split and the weights")
args = parser.parse_args()
steps = 3 if args.quick else args.steps
if steps < 1:
    parser.error("--steps must be at least 1")

data = load_iris()  # y holds class indices 0, 1, 2; data.class_names their names
X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.2, seed=args.seed)
# Scale with the training rows' mean and std, then apply the same to the test rows.
X_train, mean, std = standardize(X_train)
X_test, _, _ = standardize(X_test, mean, std)

model = MLP(4, [16, 3], seed=args.seed)  # 4 measurements -> 16 ReLU units -> 3 logits
optimizer = Adam(model.parameters(), lr=0.05)

print(f"Iris: {len(data.X)} flowers, 4 measurements, classes {', '.join(data.class_names)}")
print(f"MLP(4, [16, 3]), cross-entropy, Adam lr=0.05, {steps} steps")
print(f"{len(X_train)} training flowers, {len(X_test)} test flowers")
print()

for step in range(steps):
    logits = model(X_train)  # one row of 3 Values per flower
    loss = cross_entropy(logits, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:3d}  loss {loss.data:.4f}  accuracy {accuracy(logits, y_train):6.1%}")

print()
print(f"final training accuracy: {accuracy(model(X_train), y_train):.1%}")
test_logits = model(X_test)
print(f"test accuracy: {accuracy(test_logits, y_test):.1%}")

# Which species get mistaken for which: row = true class, column = predicted class.
predicted = np.array([np.argmax([v.data for v in row]) for row in test_logits])
n_classes = len(data.class_names)
confusion = np.zeros((n_classes, n_classes), dtype=int)
for true_class, predicted_class in zip(y_test, predicted):
    confusion[true_class, predicted_class] += 1

names = [name.removeprefix("Iris-") for name in data.class_names]
width = max(len(name) for name in names)
print()
print("test set: one row per true species, one column per predicted species")
print(" " * width + "".join(f"  {name:>{width}}" for name in names) + "   correct")
for k, (name, row) in enumerate(zip(names, confusion)):
    counts = "".join(f"  {count:>{width}}" for count in row)
    print(f"{name:>{width}}{counts}   {row[k]}/{row.sum()}")  # row[k]: the diagonal

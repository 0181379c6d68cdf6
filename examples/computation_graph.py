"""Seeing the graph: what forward builds, and what backward writes into it.

    python examples/computation_graph.py                      # trees, then the DOT text
    python examples/computation_graph.py --svg docs/graph.svg # also draw the neuron
    python examples/computation_graph.py --dot graph.dot      # DOT into a file instead

Every Value remembers the op that made it and the Values it was made from, so a
result is the root of a graph. Printed before backward(), the graph holds data and
zero grads; after, each node's grad is d(output)/d(node). The picture needs the
Graphviz program `dot` (apt-get install graphviz, brew install graphviz); the trees
and the DOT text need nothing.
"""

import argparse
import sys

from micrograd import Value, viz
from micrograd.nn import Neuron

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--svg", metavar="FILE", help="draw the neuron's graph into FILE")
parser.add_argument("--dot", metavar="FILE", help="write the neuron's graph as DOT into FILE")
args = parser.parse_args()

# 1. Karpathy's first lecture expression, L = (a * b + c) * f, every node labelled.
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
f = Value(-2.0, label="f")
e = (a * b).named("e")
d = (e + c).named("d")
L = (d * f).named("L")

print("L = (a * b + c) * f, forward (grads are still 0):")
L.print_tree()
L.backward()
print()
print("after L.backward(), each grad is dL/d(node):")
L.print_tree()
print("(a sum passes its grad on unchanged; a product swaps its inputs: a.grad = b * e.grad)")

# 2. One neuron, o = tanh(x0 w0 + x1 w1 + b), with his numbers. name_parameters()
#    labels the weights w0, w1 and the bias b; viz.inputs labels the inputs x0, x1.
neuron = Neuron(2, activation="tanh").name_parameters()
neuron.w[0].data, neuron.w[1].data = -3.0, 1.0
neuron.b.data = 6.8813735870195432  # makes the sum 0.8814, where tanh is 1/sqrt(2)
o = neuron(viz.inputs([2.0, 0.0])).named("o")
o.operands[0].named("n")  # the sum before tanh: any node can be labelled after the fact

print()
print(neuron.summary())
print()
print("o = tanh(x0*w0 + x1*w1 + b), forward:")
o.print_tree()
o.backward()
print()
print("backward:")
o.print_tree()

# 3. The same graph as a picture: DOT text, drawn by Graphviz when it is installed.
source = viz.to_dot(o)
if args.dot:
    with open(args.dot, "w", encoding="utf-8") as file:
        file.write(source)
    print(f"\nwrote the DOT text to {args.dot}")
elif not args.svg:
    print("\nthe neuron's graph in Graphviz's DOT language (dot -Tsvg draws it):")
    print(source, end="")
if args.svg:
    try:
        viz.render(o, args.svg)
    except (OSError, RuntimeError) as error:  # no `dot` program, or a path we cannot write
        sys.exit(f"could not draw {args.svg}: {error}")
    print(f"\ndrew the neuron's graph into {args.svg}")

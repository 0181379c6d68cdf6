//! Reverse-mode differentiation of scalar graphs: the shared topological walk
//! (`graph.rs`), then the chain rule applied from the root down.

use crate::graph;
use crate::value::Value;

/// The nodes reachable from `root`, each after all of its operands (root last).
pub fn topological_order(root: &Value) -> Vec<Value> {
    graph::topological_order(&root.0, |_| true)
        .into_iter()
        .map(Value)
        .collect()
}

impl Value {
    /// Backpropagates from this value: adds d(self)/d(leaf) into every leaf's `grad`.
    ///
    /// Leaf gradients accumulate across calls, as in PyTorch: call `zero_grad()` (or
    /// set `grad = 0`) between optimisation steps. Interior nodes are reset first, so
    /// after each call they hold the gradient of this call alone.
    pub fn backward(&self) {
        let order = graph::topological_order(&self.0, |node| {
            if !node.is_leaf() {
                node.grad = 0.0;
            }
            true
        });
        self.add_grad(1.0);
        for rc in order.iter().rev() {
            let node = rc.borrow();
            node.op.propagate(node.data, node.grad);
        }
    }
}

//! Reverse-mode differentiation of scalar graphs: the shared topological walk
//! (`graph.rs`), then one chain-rule step per node from the root down.

use std::cell::RefCell;
use std::rc::Rc;

use crate::custom::HookError;
use crate::graph;
use crate::op::Op;
use crate::value::{Node, Value};

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
    ///
    /// Panics if a custom node's backward hook fails; `try_backward` returns the error.
    pub fn backward(&self) {
        if let Err(error) = self.try_backward() {
            std::panic::resume_unwind(error);
        }
    }

    /// `backward()`, stopping at the first custom node whose hook fails and returning
    /// its error. The nodes before it have their gradients; the graph stays usable.
    pub fn try_backward(&self) -> Result<(), HookError> {
        let order = graph::topological_order(&self.0, |node| {
            if !node.is_leaf() {
                node.grad = 0.0;
            }
            true
        });
        self.add_grad(1.0);
        for rc in order.iter().rev() {
            chain_rule_step(rc)?;
        }
        Ok(())
    }
}

/// One node's chain-rule step (Karpathy's `node._backward()`): a native op adds its
/// `grad` times each local derivative into its operands; a custom node runs its hook,
/// with no borrow held, so that the hook reads and writes grads freely.
pub(crate) fn chain_rule_step(rc: &Rc<RefCell<Node>>) -> Result<(), HookError> {
    let hook = {
        let node = rc.borrow();
        match &node.op {
            Op::Custom(custom) => custom.backward.clone(),
            op => {
                op.propagate(node.data, node.grad);
                return Ok(());
            }
        }
    };
    match hook {
        Some(hook) => hook.backward(&Value(Rc::clone(rc))),
        None => Ok(()),
    }
}

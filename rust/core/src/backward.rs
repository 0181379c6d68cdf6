//! Reverse-mode differentiation: an iterative topological order, then the chain rule
//! applied from the root down.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::op::{HookError, Op};
use crate::value::{Node, Value};

/// Every graph walk takes a fresh number and stamps the nodes it reaches with it,
/// so "visited" is one comparison and nothing has to be cleared afterwards.
static NEXT_WALK: AtomicU64 = AtomicU64::new(1);

/// The nodes reachable from `root`, each after all of its operands (root last).
///
/// Depth-first with an explicit stack: a graph a million ops deep must not touch
/// the call stack.
pub fn topological_order(root: &Value) -> Vec<Value> {
    walk_in_topological_order(root, |_| {})
}

/// `topological_order`, calling `first_visit` on each node as the walk reaches it.
fn walk_in_topological_order(root: &Value, mut first_visit: impl FnMut(&mut Node)) -> Vec<Value> {
    let walk = NEXT_WALK.fetch_add(1, Ordering::Relaxed);
    let mut order = Vec::new();
    // (node, operands already pushed?)
    let mut stack = vec![(root.clone(), false)];
    while let Some((value, expanded)) = stack.pop() {
        if expanded {
            order.push(value);
            continue;
        }
        let mut node = value.0.borrow_mut();
        if node.visit_mark == walk {
            continue;
        }
        node.visit_mark = walk;
        first_visit(&mut node);
        stack.push((value.clone(), true));
        for operand in node.op.operands() {
            if operand.0.borrow().visit_mark != walk {
                stack.push((operand.clone(), false));
            }
        }
    }
    order
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
        let order = walk_in_topological_order(self, |node| {
            if !node.is_leaf() {
                node.grad = 0.0;
            }
        });
        self.add_grad(1.0);
        for value in order.iter().rev() {
            let hook = {
                let node = value.0.borrow();
                match &node.op {
                    Op::Custom(custom) => custom.backward.clone(),
                    op => {
                        op.propagate(node.data, node.grad);
                        continue;
                    }
                }
            };
            if let Some(hook) = hook {
                hook.backward(value)?;
            }
        }
        Ok(())
    }
}

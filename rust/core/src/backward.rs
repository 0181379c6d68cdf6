//! Reverse-mode differentiation of scalar graphs: the shared topological walk
//! (`graph.rs`), then one chain-rule step per node from the root down.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::custom::HookError;
use crate::graph;
use crate::op::Op;
use crate::value::{Node, Value};

/// The nodes reachable from `root`, each after all of its operands (root last).
pub fn topological_order(root: &Value) -> Vec<Value> {
    graph::topological_order(&root.0, |_| true)
        .into_iter()
        .map(Value::from_rc)
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
        // The order's buffer is reused from call to call (a hook that backpropagates
        // another graph finds it taken and uses a fresh one).
        let mut order = graph::scratch::take(&ORDER);
        graph::topological_order_into(
            &self.0,
            |node| {
                if !node.is_leaf() {
                    node.grad = 0.0;
                }
                true
            },
            &mut order,
        );
        self.add_grad(1.0);
        let outcome = order.iter().rev().try_for_each(chain_rule_step);
        order.clear();
        graph::scratch::give_back(&ORDER, order);
        outcome
    }
}

thread_local! {
    static ORDER: Cell<Vec<Rc<RefCell<Node>>>> = const { Cell::new(Vec::new()) };
}

/// One node's chain-rule step (Karpathy's `node._backward()`): a native op adds its
/// `grad` times each local derivative into its operands; a custom node runs its hook,
/// with no borrow held, so that the hook reads and writes grads freely.
#[inline]
pub(crate) fn chain_rule_step(rc: &Rc<RefCell<Node>>) -> Result<(), HookError> {
    let node = rc.borrow();
    if let Op::Custom(_) = node.op {
        drop(node);
        return run_custom_hook(rc);
    }
    node.op.propagate(node.data, node.grad);
    Ok(())
}

/// A custom node's step: its hook, if it has one, run with no borrow held.
#[cold]
#[inline(never)]
fn run_custom_hook(rc: &Rc<RefCell<Node>>) -> Result<(), HookError> {
    let hook = match &rc.borrow().op {
        Op::Custom(custom) => custom.backward.clone(),
        _ => None,
    };
    match hook {
        Some(hook) => hook.backward(&Value::from_rc(Rc::clone(rc))),
        None => Ok(()),
    }
}

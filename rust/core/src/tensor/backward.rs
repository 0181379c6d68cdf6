//! Reverse-mode differentiation over tensor graphs: the same iterative walk as
//! for `Value`, with array gradients.

use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::ArrayD;

use super::node::Tensor;
use crate::error::{Error, Result};

static NEXT_WALK: AtomicU64 = AtomicU64::new(1);

/// The tensors reachable from `root` that need a gradient, each after its operands.
fn gradient_order(root: &Tensor) -> Vec<Tensor> {
    let walk = NEXT_WALK.fetch_add(1, Ordering::Relaxed);
    let mut order = Vec::new();
    let mut stack = vec![(root.clone(), false)];
    while let Some((tensor, expanded)) = stack.pop() {
        if expanded {
            order.push(tensor);
            continue;
        }
        let mut node = tensor.0.borrow_mut();
        if node.visit_mark == walk || !node.requires_grad {
            continue;
        }
        node.visit_mark = walk;
        if !matches!(node.op, super::op::TensorOp::Leaf) {
            node.grad = None; // interior nodes hold this call's gradient only
        }
        stack.push((tensor.clone(), true));
        for operand in node.op.operands() {
            stack.push((operand.clone(), false));
        }
    }
    order
}

impl Tensor {
    /// Backpropagates from a one-element tensor: adds d(self)/d(leaf) into the `grad`
    /// of every leaf that requires grad (accumulating, as in PyTorch).
    pub fn backward(&self) -> Result<()> {
        if self.len() != 1 {
            return Err(Error::NotScalar {
                op: "backward() without a gradient",
                shape: self.shape(),
            });
        }
        let ones = ArrayD::ones(self.data().raw_dim());
        self.backward_with(ones)
    }

    /// Backpropagates `gradient` (d loss/d self, of self's shape).
    pub fn backward_with(&self, gradient: ArrayD<f64>) -> Result<()> {
        if gradient.shape() != self.shape().as_slice() {
            return Err(Error::ShapeMismatch {
                op: "backward (gradient must have the tensor's shape)",
                left: self.shape(),
                right: gradient.shape().to_vec(),
            });
        }
        if !self.requires_grad() {
            return Err(Error::NoGradient);
        }
        let order = gradient_order(self);
        self.accumulate_grad(gradient);
        for tensor in order.iter().rev() {
            let node = tensor.0.borrow();
            if let Some(grad) = &node.grad {
                node.op.propagate(&node.storage.view(), grad);
            }
        }
        Ok(())
    }
}

//! Reverse-mode differentiation over tensor graphs: the shared topological walk
//! (`graph.rs`), with array gradients.

use std::cell::RefCell;
use std::rc::Rc;

use ndarray::ArrayD;

use super::node::{Tensor, TensorNode};
use super::op::TensorOp;
use crate::error::{Error, Result};
use crate::graph;

/// The tensors reachable from `root` that need a gradient, each after its operands.
fn gradient_order(root: &Tensor) -> Vec<Rc<RefCell<TensorNode>>> {
    graph::topological_order(&root.0, |node| {
        if !node.requires_grad {
            return false;
        }
        if !matches!(node.op, TensorOp::Leaf) {
            node.grad = None; // interior nodes hold this call's gradient only
        }
        true
    })
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
        for rc in order.iter().rev() {
            let node = rc.borrow();
            if let Some(grad) = &node.grad {
                node.op.propagate(&node.storage.view(), grad);
            }
        }
        Ok(())
    }
}

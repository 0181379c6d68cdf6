//! How a tensor was made. Each family of ops keeps its forward and its backward
//! side by side in its own file; `propagate` only dispatches to them.

use ndarray::{ArrayD, ArrayViewD};

use super::elementwise::{self, BinaryOp, UnaryOp};
use super::loss::{self, LossOp};
use super::node::Tensor;
use super::{matmul, reduce, structure};

#[derive(Clone, Debug)]
pub enum TensorOp {
    Leaf,
    Binary(BinaryOp, Tensor, Tensor),
    Unary(UnaryOp, Tensor),
    Reduce(reduce::Reduction, Tensor),
    Structure(structure::Restructure, Vec<Tensor>),
    MatMul(Tensor, Tensor),
    /// `x @ w.T + b`, fused: one node instead of three.
    Linear(Tensor, Tensor, Option<Tensor>),
    Loss(LossOp, Vec<Tensor>),
}

impl TensorOp {
    /// Adds `grad * d(out)/d(operand)` into each operand that requires grad.
    pub(crate) fn propagate(&self, out: &ArrayViewD<'_, f64>, grad: &ArrayD<f64>) {
        match self {
            TensorOp::Leaf => {}
            TensorOp::Binary(op, a, b) => elementwise::backward_binary(*op, a, b, out, grad),
            TensorOp::Unary(op, a) => elementwise::backward_unary(*op, a, out, grad),
            TensorOp::Reduce(reduction, a) => reduce::backward(reduction, a, out, grad),
            TensorOp::Structure(restructure, inputs) => {
                structure::backward(restructure, inputs, grad)
            }
            TensorOp::MatMul(a, b) => matmul::backward_matmul(a, b, grad),
            TensorOp::Linear(x, w, b) => matmul::backward_linear(x, w, b.as_ref(), grad),
            TensorOp::Loss(op, inputs) => loss::backward(op, inputs, grad),
        }
    }

    pub fn operands(&self) -> Vec<&Tensor> {
        match self {
            TensorOp::Leaf => vec![],
            TensorOp::Binary(_, a, b) | TensorOp::MatMul(a, b) => vec![a, b],
            TensorOp::Unary(_, a) | TensorOp::Reduce(_, a) => vec![a],
            TensorOp::Structure(_, inputs) | TensorOp::Loss(_, inputs) => inputs.iter().collect(),
            TensorOp::Linear(x, w, b) => [Some(x), Some(w), b.as_ref()]
                .into_iter()
                .flatten()
                .collect(),
        }
    }

    /// The operands, moved out of the op (for freeing a graph without recursion).
    pub(crate) fn into_operands(self) -> Vec<Tensor> {
        match self {
            TensorOp::Leaf => vec![],
            TensorOp::Binary(_, a, b) | TensorOp::MatMul(a, b) => vec![a, b],
            TensorOp::Unary(_, a) | TensorOp::Reduce(_, a) => vec![a],
            TensorOp::Structure(_, inputs) | TensorOp::Loss(_, inputs) => inputs,
            TensorOp::Linear(x, w, b) => [Some(x), Some(w), b].into_iter().flatten().collect(),
        }
    }

    /// True when dropping this op may free an operand: for any op but a leaf (tensor
    /// ops are few and each carries an array, so the exact test would save nothing).
    pub(crate) fn may_free_an_operand(&self) -> bool {
        !matches!(self, TensorOp::Leaf)
    }

    /// Calls `f` on each operand, in order (for the graph walks of `graph.rs`).
    pub(crate) fn each_operand(&self, f: impl FnMut(&Tensor)) {
        self.operands().into_iter().for_each(f);
    }

    /// Calls `f` on each operand, moved out of the op (for the iterative drop).
    pub(crate) fn into_each_operand(self, f: impl FnMut(Tensor)) {
        self.into_operands().into_iter().for_each(f);
    }

    /// A short name for graph pictures.
    pub fn name(&self) -> &'static str {
        match self {
            TensorOp::Leaf => "",
            TensorOp::Binary(op, ..) => op.name(),
            TensorOp::Unary(op, _) => op.name(),
            TensorOp::Reduce(reduction, _) => reduction.name(),
            TensorOp::Structure(restructure, _) => restructure.name(),
            TensorOp::MatMul(..) => "matmul",
            TensorOp::Linear(..) => "linear",
            TensorOp::Loss(op, _) => op.name(),
        }
    }
}

/// Whether a result of these operands needs a gradient.
pub(crate) fn any_requires_grad<'a>(operands: impl IntoIterator<Item = &'a Tensor>) -> bool {
    operands.into_iter().any(Tensor::requires_grad)
}

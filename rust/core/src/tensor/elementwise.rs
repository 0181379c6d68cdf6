//! Element-by-element ops, with numpy broadcasting for the binary ones. Their
//! values and local derivatives are the one calculus's (`calculus.rs`); this file
//! only maps them over arrays.

use ndarray::{ArrayD, ArrayViewD, Zip};

pub use crate::calculus::{BinaryOp, UnaryOp};

use super::node::Tensor;
use super::op::{any_requires_grad, TensorOp};
use super::shape::{broadcast_view, reduce_to_shape, zip_broadcast};
use crate::calculus::{with_binary_kind, with_unary_kind};
use crate::error::Result;

impl Tensor {
    fn binary(&self, op: BinaryOp, other: &Tensor) -> Result<Tensor> {
        let data = with_binary_kind!(op, |op| zip_broadcast(
            op.name(),
            &self.data(),
            &other.data(),
            |x, y| op.apply(x, y)
        ))?;
        let requires_grad = any_requires_grad([self, other]);
        Ok(Tensor::with_op(
            data,
            TensorOp::Binary(op, self.clone(), other.clone()),
            requires_grad,
        ))
    }

    fn unary(&self, op: UnaryOp) -> Tensor {
        let data = with_unary_kind!(op, |op| self.data().mapv(|x| op.apply(x)));
        Tensor::with_op(
            data,
            TensorOp::Unary(op, self.clone()),
            self.requires_grad(),
        )
    }

    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Add, other)
    }

    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Sub, other)
    }

    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Mul, other)
    }

    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Div, other)
    }

    /// `self ** exponent`, element by element, broadcasting.
    pub fn pow(&self, exponent: &Tensor) -> Result<Tensor> {
        self.binary(BinaryOp::Pow, exponent)
    }

    pub fn neg(&self) -> Tensor {
        self.unary(UnaryOp::Neg)
    }

    crate::calculus::unary_op_methods!();
}

pub(crate) fn backward_binary(
    op: BinaryOp,
    a: &Tensor,
    b: &Tensor,
    out: &ArrayViewD<'_, f64>,
    grad: &ArrayD<f64>,
) {
    let (wants_a, wants_b) = (a.requires_grad(), b.requires_grad());
    if !wants_a && !wants_b {
        return;
    }
    let (grad_a, grad_b) = {
        let (x, y) = (a.data(), b.data());
        let (x, y) = (
            broadcast_view(&*x, out.shape()),
            broadcast_view(&*y, out.shape()),
        );
        let mut grad_a = ArrayD::zeros(out.raw_dim());
        let mut grad_b = ArrayD::zeros(out.raw_dim());
        with_binary_kind!(op, |op| Zip::from(&mut grad_a)
            .and(&mut grad_b)
            .and(&x)
            .and(&y)
            .and(out)
            .and(grad)
            .for_each(|ga, gb, &x, &y, &o, &g| {
                let (dx, dy) = op.derivatives(x, y, o);
                *ga = g * dx;
                *gb = g * dy;
            }));
        (grad_a, grad_b)
    };
    if wants_a {
        let shape = a.shape();
        a.accumulate_grad(reduce_to_shape(grad_a, &shape));
    }
    if wants_b {
        let shape = b.shape();
        b.accumulate_grad(reduce_to_shape(grad_b, &shape));
    }
}

pub(crate) fn backward_unary(
    op: UnaryOp,
    a: &Tensor,
    out: &ArrayViewD<'_, f64>,
    grad: &ArrayD<f64>,
) {
    if !a.requires_grad() {
        return;
    }
    let delta = {
        let x = a.data();
        let mut delta = ArrayD::zeros(out.raw_dim());
        with_unary_kind!(op, |op| Zip::from(&mut delta)
            .and(&*x)
            .and(out)
            .and(grad)
            .for_each(|d, &x, &o, &g| *d = g * op.derivative(x, o)));
        delta
    };
    a.accumulate_grad(delta);
}

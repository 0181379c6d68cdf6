//! Element-by-element ops, with numpy broadcasting for the binary ones: forward
//! and local derivatives side by side.

use ndarray::{ArrayD, ArrayViewD, Zip};

use super::node::Tensor;
use super::op::{any_requires_grad, TensorOp};
use super::shape::{broadcast_view, reduce_to_shape, zip_broadcast};
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
        }
    }

    fn apply(self, x: f64, y: f64) -> f64 {
        match self {
            BinaryOp::Add => x + y,
            BinaryOp::Sub => x - y,
            BinaryOp::Mul => x * y,
            BinaryOp::Div => x / y,
            BinaryOp::Pow => x.powf(y),
        }
    }

    /// (d out/dx, d out/dy) at one element, given the output `out`.
    fn local_derivatives(self, x: f64, y: f64, out: f64) -> (f64, f64) {
        match self {
            BinaryOp::Add => (1.0, 1.0),
            BinaryOp::Sub => (1.0, -1.0),
            BinaryOp::Mul => (y, x),
            BinaryOp::Div => (1.0 / y, -x / (y * y)),
            // As for Value: x^0 has slope 0, and d/dy is taken as 0 where x = 0.
            BinaryOp::Pow => (
                if y == 0.0 { 0.0 } else { y * x.powf(y - 1.0) },
                if x == 0.0 && y >= 0.0 {
                    0.0
                } else {
                    out * x.ln()
                },
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    PowScalar(f64),
    Relu,
    LeakyRelu(f64),
    Tanh,
    Sigmoid,
    Exp,
    Log,
}

impl UnaryOp {
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::PowScalar(_) => "pow",
            UnaryOp::Relu => "relu",
            UnaryOp::LeakyRelu(_) => "leaky_relu",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
        }
    }

    fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::PowScalar(n) => x.powf(n),
            UnaryOp::Relu => crate::op::relu(x),
            UnaryOp::LeakyRelu(slope) => crate::op::leaky_relu(x, slope),
            UnaryOp::Tanh => x.tanh(),
            UnaryOp::Sigmoid => crate::op::sigmoid(x),
            UnaryOp::Exp => x.exp(),
            UnaryOp::Log => x.ln(),
        }
    }

    /// d out/dx at one element, given the input `x` and output `out`.
    fn local_derivative(self, x: f64, out: f64) -> f64 {
        match self {
            UnaryOp::Neg => -1.0,
            UnaryOp::PowScalar(n) => {
                if n == 0.0 {
                    0.0
                } else {
                    n * x.powf(n - 1.0)
                }
            }
            UnaryOp::Relu => crate::op::relu_backward(out, 1.0),
            UnaryOp::LeakyRelu(slope) => crate::op::leaky_relu_slope(x, slope),
            UnaryOp::Tanh => 1.0 - out * out,
            UnaryOp::Sigmoid => out * (1.0 - out),
            UnaryOp::Exp => out,
            UnaryOp::Log => 1.0 / x,
        }
    }
}

impl Tensor {
    fn binary(&self, op: BinaryOp, other: &Tensor) -> Result<Tensor> {
        let data = zip_broadcast(op.name(), &self.data(), &other.data(), |x, y| {
            op.apply(x, y)
        })?;
        let requires_grad = any_requires_grad([self, other]);
        Ok(Tensor::with_op(
            data,
            TensorOp::Binary(op, self.clone(), other.clone()),
            requires_grad,
        ))
    }

    fn unary(&self, op: UnaryOp) -> Tensor {
        let data = self.data().mapv(|x| op.apply(x));
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

    pub fn pow_scalar(&self, exponent: f64) -> Tensor {
        self.unary(UnaryOp::PowScalar(exponent))
    }

    pub fn neg(&self) -> Tensor {
        self.unary(UnaryOp::Neg)
    }

    pub fn relu(&self) -> Tensor {
        self.unary(UnaryOp::Relu)
    }

    pub fn leaky_relu(&self, negative_slope: f64) -> Tensor {
        self.unary(UnaryOp::LeakyRelu(negative_slope))
    }

    pub fn tanh(&self) -> Tensor {
        self.unary(UnaryOp::Tanh)
    }

    pub fn sigmoid(&self) -> Tensor {
        self.unary(UnaryOp::Sigmoid)
    }

    pub fn exp(&self) -> Tensor {
        self.unary(UnaryOp::Exp)
    }

    pub fn log(&self) -> Tensor {
        self.unary(UnaryOp::Log)
    }
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
        Zip::from(&mut grad_a)
            .and(&mut grad_b)
            .and(&x)
            .and(&y)
            .and(out)
            .and(grad)
            .for_each(|ga, gb, &x, &y, &o, &g| {
                let (dx, dy) = op.local_derivatives(x, y, o);
                *ga = g * dx;
                *gb = g * dy;
            });
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
        Zip::from(&mut delta)
            .and(&*x)
            .and(out)
            .and(grad)
            .for_each(|d, &x, &o, &g| *d = g * op.local_derivative(x, o));
        delta
    };
    a.accumulate_grad(delta);
}

//! Matrix products on the GEMM of `ndarray` (matrixmultiply): `a @ b` with numpy's
//! rules (vectors promoted, leading dimensions broadcast as a batch) and the fused
//! `linear` layer `x @ w.T + b`.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayD, ArrayView2, ArrayViewD, Axis, Ix2, IxDyn};

use super::node::Tensor;
use super::op::{any_requires_grad, TensorOp};
use super::shape::{broadcast_shape, ensure_allocatable, reduce_to_shape};
use crate::error::{Error, Result};

fn mismatch(op: &'static str, a: &[usize], b: &[usize]) -> Error {
    Error::ShapeMismatch {
        op,
        left: a.to_vec(),
        right: b.to_vec(),
    }
}

/// `a @ b` for arrays of two or more dimensions: the last two are matrices, the
/// ones before broadcast as a batch.
fn batched_product(a: &ArrayViewD<f64>, b: &ArrayViewD<f64>) -> Result<ArrayD<f64>> {
    let (an, bn) = (a.ndim(), b.ndim());
    let (m, k) = (a.shape()[an - 2], a.shape()[an - 1]);
    let (k2, n) = (b.shape()[bn - 2], b.shape()[bn - 1]);
    if k != k2 {
        return Err(mismatch("matmul", a.shape(), b.shape()));
    }
    if an == 2 && bn == 2 {
        ensure_allocatable(&[m, n])?;
        let mut out = ndarray::Array2::zeros((m, n));
        general_mat_mul(1.0, &as_matrix(a), &as_matrix(b), 0.0, &mut out);
        return Ok(out.into_dyn());
    }
    let batch = broadcast_shape("matmul", &a.shape()[..an - 2], &b.shape()[..bn - 2])
        .map_err(|_| mismatch("matmul", a.shape(), b.shape()))?;
    let out_shape: Vec<usize> = batch.iter().copied().chain([m, n]).collect();
    ensure_allocatable(&out_shape)?;
    if out_shape.contains(&0) || k == 0 {
        // Nothing to multiply (or a sum over nothing): no broadcast copies needed.
        return Ok(ArrayD::zeros(IxDyn(&out_shape)));
    }
    // The operands are copied to the batch shape below: check those copies too.
    ensure_allocatable(&batch.iter().copied().chain([m, k]).collect::<Vec<_>>())?;
    ensure_allocatable(&batch.iter().copied().chain([k, n]).collect::<Vec<_>>())?;
    let count: usize = batch.iter().product();
    let stack = |x: &ArrayViewD<f64>, rows, cols| {
        let shape: Vec<usize> = batch.iter().copied().chain([rows, cols]).collect();
        x.broadcast(IxDyn(&shape))
            .map(|v| v.as_standard_layout().into_owned())
            .and_then(|v| v.into_shape_with_order(IxDyn(&[count, rows, cols])).ok())
    };
    let (a3, b3) = match (stack(a, m, k), stack(b, k, n)) {
        (Some(a3), Some(b3)) => (a3, b3),
        _ => return Err(mismatch("matmul", a.shape(), b.shape())),
    };
    let mut out = ArrayD::zeros(IxDyn(&[count, m, n]));
    for i in 0..count {
        let mut target = out
            .index_axis_mut(Axis(0), i)
            .into_dimensionality::<Ix2>()
            .expect("3-D");
        let left = a3.index_axis(Axis(0), i);
        let right = b3.index_axis(Axis(0), i);
        general_mat_mul(1.0, &as_matrix(&left), &as_matrix(&right), 0.0, &mut target);
    }
    let shape: Vec<usize> = batch.into_iter().chain([m, n]).collect();
    Ok(out.into_shape_with_order(IxDyn(&shape)).expect("same size"))
}

fn as_matrix<'a>(x: &'a ArrayViewD<f64>) -> ArrayView2<'a, f64> {
    x.view()
        .into_dimensionality::<Ix2>()
        .expect("callers pass 2-D views")
}

/// numpy's `matmul`: 1-D operands are promoted to a row (left) or a column
/// (right) and the promoted axis is dropped from the result.
fn matmul_arrays(a: &ArrayViewD<'_, f64>, b: &ArrayViewD<'_, f64>) -> Result<ArrayD<f64>> {
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(mismatch(
            "matmul (needs at least 1-D operands)",
            a.shape(),
            b.shape(),
        ));
    }
    let a_view = if a.ndim() == 1 {
        a.view().insert_axis(Axis(0))
    } else {
        a.view()
    };
    let b_view = if b.ndim() == 1 {
        b.view().insert_axis(Axis(1))
    } else {
        b.view()
    };
    // A mismatch names the operands as given (not as promoted); a result too large
    // for memory stays `OutOfMemory` / `TooLarge` (a MemoryError, as for `+`).
    let mut out = batched_product(&a_view, &b_view).map_err(|error| match error {
        Error::ShapeMismatch { .. } => mismatch("matmul", a.shape(), b.shape()),
        other => other,
    })?;
    if b.ndim() == 1 {
        let last = out.ndim() - 1;
        out = out.index_axis_move(Axis(last), 0);
    }
    if a.ndim() == 1 {
        let row_axis = out.ndim() - if b.ndim() == 1 { 1 } else { 2 };
        out = out.index_axis_move(Axis(row_axis), 0);
    }
    Ok(out)
}

/// `x` with its last two axes swapped (a vector stays as it is), as a new array.
fn transposed(mut x: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    if x.ndim() >= 2 {
        x.swap_axes(x.ndim() - 2, x.ndim() - 1);
    }
    x.to_owned()
}

impl Tensor {
    /// The matrix product `self @ other`, with numpy's rules.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        let data = matmul_arrays(&self.data(), &other.data())?;
        let requires_grad = any_requires_grad([self, other]);
        Ok(Tensor::with_op(
            data,
            TensorOp::MatMul(self.clone(), other.clone()),
            requires_grad,
        ))
    }

    /// `self @ weight.T + bias` for `self` of shape (n, nin), `weight` (nout, nin)
    /// and `bias` (nout,): a whole dense layer as one graph node.
    pub fn linear(&self, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
        let data = {
            let (x, w) = (self.data(), weight.data());
            let fits = x.ndim() == 2 && w.ndim() == 2 && x.shape()[1] == w.shape()[1];
            if !fits {
                return Err(mismatch("linear (x @ weight.T)", x.shape(), w.shape()));
            }
            ensure_allocatable(&[x.shape()[0], w.shape()[0]])?;
            let (x_view, w_view) = (x.view(), w.view());
            let (x2, w2) = (as_matrix(&x_view), as_matrix(&w_view));
            let mut out = ndarray::Array2::zeros((x.shape()[0], w.shape()[0]));
            if let Some(bias) = bias {
                let b = bias.data();
                if b.shape() != [w.shape()[0]] {
                    return Err(mismatch("linear (bias)", w.shape(), b.shape()));
                }
                out += &b.view().into_dimensionality::<ndarray::Ix1>().expect("1-D");
            }
            general_mat_mul(1.0, &x2, &w2.t(), 1.0, &mut out);
            out.into_dyn()
        };
        let requires_grad = any_requires_grad([self, weight].into_iter().chain(bias));
        let op = TensorOp::Linear(self.clone(), weight.clone(), bias.cloned());
        Ok(Tensor::with_op(data, op, requires_grad))
    }
}

/// d(a @ b): `grad @ b.T` for `a` and `a.T @ grad` for `b`, each summed back
/// over broadcast batch dimensions and promoted vector axes.
pub(crate) fn backward_matmul(a: &Tensor, b: &Tensor, grad: &ArrayD<f64>) {
    // Work in the promoted (at least 2-D) shapes, then drop the promotions.
    let mut g = grad.clone();
    let (a_ndim, b_ndim) = (a.ndim(), b.ndim());
    if b_ndim == 1 {
        let end = g.ndim();
        g = g.insert_axis(Axis(end));
    }
    if a_ndim == 1 {
        let row_axis = g.ndim() - 1;
        g = g.insert_axis(Axis(row_axis));
    }
    // Both deltas are computed while the operands are borrowed, and added after:
    // `a` and `b` may be one tensor (`t @ t`).
    let (delta_a, delta_b) = {
        let (x, y) = (a.data(), b.data());
        let (x2, y2) = (promoted(&x, 0), promoted(&y, 1));
        let back_to = |delta: ArrayD<f64>, promoted: &[usize], shape: &[usize]| {
            reduce_to_shape(delta, promoted)
                .into_shape_with_order(IxDyn(shape))
                .expect("same size")
        };
        let delta_a = a
            .requires_grad()
            .then(|| matmul_arrays(&g.view(), &transposed(y2.view()).view()).ok())
            .flatten()
            .map(|delta| back_to(delta, x2.shape(), x.shape()));
        let delta_b = b
            .requires_grad()
            .then(|| matmul_arrays(&transposed(x2.view()).view(), &g.view()).ok())
            .flatten()
            .map(|delta| back_to(delta, y2.shape(), y.shape()));
        (delta_a, delta_b)
    };
    if let Some(delta) = delta_a {
        a.accumulate_grad(delta);
    }
    if let Some(delta) = delta_b {
        b.accumulate_grad(delta);
    }
}

/// `x` viewed with at least two dimensions: a vector gets a new axis at `axis`
/// (0: a row, 1: a column), as numpy's matmul promotes it.
fn promoted<'v>(x: &'v ArrayViewD<'_, f64>, axis: usize) -> ArrayViewD<'v, f64> {
    if x.ndim() == 1 {
        x.view().insert_axis(Axis(axis))
    } else {
        x.view()
    }
}

/// d(x @ w.T + b): `grad @ w` for x, `grad.T @ x` for w, `grad` summed over rows for b.
pub(crate) fn backward_linear(x: &Tensor, w: &Tensor, b: Option<&Tensor>, grad: &ArrayD<f64>) {
    let g = grad
        .view()
        .into_dimensionality::<Ix2>()
        .expect("linear outputs are 2-D");
    // Both deltas are computed before either is added: x and w may be one tensor
    // (`linear(t, t)`), and adding to it while reading it would be a borrow conflict.
    let delta_x = x.requires_grad().then(|| {
        let weight = w.data();
        let mut delta = ndarray::Array2::zeros((g.nrows(), weight.shape()[1]));
        general_mat_mul(1.0, &g, &as_matrix(&weight.view()), 0.0, &mut delta);
        delta.into_dyn()
    });
    let delta_w = w.requires_grad().then(|| {
        let input = x.data();
        let mut delta = ndarray::Array2::zeros((g.ncols(), input.shape()[1]));
        general_mat_mul(1.0, &g.t(), &as_matrix(&input.view()), 0.0, &mut delta);
        delta.into_dyn()
    });
    if let Some(delta) = delta_x {
        x.accumulate_grad(delta);
    }
    if let Some(delta) = delta_w {
        w.accumulate_grad(delta);
    }
    if let Some(b) = b.filter(|b| b.requires_grad()) {
        b.accumulate_grad(g.sum_axis(Axis(0)).into_dyn());
    }
}

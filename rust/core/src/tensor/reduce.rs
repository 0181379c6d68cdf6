//! Reductions along an axis (or over everything) and the softmax family:
//! forward and backward side by side.

use ndarray::{ArrayBase, ArrayD, ArrayViewD, Axis, Data, IxDyn, Zip};

use super::node::Tensor;
use super::op::TensorOp;
use super::shape::{broadcast_view, ensure_allocatable, normalize_axis};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub enum Reduction {
    Sum { axis: Option<usize>, keepdims: bool },
    Mean { axis: Option<usize>, keepdims: bool },
    Max { axis: Option<usize>, keepdims: bool },
    Softmax { axis: usize },
    LogSoftmax { axis: usize },
}

impl Reduction {
    pub fn name(&self) -> &'static str {
        match self {
            Reduction::Sum { .. } => "sum",
            Reduction::Mean { .. } => "mean",
            Reduction::Max { .. } => "max",
            Reduction::Softmax { .. } => "softmax",
            Reduction::LogSoftmax { .. } => "log_softmax",
        }
    }
}

/// The shape a reduction keeps its reduced axes in (size 1), so results broadcast
/// back against the input.
fn kept_shape(shape: &[usize], axis: Option<usize>) -> Vec<usize> {
    match axis {
        Some(axis) => {
            let mut kept = shape.to_vec();
            kept[axis] = 1;
            kept
        }
        None => vec![1; shape.len()],
    }
}

/// Reduces with `fold` (from `init`) over `axis` or everything, keeping the axes.
fn fold_kept<S: Data<Elem = f64>>(
    x: &ArrayBase<S, IxDyn>,
    axis: Option<usize>,
    init: f64,
    fold: fn(f64, f64) -> f64,
) -> ArrayD<f64> {
    // An empty input folds to `init` everywhere; ndarray's fold_axis would still walk
    // every (empty) lane along the axis, which hangs for a length like 2^40.
    if x.is_empty() {
        return ArrayD::from_elem(IxDyn(&kept_shape(x.shape(), axis)), init);
    }
    match axis {
        Some(axis) => x
            .fold_axis(Axis(axis), init, |&acc, &v| fold(acc, v))
            .insert_axis(Axis(axis)),
        None => {
            let total = x.iter().fold(init, |acc, &v| fold(acc, v));
            ArrayD::from_elem(IxDyn(&kept_shape(x.shape(), None)), total)
        }
    }
}

/// `kept` (reduced axes of size 1) in the shape the caller asked for.
fn finish(kept: ArrayD<f64>, axis: Option<usize>, keepdims: bool) -> ArrayD<f64> {
    if keepdims {
        return kept;
    }
    match axis {
        Some(axis) => kept.index_axis_move(Axis(axis), 0),
        None => ArrayD::from_elem(IxDyn(&[]), kept.iter().copied().next().unwrap_or(0.0)),
    }
}

/// The gradient of a reduced result, with its reduced axes back as size 1.
fn grad_kept<S: Data<Elem = f64>>(
    grad: &ArrayBase<S, IxDyn>,
    input_shape: &[usize],
    axis: Option<usize>,
) -> ArrayD<f64> {
    grad.to_shape(IxDyn(&kept_shape(input_shape, axis)))
        .map(|g| g.to_owned())
        .unwrap_or_else(|_| grad.to_owned())
}

/// `max(x)` along the axis with `exp(x - max)` summed, for a stable softmax.
fn shifted_exp_and_sum(
    x: &ArrayViewD<'_, f64>,
    axis: usize,
) -> (ArrayD<f64>, ArrayD<f64>, ArrayD<f64>) {
    let max = fold_kept(x, Some(axis), f64::NEG_INFINITY, f64::max);
    let shifted = x - &max;
    let exp = shifted.mapv(f64::exp);
    let sum = exp.sum_axis(Axis(axis)).insert_axis(Axis(axis));
    (shifted, exp, sum)
}

impl Tensor {
    fn reduce(&self, reduction: Reduction, data: ArrayD<f64>) -> Tensor {
        Tensor::with_op(
            data,
            TensorOp::Reduce(reduction, self.clone()),
            self.requires_grad(),
        )
    }

    /// The axis argument resolved, after checking that the result can be allocated
    /// (an empty input can reduce to a huge result: shape (2^40, 0) over axis 1).
    fn axis_arg(&self, axis: Option<isize>) -> Result<Option<usize>> {
        let axis = axis.map(|a| normalize_axis(a, self.ndim())).transpose()?;
        ensure_allocatable(&kept_shape(&self.shape(), axis))?;
        Ok(axis)
    }

    /// The sum over `axis` (or over everything), dropping that axis unless `keepdims`.
    pub fn sum(&self, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
        let axis = self.axis_arg(axis)?;
        let kept = fold_kept(&self.data(), axis, 0.0, |a, b| a + b);
        Ok(self.reduce(
            Reduction::Sum { axis, keepdims },
            finish(kept, axis, keepdims),
        ))
    }

    pub fn mean(&self, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
        let axis = self.axis_arg(axis)?;
        let count = count_reduced(&self.shape(), axis);
        let kept = fold_kept(&self.data(), axis, 0.0, |a, b| a + b) / count;
        Ok(self.reduce(
            Reduction::Mean { axis, keepdims },
            finish(kept, axis, keepdims),
        ))
    }

    /// The largest value (nan if any value is nan, as numpy); its gradient is shared
    /// equally among tied maxima.
    pub fn max(&self, axis: Option<isize>, keepdims: bool) -> Result<Tensor> {
        let axis = self.axis_arg(axis)?;
        if count_reduced(&self.shape(), axis) == 0.0 {
            return Err(Error::Empty {
                argument: "the values max() reduces",
            });
        }
        let kept = fold_kept(&self.data(), axis, f64::NEG_INFINITY, nan_max);
        Ok(self.reduce(
            Reduction::Max { axis, keepdims },
            finish(kept, axis, keepdims),
        ))
    }

    /// `exp(x) / sum(exp(x))` along `axis`, computed without overflow.
    pub fn softmax(&self, axis: isize) -> Result<Tensor> {
        let axis = normalize_axis(axis, self.ndim())?;
        if self.is_empty() {
            let empty = self.data().to_owned();
            return Ok(self.reduce(Reduction::Softmax { axis }, empty));
        }
        let (_, exp, sum) = shifted_exp_and_sum(&self.data(), axis);
        Ok(self.reduce(Reduction::Softmax { axis }, exp / &sum))
    }

    /// `x - log(sum(exp(x)))` along `axis`, computed without overflow.
    pub fn log_softmax(&self, axis: isize) -> Result<Tensor> {
        let axis = normalize_axis(axis, self.ndim())?;
        if self.is_empty() {
            let empty = self.data().to_owned();
            return Ok(self.reduce(Reduction::LogSoftmax { axis }, empty));
        }
        let (shifted, _, sum) = shifted_exp_and_sum(&self.data(), axis);
        Ok(self.reduce(Reduction::LogSoftmax { axis }, shifted - &sum.mapv(f64::ln)))
    }
}

/// `f64::max` skips nan; numpy's and PyTorch's max propagate it.
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

fn count_reduced(shape: &[usize], axis: Option<usize>) -> f64 {
    match axis {
        Some(axis) => shape[axis] as f64,
        None => shape.iter().product::<usize>() as f64,
    }
}

pub(crate) fn backward(
    reduction: &Reduction,
    a: &Tensor,
    out: &ArrayViewD<'_, f64>,
    grad: &ArrayD<f64>,
) {
    if !a.requires_grad() {
        return;
    }
    let delta = {
        let x = a.data();
        let shape = x.shape().to_vec();
        match reduction {
            // d sum / dx_i = 1: the gradient spreads back over the reduced axes.
            Reduction::Sum { axis, .. } => {
                broadcast_view(&grad_kept(grad, &shape, *axis), &shape).to_owned()
            }
            Reduction::Mean { axis, .. } => {
                broadcast_view(&grad_kept(grad, &shape, *axis), &shape).to_owned()
                    / count_reduced(&shape, *axis)
            }
            // Only the maxima move the max; ties split the gradient.
            Reduction::Max { axis, .. } => {
                let max = grad_kept(out, &shape, *axis);
                let is_max = Zip::from(&*x)
                    .and(&broadcast_view(&max, &shape))
                    .map_collect(|&v, &m| f64::from(u8::from(v == m)));
                let ties = fold_kept(&is_max, *axis, 0.0, |a, b| a + b);
                let share = grad_kept(grad, &shape, *axis) / ties;
                is_max * &broadcast_view(&share, &shape)
            }
            // ds/dx = s (g - sum(g s)) along the axis.
            Reduction::Softmax { axis } => {
                let weighted = (grad * out).sum_axis(Axis(*axis)).insert_axis(Axis(*axis));
                out * &(grad - &weighted)
            }
            // d logsoftmax / dx = g - softmax * sum(g) along the axis.
            Reduction::LogSoftmax { axis } => {
                let total = grad.sum_axis(Axis(*axis)).insert_axis(Axis(*axis));
                grad - &(out.mapv(f64::exp) * &total)
            }
        }
    };
    a.accumulate_grad(delta);
}

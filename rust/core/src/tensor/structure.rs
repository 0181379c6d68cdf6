//! Ops that move values around without changing them (reshape, transpose, row
//! selection, concatenation); each backward moves the gradient back.

use ndarray::{concatenate, ArrayD, Axis, IxDyn, Slice};

use super::node::Tensor;
use super::op::{any_requires_grad, TensorOp};
use super::shape::{ensure_allocatable, normalize_axis, normalize_index, resolve_reshape};
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub enum Restructure {
    Reshape,
    /// Axis `i` of the result is axis `permutation[i]` of the input.
    Transpose(Vec<usize>),
    Rows(Vec<usize>),
    Concat(usize),
}

impl Restructure {
    pub fn name(&self) -> &'static str {
        match self {
            Restructure::Reshape => "reshape",
            Restructure::Transpose(_) => "transpose",
            Restructure::Rows(_) => "rows",
            Restructure::Concat(_) => "concat",
        }
    }
}

impl Tensor {
    fn restructure(restructure: Restructure, inputs: Vec<Tensor>, data: ArrayD<f64>) -> Tensor {
        let requires_grad = any_requires_grad(&inputs);
        Tensor::with_op(
            data,
            TensorOp::Structure(restructure, inputs),
            requires_grad,
        )
    }

    /// The same values in a new shape; one entry may be -1 (inferred).
    pub fn reshape(&self, shape: &[isize]) -> Result<Tensor> {
        let target = resolve_reshape(&self.shape(), shape)?;
        ensure_allocatable(&target)?; // an empty tensor can still ask for absurd lengths
        let data = self
            .data()
            .to_shape(IxDyn(&target))
            .map_err(|_| Error::BadReshape {
                from: self.shape(),
                to: shape.to_vec(),
            })?
            .to_owned();
        Ok(Tensor::restructure(
            Restructure::Reshape,
            vec![self.clone()],
            data,
        ))
    }

    /// Permutes the axes (`None` reverses them, like numpy's `.T`).
    pub fn transpose(&self, axes: Option<&[isize]>) -> Result<Tensor> {
        let ndim = self.ndim();
        let permutation: Vec<usize> = match axes {
            None => (0..ndim).rev().collect(),
            Some(axes) => {
                let resolved = axes
                    .iter()
                    .map(|&a| normalize_axis(a, ndim))
                    .collect::<Result<Vec<_>>>()?;
                let mut seen = vec![false; ndim];
                if resolved.len() != ndim
                    || resolved
                        .iter()
                        .any(|&a| std::mem::replace(&mut seen[a], true))
                {
                    return Err(Error::ShapeMismatch {
                        op: "transpose (axes must be a permutation)",
                        left: self.shape(),
                        right: resolved,
                    });
                }
                resolved
            }
        };
        let data = self
            .data()
            .view()
            .permuted_axes(IxDyn(&permutation))
            .as_standard_layout()
            .into_owned();
        Ok(Tensor::restructure(
            Restructure::Transpose(permutation),
            vec![self.clone()],
            data,
        ))
    }

    /// The rows (entries along axis 0) at `indices`, which may count from the end
    /// and repeat: mini-batches and fancy indexing.
    pub fn rows(&self, indices: &[isize]) -> Result<Tensor> {
        let len = self.shape().first().copied().ok_or(Error::NotScalar {
            op: "indexing (needs at least one dimension)",
            shape: vec![],
        })?;
        let resolved = indices
            .iter()
            .map(|&i| normalize_index(i, len))
            .collect::<Result<Vec<_>>>()?;
        let mut out_shape = self.shape();
        out_shape[0] = resolved.len();
        ensure_allocatable(&out_shape)?;
        let data = self.data().select(Axis(0), &resolved);
        Ok(Tensor::restructure(
            Restructure::Rows(resolved),
            vec![self.clone()],
            data,
        ))
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    pub fn concat(tensors: &[Tensor], axis: isize) -> Result<Tensor> {
        let first = tensors.first().ok_or(Error::Empty {
            argument: "tensors",
        })?;
        let axis = normalize_axis(axis, first.ndim())?;
        // Checked here: ndarray's concatenate panics (rather than erring) when the
        // arrays do not even have the same number of dimensions.
        let first_shape = first.shape();
        if let Some(odd) = tensors.iter().find(|t| {
            let shape = t.shape();
            shape.len() != first_shape.len() || !same_except(&shape, &first_shape, axis)
        }) {
            return Err(Error::ShapeMismatch {
                op: "concat",
                left: first_shape,
                right: odd.shape(),
            });
        }
        let mut out_shape = first_shape.clone();
        out_shape[axis] = tensors.iter().map(|t| t.shape()[axis]).sum();
        ensure_allocatable(&out_shape)?;
        let data = {
            let arrays: Vec<_> = tensors.iter().map(|t| t.data()).collect();
            let views: Vec<_> = arrays.iter().map(|a| a.view()).collect();
            concatenate(Axis(axis), &views).map_err(|_| Error::ShapeMismatch {
                op: "concat",
                left: first.shape(),
                right: out_shape.clone(),
            })?
        };
        Ok(Tensor::restructure(
            Restructure::Concat(axis),
            tensors.to_vec(),
            data,
        ))
    }
}

fn same_except(a: &[usize], b: &[usize], axis: usize) -> bool {
    a.iter()
        .zip(b)
        .enumerate()
        .all(|(i, (x, y))| i == axis || x == y)
}

pub(crate) fn backward(restructure: &Restructure, inputs: &[Tensor], grad: &ArrayD<f64>) {
    match restructure {
        Restructure::Reshape => {
            let input = &inputs[0];
            if input.requires_grad() {
                let shape = input.shape();
                if let Ok(delta) = grad.to_shape(IxDyn(&shape)) {
                    input.accumulate_grad(delta.to_owned());
                }
            }
        }
        Restructure::Transpose(permutation) => {
            let input = &inputs[0];
            if input.requires_grad() {
                let mut inverse = vec![0; permutation.len()];
                for (i, &p) in permutation.iter().enumerate() {
                    inverse[p] = i;
                }
                let delta = grad
                    .view()
                    .permuted_axes(IxDyn(&inverse))
                    .as_standard_layout()
                    .into_owned();
                input.accumulate_grad(delta);
            }
        }
        // Each selected row sends its gradient back to where it came from.
        Restructure::Rows(indices) => inputs[0].accumulate_grad_rows(indices, grad),
        Restructure::Concat(axis) => {
            let mut start = 0;
            for input in inputs {
                let size = input.shape()[*axis];
                if input.requires_grad() {
                    let part = grad.slice_axis(Axis(*axis), Slice::from(start..start + size));
                    input.accumulate_grad(part.to_owned());
                }
                start += size;
            }
        }
    }
}

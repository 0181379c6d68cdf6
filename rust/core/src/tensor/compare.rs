//! Elementwise comparisons (`==`, `<`, ...), with numpy broadcasting: a new leaf of
//! 1.0 where the comparison holds and 0.0 elsewhere, with no gradient (PyTorch
//! returns a bool tensor, which has none either).

use super::node::Tensor;
use super::shape::zip_broadcast;
use crate::error::Result;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
}

impl Comparison {
    /// IEEE comparisons: a NaN is unequal to everything, itself included.
    #[allow(clippy::float_cmp)]
    fn holds(self, x: f64, y: f64) -> bool {
        match self {
            Comparison::Lt => x < y,
            Comparison::Le => x <= y,
            Comparison::Eq => x == y,
            Comparison::Ne => x != y,
            Comparison::Gt => x > y,
            Comparison::Ge => x >= y,
        }
    }
}

impl Tensor {
    /// `self <op> other` element by element, broadcasting: 1.0 or 0.0, no grad.
    pub fn compare(&self, other: &Tensor, op: Comparison) -> Result<Tensor> {
        let data = zip_broadcast("comparison", &self.data(), &other.data(), |x, y| {
            if op.holds(x, y) {
                1.0
            } else {
                0.0
            }
        })?;
        Ok(Tensor::new(data, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, ArrayD, IxDyn};

    #[test]
    fn comparisons_broadcast_and_treat_nan_as_unequal() {
        let a = Tensor::new(arr1(&[1.0, 2.0, f64::NAN]).into_dyn(), true);
        let two = Tensor::new(ArrayD::from_elem(IxDyn(&[]), 2.0), false);
        let lt = a.compare(&two, Comparison::Lt).unwrap();
        assert_eq!(
            lt.data().iter().copied().collect::<Vec<_>>(),
            [1.0, 0.0, 0.0]
        );
        let ne = a.compare(&a, Comparison::Ne).unwrap();
        assert_eq!(
            ne.data().iter().copied().collect::<Vec<_>>(),
            [0.0, 0.0, 1.0]
        );
        assert!(!ne.requires_grad());
    }
}

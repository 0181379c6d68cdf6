//! Losses on tensors, each fused into one graph node with a scalar result: the
//! mean over samples of the same formulas as the scalar losses in `crate::loss`.

use ndarray::{ArrayD, Axis, IxDyn, Zip};

use super::node::Tensor;
use super::op::{any_requires_grad, TensorOp};
use crate::calculus::UnaryOp;
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub enum LossOp {
    /// `mean((p - t)^2)`.
    Mse(ArrayD<f64>),
    /// `mean(relu(1 - y s))`, labels -1/+1.
    Hinge(ArrayD<f64>),
    /// `mean(softplus(z) - z t)`, targets in [0, 1].
    BinaryCrossEntropyWithLogits(ArrayD<f64>),
    /// `mean(logsumexp(z) - z[label])` over rows of class scores.
    CrossEntropy(Vec<usize>),
    /// `sum(p^2)` over every input tensor (an L2 penalty).
    SumOfSquares,
}

impl LossOp {
    pub fn name(&self) -> &'static str {
        match self {
            LossOp::Mse(_) => "mse_loss",
            LossOp::Hinge(_) => "hinge_loss",
            LossOp::BinaryCrossEntropyWithLogits(_) => "binary_cross_entropy_with_logits",
            LossOp::CrossEntropy(_) => "cross_entropy",
            LossOp::SumOfSquares => "l2_penalty",
        }
    }
}

fn scalar(value: f64) -> ArrayD<f64> {
    ArrayD::from_elem(IxDyn(&[]), value)
}

/// `targets` in the predictions' shape: equal shapes, or a column of predictions
/// (n, 1), what a one-output model gives, against a vector of n targets. Any other
/// pair is refused, as PyTorch refuses it: reshaping a (3, 2) target to fit (2, 3)
/// predictions would pair predictions with the wrong targets.
fn aligned_targets(
    op: &'static str,
    predictions: &Tensor,
    targets: ArrayD<f64>,
) -> Result<ArrayD<f64>> {
    let shape = predictions.shape();
    if targets.shape() == shape.as_slice() {
        return Ok(targets);
    }
    if let ([rows, 1], [n]) = (shape.as_slice(), targets.shape()) {
        if rows == n {
            return Ok(targets.insert_axis(Axis(1)));
        }
    }
    Err(Error::ShapeMismatch {
        op,
        left: shape.clone(),
        right: targets.shape().to_vec(),
    })
}

fn check_not_empty(predictions: &Tensor) -> Result<()> {
    if predictions.is_empty() {
        return Err(Error::Empty {
            argument: "predictions",
        });
    }
    Ok(())
}

fn fused(op: LossOp, inputs: Vec<Tensor>, value: f64) -> Tensor {
    let requires_grad = any_requires_grad(&inputs);
    Tensor::with_op(scalar(value), TensorOp::Loss(op, inputs), requires_grad)
}

impl Tensor {
    pub fn mse_loss(&self, targets: ArrayD<f64>) -> Result<Tensor> {
        check_not_empty(self)?;
        let targets = aligned_targets("mse_loss(predictions, targets)", self, targets)?;
        let n = self.len() as f64;
        let total = Zip::from(&*self.data())
            .and(&targets)
            .fold(0.0, |acc, &p, &t| acc + (p - t) * (p - t));
        Ok(fused(LossOp::Mse(targets), vec![self.clone()], total / n))
    }

    pub fn hinge_loss(&self, labels: ArrayD<f64>) -> Result<Tensor> {
        check_not_empty(self)?;
        let labels = aligned_targets("hinge_loss(scores, labels)", self, labels)?;
        let n = self.len() as f64;
        let total = Zip::from(&*self.data())
            .and(&labels)
            .fold(0.0, |acc, &s, &y| acc + UnaryOp::Relu.apply(1.0 - y * s));
        Ok(fused(LossOp::Hinge(labels), vec![self.clone()], total / n))
    }

    pub fn binary_cross_entropy_with_logits(&self, targets: ArrayD<f64>) -> Result<Tensor> {
        check_not_empty(self)?;
        let targets = aligned_targets(
            "binary_cross_entropy_with_logits(logits, targets)",
            self,
            targets,
        )?;
        let n = self.len() as f64;
        let total = Zip::from(&*self.data())
            .and(&targets)
            .fold(0.0, |acc, &z, &t| acc + UnaryOp::Softplus.apply(z) - z * t);
        Ok(fused(
            LossOp::BinaryCrossEntropyWithLogits(targets),
            vec![self.clone()],
            total / n,
        ))
    }

    /// Softmax cross-entropy for `self` of shape (rows, classes) and a class index
    /// per row.
    pub fn cross_entropy(&self, labels: &[usize]) -> Result<Tensor> {
        check_not_empty(self)?;
        let total = {
            let z = self.data();
            if z.ndim() != 2 || z.shape()[0] != labels.len() {
                return Err(Error::ShapeMismatch {
                    op: "cross_entropy (logits of shape (rows, classes), one label per row)",
                    left: z.shape().to_vec(),
                    right: vec![labels.len()],
                });
            }
            let classes = z.shape()[1];
            let mut total = 0.0;
            for (row, &label) in z.axis_iter(Axis(0)).zip(labels) {
                if label >= classes {
                    return Err(Error::OutOfRange {
                        argument: "labels",
                        got: label,
                        limit: classes,
                    });
                }
                total += log_sum_exp(row.iter().copied()) - row[label];
            }
            total
        };
        let n = labels.len() as f64;
        Ok(fused(
            LossOp::CrossEntropy(labels.to_vec()),
            vec![self.clone()],
            total / n,
        ))
    }

    /// `sum(p^2)` over all the tensors: an L2 penalty as one node.
    pub fn l2_penalty(tensors: &[Tensor]) -> Tensor {
        let total = tensors
            .iter()
            .map(|t| t.data().iter().map(|p| p * p).sum::<f64>())
            .sum();
        fused(LossOp::SumOfSquares, tensors.to_vec(), total)
    }
}

/// `log(sum(exp(z)))`, shifted by the largest value so that nothing overflows.
fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    max + values.map(|z| (z - max).exp()).sum::<f64>().ln()
}

pub(crate) fn backward(op: &LossOp, inputs: &[Tensor], grad: &ArrayD<f64>) {
    let g = grad.iter().copied().next().unwrap_or(0.0);
    if let LossOp::SumOfSquares = op {
        for p in inputs.iter().filter(|p| p.requires_grad()) {
            let delta = p.data().mapv(|x| 2.0 * x * g);
            p.accumulate_grad(delta);
        }
        return;
    }
    let input = &inputs[0];
    if !input.requires_grad() {
        return;
    }
    let delta = {
        let x = input.data();
        let scale = g / x.len() as f64;
        match op {
            LossOp::Mse(t) => Zip::from(&*x)
                .and(t)
                .map_collect(|&p, &t| scale * 2.0 * (p - t)),
            // relu(1 - y s): the chain rule through the calculus's relu, slope -y.
            LossOp::Hinge(y) => Zip::from(&*x).and(y).map_collect(|&s, &y| {
                let margin = 1.0 - y * s;
                let relu = UnaryOp::Relu;
                -y * scale * relu.derivative(margin, relu.apply(margin))
            }),
            LossOp::BinaryCrossEntropyWithLogits(t) => {
                Zip::from(&*x).and(t).map_collect(|&z, &t| {
                    // d/dz (softplus(z) - z t) = softplus'(z) - t
                    let softplus = UnaryOp::Softplus;
                    scale * (softplus.derivative(z, softplus.apply(z)) - t)
                })
            }
            // softmax - one_hot, per row, over the number of rows.
            LossOp::CrossEntropy(labels) => {
                let per_row = g / labels.len() as f64;
                let mut delta = x.to_owned();
                for (mut row, &label) in delta.axis_iter_mut(Axis(0)).zip(labels) {
                    let lse = log_sum_exp(row.iter().copied());
                    row.mapv_inplace(|z| (z - lse).exp() * per_row);
                    row[label] -= per_row;
                }
                delta
            }
            LossOp::SumOfSquares => unreachable!("handled above"),
        }
    };
    input.accumulate_grad(delta);
}

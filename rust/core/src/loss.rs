//! Losses and metrics over `Value`s. Each loss builds its graph here, in Rust, and
//! returns the mean over the samples.

use crate::error::{check_length, Error, Result};
use crate::value::Value;

/// Losses need at least one sample, and as many targets as predictions.
fn check_same_length(argument: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == 0 {
        return Err(Error::Empty { argument });
    }
    check_length(argument, expected, got)
}

/// `sum(terms) * (1 / n)`, summed left to right from 0 as Python's `sum` does, so
/// the result matches a loss written by hand in Karpathy's style bit for bit.
fn mean(terms: impl Iterator<Item = Value>, n: usize) -> Value {
    terms.sum::<Value>() * (1.0 / n as f64)
}

/// Mean squared error: `mean((prediction - target)^2)`.
pub fn mse(predictions: &[Value], targets: &[f64]) -> Result<Value> {
    check_same_length("targets", predictions.len(), targets.len())?;
    let terms = predictions
        .iter()
        .zip(targets)
        .map(|(p, &t)| (p - t).pow(2.0));
    Ok(mean(terms, predictions.len()))
}

/// The SVM max-margin loss of Karpathy's demo: `mean(relu(1 - label * score))` for
/// labels -1/+1, built exactly as his `(1 + -yi*scorei).relu()`.
pub fn hinge(scores: &[Value], labels: &[f64]) -> Result<Value> {
    check_same_length("labels", scores.len(), labels.len())?;
    let terms = scores
        .iter()
        .zip(labels)
        .map(|(s, &y)| (1.0 + -y * s).relu());
    Ok(mean(terms, scores.len()))
}

/// Binary cross-entropy on logits, for targets in [0, 1]:
/// `mean(softplus(z) - z * t)`, which equals `-t ln σ(z) - (1-t) ln(1-σ(z))` and
/// never takes the log of a rounded-to-zero probability.
pub fn binary_cross_entropy_with_logits(logits: &[Value], targets: &[f64]) -> Result<Value> {
    check_same_length("targets", logits.len(), targets.len())?;
    let terms = logits
        .iter()
        .zip(targets)
        .map(|(z, &t)| z.softplus() - z * t);
    Ok(mean(terms, logits.len()))
}

/// Softmax cross-entropy for several classes: `mean(logsumexp(z) - z[label])`.
///
/// The log-sum-exp subtracts the row's largest logit first (a constant, so the
/// gradient is unchanged) so that `exp` cannot overflow.
pub fn cross_entropy(logits: &[Vec<Value>], labels: &[usize]) -> Result<Value> {
    check_same_length("labels", logits.len(), labels.len())?;
    let classes = logits[0].len();
    let mut terms = Vec::with_capacity(logits.len());
    for (row, &label) in logits.iter().zip(labels) {
        check_same_length("every row of logits", classes, row.len())?;
        if label >= classes {
            return Err(Error::OutOfRange {
                argument: "labels",
                got: label,
                limit: classes,
            });
        }
        let shift = row
            .iter()
            .map(Value::data)
            .fold(f64::NEG_INFINITY, f64::max);
        let sum_exp: Value = row.iter().map(|z| (z - shift).exp()).sum();
        terms.push(sum_exp.log() + shift - &row[label]);
    }
    Ok(mean(terms.into_iter(), logits.len()))
}

/// `sum(|p|)` over the parameters (an L1 penalty; scale it by your coefficient).
pub fn l1_penalty(parameters: &[Value]) -> Value {
    parameters.iter().map(Value::abs).sum()
}

/// `sum(p * p)` over the parameters, as Karpathy's `sum((p*p for p in params))`.
pub fn l2_penalty(parameters: &[Value]) -> Value {
    parameters.iter().map(|p| p * p).sum()
}

/// The fraction of `predicted` equal to `expected`.
fn fraction_equal<T: PartialEq>(
    predicted: impl Iterator<Item = T>,
    expected: impl Iterator<Item = T>,
) -> f64 {
    let (mut hits, mut total) = (0usize, 0usize);
    for (p, e) in predicted.zip(expected) {
        hits += usize::from(p == e);
        total += 1;
    }
    hits as f64 / total as f64
}

/// Accuracy of scores against binary labels, -1/+1 or 0/1: a score > 0 predicts
/// the positive class, a label > 0 is the positive class.
pub fn binary_accuracy(scores: &[f64], labels: &[f64]) -> Result<f64> {
    check_same_length("labels", scores.len(), labels.len())?;
    Ok(fraction_equal(
        scores.iter().map(|&s| s > 0.0),
        labels.iter().map(|&y| y > 0.0),
    ))
}

/// Accuracy of the largest output of each row against integer class labels.
pub fn argmax_accuracy(outputs: &[Vec<f64>], labels: &[usize]) -> Result<f64> {
    check_same_length("labels", outputs.len(), labels.len())?;
    if outputs.iter().any(Vec::is_empty) {
        return Err(Error::Empty {
            argument: "every row of outputs",
        });
    }
    let predicted = outputs.iter().map(|row| {
        row.iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, &x)| {
                if x > best.1 {
                    (i, x)
                } else {
                    best
                }
            })
            .0
    });
    Ok(fraction_equal(predicted, labels.iter().copied()))
}

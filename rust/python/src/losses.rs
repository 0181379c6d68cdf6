//! Losses and metrics from `micrograd_core::loss`, as module functions.

use micrograd_core::{loss, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::convert::{data_of, values_only, values_or_numbers};
use crate::errors::to_py;
use crate::value::{type_name, PyValue};

fn numbers(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<f64>> {
    data_of(items, argument)
}

/// Rows of a 2-D input: each row any iterable of Values or numbers.
fn rows(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Vec<Value>>> {
    let iter = items.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{argument} must be a list of rows, got {}",
            type_name(items)
        ))
    })?;
    iter.enumerate()
        .map(|(i, row)| values_or_numbers(&row?, &format!("{argument}[{i}]")))
        .collect()
}

fn class_labels(items: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    let labels: Vec<i64> = items
        .extract()
        .map_err(|_| PyTypeError::new_err("labels must be a list of integer class indices"))?;
    labels
        .into_iter()
        .map(|label| {
            usize::try_from(label).map_err(|_| {
                PyValueError::new_err(format!("labels must be class indices >= 0, got {label}"))
            })
        })
        .collect()
}

fn wrap(value: Value) -> PyValue {
    PyValue::from(value)
}

/// Mean squared error: `mean((prediction - target) ** 2)`.
#[pyfunction]
pub fn mse_loss(predictions: &Bound<'_, PyAny>, targets: &Bound<'_, PyAny>) -> PyResult<PyValue> {
    let predictions = values_or_numbers(predictions, "predictions")?;
    loss::mse(&predictions, &numbers(targets, "targets")?)
        .map(wrap)
        .map_err(to_py)
}

/// Karpathy's max-margin loss: `mean(relu(1 - label * score))`, labels -1/+1.
#[pyfunction]
pub fn hinge_loss(scores: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> PyResult<PyValue> {
    let scores = values_or_numbers(scores, "scores")?;
    loss::hinge(&scores, &numbers(labels, "labels")?)
        .map(wrap)
        .map_err(to_py)
}

/// Binary cross-entropy on logits (targets in [0, 1]), stable for any logit.
#[pyfunction]
pub fn binary_cross_entropy_with_logits(
    logits: &Bound<'_, PyAny>,
    targets: &Bound<'_, PyAny>,
) -> PyResult<PyValue> {
    let logits = values_or_numbers(logits, "logits")?;
    loss::binary_cross_entropy_with_logits(&logits, &numbers(targets, "targets")?)
        .map(wrap)
        .map_err(to_py)
}

/// Softmax cross-entropy: `logits` one row of class scores per sample.
#[pyfunction]
pub fn cross_entropy(logits: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> PyResult<PyValue> {
    let logits = rows(logits, "logits")?;
    loss::cross_entropy(&logits, &class_labels(labels)?)
        .map(wrap)
        .map_err(to_py)
}

/// `sum(|p|)` over `params`.
#[pyfunction]
pub fn l1_penalty(params: &Bound<'_, PyAny>) -> PyResult<PyValue> {
    Ok(wrap(loss::l1_penalty(&values_only(params, "params")?)))
}

/// `sum(p * p)` over `params`.
#[pyfunction]
pub fn l2_penalty(params: &Bound<'_, PyAny>) -> PyResult<PyValue> {
    Ok(wrap(loss::l2_penalty(&values_only(params, "params")?)))
}

/// Fraction of scores on the right side of 0 for labels -1/+1 or 0/1.
#[pyfunction]
pub fn binary_accuracy(scores: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> PyResult<f64> {
    loss::binary_accuracy(&numbers(scores, "scores")?, &numbers(labels, "labels")?).map_err(to_py)
}

/// Fraction of rows whose largest output is at the label's index.
#[pyfunction]
pub fn argmax_accuracy(outputs: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> PyResult<f64> {
    let outputs: Vec<Vec<f64>> = rows(outputs, "outputs")?
        .iter()
        .map(|row| row.iter().map(Value::data).collect())
        .collect();
    loss::argmax_accuracy(&outputs, &class_labels(labels)?).map_err(to_py)
}

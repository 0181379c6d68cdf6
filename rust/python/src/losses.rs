//! Losses and metrics from `micrograd_core::loss`, as module functions.

use micrograd_core::{loss, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::convert::{collect_items, data_of, values_only, values_or_numbers};
use crate::errors::BindResult;
use crate::tensor::wrap_tensor;
use crate::tensor_convert::{first_tensor, float_array, tensor_list};
use crate::value::PyValue;

/// Rows of a 2-D input: each row any iterable of Values or numbers.
fn rows(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Vec<Value>>> {
    collect_items(items, argument, "a list of rows", |i, row| {
        values_or_numbers(row, &format!("{argument}[{i}]"))
    })
}

fn class_labels(items: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    collect_items(items, "labels", "a list", |i, label| {
        let label: i64 = label.extract().map_err(|_| {
            PyTypeError::new_err(format!("labels[{i}] must be an integer class index"))
        })?;
        usize::try_from(label).map_err(|_| {
            PyValueError::new_err(format!("labels must be class indices >= 0, got {label}"))
        })
    })
}

fn wrap(value: Value) -> PyValue {
    PyValue::from(value)
}

fn into_object<T: pyo3::PyClass + Into<pyo3::PyClassInitializer<T>>>(
    py: Python<'_>,
    result: BindResult<T>,
) -> PyResult<Py<PyAny>> {
    let object = Bound::new(py, result?)?.into_any();
    if let Ok(value) = object.cast::<PyValue>() {
        crate::value::register(value); // one node, one Python object
    }
    Ok(object.unbind())
}

/// Mean squared error: `mean((prediction - target) ** 2)`.
fn mse_loss_of_values(
    predictions: &Bound<'_, PyAny>,
    targets: &Bound<'_, PyAny>,
) -> BindResult<PyValue> {
    let predictions = values_or_numbers(predictions, "predictions")?;
    Ok(wrap(loss::mse(
        &predictions,
        &data_of(targets, "targets")?,
    )?))
}

/// Karpathy's max-margin loss: `mean(relu(1 - label * score))`, labels -1/+1.
fn hinge_loss_of_values(
    scores: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
) -> BindResult<PyValue> {
    let scores = values_or_numbers(scores, "scores")?;
    Ok(wrap(loss::hinge(&scores, &data_of(labels, "labels")?)?))
}

/// Binary cross-entropy on logits (targets in [0, 1]), stable for any logit.
fn binary_cross_entropy_with_logits_of_values(
    logits: &Bound<'_, PyAny>,
    targets: &Bound<'_, PyAny>,
) -> BindResult<PyValue> {
    let logits = values_or_numbers(logits, "logits")?;
    Ok(wrap(loss::binary_cross_entropy_with_logits(
        &logits,
        &data_of(targets, "targets")?,
    )?))
}

/// Softmax cross-entropy: `logits` one row of class scores per sample.
fn cross_entropy_of_values(
    logits: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
) -> BindResult<PyValue> {
    let logits = rows(logits, "logits")?;
    Ok(wrap(loss::cross_entropy(&logits, &class_labels(labels)?)?))
}

/// `sum(|p|)` over `params`.
#[pyfunction]
pub fn l1_penalty(params: &Bound<'_, PyAny>) -> PyResult<PyValue> {
    Ok(wrap(loss::l1_penalty(&values_only(params, "params")?)))
}

/// `sum(p * p)` over `params`.
fn l2_penalty_of_values(params: &Bound<'_, PyAny>) -> BindResult<PyValue> {
    Ok(wrap(loss::l2_penalty(&values_only(params, "params")?)))
}

/// Fraction of scores on the right side of 0 for labels -1/+1 or 0/1.
#[pyfunction]
pub fn binary_accuracy(scores: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> BindResult<f64> {
    Ok(loss::binary_accuracy(
        &data_of(scores, "scores")?,
        &data_of(labels, "labels")?,
    )?)
}

/// Fraction of rows whose largest output is at the label's index.
#[pyfunction]
pub fn argmax_accuracy(outputs: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> BindResult<f64> {
    let outputs: Vec<Vec<f64>> = rows(outputs, "outputs")?
        .iter()
        .map(|row| row.iter().map(Value::data).collect())
        .collect();
    Ok(loss::argmax_accuracy(&outputs, &class_labels(labels)?)?)
}

/// The losses take Values (a graph built scalar by scalar) or a Tensor (one fused
/// node); each public function picks the engine from its first argument.
macro_rules! loss_for_both_engines {
    ($(#[$doc:meta])* $name:ident, $of_values:ident, $tensor_method:ident, $first:ident, $second:ident) => {
        $(#[$doc])*
        #[pyfunction]
        pub fn $name(py: Python<'_>, $first: &Bound<'_, PyAny>, $second: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
            if let Some(tensor) = first_tensor($first)? {
                let $second = float_array($second, stringify!($second))?;
                return into_object(py, wrap_tensor(tensor.$tensor_method($second)));
            }
            into_object(py, $of_values($first, $second))
        }
    };
}

loss_for_both_engines!(
    /// Mean squared error: `mean((prediction - target) ** 2)`.
    mse_loss, mse_loss_of_values, mse_loss, predictions, targets
);
loss_for_both_engines!(
    /// Karpathy's max-margin loss: `mean(relu(1 - label * score))`, labels -1/+1.
    hinge_loss, hinge_loss_of_values, hinge_loss, scores, labels
);
loss_for_both_engines!(
    /// Binary cross-entropy on logits (targets in [0, 1]), stable for any logit.
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_of_values,
    binary_cross_entropy_with_logits,
    logits,
    targets
);

/// Softmax cross-entropy: `logits` one row of class scores per sample (a list of
/// rows of Values, or a Tensor of shape (rows, classes)), `labels` class indices.
#[pyfunction]
pub fn cross_entropy(
    py: Python<'_>,
    logits: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    if let Some(tensor) = first_tensor(logits)? {
        let labels = class_labels(labels)?;
        return into_object(py, wrap_tensor(tensor.cross_entropy(&labels)));
    }
    into_object(py, cross_entropy_of_values(logits, labels))
}

/// `sum(p * p)` over `params`: Values, or Tensors (one fused node).
#[pyfunction]
pub fn l2_penalty(py: Python<'_>, params: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let params = if params.is_instance_of::<pyo3::types::PyList>() {
        params.clone()
    } else {
        let items = collect_items(
            params,
            "params",
            "an iterable of Values or Tensors",
            |_, p| Ok(p.clone()),
        )?;
        pyo3::types::PyList::new(py, items)?.into_any()
    };
    if let Some(tensors) = tensor_list(&params)? {
        return into_object(
            py,
            Ok(crate::tensor::PyTensor::from(
                micrograd_core::Tensor::l2_penalty(&tensors),
            )),
        );
    }
    into_object(py, l2_penalty_of_values(&params))
}

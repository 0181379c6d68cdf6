//! Lists of Values and numbers in and out of Python.

use micrograd_core::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::operand::as_number;
use crate::value::{type_name, PyValue};

/// Any iterable of Values and real numbers (numbers become new leaves).
pub fn values_or_numbers(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Value>> {
    let iter = items.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{argument} must be a list of Values or numbers, got {}",
            type_name(items)
        ))
    })?;
    let mut values = Vec::with_capacity(items.len().unwrap_or(0));
    for (i, item) in iter.enumerate() {
        let item = item?;
        if let Ok(value) = item.cast::<PyValue>() {
            values.push(value.get().value()?.clone());
        } else if let Some(number) = as_number(&item) {
            values.push(Value::new(number));
        } else {
            return Err(PyTypeError::new_err(format!(
                "{argument}[{i}] must be a Value or a real number, got {}",
                type_name(&item)
            )));
        }
    }
    Ok(values)
}

/// An iterable of Values only (parameters to optimise, for instance).
pub fn values_only(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Value>> {
    let iter = items.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{argument} must be an iterable of Values, got {}",
            type_name(items)
        ))
    })?;
    let mut values = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        let value = item.cast::<PyValue>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{argument}[{i}] must be a Value, got {}",
                type_name(&item)
            ))
        })?;
        values.push(value.get().value()?.clone());
    }
    Ok(values)
}

/// The `data` of each item: Values or plain numbers.
pub fn data_of(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<f64>> {
    Ok(values_or_numbers(items, argument)?
        .iter()
        .map(Value::data)
        .collect())
}

pub fn value_list<'py>(py: Python<'py>, values: Vec<Value>) -> PyResult<Bound<'py, PyList>> {
    let objects = values
        .into_iter()
        .map(|v| Py::new(py, PyValue::from(v)))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objects)
}

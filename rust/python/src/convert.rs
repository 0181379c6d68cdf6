//! Lists of Values and numbers in and out of Python.

use micrograd_core::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::operand::as_number;
use crate::value::{type_name, PyValue};

/// One item of a list of Values and numbers, mapped by `of_value` or `of_number`.
fn value_or_number<T>(
    item: &Bound<'_, PyAny>,
    argument: &str,
    i: usize,
    of_value: impl FnOnce(&Value) -> T,
    of_number: impl FnOnce(f64) -> T,
) -> PyResult<T> {
    if let Ok(value) = item.cast::<PyValue>() {
        return Ok(of_value(crate::value::operand(value)?));
    }
    as_number(item).map(of_number).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "{argument}[{i}] must be a Value or a real number, got {}",
            type_name(item)
        ))
    })
}

/// Any iterable of Values and real numbers (numbers become new leaves).
pub fn values_or_numbers(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Value>> {
    collect_items(items, argument, "a list of Values or numbers", |i, item| {
        value_or_number(item, argument, i, Value::clone, Value::new)
    })
}

/// An iterable of Values only (parameters to optimise, for instance).
pub fn values_only(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Value>> {
    collect_items(items, argument, "an iterable of Values", |i, item| {
        let value = item.cast::<PyValue>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{argument}[{i}] must be a Value, got {}",
                type_name(item)
            ))
        })?;
        Ok(crate::value::operand(value)?.clone())
    })
}

/// The `data` of each item, Values or plain numbers, with no graph node made for a
/// plain number (targets and metrics only read the numbers).
pub fn data_of(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<f64>> {
    collect_items(items, argument, "a list of Values or numbers", |i, item| {
        value_or_number(item, argument, i, Value::data, |x| x)
    })
}

pub fn value_list<'py>(py: Python<'py>, values: Vec<Value>) -> PyResult<Bound<'py, PyList>> {
    let objects = values
        .into_iter()
        .map(|v| crate::value::wrap_value(py, v))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objects)
}

/// How much to reserve for the items of `items`: its `len()`, but never more than a
/// bound — a lying or enormous `len()` (`range(10**15)`) must not size a buffer up
/// front. A length that no memory could hold is refused at once (MemoryError or
/// ValueError) instead of being read item by item until memory runs out.
pub fn capacity_hint(items: &Bound<'_, PyAny>) -> PyResult<usize> {
    let len = items.len().unwrap_or(0);
    if len > 1 << 24 {
        micrograd_core::tensor::ensure_allocatable(&[len]).map_err(|error| match error {
            micrograd_core::Error::OutOfMemory { .. } => {
                pyo3::exceptions::PyMemoryError::new_err(error.to_string())
            }
            other => crate::errors::to_py(other),
        })?;
    }
    Ok(len.min(1 << 16))
}

/// The items of an iterable (`what` it should be, for the error), each converted by
/// `convert(index, item)`, without
/// trusting its `len()` (pyo3's `Vec<T>` extraction reserves `len()` up front).
pub fn collect_items<'py, T>(
    items: &Bound<'py, PyAny>,
    argument: &str,
    what: &str,
    mut convert: impl FnMut(usize, &Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let iter = items.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{argument} must be {what}, got {}",
            type_name(items)
        ))
    })?;
    let mut collected = Vec::with_capacity(capacity_hint(items)?);
    for (i, item) in iter.enumerate() {
        collected.push(convert(i, &item?)?);
    }
    Ok(collected)
}

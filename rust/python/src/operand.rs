//! Turning the other operand of an arithmetic dunder into a `Value`.
//!
//! The cheap casts come first (a Value, an exact float, an exact int); only then a
//! general conversion, for numpy scalars and other numbers. None of the fast paths
//! builds a Python exception when it misses.

use micrograd_core::Value;
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt};

use crate::value::PyValue;

/// `other` as a real number, or `None` when it is not one (the caller then returns
/// `NotImplemented`, so Python raises its usual `TypeError`).
pub fn as_number(other: &Bound<'_, PyAny>) -> Option<f64> {
    if let Ok(float) = other.cast_exact::<PyFloat>() {
        return Some(float.value());
    }
    if let Ok(int) = other.cast_exact::<PyInt>() {
        if let Ok(small) = int.extract::<i64>() {
            return Some(small as f64);
        }
    }
    // A Value has `__float__` too, but it is a graph node, never a constant.
    if other.is_instance_of::<PyValue>() {
        return None;
    }
    // numpy scalars (np.int64 is neither an int nor a float subclass), bools,
    // Fractions, Decimals, huge ints: anything with `__float__` or `__index__`.
    other.extract::<f64>().ok()
}

/// `other` as a graph node: the Value itself, or a new leaf for a number.
/// `Ok(None)` means "not a number": return `NotImplemented`.
pub fn as_value(other: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    if let Ok(value) = other.cast::<PyValue>() {
        return Ok(Some(crate::value::operand(value)?.clone()));
    }
    Ok(as_number(other).map(Value::new))
}

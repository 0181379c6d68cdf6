//! Turning the other operand of an arithmetic dunder into a `Value`, and the one
//! rule for "a real number" that both engines share.
//!
//! The cheap casts come first (a Value, an exact float, an exact int); only then a
//! general conversion, for numpy scalars and other numbers. None of the fast paths
//! builds a Python exception when it misses.

use micrograd_core::Value;
use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyComplex, PyFloat, PyInt, PyString};

use crate::value::PyValue;

/// numpy dtype kinds that hold real numbers: bool, signed and unsigned int, float
/// (`micrograd._convert._NUMERIC_KINDS`, Tensor's rule).
pub const REAL_KINDS: &[u8] = b"biuf";

/// Whether `error` only says "this is not a number" (a TypeError or ValueError
/// raised by the conversion): such an error may become `NotImplemented` or a
/// TypeError of ours. Anything else (KeyboardInterrupt, MemoryError, RecursionError,
/// an error of the object's own) must propagate unchanged.
pub fn is_not_a_number(py: Python<'_>, error: &PyErr) -> bool {
    error.is_instance_of::<PyTypeError>(py) || error.is_instance_of::<PyValueError>(py)
}

/// `other` as a real number, or `Ok(None)` when it is not one (the caller then
/// returns `NotImplemented`, so Python raises its usual `TypeError`, or raises a
/// TypeError naming the argument).
///
/// The rule, for Values, Neuron/Layer/MLP inputs, loss targets and Tensor
/// operands alike: Python ints, floats and bools; numpy scalars and 0-d arrays of a
/// real dtype (bool, int, float: Tensor's rule); other objects with `__float__` or
/// `__index__` (Fraction, say). Refused: strings, bytes, complex numbers, numpy
/// datetime / timedelta / complex / string / object values, arrays with axes, and
/// ints too large for a float. An exception other than TypeError / ValueError
/// raised by the object's own conversion (`__float__` raising KeyboardInterrupt, say)
/// propagates.
pub fn as_number(other: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    if let Ok(float) = other.cast_exact::<PyFloat>() {
        return Ok(Some(float.value()));
    }
    if let Ok(int) = other.cast_exact::<PyInt>() {
        if let Ok(small) = int.extract::<i64>() {
            return Ok(Some(small as f64));
        }
        return Ok(int.extract::<f64>().ok()); // beyond a float's range: not a number
    }
    if other.is_instance_of::<PyString>()
        || other.is_instance_of::<PyBytes>()
        || other.is_instance_of::<PyByteArray>()
        || other.is_instance_of::<PyComplex>()
    {
        return Ok(None);
    }
    // numpy scalars (np.int64 is neither an int nor a float subclass) and 0-d arrays:
    // only real dtypes. numpy converts a datetime64 or a complex through `float()`,
    // but they are not real numbers here, as in `Tensor()`.
    if let Ok(array) = other.cast::<PyUntypedArray>() {
        if array.ndim() != 0 || !REAL_KINDS.contains(&array.dtype().kind()) {
            return Ok(None);
        }
    } else if !other.is_instance_of::<PyFloat>() && !other.is_instance_of::<PyInt>() {
        if let Some(dtype) = numpy_scalar_dtype(other)? {
            if !REAL_KINDS.contains(&dtype.kind()) {
                return Ok(None);
            }
        }
    }
    // A Value has `__float__` too, but it is a graph node, never a constant.
    if other.is_instance_of::<PyValue>() {
        return Ok(None);
    }
    // Anything with `__float__` or `__index__`: numpy scalars, bools, Fractions.
    match other.extract::<f64>() {
        Ok(number) => Ok(Some(number)),
        Err(error) if is_not_a_number(other.py(), &error) => Ok(None),
        Err(error) if error.is_instance_of::<pyo3::exceptions::PyOverflowError>(other.py()) => {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

/// The dtype of a numpy scalar (`np.float32(1)`, `np.datetime64(...)`), None for
/// other objects.
pub fn numpy_scalar_dtype<'py>(
    other: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyArrayDescr>>> {
    let is_numpy = other
        .get_type()
        .module()
        .map(|module| module.to_string_lossy().starts_with("numpy"))
        .unwrap_or(false);
    if !is_numpy {
        return Ok(None);
    }
    Ok(other
        .getattr_opt("dtype")?
        .and_then(|dtype| dtype.cast_into::<PyArrayDescr>().ok()))
}

/// `other` as a graph node: the Value itself, or a new leaf for a number.
/// `Ok(None)` means "not a number": return `NotImplemented`.
pub fn as_value(other: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    if let Ok(value) = other.cast::<PyValue>() {
        return Ok(Some(crate::value::operand(value)?.clone()));
    }
    Ok(as_number(other)?.map(Value::new))
}

//! Core errors become Python exceptions here, and nowhere else: `From<CoreError>
//! for PyErr` is the one table from a core error variant to its exception type.
//!
//! The core's two other error types are converted here too: a failed backward hook
//! (`HookError`) and a graph a tape cannot record (`RecordError`).
//!
//! The orphan rule forbids `From<micrograd_core::Error> for PyErr` in this crate
//! (both types are foreign), so the table sits on the newtype `CoreError`, and the
//! bindings return `BindResult<T>`: its error, `BindError`, converts from a core
//! `Error` (through the table) and from a `PyErr`, so `?` propagates both, and PyO3
//! raises it as the `PyErr` it holds.

use micrograd_core::{Error, HookError, RecordError};
use pyo3::exceptions::{PyIndexError, PyMemoryError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::PyErr;

/// A core error on its way to Python.
#[derive(Debug)]
pub struct CoreError(pub Error);

impl From<Error> for CoreError {
    fn from(error: Error) -> Self {
        CoreError(error)
    }
}

/// The table. Every variant is named, so a new one must be given its exception here.
impl From<CoreError> for PyErr {
    fn from(CoreError(error): CoreError) -> PyErr {
        let message = error.to_string();
        match error {
            Error::AxisOutOfRange { .. } | Error::IndexOutOfRange { .. } => {
                PyIndexError::new_err(message)
            }
            Error::OutOfMemory { .. } => PyMemoryError::new_err(message),
            Error::NotPositive { .. }
            | Error::Empty { .. }
            | Error::WrongLength { .. }
            | Error::OutOfRange { .. }
            | Error::ShapeMismatch { .. }
            | Error::NotScalar { .. }
            | Error::BadReshape { .. }
            | Error::NoGradient
            | Error::TooLarge { .. }
            | Error::TooManyDims { .. }
            | Error::InvalidHyperparameter { .. } => PyValueError::new_err(message),
        }
    }
}

/// The error of a binding that can fail in the core or in Python: a `PyErr`, with
/// core errors already put through the table.
#[derive(Debug)]
pub struct BindError(PyErr);

pub type BindResult<T> = Result<T, BindError>;

impl From<Error> for BindError {
    fn from(error: Error) -> Self {
        BindError(CoreError(error).into())
    }
}

impl From<PyErr> for BindError {
    fn from(error: PyErr) -> Self {
        BindError(error)
    }
}

impl From<BindError> for PyErr {
    fn from(BindError(error): BindError) -> PyErr {
        error
    }
}

impl From<CoreError> for BindError {
    fn from(error: CoreError) -> Self {
        BindError(error.into())
    }
}

/// A backward hook's failure: the Python exception a Python hook raised, or the
/// words of one of the core's own hooks (a compiled function's outputs).
impl From<HookError> for BindError {
    fn from(error: HookError) -> Self {
        BindError(match error.downcast::<PyErr>() {
            Ok(error) => *error,
            Err(error) => match error.downcast::<String>() {
                Ok(message) => PyRuntimeError::new_err(*message),
                Err(_) => PyRuntimeError::new_err("a custom backward step failed"),
            },
        })
    }
}

/// A graph that `micrograd.compile` cannot record (a custom op, ...).
impl From<RecordError> for BindError {
    fn from(error: RecordError) -> Self {
        BindError(PyTypeError::new_err(error.to_string()))
    }
}

//! Core errors become Python exceptions here, and nowhere else.

use micrograd_core::Error;
use pyo3::exceptions::PyValueError;
use pyo3::PyErr;

pub fn to_py(error: Error) -> PyErr {
    PyValueError::new_err(error.to_string())
}

//! Moving many Values' `data` to and from a numpy array in one call, so that
//! `state_dict()` and `load_state_dict()` never loop over scalars in Python.

use micrograd_core::Value;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::values_only;

/// The `data` of each Value in `values`, in order, as a 1-D float64 array.
#[pyfunction]
pub fn values_data<'py>(
    py: Python<'py>,
    values: &Bound<'_, PyAny>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let values = values_only(values, "values")?;
    Ok(PyArray1::from_vec(
        py,
        values.iter().map(Value::data).collect(),
    ))
}

/// Sets the `data` of each Value in `values` from the 1-D float64 array `data`, of
/// the same length (checked before anything is written).
#[pyfunction]
pub fn set_values_data(values: &Bound<'_, PyAny>, data: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
    let values = values_only(values, "values")?;
    let data = data.as_array();
    if data.len() != values.len() {
        return Err(PyValueError::new_err(format!(
            "data holds {} numbers for {} Values",
            data.len(),
            values.len()
        )));
    }
    for (value, &number) in values.iter().zip(data.iter()) {
        value.set_data(number);
    }
    Ok(())
}

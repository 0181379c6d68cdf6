//! `micrograd._core`: a thin PyO3 layer over `micrograd-core`. Conversion, operand
//! dispatch and errors live here; the math lives in the core.

mod errors;
mod nn;
mod operand;
mod thread_bound;
mod value;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<value::PyValue>()?;
    m.add_class::<nn::PyNeuron>()?;
    m.add_class::<nn::PyLayer>()?;
    m.add_class::<nn::PyMLP>()?;
    Ok(())
}

//! `micrograd._core`: a thin PyO3 layer over `micrograd-core`. Conversion, operand
//! dispatch and errors live here; the math lives in the core.

mod allocator;
mod compiled;
mod convert;
mod errors;
mod losses;
mod nn;
mod operand;
mod optim;
mod state;
mod tensor;
mod tensor_convert;
mod tensor_functions;
mod thread_bound;
mod value;

use pyo3::prelude::*;

#[global_allocator]
static ALLOCATOR: allocator::CountingMimalloc = allocator::CountingMimalloc;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // One version for the crate, the wheel and Python: Cargo's (maturin reads it too).
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(allocator::_allocated_bytes, m)?)?;
    m.add_class::<value::PyValue>()?;
    m.add_function(wrap_pyfunction!(value::_set_viz, m)?)?;
    m.add_class::<compiled::PyRecording>()?;
    m.add_class::<compiled::PyTape>()?;
    m.add_class::<compiled::PyCompiledCall>()?;
    m.add_class::<nn::PyNeuron>()?;
    m.add_class::<nn::PyLayer>()?;
    m.add_class::<nn::PyMLP>()?;
    m.add(
        "ACTIVATIONS",
        pyo3::types::PyTuple::new(m.py(), nn::ACTIVATIONS)?,
    )?;
    m.add_function(wrap_pyfunction!(state::values_data, m)?)?;
    m.add_function(wrap_pyfunction!(state::set_values_data, m)?)?;
    m.add_class::<optim::PyOptimizer>()?;
    m.add_function(wrap_pyfunction!(optim::zero_grad, m)?)?;
    m.add_class::<tensor::PyTensor>()?;
    m.add_function(wrap_pyfunction!(tensor_convert::_as_float_array, m)?)?;
    m.add_function(wrap_pyfunction!(tensor_functions::linear, m)?)?;
    m.add_function(wrap_pyfunction!(tensor_functions::concatenate, m)?)?;
    m.add_function(wrap_pyfunction!(tensor_functions::manual_seed, m)?)?;
    m.add_function(wrap_pyfunction!(losses::mse_loss, m)?)?;
    m.add_function(wrap_pyfunction!(losses::hinge_loss, m)?)?;
    m.add_function(wrap_pyfunction!(
        losses::binary_cross_entropy_with_logits,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(losses::cross_entropy, m)?)?;
    m.add_function(wrap_pyfunction!(losses::l1_penalty, m)?)?;
    m.add_function(wrap_pyfunction!(losses::l2_penalty, m)?)?;
    m.add_function(wrap_pyfunction!(losses::binary_accuracy, m)?)?;
    m.add_function(wrap_pyfunction!(losses::argmax_accuracy, m)?)?;
    Ok(())
}

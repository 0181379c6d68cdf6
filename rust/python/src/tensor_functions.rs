//! Module-level Tensor functions: the random generator behind unseeded draws,
//! the fused `linear` layer and `concatenate`.

use std::cell::RefCell;

use micrograd_core::Tensor;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::tensor::{wrap, PyTensor};
use crate::tensor_convert::operand;
use crate::value::type_name;

thread_local! {
    /// Where `randn`/`rand` draw from when no seed is given; `manual_seed` resets it.
    static GLOBAL_RNG: RefCell<StdRng> = RefCell::new(StdRng::seed_from_u64(0x5eed));
}

/// Seeds the generator behind `Tensor.randn` and `Tensor.rand`.
#[pyfunction]
pub fn manual_seed(seed: u64) {
    GLOBAL_RNG.with(|rng| *rng.borrow_mut() = StdRng::seed_from_u64(seed));
}

pub fn with_rng<T>(seed: Option<u64>, draw: impl FnOnce(&mut StdRng) -> T) -> T {
    match seed {
        Some(seed) => draw(&mut StdRng::seed_from_u64(seed)),
        None => GLOBAL_RNG.with(|rng| draw(&mut rng.borrow_mut())),
    }
}

/// `x @ weight.T + bias` as one node: the body of `micrograd.nn.Linear`.
#[pyfunction]
#[pyo3(signature = (x, weight, bias = None))]
pub fn linear(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    weight: &Bound<'_, PyTensor>,
    bias: Option<&Bound<'_, PyTensor>>,
) -> PyResult<Py<PyAny>> {
    let x = match operand(x)? {
        Some(x) => x,
        None => {
            return Err(PyTypeError::new_err(format!(
                "x must be a Tensor or an array, got {}",
                type_name(x)
            )))
        }
    };
    let bias = bias.map(|b| b.get().tensor().cloned()).transpose()?;
    wrap(py, x.linear(weight.get().tensor()?, bias.as_ref()))
}

/// Joins tensors along `axis`.
#[pyfunction]
#[pyo3(signature = (tensors, axis = 0))]
pub fn concatenate(py: Python<'_>, tensors: &Bound<'_, PyAny>, axis: isize) -> PyResult<Py<PyAny>> {
    let tensors = tensors
        .try_iter()?
        .map(|item| {
            let item = item?;
            operand(&item)?.ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "tensors must be Tensors or arrays, got {}",
                    type_name(&item)
                ))
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    wrap(py, Tensor::concat(&tensors, axis))
}

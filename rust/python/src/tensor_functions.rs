//! Module-level Tensor functions: the random generator behind unseeded draws,
//! the fused `linear` layer and `concatenate`.

use std::sync::{LazyLock, Mutex, PoisonError};

use micrograd_core::Tensor;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::errors::BindResult;
use crate::tensor::{wrap, PyTensor};
use crate::tensor_convert::operand;
use crate::value::type_name;

/// Where `randn`/`rand` draw from when no seed is given; `manual_seed` resets it.
/// One generator for the whole process, as PyTorch's default generator and Python's
/// `random` are: every thread follows `manual_seed`, and threads that draw without
/// a seed get different numbers.
static GLOBAL_RNG: LazyLock<Mutex<StdRng>> =
    LazyLock::new(|| Mutex::new(StdRng::seed_from_u64(0x5eed)));

fn global_rng() -> std::sync::MutexGuard<'static, StdRng> {
    // A draw cannot leave the generator half-updated, so a poisoned lock is still
    // a good generator (and a panic here would reach Python).
    GLOBAL_RNG.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Seeds the generator behind `Tensor.randn` and `Tensor.rand`.
#[pyfunction]
pub fn manual_seed(seed: u64) {
    *global_rng() = StdRng::seed_from_u64(seed);
}

pub fn with_rng<T>(seed: Option<u64>, draw: impl FnOnce(&mut StdRng) -> T) -> T {
    match seed {
        Some(seed) => draw(&mut StdRng::seed_from_u64(seed)),
        // Callers hold the GIL, so the lock is never contended.
        None => draw(&mut global_rng()),
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
) -> BindResult<Py<PyAny>> {
    let x = match operand(x)? {
        Some(x) => x,
        None => {
            return Err(PyTypeError::new_err(format!(
                "x must be a Tensor or an array, got {}",
                type_name(x)
            ))
            .into())
        }
    };
    let bias = bias.map(|b| b.get().tensor().cloned()).transpose()?;
    wrap(py, x.linear(weight.get().tensor()?, bias.as_ref()))
}

/// Joins tensors along `axis`.
#[pyfunction]
#[pyo3(signature = (tensors, axis = 0))]
pub fn concatenate(
    py: Python<'_>,
    tensors: &Bound<'_, PyAny>,
    axis: isize,
) -> BindResult<Py<PyAny>> {
    let what = "a list of Tensors or arrays";
    let tensors = crate::convert::collect_items(tensors, "tensors", what, |_, item| {
        operand(item)?.ok_or_else(|| {
            PyTypeError::new_err(format!(
                "tensors must be Tensors or arrays, got {}",
                type_name(item)
            ))
        })
    })?;
    wrap(py, Tensor::concat(&tensors, axis))
}

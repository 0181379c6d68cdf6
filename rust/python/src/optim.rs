//! The optimizers of `micrograd_core::optim` as one Python class, made through a
//! constructor per algorithm; `micrograd.optim` gives each PyTorch's signature.

use micrograd_core::optim::{Adagrad, Adam, Optimizer, Param, RmsProp, Sgd, UpdateRule};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::errors::BindResult;
use crate::tensor::PyTensor;
use crate::thread_bound::ThreadBound;
use crate::value::{type_name, PyValue};

/// The parameters to optimise: Values and Tensors, from any iterable.
fn params_of(items: &Bound<'_, PyAny>) -> PyResult<Vec<Param>> {
    // A Tensor is iterable (over new tensors for its rows), so it would pass as a
    // list of parameters that no training ever touches; PyTorch refuses it too.
    if items.is_instance_of::<PyValue>() || items.is_instance_of::<PyTensor>() {
        return Err(PyTypeError::new_err(format!(
            "params must be an iterable of Values or Tensors (e.g. model.parameters() or [w]), \
             got a single {}; wrap it in a list",
            type_name(items)
        )));
    }
    let what = "an iterable of Values or Tensors (e.g. model.parameters())";
    crate::convert::collect_items(items, "params", what, |i, item| {
        if let Ok(value) = item.cast::<PyValue>() {
            return Ok(Param::Scalar(value.get().value()?.clone()));
        }
        if let Ok(tensor) = item.cast::<PyTensor>() {
            return Ok(Param::Tensor(tensor.get().tensor()?.clone()));
        }
        Err(PyTypeError::new_err(format!(
            "params[{i}] must be a Value or a Tensor, got {}",
            type_name(item)
        )))
    })
}

/// Clears the gradient of every parameter in `params` (a Value's to 0, a Tensor's
/// to None) in one pass: `Module.zero_grad()` over whatever `parameters()` returns.
#[pyfunction]
pub fn zero_grad(params: &Bound<'_, PyAny>) -> PyResult<()> {
    for param in params_of(params)? {
        param.zero_grad();
    }
    Ok(())
}

#[pyclass(name = "Optimizer", module = "micrograd._core")]
pub struct PyOptimizer {
    optimizer: ThreadBound<Optimizer<dyn UpdateRule>>,
}

impl PyOptimizer {
    fn make(params: &Bound<'_, PyAny>, lr: f64, rule: Box<dyn UpdateRule>) -> BindResult<Self> {
        let params = params_of(params)?;
        let optimizer = Optimizer::new(params, lr, rule)?;
        Ok(PyOptimizer {
            optimizer: ThreadBound::new(optimizer),
        })
    }

    fn optimizer(&mut self) -> PyResult<&mut Optimizer<dyn UpdateRule>> {
        self.optimizer.get_mut("optimizer")
    }
}

#[pymethods]
impl PyOptimizer {
    #[staticmethod]
    fn sgd(
        params: &Bound<'_, PyAny>,
        lr: f64,
        momentum: f64,
        dampening: f64,
        weight_decay: f64,
        nesterov: bool,
    ) -> BindResult<Self> {
        let rule = Sgd::new(momentum, dampening, weight_decay, nesterov)?;
        Self::make(params, lr, Box::new(rule))
    }

    #[staticmethod]
    fn adam(
        params: &Bound<'_, PyAny>,
        lr: f64,
        betas: (f64, f64),
        eps: f64,
        weight_decay: f64,
        decoupled_weight_decay: bool,
        amsgrad: bool,
    ) -> BindResult<Self> {
        let rule = Adam::new(betas, eps, weight_decay, decoupled_weight_decay, amsgrad)?;
        Self::make(params, lr, Box::new(rule))
    }

    #[staticmethod]
    fn rmsprop(
        params: &Bound<'_, PyAny>,
        lr: f64,
        alpha: f64,
        eps: f64,
        weight_decay: f64,
        momentum: f64,
        centered: bool,
    ) -> BindResult<Self> {
        let rule = RmsProp::new(alpha, eps, weight_decay, momentum, centered)?;
        Self::make(params, lr, Box::new(rule))
    }

    #[staticmethod]
    fn adagrad(
        params: &Bound<'_, PyAny>,
        lr: f64,
        lr_decay: f64,
        weight_decay: f64,
        initial_accumulator_value: f64,
        eps: f64,
    ) -> BindResult<Self> {
        let rule = Adagrad::new(lr_decay, weight_decay, initial_accumulator_value, eps)?;
        Self::make(params, lr, Box::new(rule))
    }

    /// Updates every parameter once from its current gradient (MemoryError when the
    /// optimizer's running state, made on the first step, does not fit in memory).
    fn step(&mut self) -> BindResult<()> {
        Ok(self.optimizer()?.step()?)
    }

    /// Sets every parameter's gradient to zero.
    fn zero_grad(&mut self) -> PyResult<()> {
        self.optimizer()?.zero_grad();
        Ok(())
    }

    #[getter]
    fn lr(&mut self) -> PyResult<f64> {
        Ok(self.optimizer()?.lr())
    }

    #[setter]
    fn set_lr(&mut self, lr: f64) -> BindResult<()> {
        Ok(self.optimizer()?.set_lr(lr)?)
    }
}

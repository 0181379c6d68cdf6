//! `Neuron`, `Layer` and `MLP` from the core, as the `_core` classes that
//! `micrograd.nn` wraps in Karpathy's Python API.

use micrograd_core::{Activation, Layer, Neuron, Value, MLP};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::to_py;
use crate::operand::as_number;
use crate::thread_bound::ThreadBound;
use crate::value::{type_name, PyValue};

fn parse_activation(name: &str, negative_slope: f64) -> PyResult<Activation> {
    Ok(match name {
        "linear" => Activation::Linear,
        "relu" => Activation::Relu,
        "leaky_relu" => Activation::LeakyRelu(negative_slope),
        "tanh" => Activation::Tanh,
        "sigmoid" => Activation::Sigmoid,
        _ => {
            return Err(PyValueError::new_err(format!(
                "activation must be one of 'relu', 'tanh', 'sigmoid', 'leaky_relu', 'linear', got {name:?}"
            )))
        }
    })
}

fn activation_name(activation: Activation) -> &'static str {
    match activation {
        Activation::Linear => "linear",
        Activation::Relu => "relu",
        Activation::LeakyRelu(_) => "leaky_relu",
        Activation::Tanh => "tanh",
        Activation::Sigmoid => "sigmoid",
    }
}

/// The inputs of a forward call: any iterable of Values and real numbers.
fn input_values(x: &Bound<'_, PyAny>) -> PyResult<Vec<Value>> {
    let items = x.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "x must be a list of Values or numbers, got {}",
            type_name(x)
        ))
    })?;
    let mut values = Vec::with_capacity(x.len().unwrap_or(0));
    for (i, item) in items.enumerate() {
        let item = item?;
        if let Ok(value) = item.cast::<PyValue>() {
            values.push(value.get().value()?.clone());
        } else if let Some(number) = as_number(&item) {
            values.push(Value::new(number));
        } else {
            return Err(PyTypeError::new_err(format!(
                "x[{i}] must be a Value or a real number, got {}",
                type_name(&item)
            )));
        }
    }
    Ok(values)
}

fn value_list<'py>(py: Python<'py>, values: Vec<Value>) -> PyResult<Bound<'py, PyList>> {
    let objects = values
        .into_iter()
        .map(|v| Py::new(py, PyValue::from(v)))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objects)
}

/// Karpathy's convention: one output comes back as a Value, several as a list.
fn outputs(py: Python<'_>, mut values: Vec<Value>) -> PyResult<Py<PyAny>> {
    if values.len() == 1 {
        let only = values.pop().expect("length checked");
        return Ok(Py::new(py, PyValue::from(only))?.into_any());
    }
    Ok(value_list(py, values)?.into_any().unbind())
}

#[pyclass(name = "Neuron", module = "micrograd._core", frozen)]
pub struct PyNeuron {
    neuron: ThreadBound<Neuron>,
}

impl PyNeuron {
    fn neuron(&self) -> PyResult<&Neuron> {
        self.neuron.get("Neuron")
    }
}

#[pymethods]
impl PyNeuron {
    #[new]
    #[pyo3(signature = (weights, bias = 0.0, activation = "relu", negative_slope = 0.01))]
    fn new(weights: Vec<f64>, bias: f64, activation: &str, negative_slope: f64) -> PyResult<Self> {
        let activation = parse_activation(activation, negative_slope)?;
        let neuron = Neuron::from_weights(weights, bias, activation).map_err(to_py)?;
        Ok(PyNeuron {
            neuron: ThreadBound::new(neuron),
        })
    }

    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let out = self.neuron()?.forward(&input_values(x)?).map_err(to_py)?;
        Ok(Py::new(py, PyValue::from(out))?.into_any())
    }

    #[getter]
    fn w<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        value_list(py, self.neuron()?.weights().to_vec())
    }

    #[getter]
    fn b(&self) -> PyResult<PyValue> {
        Ok(PyValue::from(self.neuron()?.bias().clone()))
    }

    #[getter]
    fn activation(&self) -> PyResult<&'static str> {
        Ok(activation_name(self.neuron()?.activation()))
    }

    #[getter]
    fn nin(&self) -> PyResult<usize> {
        Ok(self.neuron()?.nin())
    }

    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        value_list(py, self.neuron()?.parameters())
    }
}

#[pyclass(name = "Layer", module = "micrograd._core", frozen)]
pub struct PyLayer {
    layer: ThreadBound<Layer>,
}

impl PyLayer {
    fn layer(&self) -> PyResult<&Layer> {
        self.layer.get("Layer")
    }
}

#[pymethods]
impl PyLayer {
    /// A layer sharing the parameters of `neurons`.
    #[new]
    fn new(neurons: Vec<Bound<'_, PyNeuron>>) -> PyResult<Self> {
        let neurons = neurons
            .iter()
            .map(|n| n.get().neuron().cloned())
            .collect::<PyResult<Vec<_>>>()?;
        let layer = Layer::from_neurons(neurons).map_err(to_py)?;
        Ok(PyLayer {
            layer: ThreadBound::new(layer),
        })
    }

    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        outputs(py, self.layer()?.forward(&input_values(x)?).map_err(to_py)?)
    }

    #[getter]
    fn nin(&self) -> PyResult<usize> {
        Ok(self.layer()?.nin())
    }

    #[getter]
    fn nout(&self) -> PyResult<usize> {
        Ok(self.layer()?.nout())
    }

    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        value_list(py, self.layer()?.parameters())
    }
}

#[pyclass(name = "MLP", module = "micrograd._core", frozen)]
pub struct PyMLP {
    mlp: ThreadBound<MLP>,
}

impl PyMLP {
    fn mlp(&self) -> PyResult<&MLP> {
        self.mlp.get("MLP")
    }
}

#[pymethods]
impl PyMLP {
    /// An MLP sharing the parameters of `layers`, whose sizes must chain.
    #[new]
    fn new(layers: Vec<Bound<'_, PyLayer>>) -> PyResult<Self> {
        let layers = layers
            .iter()
            .map(|l| l.get().layer().cloned())
            .collect::<PyResult<Vec<_>>>()?;
        let mlp = MLP::from_layers(layers).map_err(to_py)?;
        Ok(PyMLP {
            mlp: ThreadBound::new(mlp),
        })
    }

    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        outputs(py, self.mlp()?.forward(&input_values(x)?).map_err(to_py)?)
    }

    #[getter]
    fn nin(&self) -> PyResult<usize> {
        Ok(self.mlp()?.nin())
    }

    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        value_list(py, self.mlp()?.parameters())
    }

    fn zero_grad(&self) -> PyResult<()> {
        self.mlp()?.zero_grad();
        Ok(())
    }
}

//! `Neuron`, `Layer` and `MLP` from the core, as the `_core` classes that
//! `micrograd.nn` wraps in Karpathy's Python API.

use micrograd_core::{Activation, Layer, Neuron, Value, MLP};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::{collect_items, input_values, value_list};
use crate::errors::BindResult;
use crate::tensor_convert::float_array;
use crate::thread_bound::ThreadBound;
use crate::value::PyValue;

/// The activation names a Neuron accepts: the one list, which Python reads as
/// `_core.ACTIVATIONS` (`micrograd.nn.ACTIVATIONS`). `parse_activation` and
/// `activation_name` map each of them, and only them (tests/test_module.py checks
/// the round trip for every name).
pub const ACTIVATIONS: [&str; 5] = ["relu", "tanh", "sigmoid", "leaky_relu", "linear"];

fn parse_activation(name: &str, negative_slope: f64) -> PyResult<Activation> {
    Ok(match name {
        "linear" => Activation::Linear,
        "relu" => Activation::Relu,
        "leaky_relu" => Activation::LeakyRelu(negative_slope),
        "tanh" => Activation::Tanh,
        "sigmoid" => Activation::Sigmoid,
        _ => {
            let names: Vec<String> = ACTIVATIONS.iter().map(|a| format!("'{a}'")).collect();
            return Err(PyValueError::new_err(format!(
                "activation must be one of {}, got {name:?}",
                names.join(", ")
            )));
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

/// Karpathy's convention: one output comes back as a Value, several as a list.
fn outputs(py: Python<'_>, mut values: Vec<Value>) -> PyResult<Py<PyAny>> {
    if values.len() == 1 {
        let only = values.pop().expect("length checked");
        return Ok(crate::value::wrap_value(py, only)?.into_any());
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
    fn new(
        weights: &Bound<'_, PyAny>,
        bias: f64,
        activation: &str,
        negative_slope: f64,
    ) -> BindResult<Self> {
        let weights = collect_items(weights, "weights", "a list", |i, w| {
            crate::operand::as_number(w)?
                .ok_or_else(|| PyTypeError::new_err(format!("weights[{i}] must be a float")))
        })?;
        let activation = parse_activation(activation, negative_slope)?;
        let neuron = Neuron::from_weights(weights, bias, activation)?;
        Ok(PyNeuron {
            neuron: ThreadBound::new(neuron),
        })
    }

    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        let neuron = self.neuron()?;
        let out = neuron.forward(&input_values(x, neuron.nin())?)?;
        Ok(crate::value::wrap_value(py, out)?.into_any())
    }

    #[getter]
    fn w<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        value_list(py, self.neuron()?.weights().to_vec())
    }

    #[getter]
    fn b(&self, py: Python<'_>) -> PyResult<Py<PyValue>> {
        crate::value::wrap_value(py, self.neuron()?.bias().clone())
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
    fn new(neurons: &Bound<'_, PyAny>) -> BindResult<Self> {
        let neurons = collect_items(neurons, "neurons", "a list", |i, n| {
            let neuron = n.cast::<PyNeuron>().map_err(|_| {
                PyTypeError::new_err(format!("neurons[{i}] must be a _core.Neuron"))
            })?;
            neuron.get().neuron().cloned()
        })?;
        let layer = Layer::from_neurons(neurons)?;
        Ok(PyLayer {
            layer: ThreadBound::new(layer),
        })
    }

    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        let layer = self.layer()?;
        Ok(outputs(py, layer.forward(&input_values(x, layer.nin())?)?)?)
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

    /// The rows of `x`, flattened, after checking they have the model's input count:
    /// `x` is read by Tensor's rule (`float_array`: real dtypes only, an aligned
    /// C-contiguous float64 copy when needed, at most 32 dimensions) and must be 2-D.
    fn flat_rows(&self, x: &Bound<'_, PyAny>) -> PyResult<(usize, Vec<f64>)> {
        let x = float_array(x, "X")?;
        let nin = self.mlp()?.nin();
        if x.ndim() != 2 || x.shape()[1] != nin {
            return Err(PyValueError::new_err(format!(
                "X must have {nin} columns (the model's inputs), got an array of shape {}",
                micrograd_core::shape_text(x.shape())
            )));
        }
        Ok((x.shape()[0], x.iter().copied().collect()))
    }
}

#[pymethods]
impl PyMLP {
    /// An MLP sharing the parameters of `layers`, whose sizes must chain.
    #[new]
    fn new(layers: &Bound<'_, PyAny>) -> BindResult<Self> {
        let layers = collect_items(layers, "layers", "a list", |i, l| {
            let layer = l
                .cast::<PyLayer>()
                .map_err(|_| PyTypeError::new_err(format!("layers[{i}] must be a _core.Layer")))?;
            layer.get().layer().cloned()
        })?;
        let mlp = MLP::from_layers(layers)?;
        Ok(PyMLP {
            mlp: ThreadBound::new(mlp),
        })
    }

    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        let mlp = self.mlp()?;
        Ok(outputs(py, mlp.forward(&input_values(x, mlp.nin())?)?)?)
    }

    /// One output per row of a 2-D float64 array, all built in Rust: a Value per
    /// row when the model has one output, else a list per row.
    fn forward_batch(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        let rows = self.mlp()?.forward_rows(&self.flat_rows(x)?.1)?;
        let objects = rows
            .into_iter()
            .map(|row| outputs(py, row))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(py, objects)?.into_any().unbind())
    }

    /// The outputs for each row of a 2-D float64 array as a (rows, nout) float64
    /// array, computed without building a graph.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'_, PyAny>,
    ) -> BindResult<Bound<'py, PyArray2<f64>>> {
        let mlp = self.mlp()?;
        let (rows, flat) = self.flat_rows(x)?;
        let outputs = mlp.predict_rows(&flat)?;
        let shape = [rows, mlp.nout()];
        Ok(PyArray1::from_vec(py, outputs).reshape(shape)?)
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

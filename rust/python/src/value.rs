//! `micrograd.Value`: the Python face of a graph node, with its operators as dunders.

use micrograd_core::{Op, Value};
use pyo3::basic::CompareOp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PySet, PyTuple};

use crate::operand::{as_number, as_value};
use crate::thread_bound::ThreadBound;

/// A scalar that remembers how it was computed, so `backward()` can find gradients.
#[pyclass(name = "Value", module = "micrograd", frozen, weakref)]
pub struct PyValue {
    value: ThreadBound<Value>,
}

impl PyValue {
    pub fn value(&self) -> PyResult<&Value> {
        self.value.get("Value")
    }
}

impl From<Value> for PyValue {
    fn from(value: Value) -> Self {
        PyValue {
            value: ThreadBound::new(value),
        }
    }
}

/// `data` as an f64, or a TypeError naming `argument`.
pub fn real_number(data: &Bound<'_, PyAny>, argument: &str) -> PyResult<f64> {
    let number = as_number(data)?;
    if data.is_instance_of::<pyo3::types::PyInt>() && number.is_none() {
        return Err(pyo3::exceptions::PyOverflowError::new_err(format!(
            "{argument}: int too large to convert to float"
        )));
    }
    number.ok_or_else(|| {
        PyTypeError::new_err(format!(
            "{argument} must be a real number (int or float), got {}",
            type_name(data)
        ))
    })
}

pub fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "an unknown type".into())
}

fn wrap(py: Python<'_>, value: Value) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyValue::from(value))?.into_any())
}

/// A binary op with `other` on the right (`reflected = false`) or on the left.
fn binary(
    this: &PyValue,
    other: &Bound<'_, PyAny>,
    reflected: bool,
    make: fn(Value, Value) -> Op,
) -> PyResult<Py<PyAny>> {
    let py = other.py();
    let Some(other) = as_value(other)? else {
        return Ok(py.NotImplemented());
    };
    let this = this.value()?.clone();
    let op = if reflected {
        make(other, this)
    } else {
        make(this, other)
    };
    wrap(py, Value::from_op(op))
}

fn unary(
    this: &PyValue,
    py: Python<'_>,
    make: impl FnOnce(&Value) -> Value,
) -> PyResult<Py<PyAny>> {
    wrap(py, make(this.value()?))
}

/// Graph pictures are drawn in Python (`micrograd.viz`); these methods only forward
/// to it, so `v.tree()` reads like Karpathy-style method calls.
fn call_viz(
    value: &Bound<'_, PyValue>,
    function: &str,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    // The thread rule first, so that a wrong thread hears about it whatever the
    // drawing would have needed (graphviz, IPython, `dot`).
    value.get().value()?;
    let viz = value.py().import("micrograd.viz")?;
    Ok(viz.getattr(function)?.call((value,), kwargs)?.unbind())
}

/// Python's repr of a float (`1.0`, `1e-07`), as Karpathy's repr prints it.
fn float_repr(py: Python<'_>, x: f64) -> PyResult<String> {
    Ok(PyFloat::new(py, x).repr()?.to_string())
}

#[pymethods]
impl PyValue {
    #[new]
    #[pyo3(signature = (data, *, label = None))]
    fn new(data: &Bound<'_, PyAny>, label: Option<&str>) -> PyResult<Self> {
        let value = Value::new(real_number(data, "Value() data")?);
        value.set_label(label);
        Ok(PyValue::from(value))
    }

    #[getter]
    fn data(&self) -> PyResult<f64> {
        Ok(self.value()?.data())
    }

    #[setter]
    fn set_data(&self, data: &Bound<'_, PyAny>) -> PyResult<()> {
        let data = real_number(data, "data")?;
        self.value()?.set_data(data);
        Ok(())
    }

    /// d(root)/d(self) after `root.backward()`; accumulates across calls.
    #[getter]
    fn grad(&self) -> PyResult<f64> {
        Ok(self.value()?.grad())
    }

    #[setter]
    fn set_grad(&self, grad: &Bound<'_, PyAny>) -> PyResult<()> {
        let grad = real_number(grad, "grad")?;
        self.value()?.set_grad(grad);
        Ok(())
    }

    #[getter]
    fn label(&self) -> PyResult<Option<String>> {
        Ok(self.value()?.label())
    }

    #[setter]
    fn set_label(&self, label: Option<&str>) -> PyResult<()> {
        self.value()?.set_label(label);
        Ok(())
    }

    /// The set of Values this one was computed from (Karpathy's `_prev`).
    #[getter]
    fn _prev<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        let set = PySet::empty(py)?;
        for operand in self.value()?.operands() {
            set.add(Py::new(py, PyValue::from(operand))?)?;
        }
        Ok(set)
    }

    /// A number naming the graph node: equal for every Python object of one node.
    #[getter]
    fn _node_id(&self) -> PyResult<usize> {
        Ok(self.value()?.node_id())
    }

    /// The Values this one was computed from, in operand order (`_prev` as a tuple).
    #[getter]
    fn operands<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let operands = self
            .value()?
            .operands()
            .into_iter()
            .map(|v| Py::new(py, PyValue::from(v)))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, operands)
    }

    /// Sets the label and returns this Value, for naming inside expressions:
    /// `loss = (a * b).named("ab") + c`.
    fn named(slf: &Bound<'_, Self>, label: &str) -> PyResult<Py<Self>> {
        slf.get().value()?.set_label(Some(label));
        Ok(slf.clone().unbind())
    }

    /// The graph below this Value as text; see `micrograd.viz.tree`.
    #[pyo3(signature = (**kwargs))]
    fn tree(slf: &Bound<'_, Self>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
        call_viz(slf, "tree", kwargs)
    }

    /// Prints `tree()`; see `micrograd.viz.print_tree`.
    #[pyo3(signature = (**kwargs))]
    fn print_tree(
        slf: &Bound<'_, Self>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        call_viz(slf, "print_tree", kwargs)
    }

    /// Displays the graph (inline in Jupyter); see `micrograd.viz.show`.
    #[pyo3(signature = (**kwargs))]
    fn show(slf: &Bound<'_, Self>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Py<PyAny>> {
        call_viz(slf, "show", kwargs)
    }

    /// The symbol of the op that made this Value (`''` for a leaf).
    #[getter]
    fn _op(&self) -> PyResult<String> {
        Ok(self.value()?.op().symbol())
    }

    /// Backpropagates from this Value: adds d(self)/d(leaf) into every leaf's `grad`.
    fn backward(&self) -> PyResult<()> {
        self.value()?.backward();
        Ok(())
    }

    fn relu(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::relu)
    }

    #[pyo3(signature = (negative_slope = 0.01))]
    fn leaky_relu(&self, py: Python<'_>, negative_slope: f64) -> PyResult<Py<PyAny>> {
        unary(self, py, |v| v.leaky_relu(negative_slope))
    }

    fn tanh(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::tanh)
    }

    fn sigmoid(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::sigmoid)
    }

    fn exp(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::exp)
    }

    fn log(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::log)
    }

    /// `log(1 + exp(self))`, stable for any input.
    fn softplus(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::softplus)
    }

    fn abs(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::abs)
    }

    fn __abs__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, Value::abs)
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, false, Op::Add)
    }

    fn __radd__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, true, Op::Add)
    }

    fn __sub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, false, Op::Sub)
    }

    fn __rsub__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, true, Op::Sub)
    }

    fn __mul__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, false, Op::Mul)
    }

    fn __rmul__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, true, Op::Mul)
    }

    fn __truediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, false, Op::Div)
    }

    fn __rtruediv__(&self, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(self, other, true, Op::Div)
    }

    /// `self ** n` for a number `n`, or `self ** v` for a Value `v` (both differentiated).
    fn __pow__(
        &self,
        exponent: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        crate::tensor::reject_modulo(_modulo)?;
        let py = exponent.py();
        let base = self.value()?;
        if let Some(n) = as_number(exponent)? {
            return wrap(py, base.pow(n));
        }
        match exponent.cast::<PyValue>() {
            Ok(exponent) => wrap(py, base.pow_value(exponent.get().value()?)),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    /// `n ** self` for a number `n`.
    fn __rpow__(
        &self,
        base: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        crate::tensor::reject_modulo(_modulo)?;
        binary(self, base, true, Op::Pow)
    }

    fn __neg__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        unary(self, py, |v| -v)
    }

    /// Two Python objects holding the same node are equal and hash alike.
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<PyValue>() else {
            return Ok(py.NotImplemented());
        };
        let same = self.value()?.same_node(other.get().value()?);
        let answer = match op {
            CompareOp::Eq => same,
            CompareOp::Ne => !same,
            _ => return Ok(py.NotImplemented()),
        };
        Ok(answer.into_pyobject(py)?.to_owned().into_any().unbind())
    }

    fn __hash__(&self) -> PyResult<isize> {
        Ok(self.value()?.node_id() as isize)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = self.value()?;
        Ok(format!(
            "Value(data={}, grad={})",
            float_repr(py, value.data())?,
            float_repr(py, value.grad())?
        ))
    }
}

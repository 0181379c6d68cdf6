//! `micrograd.Value`: the Python face of a graph node, with its operators as dunders.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use micrograd_core::{BinaryOp, HookError, Value};
use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PySet, PyTuple};
use pyo3::PyTraverseError;

use crate::errors::BindResult;
use crate::operand::{as_number, as_value};
use crate::thread_bound::ThreadBound;

/// A scalar that remembers how it was computed, so `backward()` can find gradients.
#[pyclass(name = "Value", module = "micrograd", frozen, weakref)]
pub struct PyValue {
    value: ThreadBound<Value>,
    /// This object's address once it is the node's registered Python object (see
    /// `wrap_value`), else 0: on drop, it unregisters itself only if it is the one.
    registered: AtomicUsize,
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
            registered: AtomicUsize::new(0),
        }
    }
}

/// One node, one Python object: the node's host word holds the address of its live
/// Python object, so `_prev`, `operands`, a neuron's `w` ... hand back the very object
/// the user holds (`id()` is stable, as with Karpathy's Values), and a new one only
/// when none is alive. Unregistered here, when the object dies.
impl Drop for PyValue {
    fn drop(&mut self) {
        let me = *self.registered.get_mut();
        if me != 0 {
            // Runs with the GIL held, like every use of the node (see ThreadBound).
            let value = self.value.get_any_thread();
            if value.host() == me {
                value.set_host(0);
            }
        }
    }
}

/// A new Python object for `value`'s node (not registered: see `register`).
pub fn new_py_value(py: Python<'_>, value: Value) -> PyResult<Bound<'_, PyValue>> {
    Bound::new(py, PyValue::from(value))
}

/// Makes `object` its node's registered Python object if the node has none.
pub fn register(object: &Bound<'_, PyValue>) {
    let value = object.get().value.get_any_thread();
    if value.host() == 0 {
        let address = object.as_ptr() as usize;
        value.set_host(address);
        object.get().registered.store(address, Ordering::Relaxed);
    }
}

/// The Python object of `value`'s node: the live one if there is one, else a new one.
pub fn wrap_value(py: Python<'_>, value: Value) -> PyResult<Py<PyValue>> {
    let host = value.host();
    if host != 0 {
        // SAFETY: a registered address is that of a live PyValue: the object clears
        // it in its drop (before its memory is freed), with the GIL held throughout.
        let object = unsafe { Bound::from_borrowed_ptr(py, host as *mut pyo3::ffi::PyObject) };
        // SAFETY: only PyValue objects register themselves.
        return Ok(unsafe { object.cast_into_unchecked::<PyValue>() }.unbind());
    }
    new_object(py, value)
}

/// A Python object for a node that has none yet (a freshly computed one).
fn new_object(py: Python<'_>, value: Value) -> PyResult<Py<PyValue>> {
    let object = new_py_value(py, value)?;
    let address = object.as_ptr() as usize;
    let this = object.get();
    this.value.get_any_thread().set_host(address);
    this.registered.store(address, Ordering::Relaxed);
    Ok(object.unbind())
}

/// Calls a Python `_backward` from the core's backward pass; its exception travels
/// back through `try_backward` as the hook's error.
struct PythonBackward(Py<PyAny>);

impl micrograd_core::CustomBackward for PythonBackward {
    fn backward(&self, _out: &Value) -> Result<(), HookError> {
        Python::attach(|py| self.0.call0(py).map(drop))
            .map_err(|error| Box::new(error) as HookError)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `v._backward` for a node whose step is built in (every op, a leaf, a custom node
/// with nothing assigned): calling it runs that one chain-rule step.
#[pyclass(name = "_LocalBackward", module = "micrograd._core", frozen)]
pub struct LocalBackward {
    value: ThreadBound<Value>,
}

#[pymethods]
impl LocalBackward {
    fn __call__(&self) -> BindResult<()> {
        Ok(self.value.get("Value")?.local_backward()?)
    }

    fn __repr__(&self) -> PyResult<String> {
        let value = self.value.get("Value")?;
        let op = value.op().symbol();
        Ok(if op.is_empty() {
            "<_backward of a leaf: does nothing>".into()
        } else {
            format!("<_backward of a '{op}' node>")
        })
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

/// A freshly computed node as a new Python object, registered only once it becomes
/// an operand (`register`) or is looked up (`wrap_value`): most results of an
/// expression are temporaries that never need it.
fn wrap(py: Python<'_>, value: Value) -> PyResult<Py<PyAny>> {
    Ok(new_py_value(py, value)?.into_any().unbind())
}

/// A binary op with `other` on the right (`reflected = false`) or on the left.
fn binary(
    this: &Bound<'_, PyValue>,
    other: &Bound<'_, PyAny>,
    reflected: bool,
    op: BinaryOp,
) -> PyResult<Py<PyAny>> {
    let py = other.py();
    let Some(other) = as_value(other)? else {
        return Ok(py.NotImplemented());
    };
    let this = operand(this)?;
    let result = if reflected {
        other.binary(op, this)
    } else {
        this.binary(op, &other)
    };
    wrap(py, result)
}

fn unary(this: &Bound<'_, PyValue>, make: impl FnOnce(&Value) -> Value) -> PyResult<Py<PyAny>> {
    wrap(this.py(), make(operand(this)?))
}

/// The node of a Python object about to become an operand, registering the object
/// (see `wrap_value`) so that `_prev` hands this very object back.
pub fn operand<'a>(object: &'a Bound<'_, PyValue>) -> PyResult<&'a Value> {
    let value = object.get().value()?;
    if value.host() == 0 {
        register(object);
    }
    Ok(value)
}

/// The module that draws graphs, `micrograd.viz`, as it registered itself when it
/// was imported (`_set_viz`). The extension never imports the Python package: the
/// package imports the extension and hands it the module, so the dependency runs
/// one way.
static VIZ: std::sync::Mutex<Option<Py<PyAny>>> = std::sync::Mutex::new(None);

/// Registers the module whose `tree`, `print_tree` and `show` the methods of the
/// same names call (`micrograd.viz` registers itself at import).
#[pyfunction]
pub fn _set_viz(module: Bound<'_, PyAny>) {
    *VIZ.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(module.unbind());
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
    let py = value.py();
    let viz = VIZ
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .as_ref()
        .map(|module| module.clone_ref(py));
    let Some(viz) = viz else {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(format!(
            "Value.{function}() draws with micrograd.viz, which is not loaded: \
             import micrograd (the extension alone has no drawing)"
        )));
    };
    Ok(viz
        .bind(py)
        .getattr(function)?
        .call((value,), kwargs)?
        .unbind())
}

/// Python's repr of a float (`1.0`, `1e-07`), as Karpathy's repr prints it.
fn float_repr(py: Python<'_>, x: f64) -> PyResult<String> {
    Ok(PyFloat::new(py, x).repr()?.to_string())
}

#[pymethods]
impl PyValue {
    /// Karpathy's `out._backward` closure refers to `out`, and `out`'s node holds the
    /// closure: a cycle through Rust. While this object is the node's only handle,
    /// the closure is reachable only through it, so the collector is shown it and
    /// may break the cycle (`__clear__`). A node that other nodes or objects still
    /// use shows nothing, and keeps its step.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(hook) = self.value.get_any_thread().hook_if_sole_handle() {
            if let Some(python) = hook.as_any().downcast_ref::<PythonBackward>() {
                visit.call(&python.0)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        let value = self.value.get_any_thread();
        if value.hook_if_sole_handle().is_some() {
            value.set_backward_hook(None);
        }
    }

    /// Karpathy's constructor: `Value(2.0, label='a')` is a leaf; with children and
    /// an op name, `Value(math.exp(x.data), (x,), 'exp')` is a node made by user
    /// code, whose `_backward` the user assigns.
    #[new]
    #[pyo3(signature = (data, _children = None, _op = None, label = None))]
    fn new(
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        _children: Option<&Bound<'_, PyAny>>,
        _op: Option<&str>,
        label: Option<&str>,
    ) -> PyResult<Py<Self>> {
        let data = real_number(data, "Value() data")?;
        let children = match _children {
            Some(children) => crate::convert::collect_items(
                children,
                "_children",
                "an iterable of Values",
                |i, item| match item.cast::<PyValue>() {
                    Ok(child) => Ok(operand(child)?.clone()),
                    Err(_) => Err(PyTypeError::new_err(format!(
                        "_children[{i}] must be a Value, got {}",
                        type_name(item)
                    ))),
                },
            )?,
            None => Vec::new(),
        };
        let op = _op.unwrap_or("");
        let value = if children.is_empty() && op.is_empty() {
            Value::new(data)
        } else {
            Value::custom(data, children, op)
        };
        value.set_label(label.filter(|label| !label.is_empty()));
        new_object(py, value)
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

    /// The name shown in graph pictures; `''` (Karpathy's default) when unnamed.
    #[getter]
    fn label(&self) -> PyResult<String> {
        Ok(self.value()?.label().unwrap_or_default())
    }

    /// `''` or None makes the Value unnamed again.
    #[setter]
    fn set_label(&self, label: Option<&str>) -> PyResult<()> {
        self.value()?
            .set_label(label.filter(|label| !label.is_empty()));
        Ok(())
    }

    /// The set of Values this one was computed from (Karpathy's `_prev`): the same
    /// Python objects the user holds, so `id()` names a node.
    #[getter]
    fn _prev<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        let set = PySet::empty(py)?;
        for operand in self.value()?.operands() {
            set.add(wrap_value(py, operand)?)?;
        }
        Ok(set)
    }

    /// This node's own chain-rule step (Karpathy's `_backward`): adds `grad` times
    /// each local derivative into the operands' grads. A node built with
    /// `Value(data, children, op)` runs whatever callable was assigned to it (nothing
    /// until then).
    #[getter(_backward)]
    fn backward_step(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value = self.value()?;
        if let Some(hook) = value.backward_hook() {
            if let Some(python) = hook.as_any().downcast_ref::<PythonBackward>() {
                return Ok(python.0.clone_ref(py));
            }
        }
        Ok(Py::new(
            py,
            LocalBackward {
                value: ThreadBound::new(value.clone()),
            },
        )?
        .into_any())
    }

    /// Assigns the backward step of a node built with `Value(data, children, op)`:
    /// a callable taking no arguments, as in Karpathy's `out._backward = _backward`.
    /// Assigning None removes it. Built-in ops keep their own step.
    #[setter(_backward)]
    fn set_backward_step(&self, step: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let value = self.value()?;
        if !value.is_custom() {
            return Err(PyAttributeError::new_err(format!(
                "_backward can only be assigned on a Value built with children and an op \
                 name, Value(data, (a, b), 'op'); this {} has its step built in",
                if value.is_leaf() {
                    "leaf"
                } else {
                    "op's result"
                }
            )));
        }
        let hook = match step {
            None => None,
            Some(step) if step.is_callable() => {
                Some(Rc::new(PythonBackward(step.clone().unbind())) as micrograd_core::BackwardHook)
            }
            Some(step) => {
                return Err(PyTypeError::new_err(format!(
                    "_backward must be a callable taking no arguments, got {}",
                    type_name(step)
                )))
            }
        };
        value.set_backward_hook(hook);
        Ok(())
    }

    /// The value as a Python float (PyTorch's `item()`).
    fn item(&self) -> PyResult<f64> {
        Ok(self.value()?.data())
    }

    fn __float__(&self) -> PyResult<f64> {
        Ok(self.value()?.data())
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
            .map(|v| wrap_value(py, v))
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
    /// Nodes built with `Value(data, children, op)` run their assigned `_backward`
    /// in topological order with the built-in ops; an exception raised there stops
    /// the pass and propagates (the graph stays usable).
    fn backward(&self) -> BindResult<()> {
        Ok(self.value()?.try_backward()?)
    }

    fn relu(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::relu)
    }

    #[pyo3(signature = (negative_slope = 0.01))]
    fn leaky_relu(slf: &Bound<'_, Self>, negative_slope: f64) -> PyResult<Py<PyAny>> {
        unary(slf, |v| v.leaky_relu(negative_slope))
    }

    fn tanh(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::tanh)
    }

    fn sigmoid(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::sigmoid)
    }

    fn exp(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::exp)
    }

    fn log(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::log)
    }

    /// `log(1 + exp(self))`, stable for any input.
    fn softplus(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::softplus)
    }

    fn abs(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::abs)
    }

    fn __abs__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, Value::abs)
    }

    fn __add__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, false, BinaryOp::Add)
    }

    fn __radd__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, true, BinaryOp::Add)
    }

    fn __sub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, false, BinaryOp::Sub)
    }

    fn __rsub__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, true, BinaryOp::Sub)
    }

    fn __mul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, false, BinaryOp::Mul)
    }

    fn __rmul__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, true, BinaryOp::Mul)
    }

    fn __truediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, false, BinaryOp::Div)
    }

    fn __rtruediv__(slf: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        binary(slf, other, true, BinaryOp::Div)
    }

    /// `self ** n` for a number `n`, or `self ** v` for a Value `v` (both differentiated).
    fn __pow__(
        slf: &Bound<'_, Self>,
        exponent: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        crate::tensor::reject_modulo(_modulo)?;
        let py = exponent.py();
        if let Some(n) = as_number(exponent)? {
            return wrap(py, operand(slf)?.pow(n));
        }
        match exponent.cast::<PyValue>() {
            Ok(exponent) => wrap(py, operand(slf)?.pow_value(operand(exponent)?)),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    /// `n ** self` for a number `n`.
    fn __rpow__(
        slf: &Bound<'_, Self>,
        base: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        crate::tensor::reject_modulo(_modulo)?;
        binary(slf, base, true, BinaryOp::Pow)
    }

    fn __neg__(slf: &Bound<'_, Self>) -> PyResult<Py<PyAny>> {
        unary(slf, |v| -v)
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

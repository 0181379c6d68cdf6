//! `micrograd.Tensor`: the Python face of the dense engine. Every computation is a
//! `micrograd_core::Tensor` method; conversions live in `tensor_convert.rs`.

use micrograd_core::tensor::Comparison;
use micrograd_core::{Error, Tensor};
use numpy::{PyArrayDyn, ToPyArray};
use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyIterator, PyTuple};
use pyo3::PyTraverseError;

use crate::errors::BindResult;
use crate::tensor_convert::{float_array, lend_numpy, operand, row_indices, shape_argument, sizes};
use crate::tensor_functions::with_rng;
use crate::thread_bound::ThreadBound;

/// An n-dimensional float64 array that records its ops for `backward()`.
#[pyclass(name = "Tensor", module = "micrograd", frozen)]
pub struct PyTensor {
    tensor: ThreadBound<Tensor>,
}

impl PyTensor {
    pub fn tensor(&self) -> PyResult<&Tensor> {
        self.tensor.get("Tensor")
    }
}

impl From<Tensor> for PyTensor {
    fn from(tensor: Tensor) -> Self {
        PyTensor {
            tensor: ThreadBound::new(tensor),
        }
    }
}

/// `pow(t, n, m)`: a modulus means nothing for floats; refuse it rather than drop it.
pub fn reject_modulo(modulo: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
    match modulo {
        Some(m) if !m.is_none() => Err(PyTypeError::new_err(
            "pow() with a modulus is not supported for Values and Tensors",
        )),
        _ => Ok(()),
    }
}

pub fn wrap(py: Python<'_>, result: Result<Tensor, Error>) -> BindResult<Py<PyAny>> {
    let tensor = result?;
    Ok(Py::new(py, PyTensor::from(tensor))?.into_any())
}

type BinaryFn = fn(&Tensor, &Tensor) -> Result<Tensor, Error>;

fn binary(
    this: &PyTensor,
    other: &Bound<'_, PyAny>,
    reflected: bool,
    op: BinaryFn,
) -> BindResult<Py<PyAny>> {
    let py = other.py();
    let Some(other) = operand(other)? else {
        return Ok(py.NotImplemented());
    };
    let this = this.tensor()?;
    let result = if reflected {
        op(&other, this)
    } else {
        op(this, &other)
    };
    wrap(py, result)
}

#[pymethods]
impl PyTensor {
    #[new]
    #[pyo3(signature = (data, requires_grad = false))]
    fn new(data: &Bound<'_, PyAny>, requires_grad: bool) -> BindResult<Self> {
        Ok(PyTensor::from(Tensor::new(
            float_array(data, "data")?,
            requires_grad,
        )))
    }

    /// A leaf over `array`'s own memory, without a copy, as `torch.from_numpy`:
    /// changes to the array show in the tensor, and in-place updates of the tensor
    /// (`optimizer.step()`, `copy_`) write into the array. The array must be
    /// float64 in native byte order, C-contiguous, aligned and writeable;
    /// `Tensor(array)` copies any array.
    #[staticmethod]
    #[pyo3(signature = (array, requires_grad = false))]
    fn from_numpy(array: &Bound<'_, PyAny>, requires_grad: bool) -> BindResult<Self> {
        Ok(PyTensor::from(lend_numpy(array, requires_grad)?))
    }

    #[staticmethod]
    #[pyo3(signature = (*shape, requires_grad = false))]
    fn zeros(shape: &Bound<'_, PyTuple>, requires_grad: bool) -> BindResult<Self> {
        wrap_tensor(Tensor::zeros(
            &sizes(&shape_argument(shape)?)?,
            requires_grad,
        ))
    }

    #[staticmethod]
    #[pyo3(signature = (*shape, requires_grad = false))]
    fn ones(shape: &Bound<'_, PyTuple>, requires_grad: bool) -> BindResult<Self> {
        wrap_tensor(Tensor::ones(
            &sizes(&shape_argument(shape)?)?,
            requires_grad,
        ))
    }

    /// Standard normal samples; `seed` for a reproducible draw.
    #[staticmethod]
    #[pyo3(signature = (*shape, seed = None, requires_grad = false))]
    fn randn(
        shape: &Bound<'_, PyTuple>,
        seed: Option<u64>,
        requires_grad: bool,
    ) -> BindResult<Self> {
        let shape = sizes(&shape_argument(shape)?)?;
        wrap_tensor(with_rng(seed, |rng| {
            Tensor::randn(&shape, requires_grad, rng)
        }))
    }

    /// Samples uniform in [0, 1); `seed` for a reproducible draw.
    #[staticmethod]
    #[pyo3(signature = (*shape, seed = None, requires_grad = false))]
    fn rand(
        shape: &Bound<'_, PyTuple>,
        seed: Option<u64>,
        requires_grad: bool,
    ) -> BindResult<Self> {
        let shape = sizes(&shape_argument(shape)?)?;
        let tensor = with_rng(seed, |rng| {
            Tensor::uniform(&shape, 0.0, 1.0, requires_grad, rng)
        });
        Ok(PyTensor::from(tensor?))
    }

    /// Samples uniform in [low, high).
    #[staticmethod]
    #[pyo3(signature = (shape, low, high, seed = None, requires_grad = false))]
    fn uniform(
        shape: &Bound<'_, PyAny>,
        low: f64,
        high: f64,
        seed: Option<u64>,
        requires_grad: bool,
    ) -> BindResult<Self> {
        let shape = sizes(&shape_argument(&PyTuple::new(shape.py(), [shape])?)?)?;
        let tensor = with_rng(seed, |rng| {
            Tensor::uniform(&shape, low, high, requires_grad, rng)
        });
        Ok(PyTensor::from(tensor?))
    }

    /// `arange(stop)`, `arange(start, stop)` or `arange(start, stop, step)`, as numpy.
    #[staticmethod]
    #[pyo3(signature = (start, stop = None, step = 1.0))]
    fn arange(start: f64, stop: Option<f64>, step: f64) -> BindResult<Self> {
        let (start, stop) = match stop {
            Some(stop) => (start, stop),
            None => (0.0, start),
        };
        Ok(PyTensor::from(Tensor::arange(start, stop, step)?))
    }

    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.tensor()?.shape())
    }

    #[getter]
    fn ndim(&self) -> PyResult<usize> {
        Ok(self.tensor()?.ndim())
    }

    #[getter]
    fn size(&self) -> PyResult<usize> {
        Ok(self.tensor()?.len())
    }

    fn __len__(&self) -> PyResult<usize> {
        let shape = self.tensor()?.shape();
        shape
            .first()
            .copied()
            .ok_or_else(|| PyTypeError::new_err("len() of a 0-d tensor"))
    }

    #[getter]
    fn requires_grad(&self) -> PyResult<bool> {
        Ok(self.tensor()?.requires_grad())
    }

    #[setter]
    fn set_requires_grad(&self, requires_grad: bool) -> PyResult<()> {
        let tensor = self.tensor()?;
        if !tensor.is_leaf() {
            return Err(PyValueError::new_err(
                "requires_grad can only be changed on a leaf tensor (one not computed from others)",
            ));
        }
        tensor.set_requires_grad(requires_grad);
        Ok(())
    }

    #[getter]
    fn is_leaf(&self) -> PyResult<bool> {
        Ok(self.tensor()?.is_leaf())
    }

    /// The gradient as a numpy array, or None before any `backward()` reached it.
    #[getter]
    fn grad<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArrayDyn<f64>>>> {
        let grad = self.tensor()?.grad();
        if let Some(grad) = &grad {
            at_most_max_ndim(grad.ndim())?;
        }
        Ok(grad.map(|g| g.to_pyarray(py)))
    }

    #[setter]
    fn set_grad(&self, grad: Option<&Bound<'_, PyAny>>) -> BindResult<()> {
        let grad = grad.map(|g| float_array(g, "grad")).transpose()?;
        Ok(self.tensor()?.set_grad(grad)?)
    }

    /// Overwrites the values in place with `src` (same shape); returns this tensor.
    fn copy_(slf: &Bound<'_, Self>, src: &Bound<'_, PyAny>) -> BindResult<Py<Self>> {
        let values = float_array(src, "src")?;
        slf.get().tensor()?.copy_from(&values)?;
        Ok(slf.clone().unbind())
    }

    /// Forgets the gradient (sets `grad` to None).
    fn zero_grad(&self) -> PyResult<()> {
        self.tensor()?.zero_grad();
        Ok(())
    }

    /// The op that made this tensor (`''` for a leaf).
    #[getter]
    fn _op(&self) -> PyResult<&'static str> {
        Ok(self.tensor()?.op_name())
    }

    /// A number naming the graph node: equal for every Python object of one node
    /// (graph walks key on it; `==` on tensors is left for elementwise comparison).
    #[getter]
    fn _node_id(&self) -> PyResult<usize> {
        Ok(self.tensor()?.node_id())
    }

    /// The tensors this one was computed from, in order.
    #[getter]
    fn operands<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let operands = self
            .tensor()?
            .operands()
            .into_iter()
            .map(|t| Py::new(py, PyTensor::from(t)))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, operands)
    }

    /// The values as a read-only numpy array that shares this tensor's memory (no
    /// copy): it follows in-place updates such as `optimizer.step()`. Use
    /// `.numpy().copy()` for a snapshot or a writable array.
    fn numpy<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let view = {
            let data = slf.get().tensor()?.data();
            at_most_max_ndim(data.ndim())?;
            // SAFETY: the array's base is this Python object, which keeps the node
            // (and its buffer) alive; a node's data buffer is never reallocated after
            // the node is made (updates write in place), so the view stays valid.
            unsafe { PyArrayDyn::borrow_from_array(&*data, slf.clone().into_any()) }
        }; // the borrow ends before Python runs again (setflags could run a gc callback)
        let kwargs = PyDict::new(slf.py());
        kwargs.set_item("write", false)?;
        view.call_method("setflags", (), Some(&kwargs))?;
        Ok(view)
    }

    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__<'py>(
        slf: &Bound<'py, Self>,
        dtype: Option<&Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let array = Self::numpy(slf)?.into_any();
        match (dtype, copy) {
            (Some(dtype), _) => array.call_method1("astype", (dtype,)),
            (None, Some(true)) => array.call_method0("copy"),
            (None, _) => Ok(array),
        }
    }

    /// numpy on the left (`np.ones(3) + t`, `np.float64(2) * t`) hands the
    /// operation back to the Tensor instead of converting it and dropping the graph.
    #[classattr]
    fn __array_ufunc__(py: Python<'_>) -> Py<PyAny> {
        py.None()
    }

    /// True or false for a one-element tensor, as in numpy and PyTorch.
    fn __bool__(&self) -> BindResult<bool> {
        let tensor = self.tensor()?;
        if tensor.len() != 1 {
            return Err(PyValueError::new_err(format!(
                "the truth value of a tensor with {} elements is ambiguous; use .sum(), .max() or compare elements",
                tensor.len()
            ))
            .into());
        }
        Ok(tensor.item()? != 0.0)
    }

    fn item(&self) -> BindResult<f64> {
        Ok(self.tensor()?.item()?)
    }

    fn tolist<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::numpy(slf)?.call_method0("tolist")
    }

    /// Backpropagates from this tensor; `gradient` (d loss / d self) is needed
    /// unless it has exactly one element.
    #[pyo3(signature = (gradient = None))]
    fn backward(&self, gradient: Option<&Bound<'_, PyAny>>) -> BindResult<()> {
        let tensor = self.tensor()?;
        let result = match gradient {
            None => tensor.backward(),
            Some(g) => tensor.backward_with(float_array(g, "gradient")?),
        };
        match result {
            // Only the bindings know the argument's name: a message that says what to pass.
            Err(Error::NotScalar { shape, .. })
                if gradient.is_none() && shape.iter().product::<usize>() != 1 =>
            {
                Err(PyValueError::new_err(format!(
                    "backward() needs a gradient argument for a tensor of shape {} \
                     (or reduce it first, e.g. .sum())",
                    micrograd_core::shape_text(&shape)
                ))
                .into())
            }
            other => Ok(other?),
        }
    }

    #[pyo3(signature = (axis = None, keepdims = false))]
    fn sum(&self, py: Python<'_>, axis: Option<isize>, keepdims: bool) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.sum(axis, keepdims))
    }

    #[pyo3(signature = (axis = None, keepdims = false))]
    fn mean(&self, py: Python<'_>, axis: Option<isize>, keepdims: bool) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.mean(axis, keepdims))
    }

    #[pyo3(signature = (axis = None, keepdims = false))]
    fn max(&self, py: Python<'_>, axis: Option<isize>, keepdims: bool) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.max(axis, keepdims))
    }

    // PyO3 writes a negative default into `__text_signature__` as `...`; spelled
    // out, `inspect.signature` (and so help() and stubtest) sees `axis=-1`.
    #[pyo3(signature = (axis = -1), text_signature = "($self, axis=-1)")]
    fn softmax(&self, py: Python<'_>, axis: isize) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.softmax(axis))
    }

    #[pyo3(signature = (axis = -1), text_signature = "($self, axis=-1)")]
    fn log_softmax(&self, py: Python<'_>, axis: isize) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.log_softmax(axis))
    }

    #[pyo3(signature = (*shape))]
    fn reshape(&self, py: Python<'_>, shape: &Bound<'_, PyTuple>) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.reshape(&shape_argument(shape)?))
    }

    /// Permutes the axes; with none given, reverses them.
    #[pyo3(signature = (*axes))]
    fn transpose(&self, py: Python<'_>, axes: &Bound<'_, PyTuple>) -> BindResult<Py<PyAny>> {
        let axes = if axes.is_empty() {
            None
        } else {
            Some(shape_argument(axes)?)
        };
        wrap(py, self.tensor()?.transpose(axes.as_deref()))
    }

    #[getter(T)]
    fn transposed(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, self.tensor()?.transpose(None))
    }

    fn relu(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.relu()))
    }

    #[pyo3(signature = (negative_slope = 0.01))]
    fn leaky_relu(&self, py: Python<'_>, negative_slope: f64) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.leaky_relu(negative_slope)))
    }

    fn tanh(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.tanh()))
    }

    fn sigmoid(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.sigmoid()))
    }

    fn exp(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.exp()))
    }

    fn log(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.log()))
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        let tensor = self.tensor()?;
        let shape = tensor.shape();
        if is_bool_key(key)? {
            return wrap(py, bool_index(tensor, key.is_truthy()?));
        }
        let Some(&rows) = shape.first() else {
            return Err(
                PyIndexError::new_err("a 0-d tensor cannot be indexed; use .item()").into(),
            );
        };
        let (indices, arrangement) = row_indices(key, rows)?;
        let selected = tensor.rows(&indices)?;
        let target: Vec<isize> = arrangement
            .iter()
            .chain(&shape[1..])
            .map(|&d| d as isize)
            .collect();
        if target.len() == selected.ndim() && arrangement.len() == 1 {
            return wrap(py, Ok(selected)); // rows stay one axis: no reshape node
        }
        wrap(py, selected.reshape(&target))
    }

    fn __add__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, false, Tensor::add)
    }

    fn __radd__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, true, Tensor::add)
    }

    fn __sub__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, false, Tensor::sub)
    }

    fn __rsub__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, true, Tensor::sub)
    }

    fn __mul__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, false, Tensor::mul)
    }

    fn __rmul__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, true, Tensor::mul)
    }

    fn __truediv__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, false, Tensor::div)
    }

    fn __rtruediv__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, true, Tensor::div)
    }

    fn __matmul__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, false, Tensor::matmul)
    }

    fn __rmatmul__(&self, other: &Bound<'_, PyAny>) -> BindResult<Py<PyAny>> {
        binary(self, other, true, Tensor::matmul)
    }

    /// `t ** n` for a number (its own op) or elementwise `t ** other`.
    fn __pow__(
        &self,
        exponent: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> BindResult<Py<PyAny>> {
        reject_modulo(_modulo)?;
        // A plain Python number is a constant exponent: one unary node, no 0-d operand.
        if exponent.is_instance_of::<PyFloat>() || exponent.is_instance_of::<PyInt>() {
            if let Some(n) = crate::operand::as_number(exponent)? {
                return wrap(exponent.py(), Ok(self.tensor()?.pow_scalar(n)));
            }
        }
        binary(self, exponent, false, Tensor::pow)
    }

    fn __rpow__(
        &self,
        base: &Bound<'_, PyAny>,
        _modulo: Option<&Bound<'_, PyAny>>,
    ) -> BindResult<Py<PyAny>> {
        reject_modulo(_modulo)?;
        binary(self, base, true, Tensor::pow)
    }

    fn __neg__(&self, py: Python<'_>) -> BindResult<Py<PyAny>> {
        wrap(py, Ok(self.tensor()?.neg()))
    }

    /// The rows, one by one (a 0-d tensor is not iterable, as in PyTorch).
    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyIterator>> {
        let py = slf.py();
        let Some(&rows) = slf.get().tensor()?.shape().first() else {
            return Err(PyTypeError::new_err(
                "iteration over a 0-d tensor; use .item()",
            ));
        };
        let builtins = py.import("builtins")?;
        let range = builtins.getattr("range")?.call1((rows,))?;
        let each = builtins
            .getattr("map")?
            .call1((slf.getattr("__getitem__")?, range))?;
        each.try_iter()
    }

    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, element by element with broadcasting, as in
    /// numpy and PyTorch: a new Tensor of 1.0 where the comparison holds and 0.0
    /// elsewhere, without grad. An operand that is not a number or an array gives
    /// NotImplemented (so `t == "a"` is False and `t < "a"` a TypeError, as Python
    /// decides).
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> BindResult<Py<PyAny>> {
        let py = other.py();
        let Some(other) = operand(other)? else {
            return Ok(py.NotImplemented());
        };
        let comparison = match op {
            CompareOp::Lt => Comparison::Lt,
            CompareOp::Le => Comparison::Le,
            CompareOp::Eq => Comparison::Eq,
            CompareOp::Ne => Comparison::Ne,
            CompareOp::Gt => Comparison::Gt,
            CompareOp::Ge => Comparison::Ge,
        };
        wrap(py, self.tensor()?.compare(&other, comparison))
    }

    /// By identity, as `object.__hash__` and PyTorch tensors: `==` is elementwise.
    fn __hash__(slf: &Bound<'_, Self>) -> isize {
        (slf.as_ptr() as usize >> 4) as isize
    }

    /// The array lent by `Tensor.from_numpy`, for the garbage collector, when this
    /// object is the only handle on its node: `a.t = Tensor.from_numpy(a)` is then a
    /// cycle the collector can see and free.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        let tensor = self.tensor.for_gc();
        tensor
            .visit_sole_lent_owner(|owner| match owner.downcast_ref::<Py<PyAny>>() {
                Some(array) => visit.call(array),
                None => Ok(()),
            })
            .unwrap_or(Ok(()))
    }

    /// Breaks such a cycle: the values are copied out of the array, which is released.
    fn __clear__(&self) {
        let owner = self.tensor.for_gc().take_sole_lent_owner();
        drop(owner); // outside the node's borrow: releasing the array may run Python code
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let py = slf.py();
        let tensor = slf.get().tensor()?;
        let array = Self::numpy(slf)?;
        let numpy = py.import("numpy")?;
        let body = numpy
            .call_method1("array2string", (array,))?
            .extract::<String>()?
            .replace('\n', "\n       ");
        let grad = if tensor.requires_grad() {
            ", requires_grad=True"
        } else {
            ""
        };
        Ok(format!("Tensor({body}{grad})"))
    }
}

/// rust-numpy panics on more than 32 dimensions; the core makes no such tensor
/// (`MAX_NDIM`), and this keeps the panic out of reach should one ever appear.
fn at_most_max_ndim(ndim: usize) -> BindResult<()> {
    Ok(micrograd_core::tensor::ensure_ndim(ndim)?)
}

/// Whether `key` indexes with a bool (a new axis, as numpy reads it): Python's
/// bools, numpy's bool scalars and 0-d bool arrays. (A list or array of bools is a
/// mask, read by `micrograd._convert.row_indices`.)
fn is_bool_key(key: &Bound<'_, PyAny>) -> PyResult<bool> {
    if key.is_instance_of::<PyBool>() {
        return Ok(true);
    }
    if key.is_instance_of::<PyInt>() {
        return Ok(false);
    }
    if let Ok(array) = key.cast::<numpy::PyUntypedArray>() {
        use numpy::{PyArrayDescrMethods, PyUntypedArrayMethods};
        return Ok(array.ndim() == 0 && array.dtype().kind() == b'b');
    }
    Ok(
        crate::operand::numpy_scalar_dtype(key)?.is_some_and(|dtype| {
            use numpy::PyArrayDescrMethods;
            dtype.kind() == b'b'
        }),
    )
}

/// `t[True]` adds an axis of length 1 in front, `t[False]` one of length 0, as numpy
/// does (and PyTorch); both stay in the graph.
fn bool_index(tensor: &Tensor, truth: bool) -> Result<Tensor, Error> {
    let shape: Vec<isize> = tensor.shape().iter().map(|&d| d as isize).collect();
    let with_axis: Vec<isize> = [1].into_iter().chain(shape.iter().copied()).collect();
    let added = tensor.reshape(&with_axis)?;
    if truth {
        return Ok(added);
    }
    added.rows(&[])
}

pub fn wrap_tensor(result: Result<Tensor, Error>) -> BindResult<PyTensor> {
    Ok(PyTensor::from(result?))
}

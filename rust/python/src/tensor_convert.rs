//! Python data in and out of Tensors: array-likes, operands of the arithmetic
//! dunders, shapes and row keys.

use micrograd_core::tensor::MAX_NDIM;
use micrograd_core::Tensor;
use ndarray::{ArrayD, IxDyn};
use numpy::{
    npyffi, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PySlice, PyString, PyTuple};

use crate::convert::collect_at_most;
use crate::operand::{as_number, is_not_a_number};
use crate::tensor::PyTensor;
use crate::value::type_name;

/// Any array-like as a float64 array, by `numpy_float64`'s rules and messages
/// (ragged lists, non-numeric dtypes). A number-like that is not a
/// sequence (a Fraction, a numpy scalar) follows the scalar rule of
/// `operand::as_number`, so both engines accept the same numbers.
pub fn float_array(data: &Bound<'_, PyAny>, argument: &str) -> PyResult<ArrayD<f64>> {
    if let Ok(tensor) = data.cast::<PyTensor>() {
        return Ok(tensor.get().tensor()?.data().to_owned());
    }
    if let Ok(float) = data.cast_exact::<PyFloat>() {
        return Ok(ArrayD::from_elem(IxDyn(&[]), float.value()));
    }
    let sequence_like = data.is_instance_of::<PyList>()
        || data.is_instance_of::<PyTuple>()
        || data.is_instance_of::<PyUntypedArray>();
    if !sequence_like && !data.is_instance_of::<PyString>() {
        if let Some(number) = as_number(data)? {
            return Ok(ArrayD::from_elem(IxDyn(&[]), number));
        }
    }
    let array = numpy_float64(data, argument)?;
    check_ndim(&array, argument)?;
    if !array.is_aligned() || !array.is_c_contiguous() {
        return Err(PyValueError::new_err(format!(
            "{argument}: numpy.require returned an unaligned or non-contiguous array"
        )));
    }
    let array: PyReadonlyArrayDyn<'_, f64> = array.extract()?;
    Ok(array.as_array().to_owned())
}

/// `_core._as_float_array(data, argument="data")`: `numpy_float64` for the Python
/// layer (`micrograd._convert.as_float_array`), so the rules live in one place.
#[pyfunction]
#[pyo3(signature = (data, argument = "data"))]
pub fn _as_float_array<'py>(
    data: &Bound<'py, PyAny>,
    argument: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    numpy_float64(data, argument)
}

/// numpy's functions, looked up once: the extension calls numpy (a dependency),
/// never the `micrograd` package that wraps it.
static ASARRAY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static REQUIRE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static FLATNONZERO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn asarray<'py>(data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = data.py();
    let array = ASARRAY.import(py, "numpy", "asarray")?.call1((data,))?;
    Ok(array.cast_into::<PyUntypedArray>()?)
}

/// The numeric dtype kinds: bool, signed and unsigned int, float.
const NUMERIC_KINDS: &[u8] = b"biuf";

/// `data` (nested lists, a numpy array, a number) as an aligned, C-contiguous
/// float64 numpy array, copied only when needed. A TypeError for non-numeric data
/// (strings, objects, complex numbers) and a ValueError for ragged nested lists,
/// naming `argument`. (`micrograd._convert.as_float_array` is this function.)
pub fn numpy_float64<'py>(
    data: &Bound<'py, PyAny>,
    argument: &str,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = data.py();
    let given_array = data.cast::<PyUntypedArray>().ok().cloned();
    let array = match given_array.clone() {
        Some(array) => array,
        None => asarray(data).map_err(|error| {
            if error.is_instance_of::<PyValueError>(py) {
                PyValueError::new_err(format!(
                    "{argument} must be a rectangular array, got ragged lists ({})",
                    error.value(py)
                ))
            } else {
                error
            }
        })?,
    };
    let dtype = array.dtype();
    if !NUMERIC_KINDS.contains(&dtype.kind()) {
        return Err(PyTypeError::new_err(match given_array {
            Some(_) => {
                format!("{argument} must hold real numbers, got a numpy array of dtype {dtype}")
            }
            None => format!(
                "{argument} must hold real numbers, got {} of {dtype}",
                type_name(data)
            ),
        }));
    }
    // As np.asarray, a 0-d input stays 0-d; np.require copies an unaligned buffer
    // (np.frombuffer at an odd offset), which must not be read in place.
    let float64 = PyDict::new(py);
    float64.set_item("dtype", numpy::dtype::<f64>(py))?;
    let converted = ASARRAY
        .import(py, "numpy", "asarray")?
        .call((&array,), Some(&float64))?;
    let requirements = PyDict::new(py);
    requirements.set_item("requirements", ["C", "A"])?;
    let required = REQUIRE
        .import(py, "numpy", "require")?
        .call((converted,), Some(&requirements))?;
    Ok(required.cast_into::<PyUntypedArray>()?)
}

/// A ValueError naming `argument` for an array of more than `MAX_NDIM` dimensions
/// (numpy 2 allows 64; rust-numpy panics past 32, and a tensor could not be
/// converted back): checked before any rust-numpy view of the array is made.
pub fn check_ndim(array: &Bound<'_, PyUntypedArray>, argument: &str) -> PyResult<()> {
    let ndim = array.ndim();
    if ndim > MAX_NDIM {
        return Err(PyValueError::new_err(format!(
            "{argument} has {ndim} dimensions; a tensor can have at most {MAX_NDIM} \
             (numpy's limit)"
        )));
    }
    Ok(())
}

/// Whether the array's own flags (`PyArrayObject.flags`, not the Python-level
/// `.flags` attribute, which an ndarray subclass can override) include `flag`.
fn has_flag(array: &Bound<'_, PyUntypedArray>, flag: std::ffi::c_int) -> bool {
    // SAFETY: `array` is a live ndarray (checked by the cast); the flags field is
    // plain data, read with the GIL held.
    unsafe { (*array.as_array_ptr()).fields.flags & flag == flag }
}

/// `Tensor.from_numpy`: a leaf over the array's own memory, as `torch.from_numpy`.
/// The core reads and writes it in place, so it must be float64 in native byte
/// order, C-contiguous, aligned and writeable (an optimizer's step writes back).
/// Any other array is refused with the copying alternative named, rather than
/// copied, so a tensor made here always shares.
pub fn lend_numpy(array: &Bound<'_, PyAny>, requires_grad: bool) -> PyResult<Tensor> {
    let py = array.py();
    let untyped = array.cast::<PyUntypedArray>().map_err(|_| {
        PyTypeError::new_err(format!(
            "from_numpy expects a numpy.ndarray, got {}; Tensor(data) copies any array-like",
            type_name(array)
        ))
    })?;
    let dtype = untyped.dtype();
    if !dtype.is_equiv_to(&numpy::dtype::<f64>(py)) {
        return Err(PyTypeError::new_err(format!(
            "from_numpy shares memory, so the array must be float64 in native byte order, \
             got dtype {}; Tensor(array) makes a float64 copy",
            dtype.str()?
        )));
    }
    check_ndim(untyped, "array")?;
    // The flags are read from the array struct: an ndarray subclass can override the
    // Python-level `.flags` and claim a read-only or unaligned buffer is neither.
    let refusal = if !has_flag(untyped, npyffi::NPY_ARRAY_C_CONTIGUOUS) {
        Some("is not C-contiguous (a transposed or strided view, say)")
    } else if !has_flag(untyped, npyffi::NPY_ARRAY_ALIGNED) {
        Some("is not aligned")
    } else if !has_flag(untyped, npyffi::NPY_ARRAY_WRITEABLE) {
        Some("is read-only (an optimizer's step writes into a shared tensor)")
    } else {
        None
    };
    if let Some(reason) = refusal {
        return Err(PyValueError::new_err(format!(
            "from_numpy cannot share this array: it {reason}; Tensor(array) copies it"
        )));
    }
    let array = untyped.cast::<PyArrayDyn<f64>>()?;
    let shape = array.shape().to_vec();
    if array.len() == 0 {
        // No memory to share; numpy may not even have allocated any.
        return Ok(Tensor::new(ArrayD::zeros(IxDyn(&shape)), requires_grad));
    }
    let owner: Box<Py<PyAny>> = Box::new(array.clone().into_any().unbind());
    // SAFETY: checked above, on the array struct itself: float64, aligned,
    // C-contiguous (so row-major, with `len` elements from `data()`), writeable and
    // non-empty. The owner reference keeps the memory alive and unmoved: numpy
    // refuses to resize an array that other references hold. Python code on this
    // thread cannot write it while a tensor method runs (tensor methods hold the GIL
    // throughout and call no Python code). A numpy operation on another thread that
    // has released the GIL can, as with `torch.from_numpy`: the memory is shared, not
    // synchronized (docs/reliability.md §8); such a race only mixes old and new f64
    // values, it cannot move or free the memory.
    Ok(unsafe { Tensor::from_lent(array.data(), &shape, owner, requires_grad) })
}

/// The other operand of an arithmetic dunder as a Tensor: a Tensor itself, a
/// number (a 0-d constant), or anything numpy can read. `None` → NotImplemented.
pub fn operand(other: &Bound<'_, PyAny>) -> PyResult<Option<Tensor>> {
    if let Ok(tensor) = other.cast::<PyTensor>() {
        return Ok(Some(tensor.get().tensor()?.clone()));
    }
    if let Ok(float) = other.cast_exact::<PyFloat>() {
        return Ok(Some(Tensor::scalar(float.value())));
    }
    if let Ok(int) = other.cast_exact::<PyInt>() {
        // Beyond i64, Python's own int -> float conversion (1e30 is fine; 10**400
        // overflows, and is not a number here either).
        return Ok(match int.extract::<i64>() {
            Ok(small) => Some(Tensor::scalar(small as f64)),
            Err(_) => int.extract::<f64>().ok().map(Tensor::scalar),
        });
    }
    // An array is an operand whatever it holds: one with too many dimensions is a
    // ValueError here, not a NotImplemented that numpy would turn into a TypeError.
    if let Ok(array) = other.cast::<PyUntypedArray>() {
        check_ndim(array, "operand")?;
    }
    // Values (scalar graph nodes) do not mix with tensors; neither do strings.
    if other.is_instance_of::<crate::value::PyValue>()
        || other.is_instance_of::<pyo3::types::PyString>()
    {
        return Ok(None);
    }
    // Only "not a number" (TypeError / ValueError) means NotImplemented: a
    // KeyboardInterrupt or MemoryError raised by `__array__` or `__float__` propagates.
    match float_array(other, "operand") {
        Ok(array) => Ok(Some(Tensor::new(array, false))),
        Err(error) if is_not_a_number(other.py(), &error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// A shape given as `(2, 3)`, `[2, 3]` or as separate integers `2, 3`.
pub fn shape_argument(args: &Bound<'_, PyTuple>) -> PyResult<Vec<isize>> {
    let single = if args.len() == 1 {
        Some(args.get_item(0)?)
    } else {
        None
    };
    let items = match &single {
        Some(first) if !first.is_instance_of::<PyInt>() => first.clone(),
        _ => args.clone().into_any(),
    };
    let not_integers = || {
        PyTypeError::new_err(format!(
            "shape must be integers, e.g. (2, 3), got {}",
            items.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    };
    if items.try_iter().is_err() {
        return Err(not_integers()); // a lone float or string, say
    }
    // No more than MAX_NDIM + 1 entries are read: `itertools.count()` is refused.
    let shape = collect_at_most(&items, "shape", "a list", Some(MAX_NDIM), |_, dim| {
        dim.extract::<isize>().map_err(|_| not_integers())
    })
    .map_err(|error| {
        if error.is_instance_of::<PyValueError>(items.py()) {
            PyValueError::new_err(format!(
                "shape can have at most {MAX_NDIM} dimensions (numpy's limit), got more"
            ))
        } else {
            error
        }
    })?;
    Ok(shape)
}

pub fn sizes(shape: &[isize]) -> PyResult<Vec<usize>> {
    shape
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| PyValueError::new_err(format!("shape entries must be >= 0, got {d}")))
        })
        .collect()
}

/// Row indices for `tensor[key]`, and the shape they arrange the rows in: an int
/// (the axis is dropped), a slice, or an integer array / boolean mask (read by
/// `array_indices`, with numpy's rules and messages).
pub fn row_indices(key: &Bound<'_, PyAny>, rows: usize) -> PyResult<(Vec<isize>, Vec<usize>)> {
    if key.is_instance_of::<PyInt>() {
        return Ok((vec![key.extract::<isize>()?], vec![]));
    }
    if let Ok(slice) = key.cast::<PySlice>() {
        let range = slice.indices(rows as isize)?;
        let indices: Vec<isize> = (0..range.slicelength)
            .map(|i| range.start + i as isize * range.step)
            .collect();
        let count = indices.len();
        return Ok((indices, vec![count]));
    }
    array_indices(key, rows)
}

/// The rows an integer array (any shape: the result has that shape in front) or a
/// boolean mask of length `rows` selects, as numpy reads them: flat, in order, and
/// the shape they form. A TypeError for other keys (floats, tuples of axes), an
/// IndexError for a mask of the wrong length.
fn array_indices(key: &Bound<'_, PyAny>, rows: usize) -> PyResult<(Vec<isize>, Vec<usize>)> {
    if key.is_instance_of::<PyTuple>() {
        return Err(PyTypeError::new_err(
            "Tensor indexing selects rows: use t[i], t[a:b], t[[i, j, ...]] or a boolean \
             mask; for other axes, transpose or reshape first",
        ));
    }
    let py = key.py();
    let index = asarray(key)?;
    let dtype = index.dtype();
    let shape = index.getattr("shape")?;
    if dtype.kind() == b'b' {
        if shape.extract::<Vec<usize>>()? != [rows] {
            return Err(PyIndexError::new_err(format!(
                "a boolean mask must have one entry per row ({rows}), got shape {shape}"
            )));
        }
        let selected: Vec<isize> = FLATNONZERO
            .import(py, "numpy", "flatnonzero")?
            .call1((&index,))?
            .call_method0("tolist")?
            .extract()?;
        let count = selected.len();
        return Ok((selected, vec![count]));
    }
    if !b"iu".contains(&dtype.kind()) {
        return Err(PyTypeError::new_err(format!(
            "indices must be integers or a boolean mask, got {} of dtype {dtype}",
            type_name(key)
        )));
    }
    let indices = index
        .call_method0("ravel")?
        .call_method0("tolist")?
        .extract()?;
    Ok((indices, shape.extract()?))
}

/// The tensors in a list, for the tensor losses (None when the first item is not a
/// Tensor, so the scalar losses handle it).
pub fn first_tensor(items: &Bound<'_, PyAny>) -> PyResult<Option<Tensor>> {
    Ok(match items.cast::<PyTensor>() {
        Ok(tensor) => Some(tensor.get().tensor()?.clone()),
        Err(_) => None,
    })
}

pub fn tensor_list(items: &Bound<'_, PyAny>) -> PyResult<Option<Vec<Tensor>>> {
    let list: Vec<Bound<'_, PyAny>> = match items.cast::<PyList>() {
        Ok(list) => list.iter().collect(),
        Err(_) => return Ok(None),
    };
    if list.is_empty() || !list.iter().all(|item| item.is_instance_of::<PyTensor>()) {
        return Ok(None);
    }
    list.iter()
        .map(|item| {
            Ok(item
                .cast::<PyTensor>()
                .map_err(PyErr::from)?
                .get()
                .tensor()?
                .clone())
        })
        .collect::<PyResult<Vec<_>>>()
        .map(Some)
}

//! Python data in and out of Tensors: array-likes, operands of the arithmetic
//! dunders, shapes and row keys.

use micrograd_core::tensor::MAX_NDIM;
use micrograd_core::Tensor;
use ndarray::{ArrayD, IxDyn};
use numpy::{
    npyffi, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyList, PySlice, PyString, PyTuple};

use crate::convert::collect_at_most;
use crate::operand::{as_number, is_not_a_number};
use crate::tensor::PyTensor;
use crate::value::type_name;

/// Any array-like as a float64 array, through `micrograd._convert` for the rules
/// and messages (ragged lists, non-numeric dtypes). A number-like that is not a
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
    let array = data
        .py()
        .import("micrograd._convert")?
        .call_method1("as_float_array", (data, argument))?;
    let untyped = array.cast::<PyUntypedArray>()?;
    check_ndim(untyped, argument)?;
    if !untyped.is_aligned() || !untyped.is_c_contiguous() {
        return Err(PyValueError::new_err(format!(
            "{argument}: micrograd._convert.as_float_array returned an unaligned or \
             non-contiguous array"
        )));
    }
    let array: PyReadonlyArrayDyn<'_, f64> = array.extract()?;
    Ok(array.as_array().to_owned())
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
/// `micrograd._convert.row_indices`, with numpy's rules and messages).
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
    let (indices, shape) = key
        .py()
        .import("micrograd._convert")?
        .call_method1("row_indices", (key, rows))?
        .extract::<(Vec<isize>, Vec<usize>)>()?;
    Ok((indices, shape))
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

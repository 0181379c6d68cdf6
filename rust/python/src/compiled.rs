//! The core's tape (`micrograd_core::tape`) for `micrograd.compile`: a recording
//! guard and a replayable tape. The Python layer (`micrograd/_compile.py`) decides
//! when to record and how arguments become inputs; this file only moves numbers.

use std::cell::RefCell;
use std::rc::Rc;

use micrograd_core::tape::{output_value, reuse_output_value};
use micrograd_core::{Created, Recording, SharedTape, Tape};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArray};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::convert::values_only;
use crate::errors::BindResult;
use crate::thread_bound::ThreadBound;
use crate::value::{type_name, wrap_value, PyValue};

enum State {
    Active(Recording),
    Finished(Created),
    Used,
}

/// Notes every node made on this thread from construction to `stop()`; `tape()`
/// then records the graph of the outputs.
#[pyclass(name = "_Recording", module = "micrograd._core", frozen)]
pub struct PyRecording {
    state: ThreadBound<RefCell<State>>,
}

#[pymethods]
impl PyRecording {
    #[new]
    fn new() -> PyResult<Self> {
        let recording = Recording::start().ok_or_else(|| {
            PyRuntimeError::new_err(
                "a compiled function was called while another one is being recorded: \
                 compiled functions do not nest (compile the outer one only)",
            )
        })?;
        Ok(PyRecording {
            state: ThreadBound::new(RefCell::new(State::Active(recording))),
        })
    }

    /// Stops noting new nodes (idempotent).
    fn stop(&self) -> PyResult<()> {
        let mut state = self.state.get("_Recording")?.borrow_mut();
        if let State::Active(_) = &*state {
            if let State::Active(recording) = std::mem::replace(&mut *state, State::Used) {
                *state = State::Finished(recording.finish());
            }
        }
        Ok(())
    }

    /// The tape of the graph computing `outputs`, with `inputs` as its input slots.
    fn tape(&self, outputs: &Bound<'_, PyAny>, inputs: &Bound<'_, PyAny>) -> BindResult<PyTape> {
        self.stop()?;
        let outputs = values_only(outputs, "outputs")?;
        let inputs = values_only(inputs, "inputs")?;
        let state = self.state.get("_Recording")?.borrow();
        let State::Finished(created) = &*state else {
            return Err(PyRuntimeError::new_err("this recording has been used").into());
        };
        let tape = Tape::record(&outputs, &inputs, created)?;
        Ok(PyTape {
            inner: ThreadBound::new(TapeState {
                shared: SharedTape::new(tape),
                buffer: RefCell::new(Vec::new()),
                outputs: RefCell::new(Vec::new()),
            }),
        })
    }
}

/// A recorded graph, replayed from flat arrays in Rust.
#[pyclass(name = "_Tape", module = "micrograd._core", frozen)]
pub struct PyTape {
    inner: ThreadBound<TapeState>,
}

struct TapeState {
    shared: Rc<RefCell<SharedTape>>,
    /// The inputs of the current call, reused from call to call.
    buffer: RefCell<Vec<f64>>,
    /// Per output, the Python objects of its last two replays, newest first: one
    /// that nothing else holds any longer is handed out again (`output`). Kept here,
    /// not in the `SharedTape` their hooks hold, so that no cycle keeps the tape alive.
    outputs: RefCell<Vec<Vec<Py<PyValue>>>>,
}

impl PyTape {
    fn state(&self) -> PyResult<&TapeState> {
        self.inner.get("_Tape")
    }

    fn shared(&self) -> PyResult<&Rc<RefCell<SharedTape>>> {
        Ok(&self.state()?.shared)
    }

    /// Output `i` of the last replay as a Python object: the object of an earlier
    /// replay when nothing but this tape holds it any longer (a loop that rebinds
    /// `loss = f()` frees one each call), else a new one. Reusing saves making and
    /// freeing a Python object, a node, its hook and its operand list per call.
    ///
    /// The tape keeps the objects of an output's last two results; one that only the
    /// tape holds but that cannot be reused (a weak reference to it, a `_backward`
    /// assigned) is let go here, so that it is kept no longer than until this call.
    fn output(state: &TapeState, py: Python<'_>, i: usize) -> PyResult<Py<PyValue>> {
        let mut outputs = state.outputs.try_borrow_mut().map_err(|_| busy())?;
        if outputs.len() <= i {
            outputs.resize_with(i + 1, Vec::new);
        }
        let recent = &mut outputs[i];
        let mut released = Vec::new();
        let mut reused = None;
        let mut age = 0;
        while age < recent.len() {
            let object = recent[age].bind(py);
            // SAFETY: a live object, and the GIL is held.
            if unsafe { pyo3::ffi::Py_REFCNT(object.as_ptr()) } != 1 {
                age += 1; // in use
                continue;
            }
            let reusable = no_weak_references(object)
                && object
                    .get()
                    .value()
                    .is_ok_and(|value| reuse_output_value(value, &state.shared, i));
            if reusable {
                recent[..=age].rotate_right(1);
                reused = Some(recent[0].clone_ref(py));
                break;
            }
            released.push(recent.remove(age));
        }
        let object = match reused {
            Some(object) => object,
            None => {
                let object = wrap_value(py, output_value(&state.shared, i))?;
                recent.insert(0, object.clone_ref(py));
                // Both older ones still in use (a loop holds the last result while
                // it makes the next): the oldest is left to its holders.
                released.extend(recent.split_off(recent.len().min(2)));
                object
            }
        };
        drop(outputs);
        // Released with no borrow held: freeing may run Python code.
        drop(released);
        Ok(object)
    }

    fn with_tape<T>(&self, read: impl FnOnce(&Tape) -> T) -> PyResult<T> {
        let shared = self.shared()?.try_borrow().map_err(|_| busy())?;
        Ok(read(&shared.tape))
    }
}

fn busy() -> PyErr {
    PyRuntimeError::new_err("this compiled function's tape is in use")
}

/// True when no weak reference refers to `object` (one would see a reused object
/// come back to life).
fn no_weak_references(object: &Bound<'_, PyValue>) -> bool {
    match weaklist_offset(object) {
        // SAFETY: CPython keeps an object's list of weak references at its type's
        // `__weakrefoffset__` (the limited API has no call that reads it), a
        // pointer that is null when there are none; the offset was checked to lie
        // within the object.
        Some(offset) => unsafe {
            (*object
                .as_ptr()
                .cast::<u8>()
                .offset(offset)
                .cast::<*mut pyo3::ffi::PyObject>())
            .is_null()
        },
        None => false,
    }
}

/// Where a `Value` object keeps its weak references, read once from its type.
fn weaklist_offset(object: &Bound<'_, PyValue>) -> Option<isize> {
    static OFFSET: PyOnceLock<Option<isize>> = PyOnceLock::new();
    *OFFSET.get_or_init(object.py(), || {
        let read = |name: &str| object.get_type().getattr(name)?.extract::<isize>();
        let (offset, size) = (read("__weakrefoffset__").ok()?, read("__basicsize__").ok()?);
        // A pointer inside the object; anything else (no list, or one the
        // interpreter manages elsewhere) is never read, and no object reused.
        let pointer = std::mem::size_of::<usize>() as isize;
        (offset > 0 && offset + pointer <= size).then_some(offset)
    })
}

/// Appends the numbers of `part` (a number or a numpy array, read in C order with
/// no Python object per element) to `buffer`.
fn read_part(part: &Bound<'_, PyAny>, buffer: &mut Vec<f64>) -> PyResult<()> {
    if let Ok(array) = part.cast::<PyArrayDyn<f64>>() {
        let array = array.readonly();
        match array.as_slice() {
            Ok(slice) => buffer.extend_from_slice(slice),
            Err(_) => buffer.extend(array.as_array().iter()),
        }
        return Ok(());
    }
    if part.cast::<PyUntypedArray>().is_ok() {
        let converted = part.call_method1("astype", ("float64",))?;
        return read_part(&converted, buffer);
    }
    let x = part.extract::<f64>().map_err(|_| {
        PyTypeError::new_err(format!(
            "a compiled function's input must be a number or a numpy array, got {}",
            type_name(part)
        ))
    })?;
    buffer.push(x);
    Ok(())
}

#[pymethods]
impl PyTape {
    /// Sets the inputs from `parts` (numbers and numpy arrays, flattened in the
    /// order the inputs were recorded), reads the parameters, runs forward, and
    /// returns the outputs as Values whose `backward()` runs the tape backward.
    fn replay<'py>(
        &self,
        py: Python<'py>,
        parts: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyList>> {
        let state = self.state()?;
        let shared = &state.shared;
        {
            let mut buffer = state.buffer.try_borrow_mut().map_err(|_| busy())?;
            buffer.clear();
            for part in parts.iter() {
                read_part(&part, &mut buffer)?;
            }
            let mut tape = shared.try_borrow_mut().map_err(|_| busy())?;
            if buffer.len() != tape.tape.num_inputs() {
                return Err(PyValueError::new_err(format!(
                    "the compiled function was recorded with {} input numbers, got {}",
                    tape.tape.num_inputs(),
                    buffer.len()
                )));
            }
            tape.replay(&buffer);
        }
        let outputs = shared.borrow().tape.num_outputs();
        let list = PyList::empty(py);
        for i in 0..outputs {
            list.append(Self::output(state, py, i)?)?;
        }
        Ok(list)
    }

    /// `replay([])` for a tape of no inputs and one output, returning that output:
    /// the fast path of a compiled function called with no arguments.
    fn replay0(&self, py: Python<'_>) -> PyResult<Py<PyValue>> {
        let state = self.state()?;
        {
            let mut tape = state.shared.try_borrow_mut().map_err(|_| busy())?;
            if tape.tape.num_inputs() != 0 || tape.tape.num_outputs() != 1 {
                return Err(PyValueError::new_err(
                    "replay0 needs a tape of no inputs and one output",
                ));
            }
            tape.replay(&[]);
        }
        Self::output(state, py, 0)
    }

    /// Where `other` records a different graph, described; None when the same.
    fn difference(&self, other: &PyTape) -> PyResult<Option<String>> {
        let theirs = other.shared()?.try_borrow().map_err(|_| busy())?;
        self.with_tape(|tape| tape.first_difference(&theirs.tape))
    }

    /// The tape as a table: slot, op, operands, value, grad.
    fn table(&self) -> PyResult<String> {
        self.with_tape(Tape::table)
    }

    fn __len__(&self) -> PyResult<usize> {
        self.with_tape(Tape::len)
    }

    /// Bytes held by the tape's arrays.
    #[getter]
    fn nbytes(&self) -> PyResult<usize> {
        self.with_tape(Tape::nbytes)
    }

    #[getter]
    fn bytes_per_node(&self) -> PyResult<f64> {
        self.with_tape(Tape::bytes_per_node)
    }

    #[getter]
    fn num_inputs(&self) -> PyResult<usize> {
        self.with_tape(Tape::num_inputs)
    }

    #[getter]
    fn num_params(&self) -> PyResult<usize> {
        self.with_tape(|tape| tape.params().len())
    }

    /// d(output)/d(input) of the last backward pass, one per input number.
    fn input_grads(&self) -> PyResult<Vec<f64>> {
        self.with_tape(|tape| (0..tape.num_inputs()).map(|i| tape.input_grad(i)).collect())
    }
}

/// The call of a compiled function: `micrograd.Compiled` derives from this class, so
/// that calling one is a C call. A call with no arguments, when the function's tape
/// takes no inputs and returns one Value (`fast`), replays that tape right here, with
/// no Python frame; any other call goes to the Python method `_call`.
#[pyclass(name = "_CompiledCall", module = "micrograd._core", subclass, frozen)]
pub struct PyCompiledCall {
    /// The tape a call with no arguments replays, when the Python layer has set one.
    fast: ThreadBound<RefCell<Option<Py<PyTape>>>>,
}

#[pymethods]
impl PyCompiledCall {
    /// Takes whatever the subclass's `__init__` takes, and leaves it to that.
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        PyCompiledCall {
            fast: ThreadBound::new(RefCell::new(None)),
        }
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if args.is_empty() && kwargs.is_none_or(|kwargs| kwargs.is_empty()) {
            // A handle of our own: the replay may let Python code run (a finalizer
            // when an object is freed), which may set another tape meanwhile.
            let fast = slf
                .get()
                .fast
                .get("compiled function")?
                .borrow()
                .as_ref()
                .map(|tape| tape.bind(py).clone());
            if let Some(tape) = fast {
                return Ok(tape.get().replay0(py)?.into_bound(py).into_any());
            }
        }
        slf.call_method("_call", args, kwargs)
    }

    /// Sets the tape that calls with no arguments replay directly (a tape of no
    /// inputs and one output); None sends every call to `_call`.
    fn _set_fast(&self, tape: Option<Py<PyTape>>) -> PyResult<()> {
        let mut fast = self
            .fast
            .get("compiled function")?
            .try_borrow_mut()
            .map_err(|_| busy())?;
        let old = std::mem::replace(&mut *fast, tape);
        drop(fast);
        // Released with no borrow held: freeing a tape may run Python code.
        drop(old);
        Ok(())
    }
}

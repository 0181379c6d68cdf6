//! The core's tape (`micrograd_core::tape`) for `micrograd.compile`: a recording
//! guard and a replayable tape. The Python layer (`micrograd/_compile.py`) decides
//! when to record and how arguments become inputs; this file only moves numbers.

use std::cell::RefCell;
use std::rc::Rc;

use micrograd_core::tape::output_value;
use micrograd_core::{Created, Recording, SharedTape, Tape};
use numpy::{PyArrayDyn, PyArrayMethods, PyUntypedArray};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::convert::values_only;
use crate::errors::BindResult;
use crate::thread_bound::ThreadBound;
use crate::value::{type_name, wrap_value};

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
            shared: ThreadBound::new(SharedTape::new(tape)),
            buffer: ThreadBound::new(RefCell::new(Vec::new())),
        })
    }
}

/// A recorded graph, replayed from flat arrays in Rust.
#[pyclass(name = "_Tape", module = "micrograd._core", frozen)]
pub struct PyTape {
    shared: ThreadBound<Rc<RefCell<SharedTape>>>,
    /// The inputs of the current call, reused from call to call.
    buffer: ThreadBound<RefCell<Vec<f64>>>,
}

impl PyTape {
    fn shared(&self) -> PyResult<&Rc<RefCell<SharedTape>>> {
        self.shared.get("_Tape")
    }

    fn with_tape<T>(&self, read: impl FnOnce(&Tape) -> T) -> PyResult<T> {
        let shared = self.shared()?.try_borrow().map_err(|_| busy())?;
        Ok(read(&shared.tape))
    }
}

fn busy() -> PyErr {
    PyRuntimeError::new_err("this compiled function's tape is in use")
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
        let shared = self.shared()?;
        {
            let mut buffer = self.buffer.get("_Tape")?.borrow_mut();
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
            list.append(wrap_value(py, output_value(shared, i))?)?;
        }
        Ok(list)
    }

    /// `replay([])` for a tape of no inputs and one output, returning that output:
    /// the fast path of a compiled function called with no arguments.
    fn replay0(&self, py: Python<'_>) -> PyResult<Py<crate::value::PyValue>> {
        let shared = self.shared()?;
        {
            let mut tape = shared.try_borrow_mut().map_err(|_| busy())?;
            if tape.tape.num_inputs() != 0 || tape.tape.num_outputs() != 1 {
                return Err(PyValueError::new_err(
                    "replay0 needs a tape of no inputs and one output",
                ));
            }
            tape.replay(&[]);
        }
        wrap_value(py, output_value(shared, 0))
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

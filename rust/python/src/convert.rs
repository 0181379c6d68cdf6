//! Lists of Values and numbers in and out of Python.

use micrograd_core::Value;
use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};

use crate::errors::BindResult;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::operand::as_number;
use crate::value::{type_name, PyValue};

/// One item of a list of Values and numbers, mapped by `of_value` or `of_number`.
fn value_or_number<T>(
    item: &Bound<'_, PyAny>,
    argument: &str,
    i: usize,
    of_value: impl FnOnce(&Value) -> T,
    of_number: impl FnOnce(f64) -> T,
) -> PyResult<T> {
    if let Ok(value) = item.cast::<PyValue>() {
        return Ok(of_value(crate::value::operand(value)?));
    }
    as_number(item)?.map(of_number).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "{argument}[{i}] must be a Value or a real number, got {}",
            type_name(item)
        ))
    })
}

/// Any iterable of Values and real numbers (numbers become new leaves).
pub fn values_or_numbers(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Value>> {
    collect_items(items, argument, "a list of Values or numbers", |i, item| {
        value_or_number(item, argument, i, Value::clone, Value::new)
    })
}

/// The inputs `x` of a model taking `nin` of them: Values or real numbers, reading
/// no more than `nin + 1` items (an endless or huge iterable is refused at once).
pub fn input_values(items: &Bound<'_, PyAny>, nin: usize) -> PyResult<Vec<Value>> {
    collect_at_most(
        items,
        "x",
        "a list of Values or numbers",
        Some(nin),
        |i, item| value_or_number(item, "x", i, Value::clone, Value::new),
    )
}

/// An iterable of Values only (parameters to optimise, for instance).
pub fn values_only(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<Value>> {
    collect_items(items, argument, "an iterable of Values", |i, item| {
        let value = item.cast::<PyValue>().map_err(|_| {
            PyTypeError::new_err(format!(
                "{argument}[{i}] must be a Value, got {}",
                type_name(item)
            ))
        })?;
        Ok(crate::value::operand(value)?.clone())
    })
}

/// The `data` of each item, Values or plain numbers, with no graph node made for a
/// plain number (targets and metrics only read the numbers).
pub fn data_of(items: &Bound<'_, PyAny>, argument: &str) -> PyResult<Vec<f64>> {
    collect_items(items, argument, "a list of Values or numbers", |i, item| {
        value_or_number(item, argument, i, Value::data, |x| x)
    })
}

pub fn value_list<'py>(py: Python<'py>, values: Vec<Value>) -> PyResult<Bound<'py, PyList>> {
    let objects = values
        .into_iter()
        .map(|v| crate::value::wrap_value(py, v))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, objects)
}

/// How much to reserve for the items of `items`: its `len()`, but never more than a
/// bound — a lying or enormous `len()` (`range(10**15)`) must not size a buffer up
/// front. A length that no memory could hold is refused at once (MemoryError or
/// ValueError) instead of being read item by item until memory runs out.
pub fn capacity_hint(items: &Bound<'_, PyAny>) -> BindResult<usize> {
    let len = items.len().unwrap_or(0);
    if len > 1 << 24 {
        micrograd_core::tensor::ensure_allocatable(&[len])?;
    }
    Ok(len.min(1 << 16))
}

/// The items of an iterable (`what` it should be, for the error), each converted by
/// `convert(index, item)`, without trusting its `len()` (pyo3's `Vec<T>` extraction
/// reserves `len()` up front). Ctrl-C is honoured while reading (an endless
/// iterator, `itertools.repeat(1.0)`, can be interrupted), and a list that outgrows
/// memory is a MemoryError instead of an abort.
pub fn collect_items<'py, T>(
    items: &Bound<'py, PyAny>,
    argument: &str,
    what: &str,
    convert: impl FnMut(usize, &Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    collect_at_most(items, argument, what, None, convert)
}

/// How many items are read between two checks for Ctrl-C.
const SIGNAL_EVERY: usize = 1 << 12;

/// As `collect_items`, but with `limit`, reads no more than `limit + 1` items: one
/// past the limit is a ValueError naming `argument` and the expected count, so
/// `range(10**7)` or an endless iterator given for two inputs is refused at once.
pub fn collect_at_most<'py, T>(
    items: &Bound<'py, PyAny>,
    argument: &str,
    what: &str,
    limit: Option<usize>,
    mut convert: impl FnMut(usize, &Bound<'py, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let py = items.py();
    let iter = items.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{argument} must be {what}, got {}",
            type_name(items)
        ))
    })?;
    let hint = match limit {
        Some(limit) => limit.saturating_add(1).min(1 << 16),
        None => capacity_hint(items)?,
    };
    let mut collected = Vec::with_capacity(hint);
    for (i, item) in iter.enumerate() {
        if limit.is_some_and(|limit| i >= limit) {
            let got = items
                .len()
                .map(|len| len.to_string())
                .unwrap_or_else(|_| "more".into());
            return Err(PyValueError::new_err(format!(
                "{argument} must have {} items, got {got}",
                limit.unwrap_or(0)
            )));
        }
        if i % SIGNAL_EVERY == SIGNAL_EVERY - 1 {
            py.check_signals()?;
        }
        let item = convert(i, &item?)?;
        grow(&mut collected)?;
        collected.push(item);
    }
    Ok(collected)
}

/// Room for one more item in `items`, or a MemoryError when the system cannot
/// provide the next (doubled) buffer: Rust aborts the process when a growth fails,
/// and an overcommitting system grants a buffer it then kills the process for filling.
pub fn grow<T>(items: &mut Vec<T>) -> PyResult<()> {
    if items.len() < items.capacity() {
        return Ok(());
    }
    let more = items.capacity().max(16);
    let bytes = (items.capacity() + more).saturating_mul(std::mem::size_of::<T>().max(1));
    let count = items.len();
    let refused = || {
        PyMemoryError::new_err(format!(
            "could not allocate {bytes} bytes for the {count} items read so far"
        ))
    };
    micrograd_core::tensor::ensure_allocatable(&[bytes.div_ceil(8)]).map_err(|_| refused())?;
    items.try_reserve(more).map_err(|_| refused())
}

//! Values are `Rc`s, which must stay on the thread that made them. PyO3's own
//! `unsendable` check panics (a `BaseException` that `except Exception` misses, with
//! a Rust backtrace); this wrapper raises a plain `RuntimeError` instead.

use std::mem::ManuallyDrop;
use std::thread::{self, ThreadId};

use pyo3::exceptions::PyRuntimeError;
use pyo3::{PyErr, PyResult};

thread_local! {
    static CURRENT_THREAD: ThreadId = thread::current().id();
}

fn current_thread() -> ThreadId {
    CURRENT_THREAD.with(|id| *id)
}

/// A `T` usable only on the thread that created it.
pub struct ThreadBound<T> {
    owner: ThreadId,
    inner: ManuallyDrop<T>,
}

// SAFETY: the inner value is reached only through `get`, which checks that the
// caller is the owning thread, and `drop`, which runs with the GIL held (see there).
unsafe impl<T> Send for ThreadBound<T> {}
unsafe impl<T> Sync for ThreadBound<T> {}

impl<T> ThreadBound<T> {
    pub fn new(inner: T) -> Self {
        ThreadBound {
            owner: current_thread(),
            inner: ManuallyDrop::new(inner),
        }
    }

    /// The value, or a `RuntimeError` naming `type_name` on any other thread.
    #[inline]
    pub fn get(&self, type_name: &str) -> PyResult<&T> {
        if current_thread() == self.owner {
            Ok(&self.inner)
        } else {
            Err(wrong_thread(type_name))
        }
    }

    /// The value whichever thread asks: only for bookkeeping that runs with the GIL
    /// held and touches no user-visible state (as `drop` does, see there).
    #[inline]
    pub fn get_any_thread(&self) -> &T {
        &self.inner
    }

    /// Like `get`, for changing the value.
    #[inline]
    pub fn get_mut(&mut self, type_name: &str) -> PyResult<&mut T> {
        if current_thread() == self.owner {
            Ok(&mut self.inner)
        } else {
            Err(wrong_thread(type_name))
        }
    }
}

impl<T> ThreadBound<T> {
    /// The value on any thread, for the garbage collector's `__traverse__` and
    /// `__clear__` only: sound for the same reason as `drop` below (the collector
    /// runs with the GIL held, so the `Rc` counts are never touched by two threads
    /// at once), and they only read counts and release a Python reference.
    pub fn for_gc(&self) -> &T {
        &self.inner
    }
}

fn wrong_thread(type_name: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "this {type_name} belongs to the thread that created it; \
         build graphs and models in the thread that uses them"
    ))
}

impl<T> Drop for ThreadBound<T> {
    fn drop(&mut self) {
        // Freed whichever thread drops it (a graph built on a worker and released on
        // the main thread must not leak). That is sound because every drop and every
        // use of these values runs with the GIL held (pyo3 drops a class instance in
        // its tp_dealloc, and no code here releases the GIL), so the `Rc` counts are
        // never touched by two threads at once. `get` still refuses other threads:
        // that rule is for users, so they learn it early, not for the counts.
        // SAFETY: dropped exactly once, here, and never used again.
        unsafe { ManuallyDrop::drop(&mut self.inner) }
    }
}

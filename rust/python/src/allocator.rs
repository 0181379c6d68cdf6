//! The extension's global allocator: mimalloc, counting the bytes it holds live.
//!
//! The count is what memory checks read (`micrograd._core._allocated_bytes()`):
//! unlike the resident-set size, it does not move with the allocator's page purging,
//! the OS's paging or another process's load, so a leak test built on it measures
//! only what this program allocates and frees.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A training step allocates and frees ~65,000 small graph nodes; glibc's malloc
/// spent about half the step doing that, mimalloc a fraction of it.
pub struct CountingMimalloc;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Adds `delta` bytes (wrapping, so a release is a negative delta) to the live count.
///
/// A plain load and store, not an atomic read-modify-write: the count is updated on
/// every node's allocation and release, the hottest path there is, and this keeps it
/// to two ordinary memory operations with no locked instruction. It stays exact because every allocation of this extension happens with
/// the GIL held (no code here releases it or starts a thread); were two threads ever
/// to race, the count could only lose an update, never corrupt memory.
#[inline(always)]
fn add_live(delta: usize) {
    let live = LIVE_BYTES.load(Ordering::Relaxed);
    LIVE_BYTES.store(live.wrapping_add(delta), Ordering::Relaxed);
}

/// Alignments every mimalloc block has (its `mi_malloc` returns pointer-aligned
/// memory); layouts asking no more take the plain entry points. The `mimalloc`
/// crate's allocator always calls the `_aligned` ones, which check the alignment
/// again on each call: a third of the cost of a graph node's allocation.
const PLAIN_ALIGN: usize = std::mem::size_of::<usize>();

// SAFETY: every call forwards to mimalloc with the same size and an alignment it
// guarantees (the plain entry points for `PLAIN_ALIGN` or less, the aligned ones
// above); the counting around it touches no memory the caller sees.
unsafe impl GlobalAlloc for CountingMimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = if layout.align() <= PLAIN_ALIGN {
            unsafe { libmimalloc_sys::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        };
        if !ptr.is_null() {
            add_live(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = if layout.align() <= PLAIN_ALIGN {
            unsafe { libmimalloc_sys::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        };
        if !ptr.is_null() {
            add_live(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        add_live(layout.size().wrapping_neg());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = if layout.align() <= PLAIN_ALIGN {
            unsafe { libmimalloc_sys::mi_realloc(ptr.cast(), new_size) as *mut u8 }
        } else {
            unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
        };
        if !new.is_null() {
            add_live(new_size.wrapping_sub(layout.size()));
        }
        new
    }
}

/// Bytes the extension's Rust code holds allocated right now: graph nodes, tensor
/// buffers, optimizer state. For memory checks; numpy's and Python's own memory is
/// not included, nor are freed graph nodes this thread keeps for reuse (the core's
/// node pool, at most 7 MB): no graph holds them, and a check that counted them would
/// see a freed graph as kept.
#[pyo3::pyfunction]
pub fn _allocated_bytes() -> usize {
    LIVE_BYTES
        .load(Ordering::Relaxed)
        .wrapping_sub(micrograd_core::Value::pooled_bytes())
}

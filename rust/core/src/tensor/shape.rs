//! Shapes: numpy's broadcasting rules, reducing a gradient back to an operand's
//! shape, and axis arguments that may count from the end.

use ndarray::{ArrayBase, ArrayD, ArrayViewD, Axis, Data, IxDyn, Zip};

use crate::error::{Error, Result};

/// The shape two operands broadcast to, by numpy's rules (align on the right; a
/// dimension of 1 stretches), or a `ShapeMismatch` naming `op` and both shapes.
pub fn broadcast_shape(op: &'static str, left: &[usize], right: &[usize]) -> Result<Vec<usize>> {
    let ndim = left.len().max(right.len());
    let mut shape = vec![0; ndim];
    for (i, dim) in shape.iter_mut().enumerate() {
        let l = dim_from_right(left, ndim - 1 - i);
        let r = dim_from_right(right, ndim - 1 - i);
        *dim = match (l, r) {
            (l, r) if l == r => l,
            (1, r) => r,
            (l, 1) => l,
            _ => {
                return Err(Error::ShapeMismatch {
                    op,
                    left: left.to_vec(),
                    right: right.to_vec(),
                })
            }
        };
    }
    Ok(shape)
}

/// The size of the dimension `from_right` places from the last one (1 past the start).
fn dim_from_right(shape: &[usize], from_right: usize) -> usize {
    if from_right < shape.len() {
        shape[shape.len() - 1 - from_right]
    } else {
        1
    }
}

/// `a` viewed with the given (compatible) shape.
pub fn broadcast_view<'a, S: Data<Elem = f64>>(
    a: &'a ArrayBase<S, IxDyn>,
    shape: &[usize],
) -> ArrayViewD<'a, f64> {
    a.broadcast(IxDyn(shape))
        .expect("broadcast_shape checked the shapes first")
}

/// `f(a, b)` element by element, broadcasting the two to a common shape.
pub fn zip_broadcast(
    op: &'static str,
    a: &ArrayViewD<'_, f64>,
    b: &ArrayViewD<'_, f64>,
    f: impl Fn(f64, f64) -> f64,
) -> Result<ArrayD<f64>> {
    if a.shape() == b.shape() {
        return Ok(Zip::from(a).and(b).map_collect(|&x, &y| f(x, y)));
    }
    let shape = broadcast_shape(op, a.shape(), b.shape())?;
    ensure_allocatable(&shape)?;
    let (a, b) = (broadcast_view(a, &shape), broadcast_view(b, &shape));
    Ok(Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y)))
}

/// The gradient of an operand that was broadcast to `grad`'s shape: summed over the
/// dimensions broadcasting added or stretched, so it has the operand's `shape`.
pub fn reduce_to_shape(mut grad: ArrayD<f64>, shape: &[usize]) -> ArrayD<f64> {
    if grad.shape() == shape {
        return grad;
    }
    while grad.ndim() > shape.len() {
        grad = grad.sum_axis(Axis(0));
    }
    for (axis, &size) in shape.iter().enumerate() {
        if size == 1 && grad.shape()[axis] != 1 {
            grad = grad.sum_axis(Axis(axis)).insert_axis(Axis(axis));
        }
    }
    grad
}

/// An axis that may count from the end (`-1` is the last), as a plain index.
pub fn normalize_axis(axis: isize, ndim: usize) -> Result<usize> {
    let resolved = if axis < 0 { axis + ndim as isize } else { axis };
    if resolved < 0 || resolved >= ndim as isize {
        return Err(Error::AxisOutOfRange { axis, ndim });
    }
    Ok(resolved as usize)
}

/// A row index that may count from the end, as a plain index.
pub fn normalize_index(index: isize, len: usize) -> Result<usize> {
    let resolved = if index < 0 {
        index + len as isize
    } else {
        index
    };
    if resolved < 0 || resolved >= len as isize {
        return Err(Error::IndexOutOfRange { index, len });
    }
    Ok(resolved as usize)
}

/// The concrete shape for a reshape request in which one entry may be `-1`.
pub fn resolve_reshape(from: &[usize], to: &[isize]) -> Result<Vec<usize>> {
    let bad = || Error::BadReshape {
        from: from.to_vec(),
        to: to.to_vec(),
    };
    let size: usize = from.iter().product();
    let mut unknown = None;
    let mut known = 1usize;
    let mut shape = Vec::with_capacity(to.len());
    for (i, &dim) in to.iter().enumerate() {
        if dim == -1 && unknown.is_none() {
            unknown = Some(i);
            shape.push(0);
        } else if dim >= 0 {
            known = known.checked_mul(dim as usize).ok_or_else(bad)?;
            shape.push(dim as usize);
        } else {
            return Err(bad());
        }
    }
    match unknown {
        Some(i) if known != 0 && size % known == 0 => shape[i] = size / known,
        None if known == size => {}
        _ => return Err(bad()),
    }
    Ok(shape)
}

/// The most dimensions a tensor may have: numpy 1.x's limit (numpy 2 allows 64, and
/// rust-numpy asserts at most 32 when it converts), so every tensor converts to and
/// from numpy. Checked wherever a shape is made (`ensure_allocatable`, `ensure_ndim`).
pub const MAX_NDIM: usize = 32;

/// `TooManyDims` for a shape of more than `MAX_NDIM` dimensions.
pub fn ensure_ndim(ndim: usize) -> Result<()> {
    if ndim > MAX_NDIM {
        return Err(Error::TooManyDims {
            ndim,
            max: MAX_NDIM,
        });
    }
    Ok(())
}

/// Results at least this large (in elements) are probed before being allocated:
/// Rust aborts the process when an allocation fails, Python users expect a
/// MemoryError.
const PROBE_ABOVE: usize = 1 << 22;

/// Checks that an array of `shape` can exist and be allocated: at most `MAX_NDIM`
/// dimensions (else `TooManyDims`), its element count must fit the address space
/// (else `TooLarge`) and the allocator must agree to provide it (else
/// `OutOfMemory`) — errors instead of an abort, or a panic converting to numpy.
pub fn ensure_allocatable(shape: &[usize]) -> Result<()> {
    ensure_ndim(shape.len())?;
    let too_large = || Error::TooLarge {
        shape: shape.to_vec(),
    };
    // ndarray (and numpy) require the product of the non-zero lengths, in bytes, to
    // fit an isize even when another length is 0 and the array is empty.
    let nonzero = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(too_large)?;
    if nonzero > isize::MAX as usize / std::mem::size_of::<f64>() {
        return Err(too_large());
    }
    let len: usize = shape.iter().product();
    if len > PROBE_ABOVE {
        probe_allocator(len)?;
        check_available_memory(len)?;
    }
    Ok(())
}

/// Refuses a result bigger than the memory the system says it can still provide
/// (`MemAvailable + SwapFree` on Linux): the allocator reserves such a block without
/// complaint, and the process is killed while filling it. Elsewhere, no check.
fn check_available_memory(len: usize) -> Result<()> {
    let bytes = len as u128 * std::mem::size_of::<f64>() as u128;
    match available_memory_bytes() {
        Some(available) if bytes > available => Err(Error::OutOfMemory { bytes }),
        _ => Ok(()),
    }
}

fn available_memory_bytes() -> Option<u128> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u128> {
        let line = meminfo.lines().find(|line| line.starts_with(name))?;
        let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    };
    Some(field("MemAvailable:")? + field("SwapFree:").unwrap_or(0))
}

/// Asks the allocator for `len` f64s and gives them straight back: a refusal becomes
/// `OutOfMemory` instead of the abort a failed allocation would be. (A size the
/// allocator grants but memory cannot back is still only found when touched, as
/// with numpy.)
fn probe_allocator(len: usize) -> Result<()> {
    let mut probe: Vec<f64> = Vec::new();
    probe
        .try_reserve_exact(len)
        .map_err(|_| Error::OutOfMemory {
            bytes: len as u128 * std::mem::size_of::<f64>() as u128,
        })
}

//! The errors the engine reports instead of panicking.

use std::fmt;

/// What went wrong, with enough detail for a message that names the argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// A size argument (`nin`, an entry of `nouts`, ...) had to be at least 1.
    NotPositive { argument: &'static str, got: i64 },
    /// A list argument had to hold at least one item.
    Empty { argument: &'static str },
    /// An input had the wrong number of items.
    WrongLength {
        argument: &'static str,
        expected: usize,
        got: usize,
    },
    /// An index (a class label, ...) was not below its limit.
    OutOfRange {
        argument: &'static str,
        got: usize,
        limit: usize,
    },
    /// Two tensors' shapes do not fit the op.
    ShapeMismatch {
        op: &'static str,
        left: Vec<usize>,
        right: Vec<usize>,
    },
    /// An axis was not in `-ndim..ndim`.
    AxisOutOfRange { axis: isize, ndim: usize },
    /// A row index was not in `-rows..rows`.
    IndexOutOfRange { index: isize, len: usize },
    /// An op that needs a one-element tensor (`item`, `backward`) got another shape.
    NotScalar { op: &'static str, shape: Vec<usize> },
    /// A reshape asked for a different number of elements, or a bad `-1`.
    BadReshape { from: Vec<usize>, to: Vec<isize> },
    /// `backward()` from a tensor that no leaf with `requires_grad` feeds.
    NoGradient,
    /// A shape whose element count does not fit in memory addresses.
    TooLarge { shape: Vec<usize> },
    /// A shape with more dimensions than numpy arrays can have (`MAX_NDIM`).
    TooManyDims { ndim: usize, max: usize },
    /// The allocator refused the memory for a result of this many bytes.
    OutOfMemory { bytes: u128 },
    /// A hyper-parameter was outside its valid range.
    InvalidHyperparameter {
        name: &'static str,
        got: f64,
        expected: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotPositive { argument, got } => {
                write!(f, "{argument} must be a positive integer, got {got}")
            }
            Error::Empty { argument } => write!(f, "{argument} must not be empty"),
            Error::WrongLength {
                argument,
                expected,
                got,
            } => write!(f, "{argument} must have {expected} items, got {got}"),
            Error::OutOfRange {
                argument,
                got,
                limit,
            } => write!(f, "{argument} must be in 0..{limit}, got {got}"),
            Error::ShapeMismatch { op, left, right } => write!(
                f,
                "{op}: shapes {} and {} do not fit",
                shape_text(left),
                shape_text(right)
            ),
            Error::AxisOutOfRange { axis, ndim } => write!(
                f,
                "axis {axis} is out of range for a tensor with {ndim} dimension{}",
                if *ndim == 1 { "" } else { "s" }
            ),
            Error::IndexOutOfRange { index, len } => {
                write!(f, "index {index} is out of range for {len} rows")
            }
            Error::NotScalar { op, shape } => write!(
                f,
                "{op} needs a tensor with one element, got shape {}",
                shape_text(shape)
            ),
            Error::BadReshape { from, to } => write!(
                f,
                "cannot reshape a tensor of shape {} into {to:?}",
                shape_text(from)
            ),
            Error::InvalidHyperparameter {
                name,
                got,
                expected,
            } => write!(f, "{name} must be {expected}, got {got}"),
            Error::NoGradient => write!(
                f,
                "backward() on a tensor that does not require grad: create the leaves \
                 to differentiate with requires_grad=True"
            ),
            Error::TooLarge { shape } => write!(
                f,
                "a tensor of shape {} has more elements than memory can address",
                shape_text(shape)
            ),
            Error::TooManyDims { ndim, max } => write!(
                f,
                "a tensor can have at most {max} dimensions (numpy's limit), got {ndim}"
            ),
            Error::OutOfMemory { bytes } => {
                write!(f, "could not allocate {bytes} bytes for a tensor")
            }
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// `Ok` when `got == expected`, else `WrongLength` naming `argument`.
pub(crate) fn check_length(argument: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::WrongLength {
            argument,
            expected,
            got,
        });
    }
    Ok(())
}

/// `(2, 3)`, `(4,)`, `()`: shapes written as Python writes them.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [only] => format!("({only},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

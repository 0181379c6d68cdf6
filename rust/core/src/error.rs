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
            Error::InvalidHyperparameter {
                name,
                got,
                expected,
            } => write!(f, "{name} must be {expected}, got {got}"),
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

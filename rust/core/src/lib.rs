//! A scalar reverse-mode autograd engine with small neural nets, after Andrej
//! Karpathy's micrograd.
//!
//! ```
//! use micrograd_core::Value;
//!
//! let a = Value::from(-4.0);
//! let b = Value::from(2.0);
//! let c = &a * &b + b.pow(3.0);
//! c.backward();
//! assert_eq!(c.data(), 0.0);
//! assert_eq!(a.grad(), 2.0); // dc/da = b
//! assert_eq!(b.grad(), -4.0 + 3.0 * 4.0); // dc/db = a + 3 b^2
//! ```

mod backward;
pub mod calculus;
mod custom;
mod error;
mod graph;
pub mod loss;
pub mod nn;
mod node_pool;
mod op;
mod ops;
pub mod optim;
mod readme;
pub mod tape;
pub mod tensor;
mod value;

pub use backward::topological_order;
pub use calculus::{BinaryOp, UnaryOp};
pub use custom::{BackwardHook, Custom, CustomBackward, HookError};
pub use error::{shape_text, Error, Result};
pub use nn::{Activation, Layer, Neuron, MLP};
pub use op::Op;
pub use readme::readme_expression;
pub use tape::{Created, RecordError, Recording, SharedTape, Tape};
pub use tensor::Tensor;
pub use value::Value;

//! The dense `Tensor` engine: n-dimensional float64 arrays (on `ndarray`, whose
//! matrix products run on matrixmultiply's GEMM) with reverse-mode autograd.

mod backward;
mod compare;
mod elementwise;
mod loss;
mod matmul;
mod node;
mod op;
mod reduce;
mod shape;
mod storage;
mod structure;

pub use compare::Comparison;
pub use elementwise::{BinaryOp, UnaryOp};
pub use loss::LossOp;
pub use node::Tensor;
pub use op::TensorOp;
pub use reduce::Reduction;
pub use shape::{broadcast_shape, ensure_allocatable, ensure_ndim, MAX_NDIM};
pub use storage::DataRef;
pub use structure::Restructure;

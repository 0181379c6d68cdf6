//! Loops compiled once per op kind.
//!
//! `op.apply(x)` inside a loop over an array, with `op` a runtime value, matches on
//! the op at every element, and the loop cannot be vectorized. These macros match
//! once, outside: each arm binds `$op` to a constant of one kind, so the body (the
//! loop) is compiled for that kind alone, its `match` folded away. The math is still
//! the calculus's own `apply` and `derivative(s)`.

/// Runs `$body` with `$op` bound to the `UnaryOp` `$unary`, as a constant of its kind.
macro_rules! with_unary_kind {
    ($unary:expr, |$op:ident| $body:expr) => {{
        use $crate::calculus::UnaryOp as U;
        match $unary {
            U::Neg => {
                let $op = U::Neg;
                $body
            }
            U::PowScalar(n) => {
                let $op = U::PowScalar(n);
                $body
            }
            U::Relu => {
                let $op = U::Relu;
                $body
            }
            U::LeakyRelu(slope) => {
                let $op = U::LeakyRelu(slope);
                $body
            }
            U::Tanh => {
                let $op = U::Tanh;
                $body
            }
            U::Sigmoid => {
                let $op = U::Sigmoid;
                $body
            }
            U::Exp => {
                let $op = U::Exp;
                $body
            }
            U::Log => {
                let $op = U::Log;
                $body
            }
            U::Softplus => {
                let $op = U::Softplus;
                $body
            }
            U::Abs => {
                let $op = U::Abs;
                $body
            }
        }
    }};
}
pub(crate) use with_unary_kind;

/// `with_unary_kind!` for a `BinaryOp`.
macro_rules! with_binary_kind {
    ($binary:expr, |$op:ident| $body:expr) => {{
        use $crate::calculus::BinaryOp as B;
        match $binary {
            B::Add => {
                let $op = B::Add;
                $body
            }
            B::Sub => {
                let $op = B::Sub;
                $body
            }
            B::Mul => {
                let $op = B::Mul;
                $body
            }
            B::Div => {
                let $op = B::Div;
                $body
            }
            B::Pow => {
                let $op = B::Pow;
                $body
            }
        }
    }};
}
pub(crate) use with_binary_kind;

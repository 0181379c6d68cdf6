//! How a scalar node was made: the op kind from the one calculus (`calculus.rs`)
//! and the operands it was applied to.
//!
//! Each variant owns its operands, so the graph is a plain tree of `Rc`s with no
//! closures (closures capturing `Rc`s make cycles and hide the math). `forward`
//! computes a node's value from its operands; `propagate` adds the node's gradient,
//! times each local derivative, into its operands. Neither restates a formula.

use crate::calculus::{BinaryOp, UnaryOp};
use crate::custom::Custom;
use crate::value::Value;

/// How a node was made, with the operands it was made from.
#[derive(Clone, Debug)]
pub enum Op {
    /// A value created directly (an input or a parameter).
    Leaf,
    Unary(UnaryOp, Value),
    Binary(BinaryOp, Value, Value),
    /// A node made by user code, with any number of operands and a user-given
    /// backward step (`custom.rs`), run by `backward::chain_rule_step`.
    Custom(Box<Custom>),
}

impl Op {
    /// The value of this op, from its operands' current data.
    #[inline]
    pub(crate) fn forward(&self) -> f64 {
        match self {
            Op::Leaf => 0.0,
            Op::Unary(op, a) => op.apply(a.data()),
            Op::Binary(op, a, b) => op.apply(a.data(), b.data()),
            // A custom node's value is given when it is made, never recomputed.
            Op::Custom(_) => f64::NAN,
        }
    }

    /// Chain rule for one node: add `grad * d(out)/d(operand)` into each operand's
    /// grad, where `out` is this node's value. A custom node's hook needs the node
    /// itself, so `backward::chain_rule_step` runs it instead.
    #[inline]
    pub(crate) fn propagate(&self, out: f64, grad: f64) {
        match self {
            Op::Leaf | Op::Custom(_) => {}
            Op::Unary(op, a) => a.add_grad(grad * op.derivative(a.data(), out)),
            Op::Binary(op, a, b) => {
                let (x, y) = if op.derivatives_read_operands() {
                    (a.data(), b.data())
                } else {
                    (0.0, 0.0)
                };
                let (dx, dy) = op.derivatives(x, y, out);
                a.add_grad(grad * dx);
                b.add_grad(grad * dy);
            }
        }
    }

    /// The operands, in order (empty for a leaf).
    pub fn operands(&self) -> impl Iterator<Item = &Value> {
        let (first, second, custom): (_, _, &[Value]) = match self {
            Op::Leaf => (None, None, &[]),
            Op::Unary(_, a) => (Some(a), None, &[]),
            Op::Binary(_, a, b) => (Some(a), Some(b), &[]),
            Op::Custom(custom) => (None, None, &custom.operands),
        };
        first.into_iter().chain(second).chain(custom)
    }

    /// The operands, moved out of the op (for freeing a graph without recursion):
    /// a native op's up to two, or a custom op's list. A custom op's hook is dropped
    /// first, as it may hold operands itself (a closure over them).
    pub(crate) fn into_operands(self) -> impl Iterator<Item = Value> {
        let (fixed, custom) = match self {
            Op::Leaf => ([None, None], Vec::new()),
            Op::Unary(_, a) => ([Some(a), None], Vec::new()),
            Op::Binary(_, a, b) => ([Some(a), Some(b)], Vec::new()),
            Op::Custom(custom) => {
                let Custom {
                    operands, backward, ..
                } = *custom;
                drop(backward);
                ([None, None], operands)
            }
        };
        fixed.into_iter().flatten().chain(custom)
    }

    /// The op's symbol, as Karpathy's micrograd names it (`+`, `*`, `**2`, `ReLU`, ...);
    /// empty for a leaf.
    pub fn symbol(&self) -> String {
        match self {
            Op::Leaf => String::new(),
            Op::Unary(op, _) => op.symbol(),
            Op::Binary(op, ..) => op.symbol().into(),
            Op::Custom(custom) => custom.name.to_string(),
        }
    }
}

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
    /// A unary op, kept as its code and parameter (`UnaryOp::code`) beside the operand,
    /// so that the whole `Op` takes three words and a node 88 bytes (the enum
    /// `UnaryOp` inside a variant would make it four; tests/value_tests.rs says why).
    Unary {
        code: u8,
        parameter: f64,
        operand: Value,
    },
    Binary(BinaryOp, Value, Value),
    /// A node made by user code, with any number of operands and a user-given
    /// backward step (`custom.rs`), run by `backward::chain_rule_step`.
    Custom(Box<Custom>),
}

impl Op {
    /// The scalar node of `op(operand)`.
    #[inline]
    pub fn unary(op: UnaryOp, operand: Value) -> Op {
        let (code, parameter) = op.code();
        Op::Unary {
            code,
            parameter,
            operand,
        }
    }

    /// The unary op of a `Unary` node.
    pub fn unary_op(&self) -> Option<UnaryOp> {
        match self {
            Op::Unary {
                code, parameter, ..
            } => Some(UnaryOp::from_code(*code, || *parameter)),
            _ => None,
        }
    }

    /// The value of this op, from its operands' current data.
    #[inline]
    pub(crate) fn forward(&self) -> f64 {
        match self {
            Op::Leaf => 0.0,
            Op::Unary {
                code,
                parameter,
                operand,
            } => UnaryOp::from_code(*code, || *parameter).apply(operand.data()),
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
            Op::Unary {
                code,
                parameter,
                operand,
            } => {
                let op = UnaryOp::from_code(*code, || *parameter);
                // One borrow reads the input and adds to its grad.
                let mut input = operand.0.borrow_mut();
                input.grad += grad * op.derivative(input.data, out);
            }
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
            Op::Unary { operand, .. } => (Some(operand), None, &[]),
            Op::Binary(_, a, b) => (Some(a), Some(b), &[]),
            Op::Custom(custom) => (None, None, &custom.operands),
        };
        first.into_iter().chain(second).chain(custom)
    }

    /// True when dropping this op may free an operand: one it holds all the handles
    /// to (see `graph::GraphNode::may_free_an_operand`). Exact for native ops, where
    /// `y + y` holds `y` twice; a custom op, which may hold an operand any number of
    /// times, always says yes.
    #[inline]
    pub(crate) fn may_free_an_operand(&self) -> bool {
        let count = |value: &Value| std::rc::Rc::strong_count(&value.0);
        match self {
            Op::Leaf => false,
            Op::Unary { operand, .. } => count(operand) == 1,
            Op::Binary(_, a, b) => {
                count(a) == 1 || count(b) == 1 || (a.same_node(b) && count(a) == 2)
            }
            Op::Custom(custom) => !custom.operands.is_empty(),
        }
    }

    /// Calls `f` on each operand, in order: `operands()` without an iterator, for the
    /// graph walks (`graph.rs`).
    #[inline]
    pub(crate) fn each_operand(&self, mut f: impl FnMut(&Value)) {
        match self {
            Op::Leaf => {}
            Op::Unary { operand, .. } => f(operand),
            Op::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            Op::Custom(custom) => custom.operands.iter().for_each(f),
        }
    }

    /// Calls `f` on each operand, moved out of the op, for freeing a graph without
    /// recursion (`graph.rs`). A custom op's hook is dropped first, as it may hold
    /// operands itself (a closure over them).
    #[inline]
    pub(crate) fn into_each_operand(self, mut f: impl FnMut(Value)) {
        match self {
            Op::Leaf => {}
            Op::Unary { operand, .. } => f(operand),
            Op::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            Op::Custom(custom) => custom_into_each_operand(custom, f),
        }
    }

    /// The op's symbol, as Karpathy's micrograd names it (`+`, `*`, `**2`, `ReLU`, ...);
    /// empty for a leaf.
    pub fn symbol(&self) -> String {
        match self {
            Op::Leaf => String::new(),
            Op::Unary {
                code, parameter, ..
            } => UnaryOp::from_code(*code, || *parameter).symbol(),
            Op::Binary(op, ..) => op.symbol().into(),
            Op::Custom(custom) => custom.name.to_string(),
        }
    }
}

/// `Op::into_each_operand` for a custom op: out of line, so that the native ops' arms
/// stay small enough to inline into the drop.
#[cold]
#[inline(never)]
#[allow(clippy::boxed_local)] // deliberate: the unboxing belongs out of line too
fn custom_into_each_operand(custom: Box<Custom>, f: impl FnMut(Value)) {
    let Custom {
        operands, backward, ..
    } = *custom;
    drop(backward);
    operands.into_iter().for_each(f);
}

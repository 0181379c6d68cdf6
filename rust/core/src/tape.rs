//! Compiled scalar graphs: a recorded graph replayed from flat arrays.
//!
//! The graph of a training step is the same every step, so it can be recorded once
//! (`record.rs`) and replayed here: a structure of arrays (op kind, operand slots,
//! value, grad per node), forward as one loop up the arrays and backward as one loop
//! down them. No node is allocated, no `RefCell` borrowed, no `Rc` counted.
//!
//! The tape is the third executor of the one calculus (`calculus.rs`), beside the
//! scalar graph and the Tensor engine: each slot's op kind is a `u8` (plus an index
//! into `op_params` for the two ops with a constant parameter), turned back into a
//! `UnaryOp` or `BinaryOp` at dispatch, whose `apply` and `derivative(s)` do the
//! math. No formula is restated here.
//!
//! A slot is either a node of the recorded graph or one of three kinds of leaf:
//! an *input* (set before each replay, from the compiled function's arguments), a
//! *parameter* (a `Value` that existed before the recording, such as a model's
//! weight: its data is read in before each replay and its gradient added back after
//! each backward pass), or a *constant* (a leaf made while recording, baked in).

mod compiled;
mod record;

use std::fmt::Write;

use crate::calculus::{BinaryOp, UnaryOp};
use crate::value::Value;

pub use compiled::{output_value, reuse_output_value, SharedTape, STALE_OUTPUT};
pub(crate) use record::note_created;
pub use record::{Created, RecordError, Recording};

/// A leaf: its value is set from outside (input, parameter) or fixed (constant).
const LEAF: u8 = 0;
/// Codes `UNARY..UNARY + 10` are the unary ops, `BINARY..BINARY + 5` the binary ones.
const UNARY: u8 = 1;
const BINARY: u8 = 16;

/// A unary op as a tape code, and the constant parameter it carries (0 for none).
fn encode_unary(op: UnaryOp) -> (u8, f64) {
    let (code, parameter) = op.code();
    (UNARY + code, parameter)
}

/// The unary op of a tape code; `parameter` is read only by the ops that have one.
#[inline(always)]
fn decode_unary(code: u8, parameter: impl FnOnce() -> f64) -> UnaryOp {
    UnaryOp::from_code(code - UNARY, parameter)
}

fn encode_binary(op: BinaryOp) -> u8 {
    BINARY
        + match op {
            BinaryOp::Add => 0,
            BinaryOp::Sub => 1,
            BinaryOp::Mul => 2,
            BinaryOp::Div => 3,
            BinaryOp::Pow => 4,
        }
}

#[inline(always)]
fn decode_binary(code: u8) -> BinaryOp {
    match code - BINARY {
        0 => BinaryOp::Add,
        1 => BinaryOp::Sub,
        2 => BinaryOp::Mul,
        3 => BinaryOp::Div,
        _ => BinaryOp::Pow,
    }
}

/// Runs `$body` with `$op` bound to the unary op of `$kind`, one arm per op, so that
/// each arm's call into the calculus is compiled for a constant op.
macro_rules! with_unary {
    ($kind:expr, $parameter:expr, |$op:ident| $body:expr) => {
        match $kind - UNARY {
            0 => {
                let $op = UnaryOp::Neg;
                $body
            }
            1 => {
                let $op = UnaryOp::PowScalar($parameter());
                $body
            }
            2 => {
                let $op = UnaryOp::Relu;
                $body
            }
            3 => {
                let $op = UnaryOp::LeakyRelu($parameter());
                $body
            }
            4 => {
                let $op = UnaryOp::Tanh;
                $body
            }
            5 => {
                let $op = UnaryOp::Sigmoid;
                $body
            }
            6 => {
                let $op = UnaryOp::Exp;
                $body
            }
            7 => {
                let $op = UnaryOp::Log;
                $body
            }
            8 => {
                let $op = UnaryOp::Softplus;
                $body
            }
            _ => {
                let $op = UnaryOp::Abs;
                $body
            }
        }
    };
}

/// `with_unary!` for the binary ops.
macro_rules! with_binary {
    ($kind:expr, |$op:ident| $body:expr) => {
        match $kind - BINARY {
            0 => {
                let $op = BinaryOp::Add;
                $body
            }
            1 => {
                let $op = BinaryOp::Sub;
                $body
            }
            2 => {
                let $op = BinaryOp::Mul;
                $body
            }
            3 => {
                let $op = BinaryOp::Div;
                $body
            }
            _ => {
                let $op = BinaryOp::Pow;
                $body
            }
        }
    };
}

/// What a slot is, for tables and error messages.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SlotOp {
    /// The i-th input.
    Input(usize),
    /// The i-th parameter.
    Param(usize),
    Constant,
    Unary(UnaryOp),
    Binary(BinaryOp),
}

/// A recorded scalar graph as flat arrays; see the module documentation.
#[derive(Clone, Debug)]
pub struct Tape {
    kinds: Vec<u8>,
    /// First operand's slot (unary and binary ops).
    lhs: Vec<u32>,
    /// Second operand's slot for a binary op; for a unary op, the index of its
    /// parameter in `op_params`.
    rhs: Vec<u32>,
    values: Vec<f64>,
    grads: Vec<f64>,
    /// The constant parameters of `PowScalar` and `LeakyRelu` (index 0 holds 0.0).
    op_params: Vec<f64>,
    /// The slot of each input, in argument order; `u32::MAX` for an input the
    /// recorded graph never reached.
    inputs: Vec<u32>,
    /// The slot of each parameter, and the parameter itself.
    param_slots: Vec<u32>,
    params: Vec<Value>,
    outputs: Vec<u32>,
}

impl Tape {
    /// Number of slots (nodes and leaves).
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Number of inputs, in the order `set_inputs` takes them.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// The parameters (pre-existing Values the graph reads), in slot order.
    pub fn params(&self) -> &[Value] {
        &self.params
    }

    pub fn num_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// Sets the inputs' values for the next `forward`; `values` must hold one per input.
    ///
    /// Panics when the count differs (callers check it first).
    pub fn set_inputs(&mut self, values: &[f64]) {
        assert_eq!(values.len(), self.inputs.len(), "one value per input");
        for (&slot, &x) in self.inputs.iter().zip(values) {
            if slot != u32::MAX {
                self.values[slot as usize] = x;
            }
        }
    }

    /// Reads the parameters' current data into their slots.
    pub fn load_params(&mut self) {
        for (&slot, param) in self.param_slots.iter().zip(&self.params) {
            self.values[slot as usize] = param.data();
        }
    }

    /// Recomputes every node's value, first to last: one loop over the arrays.
    pub fn forward(&mut self) {
        let n = self.kinds.len();
        let (kinds, lhs, rhs) = (&self.kinds[..n], &self.lhs[..n], &self.rhs[..n]);
        let op_params = &self.op_params[..];
        let values = &mut self.values[..n];
        for i in 0..n {
            // SAFETY: `record` gives every op operands of lower slots (and a unary op
            // an index into `op_params`), and nothing changes the arrays afterwards.
            unsafe {
                let kind = *kinds.get_unchecked(i);
                if kind == LEAF {
                    continue;
                }
                let (a, b) = (
                    *lhs.get_unchecked(i) as usize,
                    *rhs.get_unchecked(i) as usize,
                );
                let x = *values.get_unchecked(a);
                *values.get_unchecked_mut(i) = if kind < BINARY {
                    with_unary!(kind, || *op_params.get_unchecked(b), |op| op.apply(x))
                } else {
                    let y = *values.get_unchecked(b);
                    with_binary!(kind, |op| op.apply(x, y))
                };
            }
        }
    }

    /// Backpropagates from output `output` with d(root)/d(output) = `seed`: zeroes the
    /// grads, then one loop down the arrays, each node adding its grad times each
    /// local derivative into its operands (the same steps, in the same order, as the
    /// scalar graph's `backward()` on the graph recorded).
    pub fn backward(&mut self, output: usize, seed: f64) {
        self.grads.fill(0.0);
        self.grads[self.outputs[output] as usize] = seed;
        let n = self.kinds.len();
        let (kinds, lhs, rhs) = (&self.kinds[..n], &self.lhs[..n], &self.rhs[..n]);
        let op_params = &self.op_params[..];
        let (values, grads) = (&self.values[..n], &mut self.grads[..n]);
        for i in (0..n).rev() {
            // SAFETY: as in `forward`.
            unsafe {
                let kind = *kinds.get_unchecked(i);
                if kind == LEAF {
                    continue;
                }
                let (a, b) = (
                    *lhs.get_unchecked(i) as usize,
                    *rhs.get_unchecked(i) as usize,
                );
                let (out, grad) = (*values.get_unchecked(i), *grads.get_unchecked(i));
                if kind < BINARY {
                    let x = *values.get_unchecked(a);
                    let d = with_unary!(kind, || *op_params.get_unchecked(b), |op| op
                        .derivative(x, out));
                    *grads.get_unchecked_mut(a) += grad * d;
                } else {
                    let (dx, dy) = with_binary!(kind, |op| {
                        let (x, y) = if op.derivatives_read_operands() {
                            (*values.get_unchecked(a), *values.get_unchecked(b))
                        } else {
                            (0.0, 0.0)
                        };
                        op.derivatives(x, y, out)
                    });
                    *grads.get_unchecked_mut(a) += grad * dx;
                    *grads.get_unchecked_mut(b) += grad * dy;
                }
            }
        }
    }

    /// Adds the last backward pass's gradients into the parameters' `grad`, as the
    /// scalar graph's `backward()` accumulates into its leaves.
    pub fn store_param_grads(&self) {
        for (&slot, param) in self.param_slots.iter().zip(&self.params) {
            param.add_grad(self.grads[slot as usize]);
        }
    }

    /// The value of output `i` after the last `forward`.
    pub fn output(&self, i: usize) -> f64 {
        self.values[self.outputs[i] as usize]
    }

    /// d(seeded output)/d(input `i`) after the last `backward` (0 for an input the
    /// graph never reached).
    pub fn input_grad(&self, i: usize) -> f64 {
        match self.inputs[i] {
            u32::MAX => 0.0,
            slot => self.grads[slot as usize],
        }
    }

    /// d(seeded output)/d(parameter `i`) of the last `backward` alone.
    pub fn param_grad(&self, i: usize) -> f64 {
        self.grads[self.param_slots[i] as usize]
    }

    pub fn value(&self, slot: usize) -> f64 {
        self.values[slot]
    }

    pub fn grad(&self, slot: usize) -> f64 {
        self.grads[slot]
    }

    /// The slot's op, with its operands' slots.
    pub fn slot_op(&self, slot: usize) -> (SlotOp, Vec<usize>) {
        let (kind, a, b) = (self.kinds[slot], self.lhs[slot], self.rhs[slot]);
        match kind {
            LEAF => {
                let position = |slots: &[u32]| slots.iter().position(|&s| s as usize == slot);
                let op = if let Some(i) = position(&self.inputs) {
                    SlotOp::Input(i)
                } else if let Some(i) = position(&self.param_slots) {
                    SlotOp::Param(i)
                } else {
                    SlotOp::Constant
                };
                (op, vec![])
            }
            k if k < BINARY => (
                SlotOp::Unary(decode_unary(k, || self.op_params[b as usize])),
                vec![a as usize],
            ),
            k => (
                SlotOp::Binary(decode_binary(k)),
                vec![a as usize, b as usize],
            ),
        }
    }

    /// The slot's op as text: `input 0`, `param 3`, `const`, `+`, `relu`, `**3`.
    pub fn describe_op(&self, slot: usize) -> String {
        match self.slot_op(slot).0 {
            SlotOp::Input(i) => format!("input {i}"),
            SlotOp::Param(i) => format!("param {i}"),
            SlotOp::Constant => "const".into(),
            SlotOp::Unary(op) => op.symbol(),
            SlotOp::Binary(op) => op.symbol().into(),
        }
    }

    /// One line per slot: slot, op, operands, value, grad (the last backward's).
    pub fn table(&self) -> String {
        let mut text = format!(
            "{:>4}  {:<9} {:<9} {:>12} {:>12}\n",
            "slot", "op", "operands", "value", "grad"
        );
        for slot in 0..self.len() {
            let operands = self
                .slot_op(slot)
                .1
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let output = match self.outputs.iter().position(|&s| s as usize == slot) {
                Some(i) => format!("  <- output {i}"),
                None => String::new(),
            };
            let _ = writeln!(
                text,
                "{slot:>4}  {:<9} {operands:<9} {:>12.4} {:>12.4}{output}",
                self.describe_op(slot),
                self.values[slot],
                self.grads[slot],
            );
        }
        text
    }

    /// Bytes the tape holds in its arrays.
    pub fn nbytes(&self) -> usize {
        use std::mem::size_of;
        self.kinds.capacity()
            + (self.lhs.capacity()
                + self.rhs.capacity()
                + self.inputs.capacity()
                + self.param_slots.capacity()
                + self.outputs.capacity())
                * size_of::<u32>()
            + (self.values.capacity() + self.grads.capacity() + self.op_params.capacity())
                * size_of::<f64>()
            + self.params.capacity() * size_of::<Value>()
    }

    /// `nbytes()` per slot.
    pub fn bytes_per_node(&self) -> f64 {
        self.nbytes() as f64 / self.len().max(1) as f64
    }

    /// The first slot at which `other` records a different graph (op, operands, a
    /// constant's value, which input or parameter a leaf is, or a different length or
    /// set of outputs), described for an error message; None when they are the same.
    pub fn first_difference(&self, other: &Tape) -> Option<String> {
        for slot in 0..self.len().max(other.len()) {
            if slot >= self.len() || slot >= other.len() {
                return Some(format!(
                    "the graph has {} nodes where {} were recorded; first extra node {}",
                    other.len(),
                    self.len(),
                    if slot < other.len() {
                        other.describe(slot)
                    } else {
                        self.describe(slot)
                    }
                ));
            }
            let (mine, theirs) = (self.slot_op(slot), other.slot_op(slot));
            let same = mine == theirs
                && match mine.0 {
                    SlotOp::Constant => self.values[slot].to_bits() == other.values[slot].to_bits(),
                    SlotOp::Param(i) => {
                        matches!(theirs.0, SlotOp::Param(j) if self.params[i].same_node(&other.params[j]))
                    }
                    _ => true,
                };
            if !same {
                return Some(format!(
                    "node {slot} differs: recorded {}, now {}",
                    self.describe(slot),
                    other.describe(slot)
                ));
            }
        }
        if self.outputs != other.outputs {
            return Some(format!(
                "the outputs are slots {:?} where {:?} were recorded",
                other.outputs, self.outputs
            ));
        }
        None
    }

    /// `slot 7: relu(6)`, `slot 2: const 1.0`: a slot, its op and operands.
    pub fn describe(&self, slot: usize) -> String {
        let (op, operands) = self.slot_op(slot);
        let operands = operands
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match op {
            SlotOp::Constant => format!("slot {slot}: const {:?}", self.values[slot]),
            SlotOp::Input(_) | SlotOp::Param(_) => {
                format!("slot {slot}: {}", self.describe_op(slot))
            }
            _ => format!("slot {slot}: {}({operands})", self.describe_op(slot)),
        }
    }
}

#[cfg(test)]
mod tests;

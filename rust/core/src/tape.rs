//! Compiled scalar graphs: a recorded graph replayed from flat arrays.
//!
//! The graph of a training step is the same every step, so it can be recorded once
//! (`record.rs`) and replayed: a structure of arrays (op kind, operand slots, value,
//! grad per node) from which `fuse.rs` builds a program, run forward as one loop up
//! it and backward as one loop down it (`run.rs`). No node is allocated, no
//! `RefCell` borrowed, no `Rc` counted.
//!
//! The tape is the third executor of the one calculus (`calculus.rs`), beside the
//! scalar graph and the Tensor engine: each slot's op kind is a `u8` (plus an index
//! into `op_params` for the two ops with a constant parameter), turned back into a
//! `UnaryOp` or `BinaryOp` at dispatch, whose `apply` and `derivative(s)` do the
//! math. No formula is restated here, nor in the fused `acc + w * x` instructions,
//! which call the calculus for each of their two ops.
//!
//! A slot is either a node of the recorded graph or one of three kinds of leaf:
//! an *input* (set before each replay, from the compiled function's arguments), a
//! *parameter* (a `Value` that existed before the recording, such as a model's
//! weight: its data is read in before each replay and its gradient added back after
//! each backward pass), or a *constant* (a leaf made while recording, baked in).

mod compiled;
mod fuse;
mod record;
mod run;

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
/// Set on the kind of a `*` slot computed inside the `+` that uses it (`fuse.rs`).
const FUSED: u8 = 0x80;

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
    /// What a replay executes (`run.rs`), built from the slots by `fuse.rs`.
    program: run::Program,
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

    /// Recomputes every node's value, first to last: one loop over the program.
    pub fn forward(&mut self) {
        // SAFETY: `fuse::program` built the program from the recorded slots, whose
        // operands are lower slots (and a unary op's parameter an index into
        // `op_params`), and nothing changes these arrays afterwards.
        unsafe { run::forward(&self.program, &self.op_params, &mut self.values) }
    }

    /// Backpropagates from output `output` with d(root)/d(output) = `seed`: zeroes the
    /// grads, then one loop down the program, each node adding its grad times each
    /// local derivative into its operands (the same steps, in the same order, as the
    /// scalar graph's `backward()` on the graph recorded).
    pub fn backward(&mut self, output: usize, seed: f64) {
        self.grads.fill(0.0);
        self.grads[self.outputs[output] as usize] = seed;
        // SAFETY: as in `forward`; `grads` has one entry per slot, as `values`.
        unsafe {
            run::backward(
                &self.program,
                &self.op_params,
                &self.values,
                &mut self.grads,
            )
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

    /// The slot's value after the last `forward`. A fused `*` (`fuse.rs`) keeps none:
    /// its product is computed again, as its `+` computed it.
    pub fn value(&self, slot: usize) -> f64 {
        if self.kinds[slot] & FUSED == 0 {
            return self.values[slot];
        }
        let (w, x) = (self.lhs[slot] as usize, self.rhs[slot] as usize);
        BinaryOp::Mul.apply(self.values[w], self.values[x])
    }

    /// The slot's grad after the last `backward`; a fused `*`'s is computed again
    /// from its `+`'s, as its `+` computed it.
    pub fn grad(&self, slot: usize) -> f64 {
        match self.fused_into(slot) {
            Some(add) => self.fused_grad(slot, add),
            None => self.grads[slot],
        }
    }

    /// The `+` slot in which the fused `*` at `slot` is computed (its one use); None
    /// for a slot that is not fused.
    fn fused_into(&self, slot: usize) -> Option<usize> {
        if self.kinds[slot] & FUSED == 0 {
            return None;
        }
        (slot + 1..self.len()).find(|&s| self.operands_of(s).contains(&(slot as u32)))
    }

    /// A binary slot's operands; empty for a leaf or a unary op (for which `rhs` is
    /// no slot).
    fn operands_of(&self, slot: usize) -> [u32; 2] {
        if self.kinds[slot] & !FUSED >= BINARY {
            [self.lhs[slot], self.rhs[slot]]
        } else {
            [u32::MAX; 2]
        }
    }

    /// The grad of the fused `*` at `slot` whose `+` is at `add`: the `+`'s grad times
    /// its derivative there, added to zero, as the `+`'s backward step added it.
    fn fused_grad(&self, slot: usize, add: usize) -> f64 {
        let (x, y) = (self.lhs[add] as usize, self.rhs[add] as usize);
        let (dx, dy) = BinaryOp::Add.derivatives(self.value(x), self.value(y), self.values[add]);
        0.0 + self.grads[add] * if y == slot { dy } else { dx }
    }

    /// The slot's op, with its operands' slots.
    pub fn slot_op(&self, slot: usize) -> (SlotOp, Vec<usize>) {
        let (kind, a, b) = (self.kinds[slot] & !FUSED, self.lhs[slot], self.rhs[slot]);
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

    /// One line per slot: slot, op, operands, value, grad (the last backward's), and
    /// which output it is or which `+` a fused `*` is computed in.
    pub fn table(&self) -> String {
        let mut text = format!(
            "{:>4}  {:<9} {:<9} {:>12} {:>12}\n",
            "slot", "op", "operands", "value", "grad"
        );
        // Each fused `*`'s `+`, found in one pass.
        let mut fused_into = vec![None; self.len()];
        for add in 0..self.len() {
            for operand in self.operands_of(add) {
                if operand != u32::MAX && self.kinds[operand as usize] & FUSED != 0 {
                    fused_into[operand as usize] = Some(add);
                }
            }
        }
        for (slot, fused_into) in fused_into.into_iter().enumerate() {
            let operands = self
                .slot_op(slot)
                .1
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let (grad, note) = match fused_into {
                Some(add) => (self.fused_grad(slot, add), format!("  fused into {add}")),
                None => match self.outputs.iter().position(|&s| s as usize == slot) {
                    Some(i) => (self.grads[slot], format!("  <- output {i}")),
                    None => (self.grads[slot], String::new()),
                },
            };
            let _ = writeln!(
                text,
                "{slot:>4}  {:<9} {operands:<9} {:>12.4} {:>12.4}{note}",
                self.describe_op(slot),
                self.value(slot),
                grad,
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
            + self.program.nbytes()
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
mod fusion_tests;
#[cfg(test)]
mod tests;

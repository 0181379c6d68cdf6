//! Recording a tape: which nodes were made while recording, and the graph walk that
//! turns a root into flat arrays.
//!
//! While a `Recording` is active on a thread, every node made there (`Value::new`
//! and every op) notes its address. A leaf the recorded graph reaches is then either
//! made during the recording (a constant, such as the `1` of `1 + x`: baked in),
//! named as an input by the caller, or neither: a Value that existed before, such as
//! a model parameter, which the tape reads before each replay and writes gradients
//! back into. An op node that existed before is treated the same way, as a parameter,
//! so the tape never recomputes anything that was not computed inside the recording.
//!
//! Addresses are sound as identities here: a node that existed before the recording
//! and is still reachable at its end was alive throughout, so no node made during the
//! recording can have had its address.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use super::{encode_binary, encode_unary, fuse, Tape, LEAF};
use crate::backward::topological_order;
use crate::calculus::UnaryOp;
use crate::op::Op;
use crate::value::Value;

thread_local! {
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static CREATED: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Called for every node made: one thread-local flag test when not recording.
#[inline(always)]
pub(crate) fn note_created(node: usize) {
    if RECORDING.get() {
        CREATED.with_borrow_mut(|created| created.push(node));
    }
}

/// Records which nodes the current thread makes, from `start` to `finish`.
pub struct Recording {
    active: bool,
    /// Recording is per thread: the guard must stay on its thread.
    _thread_bound: PhantomData<*const ()>,
}

/// The nodes made during a recording, by address (`Value::node_id`).
#[derive(Debug, Default)]
pub struct Created(HashSet<usize>);

impl Created {
    pub fn contains(&self, value: &Value) -> bool {
        self.0.contains(&value.node_id())
    }
}

impl Recording {
    /// Starts recording on this thread; None if a recording is already active here
    /// (recordings do not nest).
    pub fn start() -> Option<Recording> {
        if RECORDING.get() {
            return None;
        }
        CREATED.with_borrow_mut(Vec::clear);
        RECORDING.set(true);
        Some(Recording {
            active: true,
            _thread_bound: PhantomData,
        })
    }

    /// Stops recording: the nodes made since `start`.
    pub fn finish(mut self) -> Created {
        self.active = false;
        RECORDING.set(false);
        Created(CREATED.with_borrow_mut(|created| std::mem::take(created).into_iter().collect()))
    }
}

/// An abandoned recording (an exception in the recorded code) stops, too.
impl Drop for Recording {
    fn drop(&mut self) {
        if self.active {
            RECORDING.set(false);
            CREATED.with_borrow_mut(|created| *created = Vec::new());
        }
    }
}

/// Why a graph cannot become a tape.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordError {
    /// A node made while recording runs user code on backward (`Value::custom`).
    CustomOp { name: String },
    /// No outputs, or more slots than a `u32` indexes.
    Unsupported(String),
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::CustomOp { name } => write!(
                f,
                "cannot compile a graph with a custom op '{name}' (a Value built with \
                 Value(data, children, op) and its own _backward): the tape replays only \
                 the built-in ops, and a user's backward step is code it cannot replay. \
                 Build it from built-in ops, or call the function without compiling it"
            ),
            RecordError::Unsupported(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for RecordError {}

impl Tape {
    /// Records the graph that computes `outputs`: `inputs` are the leaves that become
    /// input slots (in this order), `created` says which nodes were made during the
    /// recording (`Recording::finish`); every other node the graph reaches is a
    /// parameter. The slots are in the order the scalar graph's `backward()` walks
    /// the first output's graph, so a replayed backward adds the same terms in the
    /// same order and gives the same gradients bit for bit.
    pub fn record(
        outputs: &[Value],
        inputs: &[Value],
        created: &Created,
    ) -> Result<Tape, RecordError> {
        Tape::record_with(outputs, inputs, created, true)
    }

    /// `record`, fusing multiplies into adds (`fuse.rs`) or not (for the tests that
    /// compare the two).
    pub(super) fn record_with(
        outputs: &[Value],
        inputs: &[Value],
        created: &Created,
        fuse: bool,
    ) -> Result<Tape, RecordError> {
        let root = match outputs {
            [] => {
                return Err(RecordError::Unsupported(
                    "nothing to record: no outputs".into(),
                ))
            }
            [only] => only.clone(),
            // The walk expands the last operand first: the first output's graph comes
            // out in the order it has alone.
            many => Value::custom(0.0, many.iter().rev().cloned().collect(), ""),
        };
        let mut order = topological_order(&root);
        if outputs.len() > 1 {
            order.pop(); // the joining root itself
        }
        if order.len() >= u32::MAX as usize {
            return Err(RecordError::Unsupported("graph too large to record".into()));
        }
        let position: HashMap<usize, usize> = order
            .iter()
            .enumerate()
            .map(|(i, v)| (v.node_id(), i))
            .collect();
        let input_of: HashMap<usize, usize> = inputs
            .iter()
            .enumerate()
            .map(|(i, v)| (v.node_id(), i))
            .collect();
        let is_boundary = |v: &Value| input_of.contains_key(&v.node_id()) || !created.contains(v);

        // Which nodes the outputs need, stopping at inputs and parameters.
        let mut needed = vec![false; order.len()];
        for output in outputs {
            needed[position[&output.node_id()]] = true;
        }
        for i in (0..order.len()).rev() {
            if !needed[i] || is_boundary(&order[i]) {
                continue;
            }
            let op = order[i].op();
            if let Op::Custom(_) = &*op {
                return Err(RecordError::CustomOp { name: op.symbol() });
            }
            for operand in op.operands() {
                needed[position[&operand.node_id()]] = true;
            }
        }

        let mut tape = Tape {
            kinds: Vec::new(),
            lhs: Vec::new(),
            rhs: Vec::new(),
            values: Vec::new(),
            grads: Vec::new(),
            op_params: vec![0.0],
            inputs: vec![u32::MAX; inputs.len()],
            param_slots: Vec::new(),
            params: Vec::new(),
            outputs: Vec::new(),
            program: Default::default(),
        };
        let mut slot_of: HashMap<usize, u32> = HashMap::new();
        for (value, _) in order.iter().zip(&needed).filter(|(_, &needed)| needed) {
            let slot = tape.kinds.len() as u32;
            slot_of.insert(value.node_id(), slot);
            let (kind, a, b) = if let Some(&i) = input_of.get(&value.node_id()) {
                tape.inputs[i] = slot;
                (LEAF, 0, 0)
            } else if !created.contains(value) {
                tape.param_slots.push(slot);
                tape.params.push(value.clone());
                (LEAF, 0, 0)
            } else {
                let slot_of = |v: &Value| slot_of[&v.node_id()];
                match &*value.op() {
                    Op::Leaf => (LEAF, 0, 0),
                    Op::Unary {
                        code,
                        parameter,
                        operand: x,
                    } => {
                        let (code, parameter) =
                            encode_unary(UnaryOp::from_code(*code, || *parameter));
                        let index = if parameter == 0.0 && parameter.is_sign_positive() {
                            0
                        } else {
                            tape.op_params.push(parameter);
                            tape.op_params.len() as u32 - 1
                        };
                        (code, slot_of(x), index)
                    }
                    Op::Binary(op, x, y) => (encode_binary(*op), slot_of(x), slot_of(y)),
                    Op::Custom(_) => unreachable!("refused above"),
                }
            };
            tape.kinds.push(kind);
            tape.lhs.push(a);
            tape.rhs.push(b);
            tape.values.push(value.data());
        }
        tape.outputs = outputs.iter().map(|v| slot_of[&v.node_id()]).collect();
        tape.grads = vec![0.0; tape.kinds.len()];
        tape.program = fuse::program(&mut tape.kinds, &tape.lhs, &tape.rhs, &tape.outputs, fuse);
        for array in [&mut tape.lhs, &mut tape.rhs] {
            array.shrink_to_fit();
        }
        tape.kinds.shrink_to_fit();
        tape.values.shrink_to_fit();
        tape.op_params.shrink_to_fit();
        tape.params.shrink_to_fit();
        tape.param_slots.shrink_to_fit();
        Ok(tape)
    }
}

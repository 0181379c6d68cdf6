//! A tape's outputs as ordinary `Value`s, so that `loss.data`, `loss.backward()` and
//! an optimizer's step work on a replayed graph as on a built one.
//!
//! Each output is a custom node (`custom.rs`) whose operands are the tape's
//! parameters and whose backward hook runs the tape's backward pass, seeded with the
//! node's own grad, then adds the parameters' gradients into them. The scalar
//! graph's walk runs that hook like any other step, so an output can also feed a
//! larger dynamic graph.
//!
//! A training loop calls a compiled function again and again and drops each result
//! once the next one exists. Whoever replays a tape may keep the outputs it handed
//! out and, once nothing else holds one, make it the output of a later replay
//! (`reuse_output_value`): steady state then allocates and frees no node, hook or
//! operand list per call. The keeper must not be the `SharedTape` itself: a node's
//! hook holds the tape, so a tape holding its nodes would never be freed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::{note_created, Tape};
use crate::custom::{BackwardHook, CustomBackward, HookError};
use crate::value::Value;

/// A tape shared by its outputs, with the number of the replay that made them.
#[derive(Debug)]
pub struct SharedTape {
    pub tape: Tape,
    /// Counts forward passes: an output of an older one must not run backward
    /// through values that have since changed.
    pub generation: u64,
}

impl SharedTape {
    pub fn new(tape: Tape) -> Rc<RefCell<SharedTape>> {
        Rc::new(RefCell::new(SharedTape {
            tape,
            generation: 0,
        }))
    }

    /// Sets the inputs, reads the parameters, runs forward: a new generation.
    pub fn replay(&mut self, inputs: &[f64]) {
        self.tape.set_inputs(inputs);
        self.tape.load_params();
        self.tape.forward();
        self.generation += 1;
    }
}

/// What a backward pass through an output of an older replay reports.
pub const STALE_OUTPUT: &str = "this Value came from an earlier call of a compiled function, \
     whose tape has been replayed since: call backward() on the newest result (a compiled \
     function keeps one set of values, as a step of training needs)";

struct TapeBackward {
    tape: Rc<RefCell<SharedTape>>,
    output: usize,
    /// The replay whose values the node holds (a recycled node's is updated).
    generation: Cell<u64>,
}

impl CustomBackward for TapeBackward {
    fn backward(&self, out: &Value) -> Result<(), HookError> {
        let mut shared = self.tape.try_borrow_mut().map_err(|_| {
            Box::new(String::from("a compiled function's tape is already in use")) as HookError
        })?;
        if shared.generation != self.generation.get() {
            return Err(Box::new(String::from(STALE_OUTPUT)));
        }
        shared.tape.backward(self.output, out.grad());
        shared.tape.store_param_grads();
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Output `output` of the tape's last replay, as a Value whose `backward()` runs the
/// tape backward (named `compiled` in graph pictures).
pub fn output_value(tape: &Rc<RefCell<SharedTape>>, output: usize) -> Value {
    let shared = tape.borrow();
    let value = Value::custom(
        shared.tape.output(output),
        shared.tape.params().to_vec(),
        "compiled",
    );
    let hook: BackwardHook = Rc::new(TapeBackward {
        tape: Rc::clone(tape),
        output,
        generation: Cell::new(shared.generation),
    });
    value.set_backward_hook(Some(hook));
    value
}

/// Makes `node`, an output Value of an earlier replay of `tape`, output `output` of
/// its last replay, when nothing else holds it (`node` is its only handle: no other
/// Value, no graph, no Python object) and its hook is still the tape's own (Python
/// may assign a result's `_backward`) and nobody else's. It is then exactly what
/// `output_value` would make, with the same hook and operands: the new value, a zero
/// gradient, no label, and noted by a recording in progress as made now. True when
/// it did; false, changing nothing, otherwise.
pub fn reuse_output_value(node: &Value, tape: &Rc<RefCell<SharedTape>>, output: usize) -> bool {
    let Some(hook) = node.hook_if_sole_handle() else {
        return false;
    };
    let Some(ours) = hook.as_any().downcast_ref::<TapeBackward>() else {
        return false;
    };
    // Two handles to the hook: the node's and `hook`.
    if !Rc::ptr_eq(&ours.tape, tape) || ours.output != output || Rc::strong_count(&hook) != 2 {
        return false;
    }
    let Ok(shared) = tape.try_borrow() else {
        return false;
    };
    ours.generation.set(shared.generation);
    node.set_data(shared.tape.output(output));
    node.set_grad(0.0);
    node.set_label(None);
    note_created(node.node_id());
    true
}

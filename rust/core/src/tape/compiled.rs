//! A tape's outputs as ordinary `Value`s, so that `loss.data`, `loss.backward()` and
//! an optimizer's step work on a replayed graph as on a built one.
//!
//! Each output is a custom node (`custom.rs`) whose operands are the tape's
//! parameters and whose backward hook runs the tape's backward pass, seeded with the
//! node's own grad, then adds the parameters' gradients into them. The scalar
//! graph's walk runs that hook like any other step, so an output can also feed a
//! larger dynamic graph.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use super::Tape;
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
    generation: u64,
}

impl CustomBackward for TapeBackward {
    fn backward(&self, out: &Value) -> Result<(), HookError> {
        let mut shared = self.tape.try_borrow_mut().map_err(|_| {
            Box::new(String::from("a compiled function's tape is already in use")) as HookError
        })?;
        if shared.generation != self.generation {
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
        generation: shared.generation,
    });
    value.set_backward_hook(Some(hook));
    value
}

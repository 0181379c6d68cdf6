//! Custom ops: nodes built by user code, whose backward step is the user's.
//!
//! Karpathy's lecture builds ops outside the class, `Value(math.exp(x), (self,),
//! 'exp')`, then assigns the node's `_backward`. Such a node keeps its value as
//! given and runs its hook where a native op would apply the calculus.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::value::Value;

/// What a failing backward hook reports; `Value::try_backward` hands it back as is.
pub type HookError = Box<dyn Any + Send>;

/// The backward step of a custom node, given the node itself: it reads the node's
/// `grad` (and anything else) and adds into its operands' grads.
pub trait CustomBackward: Any {
    fn backward(&self, out: &Value) -> Result<(), HookError>;

    /// The hook itself, for a host that wants its own object back.
    fn as_any(&self) -> &dyn Any;
}

impl<F: Fn(&Value) -> Result<(), HookError> + 'static> CustomBackward for F {
    fn backward(&self, out: &Value) -> Result<(), HookError> {
        self(out)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A shared custom backward step.
pub type BackwardHook = Rc<dyn CustomBackward>;

/// A node made by user code: its op's name, its operands, and its backward step.
#[derive(Clone)]
pub struct Custom {
    pub(crate) name: Box<str>,
    pub(crate) operands: Vec<Value>,
    /// None until assigned: the node then passes no gradient on (Karpathy's default
    /// `lambda: None`).
    pub(crate) backward: Option<BackwardHook>,
}

impl fmt::Debug for Custom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Custom")
            .field("name", &self.name)
            .field("operands", &self.operands)
            .field("backward", &self.backward.as_ref().map(|_| "<hook>"))
            .finish()
    }
}

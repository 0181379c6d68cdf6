//! The scalar `Value`: a shared, mutable node of the computation graph.

use std::cell::RefCell;
use std::fmt;
use std::mem::ManuallyDrop;
use std::rc::Rc;

use crate::calculus::{BinaryOp, UnaryOp};
use crate::custom::{BackwardHook, Custom, HookError};
use crate::graph;
use crate::op::Op;

/// A scalar in a computation graph: its data, its gradient, and the op that made it.
///
/// Cloning a `Value` is cheap and shares the node (it is an `Rc`), exactly as a
/// Python name refers to one micrograd `Value` object.
///
/// The handle is released by `Drop` below, not by the field's own drop: the last
/// handle to a node hands its memory to the thread's pool of nodes (`node_pool.rs`).
#[derive(Clone)]
pub struct Value(pub(crate) ManuallyDrop<Rc<RefCell<Node>>>);

impl Drop for Value {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the field is taken once, here, and never read again.
        crate::node_pool::release(unsafe { ManuallyDrop::take(&mut self.0) });
    }
}

/// One node of the graph. Operands live inside `op`.
pub(crate) struct Node {
    pub(crate) data: f64,
    pub(crate) grad: f64,
    pub(crate) op: Op,
    /// Boxed twice so that the field is one word: labels are rare, and one word less
    /// keeps a node at 88 bytes (see `a_node_takes_at_most_88_bytes`).
    #[allow(clippy::box_collection)] // deliberate: see above
    pub(crate) label: Option<Box<String>>,
    /// An opaque word for the host language's use (the Python bindings keep the
    /// address of the node's live Python object here, so that one node is always one
    /// object); 0 when unused. The core never reads it.
    pub(crate) host: usize,
    /// The number of the last graph walk that visited this node (see `graph.rs`):
    /// a walk marks nodes instead of keeping a set of visited pointers.
    pub(crate) visit_mark: u64,
}

impl Node {
    pub(crate) fn is_leaf(&self) -> bool {
        matches!(self.op, Op::Leaf)
    }
}

impl Value {
    /// A leaf holding `data`, with a zero gradient.
    pub fn new(data: f64) -> Value {
        Value::with_op(data, Op::Leaf)
    }

    /// A node made by `op`, its value computed from the operands.
    pub fn from_op(op: Op) -> Value {
        Value::with_op(op.forward(), op)
    }

    /// The handle owning `rc`'s reference.
    #[inline]
    pub(crate) fn from_rc(rc: Rc<RefCell<Node>>) -> Value {
        Value(ManuallyDrop::new(rc))
    }

    /// The handle's reference, as a plain `Rc` (whose drop frees the node without
    /// pooling it: for the graph's own iterative drop, which pools what it frees).
    #[inline]
    pub(crate) fn into_rc(self) -> Rc<RefCell<Node>> {
        let mut handle = ManuallyDrop::new(self);
        // SAFETY: `handle` is never dropped, so its field is taken exactly once.
        unsafe { ManuallyDrop::take(&mut handle.0) }
    }

    #[inline]
    fn with_op(data: f64, op: Op) -> Value {
        let value = Value::from_rc(crate::node_pool::new_node(Node {
            data,
            grad: 0.0,
            op,
            label: None,
            host: 0,
            visit_mark: 0,
        }));
        // A compiled function's recording (tape/record.rs) notes every node made
        // while it runs: one thread-local flag test otherwise.
        crate::tape::note_created(value.node_id());
        value
    }

    /// A node made by user code: `data` as given, `name` as its op's symbol, and no
    /// backward step until `set_backward_hook` gives it one (Karpathy's
    /// `Value(data, (a, b), 'exp')`).
    pub fn custom(data: f64, operands: Vec<Value>, name: &str) -> Value {
        Value::with_op(
            data,
            Op::Custom(Box::new(Custom {
                name: name.into(),
                operands,
                backward: None,
            })),
        )
    }

    /// True for a node made by `Value::custom`.
    pub fn is_custom(&self) -> bool {
        matches!(self.0.borrow().op, Op::Custom(_))
    }

    /// Sets (or with `None` removes) a custom node's backward step, which `backward()`
    /// and `local_backward()` call with the node. Returns false, changing nothing,
    /// for a node that is not custom: the ops' own steps are fixed.
    pub fn set_backward_hook(&self, hook: Option<BackwardHook>) -> bool {
        let old = match &mut self.0.borrow_mut().op {
            Op::Custom(custom) => std::mem::replace(&mut custom.backward, hook),
            _ => return false,
        };
        // Dropped with no borrow held: dropping a host's hook may run host code.
        drop(old);
        true
    }

    /// A custom node's backward step, if it has one.
    pub fn backward_hook(&self) -> Option<BackwardHook> {
        match &self.0.borrow().op {
            Op::Custom(custom) => custom.backward.clone(),
            _ => None,
        }
    }

    /// The custom node's hook, if this handle is the only one to its node (nothing else,
    /// no other node and no other handle, can reach the hook then), and the node is
    /// not borrowed. For a host's garbage collector: a hook that refers back to the
    /// host object holding this handle makes a cycle only that host can see, and it
    /// may break it only when nothing else uses the node.
    pub fn hook_if_sole_handle(&self) -> Option<BackwardHook> {
        if Rc::strong_count(&self.0) != 1 {
            return None;
        }
        match &self.0.try_borrow().ok()?.op {
            Op::Custom(custom) => custom.backward.clone(),
            _ => None,
        }
    }

    /// One node's chain-rule step, as Karpathy's `node._backward()`: adds this node's
    /// `grad` times each local derivative into its operands' grads (nothing for a
    /// leaf). A custom node runs its hook, whose error comes back as is.
    pub fn local_backward(&self) -> Result<(), HookError> {
        crate::backward::chain_rule_step(&self.0)
    }

    /// The host word (see `Node::host`); 0 when unset.
    pub fn host(&self) -> usize {
        self.0.borrow().host
    }

    pub fn set_host(&self, host: usize) {
        self.0.borrow_mut().host = host;
    }

    /// Bytes one node takes: the `Rc`'s two counts, the `RefCell` flag and the node.
    pub const fn node_bytes() -> usize {
        2 * std::mem::size_of::<usize>() + std::mem::size_of::<RefCell<Node>>()
    }

    /// Bytes of freed nodes this thread keeps to build the next nodes in (at most
    /// 65,536 nodes, nearly a training step of Karpathy's demo; `node_pool.rs`): memory
    /// the allocator counts as in use, though no graph holds it.
    pub fn pooled_bytes() -> usize {
        crate::node_pool::pooled_bytes()
    }

    pub fn data(&self) -> f64 {
        self.0.borrow().data
    }

    pub fn set_data(&self, data: f64) {
        self.0.borrow_mut().data = data;
    }

    /// d(root)/d(self), summed over every `backward()` call since the last reset.
    pub fn grad(&self) -> f64 {
        self.0.borrow().grad
    }

    pub fn set_grad(&self, grad: f64) {
        self.0.borrow_mut().grad = grad;
    }

    pub(crate) fn add_grad(&self, delta: f64) {
        self.0.borrow_mut().grad += delta;
    }

    pub fn label(&self) -> Option<String> {
        self.0.borrow().label.as_deref().cloned()
    }

    pub fn set_label(&self, label: Option<&str>) {
        self.0.borrow_mut().label = label.map(|label| Box::new(label.to_owned()));
    }

    /// The op that made this value (`Op::Leaf` for an input or a parameter).
    pub fn op(&self) -> std::cell::Ref<'_, Op> {
        std::cell::Ref::map(self.0.borrow(), |node| &node.op)
    }

    /// The values this one was computed from, in order.
    pub fn operands(&self) -> Vec<Value> {
        self.op().operands().cloned().collect()
    }

    pub fn is_leaf(&self) -> bool {
        self.0.borrow().is_leaf()
    }

    /// A number identifying the node: equal for two `Value`s exactly when they share it.
    pub fn node_id(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }

    /// True when both handles refer to the same node.
    pub fn same_node(&self, other: &Value) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// `op(self)`, a new node.
    #[inline]
    pub fn unary(&self, op: UnaryOp) -> Value {
        Value::from_op(Op::unary(op, self.clone()))
    }

    /// `op(self, other)`, a new node.
    #[inline]
    pub fn binary(&self, op: BinaryOp, other: &Value) -> Value {
        Value::from_op(Op::Binary(op, self.clone(), other.clone()))
    }

    /// `self ** exponent` for a constant exponent (`pow_scalar`, by Karpathy's name).
    pub fn pow(&self, exponent: f64) -> Value {
        self.pow_scalar(exponent)
    }

    /// `self ** exponent` where the exponent is itself differentiated.
    pub fn pow_value(&self, exponent: &Value) -> Value {
        self.binary(BinaryOp::Pow, exponent)
    }

    crate::calculus::unary_op_methods!();
}

impl From<f64> for Value {
    fn from(data: f64) -> Value {
        Value::new(data)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value(data={:?}, grad={:?})", self.data(), self.grad())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

graph::graph_node!(Node, Op::Leaf, recycle = crate::node_pool::recycle);

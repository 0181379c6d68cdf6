//! Freed scalar nodes, kept per thread for the next nodes made.
//!
//! A node's whole life in a small graph (made, walked, its chain-rule step, freed)
//! costs a few hundred instructions, and with the system allocator a third of that
//! was the allocation and the free of its `Rc`. A freed node's `Rc` therefore goes
//! onto this thread's pool instead, emptied (no operands, no label, no custom hook),
//! and `Value` construction takes one from there when it can: a pop and a store in
//! place of a `malloc`, a push in place of a `free`. The node stays an
//! `Rc<RefCell<Node>>`; only its memory is reused.
//!
//! The pool is last in, first out, and a freed graph's nodes go on it from the
//! highest address down (`graph::drop_operands_iteratively` sorts them), so the next
//! graph is built lowest address first, just as from the allocator's own free list:
//! the layout that keeps a long training run from slowing down (docs/performance.md).

use std::cell::RefCell;
use std::rc::Rc;

use crate::op::Op;
use crate::value::Node;

/// At most this many freed nodes (7 MB) are kept per thread: all but 282 of a
/// training step of Karpathy's demo (65,818 nodes), so its every step reuses almost
/// all of the last one's nodes. Beyond it they go back to the allocator.
const CAPACITY: usize = 1 << 16;

thread_local! {
    /// Every entry is the only handle to an emptied node (`Op::Leaf`, no label).
    static POOL: RefCell<Vec<Rc<RefCell<Node>>>> = const { RefCell::new(Vec::new()) };
}

/// `f` on this thread's pool; None, without calling `f`, once the thread is tearing
/// down its pool, or if the pool is borrowed (it cannot be: every `f` here is a push,
/// a pop or a length, which run no other code).
#[inline]
fn with_pool<R>(f: impl FnOnce(&mut Vec<Rc<RefCell<Node>>>) -> R) -> Option<R> {
    POOL.try_with(|pool| pool.try_borrow_mut().ok().map(|mut pooled| f(&mut pooled)))
        .ok()
        .flatten()
}

/// Bytes of the freed nodes this thread keeps for reuse (see `Value::pooled_bytes`).
pub(crate) fn pooled_bytes() -> usize {
    with_pool(|pooled| pooled.len()).unwrap_or(0) * crate::Value::node_bytes()
}

/// `node` in a shared cell: a pooled one if the pool has any, else a new allocation.
#[inline]
pub(crate) fn new_node(node: Node) -> Rc<RefCell<Node>> {
    if let Some(mut rc) = with_pool(Vec::pop).flatten() {
        // Always unique (pooled nodes have no other handle): `get_mut` only proves it.
        if let Some(cell) = Rc::get_mut(&mut rc) {
            // SAFETY: the slot is a valid, exclusively borrowed node; writing over it
            // skips its drop, which is a no-op for an emptied node (it owns nothing).
            unsafe { std::ptr::write(cell.get_mut(), node) };
            return rc;
        }
    }
    Rc::new(RefCell::new(node))
}

/// Releases one handle: the last handle to a node frees the graph only it kept alive
/// (without recursion, `graph.rs`) and pools the node; any other just counts down.
#[inline]
pub(crate) fn release(mut rc: Rc<RefCell<Node>>) {
    let Some(cell) = Rc::get_mut(&mut rc) else {
        return; // shared: dropping `rc` is one reference fewer
    };
    empty(cell.get_mut());
    // A full pool (or none) leaves `rc` to be freed with the closure.
    with_pool(|pooled| {
        if pooled.len() < CAPACITY {
            pooled.push(rc);
        }
    });
}

/// Takes everything a node owns but its memory: operands (freeing the nodes only it
/// held, iteratively), custom op and hook, label.
#[inline]
fn empty(node: &mut Node) {
    if crate::graph::GraphNode::may_free_an_operand(node) {
        crate::graph::drop_operands_iteratively(node);
    }
    // Operands still held are shared: dropping them here only counts them down.
    node.op = Op::Leaf;
    node.label = None;
}

/// Pools emptied nodes, each the only handle to its node, while there is room; the
/// first one given is the first one the pool hands back after any pushed later.
pub(crate) fn recycle(mut nodes: impl Iterator<Item = Rc<RefCell<Node>>>) {
    with_pool(|pooled| {
        let room = CAPACITY.saturating_sub(pooled.len());
        pooled.extend(nodes.by_ref().take(room));
    });
    // Whatever did not fit (or outlived the thread's pool) is freed here.
    nodes.for_each(drop);
}

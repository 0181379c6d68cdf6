//! What both engines do to a graph, written once: the topological walk that
//! `backward()` runs, and the iterative drop that frees a graph without recursion.
//!
//! A scalar `Node` and a `TensorNode` share these through `GraphNode`, which says
//! only where a node keeps its operands and its visit mark.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A node shared as `Rc<RefCell<Self>>`, pointing at the nodes it was computed from.
pub(crate) trait GraphNode: Sized {
    /// The operands, in order (none for a leaf).
    fn operands(&self) -> impl Iterator<Item = &Rc<RefCell<Self>>>;

    /// Moves the operands out, leaving a leaf behind.
    fn take_operands(&mut self) -> impl Iterator<Item = Rc<RefCell<Self>>>;

    /// The number of the last walk that reached this node.
    fn visit_mark(&self) -> u64;

    fn set_visit_mark(&mut self, walk: u64);
}

/// Implements `GraphNode` and the iterative `Drop` for a node type whose `op` field
/// has `operands()` (handles by reference) and `into_operands()` (handles by value),
/// and whose handles are newtypes over `Rc<RefCell<node>>`; `$leaf` is the op left
/// behind once the operands are taken. One definition for both engines' nodes.
macro_rules! graph_node {
    ($node:ty, $leaf:expr) => {
        impl $crate::graph::GraphNode for $node {
            fn operands(&self) -> impl Iterator<Item = &::std::rc::Rc<::std::cell::RefCell<Self>>> {
                self.op.operands().into_iter().map(|handle| &handle.0)
            }

            fn take_operands(
                &mut self,
            ) -> impl Iterator<Item = ::std::rc::Rc<::std::cell::RefCell<Self>>> {
                ::std::mem::replace(&mut self.op, $leaf)
                    .into_operands()
                    .into_iter()
                    .map(|handle| handle.0)
            }

            fn visit_mark(&self) -> u64 {
                self.visit_mark
            }

            fn set_visit_mark(&mut self, walk: u64) {
                self.visit_mark = walk;
            }
        }

        /// Dropping a node frees the nodes only it kept alive, without recursion.
        impl Drop for $node {
            fn drop(&mut self) {
                $crate::graph::drop_operands_iteratively(self);
            }
        }
    };
}
pub(crate) use graph_node;

/// Every graph walk takes a fresh number and stamps the nodes it reaches with it,
/// so "visited" is one comparison and nothing has to be cleared afterwards. One
/// counter serves both node types: a number is never reused, whatever it marks.
static NEXT_WALK: AtomicU64 = AtomicU64::new(1);

/// The nodes reachable from `root`, each after all of its operands (root last),
/// calling `enter` on each as the walk first reaches it; a node for which `enter`
/// returns false is left out, with everything reachable only through it.
///
/// Depth-first with an explicit stack: a graph a million ops deep must not touch
/// the call stack.
pub(crate) fn topological_order<N: GraphNode>(
    root: &Rc<RefCell<N>>,
    mut enter: impl FnMut(&mut N) -> bool,
) -> Vec<Rc<RefCell<N>>> {
    let walk = NEXT_WALK.fetch_add(1, Ordering::Relaxed);
    let mut order = Vec::new();
    // (node, operands already pushed?)
    let mut stack = vec![(Rc::clone(root), false)];
    while let Some((rc, expanded)) = stack.pop() {
        if expanded {
            order.push(rc);
            continue;
        }
        let mut node = rc.borrow_mut();
        if node.visit_mark() == walk {
            continue;
        }
        node.set_visit_mark(walk);
        if !enter(&mut node) {
            continue;
        }
        stack.push((Rc::clone(&rc), true));
        for operand in node.operands() {
            if operand.borrow().visit_mark() != walk {
                stack.push((Rc::clone(operand), false));
            }
        }
    }
    order
}

/// Frees the nodes only `node` kept alive, with an explicit stack: the default
/// recursive drop of a 10^5-deep `Rc` chain overflows the thread's stack. Called
/// from each node type's `Drop`.
pub(crate) fn drop_operands_iteratively<N: GraphNode>(node: &mut N) {
    let mut orphans = Vec::new();
    take_sole_operands(node, &mut orphans);
    while let Some(rc) = orphans.pop() {
        if let Ok(cell) = Rc::try_unwrap(rc) {
            let mut orphan = cell.into_inner();
            take_sole_operands(&mut orphan, &mut orphans);
            // `orphan` drops here with no operands left: no recursion.
        }
    }
}

/// Moves the operands that nobody else holds onto `orphans`; shared operands just
/// lose one reference.
///
/// The operands are released one at a time, checking each count after the previous
/// release: in `y + y` the op holds `y` twice, so `y` only becomes sole-owned once
/// the first of the two references is gone.
fn take_sole_operands<N: GraphNode>(node: &mut N, orphans: &mut Vec<Rc<RefCell<N>>>) {
    // Fast path: an operand held three or more times is shared beyond this node.
    if !node.operands().any(|rc| Rc::strong_count(rc) <= 2) {
        return;
    }
    for operand in node.take_operands() {
        if Rc::strong_count(&operand) == 1 {
            orphans.push(operand);
        }
        // else: dropped here, one reference fewer, and someone else still holds it
    }
}

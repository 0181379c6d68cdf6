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
///
/// The nodes are first all found (each keeps its memory until the end), then freed
/// from the highest address down. An allocator's free list is last in, first out,
/// so the next graph gets this memory back lowest address first: built in ascending
/// address order, laid out in the order it is built, which is close to the order
/// `backward()` walks it. Freed in the order the walk finds them instead, a graph
/// built while the previous one is alive (Karpathy's loop rebinds `total_loss` only
/// once the new graph exists) takes the freed memory in a scrambled order, and each
/// scrambling feeds the next: after ~200 steps the nodes a walk visits one after the
/// other are kilobytes apart, and the step is slower (docs/performance.md).
pub(crate) fn drop_operands_iteratively<N: GraphNode>(node: &mut N) {
    let mut pending = Vec::new();
    take_sole_operands(node, &mut pending);
    if pending.is_empty() {
        return;
    }
    // Each orphan as the address `Rc::into_raw` gives, to sort as plain numbers.
    let mut found: Vec<usize> = Vec::new();
    while let Some(mut rc) = pending.pop() {
        // Pushed as the only handle; if another appeared meanwhile (a hook dropped
        // above may run host code), the node is someone else's: one reference fewer.
        let Some(cell) = Rc::get_mut(&mut rc) else {
            continue;
        };
        take_sole_operands(cell.get_mut(), &mut pending);
        found.push(Rc::into_raw(rc) as usize);
    }
    sort_addresses(&mut found);
    for &address in found.iter().rev() {
        // SAFETY: each address came from `Rc::into_raw` above, exactly once; this
        // gives the one reference back and drops it, freeing a node with no operands.
        drop(unsafe { Rc::from_raw(address as *const RefCell<N>) });
    }
}

/// Bits of a node address that never vary: an `Rc`'s pointee is at least 8-aligned.
const ALIGNMENT_BITS: u32 = 3;
/// Radix digits of 11 bits: two passes sort the addresses of a graph spanning 16 MB,
/// three any graph up to 64 GB.
const DIGIT_BITS: u32 = 11;
const MAX_PASSES: usize = 3;

/// Sorts node addresses ascending: a least-significant-digit radix sort of their
/// offsets from the lowest, about 25 instructions per address, where a comparison
/// sort of a 65,000-node graph's addresses cost a fifth of a training step. Short
/// lists, and addresses spread over more than 64 GB, take the comparison sort.
fn sort_addresses(addresses: &mut Vec<usize>) {
    const DIGITS: usize = 1 << DIGIT_BITS;
    let (Some(&min), Some(&max)) = (addresses.iter().min(), addresses.iter().max()) else {
        return;
    };
    let span_bits = usize::BITS - ((max - min) >> ALIGNMENT_BITS).leading_zeros();
    let passes = span_bits.div_ceil(DIGIT_BITS) as usize;
    if addresses.len() < 256 || passes > MAX_PASSES {
        addresses.sort_unstable();
        return;
    }
    let digit = |address: usize, pass: usize| {
        ((address - min) >> (ALIGNMENT_BITS + DIGIT_BITS * pass as u32)) & (DIGITS - 1)
    };
    // Every pass's digit counts in one read of the addresses.
    let mut starts = [[0usize; DIGITS]; MAX_PASSES];
    for &address in addresses.iter() {
        for (pass, counts) in starts.iter_mut().enumerate().take(passes) {
            counts[digit(address, pass)] += 1;
        }
    }
    let mut scratch = vec![0usize; addresses.len()];
    for (pass, starts) in starts.iter_mut().enumerate().take(passes) {
        let mut next = 0;
        for start in starts.iter_mut() {
            let count = *start;
            *start = next;
            next += count;
        }
        for &address in addresses.iter() {
            let slot = &mut starts[digit(address, pass)];
            scratch[*slot] = address;
            *slot += 1;
        }
        std::mem::swap(addresses, &mut scratch);
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

#[cfg(test)]
mod tests {
    use super::sort_addresses;

    #[test]
    fn sort_addresses_sorts_short_long_narrow_and_wide_lists() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as usize
        };
        for (len, spread) in [
            (0, 8),
            (1, 8),
            (100, 1 << 20),
            (5000, 1 << 12),
            (5000, 1 << 24),
        ]
        .into_iter()
        .chain([(70_000, 1 << 30), (3000, 1 << 45), (3000, usize::MAX >> 4)])
        {
            let base = 0x7f00_0000_0000usize & !7;
            let mut addresses: Vec<usize> = (0..len)
                .map(|_| base.wrapping_add((random() % spread) & !7))
                .collect();
            let mut expected = addresses.clone();
            expected.sort_unstable();
            sort_addresses(&mut addresses);
            assert_eq!(addresses, expected, "{len} addresses spread over {spread}");
        }
    }
}

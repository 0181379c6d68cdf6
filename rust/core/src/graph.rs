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
    /// Calls `f` on each operand, in order (never for a leaf).
    fn each_operand(&self, f: impl FnMut(&Rc<RefCell<Self>>));

    /// Moves the operands out, in order, leaving a leaf behind.
    fn take_each_operand(&mut self, f: impl FnMut(Rc<RefCell<Self>>));

    /// True when dropping this node may free one of its operands: one it holds all
    /// the handles to. May err towards true (the drop then checks each operand),
    /// never towards false: a node freed with operands it alone held would free
    /// them by recursion.
    fn may_free_an_operand(&self) -> bool;

    /// The number of the last walk that reached this node.
    fn visit_mark(&self) -> u64;

    fn set_visit_mark(&mut self, walk: u64);

    /// Disposes of nodes a drop found only it held, each the only handle to a node
    /// whose operands are taken, highest address first: freed in that order, unless
    /// the node type keeps them for reuse (`node_pool.rs`).
    fn recycle(nodes: impl Iterator<Item = Rc<RefCell<Self>>>);
}

/// `GraphNode::recycle` for a node type that keeps nothing: frees them in order.
pub(crate) fn free_all<N>(nodes: impl Iterator<Item = Rc<RefCell<N>>>) {
    nodes.for_each(drop);
}

/// Implements `GraphNode` and the iterative `Drop` for a node type whose `op` field
/// has `each_operand(f)` (handles by reference) and `into_each_operand(f)` (by value),
/// and whose handles are newtypes over `Rc<RefCell<node>>`; `$leaf` is the op left
/// behind once the operands are taken, and `$recycle`, if given, replaces
/// `GraphNode::recycle`. One definition for both engines' nodes.
macro_rules! graph_node {
    ($node:ty, $leaf:expr) => {
        $crate::graph::graph_node!($node, $leaf, recycle = $crate::graph::free_all);
    };
    ($node:ty, $leaf:expr, recycle = $recycle:expr) => {
        impl $crate::graph::GraphNode for $node {
            #[inline]
            fn each_operand(&self, mut f: impl FnMut(&::std::rc::Rc<::std::cell::RefCell<Self>>)) {
                self.op.each_operand(|handle| f(&handle.0));
            }

            #[inline]
            fn take_each_operand(
                &mut self,
                mut f: impl FnMut(::std::rc::Rc<::std::cell::RefCell<Self>>),
            ) {
                ::std::mem::replace(&mut self.op, $leaf)
                    .into_each_operand(|handle| f(handle.into_rc()));
            }

            #[inline]
            fn may_free_an_operand(&self) -> bool {
                self.op.may_free_an_operand()
            }

            fn visit_mark(&self) -> u64 {
                self.visit_mark
            }

            fn set_visit_mark(&mut self, walk: u64) {
                self.visit_mark = walk;
            }

            fn recycle(nodes: impl Iterator<Item = ::std::rc::Rc<::std::cell::RefCell<Self>>>) {
                ($recycle)(nodes)
            }
        }

        /// Dropping a node frees the nodes only it kept alive, without recursion.
        impl Drop for $node {
            #[inline]
            fn drop(&mut self) {
                // Most drops free nothing (a leaf, or a node whose operands live on):
                // that test stays inline, the freeing itself does not.
                if $crate::graph::GraphNode::may_free_an_operand(self) {
                    $crate::graph::drop_operands_iteratively(self);
                }
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
pub(crate) fn topological_order<N: GraphNode>(
    root: &Rc<RefCell<N>>,
    enter: impl FnMut(&mut N) -> bool,
) -> Vec<Rc<RefCell<N>>> {
    let mut order = Vec::new();
    topological_order_into(root, enter, &mut order);
    order
}

/// `topological_order`, appended to `order` (a caller that walks often keeps one
/// buffer instead of allocating one per walk).
///
/// Depth-first with an explicit stack: a graph a million ops deep must not touch
/// the call stack. The stack holds plain addresses, not `Rc` clones: nothing runs
/// during the walk but `enter`, so every node stays owned by the graph under `root`.
pub(crate) fn topological_order_into<N: GraphNode>(
    root: &Rc<RefCell<N>>,
    mut enter: impl FnMut(&mut N) -> bool,
    order: &mut Vec<Rc<RefCell<N>>>,
) {
    let walk = NEXT_WALK.fetch_add(1, Ordering::Relaxed);
    let mut stack = scratch::take(&scratch::WALK);
    // (node, operands already pushed?), the flag in the address's low bit: an
    // `Rc`'s pointee is 8-aligned.
    stack.push(Rc::as_ptr(root) as usize);
    while let Some(entry) = stack.pop() {
        let expanded = entry & 1 == 1;
        // SAFETY: every address on the stack is a node reachable from `root`, which
        // the caller holds; the walk changes no operands, so none is freed meanwhile.
        let cell = unsafe { &*((entry & !1) as *const RefCell<N>) };
        if expanded {
            // SAFETY: as above; one more strong reference, owned by `order`.
            order.push(unsafe {
                Rc::increment_strong_count(cell);
                Rc::from_raw(cell)
            });
            continue;
        }
        let mut node = cell.borrow_mut();
        if node.visit_mark() == walk {
            continue;
        }
        node.set_visit_mark(walk);
        if !enter(&mut node) {
            continue;
        }
        stack.push(entry | 1);
        node.each_operand(|operand| {
            if operand.borrow().visit_mark() != walk {
                stack.push(Rc::as_ptr(operand) as usize);
            }
        });
    }
    scratch::give_back(&scratch::WALK, stack);
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
#[inline(never)]
pub(crate) fn drop_operands_iteratively<N: GraphNode>(node: &mut N) {
    // Both lists hold addresses from `Rc::into_raw`, each one strong reference.
    let mut pending = scratch::take(&scratch::PENDING);
    let mut found = scratch::take(&scratch::FOUND);
    take_sole_operands(node, &mut pending);
    while let Some(address) = pending.pop() {
        // SAFETY: pushed by `take_sole_operands` from `Rc::into_raw`, popped once.
        let mut rc = unsafe { Rc::from_raw(address as *const RefCell<N>) };
        // Pushed as the only handle; if another appeared meanwhile (a hook dropped
        // above may run host code), the node is someone else's: one reference fewer.
        let Some(cell) = Rc::get_mut(&mut rc) else {
            continue;
        };
        take_sole_operands(cell.get_mut(), &mut pending);
        found.push(Rc::into_raw(rc) as usize);
    }
    // A drop of a few dozen to a few hundred nodes is left in the order found: it is a
    // small finished graph (a temporary's few nodes are sorted below, a big graph's
    // above), whose nodes lie within kilobytes of each other whatever the order, and
    // sorting them would be a fifth of the cost of freeing them.
    if found.len() <= SHORT_LIST || found.len() >= RADIX_MIN_LIST {
        sort_addresses(&mut found);
    }
    // SAFETY: each address came from `Rc::into_raw` above, exactly once; this gives
    // the one reference back, to a node with no operands.
    N::recycle(
        found
            .iter()
            .rev()
            .map(|&address| unsafe { Rc::from_raw(address as *const RefCell<N>) }),
    );
    found.clear();
    scratch::give_back(&scratch::FOUND, found);
    scratch::give_back(&scratch::PENDING, pending);
}

/// Bits of a node address that never vary: an `Rc`'s pointee is at least 8-aligned.
const ALIGNMENT_BITS: u32 = 3;
/// Radix digits of 11 bits: two passes sort the addresses of a graph spanning 16 MB,
/// three any graph up to 64 GB.
const DIGIT_BITS: u32 = 11;
const MAX_PASSES: usize = 3;

/// Sorts node addresses ascending: a least-significant-digit radix sort of their
/// offsets from the lowest, about 40 instructions per address, where a comparison
/// sort of a 65,000-node graph's addresses cost a fifth of a training step. Lists of
/// up to 16 take an insertion sort; other short lists, and addresses spread over
/// more than 64 GB, the standard comparison sort.
fn sort_addresses(addresses: &mut Vec<usize>) {
    if addresses.len() <= SHORT_LIST {
        insertion_sort(addresses);
        return;
    }
    let (min, max) = addresses
        .iter()
        .fold((usize::MAX, 0), |(min, max), &a| (min.min(a), max.max(a)));
    let span_bits = usize::BITS - ((max - min) >> ALIGNMENT_BITS).leading_zeros();
    let passes = span_bits.div_ceil(DIGIT_BITS) as usize;
    if addresses.len() < RADIX_MIN_LIST || passes > MAX_PASSES {
        addresses.sort_unstable();
        return;
    }
    match passes {
        0 => {} // all equal
        1 => radix_sort::<1>(addresses, min),
        2 => radix_sort::<2>(addresses, min),
        _ => radix_sort::<3>(addresses, min),
    }
}

/// `PASSES` rounds of a least-significant-digit radix sort on `address - min`; the
/// pass count is a constant so that the per-address loops unroll.
///
/// Out of line, and its tables on the heap: kept inline, the tables' 48 KB stack
/// frame would be probed page by page on every drop, even one freeing a single node.
#[inline(never)]
fn radix_sort<const PASSES: usize>(addresses: &mut Vec<usize>, min: usize) {
    const DIGITS: usize = 1 << DIGIT_BITS;
    let digit = |address: usize, pass: usize| {
        ((address - min) >> (ALIGNMENT_BITS + DIGIT_BITS * pass as u32)) & (DIGITS - 1)
    };
    // Every pass's digit counts in one read of the addresses.
    let mut starts = vec![[0usize; DIGITS]; PASSES];
    for &address in addresses.iter() {
        for (pass, counts) in starts.iter_mut().enumerate() {
            counts[digit(address, pass)] += 1;
        }
    }
    let mut scratch = vec![0usize; addresses.len()];
    for (pass, starts) in starts.iter_mut().enumerate() {
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

/// Lists up to this long are insertion-sorted: most drops that free anything free a
/// handful of nodes (a temporary and the few only it held), and the general sorts'
/// fixed costs would be most of such a drop.
const SHORT_LIST: usize = 16;

fn insertion_sort(addresses: &mut [usize]) {
    for i in 1..addresses.len() {
        let address = addresses[i];
        let mut j = i;
        while j > 0 && addresses[j - 1] > address {
            addresses[j] = addresses[j - 1];
            j -= 1;
        }
        addresses[j] = address;
    }
}

/// Lists shorter than this take the comparison sort: the radix sort's counting
/// tables cost more than they save.
const RADIX_MIN_LIST: usize = 256;

/// Moves the operands that nobody else holds onto `orphans` (as `Rc::into_raw`
/// addresses); shared operands just lose one reference.
///
/// The operands are released one at a time, checking each count after the previous
/// release: in `y + y` the op holds `y` twice, so `y` only becomes sole-owned once
/// the first of the two references is gone.
fn take_sole_operands<N: GraphNode>(node: &mut N, orphans: &mut Vec<usize>) {
    node.take_each_operand(|operand| {
        if Rc::strong_count(&operand) == 1 {
            orphans.push(Rc::into_raw(operand) as usize);
        }
        // else: dropped here, one reference fewer, and someone else still holds it
    });
}

/// Per-thread buffers of node addresses, reused from walk to walk and drop to drop
/// so that a small graph's backward and free allocate nothing but its nodes. A
/// reentrant user (a custom hook that backpropagates another graph, a dropped hook
/// that frees one) finds the buffer taken and starts an empty one.
pub(crate) mod scratch {
    use std::cell::Cell;
    use std::thread::LocalKey;

    /// Buffers above this many entries (1 MB) are freed, not kept: a training
    /// step's graph fits (Karpathy's demo has 65,818 nodes, which a `Vec` grown by
    /// doubling holds in 131,072 entries), and a thread holds at most four such
    /// buffers, 4 MB, between graphs (these three and backward's order).
    const KEPT_CAPACITY: usize = 1 << 17;

    thread_local! {
        pub(super) static WALK: Cell<Vec<usize>> = const { Cell::new(Vec::new()) };
        pub(super) static PENDING: Cell<Vec<usize>> = const { Cell::new(Vec::new()) };
        pub(super) static FOUND: Cell<Vec<usize>> = const { Cell::new(Vec::new()) };
    }

    /// The thread's buffer, left empty in its place; a fresh one if it is taken
    /// (a reentrant user) or gone (thread teardown).
    pub(crate) fn take<T: 'static>(buffer: &'static LocalKey<Cell<Vec<T>>>) -> Vec<T> {
        buffer.try_with(Cell::take).unwrap_or_default()
    }

    /// Returns an emptied buffer for the next user (freed if it grew too big).
    pub(crate) fn give_back<T: 'static>(buffer: &'static LocalKey<Cell<Vec<T>>>, list: Vec<T>) {
        debug_assert!(list.is_empty());
        if list.capacity() <= KEPT_CAPACITY {
            let _ = buffer.try_with(|cell| cell.set(list));
        }
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

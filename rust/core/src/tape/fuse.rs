//! Building a tape's program (`run.rs`) from its slots, fusing each `*` into the `+`
//! that uses it where that changes nothing but the speed.
//!
//! Karpathy's neuron is `sum((wi * xi for ...), b)`: a chain of adds, each taking a
//! product, so half the slots of a training step's graph are multiplies used once by
//! an add. One instruction for the pair does half the dispatches and never stores
//! the product or its grad. A `*` at slot `m` is fused into the `+` at slot `a` that
//! uses it when:
//!
//! - `a` is its only use (and the `+` uses it once), and it is not an output: no one
//!   else reads its value or grad;
//! - no slot between `m` and `a` uses either operand of the `*`. Backward then adds
//!   into those operands' grads at `a` instead of at `m` with nothing in between
//!   adding into them, so each grad sums the same terms in the same order; forward
//!   computes the product later, from operands that no longer change.
//!
//! The fused slot keeps its row (`Tape::table` shows it, with its value and grad
//! computed from its operands and its add's) and its op in `kinds`, marked `FUSED`.

use super::run::{Program, ADD_MUL, CHAINED, MUL_ADD};
use super::{encode_binary, BINARY, FUSED, LEAF};
use crate::calculus::BinaryOp;

/// The program of the slots `kinds`/`lhs`/`rhs`, marking in `kinds` the multiplies
/// it fuses; `outputs` are never fused away. With `fuse` false, one instruction per
/// op slot (the tests compare the two).
pub(super) fn program(
    kinds: &mut [u8],
    lhs: &[u32],
    rhs: &[u32],
    outputs: &[u32],
    fuse: bool,
) -> Program {
    let n = kinds.len();
    let (add, mul) = (encode_binary(BinaryOp::Add), encode_binary(BinaryOp::Mul));
    let uses = if fuse {
        Uses::of(kinds, lhs, rhs)
    } else {
        Uses::default()
    };
    let mut output = vec![false; n];
    for &slot in outputs {
        output[slot as usize] = true;
    }
    // Whether the multiply at slot `m` may be computed inside the add at slot `a`.
    let fusable = |kinds: &[u8], m: u32, a: u32| {
        let m_ = m as usize;
        fuse && kinds[m_] == mul
            && !output[m_]
            && uses.count(m) == 1
            && uses.none_between(lhs[m_], m, a)
            && uses.none_between(rhs[m_], m, a)
    };
    // First which multiplies are fused (each before the add that uses it), then
    // the instructions.
    for slot in 0..n {
        let (a, b, here) = (lhs[slot], rhs[slot], slot as u32);
        if kinds[slot] != add {
            continue;
        }
        if fusable(kinds, b, here) {
            kinds[b as usize] |= FUSED;
        } else if fusable(kinds, a, here) {
            kinds[a as usize] |= FUSED;
        }
    }
    let mut program = Program::default();
    for slot in 0..n {
        let (kind, a, b, here) = (kinds[slot], lhs[slot], rhs[slot], slot as u32);
        let fused = |operand: u32| kinds[operand as usize] & FUSED != 0;
        if kind == LEAF || kind & FUSED != 0 {
            continue;
        }
        let (op, args) = if kind == add && fused(b) {
            (ADD_MUL, [here, a, lhs[b as usize], rhs[b as usize]])
        } else if kind == add && fused(a) {
            (MUL_ADD, [here, b, lhs[a as usize], rhs[a as usize]])
        } else {
            (kind, [here, a, b, 0])
        };
        let [_, acc, w, x] = args;
        let chained = op >= ADD_MUL
            && program.args.last().is_some_and(|last| last[0] == acc)
            && acc != w
            && acc != x;
        program.push(if chained { op | CHAINED } else { op }, args);
    }
    program.shrink_to_fit();
    program
}

/// Where each slot is used: the slots that take it as an operand, ascending.
#[derive(Default)]
struct Uses {
    /// Slot `s`'s uses are `users[start[s]..start[s + 1]]`.
    start: Vec<usize>,
    users: Vec<u32>,
}

impl Uses {
    fn of(kinds: &[u8], lhs: &[u32], rhs: &[u32]) -> Uses {
        let n = kinds.len();
        // Calls `f(operand, user)` for every operand of every slot, in slot order:
        // none for a leaf, `lhs` for a unary op (its `rhs` indexes a parameter).
        let each = |f: &mut dyn FnMut(u32, u32)| {
            for s in 0..n {
                match kinds[s] {
                    LEAF => {}
                    k if k < BINARY => f(lhs[s], s as u32),
                    _ => {
                        f(lhs[s], s as u32);
                        f(rhs[s], s as u32);
                    }
                }
            }
        };
        let mut start = vec![0usize; n + 1];
        each(&mut |operand, _| start[operand as usize + 1] += 1);
        for s in 0..n {
            start[s + 1] += start[s];
        }
        let mut next = start.clone();
        let mut users = vec![0u32; start[n]];
        each(&mut |operand, user| {
            users[next[operand as usize]] = user;
            next[operand as usize] += 1;
        });
        Uses { start, users }
    }

    fn users(&self, slot: u32) -> &[u32] {
        let s = slot as usize;
        &self.users[self.start[s]..self.start[s + 1]]
    }

    /// How many times slot `slot` is an operand.
    fn count(&self, slot: u32) -> usize {
        self.users(slot).len()
    }

    /// True when no slot strictly between `from` and `to` uses `slot`.
    fn none_between(&self, slot: u32, from: u32, to: u32) -> bool {
        let users = self.users(slot);
        let after = users.partition_point(|&user| user <= from);
        users.get(after).is_none_or(|&user| user >= to)
    }
}

//! Running a tape: the program the replays execute, and the forward and backward
//! loops over it.
//!
//! The slots (`Tape::kinds`, `lhs`, `rhs`) say what the recorded graph is; the
//! *program* says what a replay does, one instruction per slot that computes
//! something: leaves are left out (their values are set from outside or fixed), and
//! a `*` fused into the `+` that uses it (`fuse.rs`) is computed inside that `+`'s
//! instruction. Each instruction is its op code and four slot numbers, `[out, a, b,
//! c]`: the slot it computes and its operands (for a unary op, `b` is the index of
//! its parameter in `op_params`; only a fused instruction reads `c`). A fused
//! instruction's code may carry `CHAINED`.
//!
//! Every instruction calls the one calculus (`calculus.rs`) for its values and
//! derivatives; a fused one calls it for the `*` and then for the `+`, doing the
//! floating-point operations of the two slots it stands for, in their order.

use crate::calculus::{with_binary_kind, with_unary_kind, BinaryOp};

use super::{decode_binary, decode_unary, BINARY};

/// `acc + w * x`: an add whose second operand is a fused multiply; `[out, acc, w, x]`.
pub(super) const ADD_MUL: u8 = 32;
/// `w * x + acc`: an add whose first operand is a fused multiply; `[out, acc, w, x]`.
pub(super) const MUL_ADD: u8 = 33;
/// Set on a fused instruction whose `acc` is the previous instruction's `out` (and
/// neither `w` nor `x`): a neuron's chain of sums. Forward then takes `acc` from the
/// register the previous instruction left it in, and backward hands the grad it adds
/// into `acc` on to the next instruction down the same way, instead of each link of
/// the chain waiting for a store to memory to come back as a load.
pub(super) const CHAINED: u8 = 64;

/// What a replay executes; see the module documentation.
#[derive(Clone, Debug, Default)]
pub(super) struct Program {
    pub(super) ops: Vec<u8>,
    /// `[out, a, b, c]` per instruction.
    pub(super) args: Vec<[u32; 4]>,
}

impl Program {
    pub(super) fn push(&mut self, op: u8, args: [u32; 4]) {
        self.ops.push(op);
        self.args.push(args);
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.ops.shrink_to_fit();
        self.args.shrink_to_fit();
    }

    pub(super) fn nbytes(&self) -> usize {
        self.ops.capacity() + self.args.capacity() * std::mem::size_of::<[u32; 4]>()
    }
}

/// The fused multiply's value and the add's: the `*` slot's op, then the `+` slot's,
/// with the product on the side of the add it was recorded on.
#[inline(always)]
fn fused_forward(op: u8, acc: f64, w: f64, x: f64) -> (f64, f64) {
    let product = BinaryOp::Mul.apply(w, x);
    let sum = if op & !CHAINED == ADD_MUL {
        BinaryOp::Add.apply(acc, product)
    } else {
        BinaryOp::Add.apply(product, acc)
    };
    (product, sum)
}

/// Recomputes every value, first instruction to last.
///
/// # Safety
/// Every slot number in `program` is below `values.len()`, every unary op's `b`
/// below `op_params.len()`, each instruction's operands are computed before it (or
/// are leaves), and `CHAINED` is set only as its documentation says: what
/// `fuse::program` builds from a recorded tape.
pub(super) unsafe fn forward(program: &Program, op_params: &[f64], values: &mut [f64]) {
    // The previous instruction's value.
    let mut last = 0.0;
    for (&op, &[out, a, b, c]) in program.ops.iter().zip(&program.args) {
        let (out, a, b, c) = (out as usize, a as usize, b as usize, c as usize);
        // SAFETY: the indices are in bounds (the caller's promise).
        unsafe {
            // A neuron's chain of sums first: most instructions of a training step.
            if op == ADD_MUL | CHAINED {
                let (w, x) = (*values.get_unchecked(b), *values.get_unchecked(c));
                last = fused_forward(op, last, w, x).1;
                *values.get_unchecked_mut(out) = last;
                continue;
            }
            let value = if op >= ADD_MUL {
                let (w, x) = (*values.get_unchecked(b), *values.get_unchecked(c));
                if op & CHAINED != 0 {
                    fused_forward(op, last, w, x).1
                } else {
                    fused_forward(op, *values.get_unchecked(a), w, x).1
                }
            } else if op >= BINARY {
                let (x, y) = (*values.get_unchecked(a), *values.get_unchecked(b));
                with_binary_kind!(decode_binary(op), |binary| binary.apply(x, y))
            } else {
                let x = *values.get_unchecked(a);
                with_unary_kind!(decode_unary(op, || *op_params.get_unchecked(b)), |unary| {
                    unary.apply(x)
                })
            };
            *values.get_unchecked_mut(out) = value;
            last = value;
        }
    }
}

/// One loop down the program, each instruction adding its grad times each local
/// derivative into its operands' grads (which the caller has zeroed and seeded).
///
/// A fused instruction does what its two slots did: the add's step (its first
/// operand's grad, then its second's, where the product's grad starts from zero),
/// then the multiply's. Nothing between the two slots touched the grads of the
/// multiply's operands (`fuse.rs` checks that), so every grad receives the same
/// terms in the same order as when the slots ran apart.
///
/// # Safety
/// As for `forward`, with `grads.len() == values.len()`.
pub(super) unsafe fn backward(
    program: &Program,
    op_params: &[f64],
    values: &[f64],
    grads: &mut [f64],
) {
    // The grad of the next instruction's `out`, when the last one was `CHAINED`: it
    // is what that instruction just stored into its `acc`.
    let mut carried = None;
    for (&op, &[out, a, b, c]) in program.ops.iter().zip(&program.args).rev() {
        let (out, a, b, c) = (out as usize, a as usize, b as usize, c as usize);
        // SAFETY: the indices are in bounds (the caller's promise).
        unsafe {
            let grad = match carried {
                Some(grad) => grad,
                None => *grads.get_unchecked(out),
            };
            carried = None;
            if op >= ADD_MUL {
                let (acc, w, x) = (
                    *values.get_unchecked(a),
                    *values.get_unchecked(b),
                    *values.get_unchecked(c),
                );
                let (product, sum) = fused_forward(op, acc, w, x);
                let (product_grad, acc_grad) = if op & !CHAINED == ADD_MUL {
                    let (d_acc, d_product) = BinaryOp::Add.derivatives(acc, product, sum);
                    let acc_grad = *grads.get_unchecked(a) + grad * d_acc;
                    *grads.get_unchecked_mut(a) = acc_grad;
                    (0.0 + grad * d_product, acc_grad)
                } else {
                    let (d_product, d_acc) = BinaryOp::Add.derivatives(product, acc, sum);
                    let product_grad = 0.0 + grad * d_product;
                    let acc_grad = *grads.get_unchecked(a) + grad * d_acc;
                    *grads.get_unchecked_mut(a) = acc_grad;
                    (product_grad, acc_grad)
                };
                let (dw, dx) = BinaryOp::Mul.derivatives(w, x, product);
                *grads.get_unchecked_mut(b) += product_grad * dw;
                *grads.get_unchecked_mut(c) += product_grad * dx;
                if op & CHAINED != 0 {
                    // `acc` is neither `w` nor `x`: `acc_grad` is its grad now.
                    carried = Some(acc_grad);
                }
            } else if op >= BINARY {
                let out_value = *values.get_unchecked(out);
                let (dx, dy) = with_binary_kind!(decode_binary(op), |binary| {
                    let (x, y) = if binary.derivatives_read_operands() {
                        (*values.get_unchecked(a), *values.get_unchecked(b))
                    } else {
                        (0.0, 0.0)
                    };
                    binary.derivatives(x, y, out_value)
                });
                *grads.get_unchecked_mut(a) += grad * dx;
                *grads.get_unchecked_mut(b) += grad * dy;
            } else {
                let (x, out_value) = (*values.get_unchecked(a), *values.get_unchecked(out));
                let d =
                    with_unary_kind!(decode_unary(op, || *op_params.get_unchecked(b)), |unary| {
                        unary.derivative(x, out_value)
                    });
                *grads.get_unchecked_mut(a) += grad * d;
            }
        }
    }
}

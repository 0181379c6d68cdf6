//! Fused `acc + w * x` slots (`fuse.rs`): where they fuse, where they must not, and
//! that a fused tape computes the unfused tape's and the scalar graph's numbers, bit
//! for bit.

use super::*;
use crate::{BinaryOp, UnaryOp};

/// The graph `build` makes, recorded with and without fusion.
fn both(build: impl Fn() -> Vec<Value>, inputs: &[Value]) -> (Tape, Tape) {
    let record = |fuse: bool| {
        let recording = Recording::start().expect("not recording yet");
        let outputs = build();
        let created = recording.finish();
        Tape::record_with(&outputs, inputs, &created, fuse).unwrap()
    };
    (record(true), record(false))
}

fn fused_slots(tape: &Tape) -> Vec<usize> {
    (0..tape.len())
        .filter(|&slot| tape.kinds[slot] & FUSED != 0)
        .collect()
}

/// Replays both tapes (inputs, parameters, forward, backward from `output`) and
/// checks that every slot's value and grad agree to the bit.
fn assert_same_replay(fused: &mut Tape, plain: &mut Tape, inputs: &[f64], output: usize) {
    for tape in [&mut *fused, &mut *plain] {
        tape.set_inputs(inputs);
        tape.load_params();
        tape.forward();
        tape.backward(output, 1.0);
    }
    assert_eq!(fused.len(), plain.len());
    for slot in 0..fused.len() {
        let same = |a: f64, b: f64| same_bits(a) == same_bits(b);
        assert!(
            same(fused.value(slot), plain.value(slot)) && same(fused.grad(slot), plain.grad(slot)),
            "slot {slot}: fused ({}, {}) vs unfused ({}, {})\n{}",
            fused.value(slot),
            fused.grad(slot),
            plain.value(slot),
            plain.grad(slot),
            fused.table()
        );
    }
}

/// The scalar graph's gradients of `params` for `root`, then zeroed again.
fn dynamic_grads(root: &Value, params: &[Value]) -> Vec<f64> {
    root.backward();
    let grads = params.iter().map(Value::grad).collect();
    params.iter().for_each(|p| p.set_grad(0.0));
    grads
}

fn tape_grads(tape: &Tape) -> Vec<f64> {
    (0..tape.params().len())
        .map(|i| tape.param_grad(i))
        .collect()
}

/// The numbers' bits, every nan as one: which nan an operation on two nans gives
/// is up to the compiler's operand order (Rust leaves a nan's sign unspecified).
fn bits(numbers: Vec<f64>) -> Vec<u64> {
    numbers.into_iter().map(same_bits).collect()
}

fn same_bits(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

#[test]
fn a_neuron_fuses_each_product_into_its_sum() {
    let x: Vec<Value> = (0..3).map(|i| Value::new(i as f64)).collect();
    let w: Vec<Value> = [0.5, -1.25, 2.0].into_iter().map(Value::new).collect();
    let b = Value::new(0.1);
    let neuron = || {
        let mut act = b.clone();
        for (wi, xi) in w.iter().zip(&x) {
            act += wi * xi;
        }
        vec![act.tanh()]
    };
    let (mut fused, mut plain) = both(neuron, &x);
    assert_eq!(fused_slots(&fused).len(), 3, "{}", fused.table());
    assert!(fused.program.ops.len() < plain.program.ops.len());
    assert!(fused.table().contains("fused into"), "{}", fused.table());
    // The recorded graph reads the same: check mode compares it, error messages
    // describe it.
    assert_eq!(fused.first_difference(&plain), None);
    for slot in 0..fused.len() {
        assert_eq!(fused.describe(slot), plain.describe(slot));
    }
    for inputs in [[0.3, -0.7, 1.1], [2.0, 0.25, -3.5]] {
        assert_same_replay(&mut fused, &mut plain, &inputs, 0);
        for (xi, &v) in x.iter().zip(&inputs) {
            xi.set_data(v);
        }
        assert_eq!(
            tape_grads(&fused),
            dynamic_grads(&neuron()[0], &fused.params)
        );
    }
}

#[test]
fn fused_slots_match_finite_differences_on_either_side_of_the_add() {
    let (acc, w, x) = (Value::new(0.0), Value::new(0.0), Value::new(0.0));
    let inputs = [acc.clone(), w.clone(), x.clone()];
    let cases: [fn(&Value, &Value, &Value) -> Value; 2] =
        [|acc, w, x| acc + w * x, |acc, w, x| w * x + acc];
    for case in cases {
        let (mut tape, _) = both(|| vec![case(&acc, &w, &x).exp()], &inputs);
        assert_eq!(fused_slots(&tape).len(), 1, "{}", tape.table());
        let at = [0.4, -1.3, 0.8];
        let output = |tape: &mut Tape, point: &[f64]| {
            tape.set_inputs(point);
            tape.forward();
            tape.output(0)
        };
        output(&mut tape, &at);
        tape.backward(0, 1.0);
        let exact: Vec<f64> = (0..3).map(|i| tape.input_grad(i)).collect();
        for (i, &exact) in exact.iter().enumerate() {
            let h = 1e-6;
            let (mut up, mut down) = (at, at);
            up[i] += h;
            down[i] -= h;
            let numeric = (output(&mut tape, &up) - output(&mut tape, &down)) / (2.0 * h);
            assert!(
                (exact - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                "input {i}: {exact} vs {numeric}"
            );
        }
    }
}

#[test]
fn a_product_used_twice_or_returned_is_not_fused() {
    let (w, x, c) = (Value::new(1.5), Value::new(-2.0), Value::new(0.25));
    let twice = || {
        let m = &w * &x;
        vec![(&c + &m) * (&m + 1.0)]
    };
    let returned = || {
        let m = &w * &x;
        vec![&c + &m, m]
    };
    for (build, output) in [(&twice as &dyn Fn() -> Vec<Value>, 0), (&returned, 0)] {
        let (mut fused, mut plain) = both(build, &[]);
        assert_eq!(fused_slots(&fused), vec![], "{}", fused.table());
        assert_same_replay(&mut fused, &mut plain, &[], output);
        let outputs = build();
        for (i, out) in outputs.iter().enumerate() {
            assert_eq!(fused.output(i), out.data());
        }
        assert_eq!(
            tape_grads(&fused),
            dynamic_grads(&outputs[output], &fused.params)
        );
    }
}

/// `x` is used by a slot between the product `w * x` (or `x * w`) and its add:
/// fused, its grad would sum the same three terms in another order, which rounds
/// differently here.
#[test]
fn a_product_whose_operand_is_used_before_its_add_is_not_fused() {
    let (x, w, k) = (Value::new(3.0), Value::new(0.3), Value::new(1.0));
    let builds: [&dyn Fn() -> Vec<Value>; 2] = [&|| vec![((&x * &k) + (&w * &x)) * &x], &|| {
        vec![((&x * &k) + (&x * &w)) * &x]
    }];
    for build in builds {
        let (mut fused, mut plain) = both(build, &[]);
        // Slot 2 is `w * x`, slot 4 `x * k`, slot 5 their sum: `x * k` is fused, and
        // `w * x` is not, since slot 4 uses `x`.
        assert_eq!(fused_slots(&fused), vec![4], "{}", fused.table());
        assert_same_replay(&mut fused, &mut plain, &[], 0);
        assert!(fused.params[0].same_node(&x));
        let expected = dynamic_grads(&build()[0], &fused.params);
        assert_eq!(tape_grads(&fused), expected);
        // The other order gives another number: this graph tells the two apart.
        let (c_f, c_o, c_m) = (3.0 * 1.0 + 0.3 * 3.0, 3.0 * 1.0, 3.0 * 0.3);
        assert_eq!(expected[0], ((0.0 + c_f) + c_o) + c_m);
        assert_ne!(expected[0], ((0.0 + c_f) + c_m) + c_o);
    }
}

/// Random graphs of every op, built from a few leaves with many shared operands:
/// the fused tape, the unfused tape and the scalar graph agree to the bit.
#[test]
fn random_graphs_replay_the_same_fused_or_not() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let binary = [
        BinaryOp::Add,
        BinaryOp::Add,
        BinaryOp::Add,
        BinaryOp::Mul,
        BinaryOp::Mul,
        BinaryOp::Mul,
        BinaryOp::Sub,
        BinaryOp::Div,
    ];
    let mut fused_total = 0;
    for round in 0..300 {
        let leaves: Vec<Value> = (0..4)
            .map(|i| Value::new(0.3 + 0.7 * i as f64 - 0.05 * (round % 7) as f64))
            .collect();
        let choices: Vec<usize> = (0..40).map(|_| next(1 << 20)).collect();
        let build = || {
            let mut pool = leaves.clone();
            for &choice in &choices {
                let pick =
                    |k: usize| pool[pool.len() - 1 - (choice >> k) % pool.len().min(6)].clone();
                let node = match choice % 10 {
                    9 => pick(4).unary(UnaryOp::Tanh),
                    op => pick(4).binary(binary[op % binary.len()], &pick(9)),
                };
                pool.push(node);
            }
            // Sometimes two outputs, the second of which may be a product.
            if choices[0] % 3 == 0 {
                vec![pool[pool.len() - 1].clone(), pool[pool.len() - 2].clone()]
            } else {
                vec![pool[pool.len() - 1].clone()]
            }
        };
        let (mut fused, mut plain) = both(build, &[]);
        fused_total += fused_slots(&fused).len();
        assert_same_replay(&mut fused, &mut plain, &[], 0);
        assert_eq!(
            bits(tape_grads(&fused)),
            bits(dynamic_grads(&build()[0], &fused.params)),
            "round {round}\n{}",
            fused.table()
        );
    }
    assert!(fused_total > 100, "{fused_total} slots fused in all");
}

/// Chains of fused sums carry their value and grad in a register (`CHAINED`), except
/// where the running sum is also a factor of the product added to it.
#[test]
fn chained_sums_replay_the_same_even_where_the_sum_is_also_a_factor() {
    let [a, w, x, y, z, v] = [0.7, -1.1, 0.4, 1.9, 0.3, -2.5].map(Value::new);
    let build = || {
        let s = &a + &w * &x;
        let t = &s + &s * &y;
        let u = &t + &y * &t;
        vec![(&u + &z * &v).tanh()]
    };
    let (mut fused, mut plain) = both(build, &[]);
    assert_eq!(fused_slots(&fused).len(), 4, "{}", fused.table());
    let chained = |op: u8| op & run::CHAINED != 0;
    assert_eq!(
        fused.program.ops.iter().filter(|&&op| chained(op)).count(),
        1,
        "only `u + z * v` follows its sum without being a factor"
    );
    assert_same_replay(&mut fused, &mut plain, &[], 0);
    assert_eq!(
        tape_grads(&fused),
        dynamic_grads(&build()[0], &fused.params)
    );
}

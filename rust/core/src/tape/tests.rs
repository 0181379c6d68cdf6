use super::*;
use crate::{readme_expression, BinaryOp, UnaryOp};

fn record(build: impl FnOnce() -> Vec<Value>, inputs: &[Value]) -> Result<Tape, RecordError> {
    let recording = Recording::start().expect("not recording yet");
    let outputs = build();
    let created = recording.finish();
    Tape::record(&outputs, inputs, &created)
}

#[test]
fn replays_karpathys_readme_expression_with_the_engines_gradients() {
    let (a, b) = (Value::new(-4.0), Value::new(2.0));
    let mut tape = record(|| vec![readme_expression(&a, &b)], &[]).unwrap();
    assert_eq!(tape.params().len(), 2);
    assert_eq!(tape.num_inputs(), 0);

    for (x, y) in [(-4.0, 2.0), (1.5, -0.5), (3.0, 7.0)] {
        a.set_data(x);
        b.set_data(y);
        let dynamic = readme_expression(&a, &b);
        dynamic.backward();
        let (da, db) = (a.grad(), b.grad());
        a.set_grad(0.0);
        b.set_grad(0.0);

        tape.load_params();
        tape.forward();
        tape.backward(0, 1.0);
        tape.store_param_grads();
        assert_eq!(tape.output(0), dynamic.data());
        assert_eq!((a.grad(), b.grad()), (da, db));
        a.set_grad(0.0);
        b.set_grad(0.0);
    }
}

#[test]
fn karpathys_numbers_come_out_of_the_tape() {
    let (a, b) = (Value::new(-4.0), Value::new(2.0));
    let shared = SharedTape::new(record(|| vec![readme_expression(&a, &b)], &[]).unwrap());
    shared.borrow_mut().replay(&[]);
    let g = output_value(&shared, 0);
    g.backward();
    assert!((g.data() - 24.7041).abs() < 1e-4);
    assert!((a.grad() - 138.8338).abs() < 1e-4);
    assert!((b.grad() - 645.5773).abs() < 1e-4);
    // Gradients accumulate, as the scalar graph's do.
    g.backward();
    assert!((a.grad() - 2.0 * 138.8338).abs() < 1e-3);
}

#[test]
fn inputs_are_set_before_each_replay_and_constants_are_baked_in() {
    let x = Value::new(0.0);
    let w = Value::new(3.0);
    let mut tape = record(|| vec![(&x * &w + 1.0).tanh()], std::slice::from_ref(&x)).unwrap();
    assert_eq!(tape.len(), 6); // x, w, x*w, 1, +, tanh
    for input in [-1.0, 0.25, 2.0] {
        tape.set_inputs(&[input]);
        tape.load_params();
        tape.forward();
        assert_eq!(tape.output(0), (input * 3.0 + 1.0_f64).tanh());
        tape.backward(0, 1.0);
        let slope = 1.0 - tape.output(0).powi(2);
        assert!((tape.input_grad(0) - 3.0 * slope).abs() < 1e-15);
        assert!((tape.param_grad(0) - input * slope).abs() < 1e-15);
    }
    assert!(tape.describe(0).contains("const 1.0"), "{}", tape.table());
}

#[test]
fn every_op_replays_with_the_calculus_derivatives() {
    let unary = UnaryOp::EVERY_KIND;
    let x = Value::new(0.7);
    let y = Value::new(1.3);
    for op in unary {
        let mut tape = record(|| vec![x.unary(op)], &[]).unwrap();
        tape.load_params();
        tape.forward();
        tape.backward(0, 1.0);
        assert_eq!(tape.output(0), op.apply(0.7));
        assert_eq!(
            tape.param_grad(0),
            op.derivative(0.7, op.apply(0.7)),
            "{op:?}"
        );
    }
    for op in [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
    ] {
        let mut tape = record(|| vec![x.binary(op, &y)], &[]).unwrap();
        tape.load_params();
        tape.forward();
        tape.backward(0, 1.0);
        tape.store_param_grads();
        let (dx, dy) = op.derivatives(0.7, 1.3, op.apply(0.7, 1.3));
        assert_eq!((x.grad(), y.grad()), (dx, dy), "{op:?}");
        x.set_grad(0.0);
        y.set_grad(0.0);
    }
}

#[test]
fn several_outputs_share_one_tape() {
    let w = Value::new(2.0);
    let mut tape = record(|| vec![&w * 3.0, w.exp()], &[]).unwrap();
    tape.load_params();
    tape.forward();
    assert_eq!(tape.output(0), 6.0);
    tape.backward(1, 1.0);
    assert_eq!(tape.param_grad(0), 2.0_f64.exp());
}

#[test]
fn a_custom_op_is_refused_by_name() {
    let x = Value::new(1.0);
    let error = record(|| vec![Value::custom(2.0, vec![x.clone()], "myexp")], &[]).unwrap_err();
    assert_eq!(
        error,
        RecordError::CustomOp {
            name: "myexp".into()
        }
    );
    assert!(error.to_string().contains("'myexp'"));
}

#[test]
fn a_stale_output_refuses_backward() {
    let w = Value::new(2.0);
    let shared = SharedTape::new(record(|| vec![&w * &w], &[]).unwrap());
    shared.borrow_mut().replay(&[]);
    let first = output_value(&shared, 0);
    shared.borrow_mut().replay(&[]);
    let error = first.try_backward().unwrap_err();
    assert_eq!(
        error.downcast_ref::<String>().map(String::as_str),
        Some(STALE_OUTPUT)
    );
}

#[test]
fn an_output_nothing_else_holds_is_reused_as_a_new_one() {
    let w = Value::new(2.0);
    let shared = SharedTape::new(record(|| vec![&w * &w], &[]).unwrap());
    shared.borrow_mut().replay(&[]);
    let out = output_value(&shared, 0);
    out.backward();
    out.set_label(Some("old"));
    let held = out.clone();
    w.set_data(3.0);
    shared.borrow_mut().replay(&[]);
    assert!(
        !reuse_output_value(&out, &shared, 0),
        "another handle holds it"
    );
    drop(held);
    assert!(
        !reuse_output_value(&out, &shared, 1),
        "not that output's node"
    );
    let other = SharedTape::new(record(|| vec![&w * &w], &[]).unwrap());
    assert!(!reuse_output_value(&out, &other, 0), "not that tape's node");
    assert_eq!(out.data(), 4.0); // unchanged by the refusals
    assert!(reuse_output_value(&out, &shared, 0));
    assert_eq!((out.data(), out.grad(), out.label()), (9.0, 0.0, None));
    // Of the newest replay, so backward runs (an old output's would be refused).
    w.set_grad(0.0);
    out.backward();
    assert_eq!(w.grad(), 6.0);
    // A node whose hook is no longer the tape's is never reused.
    out.set_backward_hook(None);
    assert!(!reuse_output_value(&out, &shared, 0));
}

#[test]
fn recording_notes_only_what_it_makes_and_does_not_nest() {
    let before = Value::new(1.0);
    let recording = Recording::start().unwrap();
    assert!(Recording::start().is_none());
    let inside = Value::new(2.0);
    let created = recording.finish();
    assert!(created.contains(&inside));
    assert!(!created.contains(&before));
    assert!(Recording::start().is_some());
}

#[test]
fn first_difference_names_the_node() {
    let v = Value::new(1.0);
    let branch =
        |positive: bool| record(|| vec![if positive { v.relu() } else { v.tanh() }], &[]).unwrap();
    assert_eq!(branch(true).first_difference(&branch(true)), None);
    let message = branch(true).first_difference(&branch(false)).unwrap();
    assert!(message.contains("node 1"), "{message}");
    assert!(
        message.contains("ReLU(0)") && message.contains("tanh(0)"),
        "{message}"
    );
}

#[test]
fn a_tape_holds_at_most_40_bytes_per_node() {
    let w: Vec<Value> = (0..100).map(|i| Value::new(i as f64)).collect();
    let tape = record(|| vec![w.iter().map(|v| v.tanh() * 2.0).sum()], &[]).unwrap();
    assert!(tape.len() > 400);
    assert!(tape.bytes_per_node() <= 40.0, "{}", tape.bytes_per_node());
}

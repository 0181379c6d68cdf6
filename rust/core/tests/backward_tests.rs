//! Backpropagation: the chain rule over shared nodes, accumulation across calls,
//! and graphs far deeper than the call stack.

use micrograd_core::{readme_expression, topological_order, Value};

#[test]
fn karpathys_readme_example_gives_his_numbers() {
    let a = Value::from(-4.0);
    let b = Value::from(2.0);
    let g = readme_expression(&a, &b);
    g.backward();
    assert_eq!(format!("{:.4}", g.data()), "24.7041");
    assert_eq!(format!("{:.4}", a.grad()), "138.8338");
    assert_eq!(format!("{:.4}", b.grad()), "645.5773");
}

#[test]
fn a_node_used_twice_gets_both_contributions() {
    let a = Value::from(3.0);
    let y = &a * &a + &a; // dy/da = 2a + 1
    y.backward();
    assert_eq!(a.grad(), 7.0);
}

#[test]
fn leaf_gradients_accumulate_across_backward_calls_like_pytorch() {
    let a = Value::from(3.0);
    let h = &a * 2.0;
    let y = &h * &h; // dy/da = 8a = 24
    y.backward();
    assert_eq!(a.grad(), 24.0);
    y.backward();
    assert_eq!(a.grad(), 48.0, "the leaf accumulates");
    assert_eq!(
        h.grad(),
        12.0,
        "an interior node holds this call's gradient"
    );
}

#[test]
fn topological_order_lists_operands_before_their_results() {
    let a = Value::from(1.0);
    let b = &a + 2.0;
    let c = &a * &b;
    let order = topological_order(&c);
    assert_eq!(order.len(), 4); // a, 2.0, b, c: a appears once
    let position = |v: &Value| order.iter().position(|o| o.same_node(v)).unwrap();
    assert!(position(&a) < position(&b));
    assert!(position(&b) < position(&c));
    assert!(order.last().unwrap().same_node(&c));
}

#[test]
fn backward_through_a_million_op_chain() {
    let x = Value::from(1.0);
    let mut y = x.clone();
    for _ in 0..1_000_000 {
        y = &y * 1.0 + 0.0;
    }
    y.backward();
    assert_eq!(x.grad(), 1.0);
}

#[test]
fn a_ten_million_deep_chain_drops_without_overflowing_the_stack() {
    let mut y = Value::from(1.0);
    for _ in 0..10_000_000 {
        y = -y;
    }
    assert_eq!(y.data(), 1.0);
    drop(y);
}

#[test]
fn a_deep_chain_that_uses_each_node_twice_drops_without_recursion() {
    // `y + y`: each op holds its operand twice, so that operand is only freed when
    // the second reference goes; a recursive drop would overflow the stack here.
    let mut y = Value::from(1.0);
    for _ in 0..1_000_000 {
        y = &y + &y;
    }
    drop(y);
}

#[test]
fn custom_nodes_run_their_hook_in_topological_order_with_native_ops() {
    use std::rc::Rc;
    let x = Value::from(0.5);
    let e = Value::custom(x.data().exp(), vec![x.clone()], "exp");
    assert_eq!(e.op().symbol(), "exp");
    let operand = x.clone();
    let hook: micrograd_core::BackwardHook = Rc::new(move |out: &Value| {
        operand.set_grad(operand.grad() + out.data() * out.grad());
        Ok(())
    });
    assert!(e.set_backward_hook(Some(hook)));
    let y = &e * 3.0;
    y.backward();
    assert!((x.grad() - 3.0 * 0.5f64.exp()).abs() < 1e-12);
    // natives keep their own step; a failing hook comes back as an error
    assert!(!y.set_backward_hook(None));
    let failing: micrograd_core::BackwardHook =
        Rc::new(|_: &Value| -> Result<(), micrograd_core::HookError> { Err(Box::new("no")) });
    e.set_backward_hook(Some(failing));
    assert!(y.try_backward().is_err());
    e.set_backward_hook(None);
    x.set_grad(0.0);
    y.try_backward().unwrap();
    assert_eq!(x.grad(), 0.0);
    // local_backward is one chain-rule step
    let t = x.tanh();
    t.set_grad(1.0);
    t.local_backward().unwrap();
    assert!((x.grad() - (1.0 - 0.5f64.tanh().powi(2))).abs() < 1e-12);
}

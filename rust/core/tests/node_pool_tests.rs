//! The per-thread pool of freed nodes (rust/core/src/node_pool.rs): freed nodes are
//! reused by the next nodes made, the pool stays bounded, and a reused node carries
//! nothing over from its last life. Each test runs on its own thread, so each starts
//! with an empty pool of its own.

use std::rc::Rc;

use micrograd_core::{BackwardHook, Value};

const NODE: usize = Value::node_bytes();

/// `x = x * 1.0001 + 0.1`, `steps` times: four nodes a step.
fn chain(steps: usize) -> Value {
    (0..steps).fold(Value::from(1.0), |x, _| &x * 1.0001 + 0.1)
}

#[test]
fn a_freed_graph_is_pooled_and_the_next_graph_is_built_from_the_pool() {
    assert_eq!(Value::pooled_bytes(), 0);
    drop(chain(250));
    assert_eq!(
        Value::pooled_bytes(),
        1001 * NODE,
        "every node of the chain"
    );
    let next = chain(100);
    assert_eq!(
        Value::pooled_bytes(),
        (1001 - 401) * NODE,
        "taken from the pool"
    );
    drop(next);
    assert_eq!(Value::pooled_bytes(), 1001 * NODE);
}

#[test]
fn the_pool_stays_bounded_however_often_it_is_filled() {
    drop(chain(50_000)); // 200,001 nodes
    let kept = Value::pooled_bytes();
    assert!(kept > 0);
    assert!(kept <= 65_536 * NODE, "{kept} bytes kept");
    drop(chain(50_000));
    assert_eq!(
        Value::pooled_bytes(),
        kept,
        "bounded however often it is filled"
    );
}

#[test]
fn a_shared_node_is_not_pooled_until_its_last_handle_goes() {
    let x = Value::from(2.0);
    let y = &x * 3.0; // y, and the constant 3.0
    let kept = y.clone();
    drop(y);
    assert_eq!(Value::pooled_bytes(), 0);
    drop(kept);
    assert_eq!(
        Value::pooled_bytes(),
        2 * NODE,
        "y and the constant; x lives on"
    );
    assert_eq!(x.data(), 2.0);
}

#[test]
fn a_reused_node_starts_as_a_fresh_leaf() {
    let x = Value::from(2.0);
    let y = Value::custom(5.0, vec![x.clone(), x.clone()], "twice");
    y.set_label(Some("y"));
    y.set_grad(7.0);
    y.set_host(42);
    drop(y);
    assert_eq!(Value::pooled_bytes(), NODE);
    let z = Value::from(1.5);
    assert_eq!(Value::pooled_bytes(), 0, "z took y's node");
    assert_eq!((z.data(), z.grad(), z.host()), (1.5, 0.0, 0));
    assert!(z.is_leaf() && !z.is_custom() && z.operands().is_empty());
    assert_eq!(z.label(), None);
}

#[test]
fn a_pooled_node_lets_go_of_its_hook_and_its_operands() {
    let captured = Rc::new(());
    let held = Rc::clone(&captured);
    let x = Value::from(2.0);
    let y = Value::custom(4.0, vec![x.clone()], "square");
    let hook: BackwardHook = Rc::new(move |_: &Value| {
        let _ = &held;
        Ok(())
    });
    y.set_backward_hook(Some(hook));
    assert_eq!(Rc::strong_count(&captured), 2);
    drop(y);
    assert_eq!(
        Rc::strong_count(&captured),
        1,
        "the hook was dropped with its node"
    );
    assert_eq!(Value::pooled_bytes(), NODE, "y pooled, x alive");
    drop(x);
    assert_eq!(Value::pooled_bytes(), 2 * NODE, "y no longer held x");
}

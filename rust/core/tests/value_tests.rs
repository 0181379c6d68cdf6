//! Every op's forward value and local derivative, the latter against central
//! finite differences.

use micrograd_core::Value;

/// d f(x) / dx at `x`, by central differences.
fn numeric_derivative(f: &dyn Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Checks the value and the backward gradient of a one-input op at `x`.
fn check_unary(name: &str, op: fn(&Value) -> Value, x: f64, expected: f64) {
    let input = Value::from(x);
    let out = op(&input);
    assert!(
        (out.data() - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{name}({x}) = {}, expected {expected}",
        out.data()
    );
    out.backward();
    let numeric = numeric_derivative(&|x| op(&Value::from(x)).data(), x);
    assert!(
        (input.grad() - numeric).abs() <= 1e-6 * numeric.abs().max(1.0),
        "d {name}/dx at {x}: backward gives {}, finite differences {numeric}",
        input.grad()
    );
}

/// Checks the value and both backward gradients of a two-input op at (x, y).
fn check_binary(name: &str, op: fn(&Value, &Value) -> Value, x: f64, y: f64, expected: f64) {
    let (a, b) = (Value::from(x), Value::from(y));
    let out = op(&a, &b);
    assert!(
        (out.data() - expected).abs() <= 1e-12 * expected.abs().max(1.0),
        "{name}({x}, {y}) = {}, expected {expected}",
        out.data()
    );
    out.backward();
    let d_da = numeric_derivative(&|x| op(&Value::from(x), &Value::from(y)).data(), x);
    let d_db = numeric_derivative(&|y| op(&Value::from(x), &Value::from(y)).data(), y);
    for (which, got, numeric) in [("a", a.grad(), d_da), ("b", b.grad(), d_db)] {
        assert!(
            (got - numeric).abs() <= 1e-6 * numeric.abs().max(1.0),
            "d {name}/d{which} at ({x}, {y}): backward gives {got}, finite differences {numeric}"
        );
    }
}

#[test]
fn binary_ops_have_correct_values_and_gradients() {
    check_binary("add", |a, b| a + b, 1.5, -2.0, -0.5);
    check_binary("sub", |a, b| a - b, 1.5, -2.0, 3.5);
    check_binary("mul", |a, b| a * b, 1.5, -2.0, -3.0);
    check_binary("div", |a, b| a / b, 1.5, -2.0, -0.75);
    check_binary("pow", |a, b| a.pow_value(b), 1.5, -2.0, 1.5f64.powf(-2.0));
    check_binary("pow", |a, b| a.pow_value(b), 0.7, 2.5, 0.7f64.powf(2.5));
}

#[test]
fn unary_ops_have_correct_values_and_gradients() {
    check_unary("neg", |a| -a, 1.5, -1.5);
    check_unary("pow 3", |a| a.pow(3.0), -1.5, -3.375);
    check_unary("pow -1", |a| a.pow(-1.0), 4.0, 0.25);
    check_unary("pow 0.5", |a| a.pow(0.5), 2.25, 1.5);
    check_unary("relu", Value::relu, 1.5, 1.5);
    check_unary("relu", Value::relu, -1.5, 0.0);
    check_unary("leaky_relu", |a| a.leaky_relu(0.1), -2.0, -0.2);
    check_unary("leaky_relu", |a| a.leaky_relu(0.1), 2.0, 2.0);
    check_unary("tanh", Value::tanh, 0.5, 0.5f64.tanh());
    check_unary(
        "sigmoid",
        Value::sigmoid,
        0.5,
        1.0 / (1.0 + (-0.5f64).exp()),
    );
    check_unary("sigmoid", Value::sigmoid, -3.0, 1.0 / (1.0 + 3.0f64.exp()));
    check_unary("exp", Value::exp, 0.5, 0.5f64.exp());
    check_unary("log", Value::log, 0.5, 0.5f64.ln());
    check_unary(
        "softplus",
        Value::softplus,
        -0.6,
        (1.0 + (-0.6f64).exp()).ln(),
    );
    check_unary(
        "softplus",
        Value::softplus,
        40.0,
        40.0 + (-40.0f64).exp().ln_1p(),
    );
    check_unary("abs", Value::abs, -0.6, 0.6);
}

#[test]
fn operators_mix_values_references_and_floats() {
    let a = Value::from(3.0);
    assert_eq!((2.0 - &a).data(), -1.0);
    assert_eq!((&a - 2.0).data(), 1.0);
    assert_eq!((6.0 / &a).data(), 2.0);
    assert_eq!((a.clone() * a.clone()).data(), 9.0);
    let mut acc = Value::from(1.0);
    acc *= &a;
    acc -= 0.5;
    acc /= 2.0;
    assert_eq!(acc.data(), 1.25);
    let total: Value = [1.0, 2.0, 3.0].into_iter().map(Value::from).sum();
    assert_eq!(total.data(), 6.0);
}

#[test]
fn tanh_and_sigmoid_saturate_without_overflow() {
    for x in [-800.0, -300.0, 300.0, 800.0] {
        let v = Value::from(x);
        let t = v.tanh();
        let s = v.sigmoid();
        assert_eq!(t.data(), x.signum());
        if x > 0.0 {
            assert_eq!(s.data(), 1.0);
        } else {
            assert!(
                (0.0..1e-100).contains(&s.data()),
                "sigmoid({x}) = {}",
                s.data()
            );
        }
        let total = &t + &s;
        total.backward();
        assert!(v.grad().abs() < 1e-100, "gradient at {x} is {}", v.grad());
    }
}

#[test]
fn out_of_domain_math_follows_ieee() {
    assert!(Value::from(-1.0).log().data().is_nan());
    assert_eq!(Value::from(0.0).log().data(), f64::NEG_INFINITY);
    assert_eq!((Value::from(1.0) / 0.0).data(), f64::INFINITY);
    assert!(Value::from(f64::NAN).relu().data().is_nan());
}

#[test]
fn ops_are_named_like_karpathys() {
    let a = Value::from(2.0);
    assert_eq!((&a + 1.0).op().symbol(), "+");
    assert_eq!((&a * 1.0).op().symbol(), "*");
    assert_eq!(a.pow(2.0).op().symbol(), "**2");
    assert_eq!(a.pow(0.5).op().symbol(), "**0.5");
    assert_eq!(a.relu().op().symbol(), "ReLU");
    assert_eq!(a.op().symbol(), "");
}

#[test]
fn labels_are_optional_and_replaceable() {
    let a = Value::from(1.0);
    assert_eq!(a.label(), None);
    a.set_label(Some("a"));
    assert_eq!(a.label().as_deref(), Some("a"));
    a.set_label(None);
    assert_eq!(a.label(), None);
}

#[test]
fn a_node_takes_at_most_88_bytes() {
    // A graph node is the unit of both memory and cache traffic in the scalar engine:
    // `Rc` counts, the `RefCell` flag and the node must stay within mimalloc's 96-byte
    // size class (the memory-per-node bench row measures the same from outside).
    assert!(
        micrograd_core::Value::node_bytes() <= 96,
        "{}",
        micrograd_core::Value::node_bytes()
    );
}

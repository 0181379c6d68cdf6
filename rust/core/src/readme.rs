//! Karpathy's README expression, the example every micrograd starts from: written
//! once here for the crate's example, its tests and its tiny-graph bench.

use crate::Value;

/// Karpathy's README expression of `a` and `b`, written as he wrote it in Python.
/// With `a = -4` and `b = 2`: `g = 24.7041`, `dg/da = 138.8338`, `dg/db = 645.5773`.
///
/// ```
/// use micrograd_core::{readme_expression, Value};
///
/// let (a, b) = (Value::from(-4.0), Value::from(2.0));
/// let g = readme_expression(&a, &b);
/// g.backward();
/// assert_eq!(format!("{:.4} {:.4}", g.data(), a.grad()), "24.7041 138.8338");
/// ```
pub fn readme_expression(a: &Value, b: &Value) -> Value {
    let mut c = a + b;
    let mut d = a * b + b.pow(3.0);
    c += &c + 1.0;
    c += 1.0 + &c + (-a);
    d += &d * 2.0 + (b + a).relu();
    d += 3.0 * &d + (b - a).relu();
    let e = &c - &d;
    let f = e.pow(2.0);
    let mut g = &f / 2.0;
    g += 10.0 / &f;
    g
}

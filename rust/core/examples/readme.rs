//! Karpathy's README example, in Rust: `cargo run --example readme`.

use micrograd_core::{readme_expression, Value};

fn main() {
    let a = Value::from(-4.0);
    let b = Value::from(2.0);
    // c = a + b; d = a * b + b**3; c += c + 1; ... g = f / 2.0; g += 10.0 / f
    // (the whole expression, as Karpathy wrote it: rust/core/src/readme.rs)
    let g = readme_expression(&a, &b);
    println!("{:.4}", g.data()); // the outcome of this forward pass: 24.7041
    g.backward();
    println!("{:.4}", a.grad()); // dg/da: 138.8338
    println!("{:.4}", b.grad()); // dg/db: 645.5773
}

//! The tiny-graph loop of issue 15: Karpathy's README expression built, backpropagated
//! and freed, over and over, in Rust alone. Reported per node, so the number is the
//! engine's fixed cost of one node's whole life (make, walk, chain rule, free).
//!
//! `cargo bench --bench tiny_graph` (add `-- --quick` for a rough pass). It runs on
//! the system allocator, as any user of the crate gets it (the Python extension
//! installs mimalloc, which makes a node's allocation and free cheaper still).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use micrograd_core::Value;

/// Karpathy's README expression on two fresh leaves; returns `(g, a, b)`.
fn expression_on_fresh_leaves(a: f64, b: f64) -> (Value, Value, Value) {
    let (a, b) = (Value::from(a), Value::from(b));
    (micrograd_core::readme_expression(&a, &b), a, b)
}

fn nodes_in_the_expression() -> u64 {
    let (g, _, _) = expression_on_fresh_leaves(-4.0, 2.0);
    micrograd_core::topological_order(&g).len() as u64
}

fn tiny_graph(c: &mut Criterion) {
    let mut group = c.benchmark_group("tiny graph");
    group.throughput(Throughput::Elements(nodes_in_the_expression()));
    group.bench_function("README expression: build, backward, free", |bench| {
        bench.iter(|| {
            let (g, a, b) = expression_on_fresh_leaves(black_box(-4.0), black_box(2.0));
            g.backward();
            black_box((a.grad(), b.grad()))
        })
    });
    group.finish();
}

criterion_group!(benches, tiny_graph);
criterion_main!(benches);

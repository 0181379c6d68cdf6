//! The scalar engine's hot paths, without Python: one op, `backward()` per node on a
//! deep chain and on the moons MLP's graph, a whole moons step, an optimizer step.
//!
//! `cargo bench --bench value` (add `-- --quick` for a rough pass). The Python-side
//! comparisons are `python benches/run.py`; the gap between the two is the cost of
//! crossing PyO3.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use micrograd_core::loss::{hinge, l2_penalty};
use micrograd_core::optim::{Optimizer, Sgd};
use micrograd_core::{Value, MLP};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Uniform};

/// The chain of benches/ops.py: `x = x * 1.0001 + 0.1`, four nodes a step.
fn chain(steps: usize) -> Value {
    let mut x = Value::from(1.0);
    for _ in 0..steps {
        x = x * 1.0001 + 0.1;
    }
    x
}

/// Karpathy's moons setting: 100 points in [-2, 2)^2, labelled ±1 by quadrant.
fn points(count: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(0);
    let uniform = Uniform::new(-2.0, 2.0).expect("a valid range");
    let inputs: Vec<f64> = (0..2 * count).map(|_| uniform.sample(&mut rng)).collect();
    let labels = inputs
        .chunks(2)
        .map(|p| if p[0] * p[1] > 0.0 { 1.0 } else { -1.0 })
        .collect();
    (inputs, labels)
}

fn moons_mlp() -> MLP {
    MLP::new(2, &[16, 16, 1], &mut StdRng::seed_from_u64(1337)).expect("valid sizes")
}

/// Hinge loss + 1e-4 L2 over the batch: the graph of one step of Karpathy's demo.
fn moons_loss(model: &MLP, inputs: &[f64], labels: &[f64]) -> Value {
    let rows = model.forward_rows(inputs).expect("two columns");
    let scores: Vec<Value> = rows.into_iter().map(|mut row| row.remove(0)).collect();
    let data_loss = hinge(&scores, labels).expect("one label per score");
    data_loss + 1e-4 * l2_penalty(&model.parameters())
}

fn ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("value op");
    let (a, b) = (Value::from(3.0), Value::from(-2.0));
    // Each makes a node and drops it, as a Python temporary does.
    group.bench_function("a + b", |bench| {
        bench.iter(|| black_box(&a) + black_box(&b))
    });
    group.bench_function("a * 2.0", |bench| bench.iter(|| black_box(&a) * 2.0));
    group.bench_function("2.0 * a", |bench| bench.iter(|| 2.0 * black_box(&a)));
    group.bench_function("a.relu()", |bench| bench.iter(|| black_box(&a).relu()));
    group.bench_function("a ** 2", |bench| bench.iter(|| black_box(&a).pow(2.0)));
    group.finish();
}

fn backward(c: &mut Criterion) {
    let mut group = c.benchmark_group("backward per node");
    let root = chain(25_000);
    group.throughput(Throughput::Elements(100_001));
    group.bench_function("chain, 100,001 nodes", |bench| {
        bench.iter(|| root.backward())
    });

    let model = moons_mlp();
    let (inputs, labels) = points(100);
    let loss = moons_loss(&model, &inputs, &labels);
    group.throughput(Throughput::Elements(65_818));
    group.bench_function("MLP(2, [16, 16, 1]) + hinge loss, batch 100", |bench| {
        bench.iter(|| loss.backward())
    });
    group.finish();
}

fn moons_step(c: &mut Criterion) {
    let model = moons_mlp();
    let (inputs, labels) = points(100);
    let parameters: Vec<_> = model.parameters().into_iter().map(Into::into).collect();
    let sgd = Sgd::new(0.0, 0.0, 0.0, false).expect("valid settings");
    let mut opt = Optimizer::new(parameters, 0.1, Box::new(sgd)).expect("parameters");

    let mut group = c.benchmark_group("moons step, batch 100");
    group.bench_function("forward + loss (graph built and dropped)", |bench| {
        bench.iter(|| moons_loss(&model, &inputs, &labels))
    });
    group.bench_function("forward, loss, backward, SGD", |bench| {
        bench.iter(|| {
            let loss = moons_loss(&model, &inputs, &labels);
            opt.zero_grad();
            loss.backward();
            opt.step().expect("state fits in memory");
        })
    });
    group.bench_function("SGD step alone (337 Values)", |bench| {
        bench.iter(|| opt.step())
    });
    group.finish();
}

criterion_group!(benches, ops, backward, moons_step);
criterion_main!(benches);

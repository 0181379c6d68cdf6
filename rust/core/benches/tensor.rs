//! The Tensor engine's hot paths, without Python: matrix products, a dense layer
//! forward and backward, a whole moons step, and an optimizer step over a large net.
//!
//! `cargo bench --bench tensor` (add `-- --quick` for a rough pass). The sizes are
//! those of `python benches/run.py`: the moons net (op overhead) and a layer of the
//! GEMM-bound net (batch 1024, 512 -> 512), where matrixmultiply's GEMM dominates.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use micrograd_core::optim::{Optimizer, Param, Sgd};
use micrograd_core::Tensor;
use ndarray::{ArrayD, IxDyn};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn randn(shape: &[usize], requires_grad: bool, seed: u64) -> Tensor {
    Tensor::randn(shape, requires_grad, &mut StdRng::seed_from_u64(seed)).expect("a small shape")
}

/// A dense layer's weight (nout, nin) and bias (nout,), both requiring grad.
fn layer(nin: usize, nout: usize, seed: u64) -> (Tensor, Tensor) {
    (
        randn(&[nout, nin], true, seed),
        randn(&[nout], true, seed + 1),
    )
}

fn sgd(parameters: &[Tensor]) -> Optimizer<Sgd> {
    let parameters = parameters.iter().cloned().map(Param::from).collect();
    let rule = Sgd::new(0.0, 0.0, 0.0, false).expect("valid settings");
    Optimizer::new(parameters, 0.01, Box::new(rule)).expect("parameters")
}

fn matmul(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul (n, n) @ (n, n)");
    for n in [16, 128, 512] {
        let (a, b) = (randn(&[n, n], false, 0), randn(&[n, n], false, 1));
        group.throughput(Throughput::Elements(2 * (n * n * n) as u64)); // flops
        if n >= 512 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, _| {
            bench.iter(|| black_box(&a).matmul(black_box(&b)).expect("square"))
        });
    }
    group.finish();
}

fn linear(c: &mut Criterion) {
    let mut group = c.benchmark_group("linear forward + backward");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (batch, nin, nout) in [(100, 16, 16), (1024, 512, 512)] {
        let x = randn(&[batch, nin], false, 2);
        let (w, b) = layer(nin, nout, 3);
        let name = format!("batch {batch}, {nin} -> {nout}");
        group.bench_function(name, |bench| {
            bench.iter(|| {
                w.zero_grad();
                b.zero_grad();
                let out = x.linear(&w, Some(&b)).expect("fitting shapes");
                let total = out.sum(None, false).expect("a sum");
                total.backward().expect("a scalar");
            })
        });
    }
    group.finish();
}

fn moons_step(c: &mut Criterion) {
    let x = randn(&[100, 2], false, 4);
    let labels: Vec<f64> = x
        .data()
        .rows()
        .into_iter()
        .map(|p| if p[0] * p[1] > 0.0 { 1.0 } else { -1.0 })
        .collect();
    let labels = ArrayD::from_shape_vec(IxDyn(&[100, 1]), labels).expect("a column");
    let layers = [layer(2, 16, 5), layer(16, 16, 7), layer(16, 1, 9)];
    let parameters: Vec<Tensor> = layers
        .iter()
        .flat_map(|(w, b)| [w.clone(), b.clone()])
        .collect();
    let mut opt = sgd(&parameters);
    c.bench_function(
        "tensor moons step, batch 100, 2 -> 16 -> 16 -> 1",
        |bench| {
            bench.iter(|| {
                let mut h = x.clone();
                for (k, (w, b)) in layers.iter().enumerate() {
                    h = h.linear(w, Some(b)).expect("fitting shapes");
                    if k + 1 < layers.len() {
                        h = h.relu();
                    }
                }
                let hinge = h.hinge_loss(labels.clone()).expect("one label per score");
                let loss = hinge
                    .add(
                        &Tensor::scalar(1e-4)
                            .mul(&Tensor::l2_penalty(&parameters))
                            .expect("scalars"),
                    )
                    .expect("scalars");
                opt.zero_grad();
                loss.backward().expect("a scalar");
                opt.step().expect("state fits in memory");
            })
        },
    );
}

fn optimizer_step(c: &mut Criterion) {
    // The GEMM-bound net's parameters: 512 -> 512 -> 512 -> 10, about 530,000 numbers.
    let parameters: Vec<Tensor> = [(512, 512, 10), (512, 512, 12), (512, 10, 14)]
        .into_iter()
        .flat_map(|(nin, nout, seed)| {
            let (w, b) = layer(nin, nout, seed);
            [w, b]
        })
        .collect();
    for p in &parameters {
        p.set_grad(Some(ArrayD::ones(IxDyn(&p.shape()))))
            .expect("the parameter's shape");
    }
    let mut opt = sgd(&parameters);
    let count: usize = parameters.iter().map(Tensor::len).sum();
    let mut group = c.benchmark_group("optimizer step");
    group.throughput(Throughput::Elements(count as u64));
    group.bench_function("SGD, 512 -> 512 -> 512 -> 10 net", |bench| {
        bench.iter(|| opt.step())
    });
    group.finish();
}

criterion_group!(benches, matmul, linear, moons_step, optimizer_step);
criterion_main!(benches);

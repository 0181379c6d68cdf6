//! Graphs that must neither overflow the stack nor take exponential time: deep chains
//! through every op, ladders (a node used twice by the next one), wide fan-out and
//! fan-in, and the sizes a user can ask for that must be errors rather than panics.
//!
//! Each test runs on a cargo test thread, whose stack is 2 MiB: a walk or a drop
//! that recursed once per graph level would overflow it within a few thousand levels.
//! (`backward_tests.rs` and `tensor_tests.rs` keep the 10^7-deep drop of a chain of
//! negations and the drop of ladders, `y = y + y`.)

use micrograd_core::{Error, Tensor, Value};
use ndarray::{ArrayD, IxDyn};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// One pass through every scalar op that is mathematically the identity at y > 0,
/// with derivative 1. The constants are shared nodes, so a chain of blocks adds only
/// the ops' own nodes.
struct Constants {
    zero: Value,
    one: Value,
    half: Value,
    two: Value,
}

impl Constants {
    fn new() -> Constants {
        Constants {
            zero: Value::from(0.0),
            one: Value::from(1.0),
            half: Value::from(0.5),
            two: Value::from(2.0),
        }
    }

    /// 32 ops covering every `Op` variant.
    fn block(&self, y: Value) -> Value {
        let c = self;
        let y = &(&(&y + &c.zero) - &c.zero) * &c.one / &c.one; // Add Sub Mul Div
        let y = -(-y); // Neg
        let y = y.pow(2.0).pow(0.5); // PowScalar
        let y = y.pow_value(&c.one); // Pow (the exponent is a Value)
        let y = y.relu().leaky_relu(0.1).abs(); // Relu LeakyRelu Abs
        let y = y.exp().log(); // Exp Log
        let s = y.sigmoid(); // Sigmoid, inverted by the logit
        let y = s.log() - (&c.one - &s).log();
        let t = y.tanh(); // Tanh, inverted by atanh
        let y = &c.half * ((&c.one + &t) / (&c.one - &t)).log();
        (y.softplus().exp() - &c.one).log() // Softplus, inverted
            + &c.zero * &c.two // an operand used by nothing else
    }
}

#[test]
fn a_ten_million_op_chain_through_every_op_backprops_and_drops() {
    let c = Constants::new();
    let x = Value::from(0.5);
    let mut y = x.clone();
    let ops_per_block = 32;
    for _ in 0..10_000_000 / ops_per_block {
        y = c.block(y);
    }
    assert!((y.data() - 0.5).abs() < 1e-9, "{}", y.data());
    y.backward();
    assert!((x.grad() - 1.0).abs() < 1e-6, "dy/dx = {}", x.grad());
    // The exponent leaf collects y ln y from every block: finite, negative.
    assert!(c.one.grad().is_finite() && c.one.grad() < 0.0);
    drop(y); // 10^7 nodes freed without recursion
    assert_eq!(x.data(), 0.5); // the leaf outlives the graph
}

#[test]
fn a_ladder_whose_every_node_uses_the_previous_one_twice_backprops_in_linear_time() {
    // 10^6 levels and 2^(10^6) paths from root to leaf: a walk that followed paths
    // instead of marking nodes would never end.
    let x = Value::from(1.0);
    let half = Value::from(0.5);
    let mut y = x.clone();
    for _ in 0..1_000_000 {
        y = (&y + &y) * &half;
    }
    y.backward();
    assert_eq!(y.data(), 1.0);
    assert_eq!(x.grad(), 1.0);
}

#[test]
fn chains_whose_links_are_shared_by_several_nodes_drop_without_recursion() {
    // Each link is held by three nodes of the next block, none of which holds it
    // alone: the drop must still free them all from its own stack.
    let mut y = Value::from(0.5);
    for _ in 0..1_000_000 {
        let s = y.tanh();
        y = &(&s + &s.exp()) * &s.relu();
    }
    drop(y);
    // A custom op may hold one operand several times (Karpathy's Value(data, (a, a))).
    let mut y = Value::from(0.5);
    for _ in 0..1_000_000 {
        let s = y.tanh();
        y = Value::custom(s.data(), vec![s.clone(), s.clone(), s], "f");
    }
    drop(y);
}

#[test]
fn a_node_with_a_million_parents_gets_every_contribution() {
    let x = Value::from(3.0);
    let parents: Vec<Value> = (0..1_000_000).map(|_| &x * 1.0).collect();
    let total: Value = parents.iter().sum(); // also a 10^6-deep chain of additions
    drop(parents);
    total.backward();
    assert_eq!(total.data(), 3_000_000.0);
    assert_eq!(x.grad(), 1_000_000.0);
}

#[test]
fn a_tensor_node_with_a_hundred_thousand_operands_backprops_and_drops() {
    let parts: Vec<Tensor> = (0..100_000)
        .map(|i| Tensor::new(ArrayD::from_elem(IxDyn(&[1]), i as f64), true))
        .collect();
    let joined = Tensor::concat(&parts, 0).unwrap();
    let loss = joined.mul(&joined).unwrap().sum(None, false).unwrap();
    loss.backward().unwrap();
    assert_eq!(parts[7].grad().unwrap()[[0]], 14.0);
    let penalty = Tensor::l2_penalty(&parts);
    penalty.backward().unwrap();
    assert_eq!(parts[7].grad().unwrap()[[0]], 28.0); // accumulated
    drop((joined, loss, penalty));
}

#[test]
fn a_million_op_tensor_chain_of_mixed_ops_backprops_and_drops() {
    let x = Tensor::new(ArrayD::from_elem(IxDyn(&[1, 1]), 0.5), true);
    let eye = Tensor::new(ArrayD::from_elem(IxDyn(&[1, 1]), 1.0), false);
    let zero = Tensor::scalar(0.0);
    let mut y = x.clone();
    for _ in 0..100_000 {
        // ten ops: elementwise, unary, reduction, structure and product kinds
        y = y.add(&zero).unwrap().mul(&eye).unwrap();
        y = y.exp().log().relu();
        y = y.sum(Some(0), true).unwrap().reshape(&[1, 1]).unwrap();
        y = y.transpose(None).unwrap().matmul(&eye).unwrap();
        y = y.linear(&eye, None).unwrap();
    }
    y.sum(None, false).unwrap().backward().unwrap();
    let grad = x.grad().unwrap()[[0, 0]];
    assert!((grad - 1.0).abs() < 1e-9, "{grad}");
    drop(y);
}

#[test]
fn sizes_beyond_memory_are_errors_not_panics() {
    for shape in [
        vec![usize::MAX],
        vec![usize::MAX, 2],
        vec![1 << 62, 4],
        vec![1 << 40, 1 << 40],
        vec![1 << 47],
    ] {
        match Tensor::zeros(&shape, false) {
            Err(Error::TooLarge { .. } | Error::OutOfMemory { .. }) => {}
            other => panic!("zeros({shape:?}) gave {other:?}"),
        }
    }
    assert!(Tensor::arange(0.0, f64::MAX, 1.0).is_err());
    assert!(Tensor::arange(0.0, 1.0, 0.0).is_err());
    assert!(Tensor::arange(f64::NAN, 1.0, 1.0).is_err());
}

#[test]
fn an_empty_shape_with_huge_dimensions_is_an_error_not_a_panic() {
    assert!(Tensor::zeros(&[0, 1 << 62, 4], false).is_err());
    assert!(Tensor::ones(&[0, 1 << 62, 4], false).is_err());
}

#[test]
fn bad_arguments_to_the_tensor_api_are_errors() {
    let t = Tensor::new(ArrayD::from_elem(IxDyn(&[2, 3]), 1.0), true);
    assert!(t.sum(Some(2), false).is_err());
    assert!(t.sum(Some(isize::MIN), false).is_err());
    assert!(t.softmax(isize::MAX).is_err());
    assert!(t.reshape(&[-1, -1]).is_err());
    assert!(t.reshape(&[isize::MAX, isize::MAX]).is_err());
    assert!(t.reshape(&[-2, 3]).is_err());
    assert!(t.transpose(Some(&[0, 0])).is_err());
    assert!(t.transpose(Some(&[0])).is_err());
    assert!(t.rows(&[2]).is_err());
    assert!(t.rows(&[isize::MIN]).is_err());
    assert!(Tensor::scalar(1.0).rows(&[0]).is_err());
    assert!(Tensor::concat(&[], 0).is_err());
    assert!(Tensor::concat(&[t.clone(), Tensor::scalar(1.0)], 0).is_err());
    assert!(t.matmul(&t).is_err());
    assert!(t.matmul(&Tensor::scalar(1.0)).is_err());
    assert!(t.linear(&t, Some(&t)).is_err());
    assert!(t.cross_entropy(&[0, 3]).is_err());
    assert!(t.cross_entropy(&[0]).is_err());
    assert!(t.mse_loss(ArrayD::zeros(IxDyn(&[4]))).is_err());
    assert!(Tensor::zeros(&[0], false)
        .unwrap()
        .max(None, false)
        .is_err());
    assert!(t.backward_with(ArrayD::zeros(IxDyn(&[3, 2]))).is_err());
    assert!(t.backward().is_err()); // six elements, no gradient given
    assert!(t.set_grad(Some(ArrayD::zeros(IxDyn(&[1])))).is_err());
    assert!(t.copy_from(&ArrayD::zeros(IxDyn(&[3]))).is_err());
    let mut rng = StdRng::seed_from_u64(0);
    assert!(Tensor::uniform(&[2], 1.0, 0.0, false, &mut rng).is_err());
    assert!(Tensor::uniform(&[2], f64::NEG_INFINITY, 0.0, false, &mut rng).is_err());
}

/// Issue 12, item 1: numpy (and rust-numpy, which panics past 32) cannot hold more
/// than `MAX_NDIM` dimensions, so no tensor op makes such a shape.
#[test]
fn shapes_past_max_ndim_are_errors_wherever_a_shape_is_made() {
    use micrograd_core::tensor::MAX_NDIM;
    let too_many = vec![1usize; MAX_NDIM + 1];
    let too_many_i: Vec<isize> = too_many.iter().map(|&d| d as isize).collect();
    let is_too_many = |r: Result<Tensor, Error>| matches!(r, Err(Error::TooManyDims { ndim, max }) if ndim == MAX_NDIM + 1 && max == MAX_NDIM);
    assert!(is_too_many(Tensor::zeros(&too_many, false)));
    assert!(is_too_many(Tensor::ones(&too_many, false)));
    assert!(is_too_many(Tensor::from_shape_vec(
        &too_many,
        vec![1.0],
        false
    )));
    let one = Tensor::zeros(&[1], false).unwrap();
    assert!(is_too_many(one.reshape(&too_many_i)));
    let full = Tensor::zeros(&vec![1; MAX_NDIM], false).unwrap();
    assert_eq!(full.ndim(), MAX_NDIM);
    let wide = Tensor::new(ArrayD::zeros(IxDyn(&too_many)), false); // made by hand
    assert!(is_too_many(full.add(&wide)));
}

/// Issue 12, item 17: a product whose shapes fit but whose result exceeds memory is
/// `OutOfMemory` (a MemoryError), not a shape mismatch (8 TB: beyond any test machine).
#[test]
fn a_matmul_larger_than_memory_is_out_of_memory_not_a_mismatch() {
    let column = Tensor::zeros(&[1_000_000, 1], false).unwrap();
    let row = Tensor::zeros(&[1, 1_000_000], false).unwrap();
    match column.matmul(&row) {
        Err(Error::OutOfMemory { .. }) | Err(Error::TooLarge { .. }) => {}
        Err(other) => panic!("expected OutOfMemory, got {other}"),
        Ok(_) => panic!("an 8 TB result was allocated"),
    }
    let vector = Tensor::zeros(&[3], false).unwrap();
    assert!(matches!(
        Tensor::zeros(&[2, 2], false).unwrap().matmul(&vector),
        Err(Error::ShapeMismatch { .. })
    ));
}

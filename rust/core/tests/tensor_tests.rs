//! The Tensor engine from Rust: gradients against finite differences for a few
//! representative ops, broadcasting, and graphs deeper than the call stack.

use micrograd_core::{Error, Tensor};
use ndarray::{ArrayD, IxDyn};

fn tensor(shape: &[usize], values: &[f64]) -> Tensor {
    Tensor::from_shape_vec(shape, values.to_vec(), true).unwrap()
}

/// Checks d sum(f(x)) / dx from backward() against central differences.
fn check_gradient(f: impl Fn(&Tensor) -> Tensor, shape: &[usize], values: &[f64]) {
    let x = tensor(shape, values);
    f(&x).sum(None, false).unwrap().backward().unwrap();
    let grad = x.grad().expect("x requires grad");
    let h = 1e-6;
    for i in 0..values.len() {
        let (mut up, mut down) = (values.to_vec(), values.to_vec());
        up[i] += h;
        down[i] -= h;
        let at = |v: &[f64]| {
            f(&tensor(shape, v))
                .sum(None, false)
                .unwrap()
                .item()
                .unwrap()
        };
        let numeric = (at(&up) - at(&down)) / (2.0 * h);
        let got = grad.iter().nth(i).copied().unwrap();
        assert!(
            (got - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
            "element {i}: {got} vs {numeric}"
        );
    }
}

#[test]
fn broadcast_arithmetic_gradients_match_finite_differences() {
    let row = tensor(&[3], &[0.5, -1.0, 2.0]);
    check_gradient(
        |x| x.mul(&row).unwrap().add(&row).unwrap().tanh(),
        &[2, 3],
        &[0.1, 0.2, 0.3, -0.4, 0.5, 0.6],
    );
    let column = tensor(&[2, 1], &[1.5, -0.5]);
    check_gradient(|x| column.div(&x.exp()).unwrap(), &[3], &[0.1, -0.2, 0.3]);
}

#[test]
fn matmul_softmax_and_reductions_match_finite_differences() {
    let w = tensor(&[3, 2], &[0.5, -1.0, 2.0, 0.1, -0.3, 0.7]);
    check_gradient(
        |x| x.matmul(&w).unwrap().softmax(-1).unwrap().log(),
        &[2, 3],
        &[0.1, 0.2, 0.3, -0.4, 0.5, 0.6],
    );
    check_gradient(
        |x| x.mean(Some(0), true).unwrap().max(None, false).unwrap(),
        &[2, 2],
        &[0.1, 0.9, 0.3, -0.4],
    );
}

#[test]
fn fused_cross_entropy_matches_its_composition() {
    let logits = tensor(&[2, 3], &[1.0, 2.0, 0.5, -1.0, 0.0, 3.0]);
    let fused = logits.cross_entropy(&[1, 0]).unwrap().item().unwrap();
    let log_p = logits.log_softmax(-1).unwrap();
    let by_hand = -(log_p.data()[[0, 1]] + log_p.data()[[1, 0]]) / 2.0;
    assert!((fused - by_hand).abs() < 1e-12, "{fused} vs {by_hand}");
}

#[test]
fn shape_errors_name_the_op_and_both_shapes() {
    let a = Tensor::zeros(&[2, 3], false).unwrap();
    let b = Tensor::zeros(&[4], false).unwrap();
    let error = a.add(&b).unwrap_err();
    assert_eq!(error.to_string(), "add: shapes (2, 3) and (4,) do not fit");
    assert!(matches!(
        a.sum(Some(2), false),
        Err(Error::AxisOutOfRange { axis: 2, ndim: 2 })
    ));
    assert!(matches!(a.backward(), Err(Error::NotScalar { .. })));
}

#[test]
fn a_million_op_tensor_chain_backprops_and_drops() {
    let x = Tensor::new(ArrayD::from_elem(IxDyn(&[2]), 1.0), true);
    let one = Tensor::scalar(1.0);
    let mut y = x.clone();
    for _ in 0..1_000_000 {
        y = y.mul(&one).unwrap();
    }
    y.sum(None, false).unwrap().backward().unwrap();
    assert_eq!(
        x.grad().unwrap().iter().copied().collect::<Vec<_>>(),
        [1.0, 1.0]
    );
    drop(y);
}

#[test]
fn impossible_sizes_are_errors_not_aborts() {
    assert!(matches!(
        Tensor::zeros(&[1 << 40, 1 << 40], false),
        Err(Error::TooLarge { .. })
    ));
    assert!(matches!(
        Tensor::zeros(&[1 << 47], false),
        Err(Error::OutOfMemory { .. })
    ));
    assert!(Tensor::arange(0.0, 1e20, 1.0).is_err());
}

#[test]
fn a_deep_tensor_chain_that_uses_each_node_twice_drops_without_recursion() {
    let mut y = Tensor::scalar(1.0);
    for _ in 0..1_000_000 {
        y = y.mul(&y).unwrap();
    }
    drop(y);
}

#[test]
fn relu_max_and_hinge_propagate_nan_forward_and_backward() {
    let x = tensor(&[2], &[f64::NAN, 0.5]);
    let loss = x
        .hinge_loss(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0, -1.0]).unwrap())
        .unwrap();
    assert!(loss.item().unwrap().is_nan());
    loss.backward().unwrap();
    let grad = x.grad().unwrap();
    assert!(grad[0].is_nan() && grad[1] == 0.5);
    let y = tensor(&[2], &[f64::NAN, 2.0]);
    y.relu().sum(None, false).unwrap().backward().unwrap();
    let grad = y.grad().unwrap();
    assert!(grad[0].is_nan() && grad[1] == 1.0);
    let z = tensor(&[2], &[f64::NAN, 2.0]);
    let max = z.max(None, false).unwrap();
    assert!(max.item().unwrap().is_nan());
    max.backward().unwrap();
    assert!(z.grad().unwrap().iter().all(|g| g.is_nan()));
}

#[test]
fn loss_targets_of_another_shape_are_errors_but_a_vector_fits_a_column() {
    let p = tensor(&[2, 3], &[0.0; 6]);
    let error = p.mse_loss(ArrayD::zeros(IxDyn(&[3, 2]))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "mse_loss(predictions, targets): shapes (2, 3) and (3, 2) do not fit"
    );
    let column = tensor(&[2, 1], &[1.0, 2.0]);
    let loss = column.mse_loss(ArrayD::zeros(IxDyn(&[2]))).unwrap();
    assert_eq!(loss.item().unwrap(), 2.5);
    assert!(tensor(&[2], &[1.0, 2.0])
        .mse_loss(ArrayD::zeros(IxDyn(&[2, 1])))
        .is_err());
}

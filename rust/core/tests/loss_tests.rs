//! Losses against their formulas, and their errors.

use micrograd_core::loss;
use micrograd_core::{Error, Value};

fn values(xs: &[f64]) -> Vec<Value> {
    xs.iter().copied().map(Value::from).collect()
}

#[test]
fn mse_and_hinge_match_their_formulas() {
    assert_eq!(
        loss::mse(&values(&[1.0, 3.0]), &[0.0, 1.0]).unwrap().data(),
        2.5
    );
    let hinge = loss::hinge(&values(&[0.5, -2.0]), &[1.0, -1.0]).unwrap();
    assert_eq!(hinge.data(), 0.25); // (0.5 + 0) / 2
}

#[test]
fn binary_cross_entropy_gradient_is_sigmoid_minus_target() {
    let z = values(&[0.3]);
    loss::binary_cross_entropy_with_logits(&z, &[1.0])
        .unwrap()
        .backward();
    let sigmoid = 1.0 / (1.0 + (-0.3f64).exp());
    assert!((z[0].grad() - (sigmoid - 1.0)).abs() < 1e-12);
}

#[test]
fn cross_entropy_gradient_is_softmax_minus_one_hot() {
    let row = values(&[1.0, 2.0, 0.5]);
    loss::cross_entropy(std::slice::from_ref(&row), &[1])
        .unwrap()
        .backward();
    let total: f64 = [1.0f64, 2.0, 0.5].iter().map(|z| z.exp()).sum();
    for (i, z) in [1.0f64, 2.0, 0.5].iter().enumerate() {
        let expected = z.exp() / total - if i == 1 { 1.0 } else { 0.0 };
        assert!((row[i].grad() - expected).abs() < 1e-12);
    }
}

#[test]
fn mismatched_or_empty_inputs_are_errors() {
    assert!(matches!(
        loss::mse(&values(&[1.0]), &[1.0, 2.0]),
        Err(Error::WrongLength { .. })
    ));
    assert!(matches!(loss::hinge(&[], &[]), Err(Error::Empty { .. })));
    assert!(matches!(
        loss::cross_entropy(&[values(&[1.0, 2.0])], &[2]),
        Err(Error::OutOfRange {
            got: 2,
            limit: 2,
            ..
        })
    ));
}

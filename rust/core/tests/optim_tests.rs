//! Optimizers: the first steps by hand, and hyper-parameter checks.

use micrograd_core::optim::{Adam, Optimizer, Sgd};
use micrograd_core::{Error, Value};

#[test]
fn sgd_with_momentum_takes_the_steps_worked_out_by_hand() {
    let p = Value::from(1.0);
    let rule = Sgd::new(0.9, 0.0, 0.0, false).unwrap();
    let mut opt = Optimizer::new(vec![p.clone().into()], 0.1, Box::new(rule)).unwrap();
    for expected in [0.95, 0.855] {
        p.set_grad(0.5);
        opt.step().unwrap();
        assert!(
            (p.data() - expected).abs() < 1e-12,
            "{} != {expected}",
            p.data()
        );
    }
}

#[test]
fn adam_first_step_moves_by_lr() {
    let p = Value::from(1.0);
    let rule = Adam::new((0.9, 0.999), 1e-8, 0.0, false, false).unwrap();
    let mut opt = Optimizer::new(vec![p.clone().into()], 0.01, Box::new(rule)).unwrap();
    p.set_grad(-3.0);
    opt.step().unwrap();
    assert!((p.data() - 1.01).abs() < 1e-9);
    opt.zero_grad();
    assert_eq!(p.grad(), 0.0);
}

#[test]
fn invalid_hyper_parameters_are_errors() {
    assert!(matches!(
        Adam::new((1.0, 0.999), 1e-8, 0.0, false, false),
        Err(Error::InvalidHyperparameter {
            name: "betas[0]",
            ..
        })
    ));
    assert!(Sgd::new(0.0, 0.0, 0.0, true).is_err());
    let rule = Sgd::new(0.0, 0.0, 0.0, false).unwrap();
    assert!(matches!(
        Optimizer::new(vec![], 0.1, Box::new(rule.clone())),
        Err(Error::Empty { argument: "params" })
    ));
    let mut opt = Optimizer::new(vec![Value::from(1.0).into()], 0.1, Box::new(rule)).unwrap();
    assert!(opt.set_lr(f64::NAN).is_err());
    assert_eq!(opt.lr(), 0.1);
}

fn tensor(shape: &[usize], values: Vec<f64>) -> micrograd_core::Tensor {
    micrograd_core::Tensor::from_shape_vec(shape, values, true).unwrap()
}

#[test]
fn a_tensor_without_a_gradient_is_skipped_even_by_weight_decay_and_momentum() {
    let (used, frozen) = (tensor(&[2], vec![1.0, 2.0]), tensor(&[1], vec![3.0]));
    let rule = Sgd::new(0.9, 0.0, 0.5, false).unwrap();
    let params = vec![used.clone().into(), frozen.clone().into()];
    let mut opt = Optimizer::new(params, 0.1, Box::new(rule)).unwrap();
    for _ in 0..3 {
        opt.zero_grad();
        used.sum(None, false).unwrap().backward().unwrap();
        opt.step().unwrap();
    }
    assert_eq!(
        frozen.data().to_owned().into_raw_vec_and_offset().0,
        vec![3.0]
    );
    assert!(used.data().iter().all(|&x| x < 1.9));
}

#[test]
fn a_gradient_in_another_memory_order_updates_the_right_elements() {
    use ndarray::{ArrayD, IxDyn, ShapeBuilder};
    let w = tensor(&[2, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let values = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let column_major = ArrayD::from_shape_vec(IxDyn(&[2, 3]).f(), values).unwrap();
    assert!(!column_major.is_standard_layout());
    w.set_grad(Some(column_major.clone())).unwrap();
    let before = w.data().to_owned();
    let rule = Sgd::new(0.0, 0.0, 0.0, false).unwrap();
    let mut opt = Optimizer::new(vec![w.clone().into()], 0.5, Box::new(rule)).unwrap();
    opt.step().unwrap();
    assert_eq!(*w.data(), before - column_major * 0.5);
}

#[test]
fn non_finite_and_out_of_range_hyper_parameters_are_errors() {
    use micrograd_core::optim::{Adagrad, RmsProp};
    let named = |result: Result<(), Error>| match result {
        Err(Error::InvalidHyperparameter { name, .. }) => name,
        other => panic!("expected an invalid hyper-parameter, got {other:?}"),
    };
    assert_eq!(
        named(Sgd::new(0.0, f64::NAN, 0.0, false).map(drop)),
        "dampening"
    );
    assert_eq!(named(Sgd::new(0.0, 1.5, 0.0, false).map(drop)), "dampening");
    assert_eq!(
        named(Sgd::new(f64::INFINITY, 0.0, 0.0, false).map(drop)),
        "momentum"
    );
    assert_eq!(
        named(RmsProp::new(1.5, 1e-8, 0.0, 0.0, false).map(drop)),
        "alpha"
    );
    assert_eq!(
        named(Adagrad::new(0.0, 0.0, 0.0, f64::INFINITY).map(drop)),
        "eps"
    );
    let rule = Sgd::new(0.0, 0.0, 0.0, false).unwrap();
    let made = Optimizer::new(vec![Value::from(1.0).into()], f64::INFINITY, Box::new(rule));
    assert!(matches!(
        made,
        Err(Error::InvalidHyperparameter { name: "lr", .. })
    ));
}

#[test]
fn a_parameter_listed_twice_is_updated_once_on_both_engines() {
    let (v, t) = (Value::from(1.0), tensor(&[1], vec![1.0]));
    let params = vec![
        v.clone().into(),
        t.clone().into(),
        v.clone().into(),
        t.clone().into(),
    ];
    let rule = Sgd::new(0.0, 0.0, 0.0, false).unwrap();
    let mut opt = Optimizer::new(params, 0.5, Box::new(rule)).unwrap();
    assert_eq!(opt.parameters().len(), 2);
    v.set_grad(1.0);
    t.sum(None, false).unwrap().backward().unwrap();
    opt.step().unwrap();
    assert_eq!(v.data(), 0.5);
    assert_eq!(t.data().iter().copied().collect::<Vec<_>>(), vec![0.5]);
}

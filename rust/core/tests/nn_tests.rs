//! Neuron, Layer and MLP: shapes, initialisation, forward values and errors.

use micrograd_core::{Activation, Error, Layer, Neuron, Value, MLP};
use rand::rngs::StdRng;
use rand::SeedableRng;

#[test]
fn an_mlp_2_16_16_1_has_337_parameters() {
    let mut rng = StdRng::seed_from_u64(0);
    let mlp = MLP::new(2, &[16, 16, 1], &mut rng).unwrap();
    assert_eq!(mlp.parameters().len(), 337);
}

#[test]
fn weights_start_uniform_in_minus_one_one_and_biases_at_zero() {
    let mut rng = StdRng::seed_from_u64(7);
    let layer = Layer::new(50, 20, Activation::Relu, &mut rng).unwrap();
    for neuron in layer.neurons() {
        assert!(neuron
            .weights()
            .iter()
            .all(|w| (-1.0..=1.0).contains(&w.data())));
        assert_eq!(neuron.bias().data(), 0.0);
    }
    let weights: Vec<f64> = layer
        .neurons()
        .iter()
        .flat_map(|n| n.weights())
        .map(Value::data)
        .collect();
    let mean = weights.iter().sum::<f64>() / weights.len() as f64;
    assert!(mean.abs() < 0.1, "mean of 1000 uniform draws is {mean}");
}

#[test]
fn the_same_seed_gives_the_same_network() {
    let first = MLP::new(3, &[4, 1], &mut StdRng::seed_from_u64(42)).unwrap();
    let second = MLP::new(3, &[4, 1], &mut StdRng::seed_from_u64(42)).unwrap();
    let data = |m: &MLP| m.parameters().iter().map(Value::data).collect::<Vec<_>>();
    assert_eq!(data(&first), data(&second));
}

#[test]
fn a_neuron_computes_relu_of_w_dot_x_plus_b() {
    let neuron = Neuron::from_weights(vec![0.5, -2.0], 1.0, Activation::Relu).unwrap();
    let x = [Value::from(4.0), Value::from(0.5)];
    assert_eq!(neuron.forward(&x).unwrap().data(), 2.0); // relu(1 + 2 - 1)
    let linear = Neuron::from_weights(vec![0.5, -2.0], -5.0, Activation::Linear).unwrap();
    assert_eq!(linear.forward(&x).unwrap().data(), -4.0);
}

#[test]
fn hidden_layers_are_relu_and_the_last_is_linear() {
    let mlp = MLP::new(2, &[3, 3, 1], &mut StdRng::seed_from_u64(1)).unwrap();
    let activations: Vec<_> = mlp
        .layers()
        .iter()
        .map(|l| l.neurons()[0].activation())
        .collect();
    assert_eq!(
        activations,
        [Activation::Relu, Activation::Relu, Activation::Linear]
    );
}

#[test]
fn zero_grad_clears_every_parameter() {
    let mlp = MLP::new(2, &[4, 1], &mut StdRng::seed_from_u64(3)).unwrap();
    let out = mlp.forward(&[Value::from(1.0), Value::from(-1.0)]).unwrap();
    (&out[0] + 1.0).backward(); // the output bias gets gradient 1 at least
    assert!(mlp.parameters().iter().any(|p| p.grad() != 0.0));
    mlp.zero_grad();
    assert!(mlp.parameters().iter().all(|p| p.grad() == 0.0));
}

#[test]
fn bad_sizes_and_inputs_are_errors_not_panics() {
    let mut rng = StdRng::seed_from_u64(0);
    assert_eq!(
        MLP::new(0, &[1], &mut rng).unwrap_err(),
        Error::NotPositive {
            argument: "nin",
            got: 0
        }
    );
    assert_eq!(
        MLP::new(2, &[], &mut rng).unwrap_err(),
        Error::Empty { argument: "nouts" }
    );
    assert!(MLP::new(2, &[3, 0], &mut rng).is_err());
    let mlp = MLP::new(2, &[1], &mut rng).unwrap();
    assert_eq!(
        mlp.forward(&[Value::from(1.0)]).unwrap_err(),
        Error::WrongLength {
            argument: "x",
            expected: 2,
            got: 1
        }
    );
}

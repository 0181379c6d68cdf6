//! Neuron, Layer and MLP over scalar `Value`s, as in Karpathy's micrograd.

use rand::{Rng, RngExt};

use crate::calculus::UnaryOp;
use crate::error::{check_length, Error, Result};
use crate::value::Value;

/// The nonlinearity a neuron applies to `w · x + b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Linear,
    Relu,
    LeakyRelu(f64),
    Tanh,
    Sigmoid,
}

impl Activation {
    /// The calculus op this activation applies (none for `Linear`).
    fn op(self) -> Option<UnaryOp> {
        match self {
            Activation::Linear => None,
            Activation::Relu => Some(UnaryOp::Relu),
            Activation::LeakyRelu(slope) => Some(UnaryOp::LeakyRelu(slope)),
            Activation::Tanh => Some(UnaryOp::Tanh),
            Activation::Sigmoid => Some(UnaryOp::Sigmoid),
        }
    }

    /// The same function on a plain number, for forward passes that build no graph.
    fn apply_number(self, x: f64) -> f64 {
        self.op().map_or(x, |op| op.apply(x))
    }

    fn apply(self, x: Value) -> Value {
        match self.op() {
            None => x,
            Some(op) => x.unary(op),
        }
    }
}

/// `activation(w · x + b)`.
#[derive(Clone, Debug)]
pub struct Neuron {
    weights: Vec<Value>,
    bias: Value,
    activation: Activation,
}

impl Neuron {
    /// `nin` weights uniform in [-1, 1] and a zero bias, as Karpathy initialises them.
    pub fn new<R: Rng + ?Sized>(nin: usize, activation: Activation, rng: &mut R) -> Result<Neuron> {
        let weights = (0..nin).map(|_| rng.random_range(-1.0..=1.0)).collect();
        Neuron::from_weights(weights, 0.0, activation)
    }

    /// A neuron with the given initial weights and bias.
    pub fn from_weights(weights: Vec<f64>, bias: f64, activation: Activation) -> Result<Neuron> {
        if weights.is_empty() {
            return Err(Error::Empty {
                argument: "weights",
            });
        }
        Ok(Neuron {
            weights: weights.into_iter().map(Value::new).collect(),
            bias: Value::new(bias),
            activation,
        })
    }

    /// Builds `activation(b + w0 x0 + w1 x1 + ...)`, summed in that order as
    /// Karpathy's `sum(..., self.b)` does, so results match his bit for bit.
    pub fn forward(&self, x: &[Value]) -> Result<Value> {
        check_length("x", self.nin(), x.len())?;
        let mut act = self.bias.clone();
        for (w, xi) in self.weights.iter().zip(x) {
            act += w * xi;
        }
        Ok(self.activation.apply(act))
    }

    /// `forward` on plain numbers: the same sums in the same order, no graph.
    fn predict(&self, x: &[f64]) -> f64 {
        let mut act = self.bias.data();
        for (w, xi) in self.weights.iter().zip(x) {
            act += w.data() * xi;
        }
        self.activation.apply_number(act)
    }

    pub fn weights(&self) -> &[Value] {
        &self.weights
    }

    pub fn bias(&self) -> &Value {
        &self.bias
    }

    pub fn activation(&self) -> Activation {
        self.activation
    }

    pub fn nin(&self) -> usize {
        self.weights.len()
    }

    /// The weights, then the bias.
    pub fn parameters(&self) -> Vec<Value> {
        let mut params = self.weights.clone();
        params.push(self.bias.clone());
        params
    }
}

/// `nout` neurons reading the same inputs.
#[derive(Clone, Debug)]
pub struct Layer {
    neurons: Vec<Neuron>,
}

impl Layer {
    pub fn new<R: Rng + ?Sized>(
        nin: usize,
        nout: usize,
        activation: Activation,
        rng: &mut R,
    ) -> Result<Layer> {
        check_positive("nin", nin)?;
        check_positive("nout", nout)?;
        let neurons = (0..nout)
            .map(|_| Neuron::new(nin, activation, rng))
            .collect::<Result<_>>()?;
        Layer::from_neurons(neurons)
    }

    /// A layer of neurons that all take the same number of inputs.
    pub fn from_neurons(neurons: Vec<Neuron>) -> Result<Layer> {
        let Some(first) = neurons.first() else {
            return Err(Error::Empty {
                argument: "neurons",
            });
        };
        let nin = first.nin();
        if let Some(odd) = neurons.iter().find(|n| n.nin() != nin) {
            return Err(Error::WrongLength {
                argument: "every neuron's weights",
                expected: nin,
                got: odd.nin(),
            });
        }
        Ok(Layer { neurons })
    }

    pub fn forward(&self, x: &[Value]) -> Result<Vec<Value>> {
        self.neurons.iter().map(|n| n.forward(x)).collect()
    }

    pub fn neurons(&self) -> &[Neuron] {
        &self.neurons
    }

    pub fn nin(&self) -> usize {
        self.neurons[0].nin()
    }

    pub fn nout(&self) -> usize {
        self.neurons.len()
    }

    pub fn parameters(&self) -> Vec<Value> {
        self.neurons.iter().flat_map(Neuron::parameters).collect()
    }
}

/// A multi-layer perceptron: ReLU hidden layers and a linear output layer.
#[derive(Clone, Debug)]
#[allow(clippy::upper_case_acronyms)] // Karpathy's name for it
pub struct MLP {
    layers: Vec<Layer>,
}

impl MLP {
    /// `nin` inputs, then one layer per entry of `nouts`.
    pub fn new<R: Rng + ?Sized>(nin: usize, nouts: &[usize], rng: &mut R) -> Result<MLP> {
        check_positive("nin", nin)?;
        if nouts.is_empty() {
            return Err(Error::Empty { argument: "nouts" });
        }
        let sizes: Vec<usize> = std::iter::once(nin).chain(nouts.iter().copied()).collect();
        let last = nouts.len() - 1;
        let layers = (0..nouts.len())
            .map(|i| {
                let activation = if i == last {
                    Activation::Linear
                } else {
                    Activation::Relu
                };
                Layer::new(sizes[i], sizes[i + 1], activation, rng)
            })
            .collect::<Result<_>>()?;
        MLP::from_layers(layers)
    }

    /// An MLP of layers whose sizes chain: each layer takes the previous one's outputs.
    pub fn from_layers(layers: Vec<Layer>) -> Result<MLP> {
        if layers.is_empty() {
            return Err(Error::Empty { argument: "layers" });
        }
        for pair in layers.windows(2) {
            check_length("a layer's inputs", pair[0].nout(), pair[1].nin())?;
        }
        Ok(MLP { layers })
    }

    pub fn forward(&self, x: &[Value]) -> Result<Vec<Value>> {
        let mut activations = self.layers[0].forward(x)?;
        for layer in &self.layers[1..] {
            activations = layer.forward(&activations)?;
        }
        Ok(activations)
    }

    /// One forward pass per row of a row-major matrix with `nin()` columns; each
    /// input becomes a leaf Value, as Karpathy's `list(map(Value, xrow))` makes it.
    pub fn forward_rows(&self, inputs: &[f64]) -> Result<Vec<Vec<Value>>> {
        let nin = self.check_rows(inputs)?;
        inputs
            .chunks(nin)
            .map(|row| self.forward(&row.iter().map(|&x| Value::new(x)).collect::<Vec<_>>()))
            .collect()
    }

    /// The outputs for each row of a row-major matrix with `nin()` columns, as plain
    /// numbers (row after row): for evaluation and plots, where no gradient is needed
    /// and building a graph would be wasted work.
    pub fn predict_rows(&self, inputs: &[f64]) -> Result<Vec<f64>> {
        let nin = self.check_rows(inputs)?;
        let rows = inputs.len() / nin;
        // Allocated at once: a size memory cannot hold is `OutOfMemory`, not an abort.
        crate::tensor::ensure_allocatable(&[rows, self.nout()])?;
        let mut outputs = Vec::with_capacity(rows * self.nout());
        let mut activations = Vec::new();
        for row in inputs.chunks(nin) {
            activations.clear();
            activations.extend_from_slice(row);
            for layer in &self.layers {
                activations = layer
                    .neurons
                    .iter()
                    .map(|n| n.predict(&activations))
                    .collect();
            }
            outputs.extend_from_slice(&activations);
        }
        Ok(outputs)
    }

    /// Checks that `inputs` holds whole rows of `nin()` numbers; returns `nin()`.
    fn check_rows(&self, inputs: &[f64]) -> Result<usize> {
        let nin = self.nin();
        if inputs.len() % nin != 0 {
            return Err(Error::WrongLength {
                argument: "every row of X",
                expected: nin,
                got: inputs.len() % nin,
            });
        }
        Ok(nin)
    }

    pub fn nout(&self) -> usize {
        self.layers[self.layers.len() - 1].nout()
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    pub fn nin(&self) -> usize {
        self.layers[0].nin()
    }

    pub fn parameters(&self) -> Vec<Value> {
        self.layers.iter().flat_map(Layer::parameters).collect()
    }

    pub fn zero_grad(&self) {
        for layer in &self.layers {
            for neuron in &layer.neurons {
                for p in neuron.weights.iter().chain([&neuron.bias]) {
                    p.set_grad(0.0);
                }
            }
        }
    }
}

fn check_positive(argument: &'static str, got: usize) -> Result<()> {
    if got == 0 {
        return Err(Error::NotPositive { argument, got: 0 });
    }
    Ok(())
}

//! Optimizers: a list of parameters and an update rule (rules.rs) that PyTorch's
//! equations define. One implementation serves scalar `Value` parameters and dense
//! tensors alike. Hyper-parameters are checked when an optimizer is made.

mod rules;

pub use rules::{Adagrad, Adam, RmsProp, Sgd, UpdateRule};

use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::value::Value;

/// A parameter an optimizer updates: a scalar or a whole tensor.
#[derive(Clone, Debug)]
pub enum Param {
    Scalar(Value),
    Tensor(Tensor),
}

impl Param {
    /// Which node this is: scalars and tensors apart, then the node's identity.
    fn key(&self) -> (bool, usize) {
        match self {
            Param::Scalar(v) => (false, v.node_id()),
            Param::Tensor(t) => (true, t.node_id()),
        }
    }

    /// Clears the gradient: a scalar's to 0, a tensor's to none.
    pub fn zero_grad(&self) {
        match self {
            Param::Scalar(v) => v.set_grad(0.0),
            Param::Tensor(t) => t.zero_grad(),
        }
    }
}

impl From<Value> for Param {
    fn from(value: Value) -> Param {
        Param::Scalar(value)
    }
}

impl From<Tensor> for Param {
    fn from(tensor: Tensor) -> Param {
        Param::Tensor(tensor)
    }
}

/// An update rule applied to a fixed list of parameters, in groups that each keep
/// their own running state: all scalar parameters together (gathered into one flat
/// buffer, as they always have a gradient), and each tensor on its own (updated in
/// place). A tensor without a gradient is skipped, as PyTorch skips a parameter
/// whose `grad` is None: a frozen or unused layer neither moves nor ages.
pub struct Optimizer<R: UpdateRule + ?Sized> {
    parameters: Vec<Param>,
    lr: f64,
    /// The scalar parameters' data and gradients, gathered for the rule.
    data: Vec<f64>,
    grad: Vec<f64>,
    rule: Box<R>,
}

/// The group of the scalar parameters; tensors follow, one group each, in order.
const SCALAR_GROUP: usize = 0;

impl<R: UpdateRule + ?Sized> Optimizer<R> {
    /// An optimizer over `parameters`; a parameter listed more than once (the same
    /// `Value` or `Tensor` node, whatever wraps it) is kept once, at its first place,
    /// so every parameter is updated once per step on both engines.
    pub fn new(parameters: Vec<Param>, lr: f64, rule: Box<R>) -> Result<Optimizer<R>> {
        if parameters.is_empty() {
            return Err(Error::Empty { argument: "params" });
        }
        let parameters = without_duplicates(parameters);
        check_non_negative("lr", lr)?;
        let size = parameters
            .iter()
            .filter(|p| matches!(p, Param::Scalar(_)))
            .count();
        Ok(Optimizer {
            data: Vec::with_capacity(size),
            grad: Vec::with_capacity(size),
            parameters,
            lr,
            rule,
        })
    }

    /// One update of every parameter from its current gradient.
    ///
    /// Fails with `OutOfMemory` (or `TooLarge`) when the rule's running state (made on the first
    /// step) cannot be allocated; the parameters not yet updated keep their values.
    pub fn step(&mut self) -> Result<()> {
        self.data.clear();
        self.grad.clear();
        for p in &self.parameters {
            if let Param::Scalar(v) = p {
                self.data.push(v.data());
                self.grad.push(v.grad());
            }
        }
        if !self.data.is_empty() {
            self.rule
                .update(self.lr, SCALAR_GROUP, &mut self.data, &self.grad)?;
            let scalars = self.parameters.iter().filter_map(|p| match p {
                Param::Scalar(v) => Some(v),
                Param::Tensor(_) => None,
            });
            for (v, &data) in scalars.zip(&self.data) {
                v.set_data(data);
            }
        }
        let tensors = self.parameters.iter().filter_map(|p| match p {
            Param::Tensor(t) => Some(t),
            Param::Scalar(_) => None,
        });
        let (rule, lr) = (&mut self.rule, self.lr);
        for (k, t) in tensors.enumerate() {
            t.update_from_grad(|data, grad| rule.update(lr, SCALAR_GROUP + 1 + k, data, grad))
                .transpose()?;
        }
        Ok(())
    }

    /// Clears every gradient (a scalar's to 0, a tensor's to none).
    pub fn zero_grad(&self) {
        for p in &self.parameters {
            p.zero_grad();
        }
    }

    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Changes the learning rate (for schedules); it must not be negative.
    pub fn set_lr(&mut self, lr: f64) -> Result<()> {
        check_non_negative("lr", lr)?;
        self.lr = lr;
        Ok(())
    }

    pub fn parameters(&self) -> &[Param] {
        &self.parameters
    }

    pub fn rule(&self) -> &R {
        &self.rule
    }
}

/// `parameters` with every repeat of a node dropped, first places kept in order.
fn without_duplicates(parameters: Vec<Param>) -> Vec<Param> {
    let mut seen = std::collections::HashSet::with_capacity(parameters.len());
    parameters
        .into_iter()
        .filter(|p| seen.insert(p.key()))
        .collect()
}

pub(crate) fn check_non_negative(name: &'static str, got: f64) -> Result<()> {
    // Written so that nan fails too; inf fails as no finite step comes of it.
    if got >= 0.0 && got.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            got,
            expected: "a finite number >= 0",
        })
    }
}

pub(crate) fn check_closed_unit_interval(name: &'static str, got: f64) -> Result<()> {
    if (0.0..=1.0).contains(&got) {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            got,
            expected: "in [0, 1]",
        })
    }
}

pub(crate) fn check_unit_interval(name: &'static str, got: f64) -> Result<()> {
    if (0.0..1.0).contains(&got) {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            got,
            expected: "in [0, 1)",
        })
    }
}

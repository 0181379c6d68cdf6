//! Optimizers with PyTorch's update equations and defaults.
//!
//! Each update rule works on flat slices of parameter data and gradients, so the
//! same rule serves scalar `Value` parameters and dense tensors alike (both gathered
//! into one buffer). Hyper-parameters are checked when an optimizer is made.

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
    fn len(&self) -> usize {
        match self {
            Param::Scalar(_) => 1,
            Param::Tensor(t) => t.len(),
        }
    }

    fn zero_grad(&self) {
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

/// One optimizer's arithmetic: updates `data` in place from `grad`, keeping
/// whatever running state it needs (one entry per parameter).
pub trait UpdateRule {
    fn update(&mut self, lr: f64, data: &mut [f64], grad: &[f64]);
}

/// Stochastic gradient descent with optional momentum, dampening, Nesterov
/// momentum and L2 weight decay (`torch.optim.SGD`).
#[derive(Clone, Debug)]
pub struct Sgd {
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    velocity: Option<Vec<f64>>,
}

impl Sgd {
    pub fn new(momentum: f64, dampening: f64, weight_decay: f64, nesterov: bool) -> Result<Sgd> {
        check_non_negative("momentum", momentum)?;
        check_non_negative("weight_decay", weight_decay)?;
        if nesterov && (momentum <= 0.0 || dampening != 0.0) {
            return Err(Error::InvalidHyperparameter {
                name: "momentum",
                got: momentum,
                expected: "> 0 with dampening = 0 when nesterov=True",
            });
        }
        Ok(Sgd {
            momentum,
            dampening,
            weight_decay,
            nesterov,
            velocity: None,
        })
    }
}

impl UpdateRule for Sgd {
    fn update(&mut self, lr: f64, data: &mut [f64], grad: &[f64]) {
        let first_step = self.velocity.is_none();
        let velocity = self.velocity.get_or_insert_with(|| vec![0.0; data.len()]);
        for ((p, &g), b) in data.iter_mut().zip(grad).zip(velocity.iter_mut()) {
            let mut g = g + self.weight_decay * *p;
            if self.momentum != 0.0 {
                *b = if first_step {
                    g
                } else {
                    self.momentum * *b + (1.0 - self.dampening) * g
                };
                g = if self.nesterov {
                    g + self.momentum * *b
                } else {
                    *b
                };
            }
            *p -= lr * g;
        }
    }
}

/// Adam (`torch.optim.Adam`, L2 weight decay added to the gradient), or AdamW
/// (`torch.optim.AdamW`, decoupled weight decay applied to the weights).
#[derive(Clone, Debug)]
pub struct Adam {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub decoupled_weight_decay: bool,
    pub amsgrad: bool,
    /// Steps taken; u64 so that no run lives long enough to overflow it.
    step: u64,
    first_moment: Vec<f64>,
    second_moment: Vec<f64>,
    max_second_moment: Vec<f64>,
}

impl Adam {
    pub fn new(
        betas: (f64, f64),
        eps: f64,
        weight_decay: f64,
        decoupled_weight_decay: bool,
        amsgrad: bool,
    ) -> Result<Adam> {
        check_unit_interval("betas[0]", betas.0)?;
        check_unit_interval("betas[1]", betas.1)?;
        check_non_negative("eps", eps)?;
        check_non_negative("weight_decay", weight_decay)?;
        Ok(Adam {
            beta1: betas.0,
            beta2: betas.1,
            eps,
            weight_decay,
            decoupled_weight_decay,
            amsgrad,
            step: 0,
            first_moment: Vec::new(),
            second_moment: Vec::new(),
            max_second_moment: Vec::new(),
        })
    }
}

impl UpdateRule for Adam {
    fn update(&mut self, lr: f64, data: &mut [f64], grad: &[f64]) {
        if self.step == 0 {
            self.first_moment = vec![0.0; data.len()];
            self.second_moment = vec![0.0; data.len()];
            self.max_second_moment = vec![0.0; data.len()];
        }
        self.step += 1;
        let bias_correction1 = 1.0 - self.beta1.powf(self.step as f64);
        let bias_correction2 = 1.0 - self.beta2.powf(self.step as f64);
        for i in 0..data.len() {
            let mut g = grad[i];
            if self.decoupled_weight_decay {
                data[i] *= 1.0 - lr * self.weight_decay;
            } else {
                g += self.weight_decay * data[i];
            }
            let m = &mut self.first_moment[i];
            let v = &mut self.second_moment[i];
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            let mut v_used = *v;
            if self.amsgrad {
                let max_v = &mut self.max_second_moment[i];
                *max_v = max_v.max(*v);
                v_used = *max_v;
            }
            let denom = (v_used / bias_correction2).sqrt() + self.eps;
            data[i] -= lr / bias_correction1 * *m / denom;
        }
    }
}

/// RMSprop (`torch.optim.RMSprop`), optionally centered and with momentum.
#[derive(Clone, Debug)]
pub struct RmsProp {
    pub alpha: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub momentum: f64,
    pub centered: bool,
    square_avg: Vec<f64>,
    grad_avg: Vec<f64>,
    momentum_buffer: Vec<f64>,
}

impl RmsProp {
    pub fn new(
        alpha: f64,
        eps: f64,
        weight_decay: f64,
        momentum: f64,
        centered: bool,
    ) -> Result<RmsProp> {
        check_non_negative("alpha", alpha)?;
        check_non_negative("eps", eps)?;
        check_non_negative("weight_decay", weight_decay)?;
        check_non_negative("momentum", momentum)?;
        Ok(RmsProp {
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
            square_avg: Vec::new(),
            grad_avg: Vec::new(),
            momentum_buffer: Vec::new(),
        })
    }
}

impl UpdateRule for RmsProp {
    fn update(&mut self, lr: f64, data: &mut [f64], grad: &[f64]) {
        if self.square_avg.is_empty() {
            self.square_avg = vec![0.0; data.len()];
            self.grad_avg = vec![0.0; data.len()];
            self.momentum_buffer = vec![0.0; data.len()];
        }
        for i in 0..data.len() {
            let g = grad[i] + self.weight_decay * data[i];
            let v = &mut self.square_avg[i];
            *v = self.alpha * *v + (1.0 - self.alpha) * g * g;
            let avg = if self.centered {
                let mean = &mut self.grad_avg[i];
                *mean = self.alpha * *mean + (1.0 - self.alpha) * g;
                (*v - *mean * *mean).sqrt() + self.eps
            } else {
                v.sqrt() + self.eps
            };
            if self.momentum > 0.0 {
                let buf = &mut self.momentum_buffer[i];
                *buf = self.momentum * *buf + g / avg;
                data[i] -= lr * *buf;
            } else {
                data[i] -= lr * g / avg;
            }
        }
    }
}

/// Adagrad (`torch.optim.Adagrad`).
#[derive(Clone, Debug)]
pub struct Adagrad {
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
    /// Steps taken; u64 so that no run lives long enough to overflow it.
    step: u64,
    sum_of_squares: Vec<f64>,
}

impl Adagrad {
    pub fn new(
        lr_decay: f64,
        weight_decay: f64,
        initial_accumulator_value: f64,
        eps: f64,
    ) -> Result<Adagrad> {
        check_non_negative("lr_decay", lr_decay)?;
        check_non_negative("weight_decay", weight_decay)?;
        check_non_negative("initial_accumulator_value", initial_accumulator_value)?;
        check_non_negative("eps", eps)?;
        Ok(Adagrad {
            lr_decay,
            weight_decay,
            initial_accumulator_value,
            eps,
            step: 0,
            sum_of_squares: Vec::new(),
        })
    }
}

impl UpdateRule for Adagrad {
    fn update(&mut self, lr: f64, data: &mut [f64], grad: &[f64]) {
        if self.step == 0 {
            self.sum_of_squares = vec![self.initial_accumulator_value; data.len()];
        }
        self.step += 1;
        let clr = lr / (1.0 + (self.step - 1) as f64 * self.lr_decay);
        for i in 0..data.len() {
            let g = grad[i] + self.weight_decay * data[i];
            let sum = &mut self.sum_of_squares[i];
            *sum += g * g;
            data[i] -= clr * g / (sum.sqrt() + self.eps);
        }
    }
}

/// An update rule applied to a fixed list of parameters. Each step gathers every
/// parameter's data and gradient into one flat buffer, runs the rule once, and
/// writes the data back: one code path for scalars and tensors alike.
pub struct Optimizer<R: UpdateRule + ?Sized> {
    parameters: Vec<Param>,
    lr: f64,
    data: Vec<f64>,
    grad: Vec<f64>,
    rule: Box<R>,
}

impl<R: UpdateRule + ?Sized> Optimizer<R> {
    pub fn new(parameters: Vec<Param>, lr: f64, rule: Box<R>) -> Result<Optimizer<R>> {
        if parameters.is_empty() {
            return Err(Error::Empty { argument: "params" });
        }
        check_non_negative("lr", lr)?;
        let size = parameters.iter().map(Param::len).sum();
        Ok(Optimizer {
            data: Vec::with_capacity(size),
            grad: Vec::with_capacity(size),
            parameters,
            lr,
            rule,
        })
    }

    /// One update of every parameter from its current gradient.
    pub fn step(&mut self) {
        self.data.clear();
        self.grad.clear();
        for p in &self.parameters {
            match p {
                Param::Scalar(v) => {
                    self.data.push(v.data());
                    self.grad.push(v.grad());
                }
                Param::Tensor(t) => t.gather_into(&mut self.data, &mut self.grad),
            }
        }
        self.rule.update(self.lr, &mut self.data, &self.grad);
        let mut start = 0;
        for p in &self.parameters {
            let end = start + p.len();
            match p {
                Param::Scalar(v) => v.set_data(self.data[start]),
                Param::Tensor(t) => t.assign(self.data[start..end].iter().copied()),
            }
            start = end;
        }
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

fn check_non_negative(name: &'static str, got: f64) -> Result<()> {
    // Written so that nan fails too.
    if got >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name,
            got,
            expected: "a number >= 0",
        })
    }
}

fn check_unit_interval(name: &'static str, got: f64) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Step counts past i32::MAX (a counter that wrapped there made the bias
    /// corrections nonsense): Adam's first update after 2^32 steps moves each weight
    /// by lr * m / (sqrt(v) + eps) with both corrections 1 and fresh moments.
    #[test]
    fn step_counts_beyond_i32_keep_the_update_rules_finite_and_exact() {
        let mut adam = Adam::new((0.9, 0.999), 1e-8, 0.0, false, false).unwrap();
        let mut data = [1.0];
        adam.update(0.1, &mut data, &[0.0]); // allocates the moments
        adam.step = u64::from(u32::MAX);
        adam.update(0.1, &mut data, &[2.0]);
        let (m, v) = (0.1 * 2.0, 0.001 * 4.0);
        let expected = 1.0 - 0.1 * m / (f64::sqrt(v) + 1e-8);
        assert!(
            (data[0] - expected).abs() < 1e-12,
            "{} vs {expected}",
            data[0]
        );

        let mut adagrad = Adagrad::new(0.5, 0.0, 0.0, 1e-10).unwrap();
        let mut data = [1.0];
        adagrad.update(1.0, &mut data, &[0.0]);
        adagrad.step = u64::from(u32::MAX);
        adagrad.update(1.0, &mut data, &[3.0]);
        let clr = 1.0 / (1.0 + f64::from(u32::MAX) * 0.5);
        let expected = 1.0 - clr * 3.0 / (3.0 + 1e-10);
        assert!(
            (data[0] - expected).abs() < 1e-15,
            "{} vs {expected}",
            data[0]
        );
    }
}

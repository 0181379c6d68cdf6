//! The update rules, with PyTorch's equations and defaults. Each works on flat slices
//! of one parameter group's data and gradients, and keeps its running state (step
//! counts, moments) per group, as PyTorch keeps it per parameter: a group skipped on
//! a step (a tensor without a gradient) resumes where it left off.

use super::{check_closed_unit_interval, check_non_negative, check_unit_interval};
use crate::error::{Error, Result};
use crate::tensor::ensure_allocatable;

/// One optimizer's arithmetic: updates `data` in place from `grad`, using and
/// advancing the running state it keeps for `group` (made on the group's first update).
///
/// Fails, changing nothing, only when that state cannot be allocated (`OutOfMemory`,
/// a Python `MemoryError`, or `TooLarge` for a size no address space holds):
/// Adam's moments triple a model's memory, and an allocation failure must be an error,
/// not an abort.
pub trait UpdateRule {
    fn update(&mut self, lr: f64, group: usize, data: &mut [f64], grad: &[f64]) -> Result<()>;
}

/// `len` copies of `value`, checked first as any tensor's storage is (a size that
/// cannot exist, the allocator refuses, or the system cannot back is an error), where
/// `vec![value; len]` would abort or be killed filling it.
fn filled(len: usize, value: f64) -> Result<Vec<f64>> {
    ensure_allocatable(&[len])?;
    Ok(vec![value; len])
}

/// Running state per parameter group, made on the group's first update.
#[derive(Clone, Debug)]
struct PerGroup<S>(Vec<Option<S>>);

impl<S> Default for PerGroup<S> {
    fn default() -> Self {
        PerGroup(Vec::new())
    }
}

impl<S> PerGroup<S> {
    fn get_or_init(&mut self, group: usize, init: impl FnOnce() -> Result<S>) -> Result<&mut S> {
        if self.0.len() <= group {
            self.0.resize_with(group + 1, || None);
        }
        let slot = &mut self.0[group];
        if slot.is_none() {
            *slot = Some(init()?);
        }
        Ok(slot.as_mut().expect("just set"))
    }
}

/// Stochastic gradient descent with optional momentum, dampening, Nesterov
/// momentum and L2 weight decay (`torch.optim.SGD`).
#[derive(Clone, Debug)]
pub struct Sgd {
    pub momentum: f64,
    pub dampening: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
    /// The momentum buffer; None until the group's first step, which sets it to g.
    velocity: PerGroup<Option<Vec<f64>>>,
}

impl Sgd {
    pub fn new(momentum: f64, dampening: f64, weight_decay: f64, nesterov: bool) -> Result<Sgd> {
        check_non_negative("momentum", momentum)?;
        check_closed_unit_interval("dampening", dampening)?;
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
            velocity: PerGroup::default(),
        })
    }
}

impl UpdateRule for Sgd {
    fn update(&mut self, lr: f64, group: usize, data: &mut [f64], grad: &[f64]) -> Result<()> {
        let velocity = self.velocity.get_or_init(group, || Ok(None))?;
        let first_step = velocity.is_none();
        if first_step {
            *velocity = Some(filled(data.len(), 0.0)?);
        }
        let velocity = velocity.as_mut().expect("just set");
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
        Ok(())
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
    state: PerGroup<AdamState>,
}

#[derive(Clone, Debug)]
struct AdamState {
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
            state: PerGroup::default(),
        })
    }
}

impl UpdateRule for Adam {
    fn update(&mut self, lr: f64, group: usize, data: &mut [f64], grad: &[f64]) -> Result<()> {
        let state = self.state.get_or_init(group, || {
            Ok(AdamState {
                step: 0,
                first_moment: filled(data.len(), 0.0)?,
                second_moment: filled(data.len(), 0.0)?,
                max_second_moment: filled(data.len(), 0.0)?,
            })
        })?;
        state.step += 1;
        let bias_correction1 = 1.0 - self.beta1.powf(state.step as f64);
        let bias_correction2 = 1.0 - self.beta2.powf(state.step as f64);
        for i in 0..data.len() {
            let mut g = grad[i];
            if self.decoupled_weight_decay {
                data[i] *= 1.0 - lr * self.weight_decay;
            } else {
                g += self.weight_decay * data[i];
            }
            let m = &mut state.first_moment[i];
            let v = &mut state.second_moment[i];
            *m = self.beta1 * *m + (1.0 - self.beta1) * g;
            *v = self.beta2 * *v + (1.0 - self.beta2) * g * g;
            let mut v_used = *v;
            if self.amsgrad {
                let max_v = &mut state.max_second_moment[i];
                *max_v = max_v.max(*v);
                v_used = *max_v;
            }
            let denom = (v_used / bias_correction2).sqrt() + self.eps;
            data[i] -= lr / bias_correction1 * *m / denom;
        }
        Ok(())
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
    state: PerGroup<RmsPropState>,
}

#[derive(Clone, Debug)]
struct RmsPropState {
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
        check_closed_unit_interval("alpha", alpha)?;
        check_non_negative("eps", eps)?;
        check_non_negative("weight_decay", weight_decay)?;
        check_non_negative("momentum", momentum)?;
        Ok(RmsProp {
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
            state: PerGroup::default(),
        })
    }
}

impl UpdateRule for RmsProp {
    fn update(&mut self, lr: f64, group: usize, data: &mut [f64], grad: &[f64]) -> Result<()> {
        let state = self.state.get_or_init(group, || {
            Ok(RmsPropState {
                square_avg: filled(data.len(), 0.0)?,
                grad_avg: filled(data.len(), 0.0)?,
                momentum_buffer: filled(data.len(), 0.0)?,
            })
        })?;
        for i in 0..data.len() {
            let g = grad[i] + self.weight_decay * data[i];
            let v = &mut state.square_avg[i];
            *v = self.alpha * *v + (1.0 - self.alpha) * g * g;
            let avg = if self.centered {
                let mean = &mut state.grad_avg[i];
                *mean = self.alpha * *mean + (1.0 - self.alpha) * g;
                (*v - *mean * *mean).sqrt() + self.eps
            } else {
                v.sqrt() + self.eps
            };
            if self.momentum > 0.0 {
                let buf = &mut state.momentum_buffer[i];
                *buf = self.momentum * *buf + g / avg;
                data[i] -= lr * *buf;
            } else {
                data[i] -= lr * g / avg;
            }
        }
        Ok(())
    }
}

/// Adagrad (`torch.optim.Adagrad`).
#[derive(Clone, Debug)]
pub struct Adagrad {
    pub lr_decay: f64,
    pub weight_decay: f64,
    pub initial_accumulator_value: f64,
    pub eps: f64,
    state: PerGroup<AdagradState>,
}

#[derive(Clone, Debug)]
struct AdagradState {
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
            state: PerGroup::default(),
        })
    }
}

impl UpdateRule for Adagrad {
    fn update(&mut self, lr: f64, group: usize, data: &mut [f64], grad: &[f64]) -> Result<()> {
        let initial = self.initial_accumulator_value;
        let state = self.state.get_or_init(group, || {
            Ok(AdagradState {
                step: 0,
                sum_of_squares: filled(data.len(), initial)?,
            })
        })?;
        state.step += 1;
        let clr = lr / (1.0 + (state.step - 1) as f64 * self.lr_decay);
        for i in 0..data.len() {
            let g = grad[i] + self.weight_decay * data[i];
            let sum = &mut state.sum_of_squares[i];
            *sum += g * g;
            data[i] -= clr * g / (sum.sqrt() + self.eps);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_too_big_for_memory_is_an_error_not_an_abort() {
        let len = usize::MAX / 4; // more bytes than any address space holds
        match filled(len, 0.0) {
            Err(Error::TooLarge { shape }) => assert_eq!(shape, [len]),
            other => panic!("expected TooLarge, got {:?}", other.map(|v| v.len())),
        }
        // Allowed by the address space, more than the machine has: refused up front.
        let len = 1 << 50; // 8 PiB
        assert!(matches!(filled(len, 0.0), Err(Error::OutOfMemory { .. })));
        // The group's state stays unmade, so a later step can try again.
        let mut states: PerGroup<Vec<f64>> = PerGroup::default();
        assert!(states.get_or_init(0, || filled(len, 0.0)).is_err());
        assert_eq!(
            states.get_or_init(0, || filled(2, 1.0)).unwrap(),
            &vec![1.0, 1.0]
        );
    }

    /// Step counts past i32::MAX (a counter that wrapped there made the bias
    /// corrections nonsense): Adam's first update after 2^32 steps moves each weight
    /// by lr * m / (sqrt(v) + eps) with both corrections 1 and fresh moments.
    #[test]
    fn step_counts_beyond_i32_keep_the_update_rules_finite_and_exact() {
        let mut adam = Adam::new((0.9, 0.999), 1e-8, 0.0, false, false).unwrap();
        let mut data = [1.0];
        adam.update(0.1, 0, &mut data, &[0.0]).unwrap(); // makes the group's state
        adam.state.get_or_init(0, || unreachable!()).unwrap().step = u64::from(u32::MAX);
        adam.update(0.1, 0, &mut data, &[2.0]).unwrap();
        let (m, v) = (0.1 * 2.0, 0.001 * 4.0);
        let expected = 1.0 - 0.1 * m / (f64::sqrt(v) + 1e-8);
        assert!(
            (data[0] - expected).abs() < 1e-12,
            "{} vs {expected}",
            data[0]
        );

        let mut adagrad = Adagrad::new(0.5, 0.0, 0.0, 1e-10).unwrap();
        let mut data = [1.0];
        adagrad.update(1.0, 0, &mut data, &[0.0]).unwrap();
        adagrad
            .state
            .get_or_init(0, || unreachable!())
            .unwrap()
            .step = u64::from(u32::MAX);
        adagrad.update(1.0, 0, &mut data, &[3.0]).unwrap();
        let clr = 1.0 / (1.0 + f64::from(u32::MAX) * 0.5);
        let expected = 1.0 - clr * 3.0 / (3.0 + 1e-10);
        assert!(
            (data[0] - expected).abs() < 1e-15,
            "{} vs {expected}",
            data[0]
        );
    }

    #[test]
    fn each_group_keeps_its_own_step_count_and_moments() {
        // Group 1 skips the second step; its third update must be its second.
        let mut together = Adam::new((0.9, 0.999), 1e-8, 0.0, false, false).unwrap();
        let mut alone = together.clone();
        let (mut a, mut b, mut reference) = ([1.0], [1.0], [1.0]);
        together.update(0.1, 0, &mut a, &[0.5]).unwrap();
        together.update(0.1, 1, &mut b, &[0.5]).unwrap();
        together.update(0.1, 0, &mut a, &[0.5]).unwrap();
        together.update(0.1, 1, &mut b, &[-2.0]).unwrap();
        alone.update(0.1, 0, &mut reference, &[0.5]).unwrap();
        alone.update(0.1, 0, &mut reference, &[-2.0]).unwrap();
        assert_eq!(b, reference);
        assert_ne!(a, b);
    }
}

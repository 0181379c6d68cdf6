//! `Tensor`: a shared, mutable node of a graph of n-dimensional float64 arrays.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use ndarray::{ArrayD, IxDyn};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal, Uniform};

use super::op::TensorOp;
use super::shape::{ensure_allocatable, ensure_ndim};
use super::storage::{DataRef, Storage};
use crate::error::{Error, Result};
use crate::graph;

/// An n-dimensional float64 array that remembers how it was computed.
///
/// Like `Value`, cloning shares the node. Leaves that `requires_grad` receive
/// gradients from `backward()`; results require grad when any operand does.
#[derive(Clone)]
pub struct Tensor(pub(crate) Rc<RefCell<TensorNode>>);

pub(crate) struct TensorNode {
    /// Never replaced or resized after the node is made (updates write in place):
    /// the Python bindings hand out numpy views of this buffer.
    pub(crate) storage: Storage,
    pub(crate) grad: Option<ArrayD<f64>>,
    pub(crate) op: TensorOp,
    pub(crate) requires_grad: bool,
    /// The last graph walk that reached this node (see `graph.rs`).
    pub(crate) visit_mark: u64,
}

impl Tensor {
    /// The handle's reference, as a plain `Rc` (for the graph's iterative drop; the
    /// scalar `Value` has the same method).
    #[inline]
    pub(crate) fn into_rc(self) -> Rc<RefCell<TensorNode>> {
        self.0
    }

    /// A leaf holding `data`.
    pub fn new(data: ArrayD<f64>, requires_grad: bool) -> Tensor {
        Tensor::with_op(data, TensorOp::Leaf, requires_grad)
    }

    pub(crate) fn with_op(data: ArrayD<f64>, op: TensorOp, requires_grad: bool) -> Tensor {
        Tensor::with_storage(Storage::Owned(data), op, requires_grad)
    }

    fn with_storage(storage: Storage, op: TensorOp, requires_grad: bool) -> Tensor {
        Tensor(Rc::new(RefCell::new(TensorNode {
            storage,
            grad: None,
            op,
            requires_grad,
            visit_mark: 0,
        })))
    }

    /// A leaf over memory that `owner` keeps alive (a numpy array's, say), without
    /// copying it: `owner`'s own changes to the values show in the tensor, and
    /// writes to the tensor (an optimizer's step, `copy_from`) land in that memory.
    /// `owner` is dropped with the node.
    ///
    /// # Safety
    /// `ptr` must be non-null and aligned, and point to `shape.iter().product()`
    /// initialized f64s in row-major order, valid for reads and writes for as long as
    /// `owner` lives; and nothing else may write them while a method of this tensor,
    /// or of one computed from it, runs.
    pub unsafe fn from_lent(
        ptr: *mut f64,
        shape: &[usize],
        owner: Box<dyn Any>,
        requires_grad: bool,
    ) -> Tensor {
        // SAFETY: passed on from the caller.
        let storage = unsafe { Storage::lent(ptr, shape, owner) };
        Tensor::with_storage(storage, TensorOp::Leaf, requires_grad)
    }

    /// `f(owner)` for the owner of lent memory (`from_lent`), when this handle is the
    /// only one to its node: what a binding's garbage-collector support reports as
    /// held by this handle (an owner reachable through shared handles is reported by
    /// none, so it is never counted twice). None otherwise, or while borrowed.
    pub fn visit_sole_lent_owner<R>(&self, f: impl FnOnce(&dyn Any) -> R) -> Option<R> {
        if Rc::strong_count(&self.0) != 1 {
            return None;
        }
        let node = self.0.try_borrow().ok()?;
        match &node.storage {
            Storage::Lent { _owner, .. } => Some(f(&**_owner)),
            Storage::Owned(_) => None,
        }
    }

    /// Breaks a reference cycle through lent memory: when this handle is the only one
    /// to its node, the values are copied into memory of its own and the owner is
    /// handed back (for the caller to drop, outside any borrow). None otherwise.
    pub fn take_sole_lent_owner(&self) -> Option<Box<dyn Any>> {
        if Rc::strong_count(&self.0) != 1 {
            return None;
        }
        let mut node = self.0.try_borrow_mut().ok()?;
        if !node.storage.is_lent() {
            return None;
        }
        let copy = Storage::Owned(node.storage.view().to_owned());
        match std::mem::replace(&mut node.storage, copy) {
            Storage::Lent { _owner, .. } => Some(_owner),
            Storage::Owned(_) => None,
        }
    }

    /// Whether the values live in memory lent by another owner (`from_lent`).
    pub fn is_lent(&self) -> bool {
        self.0.borrow().storage.is_lent()
    }

    /// A leaf from row-major values and a shape.
    pub fn from_shape_vec(
        shape: &[usize],
        values: Vec<f64>,
        requires_grad: bool,
    ) -> Result<Tensor> {
        ensure_ndim(shape.len())?;
        let len = values.len();
        let data = ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|_| Error::BadReshape {
            from: vec![len],
            to: shape.iter().map(|&d| d as isize).collect(),
        })?;
        Ok(Tensor::new(data, requires_grad))
    }

    pub fn scalar(value: f64) -> Tensor {
        Tensor::new(ArrayD::from_elem(IxDyn(&[]), value), false)
    }

    pub fn zeros(shape: &[usize], requires_grad: bool) -> Result<Tensor> {
        ensure_allocatable(shape)?;
        Ok(Tensor::new(ArrayD::zeros(IxDyn(shape)), requires_grad))
    }

    pub fn ones(shape: &[usize], requires_grad: bool) -> Result<Tensor> {
        ensure_allocatable(shape)?;
        Ok(Tensor::new(ArrayD::ones(IxDyn(shape)), requires_grad))
    }

    /// Standard normal samples drawn from `rng`.
    pub fn randn<R: Rng + ?Sized>(
        shape: &[usize],
        requires_grad: bool,
        rng: &mut R,
    ) -> Result<Tensor> {
        ensure_allocatable(shape)?;
        let data = ArrayD::from_shape_simple_fn(IxDyn(shape), || StandardNormal.sample(rng));
        Ok(Tensor::new(data, requires_grad))
    }

    /// Samples uniform in `[low, high)` drawn from `rng`.
    pub fn uniform<R: Rng + ?Sized>(
        shape: &[usize],
        low: f64,
        high: f64,
        requires_grad: bool,
        rng: &mut R,
    ) -> Result<Tensor> {
        let uniform = Uniform::new(low, high).map_err(|_| Error::InvalidHyperparameter {
            name: "high",
            got: high,
            expected: "greater than low (and both finite)",
        })?;
        ensure_allocatable(shape)?;
        let data = ArrayD::from_shape_simple_fn(IxDyn(shape), || uniform.sample(rng));
        Ok(Tensor::new(data, requires_grad))
    }

    /// `start, start + step, ...` below `stop` (above it for a negative step).
    pub fn arange(start: f64, stop: f64, step: f64) -> Result<Tensor> {
        if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
            return Err(Error::InvalidHyperparameter {
                name: "step",
                got: step,
                expected: "finite and non-zero, with finite start and stop",
            });
        }
        let count = ((stop - start) / step).ceil().max(0.0);
        if count >= usize::MAX as f64 {
            return Err(Error::TooLarge {
                shape: vec![usize::MAX],
            });
        }
        let count = count as usize;
        ensure_allocatable(&[count])?;
        let values = (0..count).map(|i| start + i as f64 * step).collect();
        Tensor::from_shape_vec(&[count], values, false)
    }

    /// The values, as a view that holds the node's borrow while it lives.
    pub fn data(&self) -> DataRef<'_> {
        DataRef::new(self.0.borrow())
    }

    /// Overwrites the values in place with `values` of the same shape (PyTorch's
    /// `copy_`): whoever holds this tensor, an optimizer say, sees the new values.
    pub fn copy_from(&self, values: &ArrayD<f64>) -> Result<()> {
        let mut node = self.0.borrow_mut();
        let mut data = node.storage.view_mut();
        if data.shape() != values.shape() {
            return Err(Error::ShapeMismatch {
                op: "copy_",
                left: data.shape().to_vec(),
                right: values.shape().to_vec(),
            });
        }
        data.assign(values);
        Ok(())
    }

    /// The gradient from `backward()`, if one has reached this tensor.
    pub fn grad(&self) -> Option<ArrayD<f64>> {
        self.0.borrow().grad.clone()
    }

    /// How an optimizer updates a tensor parameter: `update` gets the values (to
    /// change in place) and the gradient as flat row-major slices, and what it
    /// returns comes back. Without a gradient nothing is called and None is returned
    /// (PyTorch skips such a parameter).
    pub(crate) fn update_from_grad<T>(
        &self,
        update: impl FnOnce(&mut [f64], &[f64]) -> T,
    ) -> Option<T> {
        let mut node = self.0.borrow_mut();
        let node = &mut *node;
        let grad = node.grad.as_ref()?;
        let mut data = node.storage.view_mut();
        Some(match (data.as_slice_mut(), grad.as_slice()) {
            (Some(data), Some(grad)) => update(data, grad),
            _ => {
                // A gradient in another memory order (made through a transpose, say):
                // row-major copies for the rule, then the values written back.
                let mut values: Vec<f64> = data.iter().copied().collect();
                let grads: Vec<f64> = grad.iter().copied().collect();
                let outcome = update(&mut values, &grads);
                for (slot, value) in data.iter_mut().zip(values) {
                    *slot = value;
                }
                outcome
            }
        })
    }

    /// Forgets the gradient (PyTorch's `grad = None`).
    pub fn zero_grad(&self) {
        self.0.borrow_mut().grad = None;
    }

    pub fn set_grad(&self, grad: Option<ArrayD<f64>>) -> Result<()> {
        if let Some(g) = &grad {
            if g.shape() != self.shape().as_slice() {
                return Err(Error::ShapeMismatch {
                    op: "grad",
                    left: self.shape(),
                    right: g.shape().to_vec(),
                });
            }
        }
        self.0.borrow_mut().grad = grad;
        Ok(())
    }

    pub fn shape(&self) -> Vec<usize> {
        self.data().shape().to_vec()
    }

    pub fn ndim(&self) -> usize {
        self.data().ndim()
    }

    pub fn len(&self) -> usize {
        self.data().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn requires_grad(&self) -> bool {
        self.0.borrow().requires_grad
    }

    /// Turns gradient tracking on or off for a leaf.
    pub fn set_requires_grad(&self, requires_grad: bool) {
        self.0.borrow_mut().requires_grad = requires_grad;
    }

    pub fn is_leaf(&self) -> bool {
        matches!(self.0.borrow().op, TensorOp::Leaf)
    }

    /// The op's name (`"matmul"`, `"add"`, ...), empty for a leaf.
    pub fn op_name(&self) -> &'static str {
        self.0.borrow().op.name()
    }

    /// The tensors this one was computed from, in order.
    pub fn operands(&self) -> Vec<Tensor> {
        self.0.borrow().op.operands().into_iter().cloned().collect()
    }

    /// The single value of a one-element tensor.
    pub fn item(&self) -> Result<f64> {
        let data = self.data();
        if data.len() != 1 {
            return Err(Error::NotScalar {
                op: "item()",
                shape: data.shape().to_vec(),
            });
        }
        Ok(data.iter().copied().next().unwrap_or(f64::NAN))
    }

    /// A number identifying the node, equal for handles that share it.
    pub fn node_id(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }

    /// Adds row `k` of `rows` into row `indices[k]` of the gradient, in place: a
    /// selection's backward without a zero array of the whole input per selection
    /// (which made selecting n rows one by one cost O(n^2)).
    pub(crate) fn accumulate_grad_rows(&self, indices: &[usize], rows: &ArrayD<f64>) {
        let mut node = self.0.borrow_mut();
        if !node.requires_grad {
            return;
        }
        let shape = node.storage.raw_view().raw_dim();
        let grad = node.grad.get_or_insert_with(|| ArrayD::zeros(shape));
        for (k, &i) in indices.iter().enumerate() {
            let mut target = grad.index_axis_mut(ndarray::Axis(0), i);
            target += &rows.index_axis(ndarray::Axis(0), k);
        }
    }

    pub(crate) fn accumulate_grad(&self, delta: ArrayD<f64>) {
        let mut node = self.0.borrow_mut();
        if !node.requires_grad {
            return;
        }
        match &mut node.grad {
            Some(grad) => *grad += &delta,
            None => node.grad = Some(delta),
        }
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tensor({})", *self.data())
    }
}

graph::graph_node!(TensorNode, TensorOp::Leaf);

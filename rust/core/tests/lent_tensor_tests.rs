//! Tensors over lent memory (`Tensor::from_lent`, behind `Tensor.from_numpy`): ops
//! read that memory, in-place updates write it, and the owner is dropped with the
//! last node that uses it.

use std::cell::Cell;
use std::rc::Rc;

use micrograd_core::optim::{Optimizer, Param, Sgd};
use micrograd_core::Tensor;

/// A buffer that records when it is dropped, standing in for a numpy array.
struct Owner {
    _values: Vec<f64>,
    dropped: Rc<Cell<bool>>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.dropped.set(true);
    }
}

/// A tensor over `values`, the buffer's address, and the owner's drop flag.
fn lent(values: Vec<f64>, shape: &[usize]) -> (Tensor, *mut f64, Rc<Cell<bool>>) {
    let mut values = values;
    let ptr = values.as_mut_ptr(); // the heap buffer stays put when the Vec moves
    let dropped = Rc::new(Cell::new(false));
    let owner = Box::new(Owner {
        _values: values,
        dropped: dropped.clone(),
    });
    // SAFETY: `ptr` points to the owner's `shape.product()` f64s, which live as
    // long as the owner; the test writes them only between tensor calls.
    let tensor = unsafe { Tensor::from_lent(ptr, shape, owner, true) };
    (tensor, ptr, dropped)
}

#[test]
fn ops_read_the_lent_memory_and_see_the_owners_writes() {
    let (t, ptr, _) = lent(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    assert!(t.is_lent());
    assert_eq!(t.shape(), vec![2, 2]);
    let total = |t: &Tensor| t.sum(None, false).unwrap().item().unwrap();
    assert_eq!(total(&t), 10.0);
    // SAFETY: within the owner's buffer, and no tensor method is running.
    unsafe { *ptr.add(3) = 40.0 };
    assert_eq!(total(&t), 46.0);
}

#[test]
fn gradients_of_a_lent_leaf_match_an_owned_one() {
    let (lent_x, _, _) = lent(vec![0.5, -1.0, 2.0], &[3]);
    let owned_x = Tensor::from_shape_vec(&[3], vec![0.5, -1.0, 2.0], true).unwrap();
    for x in [&lent_x, &owned_x] {
        let y = x.mul(x).unwrap().tanh().sum(None, false).unwrap();
        y.backward().unwrap();
    }
    let (lent_grad, owned_grad) = (lent_x.grad().unwrap(), owned_x.grad().unwrap());
    for (l, o) in lent_grad.iter().zip(owned_grad.iter()) {
        assert!((l - o).abs() <= 1e-12 * o.abs().max(1.0), "{l} vs {o}");
        assert!(*l != 0.0);
    }
}

#[test]
fn an_optimizer_step_writes_into_the_lent_memory() {
    let (w, ptr, _) = lent(vec![1.0, -2.0], &[2]);
    w.mul(&w)
        .unwrap()
        .sum(None, false)
        .unwrap()
        .backward()
        .unwrap(); // grad 2w
    let rule = Sgd::new(0.0, 0.0, 0.0, false).unwrap();
    let mut sgd = Optimizer::new(vec![Param::Tensor(w.clone())], 0.25, Box::new(rule)).unwrap();
    sgd.step().unwrap();
    // SAFETY: the owner is alive (w holds it) and no tensor method is running.
    let written = unsafe { std::slice::from_raw_parts(ptr, 2) };
    assert_eq!(written, &[0.5, -1.0]);
}

#[test]
fn the_owner_is_dropped_with_the_last_node_that_uses_it() {
    let (t, _, dropped) = lent(vec![1.0, 2.0], &[2]);
    let result = t.exp();
    drop(t);
    assert!(!dropped.get(), "the result's graph still holds the leaf");
    drop(result);
    assert!(dropped.get());
}

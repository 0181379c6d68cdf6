//! Where a tensor's values live: in an array the node owns, or in memory another
//! owner lends it (a numpy array, through the Python bindings), kept alive by the node.

use std::any::Any;
use std::cell::Ref;
use std::ops::Deref;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, RawArrayView, RawArrayViewMut};

use super::node::TensorNode;

pub(crate) enum Storage {
    Owned(ArrayD<f64>),
    Lent {
        values: RawArrayViewMut<f64, IxDyn>,
        /// What keeps `values` valid; dropped with the node, never read.
        _owner: Box<dyn Any>,
    },
}

impl Storage {
    /// Row-major f64s at `ptr`, valid while `owner` lives.
    ///
    /// # Safety
    /// As for `Tensor::from_lent`.
    pub(crate) unsafe fn lent(ptr: *mut f64, shape: &[usize], owner: Box<dyn Any>) -> Storage {
        Storage::Lent {
            // SAFETY: the caller vouches for the pointer, the length and the layout.
            values: unsafe { RawArrayViewMut::from_shape_ptr(IxDyn(shape), ptr) },
            _owner: owner,
        }
    }

    pub(crate) fn raw_view(&self) -> RawArrayView<f64, IxDyn> {
        match self {
            Storage::Owned(array) => array.raw_view(),
            Storage::Lent { values, .. } => values.raw_view(),
        }
    }

    pub(crate) fn view(&self) -> ArrayViewD<'_, f64> {
        match self {
            Storage::Owned(array) => array.view(),
            // SAFETY: valid while `self` is (the owner lives in it), and `&self` rules
            // out a mutable view of the memory for as long as this view lives.
            Storage::Lent { values, .. } => unsafe { values.raw_view().deref_into_view() },
        }
    }

    pub(crate) fn view_mut(&mut self) -> ArrayViewMutD<'_, f64> {
        match self {
            Storage::Owned(array) => array.view_mut(),
            // SAFETY: valid while `self` is (the owner lives in it), and `&mut self`
            // makes this the only view of the memory for its lifetime.
            Storage::Lent { values, .. } => unsafe { values.clone().deref_into_view_mut() },
        }
    }

    pub(crate) fn is_lent(&self) -> bool {
        matches!(self, Storage::Lent { .. })
    }
}

/// A tensor's values, borrowed: reads as an `ArrayViewD` and holds the node's
/// `RefCell` borrow for as long as it lives, so nothing can write them meanwhile.
pub struct DataRef<'a> {
    view: ArrayViewD<'a, f64>,
    _node: Ref<'a, TensorNode>,
}

impl<'a> DataRef<'a> {
    pub(crate) fn new(node: Ref<'a, TensorNode>) -> DataRef<'a> {
        // SAFETY: the view points into the node's storage, which is neither moved nor
        // written while `node`, a shared borrow of its cell, lives beside the view.
        let view = unsafe { node.storage.raw_view().deref_into_view() };
        DataRef { view, _node: node }
    }
}

impl<'a> Deref for DataRef<'a> {
    type Target = ArrayViewD<'a, f64>;

    fn deref(&self) -> &Self::Target {
        &self.view
    }
}

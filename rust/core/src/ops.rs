//! Rust operators on `Value`: `+ - * /` between `Value`, `&Value` and `f64` in any
//! order, unary `-`, the `op=` forms and `Sum`.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::calculus::{BinaryOp, UnaryOp};
use crate::op::Op;
use crate::value::Value;

/// Implements one binary operator for every pairing of `Value`, `&Value` and `f64`.
macro_rules! binary_op {
    ($Trait:ident, $method:ident, $Assign:ident, $assign:ident, $variant:ident) => {
        impl $Trait<&Value> for &Value {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                Value::from_op(Op::Binary(BinaryOp::$variant, self.clone(), rhs.clone()))
            }
        }
        impl $Trait<Value> for &Value {
            type Output = Value;
            fn $method(self, rhs: Value) -> Value {
                Value::from_op(Op::Binary(BinaryOp::$variant, self.clone(), rhs))
            }
        }
        impl $Trait<&Value> for Value {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                Value::from_op(Op::Binary(BinaryOp::$variant, self, rhs.clone()))
            }
        }
        impl $Trait<Value> for Value {
            type Output = Value;
            fn $method(self, rhs: Value) -> Value {
                Value::from_op(Op::Binary(BinaryOp::$variant, self, rhs))
            }
        }
        impl $Trait<f64> for &Value {
            type Output = Value;
            fn $method(self, rhs: f64) -> Value {
                Value::from_op(Op::Binary(
                    BinaryOp::$variant,
                    self.clone(),
                    Value::new(rhs),
                ))
            }
        }
        impl $Trait<f64> for Value {
            type Output = Value;
            fn $method(self, rhs: f64) -> Value {
                Value::from_op(Op::Binary(BinaryOp::$variant, self, Value::new(rhs)))
            }
        }
        impl $Trait<&Value> for f64 {
            type Output = Value;
            fn $method(self, rhs: &Value) -> Value {
                Value::from_op(Op::Binary(
                    BinaryOp::$variant,
                    Value::new(self),
                    rhs.clone(),
                ))
            }
        }
        impl $Trait<Value> for f64 {
            type Output = Value;
            fn $method(self, rhs: Value) -> Value {
                Value::from_op(Op::Binary(BinaryOp::$variant, Value::new(self), rhs))
            }
        }
        impl<T> $Assign<T> for Value
        where
            for<'a> &'a Value: $Trait<T, Output = Value>,
        {
            fn $assign(&mut self, rhs: T) {
                *self = (&*self).$method(rhs);
            }
        }
    };
}

binary_op!(Add, add, AddAssign, add_assign, Add);
binary_op!(Sub, sub, SubAssign, sub_assign, Sub);
binary_op!(Mul, mul, MulAssign, mul_assign, Mul);
binary_op!(Div, div, DivAssign, div_assign, Div);

impl Neg for &Value {
    type Output = Value;
    fn neg(self) -> Value {
        self.unary(UnaryOp::Neg)
    }
}

impl Neg for Value {
    type Output = Value;
    fn neg(self) -> Value {
        Value::from_op(Op::unary(UnaryOp::Neg, self))
    }
}

/// Sums left to right starting from a constant 0, like Python's `sum()`.
impl Sum for Value {
    fn sum<I: Iterator<Item = Value>>(iter: I) -> Value {
        iter.fold(Value::new(0.0), |total, v| total + v)
    }
}

impl<'a> Sum<&'a Value> for Value {
    fn sum<I: Iterator<Item = &'a Value>>(iter: I) -> Value {
        iter.fold(Value::new(0.0), |total, v| total + v)
    }
}

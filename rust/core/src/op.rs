//! The calculus of every op: its forward value and its local derivative, side by side.
//!
//! Each variant owns its operands, so the graph is a plain tree of `Rc`s with no
//! closures (closures capturing `Rc`s make cycles and hide the math). `forward`
//! computes a node's value from its operands; `propagate` adds the node's gradient,
//! times each local derivative, into its operands. Read the two matches together.

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::value::Value;

/// What a failing backward hook reports; `Value::try_backward` hands it back as is.
pub type HookError = Box<dyn Any + Send>;

/// The backward step of a custom node, given the node itself: it reads the node's
/// `grad` (and anything else) and adds into its operands' grads.
pub trait CustomBackward: Any {
    fn backward(&self, out: &Value) -> Result<(), HookError>;

    /// The hook itself, for a host that wants its own object back.
    fn as_any(&self) -> &dyn Any;
}

impl<F: Fn(&Value) -> Result<(), HookError> + 'static> CustomBackward for F {
    fn backward(&self, out: &Value) -> Result<(), HookError> {
        self(out)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A shared custom backward step.
pub type BackwardHook = Rc<dyn CustomBackward>;

/// A node built by user code rather than by one of the ops below: Karpathy's
/// `Value(data, (a, b), 'exp')`, whose `_backward` the user assigns afterwards.
#[derive(Clone)]
pub struct Custom {
    pub(crate) name: Box<str>,
    pub(crate) operands: Vec<Value>,
    /// None until assigned: the node then passes no gradient on (Karpathy's default
    /// `lambda: None`).
    pub(crate) backward: Option<BackwardHook>,
}

impl fmt::Debug for Custom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Custom")
            .field("name", &self.name)
            .field("operands", &self.operands)
            .field("backward", &self.backward.as_ref().map(|_| "<hook>"))
            .finish()
    }
}

/// How a node was made, with the operands it was made from.
#[derive(Clone, Debug)]
pub enum Op {
    /// A value created directly (an input or a parameter).
    Leaf,
    Add(Value, Value),
    Sub(Value, Value),
    Mul(Value, Value),
    Div(Value, Value),
    Neg(Value),
    /// `base ** exponent` with a constant exponent.
    PowScalar(Value, f64),
    /// `base ** exponent` where the exponent is a Value too.
    Pow(Value, Value),
    Relu(Value),
    /// Leaky ReLU with the given negative slope.
    LeakyRelu(Value, f64),
    Tanh(Value),
    Sigmoid(Value),
    Exp(Value),
    Log(Value),
    /// `ln(1 + e^x)`, computed without overflow.
    Softplus(Value),
    Abs(Value),
    /// A node made by user code, with any number of operands and a user-given backward.
    Custom(Box<Custom>),
}

impl Op {
    /// The value of this op, from its operands' current data.
    pub(crate) fn forward(&self) -> f64 {
        match self {
            Op::Leaf => 0.0,
            Op::Add(a, b) => a.data() + b.data(),
            Op::Sub(a, b) => a.data() - b.data(),
            Op::Mul(a, b) => a.data() * b.data(),
            Op::Div(a, b) => a.data() / b.data(),
            Op::Neg(a) => -a.data(),
            Op::PowScalar(a, n) => a.data().powf(*n),
            Op::Pow(a, b) => a.data().powf(b.data()),
            Op::Relu(a) => relu(a.data()),
            Op::LeakyRelu(a, slope) => leaky_relu(a.data(), *slope),
            Op::Tanh(a) => a.data().tanh(),
            Op::Sigmoid(a) => sigmoid(a.data()),
            Op::Exp(a) => a.data().exp(),
            Op::Log(a) => a.data().ln(),
            Op::Softplus(a) => softplus(a.data()),
            Op::Abs(a) => a.data().abs(),
            // A custom node's value is given when it is made, never recomputed.
            Op::Custom(_) => f64::NAN,
        }
    }

    /// Chain rule for one node: add `grad * d(out)/d(operand)` into each operand's
    /// grad, where `out` is this node's value. A custom node's hook is not run here
    /// (it needs the node itself: see `Value::local_backward`).
    pub(crate) fn propagate(&self, out: f64, grad: f64) {
        match self {
            Op::Leaf | Op::Custom(_) => {}
            Op::Add(a, b) => {
                a.add_grad(grad);
                b.add_grad(grad);
            }
            Op::Sub(a, b) => {
                a.add_grad(grad);
                b.add_grad(-grad);
            }
            Op::Mul(a, b) => {
                let (x, y) = (a.data(), b.data());
                a.add_grad(grad * y);
                b.add_grad(grad * x);
            }
            Op::Div(a, b) => {
                let (x, y) = (a.data(), b.data());
                a.add_grad(grad / y);
                b.add_grad(-grad * x / (y * y));
            }
            Op::Neg(a) => a.add_grad(-grad),
            // d(x^n)/dx = n x^(n-1); x^0 is constant, so its derivative is 0 even at x = 0.
            Op::PowScalar(a, n) => {
                let local = if *n == 0.0 {
                    0.0
                } else {
                    n * a.data().powf(n - 1.0)
                };
                a.add_grad(grad * local);
            }
            // d(x^y)/dx = y x^(y-1), d(x^y)/dy = x^y ln x (taken as 0 where x = 0, as PyTorch does).
            Op::Pow(a, b) => {
                let (x, y) = (a.data(), b.data());
                let d_base = if y == 0.0 { 0.0 } else { y * x.powf(y - 1.0) };
                let d_exponent = if x == 0.0 && y >= 0.0 {
                    0.0
                } else {
                    out * x.ln()
                };
                a.add_grad(grad * d_base);
                b.add_grad(grad * d_exponent);
            }
            Op::Relu(a) => a.add_grad(if out > 0.0 { grad } else { 0.0 }),
            Op::LeakyRelu(a, slope) => a.add_grad(if a.data() > 0.0 { grad } else { grad * slope }),
            // tanh' = 1 - tanh^2, sigmoid' = s (1 - s), exp' = exp: all from the output.
            Op::Tanh(a) => a.add_grad(grad * (1.0 - out * out)),
            Op::Sigmoid(a) => a.add_grad(grad * out * (1.0 - out)),
            Op::Exp(a) => a.add_grad(grad * out),
            Op::Log(a) => a.add_grad(grad / a.data()),
            Op::Softplus(a) => a.add_grad(grad * sigmoid(a.data())),
            // d|x|/dx = sign(x), taken as 0 at x = 0 as PyTorch does.
            Op::Abs(a) => {
                let x = a.data();
                let sign = if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                };
                a.add_grad(grad * sign);
            }
        }
    }

    /// The operands, in order (empty for a leaf).
    pub fn operands(&self) -> impl Iterator<Item = &Value> {
        let custom: &[Value] = match self {
            Op::Custom(custom) => &custom.operands,
            _ => &[],
        };
        let (first, second) = match self {
            Op::Leaf | Op::Custom(_) => (None, None),
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::Pow(a, b) => {
                (Some(a), Some(b))
            }
            Op::Neg(a)
            | Op::PowScalar(a, _)
            | Op::Relu(a)
            | Op::LeakyRelu(a, _)
            | Op::Tanh(a)
            | Op::Sigmoid(a)
            | Op::Exp(a)
            | Op::Log(a)
            | Op::Softplus(a)
            | Op::Abs(a) => (Some(a), None),
        };
        first.into_iter().chain(second).chain(custom)
    }

    /// The operands, moved out of the op (for freeing a graph without recursion).
    /// A custom op's operands are taken apart by the caller (`Custom::operands`).
    pub(crate) fn into_operands(self) -> [Option<Value>; 2] {
        match self {
            Op::Leaf | Op::Custom(_) => [None, None],
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::Pow(a, b) => {
                [Some(a), Some(b)]
            }
            Op::Neg(a)
            | Op::PowScalar(a, _)
            | Op::Relu(a)
            | Op::LeakyRelu(a, _)
            | Op::Tanh(a)
            | Op::Sigmoid(a)
            | Op::Exp(a)
            | Op::Log(a)
            | Op::Softplus(a)
            | Op::Abs(a) => [Some(a), None],
        }
    }

    /// The op's symbol, as Karpathy's micrograd names it (`+`, `*`, `**2`, `ReLU`, ...);
    /// empty for a leaf.
    pub fn symbol(&self) -> String {
        match self {
            Op::Leaf => String::new(),
            Op::Add(..) => "+".into(),
            Op::Sub(..) => "-".into(),
            Op::Mul(..) => "*".into(),
            Op::Div(..) => "/".into(),
            Op::Neg(..) => "neg".into(),
            Op::PowScalar(_, n) => format!("**{}", format_exponent(*n)),
            Op::Pow(..) => "**".into(),
            Op::Relu(..) => "ReLU".into(),
            Op::LeakyRelu(..) => "LeakyReLU".into(),
            Op::Tanh(..) => "tanh".into(),
            Op::Sigmoid(..) => "sigmoid".into(),
            Op::Exp(..) => "exp".into(),
            Op::Log(..) => "log".into(),
            Op::Softplus(..) => "softplus".into(),
            Op::Abs(..) => "abs".into(),
            Op::Custom(custom) => custom.name.to_string(),
        }
    }
}

/// Karpathy's `0 if x < 0 else x`: unlike `f64::max`, it lets nan through.
pub(crate) fn relu(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

pub(crate) fn leaky_relu(x: f64, slope: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        slope * x
    }
}

/// The logistic function, written so that neither branch can overflow `exp`.
pub(crate) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `max(x, 0) + ln(1 + e^-|x|)`: the exponent is never positive, so nothing overflows.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `2` rather than `2.0` for whole exponents, as Karpathy's `**2` reads.
fn format_exponent(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

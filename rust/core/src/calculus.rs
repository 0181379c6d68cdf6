//! The one calculus: every elementwise op's forward value and local derivative, on
//! `f64`, written once.
//!
//! Both engines execute these rules and restate none of them: the scalar graph
//! (`op.rs`) applies them to one number per node, the Tensor engine
//! (`tensor/elementwise.rs`, and the fused losses in `tensor/loss.rs`) to every
//! element of an array. The op kinds are small `Copy` enums, so a loop over arrays
//! can dispatch on them cheaply. A new elementwise op goes here first; then each
//! engine only needs a constructor for it.

mod per_kind;
pub(crate) use per_kind::{with_binary_kind, with_unary_kind};

/// An op of one operand, with its constant parameter where it has one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    Neg,
    /// `x ** n` for a constant exponent `n`.
    PowScalar(f64),
    Relu,
    /// Leaky ReLU with the given negative slope.
    LeakyRelu(f64),
    Tanh,
    Sigmoid,
    Exp,
    Log,
    /// `ln(1 + e^x)`, computed without overflow.
    Softplus,
    Abs,
}

/// An op of two operands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// `x ** y` where the exponent is differentiated too.
    Pow,
}

impl UnaryOp {
    /// Every kind of unary op, with a sample parameter where it takes one: for tests
    /// that must cover each op (a new op added above and not here fails them).
    pub const EVERY_KIND: [UnaryOp; 10] = [
        UnaryOp::Neg,
        UnaryOp::PowScalar(3.0),
        UnaryOp::Relu,
        UnaryOp::LeakyRelu(0.1),
        UnaryOp::Tanh,
        UnaryOp::Sigmoid,
        UnaryOp::Exp,
        UnaryOp::Log,
        UnaryOp::Softplus,
        UnaryOp::Abs,
    ];

    /// The op as a small code (0..10, in `EVERY_KIND`'s order) and the constant
    /// parameter it carries (0 for none): how compact stores keep it (a scalar node's
    /// op, the tape's arrays), since the enum itself takes two words.
    #[inline]
    pub fn code(self) -> (u8, f64) {
        match self {
            UnaryOp::Neg => (0, 0.0),
            UnaryOp::PowScalar(n) => (1, n),
            UnaryOp::Relu => (2, 0.0),
            UnaryOp::LeakyRelu(slope) => (3, slope),
            UnaryOp::Tanh => (4, 0.0),
            UnaryOp::Sigmoid => (5, 0.0),
            UnaryOp::Exp => (6, 0.0),
            UnaryOp::Log => (7, 0.0),
            UnaryOp::Softplus => (8, 0.0),
            UnaryOp::Abs => (9, 0.0),
        }
    }

    /// The op of `code` (see `code`); `parameter` is read only by the ops that have one.
    #[inline(always)]
    pub fn from_code(code: u8, parameter: impl FnOnce() -> f64) -> UnaryOp {
        match code {
            0 => UnaryOp::Neg,
            1 => UnaryOp::PowScalar(parameter()),
            2 => UnaryOp::Relu,
            3 => UnaryOp::LeakyRelu(parameter()),
            4 => UnaryOp::Tanh,
            5 => UnaryOp::Sigmoid,
            6 => UnaryOp::Exp,
            7 => UnaryOp::Log,
            8 => UnaryOp::Softplus,
            _ => UnaryOp::Abs,
        }
    }

    /// The op's value at `x`.
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            UnaryOp::Neg => -x,
            UnaryOp::PowScalar(n) => power(x, n),
            UnaryOp::Relu => relu(x),
            UnaryOp::LeakyRelu(slope) => {
                if x > 0.0 {
                    x
                } else {
                    slope * x
                }
            }
            UnaryOp::Tanh => x.tanh(),
            UnaryOp::Sigmoid => sigmoid(x),
            UnaryOp::Exp => x.exp(),
            UnaryOp::Log => x.ln(),
            // max(x, 0) + ln(1 + e^-|x|): the exponent is never positive, so nothing
            // overflows.
            UnaryOp::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            UnaryOp::Abs => x.abs(),
        }
    }

    /// d(out)/dx at input `x`, where `out` is `self.apply(x)` (several derivatives are
    /// cheapest from the output).
    #[inline]
    pub fn derivative(self, x: f64, out: f64) -> f64 {
        match self {
            UnaryOp::Neg => -1.0,
            // d(x^n)/dx = n x^(n-1); x^0 is constant, so its slope is 0 even at x = 0.
            UnaryOp::PowScalar(n) => {
                if n == 0.0 {
                    0.0
                } else {
                    n * power(x, n - 1.0)
                }
            }
            // 1 above 0, 0 at or below it, and nan at nan, whose side of 0 is unknown:
            // nan propagates backward as it does forward (PyTorch passes the gradient
            // through unchanged there; docs/reliability.md §4).
            UnaryOp::Relu => {
                if out.is_nan() {
                    f64::NAN
                } else if out > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            UnaryOp::LeakyRelu(slope) => {
                if x.is_nan() {
                    f64::NAN
                } else if x > 0.0 {
                    1.0
                } else {
                    slope
                }
            }
            // tanh' = 1 - tanh^2, sigmoid' = s (1 - s), exp' = exp: all from the output.
            UnaryOp::Tanh => 1.0 - out * out,
            UnaryOp::Sigmoid => out * (1.0 - out),
            UnaryOp::Exp => out,
            UnaryOp::Log => 1.0 / x,
            UnaryOp::Softplus => sigmoid(x),
            // sign(x), taken as 0 at x = 0 as PyTorch does.
            UnaryOp::Abs => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// The Tensor engine's name for the op (graph pictures, error messages).
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "neg",
            UnaryOp::PowScalar(_) => "pow",
            UnaryOp::Relu => "relu",
            UnaryOp::LeakyRelu(_) => "leaky_relu",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Sigmoid => "sigmoid",
            UnaryOp::Exp => "exp",
            UnaryOp::Log => "log",
            UnaryOp::Softplus => "softplus",
            UnaryOp::Abs => "abs",
        }
    }

    /// The op's symbol as Karpathy's micrograd prints it (`ReLU`, `**2`, ...).
    pub fn symbol(self) -> String {
        match self {
            UnaryOp::PowScalar(n) => format!("**{}", format_exponent(n)),
            UnaryOp::Relu => "ReLU".into(),
            UnaryOp::LeakyRelu(_) => "LeakyReLU".into(),
            other => other.name().into(),
        }
    }
}

impl BinaryOp {
    /// The op's value at `(x, y)`.
    #[inline]
    pub fn apply(self, x: f64, y: f64) -> f64 {
        match self {
            BinaryOp::Add => x + y,
            BinaryOp::Sub => x - y,
            BinaryOp::Mul => x * y,
            BinaryOp::Div => x / y,
            BinaryOp::Pow => x.powf(y),
        }
    }

    /// (d(out)/dx, d(out)/dy) at `(x, y)`, where `out` is `self.apply(x, y)`.
    #[inline]
    pub fn derivatives(self, x: f64, y: f64, out: f64) -> (f64, f64) {
        match self {
            BinaryOp::Add => (1.0, 1.0),
            BinaryOp::Sub => (1.0, -1.0),
            BinaryOp::Mul => (y, x),
            BinaryOp::Div => (1.0 / y, -x / (y * y)),
            // d(x^y)/dx = y x^(y-1) (0 where y = 0: x^0 is constant);
            // d(x^y)/dy = x^y ln x, taken as 0 where x = 0, as PyTorch does.
            BinaryOp::Pow => (
                if y == 0.0 { 0.0 } else { y * x.powf(y - 1.0) },
                if x == 0.0 && y >= 0.0 {
                    0.0
                } else {
                    out * x.ln()
                },
            ),
        }
    }

    /// Whether `derivatives` depends on the operands' values (for `+` and `-` it does
    /// not, and the scalar engine then skips reading them).
    #[inline]
    pub fn derivatives_read_operands(self) -> bool {
        !matches!(self, BinaryOp::Add | BinaryOp::Sub)
    }

    /// The Tensor engine's name for the op.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Pow => "pow",
        }
    }

    /// The op's symbol as Karpathy's micrograd prints it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "**",
        }
    }
}

/// The unary ops as methods of an engine's node type, written once for both engines:
/// expanded inside `impl Value` and `impl Tensor`, each of which provides
/// `fn unary(&self, op: UnaryOp) -> Self`.
macro_rules! unary_op_methods {
    () => {
        /// `self ** exponent` for a constant exponent.
        pub fn pow_scalar(&self, exponent: f64) -> Self {
            self.unary($crate::calculus::UnaryOp::PowScalar(exponent))
        }

        pub fn relu(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Relu)
        }

        /// `x` for positive `x`, `negative_slope * x` otherwise.
        pub fn leaky_relu(&self, negative_slope: f64) -> Self {
            self.unary($crate::calculus::UnaryOp::LeakyRelu(negative_slope))
        }

        pub fn tanh(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Tanh)
        }
        pub fn sigmoid(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Sigmoid)
        }

        pub fn exp(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Exp)
        }

        /// Natural logarithm; nan below zero and -inf at zero, per IEEE.
        pub fn log(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Log)
        }

        /// `ln(1 + e^self)`, stable for any input.
        pub fn softplus(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Softplus)
        }

        pub fn abs(&self) -> Self {
            self.unary($crate::calculus::UnaryOp::Abs)
        }
    };
}
pub(crate) use unary_op_methods;

/// `x` to the constant power `n`. A square is `x * x`, as PyTorch and numpy compute
/// it: correctly rounded, and a tenth of the cost of `powf`, in the op the lectures'
/// squared errors use most (whose derivative, `2 x^1`, takes the other shortcut;
/// `powf(x, 1)` is exactly `x`).
#[inline]
fn power(x: f64, n: f64) -> f64 {
    if n == 2.0 {
        x * x
    } else if n == 1.0 {
        x
    } else {
        x.powf(n)
    }
}

/// Karpathy's `0 if x < 0 else x`: unlike `f64::max`, it lets nan through.
#[inline]
fn relu(x: f64) -> f64 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// The logistic function, written so that neither branch can overflow `exp`.
#[inline]
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `2` rather than `2.0` for whole exponents, as Karpathy's `**2` reads.
fn format_exponent(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn central_difference(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-6;
        (f(x + h) - f(x - h)) / (2.0 * h)
    }

    #[test]
    fn every_unary_derivative_matches_finite_differences() {
        for op in UnaryOp::EVERY_KIND {
            for x in [-1.7, -0.3, 0.4, 2.2] {
                if op == UnaryOp::Log && x <= 0.0 {
                    continue; // outside its domain: nan, checked elsewhere
                }
                let exact = op.derivative(x, op.apply(x));
                let numeric = central_difference(|x| op.apply(x), x);
                assert!(
                    (exact - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                    "{op:?} at {x}: {exact} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn constant_powers_match_finite_differences_and_squares_are_products() {
        for n in [2.0, 1.0, 3.0, 0.5, -1.0, -2.0, 0.0] {
            let op = UnaryOp::PowScalar(n);
            for x in [0.3, 1.7, 2.2] {
                let exact = op.derivative(x, op.apply(x));
                let numeric = central_difference(|x| op.apply(x), x);
                assert!(
                    (exact - numeric).abs() <= 1e-6 * (1.0 + numeric.abs()),
                    "x**{n} at {x}"
                );
            }
        }
        // The square is `x * x` (PyTorch's and numpy's), and special values come out as
        // `powf` gives them.
        let square = UnaryOp::PowScalar(2.0);
        for x in [
            0.1,
            -3.7,
            1e-200,
            1e200,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(square.apply(x).to_bits(), (x * x).to_bits(), "{x}");
            assert_eq!(square.apply(x).to_bits(), x.powf(2.0).to_bits(), "{x}");
            assert_eq!(square.derivative(x, x * x), 2.0 * x, "{x}");
        }
        assert!(square.apply(f64::NAN).is_nan() && square.derivative(f64::NAN, f64::NAN).is_nan());
    }

    #[test]
    fn every_binary_derivative_matches_finite_differences() {
        let ops = [
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::Div,
            BinaryOp::Pow,
        ];
        for op in ops {
            for (x, y) in [(0.7, -1.3), (2.5, 0.6), (1.1, 3.0)] {
                let (dx, dy) = op.derivatives(x, y, op.apply(x, y));
                let nx = central_difference(|x| op.apply(x, y), x);
                let ny = central_difference(|y| op.apply(x, y), y);
                assert!((dx - nx).abs() <= 1e-6 * (1.0 + nx.abs()), "{op:?} d/dx");
                assert!((dy - ny).abs() <= 1e-6 * (1.0 + ny.abs()), "{op:?} d/dy");
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for op in UnaryOp::EVERY_KIND {
            let (code, parameter) = op.code();
            assert_eq!(UnaryOp::from_code(code, || parameter), op);
        }
    }

    #[test]
    fn relu_and_softplus_let_nan_through() {
        assert!(UnaryOp::Relu.apply(f64::NAN).is_nan());
        assert!(UnaryOp::Softplus.apply(f64::NAN).is_nan());
        let nan = f64::NAN;
        assert!(UnaryOp::Relu.derivative(nan, nan).is_nan());
        assert!(UnaryOp::LeakyRelu(0.1).derivative(nan, nan).is_nan());
        assert_eq!(UnaryOp::Softplus.apply(1000.0), 1000.0);
    }
}

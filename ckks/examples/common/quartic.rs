//! The seed example of the evaluator abstraction, shared by `examples/evaluators.rs` and
//! `tests/evaluators/` (so the test checks exactly the circuits the example shows).

use ckks::eval::{Circuit, CkksEvaluator};
use ckks::Result;

/// `((x * x) * x) * x + 2`: every multiplication waits for the previous one, depth 3.
pub fn quartic_chain<E: CkksEvaluator>(e: &E, x: &E::Value) -> Result<E::Value> {
    let x2 = e.rescale(&e.square_relin(x)?)?;
    let x3 = e.rescale(&e.mul_relin(&x2, &e.drop_level(x, e.level(&x2))?)?)?;
    let x4 = e.rescale(&e.mul_relin(&x3, &e.drop_level(x, e.level(&x3))?)?)?;
    e.add_const(&x4, 2.0)
}

/// `(x * x) * (x * x) + 2`: squaring twice, depth 2.
pub fn quartic_squares<E: CkksEvaluator>(e: &E, x: &E::Value) -> Result<E::Value> {
    let x2 = e.rescale(&e.square_relin(x)?)?;
    let x4 = e.rescale(&e.square_relin(&x2)?)?;
    e.add_const(&x4, 2.0)
}

/// A circuit with its input: `x` encrypted at the top level, laid out over all slots.
pub struct Quartic {
    /// `(x*x)*(x*x)` rather than `((x*x)*x)*x`.
    pub balanced: bool,
    /// The input values (the first `slots` are encrypted).
    pub x: Vec<f64>,
}

impl Quartic {
    /// The values encrypted on a ring with `slots` slots.
    pub fn input(&self, slots: usize) -> &[f64] {
        &self.x[..slots.min(self.x.len())]
    }
}

impl Circuit for Quartic {
    type Output<E: CkksEvaluator> = E::Value;

    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<E::Value> {
        let x = e.encrypt(self.input(e.slots()), e.max_level())?;
        if self.balanced {
            quartic_squares(e, &x)
        } else {
            quartic_chain(e, &x)
        }
    }
}

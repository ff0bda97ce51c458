//! A second model, as the pattern for new circuits: least-squares linear regression by full-batch
//! gradient descent, `w_{t+1} = w_t - (gamma/b) X^T (X w_t - y)`, written once against the
//! evaluator trait with the `linalg` toolkit (about forty lines), with its plaintext reference.
//!
//! Per iteration: `r = (gamma/b)(X w - y)` is a matrix x column vector product with the constant
//! folded into the mask (depth 2, `y` pre-scaled by the client), and `r^T X` a row vector x
//! matrix product (depth 1): depth 3 per iteration.

use crate::error::{CircuitError, ConfigFault, Result};
use ckks::eval::CkksEvaluator;
use linalg::{ColVector, EncodingUnit, LinAlg, Matrix, PlainMatrix, RowVector};

/// The encrypted inputs: `X` (`b x d`), `(gamma/b) y` and `w_0`.
#[derive(Clone, Debug)]
pub struct LinRegInputs<V> {
    /// The design matrix.
    pub x: Matrix<V>,
    /// The targets, scaled by `gamma / b`.
    pub y_scaled: RowVector<V>,
    /// The initial model.
    pub w0: ColVector<V>,
}

/// `iterations` steps of gradient descent with learning rate `gamma`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinReg {
    /// Steps.
    pub iterations: usize,
    /// Learning rate.
    pub gamma: f64,
}

impl LinReg {
    /// The depth: 3 per iteration.
    pub fn depth(&self) -> usize {
        3 * self.iterations
    }

    /// Encrypts `X`, `y` and `w_0` at `top`.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for mismatched lengths; the toolkit's errors.
    pub fn encrypt_inputs<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        x: &PlainMatrix,
        y: &[f64],
        w0: &[f64],
        unit: EncodingUnit,
        top: usize,
    ) -> Result<LinRegInputs<E::Value>> {
        if y.len() != x.rows() || w0.len() != x.cols() {
            return Err(CircuitError::InvalidConfig(ConfigFault::DesignShape {
                targets: y.len(),
                weights: w0.len(),
                rows: x.rows(),
                cols: x.cols(),
            }));
        }
        let c = self.gamma / x.rows() as f64;
        let y_scaled: Vec<f64> = y.iter().map(|v| c * v).collect();
        Ok(LinRegInputs {
            x: la.encrypt_matrix(x, unit, top)?,
            y_scaled: la.encrypt_row(&y_scaled, unit, top)?,
            w0: la.encrypt_col(w0, unit, top)?,
        })
    }

    /// The encrypted model after `iterations` steps.
    ///
    /// # Errors
    /// The toolkit's errors.
    pub fn run<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        inputs: &LinRegInputs<E::Value>,
    ) -> Result<ColVector<E::Value>> {
        let c = self.gamma / inputs.x.rows() as f64;
        let mut w = inputs.w0.clone();
        for _ in 0..self.iterations {
            let l = la.level(&w);
            let xw = la.matrix_times_col(&la.align_to_level(&inputs.x, l)?, &w, c)?;
            let r = la.sub(&xw, &la.align_to_level(&inputs.y_scaled, la.level(&xw))?)?;
            let grad = la.row_times_matrix(&r, &la.align_to_level(&inputs.x, la.level(&r))?)?;
            w = la.sub(&la.align_to_level(&w, la.level(&grad))?, &grad)?;
        }
        Ok(w)
    }

    /// The same steps in plain `f64`.
    pub fn reference(&self, x: &PlainMatrix, y: &[f64], w0: &[f64]) -> Vec<f64> {
        let c = self.gamma / x.rows() as f64;
        let mut w = w0.to_vec();
        for _ in 0..self.iterations {
            let r: Vec<f64> = x.mul_vec(&w).iter().zip(y).map(|(a, b)| c * (a - b)).collect();
            let g = x.vec_mul(&r);
            w.iter_mut().zip(g).for_each(|(wi, gi)| *wi -= gi);
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ckks::eval::{DepthFinder, PlaintextEvaluator};
    use ckks::ModulusChain;
    use linalg::decode_col;

    fn problem() -> (PlainMatrix, Vec<f64>) {
        let x = PlainMatrix::from_fn(24, 5, |i, j| {
            if j == 0 {
                1.0
            } else {
                ((i * 7 + j * 3) % 10) as f64 / 10.0
            }
        });
        let truth = [0.5, -1.0, 2.0, 0.25, -0.5];
        let y = x.mul_vec(&truth);
        (x, y)
    }

    #[test]
    fn plaintext_run_equals_the_reference_and_converges() {
        let (x, y) = problem();
        let lr = LinReg { iterations: 6, gamma: 0.5 };
        let e = PlaintextEvaluator::new(ModulusChain::analysis(8, lr.depth(), 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = la.unit(16).unwrap();
        let inputs = lr.encrypt_inputs(&la, &x, &y, &[0.0; 5], unit, lr.depth()).unwrap();
        let w = decode_col(&lr.run(&la, &inputs).unwrap(), |v| Ok(v.real())).unwrap();
        let want = lr.reference(&x, &y, &[0.0; 5]);
        assert!(w.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-12));
        // The loss decreases.
        let loss =
            |w: &[f64]| x.mul_vec(w).iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
        assert!(loss(&want) < 0.5 * loss(&[0.0; 5]));
    }

    #[test]
    fn depth_is_three_per_iteration() {
        let (x, y) = problem();
        for iterations in 1..=4 {
            let lr = LinReg { iterations, gamma: 0.5 };
            let e = DepthFinder::new(ModulusChain::analysis(8, 20, 40).unwrap());
            let la = LinAlg::new(&e);
            let unit = la.unit(16).unwrap();
            let inputs = lr.encrypt_inputs(&la, &x, &y, &[0.0; 5], unit, 20).unwrap();
            lr.run(&la, &inputs).unwrap();
            assert_eq!(e.depth(), lr.depth());
        }
    }

    #[test]
    fn mismatched_inputs_are_refused() {
        let (x, y) = problem();
        let lr = LinReg { iterations: 1, gamma: 0.5 };
        let e = PlaintextEvaluator::new(ModulusChain::analysis(8, 3, 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = la.unit(16).unwrap();
        let err = lr.encrypt_inputs(&la, &x, &y[..3], &[0.0; 5], unit, 3).unwrap_err();
        assert!(matches!(err, CircuitError::InvalidConfig(_)));
    }
}

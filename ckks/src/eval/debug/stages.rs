//! The debug evaluator's bootstrap: each stage compared with its definition applied to the
//! decryption of its input.

use super::{DebugEvaluator, DebugValue};
use crate::boot::dft::bit_reversed;
use crate::boot::dft::decoding_stages;
use crate::error::{CkksError, Result};
use crate::eval::traits::{CkksEvaluator, Op, Stage};
use crate::scheme::Ciphertext;
use num_complex::Complex64;
use std::f64::consts::PI;

impl DebugEvaluator {
    fn coeffs(&self, ct: &Ciphertext) -> Result<Vec<f64>> {
        self.he.context().decode_coeffs(&self.sk.decrypt(ct)?)
    }

    fn slots_of(&self, ct: &Ciphertext) -> Result<Vec<Complex64>> {
        self.he.context().decode_complex(&self.sk.decrypt(ct)?)
    }

    /// Bootstraps `a` stage by stage, recording one trace entry per stage and one for the
    /// whole against the plaintext evaluator.
    pub(super) fn bootstrap_stages(&self, a: &DebugValue) -> Result<DebugValue> {
        let bt = self.he.bootstrapper().ok_or(CkksError::BootstrapUnavailable)?;
        let plan = bt.plan();
        let expected = self.plain.bootstrap(&a.expected)?;
        let (n, half) = (plan.slots(), self.he.slots());
        let (k, rho) = (plan.k(), plan.message_ratio());
        let g = 2 * half / (2 * n);
        // Stage 1: the raised coefficients over q_0 are I + c / rho, c the input's coefficients.
        let input = self.coeffs(&a.ct)?;
        let raised = bt.mod_raise(&a.ct)?;
        let u = self.coeffs(&raised)?;
        let frac = |x: f64| Complex64::new(x - x.round(), 0.0);
        let want: Vec<Complex64> = input.iter().map(|&c| Complex64::new(c / rho, 0.0)).collect();
        let got: Vec<Complex64> = u.iter().map(|&x| frac(x)).collect();
        self.record(Op::BootstrapStage(Stage::ModRaise), raised.meta(), &want, &got, rho);
        // Stage 2: the (subring) coefficients over K, bit-reversed, real and imaginary parts.
        let parts = bt.coeffs_to_slots(&raised)?;
        let packed: Vec<Complex64> =
            (0..n).map(|j| Complex64::new(u[g * j], u[g * (j + n)]) / k).collect();
        let packed = bit_reversed(&packed);
        let want: Vec<Vec<Complex64>> = if plan.is_full() {
            vec![
                packed.iter().map(|z| Complex64::new(z.re, 0.0)).collect(),
                packed.iter().map(|z| Complex64::new(z.im, 0.0)).collect(),
            ]
        } else {
            let period: Vec<Complex64> = packed
                .iter()
                .map(|z| Complex64::new(z.re, 0.0))
                .chain(packed.iter().map(|z| Complex64::new(z.im, 0.0)))
                .collect();
            vec![(0..half).map(|r| period[r % (2 * n)]).collect()]
        };
        let mut reduced = Vec::new();
        for (p, w) in parts.iter().zip(&want) {
            self.record(
                Op::BootstrapStage(Stage::CoeffsToSlots),
                p.meta(),
                w,
                &self.slots_of(p)?,
                k * rho,
            );
        }
        // Stage 3: sin(2 pi K v) of the decrypted input (and its arcsine correction).
        for p in &parts {
            let v = self.slots_of(p)?;
            let out = bt.eval_mod(p)?;
            let ideal = |v: f64| {
                let y = (2.0 * PI * k * v).sin();
                plan.reduction().arcsine.as_ref().map_or(y, |a| a.eval(y))
            };
            let want: Vec<Complex64> = v.iter().map(|z| Complex64::new(ideal(z.re), 0.0)).collect();
            self.record(
                Op::BootstrapStage(Stage::EvalMod),
                out.meta(),
                &want,
                &self.slots_of(&out)?,
                rho / (2.0 * PI),
            );
            reduced.push(out);
        }
        // Stage 4: decoding of the decrypted reduced coefficients, times rho / 2 pi.
        let w: Vec<Vec<Complex64>> =
            reduced.iter().map(|r| self.slots_of(r)).collect::<Result<_>>()?;
        let c = rho / (2.0 * PI);
        // The complex values (their imaginary parts are noise the transform carries along).
        let i = Complex64::new(0.0, 1.0);
        let packed: Vec<Complex64> = if plan.is_full() {
            (0..n).map(|j| (w[0][j] + i * w[1][j]) * c).collect()
        } else {
            (0..n).map(|j| (w[0][j] + i * w[0][j + n]) * c).collect()
        };
        let u = bit_reversed(&packed);
        let z = decode(&u);
        let want: Vec<Complex64> = (0..half).map(|r| z[r % n]).collect();
        let out = bt.slots_to_coeffs(&reduced)?;
        self.record(
            Op::BootstrapStage(Stage::SlotsToCoeffs),
            out.meta(),
            &want,
            &self.slots_of(&out)?,
            1.0,
        );
        let v = DebugValue { ct: out, expected };
        let actual = self.decrypt(&v)?;
        self.record(Op::Bootstrap, v.ct.meta(), v.expected.slots(), &actual, 1.0);
        Ok(v)
    }
}

/// The canonical embedding of complex packed coefficients `u` (not bit-reversed): the
/// decoding stages applied to `u` in bit-reversed order.
fn decode(u: &[Complex64]) -> Vec<Complex64> {
    let n = u.len();
    decoding_stages(n, n).iter().fold(bit_reversed(u), |v, s| s.apply(&v))
}

//! Bootstrapping stage by stage, each stage checked against its definition applied to the
//! decryption of its input (what the debug evaluator compares, through
//! [`Refresh::bootstrap_checked`]).

use super::dft::{bit_reversed, decoding_stages};
use super::Bootstrapper;
use crate::error::Result;
use crate::eval::{BootstrapModel, CkksEvaluator, Refresh, Stage, StageCheck, StageProbe};
use crate::scheme::{Ciphertext, Meta};
use num_complex::Complex64;
use std::any::Any;
use std::f64::consts::PI;
use std::sync::Arc;

fn check(
    stage: Stage,
    meta: Meta,
    expected: Vec<Complex64>,
    actual: Vec<Complex64>,
    unit: f64,
) -> StageCheck {
    StageCheck { stage, meta, expected, actual, unit }
}

impl Refresh for Bootstrapper {
    fn model(&self) -> Arc<dyn BootstrapModel> {
        self.plan().clone()
    }

    fn params_hash(&self) -> u64 {
        self.evaluator().context().hash()
    }

    fn bootstrap(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        Bootstrapper::bootstrap(self, ct)
    }

    fn bootstrap_checked(
        &self,
        ct: &Ciphertext,
        probe: &dyn StageProbe,
        report: &mut dyn FnMut(StageCheck),
    ) -> Result<Ciphertext> {
        let plan = self.plan();
        let (n, half) = (plan.slots(), self.evaluator().slots());
        let (k, rho) = (plan.k(), plan.message_ratio());
        let g = 2 * half / (2 * n);
        // Stage 1: the raised coefficients over q_0 are I + c / rho, c the input's coefficients.
        let input = probe.coeffs(ct)?;
        let raised = self.mod_raise(ct)?;
        let u = probe.coeffs(&raised)?;
        let frac = |x: f64| Complex64::new(x - x.round(), 0.0);
        let want: Vec<Complex64> = input.iter().map(|&c| Complex64::new(c / rho, 0.0)).collect();
        let got: Vec<Complex64> = u.iter().map(|&x| frac(x)).collect();
        report(check(Stage::ModRaise, raised.meta(), want, got, rho));
        // Stage 2: the (subring) coefficients over K, bit-reversed, real and imaginary parts.
        let parts = self.coeffs_to_slots(&raised)?;
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
            report(check(Stage::CoeffsToSlots, p.meta(), w.clone(), probe.slots(p)?, k * rho));
        }
        // Stage 3: sin(2 pi K v) of the decrypted input (and its arcsine correction).
        for p in &parts {
            let v = probe.slots(p)?;
            let out = self.eval_mod(p)?;
            let ideal = |v: f64| {
                let y = (2.0 * PI * k * v).sin();
                plan.reduction().arcsine.as_ref().map_or(y, |a| a.eval(y))
            };
            let want: Vec<Complex64> = v.iter().map(|z| Complex64::new(ideal(z.re), 0.0)).collect();
            report(check(Stage::EvalMod, out.meta(), want, probe.slots(&out)?, rho / (2.0 * PI)));
            reduced.push(out);
        }
        // Stage 4: decoding of the decrypted reduced coefficients, times rho / 2 pi.
        let w: Vec<Vec<Complex64>> =
            reduced.iter().map(|r| probe.slots(r)).collect::<Result<_>>()?;
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
        let out = self.slots_to_coeffs(&reduced)?;
        report(check(Stage::SlotsToCoeffs, out.meta(), want, probe.slots(&out)?, 1.0));
        Ok(out)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The canonical embedding of complex packed coefficients `u` (not bit-reversed): the
/// decoding stages applied to `u` in bit-reversed order.
fn decode(u: &[Complex64]) -> Vec<Complex64> {
    let n = u.len();
    decoding_stages(n, n).iter().fold(bit_reversed(u), |v, s| s.apply(&v))
}

//! The debug evaluator's bootstrap: the bootstrapper runs it stage by stage and checks each
//! stage against its definition on the decryptions this evaluator makes
//! ([`Refresh::bootstrap_checked`](crate::eval::Refresh::bootstrap_checked)); the whole is then
//! compared with the plaintext evaluator.

use super::{DebugEvaluator, DebugValue};
use crate::error::{CkksError, Result};
use crate::eval::traits::{CkksEvaluator, Op};
use crate::eval::StageProbe;
use crate::scheme::Ciphertext;
use num_complex::Complex64;

impl StageProbe for DebugEvaluator {
    fn coeffs(&self, ct: &Ciphertext) -> Result<Vec<f64>> {
        self.he.context().decode_coeffs(&self.sk.decrypt(ct)?)
    }

    fn slots(&self, ct: &Ciphertext) -> Result<Vec<Complex64>> {
        self.he.context().decode_complex(&self.sk.decrypt(ct)?)
    }
}

impl DebugEvaluator {
    /// Bootstraps `a` stage by stage, recording one trace entry per stage and one for the
    /// whole against the plaintext evaluator.
    pub(super) fn bootstrap_stages(&self, a: &DebugValue) -> Result<DebugValue> {
        let bt = self.he.bootstrapper().ok_or(CkksError::BootstrapUnavailable)?;
        let expected = self.plain.bootstrap(&a.expected)?;
        let out = bt.bootstrap_checked(&a.ct, self, &mut |c| {
            self.record(Op::BootstrapStage(c.stage), c.meta, &c.expected, &c.actual, c.unit)
        })?;
        let v = DebugValue { ct: out, expected };
        let actual = self.decrypt(&v)?;
        self.record(Op::Bootstrap, v.ct.meta(), v.expected.slots(), &actual, 1.0);
        Ok(v)
    }
}

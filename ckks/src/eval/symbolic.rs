//! The symbolic evaluator: values are their metadata (level, scale, size) and nothing else, so a
//! circuit's bookkeeping runs at almost no cost. The base of the depth finder, the op counter
//! and the rotation collector.

use super::refresh::BootstrapModel;
use super::traits::CkksEvaluator;
use super::KeyModel;
use crate::error::{CkksError, Result};
use crate::scheme::encoding::check_encodable;
use crate::scheme::{rules, Meta, ModulusChain};
use num_complex::Complex64;
use std::sync::Arc;

/// Runs a circuit on [`Meta`] values only, with the scheme's rules and a [`KeyModel`].
#[derive(Clone, Debug)]
pub struct SymbolicEvaluator {
    chain: ModulusChain,
    keys: KeyModel,
    bootstrap: Option<Arc<dyn BootstrapModel>>,
}

impl SymbolicEvaluator {
    /// A symbolic evaluator for `chain` holding every key.
    pub fn new(chain: ModulusChain) -> Self {
        Self { chain, keys: KeyModel::all(), bootstrap: None }
    }

    /// The same evaluator with only the keys of `keys`.
    pub fn with_keys(mut self, keys: KeyModel) -> Self {
        self.keys = keys;
        self
    }

    /// The same evaluator, bootstrapping with `plan`.
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] for a plan of another chain.
    pub fn with_bootstrap(mut self, plan: Arc<dyn BootstrapModel>) -> Result<Self> {
        plan.check_chain(&self.chain)?;
        self.bootstrap = Some(plan);
        Ok(self)
    }
}

impl CkksEvaluator for SymbolicEvaluator {
    type Value = Meta;
    type Plain = Meta;

    fn chain(&self) -> &ModulusChain {
        &self.chain
    }

    fn meta(&self, v: &Meta) -> Meta {
        *v
    }

    fn plain_meta(&self, p: &Meta) -> Meta {
        *p
    }

    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<Meta> {
        rules::check_encoding(&self.chain, values.len(), level)?;
        let scale = self.chain.scale(level);
        check_encodable(&self.chain, values, level, scale)?;
        Ok(Meta::fresh(level, scale))
    }

    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64) -> Result<Meta> {
        check_encodable(&self.chain, values, level, scale)?;
        Ok(Meta::plain(level, scale))
    }

    fn add(&self, a: &Meta, b: &Meta) -> Result<Meta> {
        rules::add(a, b)
    }

    fn sub(&self, a: &Meta, b: &Meta) -> Result<Meta> {
        rules::add(a, b)
    }

    fn neg(&self, a: &Meta) -> Result<Meta> {
        Ok(*a)
    }

    fn add_plain(&self, a: &Meta, p: &Meta) -> Result<Meta> {
        rules::add_plain(a, p)
    }

    fn sub_plain(&self, a: &Meta, p: &Meta) -> Result<Meta> {
        rules::add_plain(a, p)
    }

    fn mul_plain(&self, a: &Meta, p: &Meta) -> Result<Meta> {
        rules::mul_plain(a, p)
    }

    fn add_const(&self, a: &Meta, c: f64) -> Result<Meta> {
        rules::add_const(&self.chain, a, c)
    }

    fn mul_const(&self, a: &Meta, c: f64) -> Result<Meta> {
        rules::mul_const(&self.chain, a, c)
    }

    fn mul_const_at_scale(&self, a: &Meta, c: f64, scale: f64) -> Result<Meta> {
        rules::mul_const_at_scale(&self.chain, a, c, scale)
    }

    fn mul_integer(&self, a: &Meta, k: i64) -> Result<Meta> {
        rules::mul_integer(&self.chain, a, k)
    }

    fn mul(&self, a: &Meta, b: &Meta) -> Result<Meta> {
        rules::mul(a, b)
    }

    fn square(&self, a: &Meta) -> Result<Meta> {
        rules::mul(a, a)
    }

    fn relinearize(&self, a: &Meta) -> Result<Meta> {
        if a.size > 2 {
            self.keys.check_relinearization()?;
        }
        Ok(rules::relinearize(a))
    }

    fn rescale(&self, a: &Meta) -> Result<Meta> {
        rules::rescale(&self.chain, a)
    }

    fn drop_level(&self, a: &Meta, level: usize) -> Result<Meta> {
        rules::drop_level(a, level)
    }

    fn align_to_level(&self, a: &Meta, level: usize) -> Result<Meta> {
        rules::align_to_level(&self.chain, a, level)
    }

    fn rotate(&self, a: &Meta, step: i64) -> Result<Meta> {
        let m = rules::automorphism(a, "rotating")?;
        self.keys.check_rotation(&self.chain, step, a.level)?;
        Ok(m)
    }

    fn conjugate(&self, a: &Meta) -> Result<Meta> {
        let m = rules::automorphism(a, "conjugating")?;
        self.keys.check_conjugation(&self.chain, a.level)?;
        Ok(m)
    }

    fn mul_i(&self, a: &Meta) -> Result<Meta> {
        Ok(*a)
    }

    fn bootstrap(&self, a: &Meta) -> Result<Meta> {
        let plan = self.bootstrap.as_ref().ok_or(CkksError::BootstrapUnavailable)?;
        let m = plan.check_input(a)?;
        self.keys.check_bootstrap()?;
        Ok(m)
    }

    fn bootstrap_plan(&self) -> Option<&dyn BootstrapModel> {
        self.bootstrap.as_deref()
    }
}

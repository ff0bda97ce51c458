//! The homomorphic evaluator: the real scheme behind the evaluator interface.

use super::refresh::{BootstrapModel, Refresh};
use super::traits::CkksEvaluator;
use crate::error::{CkksError, Result};
use crate::math::Prng;
use crate::scheme::{
    Ciphertext, Context, Evaluator, Meta, ModulusChain, Plaintext, PublicKey, SecretKey,
};
use num_complex::Complex64;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
enum Encryptor {
    None,
    Public(PublicKey),
    Secret(Arc<SecretKey>),
}

/// Runs circuits on ciphertexts with an [`Evaluator`] (public evaluation keys only) and, for
/// inputs, an optional encryption key.
///
/// Built with [`HomomorphicEvaluator::new`] it holds no key to encrypt with: the server's view,
/// where inputs arrive encrypted. [`HomomorphicEvaluator::with_public_key`] encrypts with the
/// public key; [`HomomorphicEvaluator::with_secret_key`] (client side only: tests, in-process
/// experiments) encrypts with the secret key, which gives smaller fresh noise.
pub struct HomomorphicEvaluator {
    eval: Evaluator,
    encryptor: Encryptor,
    prng: Mutex<Prng>,
    bootstrapper: Option<Arc<dyn Refresh>>,
    /// The bootstrapper's model, kept to lend it by reference.
    model: Option<Arc<dyn BootstrapModel>>,
}

impl std::fmt::Debug for HomomorphicEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let enc = match self.encryptor {
            Encryptor::None => "none",
            Encryptor::Public(_) => "public key",
            Encryptor::Secret(_) => "secret key",
        };
        write!(f, "HomomorphicEvaluator({:?}, encryption: {enc})", self.eval.context())
    }
}

impl HomomorphicEvaluator {
    /// An evaluator that cannot encrypt (inputs come from elsewhere).
    pub fn new(eval: Evaluator) -> Self {
        Self {
            eval,
            encryptor: Encryptor::None,
            prng: Mutex::new(Prng::from_os_entropy()),
            bootstrapper: None,
            model: None,
        }
    }

    /// An evaluator that encrypts inputs with the public key.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if the key belongs to other parameters.
    pub fn with_public_key(eval: Evaluator, pk: PublicKey) -> Result<Self> {
        crate::scheme::ciphertext::check_hash(eval.context(), pk.params_hash())?;
        Ok(Self { encryptor: Encryptor::Public(pk), ..Self::new(eval) })
    }

    /// An evaluator that encrypts inputs with the secret key: for the client side only.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if the key belongs to other parameters.
    pub fn with_secret_key(eval: Evaluator, sk: Arc<SecretKey>) -> Result<Self> {
        crate::scheme::ciphertext::check_hash(eval.context(), sk.context().hash())?;
        Ok(Self { encryptor: Encryptor::Secret(sk), ..Self::new(eval) })
    }

    /// The same evaluator with its encryption randomness drawn from `prng` (reproducible runs).
    pub fn with_prng(mut self, prng: Prng) -> Self {
        self.prng = Mutex::new(prng);
        self
    }

    /// The same evaluator, bootstrapping with `bootstrapper`.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if it belongs to other parameters.
    pub fn with_bootstrapper(mut self, bootstrapper: Arc<dyn Refresh>) -> Result<Self> {
        crate::scheme::ciphertext::check_hash(self.eval.context(), bootstrapper.params_hash())?;
        self.model = Some(bootstrapper.model());
        self.bootstrapper = Some(bootstrapper);
        Ok(self)
    }

    /// The bootstrapper, if any (a [`Bootstrapper`](crate::boot::Bootstrapper) behind the
    /// [`Refresh`] trait).
    pub fn bootstrapper(&self) -> Option<&Arc<dyn Refresh>> {
        self.bootstrapper.as_ref()
    }

    /// The underlying scheme evaluator.
    pub fn evaluator(&self) -> &Evaluator {
        &self.eval
    }

    /// The context.
    pub fn context(&self) -> &Context {
        self.eval.context()
    }
}

impl CkksEvaluator for HomomorphicEvaluator {
    type Value = Ciphertext;
    type Plain = Plaintext;

    fn chain(&self) -> &ModulusChain {
        self.eval.context().chain()
    }

    fn meta(&self, v: &Ciphertext) -> Meta {
        v.meta()
    }

    fn plain_meta(&self, p: &Plaintext) -> Meta {
        p.meta()
    }

    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<Ciphertext> {
        let ctx = self.eval.context();
        crate::scheme::rules::check_encoding(ctx.chain(), values.len(), level)?;
        let pt = ctx.encode_complex(values, level, ctx.scale(level))?;
        let mut prng = self.prng.lock().expect("prng lock");
        match &self.encryptor {
            Encryptor::None => Err(CkksError::NoEncryptionKey),
            Encryptor::Public(pk) => pk.encrypt(ctx, &pt, &mut prng),
            Encryptor::Secret(sk) => sk.encrypt(&pt, &mut prng),
        }
    }

    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64) -> Result<Plaintext> {
        self.eval.context().encode_complex(values, level, scale)
    }

    fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.eval.add(a, b)
    }
    fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.eval.sub(a, b)
    }
    fn neg(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.eval.neg(a)
    }
    fn add_plain(&self, a: &Ciphertext, p: &Plaintext) -> Result<Ciphertext> {
        self.eval.add_plain(a, p)
    }
    fn sub_plain(&self, a: &Ciphertext, p: &Plaintext) -> Result<Ciphertext> {
        self.eval.sub_plain(a, p)
    }
    fn mul_plain(&self, a: &Ciphertext, p: &Plaintext) -> Result<Ciphertext> {
        self.eval.mul_plain(a, p)
    }
    fn add_const(&self, a: &Ciphertext, c: f64) -> Result<Ciphertext> {
        self.eval.add_const(a, c)
    }
    fn mul_const(&self, a: &Ciphertext, c: f64) -> Result<Ciphertext> {
        self.eval.mul_const(a, c)
    }
    fn mul_const_at_scale(&self, a: &Ciphertext, c: f64, scale: f64) -> Result<Ciphertext> {
        self.eval.mul_const_at_scale(a, c, scale)
    }
    fn mul_const_add_assign(
        &self,
        acc: &mut Ciphertext,
        a: &Ciphertext,
        c: f64,
        scale: f64,
    ) -> Result<()> {
        self.eval.mul_const_add_assign(acc, a, c, scale)
    }
    fn mul_integer(&self, a: &Ciphertext, k: i64) -> Result<Ciphertext> {
        self.eval.mul_integer(a, k)
    }
    fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.eval.mul(a, b)
    }
    fn square(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.eval.square(a)
    }
    fn relinearize(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.eval.relinearize(a)
    }
    fn rescale(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.eval.rescale(a)
    }
    fn drop_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext> {
        self.eval.drop_level(a, level)
    }
    fn align_to_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext> {
        self.eval.align_to_level(a, level)
    }
    fn rotate(&self, a: &Ciphertext, step: i64) -> Result<Ciphertext> {
        self.eval.rotate(a, step)
    }
    fn conjugate(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.eval.conjugate(a)
    }
    fn mul_i(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.eval.mul_i(a)
    }
    fn rotate_hoisted(&self, a: &Ciphertext, steps: &[i64]) -> Result<Vec<Ciphertext>> {
        self.eval.rotate_hoisted(a, steps)
    }
    fn bootstrap(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.bootstrapper.as_ref().ok_or(CkksError::BootstrapUnavailable)?.bootstrap(a)
    }
    fn bootstrap_plan(&self) -> Option<&dyn BootstrapModel> {
        self.model.as_deref()
    }
    fn add_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        self.eval.add_assign(a, b)
    }
    fn sub_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        self.eval.sub_assign(a, b)
    }
}

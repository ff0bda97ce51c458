//! The validated, immutable CKKS parameter context: the ring ([`RingContext`]: primes, NTT
//! tables, key-switching precomputation), the nominal scales per level and the encoder. Cheap to
//! clone (one `Arc`).

use super::chain::ModulusChain;
use super::encoder::Encoder;
use super::params::{max_log_qp_128, ParametersLiteral, Security};
use crate::error::{CkksError, Result};
use crate::rlwe::serial::fnv1a;
use crate::rlwe::RingContext;
use std::sync::Arc;

/// A validated parameter set and its precomputed tables: the ring ([`Context::ring`], also
/// through `Deref`), the chain of nominal scales and the encoder. Levels are views of one prime
/// chain: level `l` uses `q_0 .. q_l`.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Context(N = 2^{}, L = {}, log QP = {:.1}, dnum = {}, hash = {:#x})",
            self.log_n(),
            self.max_level(),
            self.inner.chain.log_qp(),
            self.dnum(),
            self.hash()
        )
    }
}

/// A CKKS context is its ring plus the scales and the encoder (as Lattigo's CKKS parameters
/// embed its RLWE parameters): everything of the ring (degree, bases, digits, hash) is read
/// through it, and the RLWE layer's functions take `&Context` where they take a
/// [`&RingContext`](RingContext).
impl std::ops::Deref for Context {
    type Target = RingContext;
    fn deref(&self) -> &RingContext {
        &self.inner.ring
    }
}

impl AsRef<RingContext> for Context {
    fn as_ref(&self) -> &RingContext {
        &self.inner.ring
    }
}

impl ParametersLiteral {
    /// Validates the description and builds the immutable context (primes, NTT tables, per-level
    /// scales, key-switching precomputation).
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] for a ring degree, prime size, prime count, scale or digit
    /// count out of range, or too few special-prime bits for the largest digit;
    /// [`CkksError::InsecureParameters`] when `log2(QP)` exceeds the 128-bit bound and
    /// `security` is [`Security::HeStandard128`].
    pub fn build(&self) -> Result<Context> {
        self.check_ranges()?;
        Context::new(self.clone())
    }
}

struct Inner {
    literal: ParametersLiteral,
    chain: ModulusChain,
    encoder: Encoder,
    ring: RingContext,
}

impl Context {
    pub(crate) fn new(literal: ParametersLiteral) -> Result<Self> {
        let n = 1usize << literal.log_n;
        let chain = ModulusChain::from_literal(&literal)?;
        let q_primes = chain.q_primes();
        let special = chain.special_primes();
        let log_qp = chain.log_qp();
        if literal.security == Security::HeStandard128 {
            let max_bits = max_log_qp_128(literal.log_n).expect("log_n range checked");
            if log_qp > max_bits as f64 {
                return Err(CkksError::InsecureParameters {
                    log_n: literal.log_n,
                    log_qp,
                    max_bits,
                });
            }
        }
        let hash = fnv1a(
            [literal.log_n as u64, literal.log_scale as u64, literal.dnum as u64]
                .into_iter()
                .chain(q_primes.iter().copied())
                .chain(special.iter().copied())
                .flat_map(u64::to_le_bytes),
        );
        let ring = RingContext::new(literal.log_n, q_primes, special, literal.dnum, hash)?;
        Ok(Self { inner: Arc::new(Inner { encoder: Encoder::new(n), chain, ring, literal }) })
    }

    /// The ring underneath: degree, primes, key-switching digits and their precomputations
    /// (also reached through `Deref`: `ctx.basis_q(l)` is `ctx.ring().basis_q(l)`).
    pub fn ring(&self) -> &RingContext {
        &self.inner.ring
    }

    /// The description this context was built from.
    pub fn literal(&self) -> &ParametersLiteral {
        &self.inner.literal
    }

    /// The number of complex slots, `N / 2`.
    pub fn slots(&self) -> usize {
        self.n() / 2
    }

    /// The modulus chain: primes and nominal scales, what the evaluation rules need.
    pub fn chain(&self) -> &ModulusChain {
        &self.inner.chain
    }

    /// The ciphertext primes `q_0 .. q_L`.
    pub fn q_primes(&self) -> Vec<u64> {
        self.inner.chain.q_primes().to_vec()
    }

    /// The special primes `p_0 .. p_{k-1}`.
    pub fn special_primes(&self) -> Vec<u64> {
        self.p_basis().iter().map(|t| t.modulus().value()).collect()
    }

    /// `log2(QP)`, the figure checked against the security bound.
    pub fn log_qp(&self) -> f64 {
        self.inner.chain.log_qp()
    }

    /// The nominal scale of level `l`: `2^log_scale` at the top, `s_{l-1} = s_l^2 / q_l` below.
    ///
    /// # Panics
    /// If `level > L`.
    pub fn scale(&self, level: usize) -> f64 {
        self.inner.chain.scale(level)
    }

    /// The canonical-embedding encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.inner.encoder
    }

    /// Checks that `level` exists.
    ///
    /// # Errors
    /// [`CkksError::InvalidLevel`] if `level > L`.
    pub fn check_level(&self, level: usize) -> Result<()> {
        self.inner.chain.check_level(level)
    }

    /// A printable summary: degree, levels, primes, scales and security.
    pub fn summary(&self) -> String {
        let bits = |ps: &[u64]| {
            ps.iter().map(|&p| format!("{:.2}", (p as f64).log2())).collect::<Vec<_>>().join(", ")
        };
        let bound = match self.inner.literal.security {
            Security::HeStandard128 => format!(
                "128-bit (HE standard bound {} bits)",
                max_log_qp_128(self.log_n()).unwrap_or(0)
            ),
            Security::InsecureToyParameters => "NONE: insecure toy parameters".to_string(),
        };
        let chain = self.chain();
        let boot = if chain.bootstrap_levels() == 0 {
            String::new()
        } else {
            // The key under bootstrapping's ephemeral sparse secret lives modulo q_0 p_0.
            let q0p0 =
                (self.q_primes()[0] as f64).log2() + (self.special_primes()[0] as f64).log2();
            format!(
                "\n  bootstrapping: levels {} ..= {} above the circuit's 0 ..= {} (scale 2^{:.4} at \
                 level {}); uniform ternary secret, sparse-secret encapsulation modulo q_0 p_0 = \
                 2^{q0p0:.1} (claimed 128-bit for an ephemeral secret of weight >= 32 at N >= 2^16 \
                 up to 2^121: Bossuat, Troncoso-Pastoriza, Hubaux, ACNS 2022)",
                chain.circuit_top() + 1,
                chain.max_level(),
                chain.circuit_top(),
                self.scale(chain.circuit_top()).log2(),
                chain.circuit_top(),
            )
        };
        format!(
            "N = 2^{} ({} slots), L = {}, dnum = {}, log2 QP = {:.1}, security: {}\n  q bits: [{}]\n  p bits: [{}]\n  scale: 2^{:.4} at level L, 2^{:.4} at level 0{boot}",
            self.log_n(),
            self.slots(),
            self.max_level(),
            self.dnum(),
            self.log_qp(),
            bound,
            bits(&self.q_primes()),
            bits(&self.special_primes()),
            self.scale(self.max_level()).log2(),
            self.scale(0).log2(),
        )
    }
}

//! The validated, immutable parameter context: primes, NTT tables, nominal scales per level and
//! every precomputation the scheme needs. Cheap to clone (one `Arc`).

use super::chain::ModulusChain;
use super::encoder::Encoder;
use super::params::{max_log_qp_128, ParametersLiteral, Security};
use crate::error::{CkksError, Result};
use crate::math::rns::{BaseConverter, Crt};
use crate::math::{Basis, Modulus, NttTable};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// A validated parameter set and its precomputed tables. Levels are views of one prime chain:
/// level `l` uses `q_0 .. q_l`.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Context(N = 2^{}, L = {}, log QP = {:.1}, dnum = {}, hash = {:#x})",
            self.inner.log_n,
            self.max_level(),
            self.inner.chain.log_qp(),
            self.inner.digits.len(),
            self.inner.hash
        )
    }
}

/// Precomputation for the mod-up of one digit at one level.
pub(crate) struct ModUp {
    /// Positions (in the `Q_l ∪ P` layout) of the digit's own primes.
    pub digit: Range<usize>,
    /// Positions (in the `Q_l ∪ P` layout) of the converter's targets, in order.
    pub targets: Vec<usize>,
    pub converter: BaseConverter,
}

struct Inner {
    literal: ParametersLiteral,
    n: usize,
    log_n: u32,
    /// `q_0 .. q_L` then `p_0 .. p_{k-1}`.
    tables: Vec<Arc<NttTable>>,
    qp_bases: Vec<Vec<Arc<NttTable>>>,
    chain: ModulusChain,
    hash: u64,
    encoder: Encoder,
    /// `rescale_inv[l][i] = q_l^-1 mod q_i` and Shoup companion, `i < l`.
    rescale_inv: Vec<Vec<(u64, u64)>>,
    digits: Vec<Range<usize>>,
    /// `P mod q_i` for every ciphertext prime.
    p_mod_q: Vec<u64>,
    /// `P^-1 mod q_i` and Shoup companion.
    p_inv_mod_q: Vec<(u64, u64)>,
    mod_down: BaseConverter,
    /// `mod_up[l]`: one entry per digit that has primes at level `l`.
    mod_up: Vec<Vec<ModUp>>,
    crt: Vec<OnceLock<Crt>>,
}

impl Context {
    pub(crate) fn new(literal: ParametersLiteral) -> Result<Self> {
        let n = 1usize << literal.log_n;
        let chain = ModulusChain::from_literal(&literal)?;
        let levels = chain.max_level();
        let q_primes = chain.q_primes().to_vec();
        let special = chain.special_primes().to_vec();
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
        // Digits and the special-prime budget.
        let q_count = levels + 1;
        let alpha = q_count.div_ceil(literal.dnum);
        let digits: Vec<Range<usize>> =
            (0..q_count).step_by(alpha).map(|s| s..(s + alpha).min(q_count)).collect();
        let log_p: f64 = special.iter().map(|&p| (p as f64).log2()).sum();
        let max_digit: f64 = digits
            .iter()
            .map(|d| q_primes[d.clone()].iter().map(|&p| (p as f64).log2()).sum::<f64>())
            .fold(0.0, f64::max);
        // Key-switching noise grows like (largest digit / P): P must be about as large as the
        // largest digit. Half of it is still fine (one bit of noise), and the slack keeps
        // nominal widths (60 + 3 x 40 = 3 x 60) valid whatever side of 2^b the primes fall.
        if log_p + 1.0 < max_digit {
            return Err(CkksError::InvalidParameters(format!(
                "the special primes give log2 P = {log_p:.2} bits, more than one bit below the \
                 largest key-switching digit ({max_digit:.2} bits with dnum = {}): add special \
                 primes or raise dnum",
                literal.dnum
            )));
        }
        let tables: Vec<Arc<NttTable>> = q_primes
            .iter()
            .chain(&special)
            .map(|&p| Arc::new(NttTable::new(Modulus::new(p), n)))
            .collect();
        let qm: Vec<Modulus> = tables[..q_count].iter().map(|t| *t.modulus()).collect();
        let pm: Vec<Modulus> = tables[q_count..].iter().map(|t| *t.modulus()).collect();
        let qp_bases = (0..q_count)
            .map(|l| tables[..=l].iter().chain(&tables[q_count..]).cloned().collect())
            .collect();
        let rescale_inv = (0..q_count)
            .map(|l| {
                (0..l)
                    .map(|i| {
                        let inv = qm[i].inv(qm[l].value()).expect("distinct primes");
                        (inv, qm[i].shoup(inv))
                    })
                    .collect()
            })
            .collect();
        let p_mod_q: Vec<u64> = qm
            .iter()
            .map(|q| pm.iter().fold(1, |acc, p| q.mul(acc, q.reduce(p.value()))))
            .collect();
        let p_inv_mod_q = qm
            .iter()
            .zip(&p_mod_q)
            .map(|(q, &pq)| {
                let inv = q.inv(pq).expect("distinct primes");
                (inv, q.shoup(inv))
            })
            .collect();
        let mod_down = BaseConverter::new(&pm, &qm);
        let k = pm.len();
        let mod_up = (0..q_count)
            .map(|l| {
                digits
                    .iter()
                    .filter(|d| d.start <= l)
                    .map(|d| {
                        let digit = d.start..d.end.min(l + 1);
                        let targets: Vec<usize> =
                            (0..l + 1 + k).filter(|i| !digit.contains(i)).collect();
                        let to: Vec<Modulus> = targets
                            .iter()
                            .map(|&i| if i <= l { qm[i] } else { pm[i - l - 1] })
                            .collect();
                        let converter = BaseConverter::new(&qm[digit.clone()], &to);
                        ModUp { digit, targets, converter }
                    })
                    .collect()
            })
            .collect();
        let hash = super::serial::fnv1a(
            [literal.log_n as u64, literal.log_scale as u64, literal.dnum as u64]
                .into_iter()
                .chain(q_primes.iter().copied())
                .chain(special.iter().copied())
                .flat_map(u64::to_le_bytes),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                n,
                log_n: literal.log_n,
                tables,
                qp_bases,
                chain,
                hash,
                encoder: Encoder::new(n),
                rescale_inv,
                digits,
                p_mod_q,
                p_inv_mod_q,
                mod_down,
                mod_up,
                crt: (0..q_count).map(|_| OnceLock::new()).collect(),
                literal,
            }),
        })
    }

    /// The description this context was built from.
    pub fn literal(&self) -> &ParametersLiteral {
        &self.inner.literal
    }

    /// The ring degree `N`.
    pub fn n(&self) -> usize {
        self.inner.n
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.inner.log_n
    }

    /// The number of complex slots, `N / 2`.
    pub fn slots(&self) -> usize {
        self.inner.n / 2
    }

    /// The top level `L`.
    pub fn max_level(&self) -> usize {
        self.inner.chain.max_level()
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

    /// A 64-bit hash of the parameters (primes, degree, scale, digits): objects carry it so that
    /// mixing parameter sets is detected.
    pub fn hash(&self) -> u64 {
        self.inner.hash
    }

    /// The number of key-switching digits actually formed.
    pub fn dnum(&self) -> usize {
        self.inner.digits.len()
    }

    /// The ciphertext-prime ranges of the key-switching digits.
    pub fn digits(&self) -> &[Range<usize>] {
        &self.inner.digits
    }

    /// The canonical-embedding encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.inner.encoder
    }

    /// The basis of level `l`: `q_0 .. q_l`.
    ///
    /// # Panics
    /// If `level > L`.
    pub fn basis_q(&self, level: usize) -> &Basis {
        assert!(level <= self.max_level());
        &self.inner.tables[..=level]
    }

    /// The basis `q_0 .. q_l, p_0 .. p_{k-1}` used inside key switching at level `l`.
    pub fn basis_qp(&self, level: usize) -> &Basis {
        &self.inner.qp_bases[level]
    }

    /// The full key basis `q_0 .. q_L, p_0 .. p_{k-1}`.
    pub fn basis_qp_top(&self) -> &Basis {
        &self.inner.tables
    }

    /// The special primes' basis.
    pub fn p_basis(&self) -> &Basis {
        &self.inner.tables[self.max_level() + 1..]
    }

    /// CRT reconstruction for level `l` (built on first use).
    pub fn crt(&self, level: usize) -> &Crt {
        self.inner.crt[level].get_or_init(|| {
            let ms: Vec<Modulus> = self.basis_q(level).iter().map(|t| *t.modulus()).collect();
            Crt::new(&ms)
        })
    }

    /// Checks that `level` exists.
    ///
    /// # Errors
    /// [`CkksError::InvalidLevel`] if `level > L`.
    pub fn check_level(&self, level: usize) -> Result<()> {
        self.inner.chain.check_level(level)
    }

    pub(crate) fn rescale_inv(&self, level: usize) -> &[(u64, u64)] {
        &self.inner.rescale_inv[level]
    }

    pub(crate) fn p_mod_q(&self) -> &[u64] {
        &self.inner.p_mod_q
    }

    pub(crate) fn p_inv_mod_q(&self) -> &[(u64, u64)] {
        &self.inner.p_inv_mod_q
    }

    pub(crate) fn mod_down_converter(&self) -> &BaseConverter {
        &self.inner.mod_down
    }

    pub(crate) fn mod_up(&self, level: usize) -> &[ModUp] {
        &self.inner.mod_up[level]
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

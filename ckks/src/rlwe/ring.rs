//! The ring a parameter set lives in: `Z_{QP}[X] / (X^N + 1)` over a chain of NTT primes split
//! into levels, with the key-switching digits and every precomputation that keys, key switching
//! and rescaling need. Nothing here knows of scales or encodings.

use crate::error::{CkksError, ParameterFault, Result};
use crate::math::rns::{BaseConverter, Crt};
use crate::math::{Basis, Modulus, NttTable};
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

/// The ring, its prime chain and its key-switching precomputations. Levels are views of one
/// prime chain: level `l` uses `q_0 .. q_l`; the special primes `p_0 .. p_{k-1}` are used inside
/// key switching only. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct RingContext {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RingContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RingContext(N = 2^{}, L = {}, dnum = {}, hash = {:#x})",
            self.inner.log_n,
            self.max_level(),
            self.inner.digits.len(),
            self.inner.hash
        )
    }
}

impl AsRef<RingContext> for RingContext {
    fn as_ref(&self) -> &RingContext {
        self
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
    n: usize,
    log_n: u32,
    /// `q_0 .. q_L` then `p_0 .. p_{k-1}`.
    tables: Vec<Arc<NttTable>>,
    /// The number of ciphertext primes, `L + 1`.
    q_count: usize,
    qp_bases: Vec<Vec<Arc<NttTable>>>,
    hash: u64,
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
    /// Key-switching workspaces given back for the next key switch (see
    /// [`RingContext::take_buffer`]).
    buffers: Mutex<Vec<Vec<u64>>>,
}

/// At most this many workspaces are kept for reuse (more are in use only while that many key
/// switches run at once).
const KEPT_BUFFERS: usize = 8;

impl RingContext {
    /// The ring of degree `2^log_n` over the ciphertext primes `q_primes` (`q_0` first) and the
    /// special primes, with the ciphertext primes split into `dnum` key-switching digits (of
    /// `ceil((L + 1) / dnum)` primes, the last one possibly shorter). `hash` identifies the
    /// parameter set the scheme built this ring for: every object of the ring carries it.
    ///
    /// The primes must be distinct NTT primes for `2N` (the scheme's chain chooses them).
    ///
    /// # Errors
    /// [`ParameterFault::SpecialPrimesTooSmall`] when `log2 P` is more than one bit below the
    /// largest digit (key switching would add noise that grows with the digit).
    pub fn new(
        log_n: u32,
        q_primes: &[u64],
        special: &[u64],
        dnum: usize,
        hash: u64,
    ) -> Result<Self> {
        let n = 1usize << log_n;
        let q_count = q_primes.len();
        let alpha = q_count.div_ceil(dnum);
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
            return Err(CkksError::InvalidParameters(ParameterFault::SpecialPrimesTooSmall {
                log_p,
                max_digit_bits: max_digit,
                dnum,
            }));
        }
        let tables: Vec<Arc<NttTable>> = q_primes
            .iter()
            .chain(special)
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
        Ok(Self {
            inner: Arc::new(Inner {
                n,
                log_n,
                tables,
                q_count,
                qp_bases,
                hash,
                rescale_inv,
                digits,
                p_mod_q,
                p_inv_mod_q,
                mod_down,
                mod_up,
                crt: (0..q_count).map(|_| OnceLock::new()).collect(),
                buffers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The ring degree `N`.
    pub fn n(&self) -> usize {
        self.inner.n
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.inner.log_n
    }

    /// The top level `L`.
    pub fn max_level(&self) -> usize {
        self.inner.q_count - 1
    }

    /// The hash of the parameter set this ring was built for: objects carry it so that mixing
    /// parameter sets is detected.
    pub fn hash(&self) -> u64 {
        self.inner.hash
    }

    /// Checks that an object carrying `hash` belongs to this ring's parameter set.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] otherwise.
    pub fn check_hash(&self, hash: u64) -> Result<()> {
        if self.hash() != hash {
            return Err(CkksError::ContextMismatch { left: self.hash(), right: hash });
        }
        Ok(())
    }

    /// The number of key-switching digits actually formed.
    pub fn dnum(&self) -> usize {
        self.inner.digits.len()
    }

    /// The ciphertext-prime ranges of the key-switching digits.
    pub fn digits(&self) -> &[Range<usize>] {
        &self.inner.digits
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
        &self.inner.tables[self.inner.q_count..]
    }

    /// CRT reconstruction for level `l` (built on first use).
    pub fn crt(&self, level: usize) -> &Crt {
        self.inner.crt[level].get_or_init(|| {
            let ms: Vec<Modulus> = self.basis_q(level).iter().map(|t| *t.modulus()).collect();
            Crt::new(&ms)
        })
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

    /// A buffer of at least `len` words (its contents unspecified), recycled from an earlier
    /// [`RingContext::give_buffer`] when one is kept. A key switch's workspace is several MiB:
    /// freshly allocated on every call, it was zeroed or faulted in page by page on the calling
    /// thread, serial work that two threads could not share.
    pub(crate) fn take_buffer(&self, len: usize) -> Vec<u64> {
        let kept = self.inner.buffers.lock().map(|mut b| b.pop()).unwrap_or(None);
        let mut buf = kept.unwrap_or_default();
        if buf.len() < len {
            buf.resize(len, 0);
        }
        buf
    }

    /// Keeps `buf` for a later [`RingContext::take_buffer`] (up to a few buffers).
    pub(crate) fn give_buffer(&self, buf: Vec<u64>) {
        if let Ok(mut kept) = self.inner.buffers.lock() {
            if kept.len() < KEPT_BUFFERS {
                kept.push(buf);
            }
        }
    }
}

/// Checks that an object carrying `hash` belongs to `ring` (a `&Context` coerces).
pub(crate) fn check_hash(ring: &RingContext, hash: u64) -> Result<()> {
    ring.check_hash(hash)
}

//! Element-wise kernels of key switching behind safe functions: each checks its preconditions,
//! then runs the vector code of the process's [`path`] or the portable loop.

use super::{path, Path};
use crate::math::Modulus;

/// The centred lift of residues `x < a` into `Z_b` for odd `a, b` below `2^61` of any sizes: `x mod
/// b` if `x <= a/2`, else `x - a mod b` (a single-prime base conversion, rescaling).
///
/// # Panics
/// If the lengths differ.
pub fn centred_lift(input: &[u64], output: &mut [u64], a: u64, b: &Modulus) {
    centred_lift_on(path(), input, output, a, b)
}

/// [`centred_lift`] on a given path (the portable loop where the CPU lacks it).
pub fn centred_lift_on(p: Path, input: &[u64], output: &mut [u64], a: u64, b: &Modulus) {
    assert_eq!(input.len(), output.len());
    let bv = b.value();
    if a <= 2 * bv {
        return centred_lift_small_on(p, input, output, a, bv);
    }
    debug_assert!(input.iter().all(|&x| x < a));
    let mut v = 0;
    #[cfg(target_arch = "x86_64")]
    if p >= Path::Avx2 && Path::Avx2.is_supported() {
        v = input.len() & !3;
        // SAFETY: AVX2 is present; both slices hold at least v entries, v a multiple of 4;
        // a, b < 2^61 (moduli), b odd; the inputs are below a.
        unsafe { super::avx2::wide::centred_lift(&input[..v], &mut output[..v], a, bv) };
    }
    let half = a >> 1;
    let a_mod_b = b.reduce(a);
    for (o, &x) in output[v..].iter_mut().zip(&input[v..]) {
        // Branch-free: the sign of the lift is random, a branch would mispredict.
        let r = b.reduce(x);
        let t = r.wrapping_sub(a_mod_b & ((x > half) as u64).wrapping_neg());
        *o = t.min(t.wrapping_add(bv));
    }
}

/// The centred lift of residues `x < a` into `Z_b`, for `a <= 2b`: `x mod b` if `x <= a/2`, else
/// `x - a mod b`.
///
/// # Panics
/// If the lengths differ or `a > 2b`.
pub fn centred_lift_small(input: &[u64], output: &mut [u64], a: u64, b: u64) {
    centred_lift_small_on(path(), input, output, a, b)
}

/// [`centred_lift_small`] on a given path (the portable loop if the CPU lacks it).
pub fn centred_lift_small_on(p: Path, input: &[u64], output: &mut [u64], a: u64, b: u64) {
    assert!(input.len() == output.len() && a <= 2 * b && b < 1 << 62);
    debug_assert!(input.iter().all(|&x| x < a));
    #[cfg(target_arch = "x86_64")]
    if p == Path::Ifma && p.is_supported() && input.len().is_multiple_of(8) {
        // SAFETY: AVX-512F is present (the IFMA path implies it); equal lengths, a multiple of
        // 8; a <= 2b < 2^63; the inputs are below a (the caller's contract, checked in debug).
        unsafe { super::ifma::centred_lift_small(input, output, a, b) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if p >= Path::Avx2 && Path::Avx2.is_supported() && input.len().is_multiple_of(4) {
        // SAFETY: AVX2 is present; equal lengths, a multiple of 4; a <= 2b < 2^63; the inputs
        // are below a.
        unsafe { super::avx2::elementwise::centred_lift_small(input, output, a, b) };
        return;
    }
    let _ = p;
    // x < a <= 2b: one conditional subtraction reduces it; branch-free (the sign is random).
    let half = a >> 1;
    let a_mod_b = a % b;
    for (o, &x) in output.iter_mut().zip(input) {
        let r = x.min(x.wrapping_sub(b));
        let t = r.wrapping_sub(a_mod_b & ((x > half) as u64).wrapping_neg());
        *o = t.min(t.wrapping_add(b));
    }
}

/// One term of [`conversion_sums`]: the words `x` (below `2^61`) times the constant `m < b`. For a
/// target below `2^52` the words are taken whole or, with `m_high = m 2^32 mod b`, as their low and
/// high 32 bits (needed when they may reach `2^51`); wider targets ignore `m_high`.
#[derive(Clone, Copy, Debug)]
pub struct SumTerm<'a> {
    /// The coefficients.
    pub x: &'a [u64],
    /// The constant multiplier, below the target prime.
    pub m: u64,
    /// `Some(m 2^32 mod b)` when the words may reach `2^51` (they enter as two halves).
    pub m_high: Option<u64>,
}

/// Whether [`conversion_sums`] has a kernel on this process's path for target primes of `bits`
/// bits.
pub fn conversion_sums_available(bits: u32) -> bool {
    conversion_sums_available_on(path(), bits)
}

fn conversion_sums_available_on(p: Path, bits: u32) -> bool {
    #[cfg(target_arch = "x86_64")]
    if p >= Path::Avx2
        && Path::Avx2.is_supported()
        && bits <= crate::math::modulus::MAX_MODULUS_BITS
    {
        return true;
    }
    let _ = (p, bits);
    false
}

/// `out[c] = sum_t x_t[c] m_t mod b` (canonical) for a prime `b`, the sums of a fast base
/// conversion, on the process's path. Returns `false` (and leaves `out` alone) when there is no
/// kernel: [`conversion_sums_available`] false, or `out.len()` not a multiple of 4. Targets
/// below `2^51` take the double-precision kernel, where a term without `m_high` whose words reach
/// `2^51` gives wrong sums (never undefined behaviour); wider targets take exact 128-bit sums
/// (at most 64 terms of words below `2^61`, and one more of words below `2^8`).
///
/// # Panics
/// If a term's `x` is not as long as `out`, a constant is not below `b`, or (wide targets) there
/// are more than 65 terms.
pub fn conversion_sums(terms: &[SumTerm<'_>], b: &Modulus, out: &mut [u64]) -> bool {
    conversion_sums_on(path(), terms, b, out)
}

/// [`conversion_sums`] on a given path.
pub fn conversion_sums_on(p: Path, terms: &[SumTerm<'_>], b: &Modulus, out: &mut [u64]) -> bool {
    let n = out.len();
    let bv = b.value();
    assert!(terms.iter().all(|t| t.x.len() == n && t.m < bv && t.m_high.is_none_or(|h| h < bv)));
    if !conversion_sums_available_on(p, b.bits()) || !n.is_multiple_of(4) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    if b.bits() > super::avx2::elementwise::SUMS_MAX_BITS {
        assert!(terms.len() <= super::avx2::wide::MAX_TERMS + 1, "too many terms");
        let t: Vec<(&[u64], u64)> = terms.iter().map(|t| (t.x, t.m)).collect();
        // SAFETY: AVX2 is present (the path is at least AVX2 and supported); b < 2^61 odd (a
        // modulus); every slice has the length of `out`, a multiple of 4; every m < b; the
        // words' bound is the caller's contract (wrong sums otherwise, never undefined
        // behaviour).
        unsafe { super::avx2::wide::conversion_sums(&t, bv, out) };
        return true;
    }
    #[cfg(target_arch = "x86_64")]
    {
        use super::avx2::elementwise::{Part, Term};
        let bf = bv as f64;
        let term = |x, part, m: u64| Term { x, part, m: m as f64, mq: m as f64 / bf };
        let mut parts = Vec::with_capacity(2 * terms.len());
        for t in terms {
            match t.m_high {
                None => parts.push(term(t.x, Part::Whole, t.m)),
                Some(h) => {
                    parts.push(term(t.x, Part::Low, t.m));
                    parts.push(term(t.x, Part::High, h));
                }
            }
        }
        let terms = parts;
        // SAFETY: AVX2 and FMA are present (the path is at least AVX2 and supported); b < 2^51;
        // every slice has the length of `out`, a multiple of 4; every m < b.
        unsafe { super::avx2::elementwise::conversion_sums(&terms, b.value(), out) };
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Exact running sums `sum_j src_j b_j` and `sum_j src_j a_j` over one limb of `n` coefficients
/// (the inner product of key switching), reduced once at the end. At most
/// [`ProductSums::MAX_TERMS`] terms.
#[derive(Debug)]
pub struct ProductSums {
    path: Path,
    q: Modulus,
    terms: usize,
    inner: Sums,
    /// The buffers of the other kernels used since this object was made.
    spare: Vec<Sums>,
}

/// Which kernel sums the products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    #[cfg(target_arch = "x86_64")]
    Ifma,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx2Wide,
    Portable,
}

impl Kind {
    /// The kernel of path `p` for `n` coefficients modulo `q` (the portable code if the CPU lacks
    /// the path or it has no kernel for this width).
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn of(p: Path, q: &Modulus, n: usize) -> Kind {
        #[cfg(target_arch = "x86_64")]
        if p == Path::Ifma
            && p.is_supported()
            && q.bits() <= super::ifma::MAX_BITS
            && n.is_multiple_of(8)
        {
            return Kind::Ifma;
        }
        #[cfg(target_arch = "x86_64")]
        if p >= Path::Avx2 && Path::Avx2.is_supported() && n.is_multiple_of(4) {
            return if q.bits() <= super::avx2::elementwise::SUMS_MAX_BITS {
                Kind::Avx2
            } else {
                Kind::Avx2Wide
            };
        }
        Kind::Portable
    }
}

impl Sums {
    fn new(kind: Kind, n: usize) -> Self {
        match kind {
            #[cfg(target_arch = "x86_64")]
            Kind::Ifma => Sums::Ifma(vec![0; 4 * n]),
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => Sums::Avx2(vec![0.0; n], vec![0.0; n]),
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2Wide => Sums::Avx2Wide(vec![0; 4 * n]),
            Kind::Portable => Sums::Portable(vec![0; n], vec![0; n]),
        }
    }

    fn kind(&self) -> Kind {
        match self {
            #[cfg(target_arch = "x86_64")]
            Sums::Ifma(_) => Kind::Ifma,
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2(..) => Kind::Avx2,
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2Wide(_) => Kind::Avx2Wide,
            Sums::Portable(..) => Kind::Portable,
        }
    }

    fn len(&self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Sums::Ifma(acc) => acc.len() / 4,
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2(acc, _) => acc.len(),
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2Wide(acc) => acc.len() / 4,
            Sums::Portable(acc, _) => acc.len(),
        }
    }
}

#[derive(Debug)]
enum Sums {
    /// 52-bit halves of the products, `[lo0 | hi0 | lo1 | hi1]`.
    #[cfg(target_arch = "x86_64")]
    Ifma(Vec<u64>),
    /// Integer-valued `f64` sums, kept below `2^53` (see `avx2::elementwise::mac2`).
    #[cfg(target_arch = "x86_64")]
    Avx2(Vec<f64>, Vec<f64>),
    /// Exact 128-bit sums on 64-bit lanes, 16 words per four coefficients (see
    /// `avx2::wide::mac2`), for primes of 52 bits and more.
    #[cfg(target_arch = "x86_64")]
    Avx2Wide(Vec<u64>),
    Portable(Vec<u128>, Vec<u128>),
}

impl ProductSums {
    /// The most terms the sums stay exact for.
    pub const MAX_TERMS: usize = 64;

    /// Zero sums of `n` coefficients modulo `q`, on the process's path.
    pub fn new(q: &Modulus, n: usize) -> Self {
        Self::on(path(), q, n)
    }

    /// Empties the sums for another limb of `n` coefficients modulo `q`, keeping the buffers of
    /// every kernel used so far (key switching reuses one per thread over primes of several
    /// widths instead of allocating and zeroing two limbs per prime).
    pub fn reset(&mut self, q: &Modulus, n: usize) {
        let want = Kind::of(self.path, q, n);
        if self.inner.kind() != want || self.inner.len() != n {
            let next = match self.spare.iter().position(|s| s.kind() == want && s.len() == n) {
                Some(i) => self.spare.swap_remove(i),
                None => Sums::new(want, n),
            };
            let old = std::mem::replace(&mut self.inner, next);
            self.spare.retain(|s| s.len() == n);
            if old.len() == n {
                self.spare.push(old);
            }
        }
        self.q = *q;
        self.terms = 0;
        #[cfg(target_arch = "x86_64")]
        if let Sums::Ifma(acc) = &mut self.inner {
            acc.fill(0);
        }
    }

    /// Zero sums on a given path (the portable code if the CPU lacks it or it has no kernel for
    /// this width).
    pub fn on(p: Path, q: &Modulus, n: usize) -> Self {
        let inner = Sums::new(Kind::of(p, q, n), n);
        Self { path: p, q: *q, terms: 0, inner, spare: Vec::new() }
    }

    /// Adds `src[c] b[c]` and `src[c] a[c]` to the sums.
    ///
    /// # Panics
    /// If a slice is not `n` long or this is term number `MAX_TERMS + 1`. Entries must be `< q`.
    pub fn add(&mut self, src: &[u64], b: &[u64], a: &[u64]) {
        self.terms += 1;
        assert!(self.terms <= Self::MAX_TERMS, "more than {} terms", Self::MAX_TERMS);
        let qv = self.q.value();
        debug_assert!(src.iter().chain(b).chain(a).all(|&x| x < qv));
        match &mut self.inner {
            #[cfg(target_arch = "x86_64")]
            Sums::Ifma(acc) => {
                let n = acc.len() / 4;
                assert!(src.len() == n && b.len() == n && a.len() == n);
                // SAFETY: this variant exists only when the IFMA path is supported and
                // q < 2^51; the slices have n entries (a multiple of 8) below q, and at most
                // 64 terms keep the 52-bit halves' sums below 2^64.
                unsafe { super::ifma::mac2(src, b, a, acc) }
            }
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2(acc0, acc1) => {
                let n = acc0.len();
                assert!(src.len() == n && b.len() == n && a.len() == n);
                // SAFETY: this variant exists only when AVX2 and FMA are present and
                // q < 2^51; the slices have n entries (a multiple of 4) below q; the sums are
                // centred every second term, as `mac2` requires.
                unsafe {
                    super::avx2::elementwise::mac2(
                        src,
                        b,
                        a,
                        acc0,
                        acc1,
                        qv,
                        self.terms == 1,
                        self.terms.is_multiple_of(2),
                    )
                }
            }
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2Wide(acc) => {
                let n = acc.len() / 4;
                assert!(src.len() == n && b.len() == n && a.len() == n);
                // SAFETY: this variant exists only when AVX2 is present; the slices have n
                // entries (a multiple of 4) below q < 2^61, acc 4n words; at most 64 terms
                // (asserted above) keep the sums below 2^128.
                unsafe { super::avx2::wide::mac2(src, b, a, acc, self.terms == 1) }
            }
            Sums::Portable(acc0, acc1) => {
                let n = acc0.len();
                assert!(src.len() == n && b.len() == n && a.len() == n);
                // The first term overwrites whatever a previous limb left.
                let keep = if self.terms == 1 { 0 } else { u128::MAX };
                for (((x0, x1), &v), (&bv, &av)) in
                    acc0.iter_mut().zip(acc1.iter_mut()).zip(src).zip(b.iter().zip(a))
                {
                    *x0 = (*x0 & keep) + v as u128 * bv as u128;
                    *x1 = (*x1 & keep) + v as u128 * av as u128;
                }
            }
        }
    }

    /// The two sums modulo `q`, in `[0, q)`.
    ///
    /// # Panics
    /// If `o0` or `o1` is not `n` long.
    pub fn finish(&self, o0: &mut [u64], o1: &mut [u64]) {
        assert!(self.terms > 0, "no terms added since the last reset");
        match &self.inner {
            #[cfg(target_arch = "x86_64")]
            Sums::Ifma(acc) => {
                let n = acc.len() / 4;
                assert!(o0.len() == n && o1.len() == n);
                // SAFETY: as in `add`.
                unsafe { super::ifma::reduce_sums(acc, &self.q, o0, o1) }
            }
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2(acc0, acc1) => {
                assert!(o0.len() == acc0.len() && o1.len() == acc0.len());
                // SAFETY: as in `add`.
                unsafe {
                    super::avx2::elementwise::finish(acc0, o0, self.q.value());
                    super::avx2::elementwise::finish(acc1, o1, self.q.value());
                }
            }
            #[cfg(target_arch = "x86_64")]
            Sums::Avx2Wide(acc) => {
                assert!(4 * o0.len() == acc.len() && o1.len() == o0.len());
                // SAFETY: as in `add`; q is an odd modulus below 2^61.
                unsafe { super::avx2::wide::finish(acc, o0, o1, self.q.value()) }
            }
            Sums::Portable(acc0, acc1) => {
                assert!(o0.len() == acc0.len() && o1.len() == acc0.len());
                for ((x0, x1), (y0, y1)) in
                    acc0.iter().zip(acc1).zip(o0.iter_mut().zip(o1.iter_mut()))
                {
                    *y0 = self.q.reduce_u128(*x0);
                    *y1 = self.q.reduce_u128(*x1);
                }
            }
        }
    }
}

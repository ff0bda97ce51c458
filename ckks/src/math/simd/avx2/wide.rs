//! AVX2 kernels on 64-bit integer lanes for primes of every supported width (below `2^61`): what
//! the double-precision kernels of `elementwise.rs` cannot take, primes of 52 bits and more.
//!
//! - Exact 128-bit sums of products (key switching's inner product, the sums of a base
//!   conversion). A sum lives in two words per lane, `hi` and `lo ^ 2^63`: the low word is kept
//!   biased so that the carry of an addition is one signed compare. A product of words below
//!   `2^61` comes from four 32 x 32-bit products, `x y = hh 2^64 + mid 2^32 + ll` with
//!   `mid = lh + hl < 2^62`, added into the sum without forming it (two carries).
//! - Reduction of such a sum: `hi mod q` and `lo mod q` by Shoup's product with `w = 1`, then
//!   `hi 2^64 = hi (2^64 mod q)` by a Shoup product with that constant.
//! - The centred lift between primes of any widths.
//!
//! Every function is `unsafe` only because it needs AVX2; the safe wrappers in `simd/` call them
//! only when [`crate::math::simd::Path::Avx2`] is supported.

use super::Pre;
use super::{csub_epi64, Int};
use super::{load, splat, store};
use std::arch::x86_64::*;

/// `2^63` in every lane: the bias of the low words.
#[inline(always)]
unsafe fn bias() -> __m256i {
    splat(1 << 63)
}

/// A 128-bit sum per lane: `hi` and the biased low word `lo ^ 2^63`.
#[derive(Clone, Copy)]
struct Sum {
    lo: __m256i,
    hi: __m256i,
}

impl Sum {
    #[inline(always)]
    unsafe fn zero() -> Self {
        Sum { lo: bias(), hi: _mm256_setzero_si256() }
    }

    /// `self + x y` for `x, y < 2^61`, with `x_hi = x >> 32` and `y_hi = y >> 32` given (the
    /// caller shares them between products). Exact while the sum stays below `2^128`.
    #[inline(always)]
    unsafe fn mac(self, x: __m256i, x_hi: __m256i, y: __m256i, y_hi: __m256i) -> Self {
        let b = bias();
        let ll = _mm256_mul_epu32(x, y);
        let mid = _mm256_add_epi64(_mm256_mul_epu32(x, y_hi), _mm256_mul_epu32(x_hi, y));
        let hh = _mm256_mul_epu32(x_hi, y_hi);
        // lo + ll wraps exactly when the (unbiased) result is below ll: compared biased, signed.
        let lo = _mm256_add_epi64(self.lo, ll);
        let c1 = _mm256_cmpgt_epi64(_mm256_xor_si256(ll, b), lo);
        let m = _mm256_slli_epi64::<32>(mid);
        let lo = _mm256_add_epi64(lo, m);
        let c2 = _mm256_cmpgt_epi64(_mm256_xor_si256(m, b), lo);
        // The carries are all-ones masks (-1): subtracting them adds one.
        let hi = _mm256_add_epi64(self.hi, _mm256_add_epi64(hh, _mm256_srli_epi64::<32>(mid)));
        let hi = _mm256_sub_epi64(_mm256_sub_epi64(hi, c1), c2);
        Sum { lo, hi }
    }
}

/// Reduction constants of one prime `q < 2^61` on 64-bit lanes.
struct Reducer {
    int: Int,
    q: __m256i,
    two_q: __m256i,
    /// `floor(2^64 / q)` (Shoup's companion of 1), and its high half.
    one_c: __m256i,
    one_c_hi: __m256i,
    /// `2^64 mod q` and its Shoup companion.
    r64: __m256i,
    r64_c: __m256i,
}

impl Reducer {
    #[inline(always)]
    unsafe fn new(q: u64) -> Self {
        let one_c = (u64::MAX / q) as u128; // floor((2^64 - 1) / q) = floor(2^64 / q), q odd
        let r64 = ((1u128 << 64) % q as u128) as u64;
        let r64_c = (((r64 as u128) << 64) / q as u128) as u64;
        Self {
            int: Int::new(q),
            q: splat(q),
            two_q: splat(2 * q),
            one_c: splat(one_c as u64),
            one_c_hi: splat((one_c >> 32) as u64),
            r64: splat(r64),
            r64_c: splat(r64_c),
        }
    }

    /// `y mod q` in `[0, 2q)` for any `y`: `y - k q` with `k` the quotient estimate of
    /// `Int::mul_shoup_lazy` for `w = 1` (at most 2 below `floor(y floor(2^64/q) / 2^64)`, so
    /// `y - k q < 4q < 2^63`), then one conditional subtraction.
    #[inline(always)]
    unsafe fn reduce_lazy(&self, y: __m256i) -> __m256i {
        let y_hi = _mm256_srli_epi64::<32>(y);
        let k = _mm256_add_epi64(
            _mm256_mul_epu32(y_hi, self.one_c_hi),
            _mm256_add_epi64(
                _mm256_srli_epi64::<32>(_mm256_mul_epu32(y, self.one_c_hi)),
                _mm256_srli_epi64::<32>(_mm256_mul_epu32(y_hi, self.one_c)),
            ),
        );
        let kq = _mm256_add_epi64(
            _mm256_mul_epu32(k, self.q),
            _mm256_slli_epi64::<32>(_mm256_add_epi64(
                _mm256_mul_epu32(_mm256_srli_epi64::<32>(k), self.q),
                _mm256_mul_epu32(k, self.int.q_hi),
            )),
        );
        csub_epi64(_mm256_sub_epi64(y, kq), self.two_q)
    }

    /// `y mod q` in `[0, q)` for any `y`.
    #[inline(always)]
    unsafe fn reduce(&self, y: __m256i) -> __m256i {
        csub_epi64(self.reduce_lazy(y), self.q)
    }

    /// A [`Sum`] modulo `q`, in `[0, q)`.
    #[inline(always)]
    unsafe fn reduce_sum(&self, s: Sum) -> __m256i {
        let h = self.int.mul_shoup_lazy(self.reduce_lazy(s.hi), self.r64, self.r64_c);
        let l = self.reduce_lazy(_mm256_xor_si256(s.lo, bias()));
        csub_epi64(csub_epi64(_mm256_add_epi64(h, l), self.two_q), self.q)
    }
}

/// Most terms a [`Sum`] of products of words below `2^61` takes: `64 (2^61 - 1)^2 < 2^128`.
pub(crate) const MAX_TERMS: usize = 64;

/// Adds `src[c] b[c]` and `src[c] a[c]` to the exact sums `acc` (16 words per block of four
/// coefficients: the biased low words and the high words of sum 0, then of sum 1). With
/// `first` the sums are overwritten, not read.
///
/// # Safety
/// The CPU must support AVX2; `src`, `b`, `a` of `n` entries below `2^61`, `n` a multiple of 4,
/// `acc` of `4n` words; at most [`MAX_TERMS`] calls between `first` and [`finish`].
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn mac2(src: &[u64], b: &[u64], a: &[u64], acc: &mut [u64], first: bool) {
    let n = src.len();
    debug_assert!(b.len() == n && a.len() == n && acc.len() == 4 * n && n.is_multiple_of(4));
    let p = acc.as_mut_ptr();
    for c in (0..n).step_by(4) {
        let x = load(src.as_ptr().add(c));
        let x_hi = _mm256_srli_epi64::<32>(x);
        let y0 = load(b.as_ptr().add(c));
        let y1 = load(a.as_ptr().add(c));
        let blk = p.add(4 * c);
        let (s0, s1) = if first {
            (Sum::zero(), Sum::zero())
        } else {
            (
                Sum { lo: load(blk), hi: load(blk.add(4)) },
                Sum { lo: load(blk.add(8)), hi: load(blk.add(12)) },
            )
        };
        let s0 = s0.mac(x, x_hi, y0, _mm256_srli_epi64::<32>(y0));
        let s1 = s1.mac(x, x_hi, y1, _mm256_srli_epi64::<32>(y1));
        store(blk, s0.lo);
        store(blk.add(4), s0.hi);
        store(blk.add(8), s1.lo);
        store(blk.add(12), s1.hi);
    }
}

/// The sums of [`mac2`] modulo `q`, in `[0, q)`.
///
/// # Safety
/// As [`mac2`]; `o0`, `o1` of `n` entries; `q < 2^61` odd.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn finish(acc: &[u64], o0: &mut [u64], o1: &mut [u64], q: u64) {
    let n = o0.len();
    debug_assert!(o1.len() == n && acc.len() == 4 * n && n.is_multiple_of(4));
    let r = Reducer::new(q);
    let p = acc.as_ptr();
    for c in (0..n).step_by(4) {
        let blk = p.add(4 * c);
        let s0 = Sum { lo: load(blk), hi: load(blk.add(4)) };
        let s1 = Sum { lo: load(blk.add(8)), hi: load(blk.add(12)) };
        store(o0.as_mut_ptr().add(c), r.reduce_sum(s0));
        store(o1.as_mut_ptr().add(c), r.reduce_sum(s1));
    }
}

/// `out[c] = sum_t x_t[c] m_t mod b` (canonical), exactly: the sums of a fast base conversion
/// into a prime of any width, accumulated in registers over the terms.
///
/// # Safety
/// The CPU must support AVX2; `b < 2^61` odd; every `x` slice as long as `out`, a multiple of 4,
/// with entries below `2^61`; every `m < b`; at most [`MAX_TERMS`] terms, or one more whose
/// words are below `2^8` (the multiple of the product of the sources).
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn conversion_sums(terms: &[(&[u64], u64)], b: u64, out: &mut [u64]) {
    let n = out.len();
    debug_assert!(n.is_multiple_of(4) && terms.iter().all(|t| t.0.len() == n && t.1 < b));
    let r = Reducer::new(b);
    let ms: Vec<(__m256i, __m256i)> =
        terms.iter().map(|t| (splat(t.1), splat(t.1 >> 32))).collect();
    for c in (0..n).step_by(4) {
        let mut s = Sum::zero();
        for (t, &(m, m_hi)) in terms.iter().zip(&ms) {
            let x = load(t.0.as_ptr().add(c));
            s = s.mac(x, _mm256_srli_epi64::<32>(x), m, m_hi);
        }
        store(out.as_mut_ptr().add(c), r.reduce_sum(s));
    }
}

/// The centred lift of residues `x < a` into `Z_b` for odd `a, b < 2^61` of any sizes: `x mod b`
/// if `x <= a/2`, else `x - a mod b`.
///
/// # Safety
/// The CPU must support AVX2; equal lengths, a multiple of 4; `a, b < 2^61`, `b` odd; every
/// input below `a`.
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn centred_lift(input: &[u64], output: &mut [u64], a: u64, b: u64) {
    let n = input.len();
    debug_assert!(output.len() == n && n.is_multiple_of(4));
    let lift = Lift::new(a, b);
    for c in (0..n).step_by(4) {
        store(output.as_mut_ptr().add(c), lift.apply(load(input.as_ptr().add(c))));
    }
}

/// The centred lift from `Z_a` into `Z_b` for odd `a, b < 2^61` of any sizes, as a first-pass
/// conversion.
pub(super) struct Lift {
    r: Reducer,
    half: __m256i,
    a_mod_b: __m256i,
}

impl Lift {
    #[inline(always)]
    pub(super) unsafe fn new(a: u64, b: u64) -> Self {
        Self { r: Reducer::new(b), half: splat(a >> 1), a_mod_b: splat(a % b) }
    }
}

impl Pre for Lift {
    #[inline(always)]
    unsafe fn apply(&self, x: __m256i) -> __m256i {
        let neg = _mm256_cmpgt_epi64(x, self.half);
        let t = _mm256_sub_epi64(self.r.reduce(x), _mm256_and_si256(neg, self.a_mod_b));
        // t in (-b, b): add b where negative (the sign bit picks).
        let u = _mm256_add_epi64(t, self.r.q);
        let o = _mm256_blendv_pd(
            _mm256_castsi256_pd(t),
            _mm256_castsi256_pd(u),
            _mm256_castsi256_pd(t),
        );
        _mm256_castpd_si256(o)
    }
}
